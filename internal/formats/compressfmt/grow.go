package compressfmt

import (
	"errors"
	"io"

	"github.com/modelscan-go/modelscan/internal/streams"
)

// An LZMA decoder allocates its whole dictionary up front, and encoders
// declare large ones (xz -6 and Python's lzma: 8 MiB; joblib's level 3:
// 4 MiB) even for a stream that decodes to a few kilobytes. A back
// reference never reaches further than what was decoded, so a stream is
// first decoded with a small window; only when it decodes to more than that
// is it decoded again, from its start, with the window it asked for. The
// compressed bytes read meanwhile are kept to be read again: at most
// maxReplay of them, where the first decoder stops (errReplayFull) and the
// stream restarts.
const firstWindow = 64 << 10

var maxReplay = 1 << 20 // a variable for tests

var errReplayFull = errors.New("lzma: replay buffer full")

// openFunc starts an LZMA or LZMA2 decoder with the given window over in.
type openFunc func(in *cutter, window int) (io.Reader, error)

// lzmaStream returns the data of the stream c starts with: decoded by open
// with a window of want bytes, or with a smaller one while that is enough.
// Like every LZMA stream here, the data decoded before an error is
// salvaged, and c is read no further than the stream's end.
func lzmaStream(c *streams.Counter, want int, open openFunc) (io.Reader, error) {
	if want <= firstWindow {
		in := newCutter(c)
		r, err := open(in, want)
		if err != nil {
			return nil, err
		}
		return &salvage{r: r, in: in}, nil
	}
	g := &grower{src: &replay{c: c, record: true}, want: want, open: open}
	if err := g.start(firstWindow); err != nil {
		return nil, err
	}
	return g, nil
}

// grower decodes with firstWindow until the data is longer, then with want.
type grower struct {
	src    *replay
	open   openFunc
	want   int
	window int      // the current decoder's
	in     *cutter  // the current decoder's input
	cur    *salvage // the current decoder
	out    int64    // bytes handed out
	err    error    // a failed restart
}

func (g *grower) start(window int) error {
	g.src.pos = 0
	g.in = newCutter(g.src)
	r, err := g.open(g.in, window)
	if err != nil {
		return err
	}
	g.window, g.cur = window, &salvage{r: r, in: g.in}
	return nil
}

// Read implements io.Reader.
func (g *grower) Read(p []byte) (int, error) {
	for g.err == nil {
		small := g.window < g.want
		if small {
			left := int64(g.window) - g.out
			if left <= 0 {
				// the window holds everything decoded so far, so the
				// next byte is still right: if there is none, the
				// window was enough
				var one [1]byte
				if n, err := g.cur.Read(one[:]); n == 0 && err == io.EOF {
					return 0, io.EOF
				}
				g.err = g.restart()
				continue
			}
			if int64(len(p)) > left {
				p = p[:left]
			}
		}
		n, err := g.cur.Read(p)
		g.out += int64(n)
		if small && n == 0 && err != nil && err != io.EOF {
			// the replay buffer is full, or the data is corrupt: the
			// full window decides
			g.err = g.restart()
			continue
		}
		return n, err
	}
	return 0, g.err
}

// restart decodes the stream again with the window it asked for and skips
// the bytes already handed out.
func (g *grower) restart() error {
	g.in.cut = true
	g.src.record = false
	if err := g.start(g.want); err != nil {
		return err
	}
	n, err := io.CopyN(io.Discard, g.cur, g.out)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return errors.Join(errors.New("lzma: decoding again with a larger window gave less data"), err)
	}
	if n != g.out {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// replay reads c, keeping what it read while recording; reading starts
// again at the first byte when pos is set back to 0.
type replay struct {
	c      *streams.Counter
	log    []byte
	pos    int
	record bool
}

func (r *replay) ReadByte() (byte, error) {
	if r.pos < len(r.log) {
		b := r.log[r.pos]
		r.pos++
		return b, nil
	}
	if r.full() {
		return 0, errReplayFull
	}
	r.drop()
	b, err := r.c.ReadByte()
	if err == nil && r.record {
		r.log = append(r.log, b)
		r.pos++
	}
	return b, err
}

func (r *replay) Read(p []byte) (int, error) {
	if r.pos < len(r.log) {
		n := copy(p, r.log[r.pos:])
		r.pos += n
		return n, nil
	}
	if r.full() {
		return 0, errReplayFull
	}
	r.drop()
	if r.record {
		p = p[:min(len(p), maxReplay-len(r.log))]
	}
	n, err := r.c.Read(p)
	if r.record {
		r.log = append(r.log, p[:n]...)
		r.pos += n
	}
	return n, err
}

// full reports whether the log holds as much as it may.
func (r *replay) full() bool { return r.record && len(r.log) >= maxReplay }

// drop frees the log once it has been read again for the last time.
func (r *replay) drop() {
	if !r.record && r.log != nil {
		r.log, r.pos = nil, 0
	}
}
