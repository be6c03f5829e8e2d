// Package safetensorsfmt validates safetensors files strictly and scans
// anything hidden in them (polyglots, trailing data).
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON header (tensor name -> {dtype, shape, data_offsets}, plus an optional
// __metadata__ object of strings), then the data section the offsets point
// into. The format cannot run code; the risks are files that mean different
// things to different readers and bytes that no tensor accounts for.
package safetensorsfmt

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Scanner is the Finding.Scanner of this handler's findings.
const Scanner = "modelscan.scanners.SafetensorsScan"

const (
	// maxHeader is the reference loader's limit on the JSON header.
	maxHeader = 100_000_000
	// maxViolations bounds the malformed findings reported per file.
	maxViolations = 16
	// maxChildren bounds the regions handed back for scanning per file.
	maxChildren = 32
)

// Handler scans safetensors content.
type Handler struct{}

// Name implements core.Handler.
func (h *Handler) Name() string { return "safetensors" }

// Match implements core.Handler: a header length within the loader's limit
// and the file, followed by a JSON object. (The registry also routes a
// .safetensors name that no handler recognised here, as a last resort.)
func (h *Handler) Match(head []byte, b *core.Blob) bool {
	return Sniff(head) && int64(binary.LittleEndian.Uint64(head)) <= b.Size-8
}

// Sniff reports whether head starts like a safetensors file: a header
// length within the loader's limit, then '{' and the start of a key or the
// end of an empty object.
func Sniff(head []byte) bool {
	if len(head) < 10 {
		return false
	}
	n := binary.LittleEndian.Uint64(head)
	if n < 2 || n > maxHeader || head[8] != '{' {
		return false
	}
	switch head[9] {
	case '"', '}', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// scan holds the state of one file's analysis.
type scan struct {
	s        *core.Session
	b        *core.Blob
	children int
}

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	s.MarkScanned(b)
	sc := &scan{s: s, b: b}
	return sc.run()
}

func (sc *scan) run() error {
	b := sc.b
	if err := sc.wholeFile(); err != nil {
		return err
	}
	if b.Size < 8 {
		return sc.fatal(0, fmt.Sprintf("file has %d bytes, fewer than the 8-byte header length", b.Size))
	}
	var lenBuf [8]byte
	if k, err := b.R.ReadAt(lenBuf[:], 0); k < len(lenBuf) {
		sc.s.Fail(b, core.CatPath, fmt.Errorf("safetensors: read header length: %w", err))
		return nil
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeader {
		return sc.fatal(0, fmt.Sprintf("header length %d exceeds the loader's limit of %d bytes", n, maxHeader))
	}
	if n > uint64(b.Size-8) {
		return sc.fatal(0, fmt.Sprintf("header length %d runs past the end of the file (%d bytes after the length)", n, b.Size-8))
	}
	raw := make([]byte, n)
	if k, err := b.R.ReadAt(raw, 8); k < len(raw) {
		sc.s.Fail(b, core.CatPath, fmt.Errorf("safetensors: read header: %w", err))
		return nil
	}
	base := 8 + int64(n)
	dataLen := uint64(b.Size - base)
	h := parseHeader(raw, 8)
	var lay layout
	if h.fatal == nil {
		checkSizes(h)
		lay = checkLayout(h, base, dataLen)
		if lay.covered > dataLen {
			h.add(base, "tensors need %d bytes of data, the file has %d", lay.covered, dataLen)
		}
	}
	sc.reportViolations(h)
	if h.fatal != nil {
		// the layout is unknown: let the content of the data section speak
		if err := sc.hiddenChild("<data>", base, int64(dataLen)); err != nil {
			return err
		}
		sc.s.Fail(b, core.CatMagic, fmt.Errorf("safetensors: %w", h.fatal))
		return nil
	}
	if lay.covered < dataLen {
		off := base + int64(lay.covered)
		tail := int64(dataLen - lay.covered)
		sc.add(rules.SafetensorsTrailingData, core.High, "data",
			"Bytes after the last tensor: no tensor covers them (the safetensors library refuses the file, other readers ignore them)",
			fmt.Sprintf("%d bytes at file offset %d after the data section's last tensor ends at data offset %d", tail, off, lay.covered), off)
		if err := sc.hiddenChild("<trailing data>", off, tail); err != nil {
			return err
		}
	}
	for _, g := range lay.gaps {
		if err := sc.hiddenChild(fmt.Sprintf("<gap@%d>", base+int64(g.begin)), base+int64(g.begin), int64(g.end-g.begin)); err != nil {
			return err
		}
	}
	if err := sc.tensorPolyglots(base, lay); err != nil {
		return err
	}
	return nil
}

// wholeFile looks at the file as a whole: content another loader accepts
// at offset 0, or a zip end record that makes the whole file an archive.
func (sc *scan) wholeFile() error {
	b := sc.b
	if what, isPickle := sniffRegion(b.R, 0, b.Size); what != "" {
		sc.add(rules.SafetensorsPolyglot, core.High, "file",
			"The safetensors file is also a file another loader accepts; it is scanned as one",
			"the file starts with "+what, 0)
		if err := sc.child("<whole file>", 0, b.Size, isPickle); err != nil {
			return err
		}
	} else if wholeFileZip(b.R, b.Size) {
		sc.add(rules.SafetensorsPolyglot, core.High, "file",
			"The safetensors file is also a zip archive: torch.load and zip readers open it as one",
			"an end-of-central-directory record near the end of the file makes the whole file a valid zip", -1)
		if err := sc.child("<whole file as zip>", 0, b.Size, false); err != nil {
			return err
		}
	}
	return nil
}

// tensorPolyglots looks at the first bytes of every tensor for content that
// another loader accepts.
func (sc *scan) tensorPolyglots(base int64, lay layout) error {
	b := sc.b
	for _, t := range lay.tensors {
		if t.end == t.begin {
			continue
		}
		off, n := base+int64(t.begin), int64(t.end-t.begin)
		what, isPickle := sniffRegion(b.R, off, n)
		if what == "" {
			continue
		}
		sc.add(rules.SafetensorsPolyglot, core.High, "tensor",
			"Tensor bytes are also a file another loader accepts; the region is scanned",
			fmt.Sprintf("tensor %s at file offset %d (%d bytes) starts with %s", quote(t.name), off, n, what), off)
		if err := sc.child(fmt.Sprintf("<tensor %s>", truncate(t.name, 120)), off, n, isPickle); err != nil {
			return err
		}
	}
	return nil
}

func (sc *scan) reportViolations(h *header) {
	for _, v := range h.viol {
		sc.add(rules.SafetensorsMalformed, core.High, "header",
			"safetensors file violates the format (the reference loader refuses it; other readers may not)", v.msg, v.off)
	}
	if more := h.nviol - len(h.viol); more > 0 {
		sc.add(rules.SafetensorsMalformed, core.High, "header",
			"safetensors file violates the format (the reference loader refuses it; other readers may not)",
			fmt.Sprintf("%d more violations not listed", more), -1)
	}
}

// fatal reports a violation that stops the analysis before the header.
func (sc *scan) fatal(off int64, msg string) error {
	sc.add(rules.SafetensorsMalformed, core.High, "header",
		"safetensors file violates the format (the reference loader refuses it; other readers may not)", msg, off)
	sc.s.Fail(sc.b, core.CatMagic, fmt.Errorf("safetensors: %s", msg))
	return nil
}

func (sc *scan) add(rule string, sev core.Severity, op, desc, evidence string, off int64) {
	sc.s.Add(sc.b, core.Finding{Rule: rule, Severity: sev, Scanner: Scanner, Module: "safetensors", Operator: op,
		Description: desc, Evidence: evidence, Offset: off})
}

// child hands the n bytes at off back to the registry as a quiet blob, so
// a pickle or archive hidden there is scanned by content. A region known to
// be a pickle goes to the pickle engine whatever the sniffers say.
func (sc *scan) child(name string, off, n int64, isPickle bool) error {
	if n <= 0 || sc.children >= maxChildren {
		return nil
	}
	sc.children++
	c := sc.b.Child(name, io.NewSectionReader(sc.b.R, off, n), n)
	c.Quiet = true
	if isPickle {
		c.Role = core.RoleNestedPickle
	}
	return sc.s.Scan(c)
}

// hiddenChild hands on bytes the loader never reads; a pickle there that
// imports or calls something goes to the pickle engine even when the
// registry's sniffers would not recognise it.
func (sc *scan) hiddenChild(name string, off, n int64) error {
	if n <= 0 {
		return nil
	}
	_, isPickle := sniffRegion(sc.b.R, off, n)
	return sc.child(name, off, n, isPickle)
}
