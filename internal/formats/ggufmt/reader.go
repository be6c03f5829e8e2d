package ggufmt

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// errTruncated reports a field that runs past the end of the file.
var errTruncated = errors.New("file ends inside a field")

// reader streams the header of a GGUF file through a buffer, keeping the
// absolute position so that every declared length can be checked against
// the bytes that remain before anything is read or allocated.
type reader struct {
	br    *bufio.Reader
	pos   int64
	size  int64
	order binary.ByteOrder
	v1    bool // GGUF v1: 32-bit counts and lengths
	buf   [8]byte
}

func newReader(r io.ReaderAt, size int64) *reader {
	return &reader{br: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10), size: size, order: binary.LittleEndian}
}

func (r *reader) remaining() int64 { return r.size - r.pos }

func (r *reader) fixed(n int) ([]byte, error) {
	if int64(n) > r.remaining() {
		return nil, fmt.Errorf("at offset %d: %w (%d bytes needed, %d left)", r.pos, errTruncated, n, r.remaining())
	}
	k, err := io.ReadFull(r.br, r.buf[:n])
	r.pos += int64(k)
	if err != nil {
		return nil, fmt.Errorf("at offset %d: read: %w", r.pos, err)
	}
	return r.buf[:n], nil
}

func (r *reader) u8() (uint8, error) {
	p, err := r.fixed(1)
	if err != nil {
		return 0, err
	}
	return p[0], nil
}

func (r *reader) u32() (uint32, error) {
	p, err := r.fixed(4)
	if err != nil {
		return 0, err
	}
	return r.order.Uint32(p), nil
}

func (r *reader) u64() (uint64, error) {
	p, err := r.fixed(8)
	if err != nil {
		return 0, err
	}
	return r.order.Uint64(p), nil
}

// count reads a count or length: 32 bits in v1, 64 bits after.
func (r *reader) count() (uint64, error) {
	if r.v1 {
		v, err := r.u32()
		return uint64(v), err
	}
	return r.u64()
}

// countSize is the width of a count or length field.
func (r *reader) countSize() int64 {
	if r.v1 {
		return 4
	}
	return 8
}

// skip discards n bytes that are known to be in the file.
func (r *reader) skip(n int64) error {
	if n > r.remaining() {
		return fmt.Errorf("at offset %d: %w (%d bytes needed, %d left)", r.pos, errTruncated, n, r.remaining())
	}
	for n > 0 {
		step := min(n, 1<<30)
		k, err := r.br.Discard(int(step))
		r.pos += int64(k)
		n -= int64(k)
		if err != nil {
			return fmt.Errorf("at offset %d: read: %w", r.pos, err)
		}
	}
	return nil
}

// gstring is a string field: where it is, how long, its first bytes and
// (when asked for) a digest of all of it.
type gstring struct {
	off  int64 // offset of the bytes (after the length)
	n    uint64
	head []byte // up to keep bytes
	sum  [sha256.Size]byte
}

// str reads a length-prefixed string, keeping at most keep bytes and
// hashing all of it when hash is set. The length is checked against the
// bytes left in the file before anything is read.
func (r *reader) str(keep int, hash bool) (gstring, error) {
	var g gstring
	n, err := r.count()
	if err != nil {
		return g, err
	}
	g.off, g.n = r.pos, n
	if n > uint64(r.remaining()) {
		return g, fmt.Errorf("at offset %d: string length %d exceeds the %d bytes left in the file", r.pos-r.countSize(), n, r.remaining())
	}
	if !hash && uint64(keep) == 0 {
		return g, r.skip(int64(n))
	}
	h := sha256.New()
	left := int64(n)
	for left > 0 {
		step := min(left, 32<<10)
		p, err := r.br.Peek(int(step))
		if len(p) == 0 && err != nil {
			return g, fmt.Errorf("at offset %d: read: %w", r.pos, err)
		}
		if room := keep - len(g.head); room > 0 {
			g.head = append(g.head, p[:min(room, len(p))]...)
		}
		if hash {
			h.Write(p)
		}
		if err := r.skip(int64(len(p))); err != nil {
			return g, err
		}
		left -= int64(len(p))
	}
	if hash {
		h.Sum(g.sum[:0])
	}
	return g, nil
}
