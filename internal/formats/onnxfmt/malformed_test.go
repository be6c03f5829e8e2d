package onnxfmt

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/protowalk"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// A cut model named .onnx is never clean: every prefix of every fixture
// that ends inside a top-level field yields a problem or a finding. Under
// a neutral name it is either not recognised or reported the same way.
// (A prefix that ends between two top-level fields is a well-formed
// message that lacks the later fields.)
func TestTruncatedNeverClean(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.onnx")
	more, _ := filepath.Glob("testdata/*/*.onnx")
	for _, p := range append(files, more...) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		boundary := map[int]bool{}
		r := protowalk.NewReader(bytes.NewReader(data), int64(len(data)), 0)
		if err := r.Walk(r.All(), func(f protowalk.Field) error { boundary[int(f.Off)] = true; return nil }); err != nil {
			t.Fatal(err)
		}
		for n := 1; n < len(data); n++ {
			if boundary[n] {
				continue
			}
			for _, name := range []string{"cut.onnx", "blob"} {
				s := scanData(name, data[:n])
				scanned := len(s.Scanned) > 0
				if name == "cut.onnx" && len(s.Skips) > 0 {
					t.Fatalf("%s cut at %d named %s: skipped:\n%s", p, n, name, dump(s))
				}
				if scanned && len(s.Problems) == 0 && len(s.Findings) == 0 {
					t.Fatalf("%s cut at %d named %s: clean:\n%s", p, n, name, dump(s))
				}
			}
		}
	}
}

// malformed checks a scan that stopped on bad wire data: a MEDIUM
// scan-incomplete finding with the offset, and a problem.
func malformed(t *testing.T, s *core.Session, frag string) {
	t.Helper()
	var inc *core.Finding
	for i := range s.Findings {
		if s.Findings[i].Rule == rules.ScanIncomplete {
			inc = &s.Findings[i]
		}
	}
	if inc == nil || inc.Severity != core.Medium || inc.Offset < 0 || len(s.Problems) != 1 ||
		s.Problems[0].Category != core.CatModelScan || !strings.Contains(s.Problems[0].Description, frag) {
		t.Fatalf("want a malformed report mentioning %q:\n%s", frag, dump(s))
	}
}

func TestMalformed(t *testing.T) {
	custom := mkNode("c", "Fancy", "v.ops")
	relu := mkNode("r", "Relu", "")
	badNode := cat(strField(nName, "bad"), []byte{0x27, 0x00}) // field 4 with wire type 7
	groupTensor := cat(strField(tName, "g"), []byte{0x13})     // field 2 start group
	cases := map[string]struct {
		data []byte
		frag string
		keep string // operator of a finding made before the error
	}{
		"invalid wire type in a node after a custom op": {mkModel(mkGraph([][]byte{custom, badNode})), "invalid wire type", "Fancy"},
		"group in an initializer":                       {mkModel(mkGraph([][]byte{custom}, groupTensor)), "group wire type", "Fancy"},
		"length beyond the file": {append(mkModel(mkGraph([][]byte{custom})),
			protowire.AppendVarint(protowire.AppendTag(nil, mFunctions, protowire.BytesType), 1<<40)...), "exceeds", "Fancy"},
		"truncated varint at the end": {append(mkModel(mkGraph([][]byte{custom})), 0x28, 0x80), "bad varint", "Fancy"},
		"bad attribute after a PyOp attribute": {mkModel(mkGraph([][]byte{cat(mkNode("p", "PyOp", "py", attrString("module", "os")),
			bytesField(nAttribute, []byte{0x0a, 0x05, 'x'}))})), "exceeds", "PyOp"},
		"bad tensor after a bad location": {mkModel(mkGraph([][]byte{relu}, cat(extTensor("w", "/etc/passwd", true), []byte{0x0f}))),
			"invalid wire type", "/etc/passwd"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := scanData("bad.onnx", c.data)
			malformed(t, s, c.frag)
			found := false
			for _, f := range s.Findings {
				found = found || f.Operator == c.keep
			}
			if !found {
				t.Fatalf("finding for %s before the error was lost:\n%s", c.keep, dump(s))
			}
		})
	}
}

func TestNotAModel(t *testing.T) {
	relu := mkNode("r", "Relu", "")
	t.Run("named only", func(t *testing.T) {
		s := scanData("model.onnx", []byte("this is not a model"))
		if len(s.Scanned) != 0 || len(s.Findings) != 0 || len(s.Problems) != 1 || s.Problems[0].Category != core.CatMagic {
			t.Fatalf("\n%s", dump(s))
		}
	})
	t.Run("no graph", func(t *testing.T) {
		s := scanData("blob", cat(varintField(mIRVersion, 8), bytesField(mOpsetImport, mkOpset("", 17))))
		if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Description, "no graph") {
			t.Fatalf("\n%s", dump(s))
		}
	})
	t.Run("no opset", func(t *testing.T) {
		s := scanData("x.onnx", cat(varintField(mIRVersion, 8), bytesField(mGraph, mkGraph([][]byte{relu}))))
		if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Description, "operator set") {
			t.Fatalf("\n%s", dump(s))
		}
	})
}

// budget checks a scan stopped by a limit: a scan-incomplete finding
// naming the budget and a BUDGET problem, after the findings before it.
func budget(t *testing.T, s *core.Session, name, keep string) {
	t.Helper()
	ok, kept := false, keep == ""
	for _, f := range s.Findings {
		ok = ok || f.Rule == rules.ScanIncomplete && strings.Contains(f.Description, name)
		kept = kept || f.Operator == keep
	}
	if !ok || !kept || len(s.Problems) != 1 || s.Problems[0].Category != core.CatBudget {
		t.Fatalf("want budget %s (keeping %q):\n%s", name, keep, dump(s))
	}
}

func TestLimits(t *testing.T) {
	custom := mkNode("c", "Fancy", "v.ops")
	t.Run("subgraph depth", func(t *testing.T) {
		g := mkGraph([][]byte{mkNode("r", "Relu", "")})
		for range maxGraphDepth + 5 {
			g = mkGraph([][]byte{mkNode("if", "If", "", attrGraph("then_branch", g))})
		}
		budget(t, scanData("deep.onnx", mkModel(mkGraph([][]byte{custom, mkNode("top", "If", "", attrGraph("then_branch", g))}))),
			"onnx_graph_depth", "Fancy")
	})
	t.Run("nodes", func(t *testing.T) {
		defer func(n int64) { maxNodes = n }(maxNodes)
		maxNodes = 5
		var nodes [][]byte
		for range 10 {
			nodes = append(nodes, custom)
		}
		budget(t, scanData("many.onnx", mkModel(mkGraph(nodes))), "onnx_nodes", "Fancy")
	})
	t.Run("fields", func(t *testing.T) {
		defer func(n int64) { maxFields = n }(maxFields)
		maxFields = 60
		var nodes [][]byte
		for range 20 {
			nodes = append(nodes, custom)
		}
		budget(t, scanData("fields.onnx", mkModel(mkGraph(nodes))), "onnx_fields", "Fancy")
	})
	t.Run("functions", func(t *testing.T) {
		defer func(n int64) { maxFunctions = n }(maxFunctions)
		maxFunctions = 2
		var fns [][]byte
		for _, n := range []string{"A", "B", "C"} {
			fns = append(fns, bytesField(mFunctions, mkFunction("f", n, mkNode("r", "Relu", ""))))
		}
		budget(t, scanData("fns.onnx", mkModel(mkGraph([][]byte{custom}), fns...)), "onnx_functions", "")
	})
}

func TestCancelled(t *testing.T) {
	nodes := make([][]byte, ctxEvery+10)
	for i := range nodes {
		nodes[i] = mkNode("r", "Relu", "")
	}
	data := mkModel(mkGraph(nodes))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := core.NewSession(ctx, core.DefaultLimits(), nil)
	b := &core.Blob{Source: "c.onnx", Name: "c.onnx", R: strings.NewReader(string(data)), Size: int64(len(data))}
	if err := (&Handler{}).Scan(s, b); err != context.Canceled {
		t.Fatalf("err = %v", err)
	}
}

// A deeply nested operator is reported with its place, clipped.
func TestDeepPlaceClipped(t *testing.T) {
	g := mkGraph([][]byte{mkNode("deep", "Fancy", "v.ops")})
	for i := range maxGraphDepth - 1 {
		g = mkGraph([][]byte{mkNode("level"+itoa(i)+strings.Repeat("n", 100), "If", "", attrGraph("then_branch", g))})
	}
	s := scanClean(t, mkModel(g))
	expect(t, s, want{rules.ONNXCustomDomain, core.Low, "Fancy", []string{`node "deep" (v.ops:Fancy) in attribute "then_branch"`}})
	if n := len(s.Findings[0].Evidence); n > maxEvidence+8 {
		t.Fatalf("evidence of %d bytes", n)
	}
}
