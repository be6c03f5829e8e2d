package ggufmt_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/formats/ggufmt"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// FuzzGGUF runs the handler on arbitrary bytes, with the blobs it hands on
// routed through the real registry under small budgets. It must not panic;
// findings must carry a rule, a severity and an offset inside the file;
// every chat template handed on must lie inside the file.
func FuzzGGUF(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.gguf")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add(append(simple().bytes(), pklasm.System("id")...))
	f.Add(newGB(1, true).u32(1).u32(1).kv("k", 9).u32(9).u32(1).u32(8).u32(1).str("x").ti("t", []uint64{32}, 2, 0).bytes())
	reg := formats.New(scantest.Policy())
	lim := core.DefaultLimits()
	lim.MaxOpcodes, lim.MaxMemo, lim.MaxStack, lim.MaxMembers = 50000, 10000, 10000, 200
	lim.MaxDecompressed, lim.MaxDepth = 8<<20, 4
	f.Fuzz(func(t *testing.T, data []byte) {
		s := core.NewSession(context.Background(), lim, func(s *core.Session, b *core.Blob) error {
			if b.Role == core.RoleChatTemplate && b.Size > int64(len(data)) {
				t.Fatalf("template of %d bytes in a %d-byte file", b.Size, len(data))
			}
			return reg.Dispatch(s, b)
		})
		b := &core.Blob{Source: "f.gguf", Name: "f.gguf", R: bytes.NewReader(data), Size: int64(len(data))}
		if err := (&ggufmt.Handler{}).Scan(s, b); err != nil {
			t.Fatalf("error %v", err)
		}
		for _, fd := range s.Findings {
			if fd.Rule == "" || fd.Severity == core.SeverityNone || fd.Offset < -1 || fd.Offset > int64(len(data)) {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
		if len(s.Findings) == 0 && len(s.Problems) == 0 && len(data) < 16 { // v1 with no tensors and no metadata takes 16 bytes
			t.Fatalf("a %d-byte file passed as clean", len(data))
		}
	})
}
