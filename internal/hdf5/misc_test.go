package hdf5

import (
	"bytes"
	"errors"
	"testing"
)

func TestLookup3(t *testing.T) {
	// vectors from Bob Jenkins' lookup3.c driver
	for _, c := range []struct {
		in   string
		init uint32
		want uint32
	}{
		{"", 0, 0xdeadbeef},
		{"", 0xdeadbeef, 0xbd5b7dde},
		{"Four score and seven years ago", 0, 0x17770551},
		{"Four score and seven years ago", 1, 0xcd628161},
	} {
		if got := lookup3([]byte(c.in), c.init); got != c.want {
			t.Errorf("lookup3(%q, %#x) = %#08x, want %#08x", c.in, c.init, got, c.want)
		}
	}
}

func TestSniff(t *testing.T) {
	ub := make([]byte, 1024+8)
	copy(ub[1024:], signature)
	for _, c := range []struct {
		head []byte
		want bool
	}{
		{[]byte(signature + "\x00"), true},
		{ub, true},
		{ub[:1024], false},
		{append(make([]byte, 100), signature...), false},
		{[]byte("\x89HDF"), false},
		{nil, false},
	} {
		if got := Sniff(c.head); got != c.want {
			t.Errorf("Sniff(%d bytes) = %v", len(c.head), got)
		}
	}
	// Open finds a signature after a user block, not elsewhere
	b := append(make([]byte, 100), simpleFile(attrMsg("a", int32Type(), scalarSpace(), make([]byte, 4)))...)
	if _, err := Open(bytes.NewReader(b), int64(len(b)), Limits{}); !errors.Is(err, ErrNotHDF5) {
		t.Errorf("signature at 100: %v", err)
	}
}

func TestLimits(t *testing.T) {
	f, b := openFixture(t, "dense.h5")
	_ = f
	open := func(l Limits) *File {
		f, err := Open(bytes.NewReader(b), int64(len(b)), l)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if _, err := open(Limits{MaxObjects: 10}).Attrs("/"); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxObjects: %v", err)
	}
	if _, err := open(Limits{MaxTotalBytes: 4096}).Attrs("/"); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxTotalBytes: %v", err)
	}
	if _, err := open(Limits{MaxBlockBytes: 256}).Attrs("/"); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxBlockBytes: %v", err)
	}
	if _, err := open(Limits{MaxDepth: 1}).Attrs("/model_weights/x"); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxDepth (path): %v", err)
	}
	// a value over MaxAttrBytes is an error on that attribute only
	attrs, err := open(Limits{MaxAttrBytes: 4000}).Attrs("/")
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, a := range attrs {
		if a.Err != nil {
			bad++
			if !errors.Is(a.Err, ErrLimit) || (a.Name != "model_config" && a.Name != "fixed_big") {
				t.Errorf("%s: %v", a.Name, a.Err)
			}
		}
	}
	if bad != 2 || len(attrs) != 33 {
		t.Errorf("%d attributes, %d errors", len(attrs), bad)
	}
	// every call has its own budget
	g := open(Limits{MaxObjects: 200})
	for i := 0; i < 3; i++ {
		if _, err := g.Attrs("/"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

func TestNULFlag(t *testing.T) {
	b := simpleFile(
		attrMsg("nul", fixedString(8), scalarSpace(), []byte("ab\x00cd\x00\x00\x00")),
		attrMsg("plain", fixedString(8), scalarSpace(), []byte("abcd\x00\x00\x00\x00")),
	)
	attrs, err := mustOpen(t, b).Attrs("/")
	if err != nil || len(attrs) != 2 {
		t.Fatal(attrs, err)
	}
	if a := attrs[0]; !a.NUL || a.Str != "ab\x00cd" {
		t.Errorf("%+v", a)
	}
	if a := attrs[1]; a.NUL || a.Str != "abcd" {
		t.Errorf("%+v", a)
	}
}

// TestConcurrent reads one File from several goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	f, _ := openFixture(t, "dense.h5")
	want, err := f.Attrs("/")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			got, err := f.Attrs("/")
			if err == nil && len(got) != len(want) {
				err = errors.New("different attribute count")
			}
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
