// Package compressfmt opens compressors — gzip, bzip2, xz, raw LZMA
// ("lzma-alone", joblib's 'lzma'), zlib (joblib's default), lz4 frames and
// zstd — and scans what they hold, recognised by content: a compressed
// pickle (pandas.to_pickle, joblib compress=), a tar, a zip.
//
// Streams are read the way the tools and Python's loaders read them:
// concatenated members and frames are decoded one after the other, zstd and
// lz4 skippable frames are skipped, NUL padding after a stream is accepted.
// Other bytes after the last stream are a LOW note and are scanned (quietly)
// by content. Data decoded before a corrupt or truncated part is scanned,
// then the damage is reported. Decoder windows are bounded by what the
// stream can decode to under the session's budgets, so a tiny file that
// declares a huge dictionary does not allocate it.
//
// A compression layer is transparent in source names: what is inside
// model.pkl.gz (findings, errors, budget stops) is reported as model.pkl.gz.
package compressfmt

import (
	"fmt"
	"io"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/streams"
)

// Handler scans compressed streams.
type Handler struct{}

// Name implements core.Handler.
func (h *Handler) Name() string { return "compressed" }

// Match implements core.Handler. zlib and raw LZMA headers are short and
// could occur by chance, so a trial decode must also succeed for them.
func (h *Handler) Match(head []byte, b *core.Blob) bool {
	if off := zfOffset(head); off > 0 {
		head, b = unwrapZF(b, off)
	}
	return find(head, b) != nil
}

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	head := make([]byte, core.HeadSize)
	n, _ := b.R.ReadAt(head, 0)
	head = head[:n]
	s.MarkScanned(b)
	if off := zfOffset(head); off > 0 {
		head, b = unwrapZF(b, off)
	}
	c := find(head, b)
	if c == nil {
		return nil
	}
	window := windowFor(streams.MaxDecoded(s, b.Size))
	open := func() (io.Reader, error) {
		return newMulti(streams.NewCounterSize(io.NewSectionReader(b.R, 0, b.Size), b.Size), c, window)
	}
	// the layer is transparent in reports: same source, inner name as hint
	child := b.Child(innerName(b.Name, c.exts), nil, 0)
	child.Source, child.Quiet = b.Source, b.Quiet
	d := streams.DecodeInto(s, child, open, b.Size)
	if d == nil {
		return nil
	}
	if d.Size > 0 { // an empty stream holds nothing to scan
		if err := s.Scan(child); err != nil {
			return err
		}
	}
	if m, ok := d.First.(*multi); ok && d.Stop == nil && d.Err == nil && m.trail >= 0 {
		return trailing(s, b, c, m.trail)
	}
	return nil
}

// zfHeader is the size of the header joblib before 0.10 wrote in front of
// the zlib stream of a compressed pickle: "ZF" and the decoded length as
// hex ('0x31f'), padded with spaces to 19 characters
// (joblib.numpy_pickle_compat.read_zfile, which joblib.load still uses).
const zfHeader = 2 + 19

// zfOffset returns where the zlib stream of a joblib "ZF" file starts (after
// one more space, which joblib 0.8.4 under Python 2 wrote), or 0.
func zfOffset(head []byte) int64 {
	if len(head) < zfHeader+3 || head[0] != 'Z' || head[1] != 'F' {
		return 0
	}
	field := strings.TrimRight(string(head[2:zfHeader]), " ")
	if len(field) < 3 || !strings.HasPrefix(field, "0x") || strings.Trim(field[2:], "0123456789abcdefABCDEF") != "" {
		return 0
	}
	off := zfHeader
	if head[off] == ' ' {
		off++
	}
	if cmf, flg := head[off], head[off+1]; cmf&0x0f != 8 || (uint16(cmf)<<8|uint16(flg))%31 != 0 {
		return 0
	}
	return int64(off)
}

// unwrapZF is the zlib stream of a ZF file as a blob under the file's own
// name (the header is transparent, like the compression), and its head.
func unwrapZF(b *core.Blob, off int64) ([]byte, *core.Blob) {
	v := *b
	v.R, v.Size = io.NewSectionReader(b.R, off, b.Size-off), b.Size-off
	head := make([]byte, core.HeadSize)
	n, _ := v.R.ReadAt(head, 0)
	return head[:n], &v
}

// windowFor bounds a decoder's window (dictionary) for a stream that may
// decode to at most maxOut bytes: a back reference never reaches further
// than what was decoded, so a larger window is never needed.
func windowFor(maxOut int64) int {
	return int(min(max(maxOut, minWindow), maxWindow))
}

const (
	minWindow = 4 << 10   // the smallest LZMA dictionary
	maxWindow = 256 << 20 // the largest window allocated for one stream
)

// trailing reports bytes after the last stream that are not NUL padding,
// and scans them quietly by content (an appended archive or pickle is
// not read by the loader, but is worth a look).
func trailing(s *core.Session, b *core.Blob, c *codec, at int64) error {
	if at >= b.Size || allZero(b.R, at, b.Size) {
		return nil
	}
	s.Add(b, core.Finding{Rule: rules.ArchiveAnomaly, Severity: core.Low, Module: c.name, Operator: "trailing-data",
		Description: fmt.Sprintf("%s stream followed by data that is not part of it", c.name),
		Evidence:    fmt.Sprintf("%d bytes from offset %d follow the last %s stream; decompressors stop or fail there", b.Size-at, at, c.name),
		Offset:      at})
	tail := b.Child(fmt.Sprintf("trailing@%d", at), io.NewSectionReader(b.R, at, b.Size-at), b.Size-at)
	tail.Quiet = true
	return s.Scan(tail)
}

// allZero reports whether bytes [from, to) of r are all NUL.
func allZero(r io.ReaderAt, from, to int64) bool {
	buf := make([]byte, 32<<10)
	for off := from; off < to; {
		n, _ := r.ReadAt(buf[:min(int64(len(buf)), to-off)], off)
		if n == 0 {
			return true // unreadable: nothing more to scan there
		}
		for _, c := range buf[:n] {
			if c != 0 {
				return false
			}
		}
		off += int64(n)
	}
	return true
}

// innerName strips the codec's extension: model.pkl.gz holds model.pkl.
func innerName(name string, exts []string) string {
	lower := strings.ToLower(name)
	for _, e := range exts {
		if strings.HasSuffix(lower, e) {
			inner := name[:len(name)-len(e)]
			switch e {
			case ".tgz", ".tbz2", ".txz":
				inner += ".tar"
			}
			return inner
		}
	}
	return name
}

// find returns the codec of the blob's first stream (after any skippable
// frames), or nil.
func find(head []byte, b *core.Blob) *codec {
	skipped := isSkippable(head)
	if skipped {
		var ok bool
		if head, ok = skipFrames(b); !ok {
			return nil
		}
	}
	for i := range codecs {
		c := &codecs[i]
		if !c.sniff(head) || (skipped && !c.skippable) {
			continue
		}
		if c.trial && !trialDecode(c, b) {
			continue
		}
		return c
	}
	return nil
}

// maxSkipped bounds how many skippable frames are walked when sniffing.
const maxSkipped = 16

// skipFrames walks skippable frames from the start of b and returns the
// head of what follows them.
func skipFrames(b *core.Blob) ([]byte, bool) {
	head := make([]byte, core.HeadSize)
	off := int64(0)
	for range maxSkipped {
		n, _ := b.R.ReadAt(head, off)
		if !isSkippable(head[:n]) {
			return head[:n], n > 0
		}
		off += 8 + int64(le32(head[4:]))
		if off >= b.Size {
			return nil, false
		}
	}
	return nil, false
}

// trialDecode decodes the first bytes of b with a minimal window.
func trialDecode(c *codec, b *core.Blob) bool {
	m, err := newMulti(streams.NewCounterSize(io.NewSectionReader(b.R, 0, b.Size), b.Size), c, minWindow)
	if err != nil {
		return false
	}
	var buf [64]byte
	n, err := io.ReadFull(m, buf[:])
	return n > 0 || err == io.EOF
}

func le32(p []byte) uint32 {
	return uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
}

// isSkippable recognises a zstd/lz4 skippable frame (magic 0x184D2A5?).
func isSkippable(h []byte) bool {
	return len(h) >= 8 && h[3] == 0x18 && h[2] == 0x4d && h[1] == 0x2a && h[0]&0xf0 == 0x50
}

var zstdMagic, lz4Magic, xzMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}, []byte{0x04, 0x22, 0x4d, 0x18}, []byte{0xfd, '7', 'z', 'X', 'Z', 0}
