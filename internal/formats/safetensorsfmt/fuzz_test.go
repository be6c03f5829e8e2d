package safetensorsfmt_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/formats/safetensorsfmt"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// FuzzSafetensors runs the handler on arbitrary bytes, with nested regions
// routed through the real registry under small budgets. It must not panic;
// every finding must carry a rule, a severity and an offset inside the file;
// a file the handler reports nothing about must have a header that fits.
func FuzzSafetensors(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.safetensors")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add(raw(`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]},"a":{}}`, []byte{1, 2}))
	f.Add(append(valid(nil, tt{"w", "U8", []int{2}, []byte{1, 2}}), pklasm.System("id")...))
	reg := formats.New(scantest.Policy())
	lim := core.DefaultLimits()
	lim.MaxOpcodes, lim.MaxMemo, lim.MaxStack, lim.MaxMembers = 50000, 10000, 10000, 200
	lim.MaxDecompressed, lim.MaxDepth = 8<<20, 4
	f.Fuzz(func(t *testing.T, data []byte) {
		s := core.NewSession(context.Background(), lim, reg.Dispatch)
		b := &core.Blob{Source: "f.safetensors", Name: "f.safetensors", R: bytes.NewReader(data), Size: int64(len(data))}
		if err := (&safetensorsfmt.Handler{}).Scan(s, b); err != nil {
			t.Fatalf("error %v", err)
		}
		for _, fd := range s.Findings {
			if fd.Rule == "" || fd.Severity == core.SeverityNone || fd.Offset < -1 || fd.Offset > int64(len(data)) {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
		if len(s.Findings) == 0 && len(s.Problems) == 0 && len(data) < 8 {
			t.Fatalf("a %d-byte file passed as clean", len(data))
		}
	})
}
