// Package pysrc is a static scanner of Python source: a tokenizer, the
// dotted references a file makes (resolved through its imports), and rules
// that judge them (process and shell calls, exec/eval of decoded data,
// network clients, file writes, dynamic imports, encoded blobs). It is used
// for the code that model files carry or sit next to: torch.package
// modules, TorchScript code, and the Python files of a Hugging Face
// repository that trust_remote_code runs. Nothing is ever executed.
package pysrc

// The tokenizer only needs what the scans look at: names (NFKC-normalised,
// as Python reads identifiers), strings (body and prefix), numbers,
// operators, logical line ends and line numbers. It never fails: malformed
// input ends the current token and the scan moves on.

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind is the kind of a token.
type Kind uint8

// Token kinds.
const (
	TokName Kind = iota + 1
	TokNumber
	TokString
	TokOp
	TokNewline // end of a logical line (outside brackets) or ';'
)

// Token is one token. For strings Text is the body between the quotes,
// escapes not decoded, and Prefix the lower-cased string prefix.
type Token struct {
	Kind   Kind
	Text   string
	Prefix string
	Line   int // 1-based line of the token's start
	Col    int // 0-based byte column of the token's start (in its f-string field for tokens of f-string expressions)
}

// maxFStringDepth bounds f-strings nested inside f-string expressions.
const maxFStringDepth = 8

var ops3 = []string{"**=", "//=", ">>=", "<<=", "..."}

// opStarts are the first bytes of the operators of ops3 and ops2.
const opStarts = "*/<>=!-:+%&|^@."

var ops2 = []string{"**", "//", "<<", ">>", "<=", ">=", "==", "!=", "->", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@="}

type lexer struct {
	src   string
	i     int
	line  int
	bol   int // byte index of the start of the current line
	depth int // bracket nesting
	out   []Token
	extra []Token // tokens of f-string expressions, appended at the end
	level int     // f-string nesting of this lexer
}

// Tokenize splits Python source into tokens.
func Tokenize(src string) []Token {
	lx := &lexer{src: src, line: 1, out: make([]Token, 0, len(src)/4+8)}
	lx.run()
	return append(lx.out, lx.extra...)
}

// emit appends a token that starts at byte start of the current line.
func (lx *lexer) emit(k Kind, text string, start int) {
	lx.out = append(lx.out, Token{Kind: k, Text: text, Line: lx.line, Col: start - lx.bol})
}

// eol consumes the line end at lx.i (\n, \r or \r\n) and starts a new
// line.
func (lx *lexer) eol() {
	if lx.src[lx.i] == '\r' && lx.i+1 < len(lx.src) && lx.src[lx.i+1] == '\n' {
		lx.i++
	}
	lx.i++
	lx.line++
	lx.bol = lx.i
}

func (lx *lexer) newline() {
	if lx.depth == 0 && len(lx.out) > 0 && lx.out[len(lx.out)-1].Kind != TokNewline {
		lx.emit(TokNewline, "", lx.i)
	}
}

func (lx *lexer) run() {
	s := lx.src
	for lx.i < len(s) {
		c := s[lx.i]
		switch {
		case c == '\n' || c == '\r':
			lx.newline()
			lx.eol()
		case c == ' ' || c == '\t' || c == '\f':
			lx.i++
		case c == '\\':
			// line continuation (or a stray backslash)
			lx.i++
			if lx.i < len(s) && (s[lx.i] == '\n' || s[lx.i] == '\r') {
				lx.eol()
			}
		case c == '#':
			for lx.i < len(s) && s[lx.i] != '\n' && s[lx.i] != '\r' {
				lx.i++
			}
		case c == '"' || c == '\'':
			lx.str("", lx.i)
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
		lx.str(strings.ToLower(word), start)
		return
	}
	if !ascii {
		word = norm.NFKC.String(word) // Python reads identifiers in NFKC
	}
	lx.emit(TokName, word, start)
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
	lx.emit(TokNumber, s[start:lx.i], start)
}

func (lx *lexer) op() {
	s := lx.src
	if strings.IndexByte(opStarts, s[lx.i]) >= 0 {
		for _, set := range [][]string{ops3, ops2} {
			for _, o := range set {
				if strings.HasPrefix(s[lx.i:], o) {
					lx.emit(TokOp, o, lx.i)
					lx.i += len(o)
					return
				}
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
	lx.emit(TokOp, string(c), lx.i-1)
}

// str reads a string literal starting at the quote at lx.i (its prefix,
// if any, at start).
func (lx *lexer) str(prefix string, start int) {
	line, col := lx.line, start-lx.bol
	body, exprs := lx.readString(strings.ContainsAny(prefix, "ft"))
	lx.out = append(lx.out, Token{Kind: TokString, Text: body, Prefix: prefix, Line: line, Col: col})
	for _, e := range exprs {
		// an f-string runs the code in its replacement fields
		if lx.level >= maxFStringDepth {
			break
		}
		sub := &lexer{src: e.src, line: e.line, level: lx.level + 1}
		sub.run()
		lx.extra = append(append(append(lx.extra, Token{Kind: TokNewline, Line: e.line}), sub.out...), sub.extra...)
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
				if s[lx.i] == '\n' || s[lx.i] == '\r' {
					lx.eol()
				} else {
					lx.i++
				}
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
			lx.eol()
			continue
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
		case '\n', '\r':
			lx.eol()
			continue
		}
		lx.i++
	}
	end := lx.i
	if depth == 0 {
		end-- // the closing brace
	}
	return fexpr{src: s[start:end], line: line}
}
