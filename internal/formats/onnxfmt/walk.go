package onnxfmt

import (
	"errors"
	"fmt"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/protowalk"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Scan limits (variables so that tests can lower them).
var (
	maxFields     int64 = 200_000_000 // protobuf fields decoded per file
	maxNodes      int64 = 20_000_000  // NodeProtos per file (graphs, subgraphs and functions)
	maxFunctions  int64 = 1_000_000   // local functions per model
	maxGraphDepth       = 64          // nesting of subgraphs (If, Loop, Scan bodies)
)

// Fixed limits.
const (
	maxName      = 160  // bytes of a node, tensor or function name kept for evidence
	maxOpName    = 1024 // bytes of an op type or domain read (longer ones never match)
	maxAttrName  = 64   // attribute names longer than this are not interesting
	maxAttrText  = 512  // bytes of an interesting attribute value kept
	maxLocations = 8    // location entries checked per tensor, besides the last one
	maxWhere     = 640  // bytes of a subgraph's place kept
	ctxEvery     = 1 << 16
)

// budgetError is a scan limit that was reached.
type budgetError struct {
	name string
	err  error
}

func (e *budgetError) Error() string { return e.err.Error() }
func (e *budgetError) Unwrap() error { return e.err }

// scanner walks one ModelProto.
type scanner struct {
	s *core.Session
	b *core.Blob
	r *protowalk.Reader

	funcs     map[string]bool // "domain\x00name" of the model's local functions
	nodes     int64
	functions int64
	graphs    int    // ModelProto.graph fields seen
	opsets    int    // ModelProto.opset_import fields seen
	ir        uint64 // ModelProto.ir_version
	occ       *occurrences
}

func newScanner(s *core.Session, b *core.Blob) *scanner {
	return &scanner{s: s, b: b, r: protowalk.NewReader(b.R, b.Size, maxFields), funcs: map[string]bool{},
		occ: newOccurrences()}
}

// model scans a ModelProto: the identities of its local functions first
// (nodes call them by domain and name), then the main graph, the training
// graphs and the function bodies.
func (sc *scanner) model() error {
	err := sc.r.Walk(sc.r.All(), func(f protowalk.Field) error {
		if f.Num != mFunctions || f.Type != bt {
			return nil
		}
		if sc.functions++; sc.functions > maxFunctions {
			return &budgetError{"onnx_functions", fmt.Errorf("more than %d local functions", maxFunctions)}
		}
		domain, name, err := sc.functionID(f.Data)
		if err != nil {
			return err
		}
		sc.funcs[domain+"\x00"+name] = true
		return nil
	})
	var pe *protowalk.Error
	if err != nil && !errors.As(err, &pe) {
		return err
	}
	// On malformed content the second walk stops at the same place, after
	// reporting what comes before it.
	err2 := sc.r.Walk(sc.r.All(), func(f protowalk.Field) error {
		if f.Num == mIRVersion && f.Type == vt {
			sc.ir = f.Val
		}
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case mOpsetImport:
			sc.opsets++
		case mGraph:
			sc.graphs++
			return sc.graph(f.Data, "the main graph", 0)
		case mTrainingInfo:
			return sc.trainingInfo(f.Data)
		case mFunctions:
			return sc.function(f.Data)
		}
		return nil
	})
	if err2 != nil {
		return err2
	}
	return err
}

// functionID returns the domain and name of a FunctionProto (the last
// occurrence of each wins, as when a parser merges repeated fields).
func (sc *scanner) functionID(sp protowalk.Span) (domain, name string, err error) {
	var dSp, nSp protowalk.Span
	err = sc.r.Walk(sp, func(f protowalk.Field) error {
		switch {
		case f.Num == fnName && f.Type == bt:
			nSp = f.Data
		case f.Num == fnDomain && f.Type == bt:
			dSp = f.Data
		}
		return nil
	})
	if err != nil {
		return "", "", err
	}
	if domain, err = sc.r.String(dSp, maxOpName); err != nil {
		return "", "", err
	}
	name, err = sc.r.String(nSp, maxOpName)
	return domain, name, err
}

// trainingInfo scans the two graphs of a TrainingInfoProto.
func (sc *scanner) trainingInfo(sp protowalk.Span) error {
	return sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case tiInitialization:
			return sc.graph(f.Data, "the training initialization graph", 0)
		case tiAlgorithm:
			return sc.graph(f.Data, "the training algorithm graph", 0)
		}
		return nil
	})
}

// function scans the nodes and default attributes of a FunctionProto.
func (sc *scanner) function(sp protowalk.Span) error {
	domain, name, err := sc.functionID(sp)
	if err != nil {
		return err
	}
	where := fmt.Sprintf("function %q of domain %q", clip(name, maxName), clip(domain, maxName))
	defaults := &node{sc: sc, label: "the default attributes of " + where}
	return sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case fnNode:
			return sc.node(f.Data, where, 0)
		case fnAttributeProto:
			return sc.attribute(f.Data, defaults, nil, 0)
		}
		return nil
	})
}

// graph scans a GraphProto: its nodes (and through their attributes, its
// subgraphs) and its initializers.
func (sc *scanner) graph(sp protowalk.Span, where string, depth int) error {
	if depth > maxGraphDepth {
		return &budgetError{"onnx_graph_depth", fmt.Errorf("subgraphs nest deeper than %d levels", maxGraphDepth)}
	}
	return sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case gNode:
			return sc.node(f.Data, where, depth)
		case gInitializer:
			return sc.tensor(f.Data, func() string { return "initializer of " + where })
		case gSparseInitializer:
			return sc.sparse(f.Data, func() string { return "sparse initializer of " + where })
		}
		return nil
	})
}

// node is one NodeProto, rendered for evidence only when needed.
type node struct {
	sc                        *scanner
	where                     string // the graph or function holding it
	name, op, domain          protowalk.Span
	hasName, hasOp, hasDomain bool
	label                     string
}

func (n *node) String() string {
	if n.label == "" {
		op := n.sc.text(n.op, n.hasOp, maxName)
		if n.hasDomain && n.domain.Len > 0 {
			op = n.sc.text(n.domain, true, maxName) + ":" + op
		}
		n.label = fmt.Sprintf("node %q (%s) in %s", n.sc.text(n.name, n.hasName, maxName), op, n.where)
	}
	return n.label
}

// text reads a string field for evidence; "" when absent or unreadable.
func (sc *scanner) text(sp protowalk.Span, has bool, max int) string {
	if !has {
		return ""
	}
	s, err := sc.r.String(sp, max)
	if err != nil {
		return ""
	}
	return s
}

// node scans one NodeProto: its attributes (subgraphs and tensors), then
// its operator. A repeated name, op_type or domain counts once, the last
// one winning, as protobuf parsers do.
func (sc *scanner) node(sp protowalk.Span, where string, depth int) error {
	if sc.nodes++; sc.nodes > maxNodes {
		return &budgetError{"onnx_nodes", fmt.Errorf("more than %d nodes", maxNodes)}
	}
	if sc.nodes%ctxEvery == 0 {
		if err := sc.s.Ctx.Err(); err != nil {
			return err
		}
	}
	n := &node{sc: sc, where: where}
	attrs := false
	err := sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case nName:
			n.name, n.hasName = f.Data, true
		case nOpType:
			n.op, n.hasOp = f.Data, true
		case nDomain:
			n.domain, n.hasDomain = f.Data, true
		case nAttribute:
			attrs = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	domain := ""
	if n.hasDomain && n.domain.Len > 0 {
		if domain, err = sc.r.String(n.domain, maxOpName); err != nil {
			return err
		}
	}
	var a *nodeAttrs
	if !standardDomains[domain] {
		a = &nodeAttrs{embedMode: 1}
	}
	if attrs {
		err = sc.r.Walk(sp, func(f protowalk.Field) error {
			if f.Num == nAttribute && f.Type == bt {
				return sc.attribute(f.Data, n, a, depth)
			}
			return nil
		})
	}
	if a != nil {
		// reported even when an attribute was malformed: what was read
		// before the error is kept
		if cerr := sc.classifyNode(n, domain, a); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}

// classifyNode reports the operator of a node outside the standard
// domains, unless it calls a local function.
func (sc *scanner) classifyNode(n *node, domain string, a *nodeAttrs) error {
	op, err := sc.r.String(n.op, maxOpName)
	if err != nil {
		return err
	}
	if sc.funcs[domain+"\x00"+op] {
		return nil
	}
	off := int64(-1)
	if n.hasOp {
		off = n.op.Off
	}
	if domain == domainMS && op == "EPContext" {
		if a.embedMode == 0 && a.epCacheSet {
			sc.checkPath(a.epCache, a.epCacheWhole, true, a.epCacheOff, "EPContext ep_cache_context",
				func() string { return "attribute \"ep_cache_context\" of " + n.String() })
		}
		return nil
	}
	v, ok := classify(domain, op, a)
	if !ok {
		return nil
	}
	sc.occ.add(occKey{rule: v.rule, sev: v.sev, module: domain, subject: op}, v.desc, v.why, off, n.String)
	return nil
}

// attribute scans one AttributeProto: it records the values that
// classify the operator (a is nil for standard operators) and scans the
// tensors and graphs it holds, whatever its declared type (a parser keeps
// every field).
func (sc *scanner) attribute(sp protowalk.Span, n *node, a *nodeAttrs, depth int) error {
	var name, sVal protowalk.Span
	var iVal uint64
	hasName, hasS, hasI, nested := false, false, false, false
	err := sc.r.Walk(sp, func(f protowalk.Field) error {
		switch {
		case f.Num == aName && f.Type == bt:
			name, hasName = f.Data, true
		case f.Num == aS && f.Type == bt:
			sVal, hasS = f.Data, true
		case f.Num == aI && f.Type == vt:
			iVal, hasI = f.Val, true
		case f.Type == bt && (f.Num == aT || f.Num == aG || f.Num == aTensors || f.Num == aGraphs ||
			f.Num == aSparseTensor || f.Num == aSparseTensors):
			nested = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	if a != nil && hasName && name.Len <= maxAttrName {
		if err := sc.interesting(a, name, sVal, hasS, int64(iVal), hasI); err != nil {
			return err
		}
	}
	if !nested {
		return nil
	}
	place := func() string {
		return fmt.Sprintf("attribute %q of %s", sc.text(name, hasName, maxName), n)
	}
	return sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case aT, aTensors:
			return sc.tensor(f.Data, place)
		case aSparseTensor, aSparseTensors:
			return sc.sparse(f.Data, place)
		case aG, aGraphs:
			// clipped: nested places grow with the depth
			return sc.graph(f.Data, clip(place(), maxWhere), depth+1)
		}
		return nil
	})
}

// interesting records the attribute values nodeAttrs keeps.
func (sc *scanner) interesting(a *nodeAttrs, name, sVal protowalk.Span, hasS bool, iVal int64, hasI bool) error {
	key, err := sc.r.String(name, maxAttrName)
	if err != nil || !interesting[key] {
		return err
	}
	if key == "embed_mode" {
		if hasI {
			a.embedMode = iVal
		}
		return nil
	}
	if !hasS {
		return nil
	}
	if key == "ep_cache_context" {
		b, whole, err := sc.r.Read(sVal, maxLocation)
		if err != nil {
			return err
		}
		a.epCache, a.epCacheWhole, a.epCacheOff, a.epCacheSet = b, whole, sVal.Off, true
		return nil
	}
	v, err := sc.r.String(sVal, maxAttrText)
	if err != nil {
		return err
	}
	switch key {
	case "module":
		a.module = v
	case "class_name":
		a.className = v
	case "compute":
		a.compute = v
	case "func_name":
		a.funcName = v
	case "model_uri":
		a.modelURI = v
	}
	return nil
}

// sparse scans the two tensors of a SparseTensorProto.
func (sc *scanner) sparse(sp protowalk.Span, place func() string) error {
	return sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type == bt && (f.Num == stValues || f.Num == stIndices) {
			return sc.tensor(f.Data, place)
		}
		return nil
	})
}

// tensor checks the external data locations of a TensorProto. Its data
// fields are only skipped over (their lengths checked against the message),
// never read.
func (sc *scanner) tensor(sp protowalk.Span, place func() string) error {
	var name protowalk.Span
	hasName, external := false, false
	var locs [maxLocations]protowalk.Span
	nloc := 0
	var last protowalk.Span
	hasLast := false
	err := sc.r.Walk(sp, func(f protowalk.Field) error {
		switch {
		case f.Num == tName && f.Type == bt:
			name, hasName = f.Data, true
		case f.Num == tDataLocation && f.Type == vt:
			external = f.Val == dataLocationExternal
		case f.Num == tExternalData && f.Type == bt:
			loc, ok, err := sc.location(f.Data)
			if err != nil || !ok {
				return err
			}
			if nloc < maxLocations {
				locs[nloc] = loc
				nloc++
			} else {
				last, hasLast = loc, true
			}
		}
		return nil
	})
	// the locations read before an error are checked too
	where := func() string { return fmt.Sprintf("tensor %q (%s)", sc.text(name, hasName, maxName), place()) }
	all := locs[:nloc]
	if hasLast {
		all = append(all, last)
	}
	for _, loc := range all {
		b, whole, rerr := sc.r.Read(loc, maxLocation)
		if rerr != nil {
			return rerr
		}
		sc.checkPath(b, whole, external, loc.Off, "external data location", where)
	}
	return err
}

// location returns the value of an external_data entry whose key is
// "location" (the last key and value of the entry win).
func (sc *scanner) location(sp protowalk.Span) (protowalk.Span, bool, error) {
	var key, val protowalk.Span
	hasKey, hasVal := false, false
	err := sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case ssKey:
			key, hasKey = f.Data, true
		case ssValue:
			val, hasVal = f.Data, true
		}
		return nil
	})
	if err != nil || !hasKey || key.Len != int64(len("location")) {
		return protowalk.Span{}, false, err
	}
	k, _, err := sc.r.Read(key, len("location"))
	if err != nil || string(k) != "location" {
		return protowalk.Span{}, false, err
	}
	if !hasVal {
		val = protowalk.Span{Off: key.End(), Len: 0}
	}
	return val, true, nil
}

// checkPath reports a file location that can reach outside the model's
// directory. used is false when the runtime ignores the location (the
// tensor's data_location is not EXTERNAL): the finding is then MEDIUM.
func (sc *scanner) checkPath(loc []byte, whole, used bool, off int64, what string, place func() string) {
	problem := pathProblem(loc, whole)
	if problem == "" {
		return
	}
	subject := string(loc)
	if !whole {
		subject += "…"
	}
	subject = clip(printable(subject), 512)
	sev, desc := core.High, fmt.Sprintf("ONNX %s %s: loading the model reads a file outside its directory", what, problem)
	if !used {
		sev = core.Medium
		desc = fmt.Sprintf("ONNX %s %s; the tensor's data_location is not EXTERNAL, so current loaders ignore it", what, problem)
	}
	sc.occ.add(occKey{rule: rules.ONNXExternalDataPath, sev: sev, module: "onnx", subject: subject}, desc, "", off, place)
}

// printable replaces control characters and invalid UTF-8 so that a
// location can be shown as an operator name.
func printable(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			out = append(out, '?')
			continue
		}
		out = append(out, r)
	}
	return string(out)
}
