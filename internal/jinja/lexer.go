package jinja

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tData
	tVarBegin
	tVarEnd
	tBlockBegin
	tBlockEnd
	tName
	tString
	tInt
	tFloat
	tOp
	tBad // recovery mode: a character no rule accepts
)

var tokNames = [...]string{"end of template", "template data", "begin of print statement", "end of print statement",
	"begin of statement block", "end of statement block", "name", "string", "integer", "float", "operator", "bad character"}

type token struct {
	kind tokKind
	val  string // name, operator, decoded string, number source, data text
	alt  string // data: the trim_blocks/lstrip_blocks variant
	pos  Pos
	end  int
	i    int64 // tInt value
	big  bool  // tInt does not fit in int64
	f    float64
}

func (t token) describe() string {
	switch t.kind {
	case tName, tOp:
		return t.val
	case tString:
		return "string " + strconv.Quote(t.val)
	case tInt, tFloat:
		return t.val
	}
	return tokNames[t.kind]
}

// cursor turns byte offsets into lines and columns; offsets are asked for
// in increasing order, so the cost is linear.
type cursor struct {
	src            string
	off, line, col int
}

func (c *cursor) at(off int) Pos {
	if off < c.off {
		c.off, c.line, c.col = 0, 1, 1
	}
	for c.off < off && c.off < len(c.src) {
		r, n := utf8.DecodeRuneInString(c.src[c.off:])
		if r == '\n' || (r == '\r' && (c.off+1 >= len(c.src) || c.src[c.off+1] != '\n')) {
			c.line++
			c.col = 1
		} else {
			c.col++
		}
		c.off += n
	}
	return Pos{Off: off, Line: c.line, Col: c.col}
}

type lexState uint8

const (
	stRoot lexState = iota
	stBlock
	stVar
)

// lexer produces Jinja tokens on demand. In strict mode an error panics
// with *Error (recovered by the parser); in tolerant mode (recovery
// parsing) bad input becomes tBad tokens and unterminated comments or raw
// blocks run to the end.
type lexer struct {
	src      string
	pos      int
	state    lexState
	balance  []byte
	tolerant bool
	cur      cursor
	trimNext bool // the last tag end lets trim_blocks drop one newline
	queue    []token
}

func newLexer(src string, tolerant bool) *lexer {
	return &lexer{src: src, tolerant: tolerant, cur: cursor{src: src, line: 1, col: 1}}
}

func (l *lexer) fail(off int, format string, args ...any) {
	panic(errAt(l.cur.at(off), format, args...))
}

// next returns the next token; tEOF repeats at the end.
func (l *lexer) next() token {
	for len(l.queue) == 0 {
		if l.state == stRoot {
			l.lexRoot()
		} else {
			l.lexTag()
		}
	}
	t := l.queue[0]
	l.queue = l.queue[1:]
	return t
}

func (l *lexer) emit(t token) { l.queue = append(l.queue, t) }

// effectiveEnd is the length of the source without its final line break:
// Jinja joins source.splitlines() with "\n", which drops it.
func (l *lexer) effectiveEnd() int {
	s := l.src
	if strings.HasSuffix(s, "\r\n") {
		return len(s) - 2
	}
	r, n := utf8.DecodeLastRuneInString(s)
	switch r {
	case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
		return len(s) - n
	}
	return len(s)
}

// findTag returns the index of the next "{{", "{%" or "{#" at or after i.
func findTag(s string, i int) int {
	for {
		k := strings.IndexByte(s[i:], '{')
		if k < 0 || i+k+1 >= len(s) {
			return -1
		}
		i += k
		if c := s[i+1]; c == '{' || c == '%' || c == '#' {
			return i
		}
		i++
	}
}

const (
	tagVar = iota
	tagBlock
	tagComment
	tagRaw
	tagNone
)

func (l *lexer) emitData(start int, text string, sign byte, tag int) {
	def, alt := text, text
	if l.trimNext {
		if strings.HasPrefix(alt, "\r\n") {
			alt = alt[2:]
		} else if strings.HasPrefix(alt, "\n") || strings.HasPrefix(alt, "\r") {
			alt = alt[1:]
		}
	}
	l.trimNext = false
	if sign == '-' {
		def, alt = pyRStrip(def), pyRStrip(alt)
	} else if sign != '+' && tag != tagVar && tag != tagNone {
		// lstrip_blocks: spaces and tabs between the last newline and the
		// tag go away.
		lp := strings.LastIndexAny(alt, "\r\n") + 1
		if strings.Trim(alt[lp:], " \t") == "" {
			alt = alt[:lp]
		}
	}
	if def != "" || alt != "" {
		l.emit(token{kind: tData, val: normalizeNewlines(def), alt: normalizeNewlines(alt), pos: l.cur.at(start), end: start + len(text)})
	}
}

func (l *lexer) skipSpace(i int) int {
	for i < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[i:])
		if !isPySpace(r) {
			break
		}
		i += n
	}
	return i
}

// rawBegin matches {%[-+]?\s*raw\s*(-%}\s*|%}) at i; it returns the end of
// the tag and whether the tag strips trailing whitespace.
func (l *lexer) rawBegin(i int) (int, bool) {
	j := i + 2
	if j < len(l.src) && (l.src[j] == '-' || l.src[j] == '+') {
		j++
	}
	j = l.skipSpace(j)
	if !strings.HasPrefix(l.src[j:], "raw") {
		return 0, false
	}
	j = l.skipSpace(j + 3)
	switch {
	case strings.HasPrefix(l.src[j:], "-%}"):
		return l.skipSpace(j + 3), true
	case strings.HasPrefix(l.src[j:], "%}"):
		return j + 2, true
	}
	return 0, false
}

// rawEnd finds {%[-+]?\s*endraw\s*(-%}\s*|%}) from i: the start of the
// tag, its sign, the end of the tag and whether it was found; dash tells
// that the tag ate the whitespace after it.
func (l *lexer) rawEnd(i int) (start int, sign byte, end int, dash bool, ok bool) {
	for {
		k := strings.Index(l.src[i:], "{%")
		if k < 0 {
			return 0, 0, 0, false, false
		}
		start = i + k
		j := start + 2
		sign = 0
		if j < len(l.src) && (l.src[j] == '-' || l.src[j] == '+') {
			sign = l.src[j]
			j++
		}
		j = l.skipSpace(j)
		if strings.HasPrefix(l.src[j:], "endraw") {
			j = l.skipSpace(j + 6)
			switch {
			case strings.HasPrefix(l.src[j:], "-%}"):
				return start, sign, l.skipSpace(j + 3), true, true
			case strings.HasPrefix(l.src[j:], "%}"):
				return start, sign, j + 2, false, true
			}
		}
		i = start + 2
	}
}

func (l *lexer) lexRoot() {
	if l.pos >= len(l.src) {
		l.emit(token{kind: tEOF, pos: l.cur.at(len(l.src)), end: len(l.src)})
		return
	}
	i := findTag(l.src, l.pos)
	if i < 0 {
		l.emitData(l.pos, l.src[l.pos:], 0, tagNone)
		l.pos = len(l.src)
		return
	}
	text := l.src[l.pos:i]
	var sign byte
	if i+2 < len(l.src) && (l.src[i+2] == '-' || l.src[i+2] == '+') {
		sign = l.src[i+2]
	}
	after := i + 2
	if sign != 0 {
		after++
	}
	switch l.src[i+1] {
	case '#':
		l.emitData(l.pos, text, sign, tagComment)
		k := strings.Index(l.src[after:], "#}")
		if k < 0 {
			// Jinja's failure rule needs one more character: an open
			// comment at the very end is accepted.
			if !l.tolerant && after < l.effectiveEnd() {
				l.fail(i, "Missing end of comment tag")
			}
			l.pos = len(l.src)
			return
		}
		end := after + k + 2
		if k > 0 && l.src[after+k-1] == '-' {
			end = l.skipSpace(end)
		} else {
			l.trimNext = true
		}
		l.pos = end
	case '%':
		if end, ok := l.rawBegin(i); ok {
			l.emitData(l.pos, text, sign, tagRaw)
			start, esign, rend, dash, found := l.rawEnd(end)
			if !found {
				if !l.tolerant && end < l.effectiveEnd() {
					l.fail(i, "Missing end of raw directive")
				}
				if l.tolerant {
					l.emitData(end, l.src[end:], 0, tagNone)
				}
				l.pos = len(l.src)
				return
			}
			l.emitData(end, l.src[end:start], esign, tagRaw)
			l.trimNext = !dash
			l.pos = rend
			return
		}
		l.emitData(l.pos, text, sign, tagBlock)
		l.emit(token{kind: tBlockBegin, pos: l.cur.at(i), end: after})
		l.pos, l.state = after, stBlock
	default:
		l.emitData(l.pos, text, sign, tagVar)
		l.emit(token{kind: tVarBegin, pos: l.cur.at(i), end: after})
		l.pos, l.state = after, stVar
	}
}

var operators2 = []string{"**", "//", "==", "!=", ">=", "<="}

const operators1 = "+-/*%~[](){}><=.:|,;"

func (l *lexer) lexTag() {
	s, i := l.src, l.pos
	if len(l.balance) == 0 {
		end, kind := -1, tBlockEnd
		if l.state == stBlock {
			switch {
			case strings.HasPrefix(s[i:], "-%}"):
				end = l.skipSpace(i + 3)
			case strings.HasPrefix(s[i:], "+%}"):
				end = i + 3
			case strings.HasPrefix(s[i:], "%}"):
				end = i + 2
				l.trimNext = true
			}
		} else {
			kind = tVarEnd
			switch {
			case strings.HasPrefix(s[i:], "-}}"):
				end = l.skipSpace(i + 3)
			case strings.HasPrefix(s[i:], "}}"):
				end = i + 2
			}
		}
		if end >= 0 {
			l.emit(token{kind: kind, pos: l.cur.at(i), end: end})
			l.pos, l.state = end, stRoot
			return
		}
	}
	if j := l.skipSpace(i); j > i {
		l.pos = j
		return
	}
	if i >= len(s) {
		l.emit(token{kind: tEOF, pos: l.cur.at(i), end: i})
		return
	}
	if j := matchFloat(s, i); j > i {
		t := token{kind: tFloat, val: s[i:j], pos: l.cur.at(i), end: j}
		t.f, _ = strconv.ParseFloat(strings.ReplaceAll(s[i:j], "_", ""), 64) // overflow gives ±Inf, as Python does
		l.emit(t)
		l.pos = j
		return
	}
	if j := matchInt(s, i); j > i {
		t := token{kind: tInt, val: s[i:j], pos: l.cur.at(i), end: j}
		t.i, t.big = parseInt(s[i:j])
		l.emit(t)
		l.pos = j
		return
	}
	if j := matchName(s, i); j > i {
		l.emit(token{kind: tName, val: s[i:j], pos: l.cur.at(i), end: j})
		l.pos = j
		return
	}
	if c := s[i]; c == '\'' || c == '"' {
		if j := matchString(s, i); j > i {
			v, err := decodeString(s[i+1 : j-1])
			if err != nil {
				if !l.tolerant {
					l.fail(i, "%s", err.Error())
				}
				v = s[i+1 : j-1]
			}
			l.emit(token{kind: tString, val: v, pos: l.cur.at(i), end: j})
			l.pos = j
			return
		}
	}
	op := ""
	for _, o := range operators2 {
		if strings.HasPrefix(s[i:], o) {
			op = o
			break
		}
	}
	if op == "" && strings.IndexByte(operators1, s[i]) >= 0 {
		op = s[i : i+1]
	}
	if op == "" {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !l.tolerant {
			l.fail(i, "unexpected char %q", r)
		}
		l.emit(token{kind: tBad, val: s[i : i+n], pos: l.cur.at(i), end: i + n})
		l.pos = i + n
		return
	}
	switch op {
	case "{":
		l.balance = append(l.balance, '}')
	case "(":
		l.balance = append(l.balance, ')')
	case "[":
		l.balance = append(l.balance, ']')
	case "}", ")", "]":
		if len(l.balance) == 0 {
			if !l.tolerant {
				l.fail(i, "unexpected '%s'", op)
			}
		} else {
			want := l.balance[len(l.balance)-1]
			l.balance = l.balance[:len(l.balance)-1]
			if want != op[0] && !l.tolerant {
				l.fail(i, "unexpected '%s', expected '%c'", op, want)
			}
		}
	}
	l.emit(token{kind: tOp, val: op, pos: l.cur.at(i), end: i + len(op)})
	l.pos = i + len(op)
}
