package onnxfmt

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
)

// FuzzONNX runs recognition and the scan on arbitrary bytes, under a .onnx
// name and a neutral one. It must not panic; every finding needs a rule, a
// severity and a description; a recognised blob is either scanned or
// reported as a problem.
func FuzzONNX(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.onnx")
	more, _ := filepath.Glob("testdata/*/*.onnx")
	for _, p := range append(files, more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, true)
			f.Add(data, false)
		}
	}
	relu := mkNode("r", "Relu", "")
	f.Add(mkModel(mkGraph([][]byte{mkNode("p", "PyOp", "py", attrString("module", "os")),
		mkNode("l", "Loop", "", attrGraph("body", mkGraph([][]byte{relu}, extTensor("w", "../x", true))))}),
		bytesField(mFunctions, mkFunction("f", "F", mkNode("e", "EPContext", "com.microsoft", attrInt("embed_mode", 0),
			attrString("ep_cache_context", "/x"))))), false)
	h := &Handler{}
	f.Fuzz(func(t *testing.T, data []byte, hint bool) {
		name := "blob"
		if hint {
			name = "model.onnx"
		}
		b := &core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
		if !h.Match(data[:min(len(data), core.HeadSize)], b) {
			return
		}
		s := core.NewSession(context.Background(), core.DefaultLimits(), nil)
		if err := h.Scan(s, b); err != nil {
			t.Fatalf("Scan returned %v", err)
		}
		if len(s.Scanned) == 0 && len(s.Problems) == 0 {
			t.Fatal("recognised but neither scanned nor reported")
		}
		for _, fd := range s.Findings {
			if fd.Rule == "" || fd.Severity == core.SeverityNone || fd.Description == "" || fd.Scanner != Scanner {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}
