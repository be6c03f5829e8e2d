package keras

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

type marshalFixture struct {
	Python  string `json:"python"`
	Samples map[string]struct {
		Source string   `json:"source"`
		Base64 string   `json:"base64"`
		Names  []string `json:"names"`
		Consts []string `json:"consts"`
	} `json:"samples"`
}

func loadMarshalFixtures(t testing.TB) map[string]marshalFixture {
	files, _ := filepath.Glob("testdata/marshal/py*.json")
	if len(files) < 9 {
		t.Fatalf("want the marshal fixtures of 9 CPython versions, found %d", len(files))
	}
	out := map[string]marshalFixture{}
	for _, p := range files {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var fx marshalFixture
		if err := json.Unmarshal(raw, &fx); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[filepath.Base(p)] = fx
	}
	return out
}

// TestMarshalVersions decodes code objects marshalled by CPython 2.7 and
// 3.6-3.13 and compares the names and constants with what CPython lists.
func TestMarshalVersions(t *testing.T) {
	wantLayout := map[string]string{
		"py27.json": "CPython 2", "py36.json": "CPython 3.0-3.7", "py37.json": "CPython 3.0-3.7",
		"py38.json": "CPython 3.8-3.10", "py39.json": "CPython 3.8-3.10", "py310.json": "CPython 3.8-3.10",
		"py311.json": "CPython 3.11+", "py312.json": "CPython 3.11+", "py313.json": "CPython 3.11+",
	}
	for file, fx := range loadMarshalFixtures(t) {
		for key, smp := range fx.Samples {
			t.Run(file+"/"+key, func(t *testing.T) {
				raw, err := base64.StdEncoding.DecodeString(smp.Base64)
				if err != nil {
					t.Fatal(err)
				}
				o, err := decodeMarshal(raw)
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				sum := summarize(o)
				if sum.layout != wantLayout[file] {
					t.Errorf("layout %q, want %q", sum.layout, wantLayout[file])
				}
				if !sameSet(sum.names, smp.Names) {
					t.Errorf("names %q, CPython says %q", sum.names, smp.Names)
				}
				if !sameSet(sum.consts, smp.Consts) {
					t.Errorf("constants %q, CPython says %q", sum.consts, smp.Consts)
				}
				if !slices.Contains(sum.funcs, "<lambda>") {
					t.Errorf("code names %q lack <lambda>", sum.funcs)
				}
				// the Lambda analysis flags exactly the dangerous samples
				fi := &funcInfo{}
				fi.code(base64.StdEncoding.EncodeToString(raw))
				dangerous := len(fi.danger.list) > 0
				if want := key == "system" || key == "getattr"; dangerous != want {
					t.Errorf("dangerous=%v (%q), want %v: %s", dangerous, fi.danger.list, want, fi.summary())
				}
			})
		}
	}
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// TestMarshalTruncated cuts a real code object at every length: each cut
// must give an error, never a panic or a result.
func TestMarshalTruncated(t *testing.T) {
	for file, fx := range loadMarshalFixtures(t) {
		raw, _ := base64.StdEncoding.DecodeString(fx.Samples["nested"].Base64)
		for n := 0; n < len(raw); n++ {
			if _, err := decodeMarshal(raw[:n]); err == nil {
				t.Errorf("%s: %d of %d bytes decoded without error", file, n, len(raw))
			}
		}
	}
}

func TestMarshalCrafted(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"empty", nil, false},
		{"none", []byte("N"), true},
		{"short text", []byte("z\x02os"), true},
		{"NULL outside dict", []byte("0"), false},
		{"unknown type", []byte("?"), false},
		{"huge string length", []byte("s\xff\xff\xff\x7f"), false},
		{"negative length", []byte("s\xff\xff\xff\xff"), false},
		{"huge tuple", []byte("(\xff\xff\xff\x7f"), false},
		{"ref out of range", []byte("r\x05\x00\x00\x00"), false},
		{"ref to itself in progress", []byte("\xa9\x01r\x00\x00\x00\x00"), true},
		{"py2 string ref out of range", []byte("R\x00\x00\x00\x00"), false},
		{"dict without end", []byte("{z\x01az\x01b"), false},
		{"dict", []byte("{z\x01az\x01b0"), true},
		{"long", []byte("l\x02\x00\x00\x00\x01\x00\x02\x00"), true},
		{"long too many digits", []byte("l\xff\xff\xff\x7f"), false},
		{"code with junk header", append([]byte("c"), make([]byte, 40)...), false},
		{"slice (3.14)", []byte(":NNN"), true},
	}
	for _, c := range cases {
		_, err := decodeMarshal(c.data)
		if (err == nil) != c.ok {
			t.Errorf("%s: err=%v, want ok=%v", c.name, err, c.ok)
		}
	}
	// deep nesting is bounded
	deep := make([]byte, 0, 600)
	for range 120 {
		deep = append(deep, ')', 1)
	}
	deep = append(deep, 'N')
	if _, err := decodeMarshal(deep); err == nil || !IsLimit(err) {
		t.Errorf("120 nested tuples: %v, want a limit error", err)
	}
}
