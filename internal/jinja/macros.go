package jinja

// macroDef registers a macro or call-block body once per syntax node.
func (a *analyzer) macroDef(node Node, params []string, defaults []Expr, body []Stmt) int {
	if i, found := a.macroIdx[node]; found {
		return i
	}
	a.macros = append(a.macros, &macroDef{params: params, defaults: defaults, body: body})
	a.macroIdx[node] = len(a.macros) - 1
	return len(a.macros) - 1
}

// defineMacro binds a macro name and analyses its body once.
func (a *analyzer) defineMacro(e *env, m *Macro) {
	idx := a.macroDef(m, m.Params, m.Defaults, m.Body)
	a.set(e, m.Name, single(cval{k: kMacro, n: idx}))
	if m.Header {
		for i, p := range m.Params {
			v := openVal()
			if d := i - (len(m.Params) - len(m.Defaults)); d >= 0 {
				v = join(v, a.eval(e, m.Defaults[d]))
			}
			a.set(e, p, v)
		}
		return
	}
	// analyse the body once for any arguments
	a.analyseMacro(e, a.macros[idx])
}

// execCallBlock evaluates the call with caller() bound to the block body,
// then analyses the body once on its own.
func (a *analyzer) execCallBlock(e *env, s *CallBlock) {
	idx := a.macroDef(s, s.Params, s.Defaults, s.Body)
	caller := single(cval{k: kMacro, n: idx})
	if s.Header {
		for _, p := range s.Params {
			a.set(e, p, openVal())
		}
		a.eval(e, s.Call)
		return
	}
	a.scoped(e, func(b *env) Val {
		b.vars["caller"] = caller
		return a.eval(b, s.Call)
	})
	a.analyseMacro(e, a.macros[idx])
}

// analyseMacro runs a macro body with unknown arguments (and defaults).
func (a *analyzer) analyseMacro(e *env, m *macroDef) {
	a.inline++
	defer func() { a.inline-- }()
	a.scoped(e, func(b *env) Val {
		first := len(m.params) - len(m.defaults)
		for i, p := range m.params {
			v := openVal()
			if i >= first {
				v = join(v, a.eval(b, m.defaults[i-first]))
			}
			b.vars[p] = v
		}
		for _, n := range []string{"varargs", "kwargs", "caller"} {
			if _, bound := b.vars[n]; !bound {
				b.vars[n] = openVal()
			}
		}
		return a.renderBody(b, m.body)
	})
}

// callMacro inlines a macro call with the actual arguments and returns its
// output.
func (a *analyzer) callMacro(e *env, m *macroDef, args callArgs) Val {
	if a.cheap || a.inline >= maxInline {
		return openFrom(args.all()...)
	}
	a.inline++
	defer func() { a.inline-- }()
	return a.scoped(e, func(b *env) Val {
		first := len(m.params) - len(m.defaults)
		for i, p := range m.params {
			var v Val
			kv, byKw := args.kwVal(p)
			switch {
			case i < len(args.pos):
				v = args.pos[i]
			case byKw:
				v = kv
			case i >= first:
				v = a.eval(b, m.defaults[i-first])
			default:
				v = undefVal()
			}
			if args.dyn {
				v = join(v, openFrom(args.dynKw))
				v.open = true
			}
			b.vars[p] = v
		}
		b.vars["varargs"], b.vars["kwargs"] = openVal(), openVal()
		if _, bound := b.vars["caller"]; !bound {
			b.vars["caller"] = undefVal()
		}
		return a.renderBody(b, m.body)
	})
}

// renderBody executes a body and returns what it outputs: literal text and
// printed values are folded (both whitespace variants), anything else
// makes the output unknown.
func (a *analyzer) renderBody(e *env, body []Stmt) Val {
	outDef, outTrim := single(str("")), single(str(""))
	for _, s := range body {
		a.step(1)
		switch s := s.(type) {
		case *Data:
			outDef = a.concat([]Val{outDef, a.strVal(s.Text)})
			outTrim = a.concat([]Val{outTrim, a.strVal(s.Trimmed)})
		case *Output:
			for _, x := range s.Exprs {
				v := a.eval(e, x)
				outDef = a.concat([]Val{outDef, v})
				outTrim = a.concat([]Val{outTrim, v})
			}
		case *If:
			a.eval(e, s.Test)
			if s.Header {
				continue
			}
			var r1, r2 Val
			a.branches(e, func(b *env) { r1 = a.renderBody(b, s.Body) }, func(b *env) { r2 = a.renderBody(b, s.Else) })
			r := join(r1, r2)
			outDef = a.concat([]Val{outDef, r})
			outTrim = a.concat([]Val{outTrim, r})
		default:
			a.exec(e, s)
			switch s.(type) {
			case *Assign, *AssignBlock, *Macro, *Import, *FromImport, *ExprStmt, *Break, *Continue, *Extends:
			default:
				outDef, outTrim = openFrom(outDef), openFrom(outTrim)
			}
		}
	}
	return join(outDef, outTrim)
}
