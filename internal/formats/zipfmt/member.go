package zipfmt

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/modelscan-go/modelscan/internal/zipx"
)

// inMemoryMax is the largest decompressed member kept in memory; larger
// ones are re-inflated on demand (memory stays bounded).
const inMemoryMax = 64 << 20

// openMember returns a ReaderAt over a member's uncompressed data and its
// size. Stored members are read in place (zero copy). Deflated members are
// inflated once to learn their real size and check the CRC; small ones are
// kept in memory, large ones re-inflated on demand. maxBytes bounds the
// decompressed size (a zip bomb stops there with an error wrapping
// zipx.ErrTooLarge). mismatch reports a CRC or size disagreement.
func openMember(r io.ReaderAt, m *zipx.Member, maxBytes int64) (ra io.ReaderAt, size int64, mismatch error, err error) {
	if sr, n, ok := m.ReaderAt(r); ok {
		return sr, n, nil, nil
	}
	d, err := m.Open(r, maxBytes)
	if err != nil {
		return nil, 0, nil, err
	}
	var buf bytes.Buffer
	n, err := io.Copy(&limitedBuffer{b: &buf, max: inMemoryMax}, d)
	if err != nil && !errors.Is(err, errSpill) {
		return nil, 0, nil, err
	}
	if errors.Is(err, errSpill) {
		// count the rest without keeping it
		rest, err := io.Copy(io.Discard, d)
		if err != nil {
			return nil, 0, nil, err
		}
		n += rest
		open := func() (io.Reader, error) {
			d, err := m.Open(r, maxBytes)
			if err != nil {
				return nil, err
			}
			return d, nil
		}
		return &reinflater{open: open, size: n}, n, d.Mismatch(), nil
	}
	return bytes.NewReader(buf.Bytes()), n, d.Mismatch(), nil
}

var errSpill = errors.New("member larger than the in-memory limit")

type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if l.b.Len()+len(p) > l.max {
		return 0, errSpill
	}
	return l.b.Write(p)
}

// reinflater is an io.ReaderAt over a compressed stream that is decoded
// sequentially; a read behind the current position starts decoding again.
type reinflater struct {
	open     func() (io.Reader, error)
	size     int64
	r        io.Reader
	pos      int64
	restarts int
}

const maxRestarts = 256

func (z *reinflater) ReadAt(p []byte, off int64) (int, error) {
	if off >= z.size {
		return 0, io.EOF
	}
	if z.r == nil || off < z.pos {
		if z.restarts >= maxRestarts {
			return 0, fmt.Errorf("too many backward reads in a compressed member")
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
	if err == nil && n < len(p) {
		err = io.EOF
	}
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// storedMismatch reads a stored member to verify its CRC and size.
func storedMismatch(r io.ReaderAt, m *zipx.Member) error {
	d, err := m.Open(r, -1)
	if err != nil {
		return nil
	}
	if _, err := io.Copy(io.Discard, d); err != nil {
		return nil
	}
	return d.Mismatch()
}
