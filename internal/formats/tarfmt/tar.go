// Package tarfmt scans tar archives (v7, ustar, GNU, pax) member by member,
// and PyTorch's legacy tar checkpoint format.
//
// The archive is walked with archive/tar over the blob; nothing is ever
// extracted and links are never followed. Regular members are read in
// place (tar data is contiguous), routed by content through Session.Scan.
// Names that would escape the extraction directory, links that point out of
// it, duplicate names and extension headers that show other tools a
// different name or size are reported as archive findings.
package tarfmt

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/streams"
)

// Handler scans tar content.
type Handler struct{ Pol *policy.Policy }

// Name implements core.Handler.
func (h *Handler) Name() string { return "tar" }

// Match implements core.Handler: the first block is a tar header (ustar or
// GNU magic, or a well-formed v7 header) with a valid checksum.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return sniff(head) }

// entry is what the walk keeps of one archive entry.
type entry struct {
	name, link string
	flag       byte  // type flag (TypeRegA already mapped by archive/tar)
	start      int64 // offset of its first header block (-1 if unknown)
	data       int64 // offset of its data
	size       int64 // bytes of data readable in place
	sparse     bool  // GNU sparse: read through archive/tar, not in place
}

// hasData reports whether the entry's data is a file's content. Unknown
// type flags count: Python's tarfile reads them as regular files.
func hasData(flag byte) bool {
	switch flag {
	case tar.TypeDir, tar.TypeSymlink, tar.TypeLink, tar.TypeChar, tar.TypeBlock,
		tar.TypeFifo, tar.TypeXGlobalHeader:
		return false
	}
	return true
}

// Scan implements core.Handler. Members are scanned as their headers are
// read, so a decoded (gzip) archive is read front to back; the members a
// legacy PyTorch checkpoint is made of are scanned once every name is known.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	s.MarkScanned(b)
	w := &walker{s: s, b: b, seen: map[string]int{}, symlinks: map[string]bool{}}
	err := w.walk(func(i int, e *entry) error {
		if !hasData(e.flag) || isRoleName(e.name) {
			return nil
		}
		// members after a legacy checkpoint's are never read by torch.load
		return member(s, b, e, w.legacySoFar())
	})
	if err != nil {
		return err
	}
	legacy := findLegacy(w.entries)
	for i, e := range w.entries {
		if !hasData(e.flag) || !isRoleName(e.name) || legacy.owns(i) {
			continue
		}
		if err := member(s, b, e, legacy != nil); err != nil {
			return err
		}
	}
	if w.tail != nil {
		if err := s.Scan(w.tail); err != nil {
			s.Fail(w.tail, core.CatModelScan, err)
		}
	}
	if legacy != nil {
		return h.scanLegacy(s, b, w.entries, legacy)
	}
	return nil
}

// member routes an entry's data by content.
func member(s *core.Session, b *core.Blob, e *entry, dormant bool) error {
	if err := s.Ctx.Err(); err != nil {
		return err
	}
	child := open(s, b, e, e.name)
	if child == nil {
		return nil
	}
	if dormant {
		child.Dormant, child.Quiet = true, true
	}
	if err := s.Scan(child); err != nil {
		s.Fail(child, core.CatModelScan, err)
	}
	return nil
}

// open returns a blob of an entry's data: a section of the archive, or for
// sparse entries the expanded data decoded (with the file's budgets)
// through archive/tar. It returns nil when that failed (already reported).
func open(s *core.Session, b *core.Blob, e *entry, name string) *core.Blob {
	if !e.sparse {
		return b.Child(name, newEndsCached(io.NewSectionReader(b.R, e.data, e.size)), e.size)
	}
	if e.start < 0 {
		s.Fail(b.Child(name, nil, 0), core.CatNestedZip, errors.New("sparse member header not located"))
		return nil
	}
	reopen := func() (io.Reader, error) {
		tr := tar.NewReader(io.NewSectionReader(b.R, e.start, b.Size-e.start))
		if _, err := tr.Next(); err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return nil, err
		}
		return tr, nil
	}
	child, _ := streams.Child(s, b, name, reopen, max(b.Size-e.data, 1))
	return child
}

// counter is the archive reader archive/tar reads through: it tracks the
// offset (so the data offset of each entry is known after Next) and the
// first header block read since the last reset. It implements io.Seeker so
// skipped data is seeked over, not read.
type counter struct {
	r       *io.SectionReader
	pos     int64
	first   int64
	skipped bool // the last call seeked forward
	// the last whole block read and its offset: after Next, the entry's
	// own header (re-reading it could rewind a decoded stream)
	last   [blockSize]byte
	lastAt int64
}

func (c *counter) Read(p []byte) (int, error) {
	if c.skipped && len(p) == 1 && c.pos < c.r.Size() {
		// After seeking over member data archive/tar reads the last byte
		// only to check that it exists: it does (the size is known), and
		// not reading it keeps a decoded stream going forward.
		c.skipped = false
		c.pos++
		return 1, c.sync()
	}
	c.skipped = false
	if c.first < 0 && len(p) == blockSize {
		c.first = c.pos // archive/tar reads each header block whole
	}
	n, err := c.r.Read(p)
	if n == blockSize {
		copy(c.last[:], p)
		c.lastAt = c.pos
	}
	c.pos += int64(n)
	return n, err
}

// header returns the block just before off, if it was the last one read.
func (c *counter) header(off int64) []byte {
	if c.lastAt != off-blockSize {
		return nil
	}
	return c.last[:]
}

func (c *counter) sync() error {
	_, err := c.r.Seek(c.pos, io.SeekStart)
	return err
}

func (c *counter) Seek(off int64, whence int) (int64, error) {
	n, err := c.r.Seek(off, whence)
	if err == nil {
		c.skipped = n > c.pos
		c.pos = n
	}
	return n, err
}

// walker walks the headers and reports archive anomalies.
type walker struct {
	s        *core.Session
	b        *core.Blob
	entries  []*entry
	seen     map[string]int  // extraction path → entry number, for duplicates
	symlinks map[string]bool // extraction paths of symlinks
	roles    map[string]bool // legacy checkpoint member names seen
	tail     *core.Blob      // non-zero bytes after the end-of-archive marker
}

// walk reads every header (up to the member budget) and hands each entry
// to fn. Errors are reported; only cancellation (or fn's error) is
// returned.
func (w *walker) walk(fn func(i int, e *entry) error) error {
	s, b := w.s, w.b
	cr := &counter{r: io.NewSectionReader(b.R, 0, b.Size), lastAt: -1}
	tr := tar.NewReader(cr)
	for {
		if err := s.Ctx.Err(); err != nil {
			return err
		}
		n := len(w.entries)
		cr.first = -1
		before := cr.pos
		hdr, err := tr.Next()
		if err == io.EOF {
			return w.trailer(cr.pos)
		}
		if err != nil && !(errors.Is(err, tar.ErrInsecurePath) && hdr != nil) {
			s.Fail(b, core.CatNestedZip, fmt.Errorf("tar: cannot read entry %d after offset %d: %w", n+1, before, err))
			return nil
		}
		if lim := s.Limits.MaxMembers; lim > 0 && n >= lim {
			s.Budget(b, "max_members", fmt.Errorf("tar has more than %d entries; the first %d were scanned", lim, lim))
			return nil
		}
		e := &entry{name: hdr.Name, link: hdr.Linkname, flag: hdr.Typeflag, start: cr.first, data: cr.pos, size: hdr.Size}
		e.sparse = hdr.Typeflag == tar.TypeGNUSparse || hasSparseRecords(hdr)
		if !hasData(e.flag) {
			e.size = 0
		}
		w.check(e, n, hdr, cr.header(e.data))
		w.entries = append(w.entries, e)
		if isRoleName(e.name) {
			if w.roles == nil {
				w.roles = map[string]bool{}
			}
			w.roles[e.name] = true
		}
		truncated := !e.sparse && e.size > b.Size-e.data
		if truncated {
			s.Fail(b.Child(e.name, nil, 0), core.CatNestedZip, fmt.Errorf(
				"tar member declares %d bytes but the archive holds only %d more (truncated; those are scanned)", e.size, b.Size-e.data))
			e.size = b.Size - e.data
		}
		if err := fn(n, e); err != nil || truncated {
			return err
		}
	}
}

// legacySoFar reports whether the names seen so far make a legacy
// PyTorch checkpoint (see findLegacy).
func (w *walker) legacySoFar() bool {
	return w.roles["storages"] && (w.roles["tensors"] || w.roles["pickle"])
}

func hasSparseRecords(hdr *tar.Header) bool {
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// trailer looks for non-zero bytes after the end-of-archive marker (tar
// readers stop there; `tar -i` and other tools read on) and keeps them for
// a quiet, dormant scan.
func (w *walker) trailer(pos int64) error {
	b := w.b
	buf := make([]byte, 64<<10)
	for off := pos; off < b.Size; {
		if err := w.s.Ctx.Err(); err != nil {
			return err
		}
		n, _ := b.R.ReadAt(buf[:min(int64(len(buf)), b.Size-off)], off)
		if n == 0 {
			return nil
		}
		for i, c := range buf[:n] {
			if c == 0 {
				continue
			}
			at := max(pos, (off+int64(i))&^(blockSize-1))
			w.anomaly(kindAfterEnd, "", fmt.Sprintf("%d bytes from offset %d follow the end-of-archive marker at %d and are not zero", b.Size-at, at, pos))
			w.tail = b.Child(fmt.Sprintf("trailing@%d", at), io.NewSectionReader(b.R, at, b.Size-at), b.Size-at)
			w.tail.Quiet, w.tail.Dormant = true, true
			return nil
		}
		off += int64(n)
	}
	return nil
}
