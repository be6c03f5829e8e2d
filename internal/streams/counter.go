package streams

import (
	"bufio"
	"io"
)

// Counter is the compressed input of a decoder. It counts the bytes the
// decoder took, for the ratio budget and to find where a stream ends. It is
// an io.ByteReader, so decoders that read byte by byte (flate, gzip, zlib,
// bzip2, LZMA) use it directly and take exactly the bytes they decode, with
// no read-ahead of their own.
type Counter struct {
	br *bufio.Reader
	n  int64
}

// NewCounter counts what is read from r.
func NewCounter(r io.Reader) *Counter { return &Counter{br: bufio.NewReaderSize(r, maxBuffer)} }

// NewCounterSize counts what is read from r, which holds size bytes: its
// buffer is no larger than needed (at least 4 KiB, the most Peek is asked).
func NewCounterSize(r io.Reader, size int64) *Counter {
	return &Counter{br: bufio.NewReaderSize(r, int(min(max(size, 4<<10), maxBuffer)))}
}

const maxBuffer = 32 << 10

// Read implements io.Reader.
func (c *Counter) Read(p []byte) (int, error) {
	n, err := c.br.Read(p)
	c.n += int64(n)
	return n, err
}

// ReadByte implements io.ByteReader.
func (c *Counter) ReadByte() (byte, error) {
	b, err := c.br.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// Peek returns the next n bytes without consuming them (fewer at the end
// of the input, with the error).
func (c *Counter) Peek(n int) ([]byte, error) { return c.br.Peek(n) }

// Discard consumes n bytes.
func (c *Counter) Discard(n int) (int, error) {
	k, err := c.br.Discard(n)
	c.n += int64(k)
	return k, err
}

// Consumed returns how many bytes were consumed.
func (c *Counter) Consumed() int64 { return c.n }
