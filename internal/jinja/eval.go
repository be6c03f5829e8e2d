package jinja

import (
	"maps"
	"math"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// analyzer interprets a template abstractly: it never renders anything,
// it follows how values flow into attribute names.
type analyzer struct {
	src      string
	lim      Limits
	steps    int
	cheap    bool                // the step budget is spent: linear, coarser mode
	roots    map[Node]Node       // access chain root of every expression
	called   map[Node]bool       // expressions in call position
	groups   map[groupKey]*group // findings per chain and rule
	resolved map[Node][]string   // attribute names resolved at access nodes
	macros   []*macroDef
	macroIdx map[Node]int
	nsIDs    map[Node]int
	inline   int // macro inlining depth
	blockIn  Val // input of the filter of a filter block or block set
}

type macroDef struct {
	params   []string
	defaults []Expr
	body     []Stmt
}

// env maps variables to values; ns holds the attributes of namespace
// objects by id.
type env struct {
	vars map[string]Val
	ns   map[int]map[string]Val
}

func newEnv() *env { return &env{vars: map[string]Val{}, ns: map[int]map[string]Val{}} }

func (e *env) clone() *env {
	c := &env{vars: maps.Clone(e.vars), ns: make(map[int]map[string]Val, len(e.ns))}
	for id, m := range e.ns {
		c.ns[id] = maps.Clone(m)
	}
	return c
}

func (a *analyzer) step(n int) {
	a.steps += n
	if a.steps > a.lim.MaxSteps {
		a.cheap = true
	}
}

// set assigns a variable; in the coarse mode every assignment only adds
// possibilities, so executing branches one after the other stays sound.
func (a *analyzer) set(e *env, name string, v Val) {
	if old, ok := e.vars[name]; ok && a.cheap {
		v = join(old, v)
	}
	e.vars[name] = v
}

func (a *analyzer) setNS(e *env, id int, attr string, v Val, strong bool) {
	m := e.ns[id]
	if m == nil {
		m = map[string]Val{}
	} else {
		m = maps.Clone(m)
	}
	if old, ok := m[attr]; ok && (!strong || a.cheap) {
		v = join(old, v)
	}
	m[attr] = v
	e.ns[id] = m
}

// builtinGlobals are the globals of a default Jinja environment plus those
// Hugging Face chat templates get.
var builtinGlobals = map[string]bool{
	"range": true, "dict": true, "lipsum": true, "cycler": true, "joiner": true, "namespace": true,
	"self": true, "raise_exception": true, "strftime_now": true,
}

func (a *analyzer) eval(e *env, x Expr) Val {
	a.step(1)
	switch x := x.(type) {
	case nil:
		return undefVal()
	case *Const:
		if x.Kind == ConstString {
			return a.strVal(x.Str)
		}
		return constVal(x)
	case *Name:
		return a.evalName(e, x)
	case *List:
		return a.seq(e, x.Items, kList)
	case *Tuple:
		return a.seq(e, x.Items, kTuple)
	case *Dict:
		vals := make([]Val, 0, 2*len(x.Keys))
		for i := range x.Keys {
			vals = append(vals, a.eval(e, x.Keys[i]), a.eval(e, x.Values[i]))
		}
		if len(x.Keys) > maxItems {
			return container(openFrom(vals...), vals)
		}
		return container(a.lift(vals, func(cs []cval) (cval, status) {
			d := cval{k: kDict}
			for i := 0; i < len(cs); i += 2 {
				d = dictSet(d, cs[i], cs[i+1])
			}
			return d, ok
		}), vals)
	case *Getattr:
		recv := a.eval(e, x.X)
		a.accessName(x, x.NamePos, x.Name, "attribute", a.called[x])
		return a.attrOf(e, recv, x.Name)
	case *Getitem:
		recv := a.eval(e, x.X)
		if s, isSlice := x.Index.(*Slice); isSlice {
			return a.slice(e, recv, s)
		}
		key := a.eval(e, x.Index)
		a.accessKey(x, x.Index.Span().Pos, key, "subscript", a.called[x], false)
		return a.itemOf(e, recv, key)
	case *Slice:
		a.eval(e, x.Start)
		a.eval(e, x.Stop)
		a.eval(e, x.Step)
		return openVal()
	case *Call:
		return a.evalCall(e, x)
	case *Filter:
		in := a.blockIn
		if x.X != nil {
			in = a.eval(e, x.X)
		}
		return a.filter(e, x, in)
	case *Test:
		a.eval(e, x.X)
		a.evalArgs(e, x.Args)
		return openVal()
	case *Unary:
		v := a.eval(e, x.X)
		switch x.Op {
		case "-":
			return a.lift([]Val{v}, func(cs []cval) (cval, status) {
				switch cs[0].k {
				case kInt, kBool:
					if cs[0].i == math.MinInt64 {
						return cval{}, unknown
					}
					return intv(-cs[0].i), ok
				case kFloat:
					return cval{k: kFloat, f: -cs[0].f}, ok
				}
				return cval{}, fail
			})
		case "+":
			return v
		}
		return openVal()
	case *Binary:
		l, r := a.eval(e, x.L), a.eval(e, x.R)
		if x.Op == "and" || x.Op == "or" {
			return join(l, r)
		}
		return a.arith(x.Op, l, r)
	case *Concat:
		vals := make([]Val, len(x.Items))
		for i, it := range x.Items {
			vals[i] = a.eval(e, it)
		}
		return a.concat(vals)
	case *Compare:
		a.eval(e, x.X)
		for _, op := range x.Ops {
			a.eval(e, op.Y)
		}
		return openVal()
	case *CondExpr:
		a.eval(e, x.Test)
		t := a.eval(e, x.Then)
		if x.Else == nil {
			return join(t, undefVal())
		}
		return join(t, a.eval(e, x.Else))
	}
	return openVal()
}

// strVal is a constant string; one too long to fold is kept as the
// suspicious pieces it contains.
func (a *analyzer) strVal(s string) Val {
	if len(s) > a.strLimit() {
		a.step(len(s) / 256)
		return Val{open: true, derived: true, frags: summarize(s)}
	}
	return single(str(s))
}

func constVal(c *Const) Val {
	switch c.Kind {
	case ConstString:
		return single(str(c.Str))
	case ConstInt:
		if c.Big {
			return openVal()
		}
		return single(intv(c.Int))
	case ConstFloat:
		return single(cval{k: kFloat, f: c.Float})
	case ConstBool:
		return single(boolv(c.Bool))
	}
	return single(cval{k: kNone})
}

func (a *analyzer) seq(e *env, items []Expr, k kind) Val {
	vals := make([]Val, len(items))
	for i, it := range items {
		vals[i] = a.eval(e, it)
	}
	if len(items) > maxItems {
		return container(openFrom(vals...), vals)
	}
	return container(a.lift(vals, func(cs []cval) (cval, status) {
		return cval{k: k, items: append([]cval(nil), cs...)}, ok
	}), vals)
}

// concat is the ~ operator: str() of every operand, joined.
func (a *analyzer) concat(vals []Val) Val {
	if len(vals) > maxItems {
		return openFrom(vals...)
	}
	return a.lift(vals, func(cs []cval) (cval, status) {
		out := ""
		for _, c := range cs {
			s, st := strOf(c)
			if st != ok {
				return cval{}, st
			}
			out += s
			if len(out) > a.strLimit() {
				return cval{}, unknown
			}
		}
		return str(out), ok
	})
}

func (a *analyzer) evalName(e *env, x *Name) Val {
	if v, bound := e.vars[x.Name]; bound {
		return v
	}
	receiver := a.roots[x] != Node(x) || a.called[x]
	if suspiciousGlobals[x.Name] {
		a.record(x, x.S.Pos, rules.TemplateSuspiciousGlobal, core.Low, x.Name, "global", true)
	}
	if builtinGlobals[x.Name] {
		return single(cval{k: kFunc, s: x.Name})
	}
	if receiver && (freeExecNames[x.Name] || isDunder(x.Name)) {
		a.record(x, x.S.Pos, rules.TemplateSSTI, core.High, x.Name, "global", true)
	}
	return openVal()
}

// attrOf is Jinja's getattr(obj, name): the attribute, else obj[name],
// else Undefined.
func (a *analyzer) attrOf(e *env, recv Val, name string) Val {
	var out Val
	for _, c := range recv.alts {
		switch c.k {
		case kNS:
			if v, found := e.ns[c.n][name]; found {
				out = join(out, v)
			} else {
				out.add(cval{k: kUndef})
			}
		case kDict:
			if v, found := dictGet(c, str(name)); found {
				out.add(v)
			} else if dictMethods[name] {
				out.open = true
			} else {
				out.add(cval{k: kUndef})
			}
		case kUndef:
			// jinja2.Undefined raises on attribute access
		default:
			out.open = true
		}
	}
	if recv.open {
		out = join(out, Val{open: true, derived: recv.derived, frags: recv.frags})
	}
	return out
}

// itemOf is Jinja's getitem(obj, key): obj[key], else the attribute named
// key, else Undefined.
func (a *analyzer) itemOf(e *env, recv, key Val) Val {
	var out Val
	for _, r := range recv.alts {
		if r.k == kNS {
			for _, k := range key.alts {
				if k.k == kStr {
					out = join(out, a.attrOf(e, single(r), k.s))
				}
			}
			if key.open {
				out.open = true
			}
			continue
		}
		for _, k := range key.alts {
			a.step(1)
			switch r.k {
			case kStr, kList, kTuple:
				if i, isInt := toInt(k); isInt {
					items, _ := elements(r)
					if j, in := pyIndex(i, len(items)); in {
						out.add(items[j])
					} else {
						out.add(cval{k: kUndef})
					}
				} else {
					out.open = true
				}
			case kDict:
				if v, found := dictGet(r, k); found {
					out.add(v)
				} else if k.k == kStr && dictMethods[k.s] {
					out.open = true
				} else {
					out.add(cval{k: kUndef})
				}
			case kUndef:
			default:
				out.open = true
			}
		}
		if key.open {
			out.open = true
		}
	}
	if recv.open {
		out = join(out, Val{open: true, derived: recv.derived, frags: recv.frags})
	}
	return out
}

func (a *analyzer) slice(e *env, recv Val, s *Slice) Val {
	parts := []Val{recv}
	for _, p := range []Expr{s.Start, s.Stop, s.Step} {
		if p == nil {
			parts = append(parts, single(cval{k: kNone}))
		} else {
			parts = append(parts, a.eval(e, p))
		}
	}
	return a.lift(parts, func(cs []cval) (cval, status) {
		var b [3]*int64
		for i := range 3 {
			c := cs[i+1]
			if c.k == kNone {
				continue
			}
			v, isInt := toInt(c)
			if !isInt {
				return cval{}, fail
			}
			b[i] = &v
		}
		r := cs[0]
		items, st := elements(r)
		if st != ok || r.k == kDict || r.k == kUndef {
			if r.k == kUndef || st == fail {
				return cval{}, fail
			}
			return cval{}, unknown
		}
		idx, valid := sliceBounds(len(items), b[0], b[1], b[2])
		if !valid {
			return cval{}, fail
		}
		if r.k == kStr {
			out := make([]byte, 0, len(idx))
			for _, i := range idx {
				out = append(out, items[i].s...)
			}
			return str(string(out)), ok
		}
		sub := make([]cval, len(idx))
		for j, i := range idx {
			sub[j] = items[i]
		}
		return cval{k: r.k, items: sub}, ok
	})
}

var dictMethods = map[string]bool{"keys": true, "values": true, "items": true, "get": true, "copy": true,
	"update": true, "pop": true, "popitem": true, "setdefault": true, "clear": true, "fromkeys": true}

func dictGet(d, k cval) (cval, bool) {
	for i, key := range d.items {
		if keyEqual(key, k) {
			return d.vals[i], true
		}
	}
	return cval{}, false
}

// keyEqual compares dict keys the way Python hashes them (1 == True).
func keyEqual(a, b cval) bool {
	if (a.k == kInt || a.k == kBool) && (b.k == kInt || b.k == kBool) {
		return a.i == b.i
	}
	return equalC(a, b)
}

func dictSet(d, k, v cval) cval {
	out := cval{k: kDict, items: append([]cval(nil), d.items...), vals: append([]cval(nil), d.vals...)}
	for i, key := range out.items {
		if keyEqual(key, k) {
			out.vals[i] = v
			return out
		}
	}
	out.items = append(out.items, k)
	out.vals = append(out.vals, v)
	return out
}
