package tffmt

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
)

// FuzzTensorFlow runs recognition and the scan on arbitrary bytes, under a
// hinted and an unhinted name. It must not panic, every finding needs a
// rule and a severity, and nested blobs must lie inside the input.
func FuzzTensorFlow(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil && filepath.Ext(p) != ".txtpb" && len(data) < 64<<10 {
			f.Add(data, true)
			f.Add(data, false)
		}
	}
	g := graphDef([][]byte{nodeDef("c", "Const", nodeAttr("value", avStringTensor(graphDef([][]byte{nodeDef("w", "WriteFile")})))),
		nodeDef("p", "PrintV2", nodeAttr("output_stream", avString("file:///x"))),
		nodeDef("f", "PartitionedCall", nodeAttr("f", avFuncRef("ReadFile")))}, functionDef("fn", nodeDef("py", "PyFunc")))
	f.Add(savedModel(g), true)
	f.Add(graphDef([][]byte{nodeDef("a", "_Send")}), false)
	h := &Handler{}
	f.Fuzz(func(t *testing.T, data []byte, hint bool) {
		name := "blob.bin"
		if hint {
			name = "saved_model.pb"
		}
		dispatch := func(s *core.Session, b *core.Blob) error {
			if b.Depth == 0 {
				head := data[:min(len(data), core.HeadSize)]
				if !h.Match(head, b) {
					return nil
				}
				return h.Scan(s, b)
			}
			if b.Size < 0 || b.Size > int64(len(data)) {
				t.Fatalf("child %s of %d bytes in a %d-byte input", b.Name, b.Size, len(data))
			}
			return nil
		}
		s := core.NewSession(context.Background(), core.DefaultLimits(), dispatch)
		b := &core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
		_ = s.Scan(b)
		for _, fd := range s.Findings {
			if fd.Rule == "" || fd.Severity == core.SeverityNone || fd.Description == "" {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}
