package zipfmt_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
	"github.com/modelscan-go/modelscan/internal/scantest/sessiontest"
)

const (
	scannerTorch = "modelscan.scanners.PyTorchUnsafeOpScan"
	scannerNumpy = "modelscan.scanners.NumpyUnsafeOpScan"
)

func scan(t *testing.T, name string, data []byte, lim core.Limits) *core.Session {
	return scantest.Scan(name, data, lim)
}

func dump(s *core.Session) string { return scantest.Dump(s) }

// find returns the findings matching every non-zero criterion.
func find(s *core.Session, rule string, sev core.Severity, source string) []core.Finding {
	return sessiontest.Find(s, rule, sev, source)
}

func maxSev(s *core.Session) core.Severity { return scantest.MaxSeverity(s) }

func hasProblem(s *core.Session, cat string) bool { return sessiontest.HasProblem(s, cat) }

// ---- archive builders (nothing is ever loaded) ----

type member struct {
	name    string
	data    []byte
	deflate bool
	flags   uint16
	badCRC  bool
	// pre-deflated content (data is then ignored): comp inflates to size
	// bytes with CRC-32 crc
	comp []byte
	size uint64
	crc  uint32
}

type zopts struct {
	prefix    []byte
	absOffset bool // central offsets count the prefix (zip -A style); else relative to the archive (cat)
}

// buildZip writes the members with CreateRaw so every header field is ours:
// CRC and sizes go in the local header (no data descriptor) unless flags say
// otherwise.
func buildZip(t testing.TB, ms []member, o zopts) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.Write(o.prefix)
	w := zip.NewWriter(&buf)
	if o.absOffset {
		w.SetOffset(int64(len(o.prefix)))
	}
	for _, m := range ms {
		comp := m.data
		method := zip.Store
		if m.deflate {
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, flate.BestCompression)
			fw.Write(m.data)
			fw.Close()
			comp, method = c.Bytes(), zip.Deflate
		}
		crc, size := crc32.ChecksumIEEE(m.data), uint64(len(m.data))
		if m.comp != nil {
			comp, method, crc, size = m.comp, zip.Deflate, m.crc, m.size
		}
		if m.badCRC {
			crc ^= 0xdeadbeef
		}
		fh := &zip.FileHeader{Name: m.name, Method: method, Flags: m.flags, CRC32: crc,
			CompressedSize64: uint64(len(comp)), UncompressedSize64: size}
		fw, err := w.CreateRaw(fh)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(comp)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// realTorchMembers returns the members of a real torch.save archive with
// their top-level folder renamed to prefix.
func realTorchMembers(t testing.TB, file, prefix string) []member {
	t.Helper()
	zr, err := zip.OpenReader(filepath.Join(scantest.RealDir(), "torch", file))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out []member
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(f.Name, "/")
		out = append(out, member{name: prefix + "/" + rest, data: data})
	}
	return out
}

// torchZip is the real state_dict.pt under the "archive/" prefix with edit
// applied to the member list.
func torchZip(t testing.TB, prefix string, edit func([]member) []member, o zopts) []byte {
	ms := realTorchMembers(t, "state_dict.pt", prefix)
	if edit != nil {
		ms = edit(ms)
	}
	return buildZip(t, ms, o)
}

func replace(name string, data []byte) func([]member) []member {
	return func(ms []member) []member {
		for i := range ms {
			if ms[i].name == name {
				ms[i].data = data
			}
		}
		return ms
	}
}

func setMember(name string, fn func(*member)) func([]member) []member {
	return func(ms []member) []member {
		for i := range ms {
			if ms[i].name == name {
				fn(&ms[i])
			}
		}
		return ms
	}
}

func appendMember(m member) func([]member) []member {
	return func(ms []member) []member { return append(ms, m) }
}

// renameLocal changes the name in the local header of the first member
// called from (same length) without touching the central directory.
func renameLocal(t testing.TB, z []byte, from, to string) []byte {
	t.Helper()
	if len(from) != len(to) {
		t.Fatal("same length names only")
	}
	z = append([]byte(nil), z...)
	for off := 0; off+30 <= len(z); off++ {
		if string(z[off:off+4]) != "PK\x03\x04" {
			continue
		}
		n := int(binary.LittleEndian.Uint16(z[off+26:]))
		if n == len(from) && string(z[off+30:off+30+n]) == from {
			copy(z[off+30:], to)
			return z
		}
	}
	t.Fatalf("local header %q not found", from)
	return nil
}

var payload = pklasm.System("echo pwned")

func npyObject(pkl []byte) []byte {
	return npyFile("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", pkl)
}

func npyFile(dict string, data []byte) []byte { return scantest.NPY(dict, data) }

// ---- real fixtures ----

type manifestEntry struct {
	Path   string `json:"path"`
	Format string `json:"format"`
}

func manifest(t *testing.T, formats ...string) []manifestEntry {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(scantest.RealDir(), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all []manifestEntry
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatal(err)
	}
	var out []manifestEntry
	for _, e := range all {
		for _, f := range formats {
			if e.Format == f {
				out = append(out, e)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no fixtures of %v", formats)
	}
	return out
}

func TestRealZipFixturesClean(t *testing.T) {
	for _, e := range manifest(t, "pytorch-zip", "npz") {
		t.Run(e.Path, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(scantest.RealDir(), e.Path))
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Base(e.Path)
			s := scan(t, name, data, core.DefaultLimits())
			if m := maxSev(s); m > core.Low || len(s.Problems) > 0 {
				t.Errorf("max severity %s, %d problems:\n%s", m, len(s.Problems), dump(s))
			}
			scanned := strings.Join(s.Scanned, "\n")
			if e.Format == "pytorch-zip" {
				stem := strings.TrimSuffix(name, filepath.Ext(name))
				want := name + ":" + stem + "/data.pkl"
				if !strings.Contains("\n"+scanned+"\n", "\n"+want+"\n") {
					t.Errorf("scanned %q, want %q among them", s.Scanned, want)
				}
			} else if !strings.Contains(scanned, name+":") {
				t.Errorf("no member scanned: %q", s.Scanned)
			}
		})
	}
}

// ---- crafted PyTorch archives ----

func TestTorchZipBaselineClean(t *testing.T) {
	s := scan(t, "x.pt", torchZip(t, "archive", nil, zopts{}), core.DefaultLimits())
	if maxSev(s) > core.Low || len(s.Problems) > 0 {
		t.Fatalf("rebuilt benign archive not clean:\n%s", dump(s))
	}
}

func TestTorchZipCrafted(t *testing.T) {
	const dataPkl = "archive/data.pkl"
	type want struct {
		rule   string
		sev    core.Severity
		source string
	}
	critical := want{rules.PickleDangerousImport, core.Critical, "x.pt:" + dataPkl}
	benign := realTorchMembers(t, "state_dict.pt", "archive")[0].data
	prefixed := func(abs bool) []byte {
		z := torchZip(t, "archive", nil, zopts{prefix: payload, absOffset: abs})
		return z
	}
	cases := []struct {
		name  string
		data  []byte
		want  []want
		check func(t *testing.T, s *core.Session)
	}{
		{name: "data.pkl payload", data: torchZip(t, "archive", replace(dataPkl, payload), zopts{}),
			want: []want{critical}},
		{name: "renamed prefix", data: torchZip(t, "my_weights", replace("my_weights/data.pkl", payload), zopts{}),
			want: []want{{rules.PickleDangerousImport, core.Critical, "x.pt:my_weights/data.pkl"}}},
		{name: "top-level data.pkl", data: buildZip(t, []member{{name: "data.pkl", data: payload}}, zopts{}),
			want: []want{{rules.PickleDangerousImport, core.Critical, "x.pt:data.pkl"}}},
		{name: "duplicate benign then malicious", data: torchZip(t, "archive", appendMember(member{name: dataPkl, data: payload}), zopts{}),
			want: []want{critical, {rules.ArchiveDuplicate, 0, ""}}},
		{name: "duplicate malicious then benign", data: torchZip(t, "archive", func(ms []member) []member {
			ms = replace(dataPkl, payload)(ms)
			return append(ms, member{name: dataPkl, data: benign})
		}, zopts{}),
			want: []want{critical, {rules.ArchiveDuplicate, 0, ""}}},
		{name: "encryption flag", data: torchZip(t, "archive", func(ms []member) []member {
			ms = replace(dataPkl, payload)(ms)
			return setMember(dataPkl, func(m *member) { m.flags |= 1 })(ms)
		}, zopts{}),
			want: []want{critical, {rules.ArchiveAnomaly, core.Low, ""}}},
		{name: "bad CRC stored", data: torchZip(t, "archive", func(ms []member) []member {
			ms = replace(dataPkl, payload)(ms)
			return setMember(dataPkl, func(m *member) { m.badCRC = true })(ms)
		}, zopts{}),
			want: []want{critical, {rules.ArchiveAnomaly, core.Low, ""}}},
		{name: "bad CRC deflated", data: torchZip(t, "archive", func(ms []member) []member {
			ms = replace(dataPkl, payload)(ms)
			return setMember(dataPkl, func(m *member) { m.badCRC, m.deflate = true, true })(ms)
		}, zopts{}),
			want: []want{critical, {rules.ArchiveAnomaly, core.Low, ""}}},
		{name: "local/central name mismatch", data: renameLocal(t, torchZip(t, "archive", replace(dataPkl, payload), zopts{}), dataPkl, "archive/xata.pkl"),
			want: []want{critical, {rules.ArchiveAnomaly, core.Low, ""}}},
		{name: "deflated data.pkl", data: torchZip(t, "archive", func(ms []member) []member {
			ms = replace(dataPkl, payload)(ms)
			return setMember(dataPkl, func(m *member) { m.deflate = true })(ms)
		}, zopts{}),
			want: []want{critical}},
		{name: "dormant extra member", data: torchZip(t, "archive", appendMember(member{name: "extra/hook.pkl", data: payload}), zopts{}),
			want: []want{{rules.PickleDangerousImport, core.High, "x.pt:extra/hook.pkl"}},
			check: func(t *testing.T, s *core.Session) {
				for _, f := range find(s, rules.PickleDangerousImport, 0, "x.pt:extra/hook.pkl") {
					if !strings.Contains(f.Description, "dormant") {
						t.Errorf("description %q does not say dormant", f.Description)
					}
				}
				if maxSev(s) != core.High {
					t.Errorf("max severity %s, want HIGH", maxSev(s))
				}
			}},
		{name: "storage pickle with imports", data: torchZip(t, "archive", replace("archive/data/0", payload), zopts{}),
			want: []want{{rules.PickleDangerousImport, core.High, "x.pt:archive/data/0"}},
			check: func(t *testing.T, s *core.Session) {
				if maxSev(s) != core.High {
					t.Errorf("max severity %s, want HIGH", maxSev(s))
				}
			}},
		{name: "prepended pickle relative offsets", data: prefixed(false),
			want: []want{{rules.PickleDangerousImport, core.Critical, ""}, {rules.ArchiveStructure, 0, ""}}},
		{name: "prepended pickle absolute offsets", data: prefixed(true),
			want: []want{{rules.PickleDangerousImport, core.Critical, ""}, {rules.ArchiveStructure, 0, ""}}},
		{name: "dotdot member", data: torchZip(t, "archive", appendMember(member{name: "../evil.pkl", data: []byte("x")}), zopts{}),
			want: []want{{rules.ArchiveTraversal, core.High, ""}}},
		{name: "absolute member", data: torchZip(t, "archive", appendMember(member{name: "/abs.pkl", data: []byte("x")}), zopts{}),
			want: []want{{rules.ArchiveTraversal, core.High, ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scan(t, "x.pt", c.data, core.DefaultLimits())
			for _, w := range c.want {
				fs := find(s, w.rule, w.sev, w.source)
				if len(fs) == 0 {
					t.Errorf("missing %s %v at %q:\n%s", w.rule, w.sev, w.source, dump(s))
					continue
				}
				if w.rule == rules.PickleDangerousImport {
					for _, f := range fs {
						if f.Module != "posix" || f.Operator != "system" {
							t.Errorf("finding %s.%s, want posix.system", f.Module, f.Operator)
						}
						if strings.HasSuffix(f.Source, "/data.pkl") && f.Scanner != scannerTorch {
							t.Errorf("scanner %q, want %q", f.Scanner, scannerTorch)
						}
					}
				}
			}
			if c.check != nil {
				c.check(t, s)
			}
		})
	}
}

func TestTorchZipCriticalScannerAndSource(t *testing.T) {
	s := scan(t, "x.pt", torchZip(t, "archive", replace("archive/data.pkl", payload), zopts{}), core.DefaultLimits())
	fs := find(s, rules.PickleDangerousImport, core.Critical, "")
	if len(fs) != 1 {
		t.Fatalf("want exactly one CRITICAL import:\n%s", dump(s))
	}
	f := fs[0]
	if f.Source != "x.pt:archive/data.pkl" || f.Scanner != scannerTorch {
		t.Errorf("source %q scanner %q", f.Source, f.Scanner)
	}
	if len(s.Problems) != 0 {
		t.Errorf("unexpected problems:\n%s", dump(s))
	}
}

func TestTorchZipStorageRandomBytes(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewSource(seed))
		blob := make([]byte, 96)
		rng.Read(blob)
		blob[0], blob[1] = 0x80, 0x02
		s := scan(t, "x.pt", torchZip(t, "archive", replace("archive/data/0", blob), zopts{}), core.DefaultLimits())
		if len(s.Findings) != 0 || len(s.Problems) != 0 {
			t.Errorf("seed %d: random storage bytes reported:\n%s", seed, dump(s))
		}
	}
}

func TestTorchZipPrefixReported(t *testing.T) {
	// torch.load checks the first bytes: a pickle in front of the archive
	// is what it would unpickle. The prefix itself must carry the CRITICAL.
	for _, abs := range []bool{false, true} {
		s := scan(t, "x.pt", torchZip(t, "archive", nil, zopts{prefix: payload, absOffset: abs}), core.DefaultLimits())
		crit := find(s, rules.PickleDangerousImport, core.Critical, "")
		if len(crit) == 0 {
			t.Errorf("abs=%v: prefix payload not CRITICAL:\n%s", abs, dump(s))
			continue
		}
		for _, f := range crit {
			if !strings.HasPrefix(f.Source, "x.pt") || strings.Contains(f.Source, "data.pkl") {
				t.Errorf("abs=%v: CRITICAL source %q should name the prefix", abs, f.Source)
			}
		}
		if len(find(s, rules.ArchiveStructure, 0, "")) == 0 {
			t.Errorf("abs=%v: no archive-structure finding:\n%s", abs, dump(s))
		}
	}
}

func TestTorchZipTooManyMembers(t *testing.T) {
	lim := core.DefaultLimits()
	lim.MaxMembers = 3
	s := scan(t, "x.pt", torchZip(t, "archive", nil, zopts{}), lim)
	if len(find(s, rules.ScanIncomplete, core.Medium, "x.pt")) == 0 || !hasProblem(s, core.CatBudget) {
		t.Errorf("want scan-incomplete MEDIUM and a BUDGET error:\n%s", dump(s))
	}
	// the archive itself is well formed: stopping early must not be
	// reported as a structural anomaly of the file
	if fs := find(s, rules.ArchiveStructure, 0, ""); len(fs) > 0 {
		t.Errorf("hitting max_members also reports %s %s (%s) on a well-formed archive", fs[0].Severity, fs[0].Operator, fs[0].Evidence)
	}
}

func TestZipBomb(t *testing.T) {
	lim := core.DefaultLimits()
	lim.MaxDecompressed = 1 << 20
	const n = 32 << 20
	var c bytes.Buffer
	fw, _ := flate.NewWriter(&c, flate.BestSpeed)
	chunk := make([]byte, 1<<20)
	crc := uint32(0)
	for i := 0; i < n/len(chunk); i++ {
		fw.Write(chunk)
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
	}
	fw.Close()
	bomb := member{comp: c.Bytes(), size: n, crc: crc}
	for _, c := range []struct{ name, member string }{
		{"plain zip", "a.pkl"},
		{"torch data.pkl", "archive/data.pkl"},
		{"torch storage", "archive/data/0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := bomb
			m.name = c.member
			ms := []member{m}
			if c.member != "archive/data.pkl" && strings.HasPrefix(c.member, "archive/") {
				ms = append([]member{{name: "archive/data.pkl", data: realTorchMembers(t, "state_dict.pt", "archive")[0].data}}, ms...)
			}
			z := buildZip(t, ms, zopts{})
			if len(z) > 1<<20 {
				t.Fatalf("bomb is %d bytes", len(z))
			}
			start := time.Now()
			s := scan(t, "x.pt", z, lim)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
			if len(find(s, rules.ScanIncomplete, core.Medium, "")) == 0 || !hasProblem(s, core.CatBudget) {
				t.Errorf("want scan-incomplete and a BUDGET error:\n%s", dump(s))
			}
		})
	}
}

// ---- npz ----

func TestNpzCrafted(t *testing.T) {
	floats := npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", make([]byte, 16))
	for _, deflate := range []bool{false, true} {
		t.Run(fmt.Sprintf("deflate=%v", deflate), func(t *testing.T) {
			z := buildZip(t, []member{
				{name: "good.npy", data: floats, deflate: deflate},
				{name: "bad.npy", data: npyObject(payload), deflate: deflate},
				{name: "README.txt", data: []byte("just some notes\n"), deflate: deflate},
			}, zopts{})
			s := scan(t, "x.npz", z, core.DefaultLimits())
			fs := find(s, rules.PickleDangerousImport, core.Critical, "x.npz:bad.npy")
			if len(fs) == 0 {
				t.Fatalf("no CRITICAL at x.npz:bad.npy:\n%s", dump(s))
			}
			if fs[0].Scanner != scannerNumpy {
				t.Errorf("scanner %q, want %q", fs[0].Scanner, scannerNumpy)
			}
			if len(s.Problems) != 0 {
				t.Errorf("README.txt (or another member) became an error:\n%s", dump(s))
			}
			if len(s.Findings) != 1 {
				t.Errorf("want only the bad.npy finding:\n%s", dump(s))
			}
		})
	}
}

// FuzzZip routes arbitrary bytes through the registry as a zip (and as a
// zip inside gzip, read through a decoded stream), with small budgets: no
// panic, no hang, every finding well formed and every budget stop both a
// finding and an error. Seeds: the container fixture, crafted archives and
// a PyTorch-shaped archive.
func FuzzZip(f *testing.F) {
	if data, err := os.ReadFile("../../../testdata/containers/zip/stored_deflated.zip"); err == nil {
		f.Add(data)
	}
	f.Add(buildZip(f, []member{{name: "m.pkl", data: pklasm.System("echo pwned"), deflate: true}}, zopts{}))
	f.Add(buildZip(f, []member{{name: "archive/data.pkl", data: pklasm.System("echo pwned")}, {name: "archive/data/0", data: []byte("1234")}}, zopts{}))
	f.Add(buildZip(f, []member{{name: "a/../b.pkl", data: []byte("x")}, {name: "a/../b.pkl", data: []byte("y")}}, zopts{}))
	lim := core.DefaultLimits()
	lim.MaxOpcodes, lim.MaxMemo, lim.MaxStack, lim.MaxMembers = 50000, 10000, 10000, 64
	lim.MaxDecompressed, lim.MaxDepth = 4<<20, 4
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range []*core.Session{scantest.Scan("fuzz.zip", data, lim), scantest.Scan("fuzz.zip.gz", gzipped(data), lim)} {
			budgets, problems := 0, 0
			for _, fd := range s.Findings {
				if fd.Rule == "" || fd.Severity == core.SeverityNone || fd.Source == "" {
					t.Fatalf("malformed finding %+v", fd)
				}
				if fd.Rule == rules.ScanIncomplete {
					budgets++
				}
			}
			for _, p := range s.Problems {
				if p.Category == core.CatBudget {
					problems++
				}
			}
			if budgets != problems {
				t.Fatalf("%d scan-incomplete findings, %d BUDGET errors:\n%s", budgets, problems, dump(s))
			}
		}
	})
}

func gzipped(p []byte) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.NoCompression)
	w.Write(p)
	w.Close()
	return b.Bytes()
}
