package scan_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/scan"
)

const realDir = "../testdata/real"

func write(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readReal(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(realDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func newScanner(t testing.TB, o scan.Options) *scan.Scanner {
	t.Helper()
	s, err := scan.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func run(t testing.TB, s *scan.Scanner, paths ...string) *scan.Result {
	t.Helper()
	res, err := s.Scan(context.Background(), paths...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func dump(r *scan.Result) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  F %-8s %-26s mod=%q op=%q src=%q\n", f.Severity, f.Rule, f.Module, f.Operator, f.Source)
	}
	for _, p := range r.Errors {
		fmt.Fprintf(&b, "  E %s %s: %s\n", p.Category, p.Source, p.Description)
	}
	for _, p := range r.Skipped {
		fmt.Fprintf(&b, "  S %s %s: %s\n", p.Category, p.Source, p.Description)
	}
	fmt.Fprintf(&b, "  scanned=%q interrupted=%v\n", r.Scanned, r.Interrupted)
	return b.String()
}

func findingSources(r *scan.Result, min scan.Severity) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity >= min {
			out = append(out, f.Source)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func payload(cmd string) []byte { return pklasm.System(cmd) }

// torchZip is a minimal torch.save-shaped archive whose data.pkl is pkl.
func torchZip(t testing.TB, pkl []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range []struct {
		name string
		data []byte
	}{{"archive/data.pkl", pkl}, {"archive/version", []byte("3\n")}} {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(m.data)
	}
	w.Close()
	return buf.Bytes()
}

func npyObject(pkl []byte) []byte {
	dict := "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
	dict += strings.Repeat(" ", 64-(10+len(dict)+1)%64) + "\n"
	return append(append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), byte(len(dict)>>8)), append([]byte(dict), pkl...)...)
}

func TestWalk(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "top.pkl"), payload("top"))
	write(t, filepath.Join(dir, "a", "b", "deep.pkl"), payload("deep"))
	write(t, filepath.Join(dir, "a", "clean.npy"), readReal(t, "numpy/float32_2d.npy"))
	write(t, filepath.Join(dir, "notes.txt"), []byte("hello\n"))
	links := true
	if err := os.Symlink(filepath.Join(dir, "a", "b", "deep.pkl"), filepath.Join(dir, "link.pkl")); err != nil {
		links = false
		t.Logf("no symlinks: %v", err)
	} else if err := os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	var sock net.Listener
	if l, err := net.Listen("unix", filepath.Join(dir, "sock")); err == nil {
		sock = l
		defer l.Close()
	} else {
		t.Logf("no unix socket: %v", err)
	}

	res := run(t, newScanner(t, scan.Options{}), dir)
	wantScanned := []string{"a/b/deep.pkl", "a/clean.npy", "top.pkl"}
	wantFindings := []string{"a/b/deep.pkl", "top.pkl"}
	if links {
		wantScanned = append(wantScanned, "link.pkl")
		wantFindings = append(wantFindings, "link.pkl")
	}
	sort.Strings(wantScanned)
	sort.Strings(wantFindings)
	if !reflect.DeepEqual(res.Scanned, wantScanned) {
		t.Errorf("scanned %q, want %q\n%s", res.Scanned, wantScanned, dump(res))
	}
	if got := findingSources(res, scan.Critical); !reflect.DeepEqual(got, wantFindings) {
		t.Errorf("CRITICAL sources %q, want %q", got, wantFindings)
	}
	skip := map[string]scan.Skip{}
	for _, s := range res.Skipped {
		skip[s.Source] = s
	}
	if s, ok := skip["notes.txt"]; !ok || s.Category != "SCAN_NOT_SUPPORTED" {
		t.Errorf("notes.txt skip %+v", s)
	}
	if links {
		if s, ok := skip["linkdir"]; !ok || s.Category != "DIRECTORY" || !strings.Contains(s.Description, "symbolic link") {
			t.Errorf("linkdir skip %+v\n%s", s, dump(res))
		}
		for _, src := range res.Scanned {
			if strings.HasPrefix(src, "linkdir/") {
				t.Errorf("followed a directory link: %s", src)
			}
		}
	}
	if sock != nil {
		if s, ok := skip["sock"]; !ok || s.Category != "SCAN_NOT_SUPPORTED" || !strings.Contains(s.Description, "not a regular file") {
			t.Errorf("socket skip %+v\n%s", s, dump(res))
		}
	}
	if len(res.Errors) != 0 || res.Interrupted {
		t.Errorf("errors:\n%s", dump(res))
	}
	if !reflect.DeepEqual(res.Inputs, []string{dir}) {
		t.Errorf("inputs %q", res.Inputs)
	}
	if res.MaxSeverity() != scan.Critical {
		t.Errorf("max severity %s", res.MaxSeverity())
	}
}

func TestSourcesSingleFileAndMissing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "m.pkl")
	write(t, p, payload("x"))
	res := run(t, newScanner(t, scan.Options{}), p)
	if got := findingSources(res, scan.Critical); !reflect.DeepEqual(got, []string{"m.pkl"}) {
		t.Errorf("single file source %q, want the base name", got)
	}
	res = run(t, newScanner(t, scan.Options{}), filepath.Join(dir, "nope.pkl"))
	if len(res.Errors) != 1 || res.Errors[0].Category != "PATH" {
		t.Errorf("missing path:\n%s", dump(res))
	}
	if _, err := newScanner(t, scan.Options{}).Scan(context.Background()); err == nil {
		t.Error("Scan with no paths: no error")
	}
}

func TestSeveralInputsKeepPrefix(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "one", "m.pkl"), payload("1"))
	write(t, filepath.Join(dir, "two", "sub", "m.pkl"), payload("2"))
	write(t, filepath.Join(dir, "single.pkl"), payload("3"))
	t.Chdir(dir)
	res := run(t, newScanner(t, scan.Options{}), "one", "two", "single.pkl")
	want := []string{"one/m.pkl", "single.pkl", "two/sub/m.pkl"}
	if got := findingSources(res, scan.Critical); !reflect.DeepEqual(got, want) {
		t.Errorf("sources %q, want %q", got, want)
	}
	if !reflect.DeepEqual(res.Scanned, want) {
		t.Errorf("scanned %q, want %q", res.Scanned, want)
	}
	// one directory alone: relative to it
	res = run(t, newScanner(t, scan.Options{}), "two")
	if got := findingSources(res, scan.Critical); !reflect.DeepEqual(got, []string{"sub/m.pkl"}) {
		t.Errorf("single dir sources %q", got)
	}
	// absolute inputs keep their (slash) prefix
	abs := filepath.Join(dir, "one")
	res = run(t, newScanner(t, scan.Options{}), abs, filepath.Join(dir, "two"))
	if got := findingSources(res, scan.Critical); len(got) != 2 || got[0] != filepath.ToSlash(filepath.Join(abs, "m.pkl")) {
		t.Errorf("absolute sources %q", got)
	}
}

type countObserver struct {
	mu      sync.Mutex
	planned []int
	bytes   int64
	done    []string
	onDone  func(n int)
}

func (o *countObserver) Planned(files int, bytes int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.planned = append(o.planned, files)
	o.bytes = bytes
}

func (o *countObserver) Done(source string, bytes int64) {
	o.mu.Lock()
	o.done = append(o.done, source)
	n := len(o.done)
	o.mu.Unlock()
	if o.onDone != nil {
		o.onDone(n)
	}
}

func TestSameFileScannedOnce(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.pkl")
	write(t, p, payload("x"))
	rel, err := filepath.Rel(".", p)
	if err != nil {
		rel = p
	}
	for _, paths := range [][]string{{p, p}, {dir, p}, {p, dir}, {p, rel}} {
		obs := &countObserver{}
		res := run(t, newScanner(t, scan.Options{Observer: obs}), paths...)
		if len(res.Scanned) != 1 || len(res.Findings) != 1 {
			t.Errorf("%q: scanned %q, %d findings\n%s", paths, res.Scanned, len(res.Findings), dump(res))
		}
		if !reflect.DeepEqual(obs.planned, []int{1}) || len(obs.done) != 1 {
			t.Errorf("%q: planned %v done %q", paths, obs.planned, obs.done)
		}
	}
}

func TestObserver(t *testing.T) {
	dir := t.TempDir()
	var total int64
	var want []string
	for i := 0; i < 25; i++ {
		data := payload(fmt.Sprintf("echo %d", i))
		name := fmt.Sprintf("d%d/f%02d.pkl", i%3, i)
		write(t, filepath.Join(dir, name), data)
		total += int64(len(data))
		want = append(want, name)
	}
	sort.Strings(want)
	obs := &countObserver{}
	run(t, newScanner(t, scan.Options{Observer: obs, Jobs: 4}), dir)
	if !reflect.DeepEqual(obs.planned, []int{25}) || obs.bytes != total {
		t.Errorf("planned %v bytes %d, want [25] %d", obs.planned, obs.bytes, total)
	}
	sort.Strings(obs.done)
	if !reflect.DeepEqual(obs.done, want) {
		t.Errorf("done %q", obs.done)
	}
}

// mixedDir writes n files: every real fixture plus crafted pickles, torch
// archives, npy files, garbage and text.
func mixedDir(t testing.TB, n int) string {
	t.Helper()
	dir := t.TempDir()
	count := 0
	filepath.WalkDir(realDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(realDir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		write(t, filepath.Join(dir, "real", rel), data)
		count++
		return nil
	})
	for i := 0; count < n; i++ {
		var name string
		var data []byte
		switch i % 7 {
		case 0:
			name, data = fmt.Sprintf("crafted/p%03d.pkl", i), payload(fmt.Sprintf("echo %d", i))
		case 1:
			name, data = fmt.Sprintf("crafted/t%03d.pt", i), torchZip(t, payload(fmt.Sprintf("id %d", i)))
		case 2:
			name, data = fmt.Sprintf("crafted/n%03d.npy", i), npyObject(payload(fmt.Sprintf("ls %d", i)))
		case 3:
			name, data = fmt.Sprintf("crafted/g%03d.pkl", i), []byte(fmt.Sprintf("garbage %d", i))
		case 4:
			name, data = fmt.Sprintf("crafted/x%03d.txt", i), []byte("text")
		case 5:
			name = fmt.Sprintf("crafted/e%03d.pkl", i)
			data = pklasm.New().Proto(2).Global("builtins", "eval").Str("1+1").Tuple1().Reduce().Stop().Bytes()
		case 6:
			name = fmt.Sprintf("crafted/u%03d.pkl", i)
			data = pklasm.New().Proto(4).SG("mypkg.models", fmt.Sprintf("Net%d", i)).EmptyTuple().Reduce().Stop().Bytes()
		}
		write(t, filepath.Join(dir, name), data)
		count++
	}
	return dir
}

func TestDeterministicAcrossJobs(t *testing.T) {
	dir := mixedDir(t, 220)
	var results []*scan.Result
	for _, jobs := range []int{1, 8, 8, 3} {
		results = append(results, run(t, newScanner(t, scan.Options{Jobs: jobs}), dir))
	}
	if len(results[0].Scanned) < 200 {
		t.Fatalf("only %d scanned sources", len(results[0].Scanned))
	}
	if results[0].MaxSeverity() != scan.Critical || len(results[0].Errors) == 0 || len(results[0].Skipped) == 0 {
		t.Fatalf("mixed directory not mixed:\n%s", dump(results[0]))
	}
	for i, r := range results[1:] {
		if !reflect.DeepEqual(results[0], r) {
			t.Errorf("result %d differs from Jobs=1", i+1)
			for k := 0; k < len(r.Findings) && k < len(results[0].Findings); k++ {
				if !reflect.DeepEqual(r.Findings[k], results[0].Findings[k]) {
					t.Errorf("first difference at finding %d:\n%+v\n%+v", k, results[0].Findings[k], r.Findings[k])
					break
				}
			}
		}
	}
}

func waitGoroutines(base int) int {
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCancelMidScan(t *testing.T) {
	dir := t.TempDir()
	var all []string
	for i := 0; i < 300; i++ {
		name := fmt.Sprintf("f%03d.pkl", i)
		write(t, filepath.Join(dir, name), payload(fmt.Sprintf("echo %d", i)))
		all = append(all, name)
	}
	for _, jobs := range []int{1, 4} {
		t.Run(fmt.Sprint("jobs=", jobs), func(t *testing.T) {
			base := runtime.NumGoroutine()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			obs := &countObserver{onDone: func(n int) {
				if n == 3 {
					cancel()
				}
			}}
			res, err := newScanner(t, scan.Options{Jobs: jobs, Observer: obs}).Scan(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Interrupted {
				t.Error("Interrupted not set")
			}
			cancelled, notStarted := map[string]bool{}, map[string]bool{}
			for _, e := range res.Errors {
				if e.Category == "CANCELLED" {
					cancelled[e.Source] = true
					notStarted[e.Source] = strings.Contains(e.Description, "not scanned")
				} else {
					t.Errorf("unexpected error %+v", e)
				}
			}
			scanned := map[string]bool{}
			for _, s := range res.Scanned {
				scanned[s] = true
			}
			if len(cancelled) < 250 {
				t.Errorf("%d files reported CANCELLED, want most of 300", len(cancelled))
			}
			for _, name := range all {
				if !cancelled[name] && !scanned[name] {
					t.Errorf("%s neither scanned nor reported cancelled", name)
				}
				// a file interrupted mid-analysis may be both; one never
				// started must not be listed as scanned
				if notStarted[name] && scanned[name] {
					t.Errorf("%s both scanned and reported not scanned", name)
				}
			}
			if got := findingSources(res, scan.Critical); len(got) < 3 {
				t.Errorf("findings of the files scanned before the cancel are lost: %q", got)
			}
			if n := waitGoroutines(base); n > base {
				buf := make([]byte, 1<<16)
				t.Errorf("goroutines: %d before, %d after\n%s", base, n, buf[:runtime.Stack(buf, true)])
			}
		})
	}
}

func TestCancelBeforeStart(t *testing.T) {
	dir := mixedDir(t, 30)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := newScanner(t, scan.Options{Jobs: 2}).Scan(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || len(res.Findings) != 0 {
		t.Errorf("pre-cancelled scan:\n%s", dump(res))
	}
	for _, e := range res.Errors {
		if e.Category != "CANCELLED" {
			t.Errorf("error %+v", e)
		}
	}
}

func TestScanReader(t *testing.T) {
	s := newScanner(t, scan.Options{})
	data := torchZip(t, payload("echo pwned"))
	res := s.ScanReader(context.Background(), "upload.pt", bytes.NewReader(data), int64(len(data)))
	if got := findingSources(res, scan.Critical); !reflect.DeepEqual(got, []string{"upload.pt:archive/data.pkl"}) {
		t.Errorf("sources %q\n%s", got, dump(res))
	}
	if !reflect.DeepEqual(res.Inputs, []string{"upload.pt"}) || res.MaxSeverity() != scan.Critical || res.Interrupted {
		t.Errorf("result %+v", res)
	}
	if !slices.Contains(res.Scanned, "upload.pt:archive/data.pkl") {
		t.Errorf("scanned %q", res.Scanned)
	}
	clean := readReal(t, "torch/state_dict.pt")
	res = s.ScanReader(context.Background(), "clean.pt", bytes.NewReader(clean), int64(len(clean)))
	if res.MaxSeverity() > scan.Low || len(res.Errors) != 0 {
		t.Errorf("clean reader:\n%s", dump(res))
	}
}

func TestExtraDeniedAllowed(t *testing.T) {
	custom := pklasm.New().Proto(4).SG("teamlib.layers", "Block").EmptyTuple().Reduce().Stop().Bytes()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "m.pkl"), custom)
	sevOf := func(o scan.Options) scan.Severity { return run(t, newScanner(t, o), dir).MaxSeverity() }

	def := sevOf(scan.Options{})
	if def != scan.Medium {
		t.Errorf("unknown import: %s, want MEDIUM", def)
	}
	if got := sevOf(scan.Options{ExtraDenied: map[scan.Severity][]scan.Global{scan.Critical: {{Module: "teamlib.layers", Name: "*"}}}}); got != scan.Critical {
		t.Errorf("module denied: %s, want CRITICAL", got)
	}
	if got := sevOf(scan.Options{ExtraDenied: map[scan.Severity][]scan.Global{scan.High: {{Module: "teamlib.layers", Name: "Block"}}}}); got != scan.High {
		t.Errorf("name denied: %s, want HIGH", got)
	}
	if got := sevOf(scan.Options{ExtraDenied: map[scan.Severity][]scan.Global{scan.High: {{Module: "teamlib.layers", Name: "Other"}}}}); got != def {
		t.Errorf("other name denied changed the severity to %s", got)
	}
	res := run(t, newScanner(t, scan.Options{ExtraAllowed: []scan.Global{{Module: "teamlib.layers", Name: "Block"}}}), dir)
	if len(res.Findings) != 0 {
		t.Errorf("allowlisted import still reported:\n%s", dump(res))
	}
	// the extra entries do not leak into scanners built later
	if got := sevOf(scan.Options{}); got != def {
		t.Errorf("default scanner after customised ones: %s", got)
	}
	// an allowlist entry does not hide a real payload
	write(t, filepath.Join(dir, "p.pkl"), payload("echo pwned"))
	res = run(t, newScanner(t, scan.Options{ExtraAllowed: []scan.Global{{Module: "teamlib.layers", Name: "Block"}}}), dir)
	if got := findingSources(res, scan.Critical); !reflect.DeepEqual(got, []string{"p.pkl"}) {
		t.Errorf("payload with allowlist: %q", got)
	}
}

func TestDisabledHandlers(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "m.pkl"), payload("pkl"))
	write(t, filepath.Join(dir, "m.pt"), torchZip(t, payload("pt")))
	write(t, filepath.Join(dir, "m.npy"), npyObject(payload("npy")))
	all := []string{"m.npy", "m.pkl", "m.pt:archive/data.pkl"}
	cases := []struct {
		disabled []string
		critical []string // sources with CRITICAL findings
		skipped  []string
	}{
		{nil, all, nil},
		{[]string{"numpy"}, []string{"m.pkl", "m.pt:archive/data.pkl"}, []string{"m.npy"}},
		{[]string{"pytorch-zip"}, []string{"m.npy", "m.pkl"}, []string{"m.pt"}},
		{[]string{"pickle"}, []string{"m.npy", "m.pt:archive/data.pkl"}, []string{"m.pkl"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.disabled, ","), func(t *testing.T) {
			s := newScanner(t, scan.Options{DisabledHandlers: c.disabled})
			res := run(t, s, dir)
			if got := findingSources(res, scan.Critical); !reflect.DeepEqual(got, c.critical) {
				t.Errorf("critical %q, want %q\n%s", got, c.critical, dump(res))
			}
			var skipped []string
			for _, sk := range res.Skipped {
				skipped = append(skipped, sk.Source)
				if !strings.Contains(sk.Description, "disabled") {
					t.Errorf("skip reason %q does not say disabled", sk.Description)
				}
			}
			if !reflect.DeepEqual(skipped, c.skipped) {
				t.Errorf("skipped %q, want %q", skipped, c.skipped)
			}
			if len(res.Errors) != 0 {
				t.Errorf("errors:\n%s", dump(res))
			}
		})
	}
	if _, err := scan.New(scan.Options{DisabledHandlers: []string{"no-such-handler"}}); err == nil {
		t.Error("unknown handler name accepted")
	}
	names := newScanner(t, scan.Options{}).HandlerNames()
	for _, n := range []string{"numpy", "zip", "pytorch-legacy", "pickle"} {
		if !slices.Contains(names, n) {
			t.Errorf("handler names %q lack %q", names, n)
		}
	}
}

func TestMaxSeverity(t *testing.T) {
	cases := []struct {
		sevs []scan.Severity
		want scan.Severity
	}{
		{nil, 0},
		{[]scan.Severity{scan.Low}, scan.Low},
		{[]scan.Severity{scan.Low, scan.High, scan.Medium}, scan.High},
		{[]scan.Severity{scan.Critical, scan.Low}, scan.Critical},
	}
	for _, c := range cases {
		r := &scan.Result{}
		for _, s := range c.sevs {
			r.Findings = append(r.Findings, scan.Finding{Severity: s})
		}
		if got := r.MaxSeverity(); got != c.want {
			t.Errorf("%v: %s, want %s", c.sevs, got, c.want)
		}
	}
	for _, name := range []string{"low", "MEDIUM", "High", "critical"} {
		if _, err := scan.ParseSeverity(name); err != nil {
			t.Error(err)
		}
	}
	if _, err := scan.ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity accepted garbage")
	}
}

func TestFileTimeoutOption(t *testing.T) {
	dir := t.TempDir()
	b := make([]byte, 0, 40_000_004)
	b = append(b, 0x80, 2)
	for len(b) < 40_000_000 {
		b = append(b, 'N', '0')
	}
	b = append(b, 'N', '.')
	write(t, filepath.Join(dir, "dense.pkl"), b)
	write(t, filepath.Join(dir, "p.pkl"), payload("x"))
	start := time.Now()
	res := run(t, newScanner(t, scan.Options{FileTimeout: time.Millisecond}), dir)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
	var budget bool
	for _, e := range res.Errors {
		budget = budget || (e.Category == "BUDGET" && e.Source == "dense.pkl")
	}
	var incomplete bool
	for _, f := range res.Findings {
		incomplete = incomplete || (f.Rule == "scan-incomplete" && f.Source == "dense.pkl")
	}
	if !budget || !incomplete || res.Interrupted {
		t.Errorf("per-file timeout:\n%s", dump(res))
	}
}
