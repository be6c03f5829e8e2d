package zipfmt

import (
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/policy"
)

func kinds(toks []pyToken) string {
	var b strings.Builder
	for _, t := range toks {
		switch t.kind {
		case tName:
			b.WriteString("N:" + t.text)
		case tNumber:
			b.WriteString("#:" + t.text)
		case tString:
			b.WriteString("S:" + t.prefix + "|" + t.text)
		case tOp:
			b.WriteString("O:" + t.text)
		case tNewline:
			b.WriteString("NL")
		}
		b.WriteString(" ")
	}
	return strings.TrimSpace(b.String())
}

func TestTokenizePy(t *testing.T) {
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
		if got := kinds(tokenizePy(c.src)); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.src, got, c.want)
		}
	}
}

func TestTokenizePyLines(t *testing.T) {
	src := "a\n'''x\ny'''\nb\r\nc\rd\n(e,\nf)\n"
	want := map[string]int{"a": 1, "b": 4, "c": 5, "d": 6, "e": 7, "f": 8}
	for _, tk := range tokenizePy(src) {
		if tk.kind == tName && want[tk.text] != tk.line {
			t.Errorf("%s on line %d, want %d", tk.text, tk.line, want[tk.text])
		}
	}
}

// FuzzTokenizePy feeds arbitrary source to the tokenizer and to both
// source scans: they must not panic, and every token must carry a line
// within the source.
func FuzzTokenizePy(f *testing.F) {
	for _, s := range []string{
		"import os as o\no.system('id')\n",
		"x = f\"{f'{os.system(\"id\")}'}\"\n",
		"from . import (a as b, c)\nfrom os import *\nsystem(1)\n",
		"exec(base64.b64decode('cHJpbnQ='))\nopen(p, mode='wb')\ngetattr(o, 'popen')\n",
		"def forward(self, x: Tensor) -> Tensor:\n  return ops.my.op(torch.from_file('a', True, 4))\n",
		"'''\\\n\"\"\"", "f'{", "f'{'}", "\\", "b'\\", "0x", "1e", "(((", ")))", "\xff\xfe", "ｅｖａｌ",
	} {
		f.Add(s)
	}
	pol := policy.Default()
	f.Fuzz(func(t *testing.T, src string) {
		lines := strings.Count(src, "\n") + strings.Count(src, "\r") + 1
		for _, tk := range tokenizePy(src) {
			if tk.line < 1 || tk.line > lines {
				t.Fatalf("token %+v outside lines 1..%d", tk, lines)
			}
		}
		var h hitSet
		scanPySource(pol, src, "pkg.mod", false, &h)
		scanTorchScriptSource(pol, src, &h)
		for _, fd := range h.findings("m.py", "test") {
			if fd.Severity == 0 || fd.Evidence == "" {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}
