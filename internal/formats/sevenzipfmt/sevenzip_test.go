package sevenzipfmt_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/sevenzipfmt"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// members of the benign tree of testdata/gen.sh, as routed by content.
var benignScanned = []string{
	"model/data.pkl", "model/sub/weights.npy", "model/sub/deep/arrays.npz",
	"model/sub/deep/arrays.npz:a_float32.npy", "model/sub/pytorch_model.bin",
	"model/sub/pytorch_model.bin:pytorch_model/data.pkl",
}

func TestBenignFixtures(t *testing.T) {
	for _, name := range []string{"lzma.7z", "lzma2.7z", "bzip2.7z", "deflate.7z", "copy.7z", "bcj2.7z"} {
		t.Run(name, func(t *testing.T) {
			s := scan7z(t, name, fixture(t, name), core.DefaultLimits())
			if len(s.Findings) > 0 || len(s.Problems) > 0 || len(s.Skips) > 0 {
				t.Fatalf("benign archive not clean:\n%s", scantest.Dump(s))
			}
			for _, m := range append([]string{""}, benignScanned...) {
				src := name
				if m != "" {
					src += ":" + m
				}
				if !scanned(s, src) {
					t.Errorf("%s not scanned:\n%s", src, scantest.Dump(s))
				}
			}
		})
	}
}

func TestRegistryRoutes7z(t *testing.T) {
	s := scantest.Scan("lzma.7z", fixture(t, "lzma.7z"), core.DefaultLimits())
	if !scanned(s, "lzma.7z:model/data.pkl") || len(s.Findings) > 0 {
		t.Fatalf("registry does not route 7z to the 7z handler:\n%s", scantest.Dump(s))
	}
	// A stored 7z whose last member is a zip has a zip end record near
	// its end: the zip handler, registered first, sniffs it.
	s = scantest.Scan("copy.7z", fixture(t, "copy.7z"), core.DefaultLimits())
	if !scanned(s, "copy.7z:model/data.pkl") {
		t.Skipf("registry routes a stored 7z to the zip handler (register 7z before zip):\n%s", scantest.Dump(s))
	}
}

func TestEmptyArchive(t *testing.T) {
	s := scan7z(t, "empty.7z", fixture(t, "empty.7z"), core.DefaultLimits())
	if len(s.Findings)+len(s.Problems)+len(s.Skips) > 0 || !scanned(s, "empty.7z") {
		t.Fatalf("empty archive:\n%s", scantest.Dump(s))
	}
}

func TestUnsupportedMethod(t *testing.T) {
	s := scan7z(t, "ppmd.7z", fixture(t, "ppmd.7z"), core.DefaultLimits())
	sk := skips(s, core.SkipNotSupp)
	if len(sk) != 4 || sk[0].Source != "ppmd.7z:model/data.pkl" || problems(s, "PPMd") != 1 {
		t.Fatalf("PPMd members must be skipped with an error:\n%s", scantest.Dump(s))
	}
}

func TestEncrypted(t *testing.T) {
	s := scan7z(t, "encrypted.7z", fixture(t, "encrypted.7z"), core.DefaultLimits())
	sk := skips(s, sevenzipfmt.SkipEncrypted)
	if len(sk) != 4 || sk[0].Source != "encrypted.7z:model/data.pkl" || problems(s, "encrypted") != 1 {
		t.Fatalf("encrypted members must be skipped with an error:\n%s", scantest.Dump(s))
	}
	s = scan7z(t, "eh.7z", fixture(t, "encrypted_header.7z"), core.DefaultLimits())
	sk = skips(s, sevenzipfmt.SkipEncrypted)
	if len(sk) != 1 || sk[0].Source != "eh.7z" || problems(s, "encrypted") != 1 || len(s.Scanned) > 0 {
		t.Fatalf("encrypted header must be a skip with an error:\n%s", scantest.Dump(s))
	}
}

func zipOf(t *testing.T, name string, data []byte) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.Create(name)
	f.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestMaliciousMembers builds archives with the 7z command (never
// committed) and expects every payload to be found, by content.
func TestMaliciousMembers(t *testing.T) {
	evil := pklasm.System("echo pwned")
	files := map[string][]byte{
		"dir/m.pkl":     evil,
		"dir/model.bin": evil, // routed by content, not by name
		"dir/inner.zip": zipOf(t, "evil.pkl", evil),
		"dir/obj.npy":   scantest.NPY("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", evil),
		"dir/ok.npy":    fixture(t, "../../../../testdata/real/numpy/int64_1d.npy"),
	}
	for _, args := range [][]string{{"-m0=LZMA2"}, {"-m0=LZMA", "-ms=off"}, {"-m0=Copy"}, {"-m0=BZip2"},
		{"-m0=Deflate", "-ms=off"}, {"-m0=LZMA2", "-mhc=off", "-mf=BCJ"}} {
		t.Run(fmt.Sprint(args), func(t *testing.T) {
			s := scan7z(t, "x.7z", make7z(t, files, args...), core.DefaultLimits())
			for _, src := range []string{"x.7z:dir/m.pkl", "x.7z:dir/model.bin", "x.7z:dir/inner.zip:evil.pkl", "x.7z:dir/obj.npy"} {
				if len(find(s, "", core.Critical, src)) == 0 {
					t.Errorf("no CRITICAL finding for %s:\n%s", src, scantest.Dump(s))
				}
			}
			if !scanned(s, "x.7z:dir/ok.npy") || len(s.Problems) > 0 {
				t.Errorf("benign member or problems:\n%s", scantest.Dump(s))
			}
		})
	}
}

func TestPathTraversal(t *testing.T) {
	ok := fixture(t, "../../../../testdata/real/pickle/plain_data_v4.pkl")
	cases := []struct{ name, kind string }{
		{"/etc/cron.d/x.pkl", "absolute-path"},
		{"\\\\server\\share\\x.pkl", "absolute-path"},
		{"C:\\x.pkl", "absolute-path"},
		{"../../x.pkl", "dotdot-path"},
		{"a/../../x.pkl", "dotdot-path"},
		{"..\\..\\x.pkl", "backslash-dotdot-path"},
		{"a\\..\\..\\x.pkl", "backslash-dotdot-path"},
	}
	for _, c := range cases {
		s := scan7z(t, "x.7z", build7z([]entry{{name: "fine/a.pkl", data: ok}, {name: c.name, data: ok}}), core.DefaultLimits())
		fs := find(s, rules.ArchiveTraversal, core.High, "x.7z:"+c.name)
		if len(fs) != 1 || fs[0].Operator != c.kind || fs[0].Module != "7z" || !scanned(s, "x.7z:"+c.name) {
			t.Errorf("%q: want one HIGH %s:\n%s", c.name, c.kind, scantest.Dump(s))
		}
		if len(s.Findings) != 1 {
			t.Errorf("%q: extra findings:\n%s", c.name, scantest.Dump(s))
		}
	}
	for _, n := range []string{"a\\b.pkl", "..a/b..pkl", "a/.../b"} {
		s := scan7z(t, "x.7z", build7z([]entry{{name: n, data: ok}}), core.DefaultLimits())
		if len(s.Findings) > 0 {
			t.Errorf("%q is not a traversal:\n%s", n, scantest.Dump(s))
		}
	}
	// a Unix symbolic link (7z -snl): mode 0120777 in the high bits
	s := scan7z(t, "x.7z", build7z([]entry{{name: "link", data: []byte("/etc/passwd"), attrib: 0x8000 | 0o120777<<16}}), core.DefaultLimits())
	if fs := find(s, rules.ArchiveTraversal, core.High, "x.7z:link"); len(fs) != 1 || fs[0].Operator != "symlink" {
		t.Errorf("symlink:\n%s", scantest.Dump(s))
	}
}

func TestDuplicates(t *testing.T) {
	evil := pklasm.System("echo pwned")
	ok := fixture(t, "../../../../testdata/real/pickle/plain_data_v4.pkl")
	s := scan7z(t, "x.7z", build7z([]entry{{name: "m.pkl", data: ok}, {name: "d", dir: true}, {name: "m.pkl", data: evil},
		{name: "m.pkl", data: ok}, {name: "d", dir: true}}), core.DefaultLimits())
	if len(find(s, rules.ArchiveDuplicate, core.Medium, "x.7z:m.pkl")) != 1 || len(find(s, rules.ArchiveDuplicate, core.Medium, "x.7z:d")) != 1 {
		t.Errorf("want one duplicate finding per name:\n%s", scantest.Dump(s))
	}
	if len(find(s, "", core.Critical, "x.7z:m.pkl")) == 0 {
		t.Errorf("every copy must be scanned:\n%s", scantest.Dump(s))
	}
}

func TestMaxMembers(t *testing.T) {
	evil := pklasm.System("echo pwned")
	var es []entry
	for i := range 10 {
		es = append(es, entry{name: fmt.Sprintf("m%d.pkl", i), data: evil})
	}
	lim := core.DefaultLimits()
	lim.MaxMembers = 3
	s := scan7z(t, "x.7z", build7z(es), lim)
	inc := find(s, rules.ScanIncomplete, core.Medium, "x.7z")
	if len(inc) != 1 || problems(s, "10 members") != 1 || len(find(s, "", core.Critical, "")) != 3 {
		t.Fatalf("want the first 3 members scanned and a max_members budget stop:\n%s", scantest.Dump(s))
	}
	// more folders than the budget: nothing is kept, the stop is reported
	lim.MaxMembers = 0
	s = scan7z(t, "x.7z", build7z(es), lim)
	if len(find(s, rules.ScanIncomplete, core.Medium, "x.7z")) != 1 || len(s.Problems) != 1 {
		t.Fatalf("want a budget stop:\n%s", scantest.Dump(s))
	}
}

func TestTruncated(t *testing.T) {
	for _, name := range []string{"lzma.7z", "copy.7z", "lzma2.7z", "bcj2.7z"} {
		data := fixture(t, name)
		s := scan7z(t, name, data[:len(data)/2], core.DefaultLimits())
		if problems(s, "truncated") == 0 || len(s.Findings) > 0 {
			t.Errorf("%s cut in half: want a truncation error:\n%s", name, scantest.Dump(s))
		}
		for n := 6; n < len(data); n += 7 { // every cut: an error, never a crash
			if s := scan7z(t, name, data[:n], core.DefaultLimits()); len(s.Problems) == 0 {
				t.Fatalf("%s cut at %d: no error:\n%s", name, n, scantest.Dump(s))
			}
		}
	}
	// packed data cut but the header kept: the folders overlap the header
	ok := fixture(t, "../../../../testdata/real/pickle/plain_data_v4.pkl")
	data := build7z([]entry{{name: "a.pkl", data: ok}, {name: "b.pkl", data: ok}})
	h, packed := data[32+2*len(ok):], data[32:32+2*len(ok)-10]
	s := scan7z(t, "x.7z", wrap(h, packed), core.DefaultLimits())
	if fs := find(s, rules.ArchiveStructure, core.Medium, "x.7z"); len(fs) != 1 || fs[0].Operator != "data-overlaps-header" {
		t.Errorf("want a data-overlaps-header finding:\n%s", scantest.Dump(s))
	}
	s = scan7z(t, "x.7z", wrap(h, packed[:len(ok)]), core.DefaultLimits())
	if problems(s, "the archive is truncated") != 1 || !scanned(s, "x.7z:a.pkl") {
		t.Errorf("want a truncation error:\n%s", scantest.Dump(s))
	}
}

func TestBadCRC(t *testing.T) {
	ok := fixture(t, "../../../../testdata/real/pickle/plain_data_v4.pkl")
	data := build7z([]entry{{name: "a.pkl", data: ok}})
	data[32+len(ok)-2] ^= 0xff // inside the pickle's last string? still scanned
	s := scan7z(t, "x.7z", data, core.DefaultLimits())
	if fs := find(s, rules.ArchiveAnomaly, core.Low, "x.7z:a.pkl"); len(fs) != 1 || fs[0].Operator != "bad-crc" {
		t.Errorf("want a bad-crc anomaly:\n%s", scantest.Dump(s))
	}
}

// TestSolidBomb: a member that trips the ratio budget in a solid block,
// then a payload. Reaching the payload means decoding the rest of the
// bomb: those bytes count against the decoded-bytes budget. When that
// budget runs out in the bomb, the payload is not decoded: one budget
// stop is reported (a budget stops once per input file; the member it
// kept from being decoded is named in the evidence).
func TestSolidBomb(t *testing.T) {
	files := map[string][]byte{"a.bin": make([]byte, 24<<20), "b.pkl": pklasm.System("echo pwned")}
	data := make7z(t, files, "-m0=LZMA2", "-ms=on")
	s := scan7z(t, "x.7z", data, core.DefaultLimits())
	if len(find(s, rules.ScanIncomplete, core.Medium, "x.7z:a.bin")) != 1 || len(find(s, "", core.Critical, "x.7z:b.pkl")) == 0 {
		t.Errorf("want a ratio stop then the payload:\n%s", scantest.Dump(s))
	}
	lim := core.DefaultLimits()
	lim.MaxDecompressed = 10 << 20
	s = scan7z(t, "x.7z", data, lim)
	fs := find(s, rules.ScanIncomplete, core.Medium, "")
	if len(fs) != 1 || problems(s, "max_decompressed_bytes") != 1 || !strings.Contains(fs[0].Evidence, "x.7z:b.pkl") {
		t.Errorf("want one budget stop naming the member it cut:\n%s", scantest.Dump(s))
	}
}
