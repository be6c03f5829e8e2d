// Package ggufmt validates GGUF files (llama.cpp) and analyses their
// metadata, including chat templates.
//
// A GGUF file is the magic "GGUF", a version (1 to 3), a tensor count, a
// metadata count, the typed metadata pairs, one info record per tensor
// (name, dimensions, ggml type, offset), padding to the alignment, then the
// tensor data. The format holds no code; the risks are the fields whose
// bounds loaders have got wrong (memory-safety bugs in llama.cpp and its
// ports), bytes hidden after the data, and chat templates, which runtimes
// render with Jinja: each one is handed on for analysis.
package ggufmt

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Scanner is the Finding.Scanner of this handler's findings.
const Scanner = "modelscan.scanners.GGUFScan"

// MaxTemplate bounds the size of one chat template handed on for analysis.
const MaxTemplate = 1 << 20

// Handler scans GGUF content.
type Handler struct{}

// Name implements core.Handler.
func (h *Handler) Name() string { return "gguf" }

// Match implements core.Handler: the GGUF magic, or the .gguf extension as
// a hint.
func (h *Handler) Match(head []byte, b *core.Blob) bool {
	return Sniff(head) || (b.Ext() == ".gguf" && b.Size > 0)
}

// Sniff reports whether head starts with the GGUF magic.
func Sniff(head []byte) bool { return len(head) >= 4 && string(head[:4]) == "GGUF" }

const malformedDesc = "GGUF file violates the format (fields loaders have had memory bugs on; current llama.cpp refuses it)"

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	s.MarkScanned(b)
	f := parse(b.R, b.Size)
	add := func(rule string, sev core.Severity, op, desc, ev string, off int64) {
		s.Add(b, core.Finding{Rule: rule, Severity: sev, Scanner: Scanner, Module: "gguf", Operator: op,
			Description: desc, Evidence: ev, Offset: off})
	}
	for _, v := range f.viol {
		add(rules.GGUFMalformed, core.High, "header", malformedDesc, v.msg, v.off)
	}
	if more := f.nviol - len(f.viol); more > 0 {
		add(rules.GGUFMalformed, core.High, "header", malformedDesc, fmt.Sprintf("%d more violations not listed", more), -1)
	}
	removed := make([]string, 0, len(f.removed))
	for name := range f.removed {
		removed = append(removed, name)
	}
	sort.Strings(removed)
	for _, name := range removed {
		add(rules.GGUFRemovedType, core.Low, "tensor", "Tensor type removed from ggml (current llama.cpp refuses the file)",
			fmt.Sprintf("tensor %s uses %s", quote(f.removed[name]), name), -1)
	}
	// templates first: they were read even when the parse stopped later
	for _, t := range f.templates {
		if err := handTemplate(s, b, t); err != nil {
			return err
		}
	}
	if f.budget != nil {
		s.Budget(b, "gguf_counts", f.budget)
		return nil
	}
	if f.fatal != nil {
		s.Fail(b, core.CatMagic, fmt.Errorf("gguf: %w", f.fatal))
		return nil
	}
	return hidden(s, b, f, add)
}

// handTemplate passes one chat template to the registry, where the
// template analyser picks it up by its role.
func handTemplate(s *core.Session, b *core.Blob, t template) error {
	if t.n > MaxTemplate {
		s.Budget(b, "chat_template_size", fmt.Errorf("%s is %d bytes, over the %d-byte limit for template analysis", quote(t.key), t.n, MaxTemplate))
		return nil
	}
	c := b.Child(t.key, io.NewSectionReader(b.R, t.off, int64(t.n)), int64(t.n))
	c.Role = core.RoleChatTemplate
	c.Quiet = true
	return s.Scan(c)
}

// hidden scans bytes the loader never reads: the alignment padding after
// the tensor infos when it is not zeros, and anything after the data.
func hidden(s *core.Session, b *core.Blob, f *file, add func(string, core.Severity, string, string, string, int64)) error {
	if pad := min(f.dataStart, b.Size) - f.infoEnd; pad > 0 && !zeros(b.R, f.infoEnd, pad) {
		c := b.Child(fmt.Sprintf("<padding@%d>", f.infoEnd), io.NewSectionReader(b.R, f.infoEnd, pad), pad)
		c.Quiet = true
		if err := s.Scan(c); err != nil {
			return err
		}
	}
	end, ok := f.dataEnd()
	if !ok || end >= b.Size {
		return nil
	}
	tail := b.Size - end
	add(rules.GGUFTrailingData, core.High, "data", "Bytes after the tensor data (loaders never read them)",
		fmt.Sprintf("%d bytes at offset %d after the last tensor and its padding", tail, end), end)
	c := b.Child("<trailing data>", io.NewSectionReader(b.R, end, tail), tail)
	c.Quiet = true
	return s.Scan(c)
}

// zeros reports whether the first bytes of a padding region are all zero
// (writers pad with zeros; only the first 64 bytes are looked at).
func zeros(r io.ReaderAt, off, n int64) bool {
	var buf [64]byte
	k, err := r.ReadAt(buf[:min(n, int64(len(buf)))], off)
	if k == 0 && err != nil && !errors.Is(err, io.EOF) {
		return true
	}
	for _, c := range buf[:k] {
		if c != 0 {
			return false
		}
	}
	return true
}
