package pysrc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/policy"
)

// FuzzTokenize feeds arbitrary source to the tokenizer and to the module
// scan: no panic, every token carries a line within the source, and every
// finding has a rule, a severity and evidence.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{
		"import os as o\no.system('id')\n",
		"x = f\"{f'{os.system(\"id\")}'}\"\n",
		"from . import (a as b, c)\nfrom os import *\nsystem(1)\n",
		"exec(base64.b64decode('cHJpbnQ='))\nopen(p, mode='wb')\ngetattr(o, 'popen')\n",
		"m = importlib.import_module('os')\nm.system('id')\nimportlib.import_module('flash_attn')\n",
		"def forward(self, x: Tensor) -> Tensor:\n  return ops.my.op(torch.from_file('a', True, 4))\n",
		"k = ('" + strings.Repeat("QUJD", 100) + "'\n  '" + strings.Repeat("ZGVm", 100) + "')\n",
		"'''\\\n\"\"\"", "f'{", "f'{'}", "\\", "b'\\", "0x", "1e", "(((", ")))", "\xff\xfe", "ｅｖａｌ",
	} {
		f.Add(s)
	}
	// real-looking model code (the hf-config fixtures) and a generator script
	files, _ := filepath.Glob(filepath.Join("..", "formats", "hfconfig", "testdata", "*", "*.py"))
	more, _ := filepath.Glob(filepath.Join("..", "formats", "zipfmt", "testdata", "*.py"))
	for _, p := range append(files, more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	pol := policy.Default()
	f.Fuzz(func(t *testing.T, src string) {
		lines := strings.Count(src, "\n") + strings.Count(src, "\r") + 1
		for _, tk := range Tokenize(src) {
			if tk.Line < 1 || tk.Line > lines {
				t.Fatalf("token %+v outside lines 1..%d", tk, lines)
			}
		}
		var h Hits
		ScanModule(pol, src, "pkg.mod", false, &h)
		for _, fd := range h.Findings("m.py", "test") {
			if fd.Severity == 0 || fd.Evidence == "" || fd.Rule == "" {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}
