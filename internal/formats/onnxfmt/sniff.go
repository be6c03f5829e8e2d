package onnxfmt

import (
	"errors"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/protowalk"
)

// kind is what a blob was recognised as.
type kind int

const (
	kindNone      kind = iota
	kindModel          // an ONNX ModelProto
	kindNamedOnly      // the name ends in .onnx, the content is no ModelProto
)

// Recognition limits: a trial parse decodes at most sniffFields fields,
// checks the first sniffNodes nodes and sniffOpsets operator sets, and
// looks at sniffGraphFields fields of the graph.
const (
	sniffFields      = 4096
	sniffNodes       = 16
	sniffOpsets      = 16
	sniffGraphFields = 64
	sniffNodeFields  = 256 // fields of one node looked at
	maxIRVersion     = 64  // IR versions are small integers (11 in 2025)
	maxOpsetVersion  = 1 << 20
	maxSniffString   = 256 // bytes of a name or domain checked
)

// firstTags are the tag bytes a ModelProto can start with: a field of
// ModelProto with its wire type (field numbers above 15 take two bytes,
// whose first byte is the low bits with the continuation bit set).
var firstTags = func() [256]bool {
	var t [256]bool
	for num, typ := range modelFields {
		b := protowire.AppendTag(nil, num, typ)
		t[b[0]] = true
	}
	return t
}()

// sniff recognises b. Content decides: a ModelProto whose ir_version is
// set and that has a well-formed graph or operator-set import. A name
// ending in .onnx claims any other non-empty content too, so that a
// truncated or damaged model is reported as such rather than skipped.
func sniff(head []byte, b *core.Blob) kind {
	if b.Size <= 0 || len(head) == 0 {
		return kindNone
	}
	hinted := b.Ext() == ".onnx"
	if firstTags[head[0]] {
		sn := &sniffer{r: protowalk.NewReader(b.R, b.Size, 0)}
		restore := sn.r.Limit(sniffFields)
		ok := sn.model()
		restore()
		if ok {
			return kindModel
		}
	}
	if !hinted {
		return kindNone
	}
	if startsLikeModel(head) {
		return kindModel
	}
	return kindNamedOnly
}

// startsLikeModel reports whether the first field is a ModelProto field
// of the right wire type (what a damaged model named .onnx is read as).
func startsLikeModel(head []byte) bool {
	num, typ, n := protowire.ConsumeTag(head)
	if n < 0 {
		return false
	}
	t, ok := modelFields[num]
	return ok && t == typ
}

// sniffer runs one trial parse.
type sniffer struct {
	r *protowalk.Reader
}

// errReject ends a trial walk that found a field of the wrong shape.
var errReject = errors.New("not this message")

// walk runs a trial walk: a malformed field, a read error or a rejection
// fails it; the budget running out ends it, and what was seen is judged.
func (sn *sniffer) walk(sp protowalk.Span, fn func(protowalk.Field) error) bool {
	err := sn.r.Walk(sp, fn)
	return err == nil || errors.Is(err, protowalk.ErrBudget)
}

// known checks a field against the wire type its number must have: a
// known field of another type rejects, an unknown one only counts.
func known(f protowalk.Field, fields map[protowire.Number]protowire.Type, unknown *int) error {
	t, ok := fields[f.Num]
	if !ok {
		*unknown++
		return nil
	}
	if t != f.Type {
		return errReject
	}
	return nil
}

// model checks the top level. Every field of a known number must have its
// wire type. With only known fields, ir_version plus a good graph or a
// good operator set is enough; unknown fields (a newer ONNX) need all
// three, so that other protobufs are not taken for models.
func (sn *sniffer) model() bool {
	unknown := 0
	ir, graph, opset := false, false, false
	opsets := 0
	ok := sn.walk(sn.r.All(), func(f protowalk.Field) error {
		if err := known(f, modelFields, &unknown); err != nil {
			return err
		}
		switch f.Num {
		case mIRVersion:
			if f.Val == 0 || f.Val > maxIRVersion {
				return errReject
			}
			ir = true
		case mProducerName, mProducerVersion, mDomain:
			if !sn.text(f.Data, false) {
				return errReject
			}
		case mGraph:
			if !sn.graph(f.Data) {
				return errReject
			}
			graph = true
		case mOpsetImport:
			if opsets++; opsets <= sniffOpsets {
				if !sn.opset(f.Data) {
					return errReject
				}
				opset = true
			}
		}
		return nil
	})
	if !ok || !ir {
		return false
	}
	if unknown > 0 {
		return graph && opset
	}
	return graph || opset
}

// opset checks an OperatorSetIdProto: a version and a domain-like domain.
func (sn *sniffer) opset(sp protowalk.Span) bool {
	unknown, version := 0, false
	ok := sn.walk(sp, func(f protowalk.Field) error {
		if err := known(f, opsetFields, &unknown); err != nil {
			return err
		}
		switch f.Num {
		case osDomain:
			if !sn.text(f.Data, true) {
				return errReject
			}
		case osVersion:
			if f.Val > maxOpsetVersion {
				return errReject
			}
			version = true
		}
		return nil
	})
	return ok && version && unknown == 0
}

// graph checks the first fields of a GraphProto: known fields of the
// right wire type, the first nodes well formed with an op-like op_type, and
// at least one node or, for a graph without nodes, an input, output or
// initializer and no unknown field. (Fields newer ONNX releases add are
// tolerated next to good nodes.)
func (sn *sniffer) graph(sp protowalk.Span) bool {
	unknown, seen, nodes, good, other := 0, 0, 0, 0, 0
	ok := sn.walk(sp, func(f protowalk.Field) error {
		if seen++; seen > sniffGraphFields {
			return protowalk.ErrStop
		}
		if err := known(f, graphFields, &unknown); err != nil {
			return err
		}
		switch f.Num {
		case gNode:
			if nodes++; nodes <= sniffNodes {
				switch sn.node(f.Data) {
				case nodeBad:
					return errReject
				case nodeGood:
					good++
				}
			}
		case gInput, gOutput, gInitializer:
			other++
		}
		return nil
	})
	return ok && (good > 0 || nodes == 0 && other > 0 && unknown == 0)
}

// nodeCheck is the verdict on one node.
type nodeCheck int

const (
	nodeBad       nodeCheck = iota
	nodeGood                // well formed with an op-like op_type
	nodeUndecided           // too many fields before its op_type to tell
)

// node checks a NodeProto: known fields of the right wire type, an
// op_type that looks like an operator name, a domain that looks like a
// domain, and fewer unknown fields than known ones. A node with more than
// sniffNodeFields fields (a Concat of thousands of inputs) is undecided
// when its op_type comes later.
func (sn *sniffer) node(sp protowalk.Span) nodeCheck {
	unknown, seen, op := 0, 0, false
	restore := sn.r.Limit(sniffNodeFields)
	err := sn.r.Walk(sp, func(f protowalk.Field) error {
		seen++
		if err := known(f, nodeFields, &unknown); err != nil {
			return err
		}
		switch f.Num {
		case nOpType:
			b, _, err := sn.r.Read(f.Data, maxSniffString)
			if err != nil || !opLike(b) {
				return errReject
			}
			op = true
		case nDomain:
			if !sn.text(f.Data, true) {
				return errReject
			}
		}
		return nil
	})
	restore()
	switch {
	case errors.Is(err, protowalk.ErrBudget) && !op && 2*unknown < seen:
		return nodeUndecided
	case (err == nil || errors.Is(err, protowalk.ErrBudget)) && op && 2*unknown < seen:
		return nodeGood
	}
	return nodeBad
}

// text checks the first bytes of a string field: UTF-8 without control
// characters, or (domain) the characters of a reverse domain name.
func (sn *sniffer) text(sp protowalk.Span, domain bool) bool {
	b, _, err := sn.r.Read(sp, maxSniffString)
	if err != nil {
		return false
	}
	if domain {
		return domainLike(b)
	}
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			// a multi-byte rune cut at maxSniffString is fine
			return len(b) < utf8.UTFMax && sp.Len > maxSniffString
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return false
		}
		b = b[n:]
	}
	return true
}

// opLike reports whether s can be an ONNX operator name.
func opLike(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' ||
			c == '-' || c == ':') {
			return false
		}
	}
	return true
}

// domainLike reports whether s can be an operator-set domain ("" is the
// default domain).
func domainLike(s []byte) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' ||
			c == '-') {
			return false
		}
	}
	return true
}
