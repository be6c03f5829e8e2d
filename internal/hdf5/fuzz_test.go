package hdf5

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// fuzzLimits are small enough to keep each input fast.
var fuzzLimits = Limits{MaxObjects: 20000, MaxAttrBytes: 1 << 20, MaxBlockBytes: 1 << 20, MaxTotalBytes: 8 << 20}

// FuzzHDF5 opens arbitrary bytes and reads the root's links and
// attributes and those of its children: no panic, bounded allocation, and
// consistent results.
func FuzzHDF5(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.h5")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	str := attrMsg("s", fixedString(5), scalarSpace(), []byte("value"))
	f.Add(simpleFile(str, attrMsg("v", vlenString(), simpleSpace(1), vlenRef(3, 48, 1))))
	f.Add(denseFile([][]byte{str.data, attrMsg("i", int32Type(), simpleSpace(2), make([]byte, 8)).data}, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		before := heapAllocs()
		Sniff(b)
		file, err := Open(bytes.NewReader(b), int64(len(b)), fuzzLimits)
		if err != nil {
			if file != nil {
				t.Fatal("File with error")
			}
			return
		}
		paths := []string{"/"}
		links, _ := file.Links("/")
		for i, l := range links {
			if i == 4 {
				break
			}
			paths = append(paths, "/"+l.Name)
		}
		for _, p := range paths {
			file.Links(p)
			attrs, _ := file.Attrs(p)
			for _, a := range attrs {
				checkAttr(t, a)
			}
		}
		if a := heapAllocs() - before; a > 256<<20 {
			t.Fatalf("allocated %d bytes for a %d-byte input", a, len(b))
		}
	})
}

func checkAttr(t *testing.T, a Attr) {
	t.Helper()
	if a.Err != nil {
		if a.Kind != KindUnknown || a.Strs != nil || a.Ints != nil || a.Floats != nil {
			t.Fatalf("attribute %q with error %v has values", a.Name, a.Err)
		}
		return
	}
	n := uint64(1)
	for _, d := range a.Dims {
		n *= d
	}
	var got int
	switch a.Kind {
	case KindString:
		got = len(a.Strs)
		if got == 1 && a.Str != a.Strs[0] || got != 1 && a.Str != "" {
			t.Fatalf("Str %q with %d strings", a.Str, got)
		}
	case KindInt:
		got = len(a.Ints)
	case KindFloat:
		got = len(a.Floats)
	case KindEmpty:
		return
	default:
		t.Fatalf("attribute %q: kind %v without error", a.Name, a.Kind)
	}
	if uint64(got) != n {
		t.Fatalf("attribute %q: %d values for dims %v", a.Name, got, a.Dims)
	}
}

func BenchmarkKerasRootAttrs(b *testing.B) {
	data := readFixture(b, "keras_like.h5")
	r := bytes.NewReader(data)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f, err := Open(r, int64(len(data)), Limits{})
		if err != nil {
			b.Fatal(err)
		}
		attrs, err := f.Attrs("/")
		if err != nil || len(attrs) != 4 || len(attrs[2].Str) < 10000 {
			b.Fatalf("%d attributes, %v", len(attrs), err)
		}
	}
}
