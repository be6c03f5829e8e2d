// Package sevenzipfmt scans 7z archives member by member.
package sevenzipfmt

import (
	"github.com/modelscan-go/modelscan/internal/core"
)

// Handler scans 7z content.
type Handler struct{}

// Name implements core.Handler.
func (h *Handler) Name() string { return "7z" }

// Match implements core.Handler.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return false }

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error { return nil }
