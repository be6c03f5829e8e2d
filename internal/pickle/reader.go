package pickle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// FrameMode selects how FRAME boundaries are honoured, mirroring the two ways
// CPython's C unpickler reads.
type FrameMode int

const (
	// FrameLinear is pickle.loads(bytes) (and small files read through a
	// peekable buffer): frame boundaries are ignored, opcodes are read
	// linearly. A FRAME whose length exceeds the remaining data fails.
	FrameLinear FrameMode = iota
	// FrameExact is a file object without peek (io.BytesIO, as torch.load
	// uses for data.pkl): the frame is read into its own buffer; an opcode
	// that needs bytes past the frame end drops the rest of the frame and
	// reads from the file after it.
	FrameExact
	// FramePython is pickle._Unpickler, the pure-Python unpickler that
	// joblib.load uses: a FRAME reads up to its length (fewer bytes when the
	// data ends first); a read that starts inside a frame must end inside it
	// ("pickle exhausted before end of frame"); a read at the frame end
	// continues from the file; a FRAME inside an unfinished frame is an error;
	// each load() starts a new frame reader. The machine also follows that
	// unpickler's own argument parsing (int()/float() on text arguments,
	// calls with any iterable as arguments, INST importing before it pops
	// the mark, false BUILD states skipped).
	FramePython
)

var (
	errFrameExhausted = errors.New("pickle exhausted before end of frame")
	errFrameNested    = errors.New("beginning of a new frame before end of current frame")
)

// errTruncated mirrors CPython's "pickle data was truncated".
var errTruncated = errors.New("pickle data was truncated")

const readerBuf = 64 << 10

// reader is a bounded, buffered, position-tracking reader over an
// io.ReaderAt. It never allocates by a length read from the stream: large
// payloads are skipped, not copied.
type reader struct {
	src    io.ReaderAt
	pos    int64 // absolute offset of the next byte
	end    int64 // absolute end of the stream
	buf    []byte
	bufOff int64 // absolute offset of buf[0]
	ioErr  error // a real read error (not EOF)

	mode     FrameMode
	frameEnd int64 // FrameExact: end of the current frame buffer, -1 if none
	drops    int   // FrameExact: how many times leftover frame bytes were dropped
}

func newReader(src io.ReaderAt, start, end int64, mode FrameMode) *reader {
	return &reader{src: src, pos: start, end: end, bufOff: start, mode: mode, frameEnd: -1}
}

func (r *reader) remaining() int64 { return r.end - r.pos }

// fill makes buf cover r.pos (and up to readerBuf bytes after it).
func (r *reader) fill() error {
	if r.pos >= r.end {
		return io.EOF
	}
	n := int64(readerBuf)
	if rem := r.end - r.pos; rem < n {
		n = rem
	}
	if cap(r.buf) < int(n) {
		// small streams get a small buffer; it grows to readerBuf at most
		r.buf = make([]byte, max(n, min(2*int64(cap(r.buf)), readerBuf)))
	}
	r.buf = r.buf[:n]
	got, err := r.src.ReadAt(r.buf, r.pos)
	r.buf = r.buf[:got]
	r.bufOff = r.pos
	if got == 0 {
		if err != nil && err != io.EOF {
			r.ioErr = err
			return err
		}
		return io.EOF
	}
	return nil
}

// avail returns how many bytes at r.pos are already buffered.
func (r *reader) avail() int {
	i := r.pos - r.bufOff
	if i < 0 || i >= int64(len(r.buf)) {
		return 0
	}
	return len(r.buf) - int(i)
}

// prepare applies the frame semantics of the mode before a read of n bytes.
// FrameExact: a read running past the frame buffer drops the rest of the
// frame (counted in drops). FramePython: a read at the frame end leaves the
// frame; one that starts inside and ends outside is an error.
func (r *reader) prepare(n int64) error {
	if r.frameEnd < 0 {
		return nil
	}
	switch r.mode {
	case FrameExact:
		if r.pos+n <= r.frameEnd {
			return nil
		}
		if r.pos < r.frameEnd {
			r.drops++
		}
		r.pos = r.frameEnd
		r.frameEnd = -1
	case FramePython:
		if r.pos == r.frameEnd {
			r.frameEnd = -1
			return nil
		}
		if r.pos+n > r.frameEnd {
			return errFrameExhausted
		}
	}
	return nil
}

// leaveFrameFor prepares a FrameExact read of n payload bytes that CPython
// reads with _Unpickler_ReadInto: the frame rest and then the file after it,
// which are contiguous, so nothing is dropped.
func (r *reader) leaveFrameFor(n int64) {
	if r.mode == FrameExact && r.frameEnd >= 0 && r.pos+n > r.frameEnd {
		r.frameEnd = -1
	}
}

// dropFrame discards what is left of the current frame (FramePython: a new
// load() starts a new frame reader).
func (r *reader) dropFrame() {
	if r.frameEnd >= 0 {
		if r.pos < r.frameEnd {
			r.pos = r.frameEnd
		}
		r.frameEnd = -1
	}
}

func (r *reader) readByte() (byte, error) {
	// fast path: no frame buffer to honour and the byte is buffered
	if r.frameEnd < 0 {
		if i := r.pos - r.bufOff; i >= 0 && i < int64(len(r.buf)) {
			r.pos++
			return r.buf[i], nil
		}
	}
	if err := r.prepare(1); err != nil {
		return 0, err
	}
	if r.avail() == 0 {
		if err := r.fill(); err != nil {
			return 0, r.eof(err)
		}
	}
	b := r.buf[r.pos-r.bufOff]
	r.pos++
	return b, nil
}

func (r *reader) eof(err error) error {
	if err == io.EOF {
		return errTruncated
	}
	return err
}

// read returns the next n bytes (n must be small, <= readerBuf). The slice
// is valid until the next read.
func (r *reader) read(n int) ([]byte, error) {
	if r.frameEnd < 0 {
		if i := r.pos - r.bufOff; i >= 0 && i+int64(n) <= int64(len(r.buf)) {
			r.pos += int64(n)
			return r.buf[i : i+int64(n)], nil
		}
	}
	if err := r.prepare(int64(n)); err != nil {
		return nil, err
	}
	if int64(n) > r.remaining() {
		return nil, errTruncated
	}
	if r.avail() < n {
		if err := r.fill(); err != nil {
			return nil, r.eof(err)
		}
		if r.avail() < n {
			return nil, errTruncated
		}
	}
	i := r.pos - r.bufOff
	r.pos += int64(n)
	return r.buf[i : i+int64(n)], nil
}

// readInto copies the next len(p) bytes into p.
func (r *reader) readInto(p []byte) error {
	if err := r.prepare(int64(len(p))); err != nil {
		return err
	}
	if int64(len(p)) > r.remaining() {
		return errTruncated
	}
	for len(p) > 0 {
		if r.avail() == 0 {
			if err := r.fill(); err != nil {
				return r.eof(err)
			}
		}
		i := r.pos - r.bufOff
		c := copy(p, r.buf[i:])
		p = p[c:]
		r.pos += int64(c)
	}
	return nil
}

// skip advances past n bytes without reading them, after checking they exist.
func (r *reader) skip(n int64) error {
	if err := r.prepare(n); err != nil {
		return err
	}
	if n < 0 || n > r.remaining() {
		return errTruncated
	}
	r.pos += n
	return nil
}

// claim checks that n payload bytes exist at r.pos (after FrameExact
// adjustment) and returns their absolute offset without reading them.
func (r *reader) claim(n int64) (int64, error) {
	if err := r.prepare(n); err != nil {
		return 0, err
	}
	if n < 0 || n > r.remaining() {
		return 0, errTruncated
	}
	off := r.pos
	r.pos += n
	return off, nil
}

// readLine returns the bytes up to and including the next '\n', as CPython's
// _Unpickler_Readline does (a line without '\n' before the end of data is an
// error). At most max bytes are kept; longer lines are consumed, the kept
// prefix is returned and long is set.
func (r *reader) readLine(max int) (line []byte, long bool, err error) {
	if r.frameEnd >= 0 && r.pos == r.frameEnd {
		r.frameEnd = -1 // at the frame end: the line comes from the file
	}
	if r.frameEnd >= 0 {
		// Search only the frame buffer.
		if nl := r.indexNL(r.frameEnd); nl < 0 {
			if r.mode == FramePython {
				return nil, false, errFrameExhausted
			}
			// FrameExact: the line is read from the file after the frame.
			if r.pos < r.frameEnd {
				r.drops++
			}
			r.pos = r.frameEnd
			r.frameEnd = -1
		}
	}
	var out []byte
	for {
		if r.avail() == 0 {
			if err := r.fill(); err != nil {
				return nil, false, fmt.Errorf("no newline found when reading a text argument: %w", r.eof(err))
			}
		}
		i := r.pos - r.bufOff
		chunk := r.buf[i:]
		n := indexByte(chunk, '\n')
		take := chunk
		if n >= 0 {
			take = chunk[:n+1]
		}
		if room := max - len(out); room > 0 {
			if len(take) <= room {
				out = append(out, take...)
			} else {
				out = append(out, take[:room]...)
				long = true
			}
		} else {
			long = true
		}
		r.pos += int64(len(take))
		if n >= 0 {
			return out, long, nil
		}
	}
}

// indexNL returns the absolute offset of the next '\n' before limit, or -1.
func (r *reader) indexNL(limit int64) int64 {
	pos := r.pos
	for pos < limit {
		if !(pos >= r.bufOff && pos < r.bufOff+int64(len(r.buf))) {
			save := r.pos
			r.pos = pos
			err := r.fill()
			r.pos = save
			if err != nil {
				return -1
			}
		}
		i := pos - r.bufOff
		chunk := r.buf[i:]
		if rem := limit - pos; int64(len(chunk)) > rem {
			chunk = chunk[:rem]
		}
		if n := indexByte(chunk, '\n'); n >= 0 {
			return pos + int64(n)
		}
		pos += int64(len(chunk))
	}
	return -1
}

// startFrame applies a FRAME of length n whose data starts at r.pos.
func (r *reader) startFrame(n int64) error {
	switch r.mode {
	case FrameExact:
		if r.frameEnd >= 0 && r.pos+n <= r.frameEnd {
			return nil // already buffered: CPython just rewinds
		}
		if r.frameEnd >= 0 {
			if r.pos < r.frameEnd {
				r.drops++
			}
			r.pos = r.frameEnd
		}
		r.frameEnd = -1
		if n > r.remaining() {
			return errTruncated
		}
		r.frameEnd = r.pos + n
	case FramePython:
		if r.frameEnd >= 0 && r.pos < r.frameEnd {
			return errFrameNested
		}
		r.frameEnd = r.pos + min(n, r.remaining())
	default:
		if n > r.remaining() {
			return errTruncated
		}
	}
	return nil
}

func indexByte(b []byte, c byte) int { return bytes.IndexByte(b, c) }
