package ggufmt_test

import (
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/ggufmt"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// tensors writes n tensor infos of 8 F32 elements at the expected offsets
// plus their data, after the caller's KVs.
func withTensors(g *gb, n int) []byte {
	for i := 0; i < n; i++ {
		g.ti(string(rune('a'+i)), []uint64{8}, 0, uint64(32*i))
	}
	return g.pad(32).raw(make([]byte, 32*n)).bytes()
}

func TestMalformed(t *testing.T) {
	v3 := func(nt, nkv uint64) *gb { return newGB(3, false).u64(nt).u64(nkv) }
	cases := []struct {
		name string
		data []byte
		ev   string
		prob bool // the parse stops: a problem is recorded
	}{
		{"no magic", []byte("GGUX\x03\x00\x00\x00"), "no GGUF magic", true},
		{"truncated header", []byte("GGUF\x03\x00"), "file ends inside a field", true},
		{"version 0", newGB(0, false).u64(0).u64(0).bytes(), "unsupported GGUF version 0", true},
		{"version 4", newGB(4, false).u64(0).u64(0).bytes(), "unsupported GGUF version 4", true},
		{"negative tensor count", v3(1<<63, 0).bytes(), "tensor count -9223372036854775808 is negative", true},
		{"tensor count past the file", v3(1<<40, 0).bytes(), "1099511627776 tensor infos cannot fit", true},
		{"metadata count past the file", v3(0, 1<<50).bytes(), "metadata key-value pairs cannot fit", true},
		{"huge key length", v3(0, 1).u64(1 << 62).raw(make([]byte, 16)).bytes(), "string length 4611686018427387904 exceeds the", true},
		{"huge string value", v3(0, 1).kv("k", 8).u64(1 << 40).raw(make([]byte, 16)).bytes(), "string length 1099511627776 exceeds the", true},
		{"huge array", v3(0, 1).kv("k", 9).u32(4).u64(1 << 40).raw(make([]byte, 16)).bytes(), "array of 1099511627776 UINT32 elements cannot fit", true},
		{"huge nested array", v3(0, 1).kv("k", 9).u32(9).u64(1).u32(8).u64(1 << 33).bytes(), "array of 8589934592 STRING elements cannot fit", true},
		{"array of unknown type", v3(0, 1).kv("k", 9).u32(13).u64(1).u8(0).bytes(), "array of unknown value type 13", true},
		{"unknown value type", v3(0, 1).kv("k", 99).u64(0).bytes(), `"k" has unknown value type 99`, true},
		{"arrays nested too deep", func() []byte {
			g := v3(0, 1).kv("k", 9)
			for i := 0; i < 12; i++ {
				g.u32(9).u64(1)
			}
			return g.u32(0).u64(0).bytes()
		}(), "nests arrays deeper than 8", true},
		{"empty key", withTensors(v3(1, 1).kvStr("", "v"), 1), "metadata key 0 is empty", false},
		{"duplicate key", withTensors(v3(1, 2).kvStr("general.name", "a").kvStr("general.name", "b"), 1), `duplicate metadata key "general.name"`, false},
		{"bool 2", withTensors(v3(1, 1).kv("b", 7).u8(2), 1), `"b" is a BOOL holding 2`, false},
		{"bool array 7", withTensors(v3(1, 1).kv("b", 9).u32(7).u64(3).u8(1).u8(7).u8(0), 1), "BOOL array element holds 7", false},
		{"alignment 48", withTensors(v3(1, 1).kvU32("general.alignment", 48), 1), "general.alignment 48 is not a power of two", false},
		{"alignment 0", withTensors(v3(1, 1).kvU32("general.alignment", 0), 1), "general.alignment 0 is not a power of two", false},
		{"alignment as u64", withTensors(v3(1, 1).kv("general.alignment", 10).u64(32), 1), "general.alignment is a UINT64", false},
		{"alignment as string", withTensors(v3(1, 1).kvStr("general.alignment", "32"), 1), "general.alignment is a STRING", false},
		{"five dimensions", v3(1, 0).ti("t", []uint64{1, 1, 1, 1, 8}, 0, 0).pad(32).raw(make([]byte, 32)).bytes(), "has 5 dimensions, more than GGML_MAX_DIMS (4)", false},
		{"dimensions past the file", v3(1, 0).str("t").u32(1 << 30).raw(make([]byte, 32)).bytes(), "declares 1073741824 dimensions", true},
		{"negative dimension", v3(1, 0).ti("t", []uint64{1 << 63}, 0, 0).pad(32).bytes(), "dimension 0 is -9223372036854775808, negative", false},
		{"zero dimension", v3(1, 0).ti("t", []uint64{8, 0}, 0, 0).pad(32).bytes(), "dimension 1 is 0", false},
		{"element overflow", v3(1, 0).ti("t", []uint64{1 << 40, 1 << 40}, 0, 0).pad(32).bytes(), "more elements than a signed 64-bit count", false},
		{"byte overflow", v3(1, 0).ti("t", []uint64{1 << 61, 2}, 27, 0).pad(32).bytes(), "I64 x [2305843009213693952, 2] overflows", false},
		{"byte count overflow", v3(1, 0).ti("t", []uint64{1 << 60, 4}, 0, 0).pad(32).bytes(), "F32 x [1152921504606846976, 4] overflows", false},
		{"size overflow", v3(1, 0).ti("t", []uint64{1 << 61}, 0, 0).pad(32).bytes(), "F32 x [2305843009213693952] overflows a 64-bit byte count", false},
		{"unknown type", v3(1, 0).ti("t", []uint64{8}, 99, 0).pad(32).raw(make([]byte, 32)).bytes(), "unknown ggml type 99", false},
		{"pre-GGUF type", v3(1, 0).ti("t", []uint64{32}, 4, 0).pad(32).raw(make([]byte, 32)).bytes(), "unknown ggml type 4", false},
		{"row not a block multiple", v3(1, 0).ti("t", []uint64{31}, 2, 0).pad(32).raw(make([]byte, 32)).bytes(), "31 elements per row is not a multiple of the Q4_0 block size 32", false},
		{"duplicate tensor", v3(2, 0).ti("t", []uint64{8}, 0, 0).ti("t", []uint64{8}, 0, 32).pad(32).raw(make([]byte, 64)).bytes(), `duplicate tensor name "t"`, false},
		{"unaligned offset", v3(2, 0).ti("a", []uint64{1}, 0, 0).ti("b", []uint64{8}, 0, 4).pad(32).raw(make([]byte, 64)).bytes(), "offset 4 is not a multiple of the alignment 32", false},
		{"gap between tensors", v3(2, 0).ti("a", []uint64{8}, 0, 0).ti("b", []uint64{8}, 0, 64).pad(32).raw(make([]byte, 96)).bytes(), `"b": offset 64, expected 32`, false},
		{"tensors out of order", v3(2, 0).ti("a", []uint64{8}, 0, 32).ti("b", []uint64{8}, 0, 0).pad(32).raw(make([]byte, 64)).bytes(), `"a": offset 32, expected 0`, false},
		{"tensor past the file", v3(1, 0).ti("t", []uint64{1024}, 0, 0).pad(32).raw(make([]byte, 32)).bytes(), "4096 bytes at data offset 0 run past the end of the file", false},
		{"offset past the file", v3(1, 0).ti("t", []uint64{8}, 0, 1<<63).pad(32).bytes(), "run past the end of the file", false},
		{"file cut in the tensor infos", v3(2, 0).ti("t", []uint64{8}, 0, 0).bytes(), "2 tensor infos cannot fit", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scan("x.gguf", c.data)
			if !has(s, rules.GGUFMalformed, core.High, c.ev) {
				t.Errorf("no HIGH %s with %q:\n%s", rules.GGUFMalformed, c.ev, scantest.Dump(s))
			}
			for _, f := range s.Findings {
				if f.Scanner != ggufmt.Scanner || f.Source != "x.gguf" || f.Module != "gguf" || f.Offset > int64(len(c.data)) {
					t.Errorf("finding fields: %+v", f)
				}
			}
			if got := len(s.Problems) > 0; got != c.prob {
				t.Errorf("problems %v, want %v:\n%s", got, c.prob, scantest.Dump(s))
			}
		})
	}
}

// v1 reads 32-bit lengths: a v1 file read as v2 would fail, and the other
// way round.
func TestVersionWidths(t *testing.T) {
	g := newGB(1, false).u32(1).u32(1).kvStr("general.name", "v1").ti("t", []uint64{8}, 0, 0).pad(32).raw(make([]byte, 32))
	if s := scan("x.gguf", g.bytes()); len(s.Findings) != 0 || len(s.Problems) != 0 {
		t.Errorf("v1:\n%s", scantest.Dump(s))
	}
	be := newGB(2, true).u64(1).u64(1).kvStr("general.name", "be").ti("t", []uint64{8}, 0, 0).pad(32).raw(make([]byte, 32))
	if s := scan("x.gguf", be.bytes()); len(s.Findings) != 0 || len(s.Problems) != 0 {
		t.Errorf("big-endian v2:\n%s", scantest.Dump(s))
	}
}

// All violations are reported, up to a bound.
func TestAllViolationsReported(t *testing.T) {
	g := newGB(3, false).u64(3).u64(3).kvStr("a", "1").kvStr("a", "2").kv("b", 7).u8(9)
	g.ti("t", []uint64{8, 1, 1, 1, 1}, 0, 0).ti("u", []uint64{8}, 77, 32).ti("u", []uint64{8}, 0, 64).pad(32).raw(make([]byte, 96))
	s := scan("x.gguf", g.bytes())
	for _, ev := range []string{`duplicate metadata key "a"`, `"b" is a BOOL holding 9`, "5 dimensions", "unknown ggml type 77", `duplicate tensor name "u"`} {
		if !has(s, rules.GGUFMalformed, core.High, ev) {
			t.Errorf("missing %q:\n%s", ev, scantest.Dump(s))
		}
	}
	many := newGB(3, false).u64(0).u64(30)
	for i := 0; i < 30; i++ {
		many.kv("k", 7).u8(5)
	}
	s = scan("x.gguf", many.bytes())
	n := 0
	for _, f := range s.Findings {
		if f.Rule == rules.GGUFMalformed {
			n++
		}
	}
	// 30 bad bools and 29 duplicate keys: 16 listed and a summary
	if n != 17 || !has(s, rules.GGUFMalformed, core.High, "43 more violations not listed") {
		t.Errorf("%d findings:\n%s", n, scantest.Dump(s))
	}
}
