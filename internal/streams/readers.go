package streams

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"sync"
)

// chunkReader is an io.ReaderAt over a stream kept in memory as chunks
// (no doubling copies while it was decoded).
type chunkReader struct {
	chunks [][]byte
	offs   []int64 // start of each chunk
	size   int64
}

func newChunkReader(chunks [][]byte, size int64) io.ReaderAt {
	if len(chunks) == 0 {
		return bytes.NewReader(nil)
	}
	if len(chunks) == 1 {
		return bytes.NewReader(chunks[0])
	}
	c := &chunkReader{chunks: chunks, offs: make([]int64, len(chunks)), size: size}
	var off int64
	for i, ch := range chunks {
		c.offs[i] = off
		off += int64(len(ch))
	}
	return c
}

func (c *chunkReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("streams: negative offset")
	}
	if off >= c.size {
		return 0, io.EOF
	}
	i := sort.Search(len(c.offs), func(i int) bool { return c.offs[i] > off }) - 1
	n := 0
	for n < len(p) && i < len(c.chunks) {
		k := copy(p[n:], c.chunks[i][off+int64(n)-c.offs[i]:])
		n += k
		i++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// maxRestarts bounds how often one redecoder starts decoding again from
// the beginning (each restart can cost a full decode).
const maxRestarts = 64

// RecentCache is how many of the most recently decoded bytes a redecoder
// keeps, so re-reading a header or a member just passed does not restart
// it.
const RecentCache = 2 << 20

// redecoder is an io.ReaderAt over a stream that is decoded sequentially:
// reads are served from the head and tail kept by the first decode, from
// the most recently decoded bytes, or by decoding forward; a read behind
// all of those decodes again from the start. It is safe for concurrent use.
type redecoder struct {
	mu       sync.Mutex
	open     Opener
	size     int64
	head     []byte // bytes [0, len(head)) of the stream
	tail     []byte // bytes [size-len(tail), size)
	recent   []byte // bytes [pos-len(recent), pos), at most 2*recent cap
	keep     int    // how many recent bytes to keep; 0: RecentCache
	r        io.Reader
	pos      int64
	restarts int
	scratch  []byte
}

func (z *redecoder) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("streams: negative offset")
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if off >= z.size {
		return 0, io.EOF
	}
	want := p
	if rem := z.size - off; int64(len(want)) > rem {
		want = want[:rem]
	}
	n := 0
	for n < len(want) {
		at := off + int64(n)
		if k := z.cached(want[n:], at); k > 0 {
			n += k
			continue
		}
		k, err := z.decodeAt(want[n:], at)
		n += k
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			return n, err
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// cached copies the bytes at off from a cache that holds off, and returns
// how many it copied (0 when none holds it).
func (z *redecoder) cached(dst []byte, off int64) int {
	if off < int64(len(z.head)) {
		return copy(dst, z.head[off:])
	}
	if start := z.size - int64(len(z.tail)); off >= start {
		return copy(dst, z.tail[off-start:])
	}
	if start := z.pos - int64(len(z.recent)); off >= start && off < z.pos {
		return copy(dst, z.recent[off-start:])
	}
	return 0
}

// decodeAt fills dst from the decoder positioned at off, restarting it when
// off is behind it.
func (z *redecoder) decodeAt(dst []byte, off int64) (int, error) {
	if z.r == nil || off < z.pos {
		if z.restarts >= maxRestarts {
			return 0, errors.New("too many backward reads in a compressed stream")
		}
		z.restarts++
		r, err := z.open()
		if err != nil {
			z.r = nil
			return 0, err
		}
		z.r, z.pos, z.recent = r, 0, z.recent[:0]
	}
	for off > z.pos {
		if z.scratch == nil {
			z.scratch = make([]byte, 32<<10)
		}
		k, err := io.ReadFull(z.r, z.scratch[:min(int64(len(z.scratch)), off-z.pos)])
		z.remember(z.scratch[:k])
		if err != nil {
			z.r = nil
			return 0, err
		}
	}
	// stop where a cache takes over, so a tail read does not decode it
	if lim := z.size - int64(len(z.tail)); off < lim && int64(len(dst)) > lim-off {
		dst = dst[:lim-off]
	}
	k, err := io.ReadFull(z.r, dst)
	z.remember(dst[:k])
	if err != nil {
		z.r = nil
	}
	return k, err
}

// remember advances the position over p and keeps it as recent bytes.
func (z *redecoder) remember(p []byte) {
	z.pos += int64(len(p))
	keep := z.keep
	if keep <= 0 {
		keep = RecentCache
	}
	if len(p) >= keep {
		z.recent = append(z.recent[:0], p[len(p)-keep:]...)
		return
	}
	if z.recent == nil {
		z.recent = make([]byte, 0, 2*keep)
	}
	if len(z.recent)+len(p) > cap(z.recent) {
		drop := len(z.recent) + len(p) - keep
		z.recent = z.recent[:copy(z.recent, z.recent[drop:])]
	}
	z.recent = append(z.recent, p...)
}

// Sequential reports whether r (or the reader a section of it reads from)
// is a decoded stream too large to keep, where a read behind the decoder's
// position decodes the stream again from its beginning. Handlers should
// read such a blob front to back (zip members in local-header order).
// A reader type that wraps another can take part by implementing
// Sequential() bool.
func Sequential(r io.ReaderAt) bool {
	for range 64 { // bounded: wrappers nest once per container level
		switch v := r.(type) {
		case *redecoder:
			return true
		case *io.SectionReader:
			r, _, _ = v.Outer()
		case interface{ Sequential() bool }:
			return v.Sequential()
		default:
			return false
		}
	}
	return false
}
