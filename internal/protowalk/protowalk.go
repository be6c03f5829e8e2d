// Package protowalk reads protocol-buffer wire data lazily through an
// io.ReaderAt, without generated code: a message is a Span of the stream,
// Walk visits its fields one by one, and length-delimited payloads are
// handed back as sub-spans that are read or descended into only on demand.
//
// Every length is checked against the bytes that remain in the enclosing
// span before it is used, nothing is allocated by a declared size beyond a
// caller's limit, and a field budget bounds the total work. Group wire
// types (proto2 only) are rejected as malformed.
package protowalk

import (
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
)

// Span is a byte range of the stream: a message or a field payload.
type Span struct {
	Off int64 // first byte
	Len int64 // number of bytes
}

// End returns the offset just past the span.
func (s Span) End() int64 { return s.Off + s.Len }

// Field is one decoded field of a message.
type Field struct {
	Num  protowire.Number
	Type protowire.Type
	Off  int64  // offset of the tag
	Val  uint64 // value of a varint, fixed32 or fixed64 field
	Data Span   // payload of a length-delimited field
}

// Error is malformed wire data.
type Error struct {
	Off int64  // where the problem is
	Msg string // what it is
}

func (e *Error) Error() string { return fmt.Sprintf("protobuf: %s at offset %d", e.Msg, e.Off) }

// ErrBudget is returned (wrapped) when the field budget is used up.
var ErrBudget = errors.New("protobuf: field budget exhausted")

// ErrStop can be returned by a Walk callback to end the walk early; Walk
// then returns nil.
var ErrStop = errors.New("protowalk: stop")

// blockSize is how much is read at once when fields are decoded.
const blockSize = 32 << 10

// maxHeader is the longest tag plus varint: 10 + 10 bytes.
const maxHeader = 20

// Reader decodes fields from an io.ReaderAt. It keeps one block of the
// stream cached: walks move forward through a message, so most fields are
// decoded without a read. A Reader is not safe for concurrent use.
type Reader struct {
	r        io.ReaderAt
	size     int64
	block    []byte
	blockOff int64
	budget   int64
	used     int64
}

// NewReader reads the size bytes of r. budget bounds the number of fields
// all walks together may decode (0 or less: no bound).
func NewReader(r io.ReaderAt, size int64, budget int64) *Reader {
	return &Reader{r: r, size: size, budget: budget}
}

// Size returns the stream size.
func (r *Reader) Size() int64 { return r.size }

// All returns the span of the whole stream.
func (r *Reader) All() Span { return Span{0, r.size} }

// Used returns the number of fields decoded so far.
func (r *Reader) Used() int64 { return r.used }

// Limit lets at most n more fields be decoded (fewer if the budget ends
// sooner) until the returned function restores the previous budget.
func (r *Reader) Limit(n int64) (restore func()) {
	old := r.budget
	if nb := r.used + n; old <= 0 || nb < old {
		r.budget = nb
	}
	return func() { r.budget = old }
}

// window returns up to n bytes at off (fewer only at the end of the
// stream), from the cache when it holds them.
func (r *Reader) window(off int64, n int) ([]byte, error) {
	if off >= r.blockOff && off+int64(n) <= r.blockOff+int64(len(r.block)) {
		i := off - r.blockOff
		return r.block[i : i+int64(n)], nil
	}
	want := int64(blockSize)
	if rest := r.size - off; rest < want {
		want = rest
	}
	if r.block == nil || cap(r.block) < int(want) {
		r.block = make([]byte, want)
	}
	r.block = r.block[:want]
	got, err := r.r.ReadAt(r.block, off)
	if int64(got) < want {
		r.block, r.blockOff = r.block[:0], 0
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("protobuf: read at offset %d: %w", off, err)
	}
	r.blockOff = off
	if int64(n) > want {
		n = int(want)
	}
	return r.block[:n], nil
}

// Walk decodes the fields of the message in sp in order and calls fn for
// each. It stops at the first malformed field (*Error), at a read error,
// when the budget runs out (ErrBudget), or when fn returns an error
// (ErrStop ends the walk without error).
func (r *Reader) Walk(sp Span, fn func(Field) error) error {
	end := sp.End()
	if sp.Off < 0 || sp.Len < 0 || end > r.size {
		return &Error{Off: sp.Off, Msg: fmt.Sprintf("span of %d bytes outside the %d-byte stream", sp.Len, r.size)}
	}
	for off := sp.Off; off < end; {
		if r.budget > 0 && r.used >= r.budget {
			return fmt.Errorf("%w after %d fields", ErrBudget, r.used)
		}
		r.used++
		n := int64(maxHeader)
		if rest := end - off; rest < n {
			n = rest
		}
		win, err := r.window(off, int(n))
		if err != nil {
			return err
		}
		f, next, err := decode(win, off, end)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			if err == ErrStop {
				return nil
			}
			return err
		}
		off = next
	}
	return nil
}

// decode reads the field whose tag is at off; win holds the bytes from off
// (up to maxHeader of them, never past end). It returns the field and the
// offset of the next one.
func decode(win []byte, off, end int64) (Field, int64, error) {
	num, typ, n := protowire.ConsumeTag(win)
	if n < 0 {
		return Field{}, 0, &Error{Off: off, Msg: "bad tag: " + protowire.ParseError(n).Error()}
	}
	if !num.IsValid() {
		return Field{}, 0, &Error{Off: off, Msg: fmt.Sprintf("field number %d out of range", num)}
	}
	f := Field{Num: num, Type: typ, Off: off}
	rest := win[n:]
	p := off + int64(n)
	switch typ {
	case protowire.VarintType:
		v, m := protowire.ConsumeVarint(rest)
		if m < 0 {
			return f, 0, &Error{Off: p, Msg: fmt.Sprintf("field %d: bad varint: %v", num, protowire.ParseError(m))}
		}
		f.Val = v
		return f, p + int64(m), nil
	case protowire.Fixed32Type:
		v, m := protowire.ConsumeFixed32(rest)
		if m < 0 {
			return f, 0, &Error{Off: p, Msg: fmt.Sprintf("field %d: truncated fixed32", num)}
		}
		f.Val = uint64(v)
		return f, p + int64(m), nil
	case protowire.Fixed64Type:
		v, m := protowire.ConsumeFixed64(rest)
		if m < 0 {
			return f, 0, &Error{Off: p, Msg: fmt.Sprintf("field %d: truncated fixed64", num)}
		}
		f.Val = v
		return f, p + int64(m), nil
	case protowire.BytesType:
		l, m := protowire.ConsumeVarint(rest)
		if m < 0 {
			return f, 0, &Error{Off: p, Msg: fmt.Sprintf("field %d: bad length: %v", num, protowire.ParseError(m))}
		}
		start := p + int64(m)
		if l > uint64(end-start) {
			return f, 0, &Error{Off: p, Msg: fmt.Sprintf("field %d: length %d exceeds the %d bytes left in its message", num, l, end-start)}
		}
		f.Data = Span{Off: start, Len: int64(l)}
		return f, start + int64(l), nil
	case protowire.StartGroupType, protowire.EndGroupType:
		return f, 0, &Error{Off: off, Msg: fmt.Sprintf("field %d: group wire type is not used by these messages", num)}
	default:
		return f, 0, &Error{Off: off, Msg: fmt.Sprintf("field %d: invalid wire type %d", num, typ)}
	}
}

// Read returns the first min(sp.Len, max) bytes of sp, and whether that is
// all of it. The result is a copy.
func (r *Reader) Read(sp Span, max int) ([]byte, bool, error) {
	if sp.Off < 0 || sp.Len < 0 || sp.End() > r.size {
		return nil, false, &Error{Off: sp.Off, Msg: "span outside the stream"}
	}
	n := sp.Len
	whole := true
	if max >= 0 && n > int64(max) {
		n, whole = int64(max), false
	}
	if n == 0 {
		return []byte{}, whole, nil
	}
	if n <= blockSize {
		win, err := r.window(sp.Off, int(n))
		if err != nil {
			return nil, false, err
		}
		return append([]byte(nil), win...), whole, nil
	}
	buf := make([]byte, n)
	got, err := r.r.ReadAt(buf, sp.Off)
	if int64(got) < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, false, fmt.Errorf("protobuf: read at offset %d: %w", sp.Off, err)
	}
	return buf, whole, nil
}

// String returns up to max bytes of sp as a string, with "…" appended when
// it was cut.
func (r *Reader) String(sp Span, max int) (string, error) {
	b, whole, err := r.Read(sp, max)
	if err != nil {
		return "", err
	}
	if !whole {
		return string(b) + "…", nil
	}
	return string(b), nil
}
