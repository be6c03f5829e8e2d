package kerasfmt

import (
	"errors"
	"fmt"
	"io"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/keras"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// ConfigHandler scans Keras model configs given as JSON: blobs with the
// keras-config role (layer metadata of keras_metadata.pb), and by content
// any JSON object whose top level has class_name with config or module
// (config.json of a .keras archive, model.to_json() files). The
// metadata.json of a .keras archive is recognised and marked scanned.
// Other JSON, such as a transformers config.json, is left to other
// handlers.
type ConfigHandler struct{ Pol *policy.Policy }

// Name implements core.Handler.
func (h *ConfigHandler) Name() string { return "keras-config" }

// Match implements core.Handler.
func (h *ConfigHandler) Match(head []byte, b *core.Blob) bool {
	if b.Role == core.RoleKerasConfig {
		return true
	}
	return keras.Sniff(head) || keras.SniffMetadata(head)
}

// Scan implements core.Handler.
func (h *ConfigHandler) Scan(s *core.Session, b *core.Blob) error {
	if b.Role != core.RoleKerasConfig {
		// Layer metadata handed on by the SavedModel reader is part of
		// the saved_model.pb already listed as scanned.
		s.MarkScanned(b)
	}
	format := keras.FormatKeras
	if b.Role == core.RoleKerasConfig {
		format = keras.FormatSavedModel
	}
	if b.Size > keras.DefaultMaxBytes {
		s.Budget(b, "keras_config_size", fmt.Errorf("Keras config of %d bytes is over the %d-byte limit", b.Size, keras.DefaultMaxBytes))
		return nil
	}
	// a blob that ends early is analysed as far as it goes
	doc, rerr := b.Bytes()
	if rerr != nil && !errors.Is(rerr, io.ErrUnexpectedEOF) {
		s.Fail(b, core.CatPath, fmt.Errorf("read: %w", rerr))
		return nil
	}
	if b.Role != core.RoleKerasConfig && !keras.Sniff(doc) && keras.SniffMetadata(doc) {
		return nil // metadata.json: keras_version and date_saved, nothing Keras deserializes
	}
	res, err := keras.Analyze(doc, keras.Options{Format: format, Policy: h.Pol})
	for _, f := range res.Findings {
		s.Add(b, f)
	}
	for _, e := range res.Embedded {
		if err := scanEmbedded(s, b, e.Name, e.Data); err != nil {
			return err
		}
	}
	if err != nil {
		configError(s, b, "Keras config", err, format.Scanner())
	}
	return nil
}
