// Package onnxfmt scans ONNX models (ModelProto protobufs) without ONNX:
// the fields are read with protowire through protowalk, no generated code.
//
// Recognised by content (a ModelProto with ir_version and a well-formed
// graph or operator-set import); a .onnx name also claims damaged content,
// which is then reported as malformed. Every graph is walked: the main
// graph, the subgraphs held by node attributes (If, Loop, Scan bodies,
// recursively), the training graphs and the model-local functions.
// Reported: external data locations (and EPContext cache files) that
// reach outside the model's directory, operators of non-standard domains
// (which need a custom-op library), Python operators and network
// operators. Tensor data is never read and external files are never
// opened.
package onnxfmt

import (
	"context"
	"errors"
	"fmt"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/protowalk"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Handler scans ONNX models.
type Handler struct{}

// Name implements core.Handler.
func (h *Handler) Name() string { return "onnx" }

// Match implements core.Handler.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return sniff(head, b) != kindNone }

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	head := make([]byte, core.HeadSize)
	n, _ := b.R.ReadAt(head, 0)
	switch sniff(head[:n], b) {
	case kindNone:
		return nil
	case kindNamedOnly:
		s.Fail(b, core.CatMagic, fmt.Errorf("onnx: the name says ONNX but the content is not an ONNX model (starts with % x)", head[:min(n, 8)]))
		return nil
	}
	s.MarkScanned(b)
	sc := newScanner(s, b)
	err := sc.model()
	sc.occ.flush(s, b)
	if err == nil {
		// not dangerous, but a model loaders refuse is not a clean model
		switch {
		case sc.graphs == 0:
			s.Fail(b, core.CatMagic, errors.New("onnx: the model has no graph (ModelProto.graph is missing); loaders refuse it"))
		case sc.opsets == 0 && sc.ir >= 3:
			s.Fail(b, core.CatMagic, fmt.Errorf("onnx: the model (IR version %d) imports no operator set; loaders refuse it", sc.ir))
		}
		return nil
	}
	return sc.finish(err)
}

// finish turns the walk's error into the right report: a budget is a
// scan-incomplete finding plus a problem, cancellation is returned as is,
// and malformed content is a scan-incomplete finding plus a problem, after
// the findings made before it.
func (sc *scanner) finish(err error) error {
	if err == nil {
		return nil
	}
	var be *budgetError
	switch {
	case errors.As(err, &be):
		sc.s.Budget(sc.b, be.name, fmt.Errorf("onnx: %w", err))
		return nil
	case errors.Is(err, protowalk.ErrBudget):
		sc.s.Budget(sc.b, "onnx_fields", fmt.Errorf("onnx: %w", err))
		return nil
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	}
	off := int64(-1)
	var pe *protowalk.Error
	if errors.As(err, &pe) {
		off = pe.Off
	}
	sc.s.Add(sc.b, core.Finding{Rule: rules.ScanIncomplete, Severity: core.Medium, Scanner: Scanner,
		Description: "ONNX model is malformed; the rest of it was not analysed", Module: "onnx", Operator: "protobuf",
		Evidence: err.Error(), Offset: off})
	sc.s.Fail(sc.b, core.CatModelScan, fmt.Errorf("onnx: malformed model: %w", err))
	return nil
}
