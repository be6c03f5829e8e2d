package jinja

import "slices"

var compareOps = []string{"==", "!=", "<", "<=", ">", ">="}

// parseExpression parses an expression, with or without the trailing
// "x if c else y" form.
func (p *parser) parseExpression(condexpr bool) Expr {
	p.enter()
	defer p.leave()
	if condexpr {
		return p.parseCondExpr()
	}
	return p.parseOr()
}

func (p *parser) parseCondExpr() Expr {
	start := p.cur.pos
	x := p.parseOr()
	n := 0
	defer func() { p.depth -= n }()
	for p.skipName("if") {
		p.enter()
		n++
		test := p.parseOr()
		var els Expr
		if p.skipName("else") {
			p.enter()
			els = p.parseCondExpr()
			p.leave()
		}
		x = &CondExpr{Sp: p.sp(start), Test: test, Then: x, Else: els}
	}
	return x
}

// binaryChain parses operand (op operand)* into left-associative Binary
// nodes. opAt names the operator at the current token ("" when there is
// none). Each operator nests the tree one level deeper; the levels count
// against the depth limit until the chain is done.
func (p *parser) binaryChain(operand func() Expr, opAt func() string) Expr {
	start := p.cur.pos
	x := operand()
	n := 0
	defer func() { p.depth -= n }()
	for op := opAt(); op != ""; op = opAt() {
		p.enter()
		n++
		p.next()
		y := operand()
		x = &Binary{Sp: p.sp(start), Op: op, L: x, R: y}
	}
	return x
}

// nameOp and symOp are opAt functions for binaryChain.
func (p *parser) nameOp(name string) func() string {
	return func() string {
		if p.isName(name) {
			return name
		}
		return ""
	}
}

func (p *parser) symOp(ops ...string) func() string {
	return func() string {
		if p.cur.kind == tOp && slices.Contains(ops, p.cur.val) {
			return p.cur.val
		}
		return ""
	}
}

func (p *parser) parseOr() Expr  { return p.binaryChain(p.parseAnd, p.nameOp("or")) }
func (p *parser) parseAnd() Expr { return p.binaryChain(p.parseNot, p.nameOp("and")) }

func (p *parser) parseNot() Expr {
	if p.isName("not") {
		start := p.next().pos
		p.enter()
		x := p.parseNot()
		p.leave()
		return &Unary{Sp: p.sp(start), Op: "not", X: x}
	}
	return p.parseCompare()
}

func (p *parser) parseCompare() Expr {
	start := p.cur.pos
	x := p.parseMath1()
	var ops []CompareOp
	for {
		switch {
		case p.cur.kind == tOp && slices.Contains(compareOps, p.cur.val):
			op := p.next().val
			ops = append(ops, CompareOp{Op: op, Y: p.parseMath1()})
		case p.skipName("in"):
			ops = append(ops, CompareOp{Op: "in", Y: p.parseMath1()})
		case p.isName("not") && isNameTok(p.look(), "in"):
			p.next()
			p.next()
			ops = append(ops, CompareOp{Op: "not in", Y: p.parseMath1()})
		default:
			if len(ops) == 0 {
				return x
			}
			return &Compare{Sp: p.sp(start), X: x, Ops: ops}
		}
	}
}

func (p *parser) parseMath1() Expr { return p.binaryChain(p.parseConcat, p.symOp("+", "-")) }

func (p *parser) parseConcat() Expr {
	start := p.cur.pos
	items := []Expr{p.parseMath2()}
	for p.skipOp("~") {
		items = append(items, p.parseMath2())
	}
	if len(items) == 1 {
		return items[0]
	}
	return &Concat{Sp: p.sp(start), Items: items}
}

func (p *parser) parseMath2() Expr {
	return p.binaryChain(p.parsePow, p.symOp("*", "/", "//", "%"))
}

func (p *parser) parsePow() Expr {
	return p.binaryChain(func() Expr { return p.parseUnary(true) }, p.symOp("**"))
}

func (p *parser) parseUnary(withFilter bool) Expr {
	start := p.cur.pos
	var x Expr
	if p.isOp("-") || p.isOp("+") {
		op := p.next().val
		p.enter()
		y := p.parseUnary(false)
		p.leave()
		x = &Unary{Sp: p.sp(start), Op: op, X: y}
	} else {
		x = p.parsePrimary()
	}
	x = p.parsePostfix(x, start)
	if withFilter {
		x = p.parseFilterExpr(x, start)
	}
	return x
}

func (p *parser) parsePrimary() Expr {
	start := p.cur.pos
	switch t := p.cur; t.kind {
	case tName:
		p.next()
		switch t.val {
		case "true", "True":
			return &Const{Sp: p.sp(start), Kind: ConstBool, Bool: true}
		case "false", "False":
			return &Const{Sp: p.sp(start), Kind: ConstBool}
		case "none", "None":
			return &Const{Sp: p.sp(start), Kind: ConstNone}
		}
		return &Name{Sp: p.sp(start), Name: t.val}
	case tString:
		s := p.next().val
		for p.cur.kind == tString {
			s += p.next().val
			if len(s) > p.lim.MaxBytes {
				p.failLimit("max_bytes", "string literal longer than the limit of %d bytes", p.lim.MaxBytes)
			}
		}
		return &Const{Sp: p.sp(start), Kind: ConstString, Str: s}
	case tInt:
		p.next()
		return &Const{Sp: p.sp(start), Kind: ConstInt, Int: t.i, Big: t.big, Raw: t.val}
	case tFloat:
		p.next()
		return &Const{Sp: p.sp(start), Kind: ConstFloat, Float: t.f, Raw: t.val}
	case tOp:
		switch t.val {
		case "(":
			p.next()
			x := p.parseTuple(false, true, nil, true)
			p.expectOp(")")
			if tu, ok := x.(*Tuple); ok {
				tu.S = Span{Pos: start, End: p.lastEnd}
			}
			return x
		case "[":
			return p.parseList()
		case "{":
			return p.parseDict()
		}
	}
	if p.cur.kind == tEOF {
		p.fail(p.cur.pos, "unexpected end of template")
	}
	p.fail(p.cur.pos, "unexpected '%s'", p.cur.describe())
	return nil
}

// parseTuple parses an expression or a comma-separated tuple; simplified
// parses primaries only (assignment targets); extraEnd names end the tuple.
func (p *parser) parseTuple(simplified, condexpr bool, extraEnd []string, explicitParens bool) Expr {
	start := p.cur.pos
	parse := func() Expr {
		if simplified {
			p.enter()
			defer p.leave()
			return p.parsePrimary()
		}
		return p.parseExpression(condexpr)
	}
	var items []Expr
	isTuple := false
	for {
		if len(items) > 0 {
			p.expectOp(",")
		}
		if p.isTupleEnd(extraEnd) {
			break
		}
		items = append(items, parse())
		if p.isOp(",") {
			isTuple = true
		} else {
			break
		}
	}
	if !isTuple {
		if len(items) > 0 {
			return items[0]
		}
		if !explicitParens {
			p.fail(p.cur.pos, "Expected an expression, got '%s'", p.cur.describe())
		}
	}
	return &Tuple{Sp: p.sp(start), Items: items}
}

// isTupleEnd mirrors Jinja's is_tuple_end. Jinja passes its extra end
// rules to Token.test_any without unpacking them, so they never match: a
// trailing comma before "in" is a syntax error there, and here too.
func (p *parser) isTupleEnd(_ []string) bool {
	return p.cur.kind == tVarEnd || p.cur.kind == tBlockEnd || p.isOp(")")
}

func (p *parser) parseList() Expr {
	start := p.expectOp("[").pos
	var items []Expr
	for !p.isOp("]") {
		if len(items) > 0 {
			p.expectOp(",")
		}
		if p.isOp("]") {
			break
		}
		items = append(items, p.parseExpression(true))
	}
	p.expectOp("]")
	return &List{Sp: p.sp(start), Items: items}
}

func (p *parser) parseDict() Expr {
	start := p.expectOp("{").pos
	d := &Dict{}
	for !p.isOp("}") {
		if len(d.Keys) > 0 {
			p.expectOp(",")
		}
		if p.isOp("}") {
			break
		}
		k := p.parseExpression(true)
		p.expectOp(":")
		v := p.parseExpression(true)
		d.Keys, d.Values = append(d.Keys, k), append(d.Values, v)
	}
	p.expectOp("}")
	d.Sp = p.sp(start)
	return d
}

func (p *parser) parsePostfix(x Expr, start Pos) Expr {
	n := 0
	defer func() { p.depth -= n }()
	for {
		p.enter()
		n++
		switch {
		case p.isOp(".") || p.isOp("["):
			x = p.parseSubscript(x, start)
		case p.isOp("("):
			x = p.parseCall(x, start)
		default:
			return x
		}
	}
}

func (p *parser) parseFilterExpr(x Expr, start Pos) Expr {
	n := 0
	defer func() { p.depth -= n }()
	for {
		p.enter()
		n++
		switch {
		case p.isOp("|"):
			x = p.parseFilter(x, false)
		case p.isName("is"):
			x = p.parseTest(x, start)
		case p.isOp("("):
			x = p.parseCall(x, start)
		default:
			return x
		}
	}
}

func (p *parser) parseSubscript(x Expr, start Pos) Expr {
	t := p.next()
	if t.val == "." {
		a := p.next()
		switch a.kind {
		case tName:
			return &Getattr{Sp: p.sp(start), X: x, Name: a.val, NamePos: a.pos}
		case tInt:
			c := &Const{Sp: Sp{Span{Pos: a.pos, End: a.end}}, Kind: ConstInt, Int: a.i, Big: a.big, Raw: a.val}
			p.nodes++
			return &Getitem{Sp: p.sp(start), X: x, Index: c}
		}
		p.fail(a.pos, "expected name or number")
	}
	bstart := t.pos
	var args []Expr
	for !p.isOp("]") {
		if len(args) > 0 {
			p.expectOp(",")
		}
		args = append(args, p.parseSubscribed())
	}
	p.expectOp("]")
	var idx Expr
	if len(args) == 1 {
		idx = args[0]
	} else {
		idx = &Tuple{Sp: p.sp(bstart), Items: args}
	}
	return &Getitem{Sp: p.sp(start), X: x, Index: idx}
}

func (p *parser) parseSubscribed() Expr {
	start := p.cur.pos
	var parts [3]Expr
	if p.isOp(":") {
		p.next()
	} else {
		x := p.parseExpression(true)
		if !p.isOp(":") {
			return x
		}
		p.next()
		parts[0] = x
	}
	if !p.isOp(":") && !p.isOp("]") && !p.isOp(",") {
		parts[1] = p.parseExpression(true)
	}
	if p.skipOp(":") {
		if !p.isOp("]") && !p.isOp(",") {
			parts[2] = p.parseExpression(true)
		}
	}
	return &Slice{Sp: p.sp(start), Start: parts[0], Stop: parts[1], Step: parts[2]}
}

func (p *parser) parseArgs() Args {
	open := p.expectOp("(")
	var a Args
	ensure := func(ok bool) {
		if !ok {
			p.fail(open.pos, "invalid syntax for function call expression")
		}
	}
	comma := false
	for !p.isOp(")") {
		if comma {
			p.expectOp(",")
			if p.isOp(")") {
				break
			}
		}
		switch {
		case p.isOp("*"):
			ensure(a.DynArgs == nil && a.DynKwargs == nil)
			p.next()
			a.DynArgs = p.parseExpression(true)
		case p.isOp("**"):
			ensure(a.DynKwargs == nil)
			p.next()
			a.DynKwargs = p.parseExpression(true)
		case p.cur.kind == tName && p.look().kind == tOp && p.look().val == "=":
			ensure(a.DynKwargs == nil)
			key := p.next().val
			p.next()
			a.Kw = append(a.Kw, Keyword{Name: key, Value: p.parseExpression(true)})
		default:
			ensure(a.DynArgs == nil && a.DynKwargs == nil && len(a.Kw) == 0)
			a.Pos = append(a.Pos, p.parseExpression(true))
		}
		comma = true
	}
	p.expectOp(")")
	return a
}

func (p *parser) parseCall(x Expr, start Pos) Expr {
	a := p.parseArgs()
	return &Call{Sp: p.sp(start), Fn: x, Args: a}
}

// parseFilter parses |name(args) filters applied to x; inline starts
// without a pipe (filter blocks).
func (p *parser) parseFilter(x Expr, inline bool) Expr {
	start := p.cur.pos
	if x != nil {
		start = x.Span().Pos
	}
	n := 0
	defer func() { p.depth -= n }()
	for p.isOp("|") || inline {
		p.enter()
		n++
		if !inline {
			p.next()
		}
		t := p.expectKind(tName)
		name := t.val
		for p.skipOp(".") {
			name += "." + p.expectKind(tName).val
		}
		var a Args
		if p.isOp("(") {
			a = p.parseArgs()
		}
		x = &Filter{Sp: p.sp(start), X: x, Name: name, NamePos: t.pos, Args: a}
		inline = false
	}
	return x
}

func (p *parser) parseTest(x Expr, start Pos) Expr {
	is := p.next()
	negated := p.skipName("not")
	name := p.expectKind(tName).val
	for p.skipOp(".") {
		name += "." + p.expectKind(tName).val
	}
	var a Args
	switch {
	case p.isOp("("):
		a = p.parseArgs()
	case (p.cur.kind == tName || p.cur.kind == tString || p.cur.kind == tInt || p.cur.kind == tFloat ||
		p.isOp("(") || p.isOp("[") || p.isOp("{")) &&
		!p.isName("else") && !p.isName("or") && !p.isName("and"):
		if p.isName("is") {
			p.fail(p.cur.pos, "You cannot chain multiple tests with is")
		}
		astart := p.cur.pos
		arg := p.parsePrimary()
		a.Pos = []Expr{p.parsePostfix(arg, astart)}
	}
	var out Expr = &Test{Sp: p.sp(start), X: x, Name: name, Args: a}
	if negated {
		out = &Unary{Sp: p.sp(is.pos), Op: "not", X: out}
	}
	return out
}
