package jinja

import (
	"errors"
	"strings"
	"testing"
)

// lexAll returns the tokens of src (strict mode), or the error.
func lexAll(src string) (toks []token, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	l := newLexer(src, false)
	for {
		t := l.next()
		toks = append(toks, t)
		if t.kind == tEOF {
			return toks, nil
		}
	}
}

func kinds(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		switch t.kind {
		case tData:
			b.WriteString("D(" + t.val + "|" + t.alt + ") ")
		case tName, tOp, tInt, tFloat:
			b.WriteString(t.val + " ")
		case tString:
			b.WriteString("S(" + t.val + ") ")
		case tVarBegin:
			b.WriteString("{{ ")
		case tVarEnd:
			b.WriteString("}} ")
		case tBlockBegin:
			b.WriteString("{% ")
		case tBlockEnd:
			b.WriteString("%} ")
		case tEOF:
			b.WriteString("EOF")
		}
	}
	return b.String()
}

func TestLexer(t *testing.T) {
	cases := []struct{ src, want string }{
		{"a{{ x }}b", "D(a|a) {{ x }} D(b|b) EOF"},
		{"a  {{- x -}}  b", "D(a|a) {{ x }} D(b|b) EOF"},
		{"a\n  {% if x %}\nb", "D(a\n  |a\n) {% if x %} D(\nb|b) EOF"},
		{"a\n  {%+ if x %}b", "D(a\n  |a\n  ) {% if x %} D(b|b) EOF"},
		{"x {# c #}\ny", "D(x |x ) D(\ny|y) EOF"},
		{"x {#- c -#}  y", "D(x|x) D(y|y) EOF"},
		{"{% raw %}{{ x }}{% endraw %}", "D({{ x }}|{{ x }}) EOF"},
		{"{%- raw -%} {{ x }} {%- endraw %}", "D({{ x }}|{{ x }}) EOF"},
		{"{{ 1 1.5 1e3 1_000 0x1F 0b10 0o7 01 .5 1.e5 }}", "{{ 1 1.5 1e3 1_000 0x1F 0b10 0o7 0 1 . 5 1 . e5 }} EOF"},
		{"{{ x.0.1 }}", "{{ x . 0 . 1 }} EOF"},
		{"{{ a**b//c<=d!=e }}", "{{ a ** b // c <= d != e }} EOF"},
		{`{{ '\x5f\x5f' "\137" '\N{LOW LINE}' '\q' 'a\
b' }}`, "{{ S(__) S(_) S(_) S(\\q) S(ab) }} EOF"},
		{"{{ {'a': {'b': 1}} }}", "{{ { S(a) : { S(b) : 1 } } }} EOF"},
		{"{{ x -}}", "{{ x }} EOF"},
		{"{{ x - 1 }}", "{{ x - 1 }} EOF"},
		{"{{ ñame }}", "{{ ñame }} EOF"},
		{"{#", "EOF"},
		{"{% raw %}\n", "EOF"},
	}
	for _, c := range cases {
		toks, err := lexAll(c.src)
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if got := kinds(toks); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.src, got, c.want)
		}
	}
}

func TestLexerErrors(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"ab\n{{ x $ }}", 2, 6, "unexpected char"},
		{"{{ x ) }}", 1, 6, "unexpected ')'"},
		{"{{ (x] }}", 1, 6, "expected ')'"},
		{"{# open\nmore", 1, 1, "Missing end of comment tag"},
		{"x {% raw %} y", 1, 3, "Missing end of raw directive"},
		{`{{ '\x5' }}`, 1, 4, `truncated \x escape`},
		{`{{ '\U00110000' }}`, 1, 4, "illegal Unicode character"},
		{"é\n  é{{ 'open }}", 2, 7, "unexpected char"},
	}
	for _, c := range cases {
		_, err := lexAll(c.src)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: error %v", c.src, err)
			continue
		}
		if e.Line != c.line || e.Col != c.col || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%q: got %d:%d %q, want %d:%d %q", c.src, e.Line, e.Col, e.Msg, c.line, c.col, c.msg)
		}
	}
}

func TestDecodeString(t *testing.T) {
	cases := []struct{ in, want string }{
		{`plain`, "plain"},
		{`a\nb\tc\\d\'e\"f`, "a\nb\tc\\d'e\"f"},
		{`\x5f\u005f\U0000005f\137\N{low line}`, "_____"},
		{`\N{LATIN SMALL LETTER C}`, "c"},
		{`\N{SNOWMAN}`, "\uFFFD"},
		{`é\é`, `é\xe9`},
		{"a\r\nb", "a\nb"},
		{`\z`, `\z`},
	}
	for _, c := range cases {
		got, err := decodeString(c.in)
		if err != nil || got != c.want {
			t.Errorf("decodeString(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`\`, `\x4`, `\u12`, `\N{`, `\N`} {
		if _, err := decodeString(bad); err == nil {
			t.Errorf("decodeString(%q) accepted", bad)
		}
	}
}
