// Package streams turns decoded streams (decompressors, archive members)
// into blobs a handler can read at any offset, with bounded memory: a
// stream is decoded once to learn its size, small ones are kept in memory,
// large ones are decoded again on demand. Budgets on the total decoded
// bytes of an input file and on the compression ratio stop bombs early.
package streams

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/modelscan-go/modelscan/internal/core"
)

// Opener starts decoding the stream from its beginning.
type Opener func() (io.Reader, error)

// InMemory is the largest decoded stream kept in memory.
const InMemory = 64 << 20

// ratioGrace is how many decoded bytes may be produced before the ratio
// budget applies (small, highly compressible members are normal).
const ratioGrace = 16 << 20

// BudgetError says which budget stopped a decode.
type BudgetError struct {
	Budget string // settings key, e.g. "max_decompressed_bytes"
	Limit  int64
	Detail string
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("budget %s (%d) exhausted: %s", e.Budget, e.Limit, e.Detail)
}

// Decoded is a decoded stream ready to scan.
type Decoded struct {
	R     io.ReaderAt
	Size  int64
	First io.Reader // the reader of the first decode, for checksum results
	// Err is a decoding error after Size good bytes (corrupt or truncated
	// data). Those bytes are still what a loader reading the stream gets.
	Err error
}

// Decode reads the stream once (at most budget bytes, and at most
// maxRatio times compressed bytes once past a grace amount) and returns a
// ReaderAt over it. compressed <= 0 disables the ratio check. A decoding
// error after some data keeps that data (Decoded.Err says what failed); a
// budget stop returns only the error.
func Decode(open Opener, compressed, budget, maxRatio int64) (*Decoded, error) {
	r, err := open()
	if err != nil {
		return nil, err
	}
	w := &boundedWriter{budget: budget, compressed: compressed, ratio: maxRatio}
	_, derr := io.Copy(w, r)
	var be *BudgetError
	if errors.As(derr, &be) {
		return nil, be
	}
	d := &Decoded{Size: w.n, First: r, Err: derr}
	if w.spilled {
		d.R = &redecoder{open: open, size: w.n}
	} else {
		d.R = bytes.NewReader(w.buf.Bytes())
	}
	return d, nil
}

// boundedWriter counts decoded bytes, keeps the first InMemory of them and
// enforces the budgets.
type boundedWriter struct {
	buf        bytes.Buffer
	n          int64
	spilled    bool
	budget     int64
	compressed int64
	ratio      int64
}

func (w *boundedWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if w.n > w.budget {
		return 0, &BudgetError{Budget: "max_decompressed_bytes", Limit: w.budget,
			Detail: fmt.Sprintf("more than %d decoded bytes", w.budget)}
	}
	if w.ratio > 0 && w.compressed > 0 && w.n > ratioGrace && w.n > w.ratio*w.compressed {
		return 0, &BudgetError{Budget: "max_compression_ratio", Limit: w.ratio,
			Detail: fmt.Sprintf("%d compressed bytes decode to more than %d", w.compressed, w.n)}
	}
	if !w.spilled {
		if int64(w.buf.Len()+len(p)) > InMemory {
			w.spilled = true
			w.buf = bytes.Buffer{}
		} else {
			w.buf.Write(p)
		}
	}
	return len(p), nil
}

// redecoder is an io.ReaderAt over a stream that is decoded sequentially;
// a read behind the current position decodes again from the start.
type redecoder struct {
	open     func() (io.Reader, error)
	size     int64
	r        io.Reader
	pos      int64
	restarts int
}

const maxRestarts = 256

func (z *redecoder) ReadAt(p []byte, off int64) (int, error) {
	if off >= z.size {
		return 0, io.EOF
	}
	if z.r == nil || off < z.pos {
		if z.restarts >= maxRestarts {
			return 0, errors.New("too many backward reads in a compressed stream")
		}
		z.restarts++
		r, err := z.open()
		if err != nil {
			return 0, err
		}
		z.r, z.pos = r, 0
	}
	if off > z.pos {
		n, err := io.CopyN(io.Discard, z.r, off-z.pos)
		z.pos += n
		if err != nil {
			return 0, err
		}
	}
	want := p
	if rem := z.size - off; int64(len(want)) > rem {
		want = want[:rem]
	}
	n, err := io.ReadFull(z.r, want)
	z.pos += int64(n)
	if n == len(want) {
		err = nil // a decode error past size is not part of the stream
	}
	if err == nil && n < len(p) {
		err = io.EOF
	}
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// Child decodes a nested stream of parent for the session: it charges the
// decoded bytes to the input file's budget and records a budget stop as a
// scan-incomplete finding plus an error. It returns nil when the stream
// could not be decoded (already reported).
func Child(s *core.Session, parent *core.Blob, name string, open Opener, compressed int64) (*core.Blob, *Decoded) {
	budget := s.DecompressBudget()
	child := parent.Child(name, nil, 0)
	if budget <= 0 {
		s.Budget(child, "max_decompressed_bytes", fmt.Errorf("decoded bytes for this file exceed %d", s.Limits.MaxDecompressed))
		return nil, nil
	}
	d, err := Decode(open, compressed, budget, s.Limits.MaxRatio)
	if err != nil {
		var be *BudgetError
		if errors.As(err, &be) {
			s.Budget(child, be.Budget, err)
		} else {
			s.Fail(child, core.CatNestedZip, fmt.Errorf("cannot decode: %w", err))
		}
		return nil, nil
	}
	s.ChargeDecompressed(d.Size)
	child.R, child.Size = d.R, d.Size
	if d.Err != nil {
		s.Fail(child, core.CatNestedZip, fmt.Errorf("stream is corrupt or truncated after %d decoded bytes (those are scanned): %w", d.Size, d.Err))
	}
	return child, d
}
