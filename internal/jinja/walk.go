package jinja

// walkStmts calls fs for every statement and fx for every expression in
// body, recursively (recursion depth is bounded by the parser's MaxDepth).
func walkStmts(body []Stmt, fs func(Stmt), fx func(Expr)) {
	for _, s := range body {
		walkStmt(s, fs, fx)
	}
}

func walkStmt(s Stmt, fs func(Stmt), fx func(Expr)) {
	if fs != nil {
		fs(s)
	}
	ex := func(xs ...Expr) {
		for _, x := range xs {
			walkExpr(x, fx)
		}
	}
	switch s := s.(type) {
	case *Output:
		ex(s.Exprs...)
	case *If:
		ex(s.Test)
		walkStmts(s.Body, fs, fx)
		walkStmts(s.Else, fs, fx)
	case *For:
		ex(s.Target, s.Iter, s.Filter)
		walkStmts(s.Body, fs, fx)
		walkStmts(s.Else, fs, fx)
	case *Assign:
		ex(s.Target, s.Value)
	case *AssignBlock:
		ex(s.Target, s.Filter)
		walkStmts(s.Body, fs, fx)
	case *Macro:
		ex(s.Defaults...)
		walkStmts(s.Body, fs, fx)
	case *CallBlock:
		ex(s.Defaults...)
		ex(s.Call)
		walkStmts(s.Body, fs, fx)
	case *FilterBlock:
		ex(s.Filter)
		walkStmts(s.Body, fs, fx)
	case *With:
		ex(s.Targets...)
		ex(s.Values...)
		walkStmts(s.Body, fs, fx)
	case *Block:
		walkStmts(s.Body, fs, fx)
	case *Extends:
		ex(s.Template)
	case *Include:
		ex(s.Template)
	case *Import:
		ex(s.Template)
	case *FromImport:
		ex(s.Template)
	case *ExprStmt:
		ex(s.X)
	case *Generation:
		walkStmts(s.Body, fs, fx)
	case *Autoescape:
		ex(s.Value)
		walkStmts(s.Body, fs, fx)
	}
}

// children lists the direct subexpressions of x; the first result is the
// receiver of an access chain (nil when x is not a chain link).
func children(x Expr) (recv Expr, others []Expr) {
	args := func(a Args) []Expr {
		out := append([]Expr(nil), a.Pos...)
		for _, k := range a.Kw {
			out = append(out, k.Value)
		}
		return append(out, a.DynArgs, a.DynKwargs)
	}
	switch x := x.(type) {
	case *List:
		return nil, x.Items
	case *Tuple:
		return nil, x.Items
	case *Dict:
		return nil, append(append([]Expr(nil), x.Keys...), x.Values...)
	case *Getattr:
		return x.X, nil
	case *Getitem:
		return x.X, []Expr{x.Index}
	case *Slice:
		return nil, []Expr{x.Start, x.Stop, x.Step}
	case *Call:
		return x.Fn, args(x.Args)
	case *Filter:
		return x.X, args(x.Args)
	case *Test:
		return x.X, args(x.Args)
	case *Unary:
		return nil, []Expr{x.X}
	case *Binary:
		return nil, []Expr{x.L, x.R}
	case *Concat:
		return nil, x.Items
	case *Compare:
		out := []Expr{x.X}
		for _, op := range x.Ops {
			out = append(out, op.Y)
		}
		return nil, out
	case *CondExpr:
		return nil, []Expr{x.Test, x.Then, x.Else}
	}
	return nil, nil
}

func walkExpr(x Expr, fx func(Expr)) {
	if x == nil || isNilExpr(x) {
		return
	}
	if fx != nil {
		fx(x)
	}
	recv, others := children(x)
	walkExpr(recv, fx)
	for _, o := range others {
		walkExpr(o, fx)
	}
}

// isNilExpr catches typed nil pointers stored in an Expr.
func isNilExpr(x Expr) bool {
	switch v := x.(type) {
	case *Filter:
		return v == nil
	case *Call:
		return v == nil
	}
	return false
}

// index records, for every expression, the root of the access chain it
// belongs to (a receiver shares its parent's root) and which expressions
// are called.
func (a *analyzer) index(body []Stmt) {
	var visit func(x Expr, root Node)
	visit = func(x Expr, root Node) {
		if x == nil || isNilExpr(x) {
			return
		}
		if root == nil {
			root = x
		}
		a.roots[x] = root
		if c, isCall := x.(*Call); isCall {
			a.called[c.Fn] = true
		}
		recv, others := children(x)
		visit(recv, root)
		for _, o := range others {
			visit(o, nil)
		}
	}
	walkStmts(body, func(s Stmt) {
		top := func(xs ...Expr) {
			for _, x := range xs {
				visit(x, nil)
			}
		}
		switch s := s.(type) {
		case *Output:
			top(s.Exprs...)
		case *If:
			top(s.Test)
		case *For:
			top(s.Target, s.Iter, s.Filter)
		case *Assign:
			top(s.Target, s.Value)
		case *AssignBlock:
			top(s.Target, s.Filter)
		case *Macro:
			top(s.Defaults...)
		case *CallBlock:
			top(s.Defaults...)
			if s.Call != nil {
				top(s.Call)
			}
		case *FilterBlock:
			top(s.Filter)
		case *With:
			top(s.Targets...)
			top(s.Values...)
		case *Extends:
			top(s.Template)
		case *Include:
			top(s.Template)
		case *Import:
			top(s.Template)
		case *FromImport:
			top(s.Template)
		case *ExprStmt:
			top(s.X)
		case *Autoescape:
			top(s.Value)
		}
	}, nil)
}
