// Package ggufmt validates GGUF files (llama.cpp) and analyses their
// metadata, including chat templates.
package ggufmt

import "github.com/modelscan-go/modelscan/internal/core"

// Handler scans GGUF content.
type Handler struct{}

// Name implements core.Handler.
func (h *Handler) Name() string { return "gguf" }

// Match implements core.Handler.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return false }

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error { return nil }
