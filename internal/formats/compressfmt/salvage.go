package compressfmt

import (
	"errors"
	"io"
)

// cutter sits between a decoder and its compressed input. Once cut, the
// input ends: a decoder drained after an error then returns what it had
// decoded without reading (and decoding) anything more.
type cutter struct {
	r   io.Reader
	br  io.ByteReader
	cut bool
}

func newCutter(r io.Reader) *cutter {
	c := &cutter{r: r}
	c.br, _ = r.(io.ByteReader)
	return c
}

func (c *cutter) Read(p []byte) (int, error) {
	if c.cut {
		return 0, io.EOF
	}
	return c.r.Read(p)
}

// ReadByte implements io.ByteReader (LZMA decoders read byte by byte).
func (c *cutter) ReadByte() (byte, error) {
	if c.cut {
		return 0, io.EOF
	}
	if c.br != nil {
		return c.br.ReadByte()
	}
	var b [1]byte
	_, err := io.ReadFull(c.r, b[:])
	return b[0], err
}

// salvage returns the data an LZMA decoder holds when it fails. The
// ulikunitz/xz decoders fill their whole dictionary buffer before handing
// bytes out, and return an error without the bytes decoded before it (a
// truncated .lzma yields nothing at all); the bytes stay buffered and come
// out of the following reads. salvage cuts the input at the first error,
// drains the decoder, then reports the error.
type salvage struct {
	r     io.Reader
	in    *cutter
	err   error
	tries int
}

// maxDrain bounds the reads of a failed decoder.
const maxDrain = 1 << 12

func (s *salvage) Read(p []byte) (n int, err error) {
	if s.err == nil {
		n, err = s.read(p)
		if err == nil || err == io.EOF {
			return n, err
		}
		var te *trailingErr
		if errors.As(err, &te) {
			return n, err
		}
		s.err, s.in.cut = err, true
		if n > 0 {
			return n, nil
		}
	}
	if s.tries < maxDrain && len(p) > 0 {
		s.tries++
		if k, _ := s.read(p); k > 0 {
			return k, nil
		}
	}
	return 0, s.err
}

// read calls the decoder, turning a panic into an error.
func (s *salvage) read(p []byte) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, errors.New("decoder failed on corrupt data")
		}
	}()
	return s.r.Read(p)
}
