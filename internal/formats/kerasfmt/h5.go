// Package kerasfmt scans Keras models: HDF5 files (.h5, .hdf5, .keras
// weights) through their root attributes model_config and
// training_config, and Keras model configs as JSON (config.json of a
// .keras archive, model JSON files, and the layer metadata of
// keras_metadata.pb that the TensorFlow handler hands on with the
// keras-config role). The configs are analysed by internal/keras.
package kerasfmt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/hdf5"
	"github.com/modelscan-go/modelscan/internal/keras"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// H5Handler scans HDF5 files. A file without Keras attributes (a weights
// file, any other HDF5 data) is scanned with nothing to report.
type H5Handler struct {
	Pol *policy.Policy
	// Limits bound the HDF5 reader; zero fields take hdf5.DefaultLimits.
	Limits hdf5.Limits
}

// Name implements core.Handler.
func (h *H5Handler) Name() string { return "keras-h5" }

// Match implements core.Handler: the HDF5 signature, at 0 or after a user
// block. head covers offset 0 only; user blocks (512, 1024, ... bytes)
// are looked for in the first maxUserBlock bytes of the blob.
func (h *H5Handler) Match(head []byte, b *core.Blob) bool {
	if hdf5.Sniff(head) {
		return true
	}
	if b == nil || b.R == nil || len(head) < 512 {
		return false
	}
	var sig [8]byte
	for off := int64(512); off <= maxUserBlock && off+8 <= b.Size; off *= 2 {
		if n, _ := b.R.ReadAt(sig[:], off); n == len(sig) && hdf5.Sniff(sig[:]) {
			return true
		}
	}
	return false
}

// maxUserBlock is the largest user block Match looks past (h5py writes
// 512 to a few KiB; any power of two is allowed).
const maxUserBlock = 64 << 10

// configAttrs are the root attributes Keras deserializes when loading.
var configAttrs = map[string]bool{"model_config": true, "training_config": true}

// Scan implements core.Handler.
func (h *H5Handler) Scan(s *core.Session, b *core.Blob) error {
	s.MarkScanned(b)
	f, err := hdf5.Open(b.R, b.Size, h.Limits)
	if err != nil {
		h.unreadable(s, b, "HDF5 file", err)
		return nil
	}
	if ub := f.UserBlockSize(); ub > 0 {
		// h5py skips the user block; other readers may see a different
		// file there (a polyglot)
		child := b.Child(fmt.Sprintf("userblock@0+%d", ub), io.NewSectionReader(b.R, 0, ub), ub)
		child.Quiet, child.Dormant = true, true
		if err := s.Scan(child); err != nil {
			return err
		}
	}
	attrs, aerr := f.Attrs("/")
	ctx := kerasContext(attrs)
	for _, a := range attrs {
		if !configAttrs[a.Name] {
			continue
		}
		h.config(s, b, a, ctx)
	}
	if aerr != nil {
		h.unreadable(s, b, "root attributes", aerr)
	}
	return nil
}

// kerasContext renders keras_version and backend for evidence.
func kerasContext(attrs []hdf5.Attr) string {
	var parts []string
	for _, name := range []string{"keras_version", "backend"} {
		for _, a := range attrs {
			if a.Name == name && a.Kind == hdf5.KindString {
				parts = append(parts, fmt.Sprintf("%s %q", name, clip(a.Str, 40)))
				break
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " [" + strings.Join(parts, ", ") + "]"
}

// config analyses one model_config/training_config attribute.
func (h *H5Handler) config(s *core.Session, b *core.Blob, a hdf5.Attr, ctx string) {
	what := a.Name + " attribute"
	if a.Err != nil {
		h.unreadable(s, b, what, a.Err)
		return
	}
	if a.Kind == hdf5.KindEmpty {
		return // no value: Keras reads nothing
	}
	if a.Kind != hdf5.KindString || len(a.Strs) != 1 {
		h.unreadable(s, b, what, fmt.Errorf("holds %s data of shape %v, not one string", a.Kind, a.Dims))
		return
	}
	text := a.Strs[0]
	if a.NUL {
		// libhdf5's conversion of variable-length strings (and so h5py and
		// Keras) stops at the first NUL; a fixed-length value keeps it and
		// json.loads refuses it. Analyse the text before the NUL, then what
		// follows it, which some reader may still see.
		head, tail, _ := strings.Cut(text, "\x00")
		text = head
		if tail = strings.Trim(tail, "\x00 \t\r\n"); tail != "" {
			how := "json.loads refuses the value"
			if a.VarLen {
				how = "h5py does not return it"
			}
			h.finding(s, b, core.Finding{Rule: rules.KerasConfigUnreadable, Severity: core.Medium,
				Description: "Keras " + what + " holds text after a NUL byte",
				Module:      "Keras", Operator: a.Name,
				Evidence: fmt.Sprintf("%d bytes after the NUL at byte %d (%s): %q%s", len(tail), len(head), how, clip(tail, 120), ctx), Offset: -1})
			if res, _ := keras.Analyze([]byte(tail), keras.Options{Format: keras.FormatH5, Policy: h.Pol}); res != nil {
				for _, f := range res.Findings {
					f.Evidence = a.Name + " after the NUL: " + f.Evidence + ctx
					f.Offset = -1
					h.finding(s, b, f)
				}
			}
		}
	}
	res, err := keras.Analyze([]byte(text), keras.Options{Format: keras.FormatH5, Policy: h.Pol})
	for _, f := range res.Findings {
		f.Evidence = a.Name + ": " + f.Evidence + ctx
		f.Offset = -1 // offsets are inside the attribute, not the file
		h.finding(s, b, f)
	}
	for _, e := range res.Embedded {
		if err := scanEmbedded(s, b, a.Name+":"+e.Name, e.Data); err != nil {
			return
		}
	}
	if err != nil {
		configError(s, b, what, err, keras.ScannerH5)
	}
}

func (h *H5Handler) finding(s *core.Session, b *core.Blob, f core.Finding) {
	if f.Scanner == "" {
		f.Scanner = keras.ScannerH5
	}
	s.Add(b, f)
}

// unreadable reports an HDF5 structure or attribute that could not be
// read: an error, and a MEDIUM finding (the model config may be in what
// could not be read).
func (h *H5Handler) unreadable(s *core.Session, b *core.Blob, what string, err error) {
	if errors.Is(err, hdf5.ErrLimit) {
		s.Budget(b, "hdf5", fmt.Errorf("%s: %w", what, err))
		return
	}
	s.Add(b, core.Finding{Rule: rules.KerasConfigUnreadable, Severity: core.Medium, Scanner: keras.ScannerH5,
		Description: "Keras model config could not be read from the HDF5 file",
		Module:      "Keras", Operator: "model_config", Evidence: fmt.Sprintf("%s: %v", what, err), Offset: -1})
	s.Fail(b, core.CatModelScan, fmt.Errorf("%s: %w", what, err))
}

// configError reports an analysis error: a budget, or a document that is
// not JSON.
func configError(s *core.Session, b *core.Blob, what string, err error, scanner string) {
	if keras.IsLimit(err) {
		s.Budget(b, "keras_config", fmt.Errorf("%s: %w", what, err))
		return
	}
	s.Add(b, core.Finding{Rule: rules.KerasConfigUnreadable, Severity: core.Medium, Scanner: scanner,
		Description: "Keras model config is not valid JSON; it was not fully analysed",
		Module:      "Keras", Operator: "config", Evidence: fmt.Sprintf("%s: %v", what, err), Offset: -1})
	s.Fail(b, core.CatJSON, fmt.Errorf("%s: %w", what, err))
}

// scanEmbedded hands a stream found in a config back to the registry.
func scanEmbedded(s *core.Session, b *core.Blob, name string, data []byte) error {
	child := b.Child(name, bytes.NewReader(data), int64(len(data)))
	if err := s.Scan(child); err != nil {
		if ctxErr := s.Ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		s.Fail(child, core.CatModelScan, err)
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
