package tarfmt_test

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/formats/tarfmt"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

var payload = pklasm.System("echo pwned")

var fixtures = []string{"ustar.tar", "gnu.tar", "pax.tar", "pax.tar.gz", "sparse_gnu.tar", "sparse_pax.tar"}

func TestBenignFixturesClean(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			s := scan(name, fixture(t, name))
			for _, f := range s.Findings {
				if f.Severity > core.Low || (f.Rule != rules.ArchiveAnomaly || f.Operator != "sparse-member") {
					t.Errorf("unexpected finding %+v", f)
				}
			}
			if len(s.Problems) > 0 {
				t.Errorf("problems:\n%s", dump(s))
			}
			want := name + ":dir/model.pkl"
			if strings.HasPrefix(name, "sparse") {
				want = name + ":zeros.npy"
			}
			if !slices.Contains(s.Scanned, want) {
				t.Errorf("%s not scanned:\n%s", want, dump(s))
			}
		})
	}
}

func TestMatch(t *testing.T) {
	h := &tarfmt.Handler{}
	v7 := mkTar(t, tar.FormatUSTAR, file("m.pkl", payload))
	copy(v7[257:265], make([]byte, 8)) // no magic: a v7 header
	setChecksum(v7)
	badSum := mkTar(t, tar.FormatUSTAR, file("m.pkl", payload))
	badSum[148] ^= 1
	for _, c := range []struct {
		name string
		data []byte
		want bool
	}{
		{"ustar", fixture(t, "ustar.tar"), true},
		{"gnu", fixture(t, "gnu.tar"), true},
		{"pax", fixture(t, "pax.tar"), true},
		{"v7", v7, true},
		{"bad checksum", badSum, false},
		{"pickle", payload, false},
		{"zeros", make([]byte, 1024), false},
		{"text", bytes.Repeat([]byte("ustar  \x00 hello "), 64), false},
	} {
		b := &core.Blob{Name: "x.tar", R: bytes.NewReader(c.data), Size: int64(len(c.data))}
		if got := h.Match(c.data[:min(len(c.data), core.HeadSize)], b); got != c.want {
			t.Errorf("%s: Match = %v, want %v", c.name, got, c.want)
		}
	}
	s := scan("v7.tar", v7)
	if len(find(s, rules.PickleDangerousImport, core.Critical, "v7.tar:m.pkl", "")) == 0 {
		t.Errorf("v7 member not scanned:\n%s", dump(s))
	}
}

func TestMaliciousMember(t *testing.T) {
	for _, f := range []tar.Format{tar.FormatUSTAR, tar.FormatPAX, tar.FormatGNU} {
		data := mkTar(t, f, ent{name: "dir/", flag: tar.TypeDir}, file("dir/ok.pkl", fixture(t, "../../../../testdata/real/pickle/plain_data_v2.pkl")),
			file("dir/m.pkl", payload))
		s := scan("x.tar", data)
		if len(find(s, "", core.Critical, "x.tar:dir/m.pkl", "")) == 0 || len(s.Problems) > 0 {
			t.Errorf("%v: no CRITICAL at x.tar:dir/m.pkl:\n%s", f, dump(s))
		}
		if got := find(s, "", 0, "x.tar:dir/ok.pkl", ""); len(got) > 0 {
			t.Errorf("%v: benign member flagged: %+v", f, got)
		}
	}
}

func TestNesting(t *testing.T) {
	inner := mkTar(t, tar.FormatPAX, file("dir/m.pkl", payload))
	s := scan("x.tar.gz", gz(inner))
	if len(find(s, "", core.Critical, "x.tar.gz:dir/m.pkl", "")) == 0 {
		t.Errorf("tar in gzip:\n%s", dump(s))
	}
	// a zip member (followed by more than the 64 KiB a zip reader searches
	// for its end record: see TestZipLastMember)
	weights := file("padding.raw", make([]byte, 70<<10))
	s = scan("x.tar", mkTar(t, tar.FormatPAX, file("inner.zip", mkZip(t, "m.pkl", payload)), weights))
	if len(find(s, "", core.Critical, "x.tar:inner.zip:m.pkl", "")) == 0 || len(s.Problems) > 0 {
		t.Errorf("zip in tar:\n%s", dump(s))
	}
	s = scan("outer.tar.gz", gz(mkTar(t, tar.FormatGNU, file("inner.zip", mkZip(t, "archive/data.pkl", payload)), weights)))
	if len(find(s, "", core.Critical, "outer.tar.gz:inner.zip:archive/data.pkl", "")) == 0 || len(s.Problems) > 0 {
		t.Errorf("zip in tar in gzip:\n%s", dump(s))
	}
}

// TestZipLastMember: a tar whose last member is a zip (a tarball of .pt
// checkpoints) has a zip end record near its end. torch.load reads such a
// file as a tar (it tries tarfile first, and its zip check wants PK\x03\x04
// at offset 0); the registry must try the tar handler before the zip one.
func TestZipLastMember(t *testing.T) {
	names := formats.New(scantest.Policy()).Names()
	if slices.Index(names, "tar") > slices.Index(names, "zip") {
		t.Skipf("registry order %v tries zip before tar: the tar is scanned as a zip with 512 bytes of prefix", names)
	}
	s := scan("x.tar", mkTar(t, tar.FormatPAX, file("inner.zip", mkZip(t, "m.pkl", payload))))
	if len(find(s, "", core.Critical, "x.tar:inner.zip:m.pkl", "")) == 0 || len(s.Problems) > 0 || scantest.MaxSeverity(s) != core.Critical ||
		len(find(s, "", 0, "x.tar", "")) > 0 {
		t.Errorf("zip as last member:\n%s", dump(s))
	}
}

func TestSlip(t *testing.T) {
	for _, c := range []struct {
		e    ent
		kind string
	}{
		{file("/etc/cron.d/x", payload), "absolute-path"},
		{file("../up.pkl", payload), "dotdot-path"},
		{file("a/../../b.pkl", payload), "dotdot-path"},
		{file(`..\win.pkl`, payload), "dotdot-path"},
		{file("C:/Windows/x.pkl", payload), "absolute-path"},
		{file(`\\server\share\x.pkl`, payload), "absolute-path"},
		{ent{name: "l", flag: tar.TypeSymlink, link: "/etc/passwd"}, "symlink-escape"},
		{ent{name: "d/l", flag: tar.TypeSymlink, link: "../../x"}, "symlink-escape"},
		{ent{name: "h", flag: tar.TypeLink, link: "../x"}, "hardlink-escape"},
		{ent{name: "h", flag: tar.TypeLink, link: "/etc/shadow"}, "hardlink-escape"},
	} {
		s := scan("x.tar", mkTar(t, tar.FormatPAX, file("ok.txt", []byte("hi")), c.e))
		got := find(s, rules.ArchiveTraversal, core.High, "x.tar:"+c.e.name, c.kind)
		if len(got) != 1 || got[0].Module != "tar" {
			t.Errorf("%q: want one HIGH %s:\n%s", c.e.name, c.kind, dump(s))
		}
	}
	// a member written through a symlink that points out of the root
	s := scan("x.tar", mkTar(t, tar.FormatPAX, ent{name: "d", flag: tar.TypeSymlink, link: "."},
		ent{name: "d/e", flag: tar.TypeSymlink, link: ".."}, file("d/e/x.pkl", []byte("hi"))))
	if len(find(s, rules.ArchiveTraversal, core.High, "x.tar:d/e/x.pkl", "path-through-symlink")) != 1 {
		t.Errorf("through symlink:\n%s", dump(s))
	}
	// nothing is reported for links that stay inside
	s = scan("x.tar", mkTar(t, tar.FormatPAX, file("a/b.pkl", []byte("x")), ent{name: "a/c", flag: tar.TypeSymlink, link: "b.pkl"},
		ent{name: "a/d/e", flag: tar.TypeSymlink, link: "../b.pkl"}, ent{name: "h", flag: tar.TypeLink, link: "a/b.pkl"}))
	if len(s.Findings) > 0 {
		t.Errorf("inside links reported:\n%s", dump(s))
	}
}

func TestDuplicate(t *testing.T) {
	s := scan("x.tar", mkTar(t, tar.FormatPAX, file("dir/m.pkl", payload), file("./dir/m.pkl", []byte("benign"))))
	if len(find(s, rules.ArchiveDuplicate, core.Medium, "x.tar:./dir/m.pkl", "duplicate-name")) != 1 {
		t.Errorf("duplicate not reported:\n%s", dump(s))
	}
	if len(find(s, "", core.Critical, "x.tar:dir/m.pkl", "")) == 0 {
		t.Errorf("the overwritten copy is not scanned:\n%s", dump(s))
	}
}

func TestExtensionHeaderConfusion(t *testing.T) {
	// pax path says one thing, the ustar name another
	var r rawTar
	r.pax('x', "path", "safe.txt")
	r.add(rawHdr{name: "model.pkl", magic: magicUstar}, payload)
	s := scan("x.tar", r.end())
	if len(find(s, rules.ArchiveStructure, core.Medium, "x.tar:safe.txt", "pax-name-mismatch")) != 1 ||
		len(find(s, "", core.Critical, "x.tar:safe.txt", "")) == 0 {
		t.Errorf("name confusion:\n%s", dump(s))
	}
	// a pax size that disagrees with the ustar size hides a member from
	// readers that ignore pax
	r = rawTar{}
	r.pax('x', "size", "3")
	r.add(rawHdr{name: "a.txt", magic: magicUstar, size: 512}, []byte("abc"))
	s = scan("x.tar", r.end())
	if len(find(s, rules.ArchiveStructure, core.High, "x.tar:a.txt", "pax-size-mismatch")) != 1 {
		t.Errorf("size confusion:\n%s", dump(s))
	}
	// global records apply to later members in Python's tarfile only
	r = rawTar{}
	r.pax('g', "path", "other.pkl")
	r.add(rawHdr{name: "a.pkl", magic: magicUstar}, payload)
	s = scan("x.tar", r.end())
	if len(find(s, rules.ArchiveStructure, core.High, "", "pax-global-override")) != 1 {
		t.Errorf("global pax:\n%s", dump(s))
	}
	// long and non-ASCII names written by Go (pax, GNU) are not confusion
	long := strings.Repeat("very_long_directory/", 8) + "données.txt"
	for _, f := range []tar.Format{tar.FormatPAX, tar.FormatGNU} {
		s = scan("x.tar", mkTar(t, f, file(long, []byte("x")), ent{name: "l", flag: tar.TypeSymlink, link: long}, file("é.txt", nil)))
		if len(s.Findings) > 0 {
			t.Errorf("%v long names reported:\n%s", f, dump(s))
		}
	}
}

func TestMaxMembers(t *testing.T) {
	var ents []ent
	for i := range 10 {
		ents = append(ents, file(strings.Repeat("x", i+1)+".txt", []byte("hi")))
	}
	ents = append(ents, file("m.pkl", payload))
	lim := core.DefaultLimits()
	lim.MaxMembers = 5
	s := scantest.Scan("x.tar", mkTar(t, tar.FormatPAX, ents...), lim)
	if len(find(s, rules.ScanIncomplete, core.Medium, "x.tar", "")) != 1 || !hasProblem(s, core.CatBudget) {
		t.Errorf("budget not reported:\n%s", dump(s))
	}
	lim.MaxMembers = 11
	if s := scantest.Scan("x.tar", mkTar(t, tar.FormatPAX, ents...), lim); len(s.Problems) > 0 {
		t.Errorf("exactly at the budget:\n%s", dump(s))
	}
}

func TestTruncated(t *testing.T) {
	data := mkTar(t, tar.FormatPAX, file("a/m.pkl", payload), file("b.bin", bytes.Repeat([]byte{1}, 5000)))
	for _, n := range []int{5632, 1300, 1536} { // in b's data, in b's header, before b's data
		s := scan("x.tar", data[:n])
		if len(find(s, "", core.Critical, "x.tar:a/m.pkl", "")) == 0 || !hasProblem(s, core.CatNestedZip) {
			t.Errorf("cut at %d: want the finding and an error:\n%s", n, dump(s))
		}
	}
	// a member that declares more than the file holds: what exists is scanned
	var r rawTar
	r.add(rawHdr{name: "m.pkl", magic: magicUstar, size: 1 << 20}, payload)
	s := scan("x.tar", r.Bytes())
	if len(find(s, "", core.Critical, "x.tar:m.pkl", "")) == 0 || len(s.Problems) == 0 {
		t.Errorf("oversized member:\n%s", dump(s))
	}
}

func TestTrailingData(t *testing.T) {
	data := append(mkTar(t, tar.FormatPAX, file("a.txt", []byte("hi"))), payload...)
	s := scan("x.tar", data)
	if len(find(s, rules.ArchiveAnomaly, core.Low, "", "data-after-end")) != 1 || len(find(s, "", core.High, "", "")) == 0 {
		t.Errorf("trailing pickle:\n%s", dump(s))
	}
}

// FuzzTar routes arbitrary bytes (seeded with the fixtures and crafted
// archives) through the registry with small budgets.
func FuzzTar(f *testing.F) {
	for _, name := range fixtures {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(data)
		}
	}
	f.Add(mkTar(f, tar.FormatGNU, file("dir/m.pkl", payload), ent{name: "l", flag: tar.TypeSymlink, link: "../x"}))
	f.Add(legacyTar(f, benignLegacy()))
	lim := core.DefaultLimits()
	lim.MaxOpcodes, lim.MaxMemo, lim.MaxStack, lim.MaxMembers = 50000, 10000, 10000, 64
	lim.MaxDecompressed, lim.MaxDepth = 4<<20, 4
	f.Fuzz(func(t *testing.T, data []byte) {
		s := scantest.Scan("fuzz.tar", data, lim)
		for _, fd := range s.Findings {
			if fd.Rule == "" || fd.Severity == core.SeverityNone {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}
