package protowalk

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func tagged(b []byte, num protowire.Number, typ protowire.Type) []byte {
	return protowire.AppendTag(b, num, typ)
}

func bytesField(b []byte, num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(tagged(b, num, protowire.BytesType), v)
}

func reader(data []byte) *Reader { return NewReader(bytes.NewReader(data), int64(len(data)), 0) }

func collect(t *testing.T, r *Reader, sp Span) []Field {
	t.Helper()
	var out []Field
	if err := r.Walk(sp, func(f Field) error { out = append(out, f); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWalkDecodesEveryWireType(t *testing.T) {
	var msg []byte
	msg = protowire.AppendVarint(tagged(msg, 1, protowire.VarintType), 300)
	msg = protowire.AppendFixed32(tagged(msg, 2, protowire.Fixed32Type), 0xdeadbeef)
	msg = protowire.AppendFixed64(tagged(msg, 3, protowire.Fixed64Type), 1<<60)
	inner := bytesField(nil, 1, []byte("op"))
	msg = bytesField(msg, 536870911, inner) // the largest field number
	r := reader(msg)
	fs := collect(t, r, r.All())
	if len(fs) != 4 {
		t.Fatalf("got %d fields", len(fs))
	}
	if fs[0].Num != 1 || fs[0].Val != 300 || fs[1].Val != 0xdeadbeef || fs[2].Val != 1<<60 {
		t.Fatalf("values: %+v", fs)
	}
	if fs[3].Num != 536870911 || fs[3].Data.Len != int64(len(inner)) || fs[3].Off != int64(len(msg)-len(inner)-6) {
		t.Fatalf("bytes field: %+v", fs[3])
	}
	sub := collect(t, r, fs[3].Data)
	if len(sub) != 1 || sub[0].Num != 1 {
		t.Fatalf("nested: %+v", sub)
	}
	s, err := r.String(sub[0].Data, 10)
	if err != nil || s != "op" {
		t.Fatalf("String = %q, %v", s, err)
	}
	if r.Used() != 5 {
		t.Fatalf("Used = %d, want 5", r.Used())
	}
}

func TestWalkRejectsMalformed(t *testing.T) {
	long := bytesField(nil, 1, []byte("abcdef"))
	cases := map[string][]byte{
		"truncated varint":      {0x08, 0x80},
		"truncated tag":         {0x80},
		"field zero":            {0x00, 0x01},
		"field number too big":  protowire.AppendVarint(nil, uint64(protowire.MaxValidNumber+1)<<3),
		"length beyond message": long[:len(long)-1],
		"start group":           {0x0b},
		"end group":             {0x0c},
		"wire type 6":           {0x0e, 0x00},
		"wire type 7":           {0x0f, 0x00},
		"truncated fixed32":     {0x0d, 1, 2, 3},
		"truncated fixed64":     {0x09, 1, 2, 3, 4, 5, 6, 7},
		"varint overflow":       {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"huge length":           {0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			r := reader(data)
			err := r.Walk(r.All(), func(Field) error { return nil })
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if pe.Off < 0 || pe.Off > int64(len(data)) || !strings.Contains(err.Error(), "offset") {
				t.Fatalf("bad error %v", err)
			}
		})
	}
}

func TestLengthIsCheckedAgainstTheEnclosingSpan(t *testing.T) {
	// a field inside a span may not run past the span, even when the
	// stream goes on
	inner := bytesField(nil, 1, []byte("0123456789"))
	outer := append(bytesField(nil, 2, inner[:4]), inner[4:]...)
	r := reader(outer)
	var payload Span
	err := r.Walk(Span{0, 6}, func(f Field) error { payload = f.Data; return nil })
	if err != nil || payload.Len != 4 {
		t.Fatalf("outer: %v %+v", err, payload)
	}
	var pe *Error
	if err := r.Walk(payload, func(Field) error { return nil }); !errors.As(err, &pe) {
		t.Fatalf("inner field running past its span: err = %v", err)
	}
}

func TestSpanOutsideStream(t *testing.T) {
	r := reader([]byte{0x08, 0x01})
	if err := r.Walk(Span{1, 5}, func(Field) error { return nil }); err == nil {
		t.Fatal("span past the end accepted")
	}
	if _, _, err := r.Read(Span{-1, 1}, 4); err == nil {
		t.Fatal("negative span accepted")
	}
}

func TestBudgetAndLimit(t *testing.T) {
	var msg []byte
	for i := 0; i < 10; i++ {
		msg = protowire.AppendVarint(tagged(msg, 1, protowire.VarintType), uint64(i))
	}
	r := NewReader(bytes.NewReader(msg), int64(len(msg)), 4)
	n := 0
	err := r.Walk(r.All(), func(Field) error { n++; return nil })
	if !errors.Is(err, ErrBudget) || n != 4 {
		t.Fatalf("err=%v n=%d, want budget after 4", err, n)
	}

	r = reader(msg)
	restore := r.Limit(3)
	n = 0
	err = r.Walk(r.All(), func(Field) error { n++; return nil })
	if !errors.Is(err, ErrBudget) || n != 3 {
		t.Fatalf("limited: err=%v n=%d", err, n)
	}
	restore()
	if err := r.Walk(r.All(), func(Field) error { return nil }); err != nil {
		t.Fatalf("after restore: %v", err)
	}
}

func TestStopEndsWalkWithoutError(t *testing.T) {
	msg := protowire.AppendVarint(tagged(nil, 1, protowire.VarintType), 1)
	msg = append(msg, 0xff) // malformed after the first field
	r := reader(msg)
	n := 0
	if err := r.Walk(r.All(), func(Field) error { n++; return ErrStop }); err != nil || n != 1 {
		t.Fatalf("err=%v n=%d", err, n)
	}
	boom := errors.New("boom")
	if err := r.Walk(r.All(), func(Field) error { return boom }); err != boom {
		t.Fatalf("callback error not returned: %v", err)
	}
}

func TestReadIsBounded(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 3*blockSize)
	msg := bytesField(nil, 1, big)
	r := reader(msg)
	fs := collect(t, r, r.All())
	b, whole, err := r.Read(fs[0].Data, 10)
	if err != nil || whole || len(b) != 10 {
		t.Fatalf("Read 10: %d bytes, whole=%v, %v", len(b), whole, err)
	}
	b, whole, err = r.Read(fs[0].Data, -1)
	if err != nil || !whole || !bytes.Equal(b, big) {
		t.Fatalf("Read all: %d bytes, whole=%v, %v", len(b), whole, err)
	}
	s, _ := r.String(fs[0].Data, 3)
	if s != "xxx…" {
		t.Fatalf("String = %q", s)
	}
}

// Fields straddling cache blocks decode like the others.
func TestFieldsAcrossBlocks(t *testing.T) {
	var msg []byte
	want := 0
	for len(msg) < 3*blockSize {
		msg = bytesField(msg, 2, []byte("abcdefghijklm"))
		msg = protowire.AppendVarint(tagged(msg, 1, protowire.VarintType), 1<<40)
		want += 2
	}
	r := reader(msg)
	got := 0
	err := r.Walk(r.All(), func(f Field) error {
		got++
		if f.Num == 2 {
			s, err := r.String(f.Data, 64)
			if err != nil || s != "abcdefghijklm" {
				t.Fatalf("field at %d: %q %v", f.Off, s, err)
			}
		} else if f.Val != 1<<40 {
			t.Fatalf("varint at %d = %d", f.Off, f.Val)
		}
		return nil
	})
	if err != nil || got != want {
		t.Fatalf("got %d of %d fields: %v", got, want, err)
	}
}

type failingReader struct{}

func (failingReader) ReadAt(p []byte, off int64) (int, error) { return 0, io.ErrClosedPipe }

func TestReadErrorsAreReturned(t *testing.T) {
	r := NewReader(failingReader{}, 100, 0)
	err := r.Walk(r.All(), func(Field) error { return nil })
	if !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("err = %v", err)
	}
}
