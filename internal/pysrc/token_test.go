package pysrc

import (
	"strings"
	"testing"
)

func kinds(toks []Token) string {
	var b strings.Builder
	for _, t := range toks {
		switch t.Kind {
		case TokName:
			b.WriteString("N:" + t.Text)
		case TokNumber:
			b.WriteString("#:" + t.Text)
		case TokString:
			b.WriteString("S:" + t.Prefix + "|" + t.Text)
		case TokOp:
			b.WriteString("O:" + t.Text)
		case TokNewline:
			b.WriteString("NL")
		}
		b.WriteString(" ")
	}
	return strings.TrimSpace(b.String())
}

func TestTokenize(t *testing.T) {
	cases := []struct{ src, want string }{
		{"x = os.system('id')  # eval(x)\n", "N:x O:= N:os O:. N:system O:( S:|id O:) NL"},
		{"a = (1,\n 2e-3)\nb", "N:a O:= O:( #:1 O:, #:2e-3 O:) NL N:b"},
		{`s = r"\"" + b'\x00' + """a'b"c"""`, `N:s O:= S:r|\" O:+ S:b|\x00 O:+ S:|a'b"c`},
		{"y = x ** 2 // 3 -> z ... ", "N:y O:= N:x O:** #:2 O:// #:3 O:-> N:z O:..."},
		{"a; b\\\n.c", "N:a NL N:b O:. N:c"},
		{"f'{a}{{b}}'", "S:f|{a}{{b}} NL N:a"},
		{"ｅｖａｌ(1)", "N:eval O:( #:1 O:)"},
		{"'unterminated\nx", "S:|unterminated NL N:x"},
		{"0x1e+5", "#:0x1e O:+ #:5"},
	}
	for _, c := range cases {
		if got := kinds(Tokenize(c.src)); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.src, got, c.want)
		}
	}
}

func TestTokenizeLines(t *testing.T) {
	src := "a\n'''x\ny'''\nb\r\nc\rd\n(e,\nf)\n"
	want := map[string]int{"a": 1, "b": 4, "c": 5, "d": 6, "e": 7, "f": 8}
	for _, tk := range Tokenize(src) {
		if tk.Kind == TokName && want[tk.Text] != tk.Line {
			t.Errorf("%s on line %d, want %d", tk.Text, tk.Line, want[tk.Text])
		}
	}
}

func TestTokenizeColumns(t *testing.T) {
	src := "def f(x):\r\n    s = '''a\r\nb'''\r\n    return r'q' + (1,\n  y)\n\tz\n"
	// kind:text -> line, column
	want := map[string][2]int{"N:def": {1, 0}, "N:s": {2, 4}, "S:a\r\nb": {2, 8}, "N:return": {4, 4}, "S:q": {4, 11},
		"N:y": {5, 2}, "N:z": {6, 1}}
	seen := 0
	for _, tk := range Tokenize(src) {
		key := map[Kind]string{TokName: "N:", TokString: "S:"}[tk.Kind] + tk.Text
		if w, ok := want[key]; ok {
			seen++
			if tk.Line != w[0] || tk.Col != w[1] {
				t.Errorf("%q at %d:%d, want %d:%d", key, tk.Line, tk.Col, w[0], w[1])
			}
		}
	}
	if seen != len(want) {
		t.Errorf("saw %d of %d tokens", seen, len(want))
	}
}
