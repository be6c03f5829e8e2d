package hdf5

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// expectedFile is one entry of testdata/expected.json (written by gen.py
// from what h5py reads back).
type expectedFile struct {
	Children []string                  `json:"children"`
	Objects  map[string][]expectedAttr `json:"objects"`
	Links    map[string][]string       `json:"links"`
}

type expectedAttr struct {
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	Dims       []uint64  `json:"dims"`
	Strs       []string  `json:"strs"`
	StrsSHA256 []string  `json:"strs_sha256"`
	StrsLen    []int     `json:"strs_len"`
	Ints       []string  `json:"ints"`
	Floats     []float64 `json:"floats"`
}

func loadExpected(t testing.TB) map[string]expectedFile {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]expectedFile
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if len(e) < 9 {
		t.Fatalf("expected.json lists %d files", len(e))
	}
	return e
}

func openFixture(t testing.TB, name string) (*File, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(bytes.NewReader(b), int64(len(b)), Limits{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f, b
}

func TestFixtures(t *testing.T) {
	for name, want := range loadExpected(t) {
		t.Run(name, func(t *testing.T) {
			f, _ := openFixture(t, name)
			links, err := f.Links("/")
			if err != nil {
				t.Fatalf("Links: %v", err)
			}
			var names []string
			for _, l := range links {
				names = append(names, l.Name)
			}
			if !equalStrings(names, want.Children) {
				t.Errorf("links %q, want %q", names, want.Children)
			}
			for p, wl := range want.Links {
				links, err := f.Links(p)
				if err != nil {
					t.Fatalf("Links(%q): %v", p, err)
				}
				var names []string
				for _, l := range links {
					names = append(names, l.Name)
				}
				if !equalStrings(names, wl) {
					t.Errorf("Links(%q): %d names, want %d", p, len(names), len(wl))
				}
			}
			paths := make([]string, 0, len(want.Objects))
			for p := range want.Objects {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, p := range paths {
				attrs, err := f.Attrs(p)
				if err != nil {
					t.Fatalf("Attrs(%q): %v", p, err)
				}
				compareAttrs(t, name+":"+p, attrs, want.Objects[p])
			}
		})
	}
}

func compareAttrs(t *testing.T, where string, got []Attr, want []expectedAttr) {
	t.Helper()
	if len(got) != len(want) {
		var gn []string
		for _, a := range got {
			gn = append(gn, a.Name)
		}
		t.Errorf("%s: %d attributes %q, want %d", where, len(got), gn, len(want))
		return
	}
	for i, w := range want {
		g := got[i]
		at := where + "@" + w.Name
		if g.Name != w.Name {
			t.Errorf("%s: attribute %d is %q", at, i, g.Name)
			continue
		}
		if w.Kind == "error" {
			if g.Err == nil || g.Kind != KindUnknown {
				t.Errorf("%s: want a decode error, got kind %v", at, g.Kind)
			}
			continue
		}
		if g.Err != nil {
			t.Errorf("%s: %v", at, g.Err)
			continue
		}
		kinds := map[string]Kind{"str": KindString, "int": KindInt, "float": KindFloat, "empty": KindEmpty}
		if g.Kind != kinds[w.Kind] {
			t.Errorf("%s: kind %v, want %s", at, g.Kind, w.Kind)
			continue
		}
		if w.Kind != "empty" && !equalDims(g.Dims, w.Dims) {
			t.Errorf("%s: dims %v, want %v", at, g.Dims, w.Dims)
		}
		switch w.Kind {
		case "str":
			if w.StrsSHA256 != nil {
				if len(g.Strs) != len(w.StrsSHA256) {
					t.Errorf("%s: %d strings, want %d", at, len(g.Strs), len(w.StrsSHA256))
					continue
				}
				for j, s := range g.Strs {
					sum := sha256.Sum256([]byte(s))
					if hex.EncodeToString(sum[:]) != w.StrsSHA256[j] || len(s) != w.StrsLen[j] {
						t.Errorf("%s: string %d (%d bytes) differs from h5py's (%d bytes)", at, j, len(s), w.StrsLen[j])
					}
				}
			} else if !equalStrings(g.Strs, w.Strs) {
				t.Errorf("%s: %q, want %q", at, g.Strs, w.Strs)
			}
			if len(g.Strs) == 1 && g.Str != g.Strs[0] || len(g.Strs) != 1 && g.Str != "" {
				t.Errorf("%s: Str %q with Strs %q", at, g.Str, g.Strs)
			}
			nul := false
			for _, s := range g.Strs {
				nul = nul || bytes.IndexByte([]byte(s), 0) >= 0
			}
			if g.NUL != nul {
				t.Errorf("%s: NUL %v", at, g.NUL)
			}
		case "int":
			var s []string
			for _, v := range g.Ints {
				if g.Unsigned {
					s = append(s, strconv.FormatUint(uint64(v), 10))
				} else {
					s = append(s, strconv.FormatInt(v, 10))
				}
			}
			if !equalStrings(s, w.Ints) {
				t.Errorf("%s: %v, want %v", at, s, w.Ints)
			}
		case "float":
			if len(g.Floats) != len(w.Floats) {
				t.Errorf("%s: %v, want %v", at, g.Floats, w.Floats)
				continue
			}
			for j := range g.Floats {
				if g.Floats[j] != w.Floats[j] {
					t.Errorf("%s: %v, want %v", at, g.Floats, w.Floats)
					break
				}
			}
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalDims(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFixtureFeatures checks that the fixtures exercise what they are meant
// to: superblock versions, user blocks, dense storage, links.
func TestFixtureFeatures(t *testing.T) {
	for name, sb := range map[string]int{"earliest.h5": 0, "sb1.h5": 1, "v108.h5": 2, "latest.h5": 3, "sohm.h5": 2} {
		if f, _ := openFixture(t, name); f.SuperblockVersion() != sb {
			t.Errorf("%s: superblock %d, want %d", name, f.SuperblockVersion(), sb)
		}
	}
	for name, ub := range map[string]int64{"userblock.h5": 512, "userblock_latest.h5": 1024, "earliest.h5": 0} {
		if f, _ := openFixture(t, name); f.UserBlockSize() != ub {
			t.Errorf("%s: user block %d, want %d", name, f.UserBlockSize(), ub)
		}
	}
	f, _ := openFixture(t, "dense.h5")
	for _, p := range []string{"/", "/model_weights"} {
		attrs, err := f.Attrs(p)
		if err != nil || len(attrs) < 30 {
			t.Fatalf("%s: %d attributes, %v", p, len(attrs), err)
		}
		for _, a := range attrs {
			if !a.Dense {
				t.Errorf("dense.h5%s: %s not in dense storage", p, a.Name)
			}
		}
	}
	f, _ = openFixture(t, "latest.h5")
	links, err := f.Links("/")
	if err != nil {
		t.Fatal(err)
	}
	var soft *Link
	for i := range links {
		if links[i].Name == "soft" {
			soft = &links[i]
		}
	}
	if soft == nil || soft.Type != LinkSoft || soft.Target != "/grp" {
		t.Errorf("soft link: %+v", soft)
	}
	// a soft link is followed
	attrs, err := f.Attrs("/soft/sub")
	if err != nil || len(attrs) != 1 || attrs[0].Str != "deeper" {
		t.Errorf("through soft link: %+v %v", attrs, err)
	}
	if _, err := f.Attrs("/nothing"); err == nil {
		t.Error("missing object: no error")
	}
}
