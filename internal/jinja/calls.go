package jinja

// callArgs are evaluated call arguments.
type callArgs struct {
	pos   []Val
	kw    []string // keyword names, in order
	kwv   []Val
	dyn   bool // *args or **kwargs present: positions are not known
	dynKw Val
}

func (c callArgs) kwVal(name string) (Val, bool) {
	for i, n := range c.kw {
		if n == name {
			return c.kwv[i], true
		}
	}
	return Val{}, false
}

func (c callArgs) all() []Val {
	out := append([]Val(nil), c.pos...)
	out = append(out, c.kwv...)
	if c.dyn {
		out = append(out, c.dynKw)
	}
	return out
}

func (a *analyzer) evalArgs(e *env, args Args) callArgs {
	var c callArgs
	for _, x := range args.Pos {
		c.pos = append(c.pos, a.eval(e, x))
	}
	for _, k := range args.Kw {
		c.kw = append(c.kw, k.Name)
		c.kwv = append(c.kwv, a.eval(e, k.Value))
	}
	// *args and **kwargs of one known sequence or dict are spread out
	if args.DynArgs != nil {
		v := a.eval(e, args.DynArgs)
		if items, known := a.knownItems(v); known {
			for _, it := range items {
				c.pos = append(c.pos, single(it))
			}
		} else {
			c.dyn = true
			c.dynKw = join(c.dynKw, v)
		}
	}
	if args.DynKwargs != nil {
		v := a.eval(e, args.DynKwargs)
		if len(v.alts) == 1 && !v.open && v.alts[0].k == kDict && allStringKeys(v.alts[0]) {
			d := v.alts[0]
			for i, k := range d.items {
				c.kw = append(c.kw, k.s)
				c.kwv = append(c.kwv, single(d.vals[i]))
			}
		} else {
			c.dyn = true
			c.dynKw = join(c.dynKw, v)
		}
	}
	return c
}

// knownItems returns the items of a value that is one known sequence.
func (a *analyzer) knownItems(v Val) ([]cval, bool) {
	if v.open || len(v.alts) != 1 {
		return nil, false
	}
	switch v.alts[0].k {
	case kList, kTuple, kStr, kDict:
		items, st := elements(v.alts[0])
		return items, st == ok
	}
	return nil, false
}

func allStringKeys(d cval) bool {
	for _, k := range d.items {
		if k.k != kStr {
			return false
		}
	}
	return true
}

func (a *analyzer) evalCall(e *env, x *Call) Val {
	switch fn := x.Fn.(type) {
	case *Getattr:
		a.step(1)
		recv := a.eval(e, fn.X)
		a.accessName(fn, fn.NamePos, fn.Name, "attribute", true)
		args := a.evalArgs(e, x.Args)
		return a.method(e, x, fn, recv, args)
	default:
		fv := a.eval(e, x.Fn)
		args := a.evalArgs(e, x.Args)
		return a.callValue(e, x, fv, args)
	}
}

func (a *analyzer) callValue(e *env, call *Call, fv Val, args callArgs) Val {
	var out Val
	for _, c := range fv.alts {
		switch c.k {
		case kFunc:
			out = join(out, a.builtin(e, call, c.s, args))
		case kMacro:
			out = join(out, a.callMacro(e, a.macros[c.n], args))
		default:
			out.open = true
		}
	}
	if fv.open {
		out.open = true
	}
	return out
}

// builtin calls a global function of the environment.
func (a *analyzer) builtin(e *env, call *Call, name string, args callArgs) Val {
	switch name {
	case "dict":
		if args.dyn || len(args.pos) > 1 {
			return openFrom(args.all()...)
		}
		vals := append([]Val(nil), args.pos...)
		vals = append(vals, args.kwv...)
		return a.lift(vals, func(cs []cval) (cval, status) {
			d := cval{k: kDict}
			kw := cs
			if len(args.pos) == 1 {
				if cs[0].k != kDict {
					return cval{}, unknown
				}
				d, kw = cs[0], cs[1:]
			}
			for i, n := range args.kw {
				d = dictSet(d, str(n), kw[i])
			}
			return d, ok
		})
	case "namespace":
		id := a.nsID(call)
		attrs := map[string]Val{}
		if len(args.pos) == 1 {
			for _, c := range args.pos[0].alts {
				if c.k == kDict {
					for i, k := range c.items {
						if k.k == kStr {
							attrs[k.s] = join(attrs[k.s], single(c.vals[i]))
						}
					}
				}
			}
		}
		for i, n := range args.kw {
			attrs[n] = args.kwv[i]
		}
		if a.cheap {
			for k, v := range e.ns[id] {
				attrs[k] = join(attrs[k], v)
			}
		}
		e.ns[id] = attrs
		return single(cval{k: kNS, n: id})
	case "range":
		if args.dyn || len(args.pos) == 0 || len(args.pos) > 3 {
			return openVal()
		}
		return a.lift(args.pos, func(cs []cval) (cval, status) {
			var b [3]int64
			b[2] = 1
			for i, c := range cs {
				v, isInt := toInt(c)
				if !isInt {
					return cval{}, fail
				}
				b[i] = v
			}
			if len(cs) == 1 {
				b[0], b[1] = 0, b[0]
			}
			if b[2] == 0 {
				return cval{}, fail
			}
			var items []cval
			for v := b[0]; (b[2] > 0 && v < b[1]) || (b[2] < 0 && v > b[1]); v += b[2] {
				if len(items) >= maxItems {
					return cval{}, unknown
				}
				items = append(items, intv(v))
			}
			return cval{k: kList, items: items}, ok
		})
	case "raise_exception":
		return Val{}
	}
	return openVal()
}

// mutators change their receiver in place.
var mutators = map[string]bool{"append": true, "extend": true, "insert": true, "update": true, "setdefault": true,
	"pop": true, "popitem": true, "add": true, "clear": true, "remove": true, "sort": true, "reverse": true,
	"discard": true}

// method folds a method call recv.name(args).
func (a *analyzer) method(e *env, call *Call, fn *Getattr, recv Val, args callArgs) Val {
	name := fn.Name
	for _, c := range recv.alts {
		if c.k == kFunc && c.s == "loop" && name == "cycle" {
			var out Val
			for _, v := range args.pos {
				out = join(out, v)
			}
			return join(out, openFrom(args.dynKw))
		}
	}
	if mutators[name] {
		return a.mutate(e, fn.X, name, recv, args)
	}
	if args.dyn {
		return openFrom(append(args.all(), recv)...)
	}
	if name == "format" || name == "format_map" {
		// fields such as {0.__class__} read attributes of the arguments
		for _, c := range recv.alts {
			if c.k == kStr {
				for _, n := range formatFieldPaths(c.s) {
					a.accessName(call, call.S.Pos, n, "format string", false)
					a.resolve(call, n)
				}
			}
		}
	}
	vals := append([]Val{recv}, args.pos...)
	vals = append(vals, args.kwv...)
	out := a.lift(vals, func(cs []cval) (cval, status) {
		kw := map[string]cval{}
		for i, n := range args.kw {
			kw[n] = cs[1+len(args.pos)+i]
		}
		return callMethod(cs[0], name, cs[1:1+len(args.pos)], kw)
	})
	return out
}

// mutate models list.append and friends: the variable or namespace
// attribute holding the receiver gets the new value; what is not modelled
// makes it unknown, derived from what was added.
func (a *analyzer) mutate(e *env, target Expr, name string, recv Val, args callArgs) Val {
	var nv Val
	switch {
	case (name == "append" || name == "extend") && !args.dyn && len(args.pos) == 1 && len(args.kw) == 0:
		nv = a.lift([]Val{recv, args.pos[0]}, func(cs []cval) (cval, status) {
			l := cs[0]
			if l.k != kList {
				return cval{}, unknown
			}
			add := []cval{cs[1]}
			if name == "extend" {
				items, st := elements(cs[1])
				if st != ok {
					return cval{}, st
				}
				add = items
			}
			if len(l.items)+len(add) > maxItems {
				return cval{}, unknown
			}
			return cval{k: kList, items: append(append([]cval(nil), l.items...), add...)}, ok
		})
	case name == "update" && !args.dyn && len(args.pos) <= 1:
		vals := append([]Val{recv}, args.pos...)
		vals = append(vals, args.kwv...)
		nv = a.lift(vals, func(cs []cval) (cval, status) {
			d := cs[0]
			if d.k != kDict {
				return cval{}, unknown
			}
			kw := cs[1:]
			if len(args.pos) == 1 {
				if cs[1].k != kDict {
					return cval{}, unknown
				}
				for i := range cs[1].items {
					d = dictSet(d, cs[1].items[i], cs[1].vals[i])
				}
				kw = cs[2:]
			}
			for i, n := range args.kw {
				d = dictSet(d, str(n), kw[i])
			}
			return d, ok
		})
	default:
		nv = join(recv, openFrom(args.all()...))
		nv.open = true
	}
	switch t := target.(type) {
	case *Name:
		if _, bound := e.vars[t.Name]; bound {
			a.set(e, t.Name, nv)
		}
	case *Getattr:
		if n, isName := t.X.(*Name); isName {
			ids := e.vars[n.Name]
			for _, c := range ids.alts {
				if c.k == kNS {
					a.setNS(e, c.n, t.Name, nv, len(ids.alts) == 1 && !ids.open)
				}
			}
		}
	}
	if name == "pop" || name == "popitem" || name == "setdefault" {
		return openFrom(recv)
	}
	return single(cval{k: kNone})
}
