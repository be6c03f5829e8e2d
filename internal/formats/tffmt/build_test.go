package tffmt

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelscan-go/modelscan/internal/core"
)

// Helpers that build TensorFlow protobufs field by field, for crafted
// cases the text-format fixtures cannot express (or should not: malicious
// samples are built here, in test code).

func pStr(num protowire.Number, s string) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), []byte(s))
}

func pMsg(num protowire.Number, parts ...[]byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), bytes.Join(parts, nil))
}

func pVarint(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// attr is one NodeDef.attr / NameAttrList.attr map entry (field num).
func attrEntryAt(num protowire.Number, key string, value []byte) []byte {
	return pMsg(num, pStr(mapKey, key), pMsg(mapValue, value))
}

// attrs wraps AttrValue payloads into NodeDef attr entries.
func nodeAttr(key string, value []byte) []byte { return attrEntryAt(ndAttr, key, value) }

func avString(s string) []byte { return pStr(avS, s) }

func avStrings(ss ...string) []byte {
	var l [][]byte
	for _, s := range ss {
		l = append(l, pStr(lvS, s))
	}
	return pMsg(avList, l...)
}

// avFuncRef is a function-typed attribute value naming fn with attributes.
func avFuncRef(fn string, attrs ...[]byte) []byte {
	parts := [][]byte{pStr(nalName, fn)}
	parts = append(parts, attrs...)
	return pMsg(avFunc, parts...)
}

// avStringTensor is a DT_STRING TensorProto attribute value.
func avStringTensor(ss ...[]byte) []byte {
	parts := [][]byte{pVarint(tpDtype, 7)}
	for _, s := range ss {
		parts = append(parts, protowire.AppendBytes(protowire.AppendTag(nil, tpStringVal, protowire.BytesType), s))
	}
	return pMsg(avTensor, parts...)
}

// nodeDef returns NodeDef payload bytes.
func nodeDef(name, op string, attrs ...[]byte) []byte {
	return cat(pStr(ndName, name), pStr(ndOp, op), cat(attrs...))
}

// functionDef returns FunctionDef payload bytes.
func functionDef(name string, nodes ...[]byte) []byte {
	parts := [][]byte{pMsg(fdSignature, pStr(opName, name))}
	for _, n := range nodes {
		parts = append(parts, pMsg(fdNodeDef, n))
	}
	return cat(parts...)
}

// graphDef returns GraphDef payload bytes.
func graphDef(nodes [][]byte, funcs ...[]byte) []byte {
	var parts [][]byte
	for _, n := range nodes {
		parts = append(parts, pMsg(gdNode, n))
	}
	if len(funcs) > 0 {
		var lib [][]byte
		for _, f := range funcs {
			lib = append(lib, pMsg(libFunction, f))
		}
		parts = append(parts, pMsg(gdLibrary, lib...))
	}
	parts = append(parts, pMsg(gdVersions, pVarint(vdProducer, 1482)))
	return cat(parts...)
}

// savedModel wraps graphs in a SavedModel, one meta graph each.
func savedModel(graphs ...[]byte) []byte {
	parts := [][]byte{pVarint(smSchemaVersion, 1)}
	for _, g := range graphs {
		parts = append(parts, pMsg(smMetaGraphs, pMsg(mgMetaInfoDef, pStr(4, "serve")), pMsg(mgGraphDef, g)))
	}
	return cat(parts...)
}

// result is what a scan produced.
type result struct {
	s        *core.Session
	children []*core.Blob
	err      error
}

// scanBytes runs the handler on data named name the way the registry
// would (Match, then Scan); nested blobs are recorded, not scanned.
func scanBytes(t *testing.T, name string, data []byte) *result {
	t.Helper()
	res := &result{}
	h := &Handler{}
	var dispatch core.Dispatcher
	dispatch = func(s *core.Session, b *core.Blob) error {
		if b.Depth == 0 {
			head := data[:min(len(data), core.HeadSize)]
			if !h.Match(head, b) {
				t.Fatalf("%s: not recognised", name)
			}
			return h.Scan(s, b)
		}
		res.children = append(res.children, b)
		return nil
	}
	res.s = core.NewSession(context.Background(), core.DefaultLimits(), dispatch)
	b := &core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
	res.err = res.s.Scan(b)
	return res
}

func (r *result) find(op string) *core.Finding {
	for i := range r.s.Findings {
		if r.s.Findings[i].Operator == op {
			return &r.s.Findings[i]
		}
	}
	return nil
}

func (r *result) dump() string {
	var b strings.Builder
	for _, f := range r.s.Findings {
		b.WriteString("  F " + f.Severity.String() + " " + f.Rule + " " + f.Operator + " | " + f.Evidence + "\n")
	}
	for _, p := range r.s.Problems {
		b.WriteString("  P " + p.Category + " " + p.Description + "\n")
	}
	for _, p := range r.s.Skips {
		b.WriteString("  S " + p.Category + " " + p.Description + "\n")
	}
	if r.err != nil {
		b.WriteString("  err " + r.err.Error() + "\n")
	}
	return b.String()
}

// expect checks that op was reported with rule and severity, and that the
// evidence holds every fragment.
func (r *result) expect(t *testing.T, op, rule string, sev core.Severity, fragments ...string) {
	t.Helper()
	f := r.find(op)
	if f == nil {
		t.Fatalf("no finding for %s:\n%s", op, r.dump())
	}
	if f.Rule != rule || f.Severity != sev {
		t.Fatalf("%s: got %s %s, want %s %s:\n%s", op, f.Rule, f.Severity, rule, sev, r.dump())
	}
	for _, frag := range fragments {
		if !strings.Contains(f.Evidence, frag) {
			t.Fatalf("%s: evidence %q lacks %q", op, f.Evidence, frag)
		}
	}
	if f.Module != moduleTF || f.Scanner != scannerOps || f.Source == "" {
		t.Fatalf("%s: module/scanner/source: %+v", op, f)
	}
}

// clean checks that nothing at all was reported.
func (r *result) clean(t *testing.T) {
	t.Helper()
	if len(r.s.Findings) > 0 || len(r.s.Problems) > 0 || r.err != nil {
		t.Fatalf("expected a clean scan:\n%s", r.dump())
	}
	if len(r.s.Scanned) == 0 {
		t.Fatalf("not marked scanned")
	}
}
