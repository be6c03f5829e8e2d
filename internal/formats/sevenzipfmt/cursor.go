package sevenzipfmt

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/streams"
)

// cursor reads the decoded stream of one folder at a time, moving forward
// from member to member so a solid folder is decoded once.
type cursor struct {
	s      *core.Session
	a      *archive
	folder int
	rc     io.ReadCloser
	pos    uint64
	failed map[int]uint64 // folder -> decoded offset where its data broke
}

func (c *cursor) Read(p []byte) (n int, err error) {
	if c.rc == nil {
		return 0, errors.New("7z: stream closed after an error")
	}
	if err := c.s.Ctx.Err(); err != nil {
		return 0, err
	}
	for range 100 { // a decoder that makes no progress must not hang io.Copy
		err = safe(func() error {
			n, err = c.rc.Read(p)
			return err
		})
		if n > 0 || err != nil || len(p) == 0 {
			break
		}
	}
	if n == 0 && err == nil && len(p) > 0 {
		err = io.ErrNoProgress
	}
	c.pos += uint64(n)
	if err == io.EOF && c.pos < c.a.h.si.folders[c.folder].unpackSize() {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		c.failed[c.folder] = c.pos
		c.close()
	}
	return n, err
}

func (c *cursor) close() {
	if c.rc != nil {
		_ = safe(c.rc.Close)
		c.rc = nil
	}
}

// seek positions the cursor at off in a folder, reusing the open stream
// when it is not past off.
func (c *cursor) seek(folder int, off uint64) error {
	if at, ok := c.failed[folder]; ok && off >= at {
		return fmt.Errorf("7z: the data of this solid block is corrupt or truncated at offset %d, before this member", at)
	}
	if c.rc == nil || c.folder != folder || c.pos > off {
		c.close()
		var rc io.ReadCloser
		err := safe(func() (err error) {
			rc, err = c.a.lib.File[folder].Open()
			return err
		})
		if err != nil {
			c.failed[folder] = 0
			return err
		}
		c.rc, c.folder, c.pos = rc, folder, 0
	}
	if off > c.pos {
		// skipped bytes are decoded too: they count against the budget
		skip := int64(off - c.pos)
		if skip > c.s.DecompressBudget() {
			name, limit := c.s.DecompressLimit()
			return &streams.BudgetError{Budget: name, Limit: limit,
				Detail: fmt.Sprintf("%d bytes of a solid block to decode before this member, %d left", skip, c.s.DecompressBudget())}
		}
		n, err := io.CopyN(io.Discard, c, skip)
		c.s.ChargeDecompressed(n)
		return err
	}
	return nil
}

// crcReader computes the CRC of a member's first decode.
type crcReader struct {
	r io.Reader
	n uint64
	h uint32
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += uint64(n)
	c.h = crc32.Update(c.h, crc32.IEEETable, p[:n])
	return n, err
}

// opener returns the streams.Opener of a member: seek then limit.
func (c *cursor) opener(sub substream) func() (io.Reader, error) {
	first := true
	return func() (io.Reader, error) {
		if err := c.seek(sub.folder, sub.off); err != nil {
			return nil, err
		}
		r := io.LimitReader(c, int64(sub.size))
		if first {
			first = false
			return &crcReader{r: r}, nil
		}
		return r, nil
	}
}
