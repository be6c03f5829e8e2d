package tarfmt

import (
	"io"

	"github.com/modelscan-go/modelscan/internal/streams"
)

// How many bytes at each end of a member are kept in memory once read. The
// tail covers a zip end record with the longest comment (65535+22 bytes).
const (
	headSize = 64 << 10
	tailSize = 72 << 10
)

// endsCached reads a member in place but keeps its first and last bytes:
// the registry and handlers read a member's start several times (sniffing,
// then scanning) and look at its end (zip), and inside a decoded stream too
// large to keep (a big .tar.gz) each read behind the decoder's position
// decodes the stream again from its beginning.
type endsCached struct {
	r          *io.SectionReader
	head, tail window
}

// window is a cached range of the member, filled on first use.
type window struct {
	off, end int64
	buf      []byte
	err      error // set when the range could not be read whole
	done     bool
}

func newEndsCached(r *io.SectionReader) *endsCached {
	size := r.Size()
	h := min(size, headSize)
	return &endsCached{r: r, head: window{off: 0, end: h}, tail: window{off: max(h, size-tailSize), end: size}}
}

func (w *window) has(off int64) bool { return off >= w.off && off < w.end }

func (w *window) fill(r io.ReaderAt) {
	if w.done {
		return
	}
	w.done = true
	w.buf = make([]byte, w.end-w.off)
	n, err := r.ReadAt(w.buf, w.off)
	if n < len(w.buf) {
		w.buf, w.err = w.buf[:n], err
	}
}

// ReadAt serves the parts of p in a window from memory and reads the rest
// (between the windows, or past the end) from the member.
func (c *endsCached) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= c.r.Size() {
		return c.r.ReadAt(p, off)
	}
	done := 0
	for done < len(p) {
		cur := off + int64(done)
		var w *window
		switch {
		case c.head.has(cur):
			w = &c.head
		case c.tail.has(cur):
			w = &c.tail
		default:
			// between the windows (up to the tail), or past the end
			want := p[done:]
			if cur < c.tail.off && int64(len(want)) > c.tail.off-cur {
				want = want[:c.tail.off-cur]
			}
			n, err := c.r.ReadAt(want, cur)
			done += n
			if err != nil || n < len(want) {
				return done, err
			}
			continue
		}
		w.fill(c.r)
		k := cur - w.off
		if k >= int64(len(w.buf)) {
			return done, w.err
		}
		done += copy(p[done:], w.buf[k:])
	}
	return done, nil
}

// Sequential reports whether the archive is a decoded stream read by
// decoding again (see streams.Sequential): a zip member is then read
// front to back.
func (c *endsCached) Sequential() bool { return streams.Sequential(c.r) }
