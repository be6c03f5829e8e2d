// Package numpyfmt scans NumPy .npy files: the header is parsed by
// internal/npy; when the dtype holds Python objects, the pickle numpy.load
// reads after the header (allow_pickle=True) is scanned.
package numpyfmt

import (
	"errors"
	"fmt"
	"io"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/picklefmt"
	"github.com/modelscan-go/modelscan/internal/npy"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Handler scans .npy content.
type Handler struct{ Pol *policy.Policy }

// Name implements core.Handler.
func (h *Handler) Name() string { return "numpy" }

// Match implements core.Handler: the \x93NUMPY magic.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return npy.Sniff(head) }

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	s.MarkScanned(b)
	hd, err := npy.ReadHeader(b.R, b.Size)
	if err != nil {
		// numpy.load refuses the file before unpickling anything, but the
		// content is not known: say so.
		s.Add(b, core.Finding{Rule: rules.NumpyMalformed, Severity: core.Medium, Scanner: picklefmt.ScannerNumpy,
			Description: "NumPy header cannot be parsed; the array content was not analysed",
			Module:      "numpy", Operator: "header", Evidence: err.Error(), Offset: -1})
		s.Fail(b, core.CatMagic, err)
		return nil
	}
	if hd.HasObject {
		picklefmt.ScanStream(h.Pol, s, b, picklefmt.Options{Scanner: picklefmt.ScannerNumpy, Start: hd.DataOffset})
		return nil
	}
	if err := npy.CheckData(hd, b.Size); err != nil {
		if errors.Is(err, npy.ErrTrailingData) {
			s.Add(b, core.Finding{Rule: rules.NumpyMalformed, Severity: core.Low, Scanner: picklefmt.ScannerNumpy,
				Description: "Bytes after the array data (numpy.load ignores them)",
				Module:      "numpy", Operator: "data", Evidence: err.Error(), Offset: hd.DataOffset + hd.DataSize})
			// the tail could be meant for another reader: look at it
			if tail := b.Size - hd.DataOffset - hd.DataSize; tail > 0 {
				off := hd.DataOffset + hd.DataSize
				child := b.Child(fmt.Sprintf("trailing@%d", off), io.NewSectionReader(b.R, off, tail), tail)
				child.Dormant, child.Quiet = true, true
				return s.Scan(child)
			}
			return nil
		}
		s.Fail(b, core.CatMagic, err)
	}
	return nil
}
