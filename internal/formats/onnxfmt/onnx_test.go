package onnxfmt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// want is one expected finding: its rule, severity, operator and text the
// evidence must contain.
type want struct {
	rule string
	sev  core.Severity
	op   string
	frag []string
}

// expect checks that the findings of s are exactly ws (in any order).
func expect(t *testing.T, s *core.Session, ws ...want) {
	t.Helper()
	if len(s.Findings) != len(ws) {
		t.Fatalf("got %d findings, want %d:\n%s", len(s.Findings), len(ws), dump(s))
	}
	for _, w := range ws {
		found := false
		for _, f := range s.Findings {
			if f.Rule != w.rule || f.Severity != w.sev || f.Operator != w.op {
				continue
			}
			found = true
			for _, fr := range w.frag {
				if !strings.Contains(f.Evidence+" "+f.Description, fr) {
					t.Errorf("finding %s %s lacks %q:\n%s", w.rule, w.op, fr, dump(s))
				}
			}
			if f.Scanner != Scanner || f.Source == "" || f.Offset < 0 {
				t.Errorf("finding fields: %+v", f)
			}
		}
		if !found {
			t.Errorf("no %s %s finding for %q:\n%s", w.sev, w.rule, w.op, dump(s))
		}
	}
}

// The fixtures are written by testdata/gen.py with Debian's python3-onnx.
func TestFixtures(t *testing.T) {
	cases := []struct {
		path string
		want []want
	}{
		{"tiny_mlp.onnx", nil},
		{"control_flow.onnx", nil},
		{"local_function.onnx", nil},
		{"external_data/model.onnx", nil},
		// onnxruntime's own contrib domain needs no extra library
		{"com_microsoft.onnx", nil},
		{"custom_domain_nested.onnx", []want{{rules.ONNXCustomDomain, core.Low, "FancyNorm",
			[]string{`node "fancy_norm" (com.example.ops:FancyNorm) in attribute "body" of node "top_loop" (Loop) in the main graph`}}}},
		{"malicious/ext_absolute.onnx", []want{{rules.ONNXExternalDataPath, core.High, "/etc/passwd",
			[]string{"is absolute", `tensor "w" (initializer of the main graph)`}}}},
		{"malicious/ext_traversal.onnx", []want{{rules.ONNXExternalDataPath, core.High, "weights/../../../../etc/passwd",
			[]string{"climbs out", `"../../../etc/passwd"`}}}},
		{"malicious/ext_windows_drive.onnx", []want{{rules.ONNXExternalDataPath, core.High, `C:\Windows\System32\config\SAM`,
			[]string{"drive letter"}}}},
		{"malicious/ext_unc.onnx", []want{{rules.ONNXExternalDataPath, core.High, `\\attacker.example\share\w.bin`,
			[]string{"UNC"}}}},
		{"malicious/ext_in_subgraph.onnx", []want{{rules.ONNXExternalDataPath, core.High, "../../../root/.ssh/id_rsa",
			[]string{`attribute "value" of node "hidden_const" (Constant) in attribute "then_branch" of node "branch" (If)`}}}},
		{"malicious/contrib_pyop.onnx", []want{
			{rules.ONNXCustomDomain, core.Low, "StringLower", []string{"onnxruntime-extensions"}},
			{rules.ONNXPythonOp, core.Medium, "PyReverseMatrix", []string{"@onnx_op", `node "py_reverse"`}}}},
		{"malicious/ort_pyop.onnx", []want{{rules.ONNXPythonOp, core.High, "PyOp",
			[]string{"subprocess.Popen", `module "subprocess"`, `class_name "Popen"`, `compute "communicate"`}}}},
		{"malicious/epcontext_path.onnx", []want{{rules.ONNXExternalDataPath, core.High, "../../../etc/shadow",
			[]string{"EPContext", `attribute "ep_cache_context" of node "ctx"`}}}},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", c.path))
			if err != nil {
				t.Fatal(err)
			}
			// recognised by content, under its name and under one that
			// says nothing
			for _, name := range []string{filepath.Base(c.path), "blob"} {
				b := &core.Blob{Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
				if k := sniff(data[:min(len(data), core.HeadSize)], b); k != kindModel {
					t.Fatalf("named %s: recognised as %d", name, k)
				}
			}
			s := scanData(filepath.Base(c.path), data)
			if len(s.Scanned) != 1 || len(s.Problems) > 0 || len(s.Skips) > 0 {
				t.Fatalf("scan:\n%s", dump(s))
			}
			expect(t, s, c.want...)
		})
	}
}

// The fixtures stay small.
func TestFixtureSizes(t *testing.T) {
	files, _ := filepath.Glob("testdata/*")
	more, _ := filepath.Glob("testdata/*/*")
	for _, p := range append(files, more...) {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Size() > 50<<10 {
			t.Errorf("%s is %d bytes", p, st.Size())
		}
	}
}
