package jinja

import (
	"fmt"
	"strings"
)

// parseStatement parses the tag after a block begin; the caller expects the
// block end.
func (p *parser) parseStatement() Stmt {
	if p.cur.kind != tName {
		p.fail(p.cur.pos, "tag name expected")
	}
	p.enter()
	defer p.leave()
	start := p.cur.pos
	switch p.cur.val {
	case "for":
		return p.parseFor()
	case "if":
		return p.parseIf()
	case "block":
		return p.parseBlock()
	case "extends":
		p.next()
		x := p.parseExpression(true)
		p.ref("extends", x, start)
		return &Extends{Sp: p.sp(start), Template: x}
	case "print":
		p.next()
		var xs []Expr
		for p.cur.kind != tBlockEnd {
			if len(xs) > 0 {
				p.expectOp(",")
			}
			xs = append(xs, p.parseExpression(true))
		}
		return &Output{Sp: p.sp(start), Exprs: xs}
	case "macro":
		return p.parseMacro()
	case "include":
		return p.parseInclude()
	case "from":
		return p.parseFrom()
	case "import":
		return p.parseImport()
	case "set":
		return p.parseSet()
	case "with":
		return p.parseWith()
	case "autoescape":
		p.next()
		v := p.parseExpression(true)
		body, hdr := p.body([]string{"endautoescape"}, true)
		return &Autoescape{Sp: p.sp(start), Value: v, Body: body, Header: hdr}
	case "call":
		return p.parseCallBlock()
	case "filter":
		p.next()
		f := p.parseFilter(nil, true)
		body, hdr := p.body([]string{"endfilter"}, true)
		return &FilterBlock{Sp: p.sp(start), Filter: f, Body: body, Header: hdr}
	case "do":
		p.next()
		x := p.parseTuple(false, true, nil, false)
		return &ExprStmt{Sp: p.sp(start), X: x}
	case "break":
		p.next()
		return &Break{Sp: p.sp(start)}
	case "continue":
		p.next()
		return &Continue{Sp: p.sp(start)}
	case "generation":
		p.next()
		body, hdr := p.body([]string{"endgeneration"}, true)
		return &Generation{Sp: p.sp(start), Body: body, Header: hdr}
	}
	if p.flat {
		return p.flatClause(start)
	}
	p.failUnknownTag(p.cur.val, start)
	return nil
}

// flatClause handles, in recovery mode, the tags that continue or close a
// block (elif, else, endfor, ...): an elif keeps its test, the others are
// skipped.
func (p *parser) flatClause(start Pos) Stmt {
	name := p.next().val
	if name == "elif" {
		x := p.parseTuple(false, false, nil, false)
		return &If{Sp: p.sp(start), Test: x, Header: true}
	}
	if name != "else" && !strings.HasPrefix(name, "end") {
		p.fail(start, "Encountered unknown tag '%s'.", name)
	}
	for p.cur.kind != tBlockEnd && p.cur.kind != tEOF {
		p.next()
	}
	return nil
}

func (p *parser) failUnknownTag(name string, pos Pos) {
	msg := fmt.Sprintf("Encountered unknown tag '%s'.", name)
	if n := len(p.endTags); n > 0 {
		want := make([]string, len(p.endTags[n-1]))
		for i, t := range p.endTags[n-1] {
			want[i] = "'" + t + "'"
		}
		msg += " Jinja was looking for the following tags: " + strings.Join(want, " or ") + "."
	}
	p.fail(pos, "%s", msg)
}

func (p *parser) ref(kind string, x Expr, pos Pos) {
	name := ""
	if c, ok := x.(*Const); ok && c.Kind == ConstString {
		name = c.Str
	}
	p.refs = append(p.refs, Ref{Kind: kind, Name: name, Pos: pos})
}

func (p *parser) parseFor() Stmt {
	start := p.next().pos
	target := p.parseAssignTarget(true, false, []string{"in"}, false)
	p.expectName("in")
	iter := p.parseTuple(false, false, []string{"recursive"}, false)
	var filter Expr
	if p.skipName("if") {
		filter = p.parseExpression(true)
	}
	rec := p.skipName("recursive")
	if p.flat {
		p.skipOp(":")
		return &For{Sp: p.sp(start), Target: target, Iter: iter, Filter: filter, Recursive: rec, Header: true}
	}
	body := p.parseStatements([]string{"endfor", "else"}, false)
	var els []Stmt
	if p.next().val != "endfor" {
		els = p.parseStatements([]string{"endfor"}, true)
	}
	return &For{Sp: p.sp(start), Target: target, Iter: iter, Filter: filter, Recursive: rec, Body: body, Else: els}
}

func (p *parser) parseIf() Stmt {
	start := p.next().pos
	test := p.parseTuple(false, false, nil, false)
	if p.flat {
		p.skipOp(":")
		return &If{Sp: p.sp(start), Test: test, Header: true}
	}
	// Each elif becomes an If alone in the else branch of the previous one.
	root := &If{Test: test}
	node, chain, starts := root, []*If{root}, []Pos{start}
	n := 0
	defer func() { p.depth -= n }()
	for {
		node.Body = p.parseStatements([]string{"elif", "else", "endif"}, false)
		tok := p.next()
		if tok.val == "elif" {
			p.enter()
			n++
			elif := &If{Test: p.parseTuple(false, false, nil, false)}
			node.Else = []Stmt{elif}
			node = elif
			chain, starts = append(chain, elif), append(starts, tok.pos)
			continue
		}
		if tok.val == "else" {
			node.Else = p.parseStatements([]string{"endif"}, true)
		}
		break
	}
	for i, n := range chain {
		n.Sp = p.sp(starts[i])
	}
	return root
}

func (p *parser) parseBlock() Stmt {
	start := p.next().pos
	name := p.expectKind(tName).val
	scoped := p.skipName("scoped")
	required := p.skipName("required")
	if p.isOp("-") {
		p.fail(p.cur.pos, "Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.")
	}
	p.refs = append(p.refs, Ref{Kind: "block", Name: name, Pos: start})
	body, hdr := p.body([]string{"endblock"}, true)
	if !hdr {
		p.skipName(name)
	}
	return &Block{Sp: p.sp(start), Name: name, Scoped: scoped, Required: required, Body: body, Header: hdr}
}

// parseContext parses an optional "with context" / "without context".
func (p *parser) parseContext(def bool) bool {
	if (p.isName("with") || p.isName("without")) && isNameTok(p.look(), "context") {
		with := p.next().val == "with"
		p.next()
		return with
	}
	return def
}

func (p *parser) parseInclude() Stmt {
	start := p.next().pos
	x := p.parseExpression(true)
	p.ref("include", x, start)
	n := &Include{Template: x}
	if p.isName("ignore") && isNameTok(p.look(), "missing") {
		p.next()
		p.next()
		n.IgnoreMissing = true
	}
	n.WithContext = p.parseContext(true)
	n.Sp = p.sp(start)
	return n
}

func (p *parser) parseImport() Stmt {
	start := p.next().pos
	x := p.parseExpression(true)
	p.ref("import", x, start)
	p.expectName("as")
	target := p.expectKind(tName).val
	with := p.parseContext(false)
	return &Import{Sp: p.sp(start), Template: x, Target: target, WithContext: with}
}

func (p *parser) parseFrom() Stmt {
	start := p.next().pos
	x := p.parseExpression(true)
	p.ref("from", x, start)
	p.expectName("import")
	n := &FromImport{Template: x}
	ctx, hasCtx := false, false
	parseCtx := func() bool {
		if (p.isName("with") || p.isName("without")) && isNameTok(p.look(), "context") {
			ctx, hasCtx = p.next().val == "with", true
			p.next()
			return true
		}
		return false
	}
	for {
		if len(n.Names) > 0 {
			p.expectOp(",")
		}
		if p.cur.kind != tName {
			p.expectKind(tName)
		}
		if parseCtx() {
			break
		}
		t := p.next()
		if strings.HasPrefix(t.val, "_") {
			p.fail(t.pos, "names starting with an underline can not be imported")
		}
		in := ImportName{Name: t.val}
		if p.skipName("as") {
			in.Alias = p.expectKind(tName).val
		}
		n.Names = append(n.Names, in)
		if parseCtx() || !p.isOp(",") {
			break
		}
		p.nodes++
	}
	n.WithContext = hasCtx && ctx
	n.Sp = p.sp(start)
	return n
}

func (p *parser) parseSignature() ([]string, []Expr) {
	var params []string
	var defs []Expr
	p.expectOp("(")
	for !p.isOp(")") {
		if len(params) > 0 {
			p.expectOp(",")
		}
		t := p.expectKind(tName)
		if isConstName(t.val) {
			p.fail(t.pos, "can't assign to 'const'")
		}
		if p.skipOp("=") {
			defs = append(defs, p.parseExpression(true))
		} else if len(defs) > 0 {
			p.fail(p.cur.pos, "non-default argument follows default argument")
		}
		params = append(params, t.val)
		p.nodes++
	}
	p.expectOp(")")
	return params, defs
}

func (p *parser) parseMacro() Stmt {
	start := p.next().pos
	t := p.expectKind(tName)
	if isConstName(t.val) {
		p.fail(t.pos, "can't assign to 'const'")
	}
	params, defs := p.parseSignature()
	body, hdr := p.body([]string{"endmacro"}, true)
	return &Macro{Sp: p.sp(start), Name: t.val, Params: params, Defaults: defs, Body: body, Header: hdr}
}

func (p *parser) parseCallBlock() Stmt {
	start := p.next().pos
	var params []string
	var defs []Expr
	if p.isOp("(") {
		params, defs = p.parseSignature()
	}
	x := p.parseExpression(true)
	call, ok := x.(*Call)
	if !ok {
		p.fail(start, "expected call")
	}
	body, hdr := p.body([]string{"endcall"}, true)
	return &CallBlock{Sp: p.sp(start), Params: params, Defaults: defs, Call: call, Body: body, Header: hdr}
}

func (p *parser) parseSet() Stmt {
	start := p.next().pos
	target := p.parseAssignTarget(true, false, nil, true)
	if p.skipOp("=") {
		v := p.parseTuple(false, true, nil, false)
		return &Assign{Sp: p.sp(start), Target: target, Value: v}
	}
	f := p.parseFilter(nil, false)
	body, hdr := p.body([]string{"endset"}, true)
	return &AssignBlock{Sp: p.sp(start), Target: target, Filter: f, Body: body, Header: hdr}
}

func (p *parser) parseWith() Stmt {
	start := p.next().pos
	n := &With{}
	for p.cur.kind != tBlockEnd {
		if len(n.Targets) > 0 {
			p.expectOp(",")
		}
		n.Targets = append(n.Targets, p.parseAssignTarget(true, false, nil, false))
		p.expectOp("=")
		n.Values = append(n.Values, p.parseExpression(true))
	}
	n.Body, n.Header = p.body([]string{"endwith"}, true)
	n.Sp = p.sp(start)
	return n
}

func isConstName(n string) bool {
	switch n {
	case "true", "false", "none", "True", "False", "None":
		return true
	}
	return false
}

// parseAssignTarget parses a for/set/with target: a name, a (nested)
// tuple of names or, with ns, a namespace attribute.
func (p *parser) parseAssignTarget(withTuple, nameOnly bool, extraEnd []string, ns bool) Expr {
	start := p.cur.pos
	var target Expr
	switch {
	case ns && p.look().kind == tOp && p.look().val == ".":
		name := p.expectKind(tName).val
		p.next()
		attr := p.expectKind(tName).val
		target = &NSRef{Sp: p.sp(start), Name: name, Attr: attr}
	case nameOnly:
		t := p.expectKind(tName)
		target = &Name{Sp: p.sp(start), Name: t.val}
	case withTuple:
		target = p.parseTuple(true, true, extraEnd, false)
	default:
		target = p.parsePrimary()
	}
	if !canAssign(target) {
		p.fail(start, "can't assign to %s", nodeKind(target))
	}
	return target
}

func canAssign(x Expr) bool {
	switch x := x.(type) {
	case *Name, *NSRef:
		return true
	case *Tuple:
		for _, it := range x.Items {
			if !canAssign(it) {
				return false
			}
		}
		return true
	}
	return false
}

func nodeKind(x Expr) string {
	s := fmt.Sprintf("%T", x)
	return "'" + strings.ToLower(strings.TrimPrefix(s, "*jinja.")) + "'"
}
