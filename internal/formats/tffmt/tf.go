// Package tffmt scans TensorFlow SavedModel and frozen GraphDef protobufs:
// the ops of every graph and function, without TensorFlow.
package tffmt

import "github.com/modelscan-go/modelscan/internal/core"

// Handler scans TensorFlow protobuf content.
type Handler struct{}

// Name implements core.Handler.
func (h *Handler) Name() string { return "tensorflow" }

// Match implements core.Handler.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return false }

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error { return nil }
