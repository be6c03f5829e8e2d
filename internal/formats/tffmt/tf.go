// Package tffmt scans TensorFlow SavedModel and frozen GraphDef protobufs:
// the ops of every graph and function, without TensorFlow.
//
// Recognised by content (protobuf has no magic number, so a strict trial
// parse decides; the file name only relaxes it): a SavedModel
// (saved_model.pb), a MetaGraphDef (TF1 .meta), a frozen GraphDef, a Keras
// SavedMetadata (keras_metadata.pb) and a FingerprintDef (fingerprint.pb).
// The op of every node of every graph and of every library function is
// classified with the embedded op lists (data/): Python callbacks, file,
// network and native-code ops, runtime-internal ops and ops that are not
// stock TensorFlow ops are reported, one finding per op and severity. The
// Keras layer metadata (JSON) is handed back to the session as blobs with
// the keras-config role. Checkpoint variables (variables.index,
// variables.data-*) hold tensor data only and are skipped with that reason.
package tffmt

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/protowalk"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Handler scans TensorFlow protobuf content.
type Handler struct{}

// Name implements core.Handler.
func (h *Handler) Name() string { return "tensorflow" }

// Match implements core.Handler.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return sniff(head, b) != kindNone }

// skipCheckpoint is the reason checkpoint variable files are not scanned.
const skipCheckpoint = "TensorFlow checkpoint variables: tensor data only"

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	head := make([]byte, core.HeadSize)
	n, _ := b.R.ReadAt(head, 0)
	k := sniff(head[:n], b)
	switch k {
	case kindNone:
		return nil
	case kindCheckpointData, kindCheckpointIndex:
		s.Skip(b, core.SkipNotSupp, skipCheckpoint)
		return nil
	case kindNamedOnly:
		s.Fail(b, core.CatMagic, fmt.Errorf("the name says %s but the content is not a protobuf of that kind", namedKindOf(b)))
		return nil
	}
	s.MarkScanned(b)
	t, err := loadTables()
	if err != nil {
		return fmt.Errorf("tensorflow op lists: %w", err)
	}
	sc := newScanner(s, b, t)
	switch k {
	case kindSavedModel:
		err = sc.savedModel()
	case kindMetaGraph:
		err = sc.metaGraph(sc.r.All(), 0)
	case kindGraphDef:
		err = sc.graph(sc.r.All(), "the graph")
	case kindKerasMetadata:
		err = sc.kerasMetadata()
	case kindFingerprint:
		err = sc.r.Walk(sc.r.All(), func(protowalk.Field) error { return nil })
	}
	sc.occ.flush(s, b)
	return sc.finish(k, err)
}

// finish turns the walk's error into the right report: a budget is a
// scan-incomplete finding plus a problem, cancellation is returned as is,
// and malformed content after a recognised start is a scan-incomplete
// finding plus the returned error.
func (sc *scanner) finish(k kind, err error) error {
	if err == nil {
		return nil
	}
	if be, ok := isBudget(err); ok {
		sc.s.Budget(sc.b, be.name, fmt.Errorf("TensorFlow %s: %w", k, err))
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	off := int64(-1)
	var pe *protowalk.Error
	if errors.As(err, &pe) {
		off = pe.Off
	}
	sc.s.Add(sc.b, core.Finding{Rule: rules.ScanIncomplete, Severity: core.Medium, Scanner: scannerOps,
		Description: fmt.Sprintf("TensorFlow %s is malformed; the rest of it was not analysed", k),
		Module:      moduleTF, Operator: "protobuf", Evidence: err.Error(), Offset: off})
	return fmt.Errorf("TensorFlow %s: %w", k, err)
}

func namedKindOf(b *core.Blob) string {
	switch namedKinds[strings.ToLower(b.Base())] {
	case kindKerasMetadata:
		return "Keras SavedMetadata (keras_metadata.pb)"
	case kindFingerprint:
		return "SavedModel fingerprint (fingerprint.pb)"
	}
	return "TensorFlow SavedModel (saved_model.pb)"
}
