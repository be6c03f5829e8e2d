package zipfmt

import (
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/pysrc"
)

// FuzzTorchScriptSource feeds arbitrary source to the TorchScript judge
// (the tokenizer and the Python module scan have their own fuzz target,
// pysrc.FuzzTokenize): no panic, every finding is complete.
func FuzzTorchScriptSource(f *testing.F) {
	for _, s := range []string{
		"def forward(self, x: Tensor) -> Tensor:\n  return ops.my.op(torch.from_file('a', True, 4))\n",
		"torch.ops.aten.save(x, 'p')\ntorch.classes.mylib.Thing()\n__torch__.torch.classes.c10d.ProcessGroup\n",
		"ops.c10d.allreduce_(x)\ntorch.load('x')\ntorch.jit.load\n",
		"f'{", "(((", "ops.", "torch.ops", "\xff\xfe",
	} {
		f.Add(s)
	}
	pol := policy.Default()
	f.Fuzz(func(t *testing.T, src string) {
		var h pysrc.Hits
		scanTorchScriptSource(pol, src, &h)
		for _, fd := range h.Findings("code/m.py", "TorchScript code") {
			if fd.Severity == 0 || fd.Rule == "" || !strings.HasPrefix(fd.Evidence, "code/m.py:") {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}
