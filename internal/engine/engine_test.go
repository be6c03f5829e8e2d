package engine_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/engine"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
)

var pol = policy.Default()

func newEngine() *engine.Engine {
	return &engine.Engine{Reg: formats.New(pol), Limits: core.DefaultLimits()}
}

func dump(fr engine.FileResult) string {
	var b strings.Builder
	for _, f := range fr.Findings {
		fmt.Fprintf(&b, "  F %-8s %-26s mod=%q op=%q src=%q desc=%q ev=%q\n", f.Severity, f.Rule, f.Module, f.Operator, f.Source, f.Description, f.Evidence)
	}
	for _, p := range fr.Problems {
		d := p.Description
		if len(d) > 300 {
			d = d[:300] + "..."
		}
		fmt.Fprintf(&b, "  P %s %s: %s\n", p.Category, p.Source, d)
	}
	for _, p := range fr.Skips {
		fmt.Fprintf(&b, "  S %s %s: %s\n", p.Category, p.Source, p.Description)
	}
	fmt.Fprintf(&b, "  scanned=%q\n", fr.Scanned)
	return b.String()
}

func TestDedupe(t *testing.T) {
	f := func(src, rule, mod, op string, sev core.Severity, off int64, ev string) core.Finding {
		return core.Finding{Source: src, Rule: rule, Module: mod, Operator: op, Severity: sev, Offset: off, Evidence: ev, Description: ev}
	}
	cases := []struct {
		name string
		in   []core.Finding
		want []core.Finding
	}{
		{name: "empty", in: nil, want: nil},
		{name: "same key keeps max severity, its evidence and first offset",
			in: []core.Finding{
				f("a", "r", "m", "o", core.Medium, 40, "medium"),
				f("a", "r", "m", "o", core.Critical, 50, "critical"),
				f("a", "r", "m", "o", core.Low, 10, "low"),
			},
			want: []core.Finding{f("a", "r", "m", "o", core.Critical, 10, "critical")}},
		{name: "negative offset does not win",
			in: []core.Finding{
				f("a", "r", "m", "o", core.High, -1, "x"),
				f("a", "r", "m", "o", core.High, 7, "y"),
				f("a", "r", "m", "o", core.High, -1, "z"),
			},
			want: []core.Finding{f("a", "r", "m", "o", core.High, 7, "x")}},
		{name: "different source, rule, module or operator are kept",
			in: []core.Finding{
				f("a", "r", "m", "o", core.High, 1, ""),
				f("b", "r", "m", "o", core.High, 1, ""),
				f("a", "r2", "m", "o", core.High, 1, ""),
				f("a", "r", "m2", "o", core.High, 1, ""),
				f("a", "r", "m", "o2", core.High, 1, ""),
			},
			want: []core.Finding{
				f("a", "r", "m", "o", core.High, 1, ""),
				f("a", "r", "m", "o2", core.High, 1, ""),
				f("a", "r", "m2", "o", core.High, 1, ""),
				f("a", "r2", "m", "o", core.High, 1, ""),
				f("b", "r", "m", "o", core.High, 1, ""),
			}},
		{name: "same severity keeps first evidence",
			in: []core.Finding{
				f("a", "r", "m", "o", core.High, 5, "first"),
				f("a", "r", "m", "o", core.High, 3, "second"),
			},
			want: []core.Finding{f("a", "r", "m", "o", core.High, 3, "first")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := engine.Dedupe(c.in)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestSortFindings(t *testing.T) {
	mk := func(sev core.Severity, src, rule, mod, op string, off int64) core.Finding {
		return core.Finding{Severity: sev, Source: src, Rule: rule, Module: mod, Operator: op, Offset: off}
	}
	want := []core.Finding{
		mk(core.Critical, "a", "r", "m", "o", 1),
		mk(core.Critical, "b", "a", "m", "o", 1),
		mk(core.High, "a", "a", "m", "o", 1),
		mk(core.High, "a", "b", "a", "o", 1),
		mk(core.High, "a", "b", "b", "a", 1),
		mk(core.High, "a", "b", "b", "b", -1),
		mk(core.High, "a", "b", "b", "b", 0),
		mk(core.High, "a", "b", "b", "b", 9),
		mk(core.Medium, "", "", "", "", 0),
		mk(core.Low, "z", "z", "z", "z", 100),
	}
	for _, perm := range [][]int{{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, {3, 0, 8, 1, 9, 2, 7, 4, 6, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}} {
		in := make([]core.Finding, len(want))
		for i, j := range perm {
			in[i] = want[j]
		}
		engine.SortFindings(in)
		if !reflect.DeepEqual(in, want) {
			t.Errorf("perm %v: got\n%+v\nwant\n%+v", perm, in, want)
		}
	}
}

type panicReader struct{}

func (panicReader) ReadAt(p []byte, off int64) (int, error) { panic("boom: reader exploded") }

func TestScanBlobPanicBecomesError(t *testing.T) {
	e := newEngine()
	fr := e.ScanBlob(context.Background(), &core.Blob{Source: "bad.pkl", Name: "bad.pkl", R: panicReader{}, Size: 100})
	if fr.Source != "bad.pkl" || fr.Size != 100 {
		t.Errorf("source %q size %d", fr.Source, fr.Size)
	}
	if len(fr.Problems) != 1 || fr.Problems[0].Category != core.CatModelScan || fr.Problems[0].Source != "bad.pkl" ||
		!strings.Contains(fr.Problems[0].Description, "boom: reader exploded") {
		t.Fatalf("want one MODEL_SCAN error naming the panic:\n%s", dump(fr))
	}
	// the engine is still usable afterwards
	data := pklasm.System("echo pwned")
	fr = e.ScanBlob(context.Background(), &core.Blob{Source: "x.pkl", Name: "x.pkl", R: bytes.NewReader(data), Size: int64(len(data))})
	if len(fr.Findings) == 0 || fr.Findings[0].Severity != core.Critical {
		t.Errorf("after a panic:\n%s", dump(fr))
	}
}

// A panic while reading a later archive member is contained the same way
// and keeps the findings reported before it.
type panicRange struct {
	data     []byte
	from, to int64 // reads overlapping [from, to) panic
}

func (p panicRange) ReadAt(b []byte, off int64) (int, error) {
	if off < p.to && off+int64(len(b)) > p.from {
		panic("late boom")
	}
	return bytes.NewReader(p.data).ReadAt(b, off)
}

func TestScanBlobPanicKeepsEarlierFindings(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	marker := bytes.Repeat([]byte("MARKER"), 20)
	for _, m := range []struct {
		name string
		data []byte
	}{
		{"a.pkl", pklasm.System("echo pwned")},
		{"pad1.bin", make([]byte, 4096)}, // keeps b.pkl out of the head the dispatcher sniffs
		{"b.pkl", marker},
		{"pad2.bin", make([]byte, 256<<10)}, // and out of the tail read for the directory
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(m.data)
	}
	zw.Close()
	data := buf.Bytes()
	at := int64(bytes.Index(data, marker))
	r := panicRange{data: data, from: at, to: at + int64(len(marker))}
	fr := newEngine().ScanBlob(context.Background(), &core.Blob{Source: "x.zip", Name: "x.zip", R: r, Size: int64(len(data))})
	crit := false
	for _, f := range fr.Findings {
		crit = crit || (f.Severity == core.Critical && f.Source == "x.zip:a.pkl")
	}
	internal := false
	for _, p := range fr.Problems {
		internal = internal || (p.Category == core.CatModelScan && strings.Contains(p.Description, "late boom"))
	}
	if !crit || !internal {
		t.Errorf("want a.pkl's CRITICAL kept and a MODEL_SCAN error for the panic:\n%s", dump(fr))
	}
}

func TestScanFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.pkl")
	if err := os.WriteFile(p, pklasm.System("echo pwned"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newEngine()
	fr := e.ScanFile(context.Background(), p, "shown/m.pkl", -1)
	if fr.Source != "shown/m.pkl" || fr.Size != int64(len(pklasm.System("echo pwned"))) {
		t.Errorf("source %q size %d", fr.Source, fr.Size)
	}
	if len(fr.Findings) != 1 || fr.Findings[0].Severity != core.Critical || fr.Findings[0].Source != "shown/m.pkl" ||
		fr.Findings[0].Rule != rules.PickleDangerousImport {
		t.Errorf("findings:\n%s", dump(fr))
	}
	if !reflect.DeepEqual(fr.Scanned, []string{"shown/m.pkl"}) {
		t.Errorf("scanned %q", fr.Scanned)
	}
	fr = e.ScanFile(context.Background(), filepath.Join(dir, "missing.pkl"), "missing.pkl", -1)
	if len(fr.Problems) != 1 || fr.Problems[0].Category != core.CatPath || fr.Problems[0].Source != "missing.pkl" {
		t.Errorf("missing file:\n%s", dump(fr))
	}
}

func TestScanBlobCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := pklasm.System("echo pwned")
	fr := newEngine().ScanBlob(ctx, &core.Blob{Source: "x.pkl", Name: "x.pkl", R: bytes.NewReader(data), Size: int64(len(data))})
	if len(fr.Problems) != 1 || fr.Problems[0].Category != core.CatCancelled {
		t.Errorf("cancelled scan:\n%s", dump(fr))
	}
}

// denseOps is a valid pickle of n NONE/POP pairs: cheap to build, costly
// to analyse.
func denseOps(n int) []byte {
	b := make([]byte, 0, 2*n+4)
	b = append(b, 0x80, 2)
	for i := 0; i < n; i++ {
		b = append(b, 'N', '0')
	}
	return append(b, 'N', '.')
}

func TestTimeout(t *testing.T) {
	data := denseOps(20_000_000)
	for _, name := range []string{"big.pkl", "archived.npy"} {
		t.Run(name, func(t *testing.T) {
			blob := data
			if name == "archived.npy" {
				h := "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
				h += strings.Repeat(" ", 64-(10+len(h)+1)%64) + "\n"
				blob = append(append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8)), h...)
				blob = append(blob, data...)
			}
			e := newEngine()
			e.Timeout = time.Millisecond
			start := time.Now()
			fr := e.ScanBlob(context.Background(), &core.Blob{Source: name, Name: name, R: bytes.NewReader(blob), Size: int64(len(blob))})
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s with a 1ms budget", d)
			}
			inc := false
			for _, f := range fr.Findings {
				if f.Rule == rules.ScanIncomplete && f.Severity == core.Medium && f.Source == name {
					inc = true
				}
			}
			budget := false
			for _, p := range fr.Problems {
				budget = budget || p.Category == core.CatBudget
			}
			if !inc || !budget {
				t.Errorf("want scan-incomplete MEDIUM and a BUDGET error:\n%s", dump(fr))
			}
		})
	}
}

// Without a timeout the same stream is analysed completely (sanity check
// that the budget, not the content, stopped the scan above).
func TestNoTimeoutCompletes(t *testing.T) {
	data := denseOps(200_000)
	fr := newEngine().ScanBlob(context.Background(), &core.Blob{Source: "x.pkl", Name: "x.pkl", R: bytes.NewReader(data), Size: int64(len(data))})
	if len(fr.Findings) != 0 || len(fr.Problems) != 0 {
		t.Errorf("dense benign pickle:\n%s", dump(fr))
	}
}

func TestCollectSortsAndDedupes(t *testing.T) {
	// the same payload twice in one stream: one finding after Dedupe
	one := pklasm.System("echo pwned")
	data := append(append([]byte(nil), one...), one...)
	fr := newEngine().ScanBlob(context.Background(), &core.Blob{Source: "x.pkl", Name: "x.pkl", R: bytes.NewReader(data), Size: int64(len(data))})
	n := 0
	for _, f := range fr.Findings {
		if f.Rule == rules.PickleDangerousImport {
			n++
			if f.Offset != 2 {
				t.Errorf("offset %d, want the first one (2)", f.Offset)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d dangerous-import findings, want 1:\n%s", n, dump(fr))
	}
	sorted := append([]core.Finding(nil), fr.Findings...)
	engine.SortFindings(sorted)
	if !reflect.DeepEqual(sorted, fr.Findings) {
		t.Error("findings not sorted")
	}
}

type slowReader struct {
	r     *bytes.Reader
	delay time.Duration
}

func (s slowReader) ReadAt(p []byte, off int64) (int, error) {
	time.Sleep(s.delay)
	return s.r.ReadAt(p, off)
}

// The scan-incomplete finding names the budget the user can raise: the
// settings key is max_seconds_per_file, wherever the deadline is noticed
// (inside the pickle machine or between archive members).
func TestTimeoutNamesSettingsKey(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < 50; i++ {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("m%02d.bin", i), Method: zip.Store})
		w.Write([]byte("plain bytes"))
	}
	zw.Close()
	slow := slowReader{r: bytes.NewReader(buf.Bytes()), delay: 2 * time.Millisecond}
	dense := denseOps(20_000_000)
	for _, c := range []struct {
		name string
		blob *core.Blob
	}{
		{"between members", &core.Blob{Source: "x.zip", Name: "x.zip", R: slow, Size: int64(buf.Len())}},
		{"inside pickle", &core.Blob{Source: "x.pkl", Name: "x.pkl", R: bytes.NewReader(dense), Size: int64(len(dense))}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEngine()
			e.Timeout = 30 * time.Millisecond
			fr := e.ScanBlob(context.Background(), c.blob)
			var descs []string
			for _, f := range fr.Findings {
				if f.Rule == rules.ScanIncomplete {
					descs = append(descs, f.Description)
				}
			}
			if len(descs) == 0 {
				t.Fatalf("no scan-incomplete finding:\n%s", dump(fr))
			}
			for _, d := range descs {
				if !strings.Contains(d, "max_seconds_per_file") {
					t.Errorf("timeout finding says %q; the settings key is max_seconds_per_file", d)
				}
			}
		})
	}
}
