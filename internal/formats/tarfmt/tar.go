// Package tarfmt scans tar archives (v7, ustar, GNU, pax) member by member,
// and PyTorch's legacy tar checkpoint format.
package tarfmt

import (
	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// Handler scans tar content.
type Handler struct{ Pol *policy.Policy }

// Name implements core.Handler.
func (h *Handler) Name() string { return "tar" }

// Match implements core.Handler.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return false }

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error { return nil }
