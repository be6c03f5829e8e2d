package zipx

import (
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// ReaderAt returns a zero-copy view of a stored (method 0) member's data,
// CompressedSize bytes at DataOffset, and its length. ok is false for
// compressed members, a bad local header or data running past end of file.
// Encryption flag bits are ignored, as PyTorch does. No CRC is checked.
func (m *Member) ReaderAt(r io.ReaderAt) (sr *io.SectionReader, n int64, ok bool) {
	if m.Method != 0 || m.DataOffset < 0 || m.truncated || m.CompressedSize > math.MaxInt64 {
		return nil, 0, false
	}
	n = int64(m.CompressedSize)
	return io.NewSectionReader(r, m.DataOffset, n), n, true
}

// Open streams the member's uncompressed data: stored bytes (CompressedSize
// of them, as archive/zip does) or a deflate stream. Encryption flag bits
// are ignored: the data is read as if it were plain, as PyTorch does. At
// most maxBytes bytes are returned (maxBytes < 0: no limit); the Read that
// would exceed it fails with an error wrapping ErrTooLarge. Close releases
// nothing on r. See DataReader for CRC and size verification.
func (m *Member) Open(r io.ReaderAt, maxBytes int64) (*DataReader, error) {
	switch {
	case m.DataOffset < 0:
		return nil, fmt.Errorf("%w: member %q", ErrBadLocalHeader, m.Name)
	case m.truncated || m.CompressedSize > math.MaxInt64:
		return nil, fmt.Errorf("%w: member %q", ErrTruncated, m.Name)
	case m.Method != 0 && m.Method != 8:
		return nil, fmt.Errorf("%w: method %d for %q", ErrUnsupportedMethod, m.Method, m.Name)
	}
	d := &DataReader{m: m, max: maxBytes}
	d.in = &countingReader{br: bufio.NewReaderSize(io.NewSectionReader(r, m.DataOffset, int64(m.CompressedSize)), 4096)}
	d.src = d.in
	if m.Method == 8 {
		d.fl = flate.NewReader(d.in)
		d.src = d.fl
	}
	return d, nil
}

// DataReader reads one member's data, computing its CRC-32 on the way.
//
// By default reaching the end of the data returns io.EOF even if the CRC or
// length disagree with the central directory (PyTorch does not check CRCs);
// Mismatch then reports the problem. With Strict set, the final Read returns
// that mismatch error (wrapping ErrCRC and/or ErrSizeMismatch) instead of
// io.EOF, after all the data has been delivered, so io.ReadAll returns both
// the data and the error.
type DataReader struct {
	Strict bool // report CRC/size mismatches from Read instead of io.EOF

	m        *Member
	in       *countingReader // the member's (compressed) data
	src      io.Reader
	fl       io.ReadCloser // deflate stream, nil when stored
	max      int64
	n        int64
	crc      uint32
	err      error // sticky: EOF, mismatch, limit or read error
	mismatch error
}

// Read implements io.Reader.
func (d *DataReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.max >= 0 && d.n >= d.max {
		var b [1]byte // probe: is there more than max?
		if _, err := io.ReadFull(d.src, b[:]); err == nil {
			d.err = fmt.Errorf("%w: member %q is larger than %d bytes", ErrTooLarge, d.m.Name, d.max)
			return 0, d.err
		} else if err != io.EOF {
			d.err = err
			return 0, err
		}
		return 0, d.finish()
	}
	if d.max >= 0 && int64(len(p)) > d.max-d.n {
		p = p[:d.max-d.n]
	}
	k, err := d.src.Read(p)
	d.n += int64(k)
	d.crc = crc32.Update(d.crc, crc32.IEEETable, p[:k])
	switch {
	case err == io.EOF:
		err = d.finish()
	case err != nil:
		d.err = err
	}
	return k, err
}

// finish records the mismatch state at end of data and returns the error
// the final Read reports.
func (d *DataReader) finish() error {
	var errs []error
	if d.crc != d.m.CRC32 {
		errs = append(errs, fmt.Errorf("%w: member %q: data %#08x, central directory %#08x", ErrCRC, d.m.Name, d.crc, d.m.CRC32))
	}
	if uint64(d.n) != d.m.UncompressedSize {
		errs = append(errs, fmt.Errorf("%w: member %q: read %d bytes, central directory says %d", ErrSizeMismatch, d.m.Name, d.n, d.m.UncompressedSize))
	}
	d.mismatch = errors.Join(errs...)
	d.err = io.EOF
	if d.Strict && d.mismatch != nil {
		d.err = d.mismatch
	}
	return d.err
}

// Mismatch returns nil until the end of the data has been reached; then it
// returns an error wrapping ErrCRC and/or ErrSizeMismatch if the data did
// not match the central directory, or nil.
func (d *DataReader) Mismatch() error { return d.mismatch }

// CRC32 returns the CRC-32 of the data read so far.
func (d *DataReader) CRC32() uint32 { return d.crc }

// Consumed returns the number of compressed bytes the decoder took so far
// (the ratio of a bomb is judged on them, not on the declared size).
func (d *DataReader) Consumed() int64 { return d.in.n }

// countingReader counts the bytes read through it. It is an io.ByteReader,
// so the inflater reads exactly the bytes it decodes.
type countingReader struct {
	br *bufio.Reader
	n  int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.br.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.br.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// N returns the number of uncompressed bytes read so far.
func (d *DataReader) N() int64 { return d.n }

// Close releases the decompressor. It does not close the underlying file.
func (d *DataReader) Close() error {
	if d.err == nil {
		d.err = errors.New("zipx: read after Close")
	}
	if d.fl != nil {
		return d.fl.Close()
	}
	return nil
}
