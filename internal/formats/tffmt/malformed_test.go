package tffmt

import (
	"bytes"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// A recognised file that turns malformed later keeps its findings, reports
// a scan-incomplete finding and returns an error.
func TestMalformedAfterRecognisedStart(t *testing.T) {
	var nodes [][]byte
	nodes = append(nodes, nodeDef("reader", "ReadFile"))
	for i := 0; i < 2*sniffNodes; i++ {
		nodes = append(nodes, nodeDef("c", "Const"))
	}
	// beyond the nodes the trial parse checks: an attribute whose value is
	// not a valid message
	nodes = append(nodes, nodeDef("bad", "Identity", pMsg(ndAttr, pStr(mapKey, "T"), pMsg(mapValue, []byte{0x0f, 0x01}))))
	nodes = append(nodes, nodeDef("late", "WriteFile"))
	res := scanBytes(t, "saved_model.pb", savedModel(graphDef(nodes)))
	if res.err == nil || !strings.Contains(res.err.Error(), "invalid wire type") {
		t.Fatalf("err = %v:\n%s", res.err, res.dump())
	}
	res.expect(t, "ReadFile", rules.TFFileOp, core.High)
	f := res.find("protobuf")
	if f == nil || f.Rule != rules.ScanIncomplete || f.Severity != core.Medium || f.Offset <= 0 {
		t.Fatalf("no scan-incomplete finding:\n%s", res.dump())
	}
	if res.find("WriteFile") != nil {
		t.Fatal("a node after the malformed one was reported")
	}
}

// A large frozen graph is recognised from its first fields; a truncated
// end is found by the scan.
func TestTruncatedLargeGraph(t *testing.T) {
	var nodes [][]byte
	for i := 0; i < sniffFields; i++ {
		nodes = append(nodes, nodeDef("c", "Const"))
	}
	nodes = append(nodes, nodeDef("py", "PyFunc"))
	data := graphDef(nodes)
	data = data[:len(data)-3]
	res := scanBytes(t, "frozen.pb", data)
	if res.err == nil || res.find("protobuf") == nil {
		t.Fatalf("truncation not reported:\n%s", res.dump())
	}
	res.expect(t, "PyFunc", rules.TFPythonOp, core.Medium)
}

func TestAttributeNestingIsBounded(t *testing.T) {
	v := avFuncRef("ReadFile")
	for i := 0; i < maxAttrDepth; i++ {
		v = avFuncRef("__inference_wrap", attrEntryAt(nalAttr, "f", v))
	}
	res := scanBytes(t, "saved_model.pb", savedModel(graphDef([][]byte{nodeDef("n", "PartitionedCall", nodeAttr("f", v))})))
	if res.err == nil || !strings.Contains(res.err.Error(), "nested deeper") || res.find("protobuf") == nil {
		t.Fatalf("deep nesting not reported:\n%s", res.dump())
	}
}

func TestBudgets(t *testing.T) {
	defer func(n, f, fn int64) { maxNodes, maxFields, maxFunctions = n, f, fn }(maxNodes, maxFields, maxFunctions)
	g := graphDef([][]byte{nodeDef("a", "ReadFile"), nodeDef("b", "Const"), nodeDef("c", "Const"), nodeDef("d", "PyFunc")},
		functionDef("f1"), functionDef("f2"), functionDef("f3"))
	for _, c := range []struct {
		name string
		set  func()
	}{
		{"tf_nodes", func() { maxNodes = 2 }},
		{"tf_fields", func() { maxFields = 30 }},
		{"tf_functions", func() { maxFunctions = 2 }},
	} {
		maxNodes, maxFields, maxFunctions = 1000, 1000, 1000
		c.set()
		res := scanBytes(t, "saved_model.pb", savedModel(g))
		if res.err != nil || !hasProblem(res, core.CatBudget) || !hasRule(res, rules.ScanIncomplete) {
			t.Fatalf("%s:\n%s", c.name, res.dump())
		}
		found := false
		for _, f := range res.s.Findings {
			found = found || strings.Contains(f.Description, c.name)
		}
		if !found {
			t.Fatalf("%s not named:\n%s", c.name, res.dump())
		}
		if c.name == "tf_nodes" {
			res.expect(t, "ReadFile", rules.TFFileOp, core.High) // found before the limit
		}
	}
}

func TestManyCustomOpsAreCapped(t *testing.T) {
	var nodes [][]byte
	for i := 0; i < maxCustomOps+10; i++ {
		nodes = append(nodes, nodeDef("n", "Custom"+strings.Repeat("x", i%7)+string(rune('A'+i%26))+itoa(i)))
	}
	nodes = append(nodes, nodeDef("r", "ReadFile"))
	res := scanBytes(t, "frozen.pb", graphDef(nodes))
	res.expect(t, "ReadFile", rules.TFFileOp, core.High) // risk ops are never dropped
	if f := res.find("(more custom ops)"); f == nil || !strings.Contains(f.Description, "10 more nodes") {
		t.Fatalf("overflow finding missing:\n%d findings", len(res.s.Findings))
	}
	if len(res.s.Findings) != maxCustomOps+2 {
		t.Fatalf("%d findings", len(res.s.Findings))
	}
}

func itoa(i int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		if i /= 10; i == 0 {
			return string(b)
		}
	}
}

// Protobuf has no magic number: the trial parse must not claim content
// that is not a TensorFlow protobuf.
func TestSniffRejectsOtherContent(t *testing.T) {
	onnxLike := cat(pVarint(1, 7), pStr(2, "pytorch"), pStr(3, "1.13"),
		pMsg(7, pMsg(1, pStr(1, "x"), pStr(2, "y"), pStr(4, "Relu")), pStr(2, "torch_jit")), pMsg(8, pVarint(2, 13)))
	sentencePieceLike := cat(pMsg(1, pStr(1, "▁the"), protowire.AppendFixed32(protowire.AppendTag(nil, 2, protowire.Fixed32Type), 0)),
		pMsg(2, pStr(1, "model")))
	cases := map[string][]byte{
		"model.onnx":         onnxLike,
		"spm.model":          sentencePieceLike,
		"notes.txt":          []byte("\nhello world, this is text\n"),
		"data.json":          []byte(`{"a": 1}`),
		"empty-graph.pb":     graphDef(nil),
		"one-byte":           {0x0a},
		"saved_model.pbtxt":  []byte("saved_model_schema_version: 1\nmeta_graphs {\n"),
		"pickle.pkl":         {0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, '.'},
		"graph with bad op":  graphDef([][]byte{nodeDef("n", "not an op!")}),
		"keras without tags": cat(pMsg(kmNodes, pStr(ksNodePath, "root"), pStr(ksIdentifier, "something_else"))),
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		b := make([]byte, 1+rng.Intn(300))
		rng.Read(b)
		cases["random-"+itoa(i)] = b
	}
	for name, data := range cases {
		b := &core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
		if k := sniff(data[:min(len(data), core.HeadSize)], b); k != kindNone {
			t.Errorf("%s claimed as %s", name, k)
		}
	}
}

// Nothing in the project's own test files is a TensorFlow protobuf.
func TestSniffRejectsProjectTestdata(t *testing.T) {
	n := 0
	err := filepath.WalkDir("../../../testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil || len(data) == 0 || len(data) > 8<<20 {
			return err
		}
		n++
		b := &core.Blob{Source: p, Name: filepath.Base(p), R: bytes.NewReader(data), Size: int64(len(data))}
		if k := sniff(data[:min(len(data), core.HeadSize)], b); k != kindNone {
			t.Errorf("%s claimed as %s", p, k)
		}
		return nil
	})
	if err != nil || n < 50 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}

// The name relaxes the trial parse: unknown fields, which protobuf parsers
// skip, do not hide a SavedModel named saved_model.pb.
func TestUnknownFieldsWithNameHint(t *testing.T) {
	data := cat(pStr(99, "padding an attacker added"), savedModel(graphDef([][]byte{nodeDef("p", "PyFunc")})))
	res := scanBytes(t, "saved_model.pb", data)
	res.expect(t, "PyFunc", rules.TFPythonOp, core.Medium)
	b := &core.Blob{Source: "x.bin", Name: "x.bin", R: bytes.NewReader(data), Size: int64(len(data))}
	if k := sniff(data, b); k != kindNone {
		t.Fatalf("strict parse accepted an unknown field: %s", k)
	}
}

func TestSniffKinds(t *testing.T) {
	fp := cat(pVarint(1, 11), pVarint(2, 22), pVarint(3, 33), pVarint(4, 44), pVarint(5, 55),
		pMsg(fpVersion, pVarint(vdProducer, 1)), pStr(fpUUID, "abc"))
	meta := cat(pMsg(mgMetaInfoDef, pStr(4, "train")), pMsg(mgGraphDef, graphDef([][]byte{nodeDef("a", "Const")})))
	cases := []struct {
		name string
		data []byte
		want kind
	}{
		{"a.bin", savedModel(graphDef([][]byte{nodeDef("a", "Const")})), kindSavedModel},
		{"a.bin", savedModel(graphDef(nil, functionDef("f", nodeDef("a", "Const")))), kindSavedModel},
		{"a.bin", meta, kindMetaGraph},
		{"a.bin", graphDef([][]byte{nodeDef("a", "Const")}), kindGraphDef},
		{"a.bin", fp, kindFingerprint},
		{"fingerprint.pb", pVarint(1, 5), kindFingerprint},
		{"a.bin", pVarint(1, 5), kindNone},
		{"a.bin", pMsg(kmNodes, pVarint(ksNodeID, 1), pStr(ksIdentifier, "_tf_keras_layer"), pStr(ksMetadata, "{}")), kindKerasMetadata},
		{"keras_metadata.pb", cat(pVarint(9, 1), pMsg(kmNodes, pStr(ksIdentifier, "custom"), pStr(ksMetadata, "{}"))), kindKerasMetadata},
		{"a.bin", cat(pVarint(9, 1), pMsg(kmNodes, pStr(ksIdentifier, "_tf_keras_layer"))), kindNone},
		{"model.meta", meta, kindMetaGraph},
		{"model.meta", cat(meta, pStr(12, "x")), kindMetaGraph},
		{"model.pb", meta, kindMetaGraph},
		{"keras_metadata.pb", meta, kindMetaGraph},
		{"frozen.pb", cat(graphDef([][]byte{nodeDef("a", "Const")}), pStr(40, "x")), kindGraphDef},
		{"a.bin", cat(graphDef([][]byte{nodeDef("a", "Const")}), pStr(40, "x")), kindNone},
	}
	for i, c := range cases {
		b := &core.Blob{Source: c.name, Name: c.name, R: bytes.NewReader(c.data), Size: int64(len(c.data))}
		if k := sniff(c.data, b); k != c.want {
			t.Errorf("case %d (%s): %s, want %s", i, c.name, k, c.want)
		}
	}
}
