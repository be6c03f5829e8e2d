package formats

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// FuzzDispatch routes arbitrary bytes through every handler (content
// sniffing, zip, npy, legacy torch, pickle analysis and policy) with small
// budgets. It must not panic, and no finding may lack a rule or severity.
func FuzzDispatch(f *testing.F) {
	f.Add(pklasm.System("id"))
	for _, pat := range []string{"torch/*.pt", "numpy/*.np?", "pickle/*_v4.pkl", "joblib/*.joblib", "torch/legacy_*"} {
		files, _ := filepath.Glob(filepath.Join("../../testdata/real", pat))
		for _, p := range files {
			if data, err := os.ReadFile(p); err == nil && len(data) < 256<<10 {
				f.Add(data)
			}
		}
	}
	reg := New(policy.Default())
	lim := core.DefaultLimits()
	lim.MaxOpcodes, lim.MaxMemo, lim.MaxStack, lim.MaxMembers = 50000, 10000, 10000, 200
	lim.MaxDecompressed, lim.MaxDepth = 8<<20, 4
	f.Fuzz(func(t *testing.T, data []byte) {
		s := core.NewSession(context.Background(), lim, reg.Dispatch)
		b := &core.Blob{Source: "fuzz.bin", Name: "fuzz.bin", R: bytes.NewReader(data), Size: int64(len(data))}
		_ = s.Scan(b)
		for _, fd := range s.Findings {
			if fd.Rule == "" || fd.Severity == core.SeverityNone {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}
