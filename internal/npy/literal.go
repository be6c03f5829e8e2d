package npy

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kind is the Python type of a parsed literal.
type kind uint8

const (
	kStr kind = iota
	kInt
	kBool
	kNone
	kTuple
	kList
	kDict
)

func (k kind) String() string {
	return [...]string{"str", "int", "bool", "None", "tuple", "list", "dict"}[k]
}

// value is a parsed Python literal. Dict items alternate key and value.
type value struct {
	kind  kind
	off   int64 // file offset of the literal
	str   string
	num   int64 // int value, 0 or 1 for a bool
	items []value
}

const (
	maxDepth = 32
	maxNodes = 1 << 18
)

// parser reads the subset of Python literals numpy writes: dict, tuple,
// list, str (optionally u-prefixed, implicitly concatenated), decimal int
// with one optional sign, True, False, None, and comments.
type parser struct {
	b      []byte
	pos    int
	base   int64 // file offset of b[0]
	legacy bool  // format 1.0/2.0: latin-1 text, Python 2 "3L" longs
	nodes  int
}

func parseLiteral(b []byte, base int64, legacy bool) (value, error) {
	p := &parser{b: b, base: base, legacy: legacy}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return value{}, p.errf(i, "NUL byte")
	}
	v, err := p.value(0)
	if err != nil {
		return v, err
	}
	if p.skip(); p.pos < len(b) {
		return v, p.errf(p.pos, "unexpected %q after literal", b[p.pos])
	}
	return v, nil
}

func (p *parser) errf(pos int, format string, args ...any) error {
	return errAt(p.base+int64(pos), format, args...)
}

// skip skips whitespace and comments.
func (p *parser) skip() {
	for p.pos < len(p.b) {
		switch c := p.b[p.pos]; {
		case c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == '\r':
			p.pos++
		case c == '#':
			for p.pos < len(p.b) && p.b[p.pos] != '\n' && p.b[p.pos] != '\r' {
				p.pos++
			}
		default:
			return
		}
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isIdent(c byte) bool {
	return c == '_' || isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'z'
}

func (p *parser) atString() bool {
	i := p.pos
	if i < len(p.b) && (p.b[i] == 'u' || p.b[i] == 'U') {
		i++
	}
	return i < len(p.b) && (p.b[i] == '\'' || p.b[i] == '"')
}

func (p *parser) value(depth int) (value, error) {
	if depth > maxDepth {
		return value{}, p.errf(p.pos, "literal nested deeper than %d", maxDepth)
	}
	if p.nodes++; p.nodes > maxNodes {
		return value{}, p.errf(p.pos, "more than %d literals", maxNodes)
	}
	p.skip()
	v := value{off: p.base + int64(p.pos)}
	if p.pos >= len(p.b) {
		return v, p.errf(p.pos, "unexpected end of header")
	}
	switch c := p.b[p.pos]; {
	case c == '{':
		v.kind = kDict
		return p.seq(v, '}', depth)
	case c == '[':
		v.kind = kList
		return p.seq(v, ']', depth)
	case c == '(':
		v.kind = kTuple
		return p.seq(v, ')', depth)
	case p.atString():
		v.kind = kStr
		var s []byte
		for p.atString() { // 'a' 'b' is 'ab'
			var err error
			if s, err = p.str(s); err != nil {
				return v, err
			}
			p.skip()
		}
		v.str = string(s)
		return v, nil
	case c == '-' || c == '+' || isDigit(c):
		return p.int(v)
	case isIdent(c):
		start := p.pos
		for p.pos < len(p.b) && isIdent(p.b[p.pos]) {
			p.pos++
		}
		switch w := string(p.b[start:p.pos]); w {
		case "True", "False":
			v.kind = kBool
			if w == "True" {
				v.num = 1
			}
		case "None":
			v.kind = kNone
		default:
			return v, p.errf(start, "unsupported name %q", w)
		}
		return v, nil
	}
	return v, p.errf(p.pos, "unexpected %q", p.b[p.pos])
}

// seq parses the items of a dict, list or tuple; p.pos is at the opening bracket.
func (p *parser) seq(v value, closer byte, depth int) (value, error) {
	open := p.pos
	p.pos++
	comma := false
	for {
		if p.skip(); p.pos < len(p.b) && p.b[p.pos] == closer {
			p.pos++
			break
		}
		item, err := p.value(depth + 1)
		if err != nil {
			return v, err
		}
		v.items = append(v.items, item)
		if v.kind == kDict {
			if p.skip(); p.pos >= len(p.b) || p.b[p.pos] != ':' {
				return v, p.errf(p.pos, "expected ':' in dict")
			}
			p.pos++
			if item, err = p.value(depth + 1); err != nil {
				return v, err
			}
			v.items = append(v.items, item)
		}
		if p.skip(); p.pos >= len(p.b) {
			return v, p.errf(open, "unterminated %s", v.kind)
		}
		if c := p.b[p.pos]; c == closer {
			p.pos++
			break
		} else if c != ',' {
			return v, p.errf(p.pos, "expected ',' or %q in %s, found %q", closer, v.kind, c)
		}
		p.pos++
		comma = true
	}
	if v.kind == kTuple && len(v.items) == 1 && !comma {
		return v.items[0], nil // (x) is just x
	}
	return v, nil
}

// str appends the decoded string literal at p.pos to dst.
func (p *parser) str(dst []byte) ([]byte, error) {
	if c := p.b[p.pos]; c == 'u' || c == 'U' {
		p.pos++
	}
	start, q := p.pos, p.b[p.pos]
	p.pos++
	if p.pos+1 < len(p.b) && p.b[p.pos] == q && p.b[p.pos+1] == q {
		return dst, p.errf(start, "triple-quoted strings are not supported")
	}
	for {
		if p.pos >= len(p.b) || p.b[p.pos] == '\n' || p.b[p.pos] == '\r' {
			return dst, p.errf(start, "unterminated string")
		}
		c := p.b[p.pos]
		p.pos++
		switch {
		case c == q:
			return dst, nil
		case c == '\\':
			var err error
			if dst, err = p.escape(dst); err != nil {
				return dst, err
			}
		case c >= 0x80 && p.legacy: // latin-1
			dst = utf8.AppendRune(dst, rune(c))
		default:
			dst = append(dst, c)
		}
	}
}

// escape decodes the escape sequence after a backslash.
func (p *parser) escape(dst []byte) ([]byte, error) {
	at := p.pos - 1
	if p.pos >= len(p.b) {
		return dst, p.errf(at, "unterminated string")
	}
	e := p.b[p.pos]
	p.pos++
	if i := strings.IndexByte("\\'\"abfnrtv", e); i >= 0 {
		return append(dst, "\\'\"\a\b\f\n\r\t\v"[i]), nil
	}
	digits, base := 0, 16
	switch e {
	case '\n': // line continuation
		return dst, nil
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	case 'N':
		return dst, p.errf(at, "named escapes are not supported")
	case '0', '1', '2', '3', '4', '5', '6', '7':
		p.pos--
		digits, base = 1, 8
		for digits < 3 && p.pos+digits < len(p.b) && '0' <= p.b[p.pos+digits] && p.b[p.pos+digits] <= '7' {
			digits++
		}
	default: // Python keeps unknown escapes as they are
		p.pos--
		return append(dst, '\\'), nil
	}
	if p.pos+digits > len(p.b) {
		return dst, p.errf(at, "truncated escape")
	}
	n, err := strconv.ParseUint(string(p.b[p.pos:p.pos+digits]), base, 32)
	if err != nil || n > utf8.MaxRune {
		return dst, p.errf(at, "bad escape")
	}
	p.pos += digits
	return utf8.AppendRune(dst, rune(n)), nil
}

// int parses a decimal int with an optional sign (and, for format 1.0/2.0,
// the Python 2 long suffix numpy's _filter_header drops).
func (p *parser) int(v value) (value, error) {
	neg := false
	if c := p.b[p.pos]; c == '-' || c == '+' {
		neg = c == '-'
		p.pos++
		p.skip()
	}
	start := p.pos
	for p.pos < len(p.b) && isDigit(p.b[p.pos]) {
		p.pos++
	}
	digits := string(p.b[start:p.pos])
	if p.legacy && digits != "" && p.pos < len(p.b) && p.b[p.pos] == 'L' {
		p.pos++
	}
	if digits == "" || p.pos < len(p.b) && (isIdent(p.b[p.pos]) || p.b[p.pos] == '.') {
		return v, p.errf(start, "unsupported number")
	}
	if len(digits) > 1 && digits[0] == '0' && strings.Trim(digits, "0") != "" {
		return v, p.errf(start, "leading zeros in number")
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return v, p.errf(start, "integer out of range")
	}
	if neg {
		n = -n
	}
	v.kind, v.num = kInt, n
	return v, nil
}
