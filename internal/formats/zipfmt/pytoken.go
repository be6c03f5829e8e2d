package zipfmt

// A small Python tokenizer for the static scans of TorchScript and
// torch.package source. It only needs what those scans look at: names
// (NFKC-normalised, as Python reads identifiers), strings (body and prefix),
// numbers, operators, logical line ends and line numbers. It never fails
// and never executes anything: malformed input ends the current token and
// the scan moves on.

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

type tokKind uint8

const (
	tName tokKind = iota + 1
	tNumber
	tString
	tOp
	tNewline // end of a logical line (outside brackets) or ';'
)

// pyToken is one token. For strings text is the body between the quotes,
// escapes not decoded, and prefix the lower-cased string prefix.
type pyToken struct {
	kind   tokKind
	text   string
	prefix string
	line   int
}

// maxFStringDepth bounds f-strings nested inside f-string expressions.
const maxFStringDepth = 8

var ops3 = []string{"**=", "//=", ">>=", "<<=", "..."}
var ops2 = []string{"**", "//", "<<", ">>", "<=", ">=", "==", "!=", "->", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@="}

type lexer struct {
	src   string
	i     int
	line  int
	depth int // bracket nesting
	out   []pyToken
	extra []pyToken // tokens of f-string expressions, appended at the end
	level int       // f-string nesting of this lexer
}

// tokenizePy splits Python source into tokens.
func tokenizePy(src string) []pyToken {
	lx := &lexer{src: src, line: 1, out: make([]pyToken, 0, len(src)/4+8)}
	lx.run()
	return append(lx.out, lx.extra...)
}

func (lx *lexer) emit(k tokKind, text, prefix string) {
	lx.out = append(lx.out, pyToken{kind: k, text: text, prefix: prefix, line: lx.line})
}

func (lx *lexer) newline() {
	if lx.depth == 0 && len(lx.out) > 0 && lx.out[len(lx.out)-1].kind != tNewline {
		lx.emit(tNewline, "", "")
	}
}

func (lx *lexer) run() {
	s := lx.src
	for lx.i < len(s) {
		c := s[lx.i]
		switch {
		case c == '\n' || c == '\r':
			lx.newline()
			if c == '\r' && lx.i+1 < len(s) && s[lx.i+1] == '\n' {
				lx.i++
			}
			lx.i++
			lx.line++
		case c == ' ' || c == '\t' || c == '\f':
			lx.i++
		case c == '\\':
			// line continuation (or a stray backslash)
			lx.i++
			if lx.i < len(s) && (s[lx.i] == '\n' || s[lx.i] == '\r') {
				if s[lx.i] == '\r' && lx.i+1 < len(s) && s[lx.i+1] == '\n' {
					lx.i++
				}
				lx.i++
				lx.line++
			}
		case c == '#':
			for lx.i < len(s) && s[lx.i] != '\n' && s[lx.i] != '\r' {
				lx.i++
			}
		case c == '"' || c == '\'':
			lx.str("")
		case c >= '0' && c <= '9' || c == '.' && lx.i+1 < len(s) && s[lx.i+1] >= '0' && s[lx.i+1] <= '9':
			lx.number()
		case isNameStart(s, lx.i):
			lx.name()
		default:
			lx.op()
		}
	}
}

func isNameStart(s string, i int) bool {
	c := s[i]
	if c < utf8.RuneSelf {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_ID_Start, r))
}

func isNameRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Nl, unicode.Other_ID_Start, unicode.Other_ID_Continue)
}

func (lx *lexer) name() {
	s, start, ascii := lx.src, lx.i, true
	for lx.i < len(s) {
		if c := s[lx.i]; c < utf8.RuneSelf {
			if c != '_' && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				break
			}
			lx.i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[lx.i:])
		if r == utf8.RuneError || !isNameRune(r) {
			break
		}
		ascii = false
		lx.i += n
	}
	word := s[start:lx.i]
	if lx.i < len(s) && (s[lx.i] == '"' || s[lx.i] == '\'') && len(word) <= 2 && isStringPrefix(strings.ToLower(word)) {
		lx.str(strings.ToLower(word))
		return
	}
	if !ascii {
		word = norm.NFKC.String(word) // Python reads identifiers in NFKC
	}
	lx.emit(tName, word, "")
}

func isStringPrefix(p string) bool {
	switch p {
	case "r", "u", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt":
		return true
	}
	return false
}

func (lx *lexer) number() {
	s, start := lx.src, lx.i
	hex := strings.HasPrefix(strings.ToLower(s[lx.i:min(lx.i+2, len(s))]), "0x")
	for lx.i < len(s) {
		c := s[lx.i]
		if c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			lx.i++
			continue
		}
		if (c == '+' || c == '-') && !hex && (s[lx.i-1] == 'e' || s[lx.i-1] == 'E') {
			lx.i++
			continue
		}
		break
	}
	lx.emit(tNumber, s[start:lx.i], "")
}

func (lx *lexer) op() {
	s := lx.src
	for _, set := range [][]string{ops3, ops2} {
		for _, o := range set {
			if strings.HasPrefix(s[lx.i:], o) {
				lx.emit(tOp, o, "")
				lx.i += len(o)
				return
			}
		}
	}
	c := s[lx.i]
	if c >= utf8.RuneSelf {
		_, n := utf8.DecodeRuneInString(s[lx.i:])
		lx.i += n // not Python: skip it
		return
	}
	lx.i++
	switch c {
	case '(', '[', '{':
		lx.depth++
	case ')', ']', '}':
		lx.depth = max(lx.depth-1, 0)
	case ';':
		lx.newline()
		return
	case '$', '?', '`', 0:
		return
	}
	lx.emit(tOp, string(c), "")
}

// str reads a string literal starting at the quote at lx.i.
func (lx *lexer) str(prefix string) {
	line := lx.line
	body, exprs := lx.readString(strings.ContainsAny(prefix, "ft"))
	lx.out = append(lx.out, pyToken{kind: tString, text: body, prefix: prefix, line: line})
	for _, e := range exprs {
		// an f-string runs the code in its replacement fields
		if lx.level >= maxFStringDepth {
			break
		}
		sub := &lexer{src: e.src, line: e.line, level: lx.level + 1}
		sub.run()
		lx.extra = append(append(append(lx.extra, pyToken{kind: tNewline, line: e.line}), sub.out...), sub.extra...)
	}
}

type fexpr struct {
	src  string
	line int
}

// readString consumes a literal (single or triple quoted) and returns its
// body and, for f-strings, the source of its replacement fields. A
// backslash escapes the next character, also in raw strings (r"\"" is a
// two-character string).
func (lx *lexer) readString(fstr bool) (string, []fexpr) {
	s := lx.src
	q := s[lx.i]
	closing := strings.Repeat(string(q), 3)
	triple := strings.HasPrefix(s[lx.i:], closing)
	if !triple {
		closing = string(q)
	}
	n := len(closing)
	lx.i += n
	start := lx.i
	var exprs []fexpr
	for lx.i < len(s) {
		c := s[lx.i]
		switch {
		case c == '\\':
			lx.i++
			if lx.i < len(s) {
				if s[lx.i] == '\n' {
					lx.line++
				}
				lx.i++
			}
			continue
		case c == q && strings.HasPrefix(s[lx.i:], closing):
			body := s[start:lx.i]
			lx.i += n
			return body, exprs
		case c == '\n' || c == '\r':
			if !triple {
				return s[start:lx.i], exprs // unterminated: the line ends it
			}
			lx.line++
		case fstr && c == '{':
			if lx.i+1 < len(s) && s[lx.i+1] == '{' {
				lx.i += 2
				continue
			}
			exprs = append(exprs, lx.field())
			continue
		}
		lx.i++
	}
	return s[start:], exprs
}

// field consumes an f-string replacement field at '{' and returns its
// source. Strings inside it (Python 3.12 allows the same quote) are skipped.
func (lx *lexer) field() fexpr {
	s := lx.src
	lx.i++
	start, line, depth := lx.i, lx.line, 1
	for lx.i < len(s) && depth > 0 {
		switch c := s[lx.i]; c {
		case '{', '(', '[':
			depth++
		case '}', ')', ']':
			depth--
		case '\'', '"':
			lx.readString(false)
			continue
		case '\n':
			lx.line++
		}
		lx.i++
	}
	end := lx.i
	if depth == 0 {
		end-- // the closing brace
	}
	return fexpr{src: s[start:end], line: line}
}
