package zipfmt_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// readZip returns the members of a real archive, in order.
func readZip(t *testing.T, path string) []member {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []member
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, member{name: f.Name, data: b})
	}
	return out
}

// writeZip builds an archive with archive/zip (stored members).
func writeZip(t *testing.T, ms []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range ms {
		f, err := w.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(m.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// replaced returns ms with the member named name set to data (added when
// absent).
func replaced(ms []member, name string, data []byte) []member {
	out := append([]member(nil), ms...)
	for i := range out {
		if out[i].name == name {
			out[i].data = data
			return out
		}
	}
	return append(out, member{name: name, data: data})
}

// aboveLow lists the findings above LOW other than the given rule.
func aboveLow(s *core.Session, except string) []core.Finding {
	var out []core.Finding
	for _, f := range s.Findings {
		if f.Severity > core.Low && f.Rule != except {
			out = append(out, f)
		}
	}
	return out
}

func TestTorchScriptRealArchives(t *testing.T) {
	files, _ := filepath.Glob("testdata/torchscript/*.pt")
	if len(files) < 3 {
		t.Fatalf("want the generated TorchScript fixtures, got %v", files)
	}
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, _ := os.ReadFile(p)
			s := scan(t, filepath.Base(p), data, core.DefaultLimits())
			ts := find(s, rules.TorchScriptCode, core.Medium, filepath.Base(p))
			if len(ts) != 1 || !strings.Contains(ts[0].Evidence, "code/__torch__") {
				t.Fatalf("want one torchscript-code MEDIUM listing code files\n%s", dump(s))
			}
			if extra := aboveLow(s, rules.TorchScriptCode); len(extra) > 0 || len(s.Problems) > 0 {
				t.Fatalf("benign TorchScript: unexpected findings or problems\n%s", dump(s))
			}
		})
	}
}

func TestTorchScriptDataPklPayload(t *testing.T) {
	ms := readZip(t, "testdata/torchscript/scripted_sequential.pt")
	evil := writeZip(t, replaced(ms, "scripted_sequential/data.pkl", pklasm.System("id")))
	s := scan(t, "evil.pt", evil, core.DefaultLimits())
	crit := find(s, rules.PickleDangerousImport, core.Critical, "evil.pt:scripted_sequential/data.pkl")
	if len(crit) != 1 || crit[0].Module != "posix" {
		t.Fatalf("want posix.system CRITICAL in data.pkl\n%s", dump(s))
	}
	if len(find(s, rules.TorchScriptCode, core.Medium, "evil.pt")) != 1 {
		t.Fatalf("want torchscript-code\n%s", dump(s))
	}
}

func TestTorchScriptForeignTorchGlobal(t *testing.T) {
	// __torch__ names the archive has no code for are not the archive's own
	ms := readZip(t, "testdata/torchscript/custom_forward.pt")
	pk := pklasm.New().Proto(2).Global("__torch__.evil", "Thing").EmptyTuple().NewObj().Stop().Bytes()
	s := scan(t, "x.pt", writeZip(t, replaced(ms, "custom_forward/constants.pkl", pk)), core.DefaultLimits())
	if len(find(s, rules.PickleUnknownImport, core.Medium, "x.pt:custom_forward/constants.pkl")) != 1 {
		t.Fatalf("want __torch__.evil.Thing unknown\n%s", dump(s))
	}
}

func TestTorchScriptCodeCalls(t *testing.T) {
	ms := readZip(t, "testdata/torchscript/custom_forward.pt")
	code := "class Scale(Module):\n  __parameters__ = []\n  def forward(self: __torch__.Scale,\n    x: Tensor) -> Tensor:\n" +
		"    t = torch.from_file(\"/etc/passwd\", True, 4096)\n" +
		"    _0 = ops.evilns.run(x)\n" +
		"    torch.save(x, \"/home/u/.bashrc\")  # torch.load(x)\n" +
		"    y = torch.ops.aten.relu(x)\n" +
		"    return torch.add(x, t)\n"
	s := scan(t, "c.pt", writeZip(t, replaced(ms, "custom_forward/code/__torch__.py", []byte(code))), core.DefaultLimits())
	src := "c.pt:custom_forward/code/__torch__.py"
	want := map[string]struct {
		sev  core.Severity
		line string
	}{
		"torch.from_file": {core.High, "code/__torch__.py:5:"},
		"ops.evilns.run":  {core.Medium, "code/__torch__.py:6:"},
		"torch.save":      {core.High, "code/__torch__.py:7:"},
	}
	got := find(s, rules.SourceDangerousCall, 0, src)
	if len(got) != len(want) {
		t.Fatalf("want %d source findings\n%s", len(want), dump(s))
	}
	for _, f := range got {
		w, ok := want[f.Module+"."+f.Operator]
		if !ok || f.Severity != w.sev || !strings.HasPrefix(f.Evidence, w.line) {
			t.Errorf("unexpected %+v", f)
		}
	}
}

func TestTorchScriptPickleMembers(t *testing.T) {
	// every pickle torch.jit.load reads is scanned at full severity; extra/
	// files are the caller's bytes (dormant)
	ms := readZip(t, "testdata/torchscript/custom_forward.pt")
	cases := map[string]core.Severity{
		"custom_forward/constants.pkl":               core.Critical,
		"custom_forward/code/__torch__.py.debug_pkl": core.Critical,
		"custom_forward/bytecode.pkl":                core.Critical,
		"custom_forward/extra/notes.pkl":             core.High,
	}
	for name, want := range cases {
		s := scan(t, "x.pt", writeZip(t, replaced(ms, name, pklasm.System("id"))), core.DefaultLimits())
		f := find(s, rules.PickleDangerousImport, 0, "x.pt:"+name)
		if len(f) != 1 || f[0].Severity != want {
			t.Errorf("%s: want %s\n%s", name, want, dump(s))
		}
	}
}
