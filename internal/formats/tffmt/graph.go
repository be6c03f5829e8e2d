package tffmt

import (
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/protowalk"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Scan limits (variables so that tests can lower them).
var (
	maxFields    int64 = 200_000_000 // protobuf fields decoded per file
	maxNodes     int64 = 20_000_000  // NodeDefs per file (graphs and functions)
	maxFunctions int64 = 2_000_000   // FunctionDefs per file
)

// Fixed limits.
const (
	maxNestedGraphs = 3    // GraphDefs serialized in string tensors, nested
	maxAttrDepth    = 32   // AttrValue / NameAttrList nesting
	maxOpName       = 1024 // longer op and function names never resolve
	maxNodeName     = 160  // bytes of a node name kept for evidence
	maxAttrValue    = 512  // bytes of a condition attribute kept
	maxAttrValues   = 16   // condition attribute values kept per node
	maxAttrKey      = 128  // attribute names compared
)

// budgetError is a scan limit that was reached.
type budgetError struct {
	name string
	err  error
}

func (e *budgetError) Error() string { return e.err.Error() }
func (e *budgetError) Unwrap() error { return e.err }

// graphScope is one GraphDef: the functions of its library, which its
// nodes and functions call by name.
type graphScope struct {
	funcs map[uint64]bool // maphash of the names
}

// scanner walks one recognised blob and collects op occurrences.
type scanner struct {
	s    *core.Session
	b    *core.Blob
	r    *protowalk.Reader
	t    *opTables
	seed maphash.Seed

	occ    *occurrences
	nodes  int64
	funcs  int64
	nested int // depth of graphs serialized in string tensors
	keras  int // Keras metadata blobs handed out
}

func newScanner(s *core.Session, b *core.Blob, t *opTables) *scanner {
	return &scanner{s: s, b: b, t: t, r: protowalk.NewReader(b.R, b.Size, maxFields), seed: maphash.MakeSeed(),
		occ: newOccurrences()}
}

func (sc *scanner) hash(name []byte) uint64 { return maphash.Bytes(sc.seed, name) }

// graph scans a GraphDef: first the names of its library functions, then
// its nodes and the bodies of its functions.
func (sc *scanner) graph(sp protowalk.Span, where string) error {
	g := &graphScope{funcs: map[uint64]bool{}}
	err := sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Num != gdLibrary || f.Type != bt {
			return nil
		}
		return sc.r.Walk(f.Data, func(lf protowalk.Field) error {
			if lf.Num != libFunction || lf.Type != bt {
				return nil
			}
			if sc.funcs++; sc.funcs > maxFunctions {
				return &budgetError{"tf_functions", fmt.Errorf("more than %d functions", maxFunctions)}
			}
			name, ok, err := sc.functionName(lf.Data)
			if err != nil || !ok {
				return err
			}
			g.funcs[sc.hash(name)] = true
			return nil
		})
	})
	var pe *protowalk.Error
	if err != nil && !errors.As(err, &pe) {
		return err
	}
	// On malformed content the second walk stops at the same place, after
	// reporting the nodes before it.
	err2 := sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case gdNode:
			return sc.node(f.Data, g, where)
		case gdLibrary:
			return sc.r.Walk(f.Data, func(lf protowalk.Field) error {
				if lf.Num == libFunction && lf.Type == bt {
					return sc.function(lf.Data, g)
				}
				return nil
			})
		}
		return nil
	})
	if err2 != nil {
		return err2
	}
	return err
}

// functionName returns the signature name of a FunctionDef (the last one
// wins, as when a parser merges repeated occurrences); ok is false when
// there is none or it is too long to ever be matched.
func (sc *scanner) functionName(sp protowalk.Span) ([]byte, bool, error) {
	var name protowalk.Span
	has := false
	err := sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Num != fdSignature || f.Type != bt {
			return nil
		}
		return sc.r.Walk(f.Data, func(of protowalk.Field) error {
			if of.Num == opName && of.Type == bt {
				name, has = of.Data, true
			}
			return nil
		})
	})
	if err != nil || !has {
		return nil, false, err
	}
	b, whole, err := sc.r.Read(name, maxOpName)
	return b, whole && err == nil, err
}

// function scans the nodes of a FunctionDef.
func (sc *scanner) function(sp protowalk.Span, g *graphScope) error {
	name, ok, err := sc.functionName(sp)
	if err != nil {
		return err
	}
	where := "an unnamed function"
	if ok {
		where = fmt.Sprintf("function %q", clip(string(name), maxNodeName))
	}
	return sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Num == fdNodeDef && f.Type == bt {
			return sc.node(f.Data, g, where)
		}
		return nil
	})
}

// site says where an op occurs, for evidence. It is rendered only when
// an occurrence is recorded.
type site struct {
	sc      *scanner
	where   string         // the graph or function, for a node
	name    protowalk.Span // the node name
	hasName bool           // name is set
	key     protowalk.Span // the attribute, for a reference found in one
	parent  *site          // the node holding the attribute
	text    string         // rendered
}

func (st *site) String() string {
	if st.text != "" {
		return st.text
	}
	if st.parent != nil {
		k, err := st.sc.r.String(st.key, maxAttrKey)
		if err != nil {
			k = "?"
		}
		st.text = fmt.Sprintf("attr %q of %s", k, st.parent)
		return st.text
	}
	n := ""
	if st.hasName {
		if v, err := st.sc.r.String(st.name, maxNodeName); err == nil {
			n = v
		}
	}
	st.text = fmt.Sprintf("node %q in %s", n, st.where)
	return st.text
}

// node scans one NodeDef: its op, and its attributes for function
// references, graphs serialized in string tensors and the attribute that
// decides the op's severity. A repeated name or op field counts once, the
// last one winning, as protobuf parsers do.
func (sc *scanner) node(sp protowalk.Span, g *graphScope, where string) error {
	if sc.nodes++; sc.nodes > maxNodes {
		return &budgetError{"tf_nodes", fmt.Errorf("more than %d nodes", maxNodes)}
	}
	if sc.nodes&0xfff == 0 {
		if err := sc.s.Ctx.Err(); err != nil {
			return err
		}
	}
	st := &site{sc: sc, where: where}
	var opSpan protowalk.Span
	hasOp := false
	err := sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case ndName:
			st.name, st.hasName = f.Data, true
		case ndOp:
			opSpan, hasOp = f.Data, true
		}
		return nil
	})
	if err != nil {
		return err
	}
	op, whole, err := sc.r.Read(opSpan, maxOpName)
	if err != nil {
		return err
	}
	rk := sc.riskOf(op, whole)
	var vals []string
	err = sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Num == ndAttr && f.Type == bt {
			return sc.attrEntry(f.Data, rk, &vals, g, st, 0)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !hasOp || len(op) == 0 {
		return nil // TensorFlow refuses a node without an op
	}
	sc.record(op, whole, rk, vals, g, st, sp.Off)
	return nil
}

// riskOf returns the risk table entry of an op name, if any.
func (sc *scanner) riskOf(op []byte, whole bool) *risk {
	if !whole {
		return nil
	}
	return sc.t.risk[string(op)]
}

// record adds an op occurrence unless the op is a stock op without risk
// or a function of the graph's library.
func (sc *scanner) record(op []byte, whole bool, rk *risk, vals []string, g *graphScope, st fmt.Stringer, off int64) {
	name := string(op)
	switch {
	case rk != nil:
		sev, why := rk.judge(vals)
		if sev != core.SeverityNone {
			sc.occ.add(occKey{op: name, rule: rk.Rule, sev: sev}, st.String(), why, off, rk.Note)
		}
	case whole && sc.t.stock[name]:
	case whole && g.funcs[sc.hash(op)]:
	case whole && sc.t.internal[name]:
		sc.occ.add(occKey{op: name, rule: rules.TFInternalOp, sev: core.Low}, st.String(), "", off, "")
	default:
		name = display(name)
		if !whole {
			name += "…"
		}
		sc.occ.addCustom(name, st.String(), off)
	}
}

// attrEntry reads one map<string, AttrValue> entry. When rk has a
// condition on this attribute, its string values are appended to vals.
func (sc *scanner) attrEntry(sp protowalk.Span, rk *risk, vals *[]string, g *graphScope, holder *site, depth int) error {
	var key, val protowalk.Span
	hasVal := false
	err := sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case mapKey:
			key = f.Data
		case mapValue:
			val, hasVal = f.Data, true
		}
		return nil
	})
	if err != nil || !hasVal {
		return err
	}
	capture := false
	if rk != nil && rk.Cond != condAlways && key.Len == int64(len(rk.Attr)) {
		k, _, err := sc.r.Read(key, maxAttrKey)
		if err != nil {
			return err
		}
		capture = string(k) == rk.Attr
	}
	st := &site{sc: sc, key: key, parent: holder}
	return sc.attrValue(val, capture, vals, g, st, depth)
}

// attrValue reads an AttrValue: strings (when captured), function
// references and tensors.
func (sc *scanner) attrValue(sp protowalk.Span, capture bool, vals *[]string, g *graphScope, st *site, depth int) error {
	if depth > maxAttrDepth {
		return &protowalk.Error{Off: sp.Off, Msg: fmt.Sprintf("attribute values nested deeper than %d", maxAttrDepth)}
	}
	keep := func(s protowalk.Span) error {
		if !capture || len(*vals) >= maxAttrValues {
			return nil
		}
		v, err := sc.r.String(s, maxAttrValue)
		if err == nil {
			*vals = append(*vals, v)
		}
		return err
	}
	return sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case avS:
			return keep(f.Data)
		case avTensor:
			return sc.tensor(f.Data, st)
		case avFunc:
			return sc.funcRef(f.Data, g, st, depth+1)
		case avList:
			return sc.r.Walk(f.Data, func(lf protowalk.Field) error {
				if lf.Type != bt {
					return nil
				}
				switch lf.Num {
				case lvS:
					return keep(lf.Data)
				case lvTensor:
					return sc.tensor(lf.Data, st)
				case lvFunc:
					return sc.funcRef(lf.Data, g, st, depth+1)
				}
				return nil
			})
		}
		return nil
	})
}

// calledBy renders the site of a function reference.
type calledBy struct{ st *site }

func (c calledBy) String() string { return "called by " + c.st.String() }

// funcRef reads a NameAttrList: a function-typed attribute. The name is a
// library function or, when it is not, a primitive op that TensorFlow
// instantiates with the list's attributes; such ops are classified like
// node ops.
func (sc *scanner) funcRef(sp protowalk.Span, g *graphScope, st *site, depth int) error {
	if depth > maxAttrDepth {
		return &protowalk.Error{Off: sp.Off, Msg: fmt.Sprintf("attribute values nested deeper than %d", maxAttrDepth)}
	}
	var name protowalk.Span
	has := false
	err := sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Num == nalName && f.Type == bt {
			name, has = f.Data, true
		}
		return nil
	})
	if err != nil {
		return err
	}
	op, whole, err := sc.r.Read(name, maxOpName)
	if err != nil {
		return err
	}
	rk := sc.riskOf(op, whole)
	var vals []string
	err = sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Num == nalAttr && f.Type == bt {
			return sc.attrEntry(f.Data, rk, &vals, g, st, depth+1)
		}
		return nil
	})
	if err != nil || !has || len(op) == 0 {
		return err
	}
	sc.record(op, whole, rk, vals, g, calledBy{st}, sp.Off)
	return nil
}

// tensor looks at the strings of a TensorProto: one that parses as a
// GraphDef is scanned as a graph (tf.data's DatasetFromGraph runs such
// graphs).
func (sc *scanner) tensor(sp protowalk.Span, st *site) error {
	return sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Num != tpStringVal || f.Type != bt || f.Data.Len < 4 || !sc.looksLikeGraph(f.Data) {
			return nil
		}
		if sc.nested >= maxNestedGraphs {
			return &budgetError{"tf_nested_graphs", fmt.Errorf("graphs serialized in string tensors nest deeper than %d", maxNestedGraphs)}
		}
		sc.nested++
		defer func() { sc.nested-- }()
		return sc.graph(f.Data, "a graph serialized in "+st.String())
	})
}

// looksLikeGraph runs the strict GraphDef trial parse on a string, with a
// small field budget of its own.
func (sc *scanner) looksLikeGraph(sp protowalk.Span) bool {
	head, _, err := sc.r.Read(sp, 1)
	if err != nil || len(head) == 0 || !firstTags[head[0]] {
		return false
	}
	restore := sc.r.Limit(sniffFields / 8)
	defer restore()
	sub := &sniffer{r: sc.r, strict: true}
	nodes, _, ok := sub.graphCounts(sp)
	return ok && nodes > 0
}

// isBudget reports whether err is a scan limit.
func isBudget(err error) (*budgetError, bool) {
	var be *budgetError
	if errors.As(err, &be) {
		return be, true
	}
	if errors.Is(err, protowalk.ErrBudget) {
		return &budgetError{"tf_fields", err}, true
	}
	return nil, false
}

// display returns an op name as reports show it: as is when it is plain
// printable ASCII, else quoted with escapes.
func display(op string) string {
	for i := 0; i < len(op); i++ {
		if op[i] < 0x21 || op[i] > 0x7e || op[i] == '"' {
			return strconv.QuoteToASCII(op)
		}
	}
	return op
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
