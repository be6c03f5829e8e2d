package onnxfmt

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
)

func sniffAs(name string, data []byte) kind {
	b := &core.Blob{Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
	return sniff(data[:min(len(data), core.HeadSize)], b)
}

// TensorFlow protobufs are not models: the registry asks this handler
// first, and the TensorFlow handler must still get them.
func TestSniffLeavesTensorFlow(t *testing.T) {
	files, _ := filepath.Glob("../tffmt/testdata/*/*")
	n := 0
	for _, p := range files {
		if filepath.Ext(p) == ".txtpb" || filepath.Ext(p) == ".proto" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil || len(data) == 0 {
			continue
		}
		n++
		for _, name := range []string{filepath.Base(p), "blob", "model.pb"} {
			if k := sniffAs(name, data); k != kindNone {
				t.Errorf("%s named %s recognised as %d", p, name, k)
			}
		}
	}
	if n == 0 {
		t.Fatal("no TensorFlow fixtures found")
	}
}

func TestSniff(t *testing.T) {
	relu := mkNode("r", "Relu", "")
	g := mkGraph([][]byte{relu})
	cases := []struct {
		name string
		data []byte
		want kind
	}{
		{"full model", mkModel(g), kindModel},
		{"graph without opset", cat(varintField(mIRVersion, 7), bytesField(mGraph, g)), kindModel},
		{"opset without graph", cat(varintField(mIRVersion, 7), bytesField(mOpsetImport, mkOpset("", 13))), kindModel},
		{"fields in declaration order", cat(varintField(mIRVersion, 7), bytesField(mOpsetImport, mkOpset("", 13)),
			strField(mProducerName, "p"), bytesField(mGraph, g)), kindModel},
		{"newer field with graph and opset", append(mkModel(g), varintField(99, 1)...), kindModel},
		{"newer field, no opset", cat(varintField(mIRVersion, 7), bytesField(mGraph, g), varintField(99, 1)), kindNone},
		{"no ir_version", cat(bytesField(mGraph, g), bytesField(mOpsetImport, mkOpset("", 13))), kindNone},
		{"ir_version 0", cat(varintField(mIRVersion, 0), bytesField(mGraph, g)), kindNone},
		{"ir_version too large", cat(varintField(mIRVersion, 1000), bytesField(mGraph, g)), kindNone},
		{"ir_version as bytes", cat(strField(mIRVersion, "8"), bytesField(mGraph, g)), kindNone},
		// a SavedModel: schema version 1, then a MetaGraphDef in field 2
		{"saved model shape", cat(varintField(1, 1), bytesField(2, cat(bytesField(1, strField(1, "serve")),
			bytesField(2, bytesField(1, cat(strField(1, "n"), strField(2, "Const"))))))), kindNone},
		{"binary producer", cat(varintField(mIRVersion, 7), bytesField(mProducerName, []byte{0, 1, 2}), bytesField(mGraph, g)), kindNone},
		{"node without op_type", cat(varintField(mIRVersion, 7), bytesField(mGraph, mkGraph([][]byte{strField(nName, "x")}))), kindNone},
		{"op_type with spaces", cat(varintField(mIRVersion, 7), bytesField(mGraph, mkGraph([][]byte{mkNode("x", "not an op", "")}))), kindNone},
		{"newer graph and node fields", cat(varintField(mIRVersion, 7), bytesField(mGraph,
			cat(bytesField(gNode, cat(relu, varintField(40, 1))), varintField(30, 1)))), kindModel},
		{"unknown field in a graph without nodes", cat(varintField(mIRVersion, 7), bytesField(mGraph,
			cat(bytesField(gInput, strField(1, "x")), varintField(30, 1)))), kindNone},
		{"node of unknown fields", cat(varintField(mIRVersion, 7), bytesField(mGraph, mkGraph([][]byte{cat(strField(nOpType, "Relu"),
			varintField(40, 1), varintField(41, 1))}))), kindNone},
		{"empty graph", cat(varintField(mIRVersion, 7), bytesField(mGraph, nil)), kindNone},
		{"bad opset domain", cat(varintField(mIRVersion, 7), bytesField(mOpsetImport, mkOpset("a b", 13))), kindNone},
		{"truncated", mkModel(g)[:20], kindNone},
		{"first node with thousands of inputs", mkModel(mkGraph([][]byte{wideNode(5000), relu})), kindModel},
		{"only nodes with thousands of inputs", cat(varintField(mIRVersion, 7), bytesField(mGraph, mkGraph([][]byte{wideNode(5000)}))), kindNone},
	}
	for _, c := range cases {
		if k := sniffAs("blob", c.data); k != c.want {
			t.Errorf("%s: kind %d, want %d", c.name, k, c.want)
		}
	}
	// a .onnx name claims damaged content
	if k := sniffAs("m.onnx", mkModel(g)[:20]); k != kindModel {
		t.Errorf("truncated model.onnx: kind %d", k)
	}
	if k := sniffAs("m.onnx", []byte{0x0a, 0x01, 'x'}); k != kindNamedOnly {
		t.Errorf("GraphDef-like m.onnx: kind %d", k)
	}
	if k := sniffAs("m.onnx", nil); k != kindNone {
		t.Errorf("empty m.onnx: kind %d", k)
	}
}

// wideNode is a Concat of n inputs; its op_type comes after them.
func wideNode(n int) []byte {
	var b []byte
	for range n {
		b = append(b, strField(nInput, "in")...)
	}
	return cat(b, strField(nOutput, "out"), strField(nOpType, "Concat"), bytesField(nAttribute, attrInt("axis", 0)))
}

// Random bytes are not models, even when they start with a model tag.
func TestSniffRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		data := make([]byte, 1+rng.IntN(600))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		data[0] = 0x08
		if i%2 == 0 && len(data) > 2 {
			data[1] = byte(1 + rng.IntN(12))
		}
		if k := sniffAs("blob", data); k != kindNone {
			t.Fatalf("random input %x recognised", data)
		}
	}
}
