// Package streams turns decoded streams (decompressors, archive members)
// into blobs a handler can read at any offset, with bounded memory: a
// stream is decoded once to learn its size, small ones are kept in memory,
// large ones are decoded again on demand (with the head, the tail and the
// most recent bytes cached, so forward readers rarely restart). Budgets on
// the decoded bytes of an input file, on the ratio of one stream and on the
// ratio of the whole file stop bombs early; what was decoded before a stop
// is still scanned.
package streams

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/modelscan-go/modelscan/internal/core"
)

// Opener starts decoding the stream from its beginning. When the reader it
// returns has a Consumed() int64 method (see Counter), the ratio budget
// divides by the compressed bytes consumed so far rather than by the
// compressed size given to Decode.
type Opener func() (io.Reader, error)

// consumer is a decoder that knows how much compressed input it took.
type consumer interface{ Consumed() int64 }

// InMemory is the largest decoded stream kept in memory; larger ones are
// decoded again on demand.
const InMemory = 16 << 20

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
	// Stop is the budget that ended the decode after Size bytes (nil when
	// the stream was decoded to its end or to Err). The bytes before the
	// stop are kept: a loader reads them before it would reach the bomb.
	Stop *BudgetError
}

// Budget bounds one decode.
type Budget struct {
	Bytes  int64  // decoded bytes allowed
	Name   string // budget reported when Bytes is exceeded; "" means max_decompressed_bytes
	Limit  int64  // configured value of that budget, for the message; 0 means Bytes
	Detail string // what exceeding Bytes means, for the message
	// Compressed is the compressed size, the ratio's divisor when the
	// decoder does not report what it consumed; <= 0 turns the ratio off
	// for such decoders.
	Compressed int64
	Ratio      int64 // decoded bytes per compressed byte (after 16 MiB); 0: off
	// Ctx, when set, ends the decode once it is done (the per-file time
	// budget, an interrupt); Decoded.Err is then the context's error.
	Ctx context.Context
}

// Decode reads the stream once (at most budget bytes, and at most maxRatio
// times the compressed bytes consumed once past a grace amount) and returns
// a ReaderAt over what it decoded. compressed <= 0 disables the ratio check
// unless the decoder counts its input. A decoding error after some data
// keeps that data (Decoded.Err says what failed), and so does a budget stop
// (Decoded.Stop). Only a failure to open the stream is returned as err.
func Decode(open Opener, compressed, budget, maxRatio int64) (*Decoded, error) {
	return DecodeBudget(open, Budget{Bytes: budget, Compressed: compressed, Ratio: maxRatio})
}

// DecodeBudget is Decode with every bound spelled out.
func DecodeBudget(open Opener, b Budget) (*Decoded, error) {
	r, err := open()
	if err != nil {
		return nil, err
	}
	if b.Name == "" {
		b.Name = "max_decompressed_bytes"
	}
	if b.Limit == 0 {
		b.Limit = b.Bytes
	}
	if b.Detail == "" {
		b.Detail = fmt.Sprintf("more than %d decoded bytes", b.Bytes)
	}
	w := &sink{b: b}
	if c, ok := r.(consumer); ok {
		w.consumed = c.Consumed
	}
	_, derr := io.Copy(w, r)
	d := &Decoded{Size: w.n, First: r}
	var be *BudgetError
	if errors.As(derr, &be) {
		d.Stop = be
	} else {
		d.Err = derr
	}
	if w.spilled {
		d.R = &redecoder{open: open, size: w.n, head: w.head, tail: w.tail.bytes()}
	} else {
		d.R = newChunkReader(w.chunks, w.n)
	}
	return d, nil
}

// Child decodes a nested stream of parent for the session (see
// DecodeInto). It returns nil when nothing can be scanned (already
// reported).
func Child(s *core.Session, parent *core.Blob, name string, open Opener, compressed int64) (*core.Blob, *Decoded) {
	child := parent.Child(name, nil, 0)
	d := DecodeInto(s, child, open, compressed)
	if d == nil {
		return nil, nil
	}
	return child, d
}

// DecodeInto decodes the stream of child for the session and sets child.R
// and child.Size. It charges the decoded bytes to the input file's budget,
// and records a budget stop as one scan-incomplete finding plus an error
// per budget and file (later stops are counted into it). A stop is not the
// end of the stream's scan: the bytes decoded before it are returned for
// scanning. Once the file's decoded-bytes allowance is spent, no further
// stream is decoded. It returns nil when there is nothing to scan (already
// reported).
func DecodeInto(s *core.Session, child *core.Blob, open Opener, compressed int64) *Decoded {
	left := s.DecompressBudget()
	name, limit := s.DecompressLimit()
	if left <= 0 {
		s.BudgetOnce(child, name, &BudgetError{Budget: name, Limit: limit,
			Detail: fmt.Sprintf("%s; %s was not decoded", fileDetail(s, name, limit), child.Source)})
		return nil
	}
	d, err := DecodeBudget(open, Budget{Bytes: left, Name: name, Limit: limit, Detail: fileDetail(s, name, limit),
		Compressed: compressed, Ratio: s.Limits.MaxRatio, Ctx: s.Ctx})
	if err != nil {
		var be *BudgetError
		if errors.As(err, &be) {
			s.BudgetOnce(child, be.Budget, err)
		} else {
			s.Fail(child, core.CatNestedZip, fmt.Errorf("cannot decode: %w", err))
		}
		return nil
	}
	s.ChargeDecompressed(d.Size)
	switch {
	case s.Ctx != nil && s.Ctx.Err() != nil && errors.Is(d.Err, s.Ctx.Err()):
		return nil // the caller's next step sees the context and reports it
	case d.Stop != nil:
		s.BudgetOnce(child, d.Stop.Budget, fmt.Errorf("%w (the %d bytes decoded before the stop are scanned)", d.Stop, d.Size))
	case d.Err != nil:
		s.Fail(child, core.CatNestedZip, fmt.Errorf("stream is corrupt or truncated after %d decoded bytes (those are scanned): %w", d.Size, d.Err))
	}
	if d.Size == 0 && d.Stop != nil {
		return nil
	}
	child.R, child.Size = d.R, d.Size
	return d
}

// fileDetail explains a per-file budget for a stop message.
func fileDetail(s *core.Session, name string, limit int64) string {
	if name == "max_file_compression_ratio" {
		return fmt.Sprintf("the streams of this %d-byte file decode to more than %d times its size (at least %d MiB)",
			s.InputSize(), limit, core.FileRatioGrace>>20)
	}
	return fmt.Sprintf("the streams of this file decode to more than %d bytes", limit)
}

// sink receives the first decode: it counts bytes, enforces the budgets,
// keeps the stream while it fits in InMemory and, past that, its head and
// its tail for the redecoder.
type sink struct {
	b        Budget
	consumed func() int64
	n        int64
	chunks   [][]byte // the stream, while not spilled
	spilled  bool
	head     []byte
	tail     tailRing
}

const (
	headCache = 64 << 10 // first bytes kept for a spilled stream (sniffing)
	tailCache = 1 << 20  // last bytes kept (end records, directories)
	maxChunk  = 1 << 20
)

func (w *sink) Write(p []byte) (int, error) {
	if w.b.Ctx != nil {
		if err := w.b.Ctx.Err(); err != nil {
			return 0, err
		}
	}
	keep, stop := int64(len(p)), (*BudgetError)(nil)
	if w.n+keep > w.b.Bytes {
		keep = w.b.Bytes - w.n
		stop = &BudgetError{Budget: w.b.Name, Limit: w.b.Limit, Detail: w.b.Detail}
	}
	if lim, comp := w.ratioLimit(); w.n+keep > lim {
		keep = max(lim-w.n, 0)
		stop = &BudgetError{Budget: "max_compression_ratio", Limit: w.b.Ratio,
			Detail: fmt.Sprintf("%d compressed bytes decode to more than %d", comp, lim)}
	}
	w.store(p[:keep])
	if stop != nil {
		return int(keep), stop
	}
	return len(p), nil
}

// ratioLimit is how many bytes the stream may decode to given the
// compressed bytes consumed so far (no limit when the ratio is off).
func (w *sink) ratioLimit() (limit, comp int64) {
	comp = w.b.Compressed
	if w.consumed != nil {
		comp = w.consumed()
	}
	if w.b.Ratio <= 0 || comp <= 0 {
		return 1<<63 - 1, comp
	}
	if comp > (1<<62)/w.b.Ratio {
		return 1<<63 - 1, comp
	}
	return max(ratioGrace, w.b.Ratio*comp), comp
}

func (w *sink) store(p []byte) {
	w.n += int64(len(p))
	if w.spilled {
		w.tail.write(p)
		return
	}
	if w.n > InMemory {
		w.spill()
		w.tail.write(p)
		return
	}
	for len(p) > 0 {
		last := len(w.chunks) - 1
		if last < 0 || len(w.chunks[last]) == cap(w.chunks[last]) {
			size := 4 << 10
			if last >= 0 {
				size = min(2*cap(w.chunks[last]), maxChunk)
			}
			w.chunks = append(w.chunks, make([]byte, 0, size))
			last++
		}
		c := w.chunks[last]
		k := min(len(p), cap(c)-len(c))
		w.chunks[last] = append(c, p[:k]...)
		p = p[k:]
	}
}

// spill drops the in-memory copy, keeping the head and the bytes the tail
// cache can hold.
func (w *sink) spill() {
	w.spilled = true
	w.head = make([]byte, 0, headCache)
	for _, c := range w.chunks {
		if k := min(len(c), headCache-len(w.head)); k > 0 {
			w.head = append(w.head, c[:k]...)
		}
	}
	w.tail.buf = make([]byte, 0, 2*tailCache)
	for _, c := range w.chunks {
		w.tail.write(c)
	}
	w.chunks = nil
}

// tailRing keeps the last tailCache bytes written (in a buffer of twice
// that, compacted when full).
type tailRing struct{ buf []byte }

func (t *tailRing) write(p []byte) {
	if len(p) >= tailCache {
		t.buf = append(t.buf[:0], p[len(p)-tailCache:]...)
		return
	}
	if len(t.buf)+len(p) > cap(t.buf) {
		drop := len(t.buf) + len(p) - tailCache
		t.buf = t.buf[:copy(t.buf, t.buf[drop:])]
	}
	t.buf = append(t.buf, p...)
}

func (t *tailRing) bytes() []byte {
	if len(t.buf) > tailCache {
		return t.buf[len(t.buf)-tailCache:]
	}
	return t.buf
}

// MaxDecoded is the most bytes a stream of compressed bytes may decode to
// in this session before a budget stops it (the rest of the file's budget,
// and the ratio budget). A decoder never needs a window larger than that.
func MaxDecoded(s *core.Session, compressed int64) int64 {
	n := s.DecompressBudget()
	if r := s.Limits.MaxRatio; r > 0 && compressed > 0 && compressed <= (1<<62)/r {
		n = min(n, max(ratioGrace, r*compressed))
	}
	return n
}
