package jinja

const (
	maxUnroll = 64 // loop iterations simulated one by one over a constant sequence
	maxRounds = 3  // fixpoint rounds of a loop over unknown data before widening
	maxInline = 3  // nesting of inlined macro calls
)

func (a *analyzer) execBody(e *env, body []Stmt) {
	for _, s := range body {
		a.exec(e, s)
	}
}

func (a *analyzer) exec(e *env, s Stmt) {
	a.step(1)
	switch s := s.(type) {
	case *Output:
		for _, x := range s.Exprs {
			a.eval(e, x)
		}
	case *If:
		a.eval(e, s.Test)
		if !s.Header {
			a.branches(e, func(b *env) { a.execBody(b, s.Body) }, func(b *env) { a.execBody(b, s.Else) })
		}
	case *For:
		a.execFor(e, s)
	case *Assign:
		a.assign(e, s.Target, a.eval(e, s.Value))
	case *AssignBlock:
		if s.Header {
			a.assign(e, s.Target, Val{open: true, derived: true})
			return
		}
		v := a.scoped(e, func(b *env) Val { return a.renderBody(b, s.Body) })
		if s.Filter != nil {
			v = a.withInput(v, func() Val { return a.eval(e, s.Filter) })
		}
		a.assign(e, s.Target, v)
	case *Macro:
		a.defineMacro(e, s)
	case *CallBlock:
		a.execCallBlock(e, s)
	case *FilterBlock:
		v := openVal()
		if !s.Header {
			v = a.scoped(e, func(b *env) Val { return a.renderBody(b, s.Body) })
		}
		a.withInput(v, func() Val { return a.eval(e, s.Filter) })
	case *With:
		vals := make([]Val, len(s.Values))
		for i, x := range s.Values {
			vals[i] = a.eval(e, x)
		}
		if s.Header {
			for i, t := range s.Targets {
				a.assign(e, t, vals[i])
			}
			return
		}
		a.scoped(e, func(b *env) Val {
			for i, t := range s.Targets {
				a.assign(b, t, vals[i])
			}
			a.execBody(b, s.Body)
			return Val{}
		})
	case *Block:
		a.scoped(e, func(b *env) Val { a.execBody(b, s.Body); return Val{} })
	case *Extends:
		a.eval(e, s.Template)
	case *Include:
		a.eval(e, s.Template)
	case *Import:
		a.eval(e, s.Template)
		a.set(e, s.Target, openVal())
	case *FromImport:
		a.eval(e, s.Template)
		for _, n := range s.Names {
			name := n.Name
			if n.Alias != "" {
				name = n.Alias
			}
			a.set(e, name, openVal())
		}
	case *ExprStmt:
		a.eval(e, s.X)
	case *Generation:
		a.execBody(e, s.Body)
	case *Autoescape:
		a.eval(e, s.Value)
		a.execBody(e, s.Body)
	case *salvaged:
		for _, n := range s.names {
			a.accessName(s, n.pos, n.name, n.how, false)
			a.resolve(s, n.name)
		}
	}
}

// withInput evaluates a filter chain whose innermost input is v.
func (a *analyzer) withInput(v Val, f func() Val) Val {
	old := a.blockIn
	a.blockIn = v
	defer func() { a.blockIn = old }()
	return f()
}

// branches runs two alternative paths and joins what they leave behind.
// In the coarse mode they run one after the other on the same
// environment (assignments only add possibilities there).
func (a *analyzer) branches(e *env, first, second func(*env)) {
	if a.cheap {
		first(e)
		second(e)
		return
	}
	a.step(len(e.vars) + len(e.ns))
	b := e.clone()
	first(b)
	second(e)
	*e = *a.joinEnv(b, e)
}

// scoped runs f in a child scope; what it assigns is joined back (Jinja
// drops it, which the join over-approximates; namespaces do persist).
func (a *analyzer) scoped(e *env, f func(*env) Val) Val {
	if a.cheap {
		return f(e)
	}
	a.step(len(e.vars) + len(e.ns))
	b := e.clone()
	v := f(b)
	*e = *a.joinEnv(e, b)
	return v
}

// joinEnv is the environment after either x or y. A variable set on one
// side only may also hold whatever it held before (unknown here).
func (a *analyzer) joinEnv(x, y *env) *env {
	a.step(len(x.vars) + len(y.vars) + len(x.ns) + len(y.ns))
	out := newEnv()
	for k, v := range x.vars {
		a.step(len(v.alts))
		if w, found := y.vars[k]; found {
			out.vars[k] = join(v, w)
		} else {
			out.vars[k] = join(v, openVal())
		}
	}
	for k, w := range y.vars {
		if _, found := x.vars[k]; !found {
			out.vars[k] = join(w, openVal())
		}
	}
	for id, m := range x.ns {
		n, found := y.ns[id]
		if !found {
			out.ns[id] = m
			continue
		}
		j := map[string]Val{}
		for k, v := range m {
			a.step(len(v.alts))
			if w, in := n[k]; in {
				j[k] = join(v, w)
			} else {
				j[k] = join(v, undefVal())
			}
		}
		for k, w := range n {
			if _, in := m[k]; !in {
				j[k] = join(w, undefVal())
			}
		}
		out.ns[id] = j
	}
	for id, n := range y.ns {
		if _, found := x.ns[id]; !found {
			out.ns[id] = n
		}
	}
	return out
}

func envEqual(x, y *env) bool {
	if len(x.vars) != len(y.vars) || len(x.ns) != len(y.ns) {
		return false
	}
	for k, v := range x.vars {
		w, found := y.vars[k]
		if !found || !equalV(v, w) {
			return false
		}
	}
	for id, m := range x.ns {
		n, found := y.ns[id]
		if !found || len(m) != len(n) {
			return false
		}
		for k, v := range m {
			w, in := n[k]
			if !in || !equalV(v, w) {
				return false
			}
		}
	}
	return true
}

// widenEnv widens every value that differs between two rounds.
func widenEnv(start, next *env) *env {
	out := next.clone()
	for k, v := range next.vars {
		if w, found := start.vars[k]; !found || !equalV(v, w) {
			out.vars[k] = widen(v)
		}
	}
	for id, m := range next.ns {
		for k, v := range m {
			if w, found := start.ns[id][k]; !found || !equalV(v, w) {
				out.ns[id][k] = widen(v)
			}
		}
	}
	return out
}

func (a *analyzer) execFor(e *env, f *For) {
	iter := a.eval(e, f.Iter)
	loop := single(cval{k: kFunc, s: "loop"})
	run := func(b *env, el Val) {
		a.assign(b, f.Target, el)
		b.vars["loop"] = loop
		if f.Filter != nil {
			a.eval(b, f.Filter)
		}
		a.execBody(b, f.Body)
	}
	if f.Header {
		a.assign(e, f.Target, a.elemJoin(iter))
		e.vars["loop"] = loop
		if f.Filter != nil {
			a.eval(e, f.Filter)
		}
		return
	}
	if a.cheap {
		a.widenAssigned(e, f.Body)
		run(e, a.elemJoin(iter))
		a.execBody(e, f.Else)
		return
	}
	pre := e.clone()
	body := e.clone()
	if elems, known := a.unrollable(iter); known {
		for i, el := range elems {
			if a.cheap {
				a.widenAssigned(body, f.Body)
				run(body, a.elemJoin(iter))
				break
			}
			run(body, el)
			if i < len(elems)-1 {
				// the next iteration starts from this one's state, or from
				// the state before the loop for plain variables
				ns := body.ns
				body = a.joinEnv(body, pre)
				body.ns = ns
			}
		}
	} else {
		a.fixpoint(body, func(b *env) { run(b, a.elemJoin(iter)) })
	}
	els := pre.clone()
	if len(f.Else) > 0 {
		a.execBody(els, f.Else)
	}
	*e = *a.joinEnv(a.joinEnv(pre, body), els)
}

// fixpoint runs a loop body over unknown items until the environment stops
// changing, widening what still changes after maxRounds rounds.
func (a *analyzer) fixpoint(body *env, run func(*env)) {
	for round := 0; ; round++ {
		start := body.clone()
		run(body)
		next := a.joinEnv(start, body)
		if envEqual(next, start) {
			*body = *next
			return
		}
		if round+1 >= maxRounds || a.cheap {
			w := widenEnv(start, next)
			*body = *w.clone()
			run(body)
			*body = *a.joinEnv(w, body)
			return
		}
		*body = *next
	}
}

// unrollable returns the items of a loop over one known, short sequence.
func (a *analyzer) unrollable(iter Val) ([]Val, bool) {
	if iter.open || len(iter.alts) != 1 {
		return nil, false
	}
	items, st := elements(iter.alts[0])
	if st != ok || len(items) > maxUnroll {
		return nil, false
	}
	out := make([]Val, len(items))
	for i, it := range items {
		out[i] = single(it)
	}
	return out, true
}

// elemJoin is any item of the iterated value.
func (a *analyzer) elemJoin(iter Val) Val {
	var out Val
	for _, c := range iter.alts {
		items, st := elements(c)
		if st == unknown {
			out.open = true
		}
		for _, it := range items {
			out.add(it)
		}
	}
	if iter.open {
		out = join(out, Val{open: true, derived: iter.derived, frags: iter.frags})
	}
	return out
}

// widenAssigned makes everything a body assigns unknown (derived), so one
// pass over the body is sound for any number of iterations.
func (a *analyzer) widenAssigned(e *env, body []Stmt) {
	var names []string
	var refs []*NSRef
	var target func(x Expr)
	target = func(x Expr) {
		switch t := x.(type) {
		case *Name:
			names = append(names, t.Name)
		case *NSRef:
			refs = append(refs, t)
		case *Tuple:
			for _, it := range t.Items {
				target(it)
			}
		}
	}
	walkStmts(body, func(s Stmt) {
		switch s := s.(type) {
		case *Assign:
			target(s.Target)
		case *AssignBlock:
			target(s.Target)
		case *For:
			target(s.Target)
		case *With:
			for _, t := range s.Targets {
				target(t)
			}
		}
	}, func(x Expr) {
		if c, isCall := x.(*Call); isCall {
			if g, isAttr := c.Fn.(*Getattr); isAttr && mutators[g.Name] {
				switch r := g.X.(type) {
				case *Name:
					names = append(names, r.Name)
				case *Getattr:
					if n, isName := r.X.(*Name); isName {
						refs = append(refs, &NSRef{Name: n.Name, Attr: r.Name})
					}
				}
			}
		}
	})
	wide := func(v Val) Val {
		w := widen(v)
		w.open, w.derived = true, true
		return w
	}
	for _, n := range names {
		e.vars[n] = wide(e.vars[n])
	}
	for _, r := range refs {
		for _, c := range e.vars[r.Name].alts {
			if c.k == kNS {
				a.setNS(e, c.n, r.Attr, wide(e.ns[c.n][r.Attr]), false)
			}
		}
	}
}

func (a *analyzer) assign(e *env, target Expr, v Val) {
	switch t := target.(type) {
	case *Name:
		a.set(e, t.Name, v)
	case *NSRef:
		ids := e.vars[t.Name]
		strong := len(ids.alts) == 1 && !ids.open
		for _, c := range ids.alts {
			if c.k == kNS {
				a.setNS(e, c.n, t.Attr, v, strong)
			}
		}
	case *Tuple:
		n := len(t.Items)
		parts := make([]Val, n)
		for _, c := range v.alts {
			items, st := elements(c)
			switch {
			case st == ok && len(items) == n:
				for i := range parts {
					parts[i].add(items[i])
				}
			case st == unknown:
				for i := range parts {
					parts[i].open = true
				}
			}
		}
		for i, it := range t.Items {
			p := parts[i]
			if v.open {
				p = join(p, Val{open: true, derived: v.derived, frags: v.frags})
			}
			a.assign(e, it, p)
		}
	}
}
