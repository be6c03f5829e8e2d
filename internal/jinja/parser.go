package jinja

import (
	"fmt"
	"slices"
	"strings"
)

// parser is a recursive-descent parser mirroring jinja2.parser. Errors
// panic with *Error and are recovered in Parse.
type parser struct {
	lx      *lexer
	cur     token
	peeked  []token
	lastEnd int // end offset of the last consumed token
	depth   int
	nodes   int
	lim     Limits
	flat    bool // recovery mode: tags are parsed one by one, bodies are not nested
	refs    []Ref
	errs    []*Error // recovery mode: errors skipped over
	endTags [][]string
	salv    []salvName // recovery mode: names seen in the current tag
	prev    [2]token
}

// salvName is an attribute name seen in the tokens of a tag that did not
// parse (recovery mode).
type salvName struct {
	name, how string
	pos       Pos
}

// salvaged is what recovery keeps of a tag that did not parse: the
// suspicious attribute names among its tokens.
type salvaged struct {
	Sp
	names []salvName
}

func (*salvaged) stmt() {}

const maxSalvage = 64

// feed watches consumed tokens in recovery mode for ".name", "['name']",
// attr('name') and attribute='name'.
func (p *parser) feed(t token) {
	p1, p2 := p.prev[1], p.prev[0]
	p.prev[0], p.prev[1] = p.prev[1], t
	if len(p.salv) >= maxSalvage {
		return
	}
	var how string
	switch {
	case t.kind == tName && p1.kind == tOp && p1.val == ".":
		how = "attribute"
	case t.kind == tString && p1.kind == tOp && p1.val == "[":
		how = "subscript"
	case t.kind == tString && p1.kind == tOp && p1.val == "(" && isNameTok(p2, "attr"):
		how = "|attr()"
	case t.kind == tString && p1.kind == tOp && p1.val == "=" && isNameTok(p2, "attribute"):
		how = "attribute="
	default:
		return
	}
	if classify(t.val, false) != 0 {
		p.salv = append(p.salv, salvName{name: t.val, how: how, pos: t.pos})
	}
}

// Parse parses a template. The error is an *Error with line and column.
func Parse(src string, lim Limits) (*Template, error) {
	lim = lim.norm()
	if len(src) > lim.MaxBytes {
		return nil, &Error{Line: 1, Col: 1, Limit: "max_bytes",
			Msg: fmt.Sprintf("template is %d bytes, more than the limit of %d", len(src), lim.MaxBytes)}
	}
	p := newParser(src, lim, false)
	var body []Stmt
	if err := p.guard(func() { p.cur = p.lx.next(); body = p.subparse(nil) }); err != nil {
		return nil, err
	}
	return &Template{Body: body, Refs: p.refs, Nodes: p.nodes}, nil
}

// parseFlat parses a template that failed to parse, tag by tag: block
// statements keep only their header and their bodies follow them at the
// top level; a tag with an error is skipped. It never fails.
func parseFlat(src string, lim Limits) (*Template, []*Error) {
	p := newParser(src, lim.norm(), true)
	var body []Stmt
	if err := p.guard(func() { p.cur = p.lx.next(); body = p.subparse(nil) }); err != nil {
		p.errs = append(p.errs, err)
	}
	return &Template{Body: body, Refs: p.refs, Nodes: p.nodes}, p.errs
}

func newParser(src string, lim Limits, flat bool) *parser {
	return &parser{lx: newLexer(src, flat), lim: lim, flat: flat}
}

// guard runs f and turns a panicking *Error into a return value.
func (p *parser) guard(f func()) (err *Error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	f()
	return nil
}

func (p *parser) fail(pos Pos, format string, args ...any) {
	panic(errAt(pos, format, args...))
}

func (p *parser) failLimit(limit, format string, args ...any) {
	e := errAt(p.cur.pos, format, args...)
	e.Limit = limit
	panic(e)
}

// next consumes the current token and returns it.
func (p *parser) next() token {
	t := p.cur
	p.lastEnd = t.end
	if p.flat {
		p.feed(t)
	}
	if len(p.peeked) > 0 {
		p.cur = p.peeked[0]
		p.peeked = p.peeked[1:]
	} else if t.kind != tEOF {
		p.cur = p.lx.next()
	}
	return t
}

func (p *parser) look() token {
	if len(p.peeked) == 0 {
		if p.cur.kind == tEOF {
			return p.cur
		}
		p.peeked = append(p.peeked, p.lx.next())
	}
	return p.peeked[0]
}

func (p *parser) isOp(op string) bool  { return p.cur.kind == tOp && p.cur.val == op }
func (p *parser) isName(n string) bool { return p.cur.kind == tName && p.cur.val == n }
func isNameTok(t token, n string) bool { return t.kind == tName && t.val == n }
func (p *parser) isNameIn(ns []string) bool {
	return p.cur.kind == tName && slices.Contains(ns, p.cur.val)
}

func (p *parser) skipOp(op string) bool {
	if p.isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) skipName(n string) bool {
	if p.isName(n) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectOp(op string) token {
	if !p.isOp(op) {
		p.unexpected("'" + op + "'")
	}
	return p.next()
}

func (p *parser) expectKind(k tokKind) token {
	if p.cur.kind != k {
		p.unexpected(tokNames[k])
	}
	return p.next()
}

func (p *parser) expectName(n string) token {
	if !p.isName(n) {
		p.unexpected("'" + n + "'")
	}
	return p.next()
}

func (p *parser) unexpected(want string) {
	if p.cur.kind == tEOF {
		p.fail(p.cur.pos, "unexpected end of template, expected %s", want)
	}
	p.fail(p.cur.pos, "expected %s, got '%s'", want, p.cur.describe())
}

func (p *parser) enter() {
	p.depth++
	if p.depth > p.lim.MaxDepth {
		p.failLimit("max_depth", "nesting deeper than the limit of %d", p.lim.MaxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// sp counts a new node and returns its span from start to the last
// consumed token.
func (p *parser) sp(start Pos) Sp {
	p.nodes++
	if p.nodes > p.lim.MaxNodes {
		p.failLimit("max_nodes", "more syntax tree nodes than the limit of %d", p.lim.MaxNodes)
	}
	end := p.lastEnd
	if end < start.Off {
		end = start.Off
	}
	return Sp{Span{Pos: start, End: end}}
}

// subparse parses template data, prints and statements until one of
// endTags starts a tag (the current token is then that name) or the end.
func (p *parser) subparse(endTags []string) []Stmt {
	var body []Stmt
	if endTags != nil {
		p.endTags = append(p.endTags, endTags)
		defer func() { p.endTags = p.endTags[:len(p.endTags)-1] }()
	}
	for {
		switch p.cur.kind {
		case tEOF:
			return body
		case tData:
			t := p.next()
			body = append(body, &Data{Sp: p.sp(t.pos), Text: t.val, Trimmed: t.alt})
		case tVarBegin:
			start := p.next().pos
			if p.flat {
				if st := p.recoverTag(start, func() Stmt { return p.printTag(start) }); st != nil {
					body = append(body, st)
				}
				continue
			}
			body = append(body, p.printTag(start))
		case tBlockBegin:
			start := p.next().pos
			if endTags != nil && p.isNameIn(endTags) {
				return body
			}
			if p.flat {
				if st := p.recoverTag(start, func() Stmt { return p.blockTag() }); st != nil {
					body = append(body, st)
				}
				continue
			}
			body = append(body, p.blockTag())
		default:
			p.fail(p.cur.pos, "unexpected '%s'", p.cur.describe())
		}
	}
}

func (p *parser) printTag(start Pos) Stmt {
	x := p.parseTuple(false, true, nil, false)
	p.expectKind(tVarEnd)
	return &Output{Sp: p.sp(start), Exprs: []Expr{x}}
}

func (p *parser) blockTag() Stmt {
	st := p.parseStatement()
	p.expectKind(tBlockEnd)
	return st
}

// recoverTag runs one tag's parser in recovery mode; on an error it skips
// the rest of the tag and returns nil.
func (p *parser) recoverTag(start Pos, f func() Stmt) (st Stmt) {
	depth := p.depth
	p.salv = p.salv[:0]
	err := p.guard(func() { st = f() })
	if err == nil {
		return st
	}
	p.depth = depth
	p.errs = append(p.errs, err)
	if err.Limit == "max_nodes" {
		panic(err)
	}
	for p.cur.kind != tEOF && p.cur.kind != tData && p.cur.kind != tVarBegin && p.cur.kind != tBlockBegin {
		k := p.next().kind
		if k == tVarEnd || k == tBlockEnd {
			break
		}
	}
	if len(p.salv) > 0 {
		p.nodes++
		return &salvaged{Sp: Sp{Span{Pos: start, End: p.lastEnd}}, names: append([]salvName(nil), p.salv...)}
	}
	return nil
}

// parseStatements parses a statement body up to one of endTags; with drop
// the end tag name is consumed.
func (p *parser) parseStatements(endTags []string, drop bool) []Stmt {
	p.skipOp(":")
	p.expectKind(tBlockEnd)
	body := p.subparse(endTags)
	if p.cur.kind == tEOF {
		p.failEOF(endTags)
	}
	if drop {
		p.next()
	}
	return body
}

func (p *parser) failEOF(endTags []string) {
	want := make([]string, len(endTags))
	for i, t := range endTags {
		want[i] = "'" + t + "'"
	}
	p.fail(p.cur.pos, "unexpected end of template; Jinja was looking for the following tags: %s", strings.Join(want, " or "))
}

// body parses a block body, or nothing in recovery mode (the body follows
// at the top level); it reports whether only the header was parsed.
func (p *parser) body(endTags []string, drop bool) ([]Stmt, bool) {
	if p.flat {
		p.skipOp(":")
		return nil, true
	}
	return p.parseStatements(endTags, drop), false
}
