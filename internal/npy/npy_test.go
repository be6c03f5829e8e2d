package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const realDir = "../../testdata/real/numpy"

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(b []byte) (*Header, error) {
	return ReadHeader(bytes.NewReader(b), int64(len(b)))
}

// file builds a .npy file with the given version, header text and data.
func file(major byte, hdr string, data []byte) []byte {
	b := []byte(Magic + string([]byte{major, 0}))
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(hdr)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(hdr)))
	}
	return append(append(b, hdr...), data...)
}

func dict(descr, shape string) string {
	return "{'descr': " + descr + ", 'fortran_order': False, 'shape': " + shape + ", }\n"
}

func TestRealFiles(t *testing.T) {
	f := func(k string) Dtype { return Dtype{Kind: k} }
	tests := []struct {
		name      string
		major     int
		descr     Dtype
		fortran   bool
		shape     []int64
		obj       bool
		item, off int64
	}{
		{"float32_2d.npy", 1, f("<f4"), false, []int64{3, 4}, false, 4, 128},
		{"int64_1d.npy", 1, f("<i8"), false, []int64{10}, false, 8, 128},
		{"bool.npy", 1, f("|b1"), false, []int64{3}, false, 1, 128},
		{"bigendian_f8.npy", 1, f(">f8"), false, []int64{4}, false, 8, 128},
		{"fortran_order.npy", 1, f("<i4"), true, []int64{2, 3}, false, 4, 128},
		{"scalar_0d.npy", 1, f("<f8"), false, []int64{}, false, 8, 128},
		{"zero_size.npy", 1, f("<f4"), false, []int64{0, 3}, false, 4, 128},
		{"structured.npy", 1, Dtype{Kind: "|V38", Fields: []Field{{"x", f("<f4")}, {"y", f("<i2")}, {"name", f("<U8")}}},
			false, []int64{2}, false, 38, 192},
		{"structured_object_field.npy", 1, Dtype{Kind: "|V12", Fields: []Field{{"id", f("<i4")}, {"obj", f("|O")}}},
			false, []int64{2}, true, 0, 128},
		{"object_array.npy", 1, f("|O"), false, []int64{6}, true, 0, 128},
		{"header_v3_utf8.npy", 3, Dtype{Kind: "|V12", Fields: []Field{{"température", f("<f8")}, {"名前", f("<i4")}}},
			false, []int64{1}, false, 12, 192},
	}
	for _, tc := range tests {
		b := readFile(t, tc.name)
		h, err := parse(b)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if h.Major != tc.major || h.Minor != 0 || !reflect.DeepEqual(h.Descr, tc.descr) || h.FortranOrder != tc.fortran ||
			!reflect.DeepEqual(h.Shape, tc.shape) || h.HasObject != tc.obj || h.ItemSize != tc.item || h.DataOffset != tc.off {
			t.Errorf("%s: got %+v", tc.name, h)
		}
		if tc.obj {
			if h.DataSize != -1 || b[h.DataOffset] != 0x80 { // pickle PROTO
				t.Errorf("%s: DataSize %d, first data byte %#x", tc.name, h.DataSize, b[h.DataOffset])
			}
		} else if h.DataOffset+h.DataSize != int64(len(b)) {
			t.Errorf("%s: data %d+%d != size %d", tc.name, h.DataOffset, h.DataSize, len(b))
		}
		if err := CheckData(h, int64(len(b))); err != nil {
			t.Errorf("%s: CheckData: %v", tc.name, err)
		}
	}

	b := readFile(t, "header_v2.npy")
	h, err := parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.Major != 2 || h.HeaderLen != 72116 || len(h.Descr.Fields) != 3000 || h.Descr.Fields[2999].Name != "field_02999" ||
		h.ItemSize != 3000 || h.DataOffset+h.DataSize != int64(len(b)) || h.HasObject {
		t.Errorf("header_v2.npy: got Major %d HeaderLen %d fields %d item %d", h.Major, h.HeaderLen, len(h.Descr.Fields), h.ItemSize)
	}
}

func TestCheckData(t *testing.T) {
	b := readFile(t, "int64_1d.npy")
	h, err := parse(b)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(b))
	if err := CheckData(h, n+3); !errors.Is(err, ErrTrailingData) {
		t.Errorf("longer: %v", err)
	}
	if err := CheckData(h, n-1); err == nil || errors.Is(err, ErrTrailingData) {
		t.Errorf("shorter: %v", err)
	}
	if _, err := parse(b[:100]); err == nil || !strings.Contains(err.Error(), "past end of file") {
		t.Errorf("truncated header: %v", err)
	}
}

func TestCrafted(t *testing.T) {
	tests := []struct {
		name  string
		major byte
		hdr   string
		check func(*Header) bool
	}{
		{"subarray field and titles", 1, dict(`[(('T', 'a'), '<f8', (2, 3)), ('b', [('c', '>i2'), ('', '|V2')])]`, "(2,)"),
			func(h *Header) bool {
				a := h.Descr.Fields[0].Type
				return h.ItemSize == 52 && h.Descr.Fields[0].Name == "a" && a.Kind == "|V48" && a.Sub.Kind == "<f8" &&
					reflect.DeepEqual(a.SubShape, []int64{2, 3}) && len(h.Descr.Fields[1].Type.Fields) == 1 && h.DataSize == 104
			}},
		{"top-level subarray", 1, dict(`('<u2', 3)`, "(5,)"), func(h *Header) bool { return h.ItemSize == 6 && h.DataSize == 30 }},
		{"nested object", 1, dict(`[('a', [('b', ('|O', (2,)))])]`, "(1,)"), func(h *Header) bool { return h.HasObject && h.DataSize == -1 }},
		{"object in padding", 1, dict(`[('', '|O', 1)]`, "(1,)"), func(h *Header) bool { return h.HasObject }},
		{"object with negative shape", 1, dict(`'|O'`, "(-1,)"), func(h *Header) bool { return h.HasObject && h.Shape[0] == -1 }},
		{"duplicate key keeps last", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), 'descr': '|O'}",
			func(h *Header) bool { return h.HasObject }},
		{"python syntax", 1, "  {\"descr\": ('<' u'U' \"2\"), # comment\n 'fortran_order' : True,'shape':(+3L, - 0,\n)}",
			func(h *Header) bool {
				return h.Descr.Kind == "<U2" && h.FortranOrder && h.DataSize == 0 && h.ItemSize == 8
			}},
		{"escapes", 3, dict(`[('\x41\u00e9\101\q\'', '<M8[10ms]')]`, "()"),
			func(h *Header) bool { return h.Descr.Fields[0].Name == `AéA\q'` && h.ItemSize == 8 }},
		{"latin-1 in v1", 1, dict("[('caf\xc3\xa9', 'S3')]", "(True, 2)"),
			func(h *Header) bool { return h.Descr.Fields[0].Name == "cafÃ©" && h.DataSize == 6 }},
		{"zero dim with huge dims", 2, dict("'<f8'", "(9223372036854775807, 9223372036854775807, 0)"),
			func(h *Header) bool { return h.DataSize == 0 }},
	}
	for _, tc := range tests {
		h, err := parse(file(tc.major, tc.hdr, nil))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		} else if !tc.check(h) {
			t.Errorf("%s: got %+v", tc.name, h)
		}
	}
}

func TestErrors(t *testing.T) {
	deep := dict(strings.Repeat("[", 40)+strings.Repeat("]", 40), "()")
	hugeLen := append([]byte(Magic+"\x02\x00"), 0xff, 0xff, 0xff, 0x7f)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"short", []byte(Magic), "too short"},
		{"bad magic", []byte("\x93NUMPZ\x01\x00\x00\x00"), "bad magic"},
		{"version 4", file(4, dict("'<f8'", "()"), nil), "unsupported format version 4.0"},
		{"minor 1", []byte(Magic + "\x01\x01\x00\x00"), "version 1.1"},
		{"huge header length", append(hugeLen, "{}"...), "exceeds limit"},
		{"header past EOF", append([]byte(Magic+"\x01\x00\x10\x00"), "{}"...), "past end of file"},
		{"empty header", file(1, "", nil), "unexpected end of header at offset 10"},
		{"not a dict", file(1, "['descr']", nil), "header is a list"},
		{"set", file(1, "{'descr', 'shape'}", nil), "expected ':'"},
		{"missing key", file(1, "{'descr': '<f8', 'shape': ()}", nil), `missing key "fortran_order"`},
		{"extra key", file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), 'x': 1}", nil), `unexpected key "x" at offset 64`},
		{"int key", file(1, "{1: 2}", nil), "unexpected int key"},
		{"shape list", file(1, dict("'<f8'", "[3]"), nil), "shape is a list"},
		{"shape float", file(1, dict("'<f8'", "(3.0,)"), nil), "unsupported number"},
		{"shape hex", file(1, dict("'<f8'", "(0x3,)"), nil), "unsupported number"},
		{"shape negative", file(1, dict("'<f8'", "(2, -1)"), nil), "negative dimension -1"},
		{"shape too big", file(1, dict("'<f8'", "(99999999999999999999,)"), nil), "integer out of range"},
		{"count overflow", file(1, dict("'<f8'", "(4294967296, 4294967296)"), nil), "element count overflows"},
		{"size overflow", file(1, dict("'<f8'", "(4611686018427387904,)"), nil), "data size overflows"},
		{"too many dims", file(1, dict("'<f8'", "("+strings.Repeat("1,", 33)+")"), nil), "33 dimensions"},
		{"fortran int", file(1, "{'descr': '<f8', 'fortran_order': 0, 'shape': ()}", nil), "fortran_order is a int"},
		{"descr name", file(1, dict("'float64'", "()"), nil), `unsupported dtype "float64"`},
		{"descr f3", file(1, dict("'<f3'", "()"), nil), "unsupported dtype"},
		{"descr unit", file(1, dict("'<i8[s]'", "()"), nil), "unsupported dtype"},
		{"descr None", file(1, dict("None", "()"), nil), "descr is a None"},
		{"descr U overflow", file(1, dict("'<U1000000000'", "()"), nil), "unsupported dtype"},
		{"struct overflow", file(1, dict("[('a','V2000000000'),('b','V2000000000')]", "()"), nil), "structured dtype larger"},
		{"subarray overflow", file(1, dict("('<f8', (65536, 65536))", "()"), nil), "subarray dtype larger"},
		{"ambiguous S", file(1, dict("[('a', 'S', 5)]", "()"), nil), "ambiguous"},
		{"duplicate field", file(1, dict("[('a', '<f8'), ('a', '<i4')]", "()"), nil), "duplicate field"},
		{"bad field", file(1, dict("['ab']", "()"), nil), "field is not"},
		{"deep nesting", file(1, deep, nil), "nested deeper than 32"},
		{"unterminated", file(1, "{'descr': '<f8", nil), "unterminated string"},
		{"unclosed dict", file(1, "{'descr': '<f8'", nil), "unterminated dict at offset 10"},
		{"trailing", file(1, dict("'<f8'", "()")+"x", nil), "unexpected 'x' after literal"},
		{"triple quote", file(1, dict("'''<f8'''", "()"), nil), "triple-quoted"},
		{"bytes literal", file(1, dict("b'<f8'", "()"), nil), `unsupported name "b"`},
		{"NUL", file(1, dict("'<f8\x00'", "()"), nil), "NUL byte at offset 24"},
		{"bad utf-8 v3", file(3, dict("'<f8\xff'", "()"), nil), "invalid UTF-8 at offset 26"},
		{"non-ascii name", file(3, "{é: 1}", nil), "unexpected"},
		{"leading zeros", file(1, dict("'<f8'", "(01,)"), nil), "leading zeros"},
		{"double sign", file(1, dict("'<f8'", "(--1,)"), nil), "unsupported number"},
		{"py2 long in v3", file(3, dict("'<f8'", "(3L,)"), nil), "unsupported number"},
		{"bad escape", file(1, dict(`'\x4'`, "()"), nil), "bad escape"},
		{"named escape", file(1, dict(`'\N{DIGIT ONE}'`, "()"), nil), "named escapes"},
		{"continuation", file(1, dict("'<f8'", "(1,\\\n)"), nil), "unexpected '\\\\'"},
		{"name", file(1, dict("'<f8'", "(True, Truex)"), nil), `unsupported name "Truex"`},
	}
	for _, tc := range tests {
		_, err := parse(tc.file)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "npy: header: ") {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

func FuzzReadHeader(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join(realDir, "*.npy"))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(file(1, dict(`[(('T', 'a'), '<f8', (2, 3)), ('b', [('c', '>i2'), ('', '|V2')])]`, "(2,)"), nil))
	f.Add(file(3, "{\"descr\": ('<' u'U' \"2\\x41\"), # c\n 'fortran_order' : True,'shape':(+3, - 0,\n)}", nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parse(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "npy: header: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		if h.DataOffset > int64(len(b)) || h.HeaderLen > MaxHeaderLen {
			t.Fatalf("bad offsets %+v", h)
		}
		if h.HasObject != (h.DataSize == -1) || (h.HasObject && h.ItemSize != 0) || h.ItemSize < 0 {
			t.Fatalf("inconsistent sizes %+v", h)
		}
		if !h.HasObject {
			n := int64(1)
			for _, d := range h.Shape {
				n *= d
			}
			if d := h.DataSize; d < 0 || n*h.ItemSize != d {
				t.Fatalf("DataSize %d != prod(%v)*%d", d, h.Shape, h.ItemSize)
			}
		}
		_ = CheckData(h, int64(len(b)))
	})
}
