package compressfmt

import (
	"errors"
	"fmt"
	"io"

	"github.com/modelscan-go/modelscan/internal/streams"
)

// multi is the decoded data of every stream of one codec in a file, in
// order: gzip members, xz streams, zstd and lz4 frames (with skippable
// frames skipped), concatenated zlib streams. NUL bytes after a stream are
// padding. When other bytes follow, the data ends there and trail says
// where they start.
type multi struct {
	c      *streams.Counter
	k      *codec
	window int
	cur    io.Reader
	opened int   // streams opened
	trail  int64 // offset of bytes after the last stream (-1: none)
	done   bool
}

// maxStreams bounds the streams (and skippable frames) read from one file:
// each costs a decoder setup, and an empty gzip member is 20 bytes.
const maxStreams = 1 << 20

func newMulti(c *streams.Counter, k *codec, window int) (*multi, error) {
	m := &multi{c: c, k: k, window: window, trail: -1}
	ok, err := m.next()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: no stream found", k.name)
	}
	return m, nil
}

// Consumed returns the compressed bytes read so far (for the ratio budget).
func (m *multi) Consumed() int64 { return m.c.Consumed() }

// Read implements io.Reader.
func (m *multi) Read(p []byte) (int, error) {
	for {
		if m.cur == nil {
			if m.done {
				return 0, io.EOF
			}
			ok, err := m.next()
			if err != nil {
				return 0, err
			}
			if !ok {
				m.done = true
				return 0, io.EOF
			}
		}
		n, err := m.cur.Read(p)
		var te *trailingErr
		switch {
		case err == io.EOF:
			m.cur, err = nil, nil
		case errors.As(err, &te):
			m.cur, m.done, m.trail = nil, true, te.at
			err = nil
		}
		if n > 0 || err != nil {
			return n, err
		}
		if len(p) == 0 {
			return 0, nil
		}
	}
}

// next moves to the start of the next stream and opens it. It returns
// false at the end of the input or before bytes that are not a stream of
// this codec (recorded in trail).
func (m *multi) next() (bool, error) {
	for {
		if m.opened >= maxStreams {
			return false, fmt.Errorf("%s: more than %d streams or frames", m.k.name, maxStreams)
		}
		at := m.c.Consumed()
		head, _ := m.c.Peek(16)
		switch {
		case len(head) == 0:
			return false, nil
		case m.k.skippable && isSkippable(head):
			m.opened++
			n := 8 + int64(le32(head[4:]))
			if k, err := discard(m.c, n); err != nil {
				return false, fmt.Errorf("%s: skippable frame at %d declares %d bytes, %d are left: %w", m.k.name, at, n, k, io.ErrUnexpectedEOF)
			}
			continue
		case m.opened > 0 && head[0] == 0:
			if err := skipZeros(m.c); err != nil {
				return false, err
			}
			continue
		case m.opened > 0 && !m.k.multi, !m.k.sniff(head):
			if m.opened == 0 {
				return false, fmt.Errorf("%s: no stream at offset %d", m.k.name, at)
			}
			m.trail = at
			return false, nil
		}
		m.opened++
		r, err := m.k.open(m.c, m.window)
		if err != nil {
			return false, fmt.Errorf("%s stream at offset %d: %w", m.k.name, at, err)
		}
		m.cur = r
		return true, nil
	}
}

// discard skips n bytes of c, returning how many were there.
func discard(c *streams.Counter, n int64) (int64, error) {
	var done int64
	for done < n {
		k, err := c.Discard(int(min(n-done, 1<<30)))
		done += int64(k)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// skipZeros consumes NUL bytes up to the next other byte or the end.
func skipZeros(c *streams.Counter) error {
	for {
		p, err := c.Peek(4096)
		i := 0
		for i < len(p) && p[i] == 0 {
			i++
		}
		if _, derr := c.Discard(i); derr != nil {
			return derr
		}
		if i < len(p) || err != nil {
			return nil
		}
	}
}
