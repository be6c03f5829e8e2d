package compressfmt_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
)

// FuzzCompressed routes arbitrary bytes through the registry (compressed
// streams first of all) with small budgets: no panic, no hang, every
// finding well formed, and every budget stop both a finding and an error.
// Seeds: the container fixtures and the payload in every codec.
func FuzzCompressed(f *testing.F) {
	for _, fx := range fixtures(f) {
		if data, err := os.ReadFile(filepath.Join(containersDir, fx.Path)); err == nil && len(data) < 64<<10 {
			f.Add(data, filepath.Base(fx.Path))
		}
	}
	for _, e := range goEncoders {
		if e.name == "bzip2" {
			continue // needs the CLI; the bzip2 fixtures seed it
		}
		f.Add(e.enc(f, payload), "x.pkl"+e.ext)
		f.Add(e.enc(f, e.enc(f, payload)), "x.pkl"+e.ext+e.ext)
	}
	f.Add(rgz, "quine.gz")
	f.Add(append(skippable(4), zstdEnc(f, payload)...), "x.zst")
	f.Add(gzipEnc(f, pklasm.New().Proto(4).Frame(3).None().Stop().Bytes()), "x.gz")
	lim := core.DefaultLimits()
	lim.MaxOpcodes, lim.MaxMemo, lim.MaxStack, lim.MaxMembers = 50000, 10000, 10000, 200
	lim.MaxDecompressed, lim.MaxDepth = 8<<20, 4
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		if name == "" {
			name = "x" // every input file has a name: findings take it as their source
		}
		s := scan(name, data, lim)
		budgetFindings := 0
		for _, fd := range s.Findings {
			if fd.Rule == "" || fd.Severity == core.SeverityNone || fd.Source == "" {
				t.Fatalf("malformed finding %+v", fd)
			}
			if fd.Rule == "scan-incomplete" {
				budgetFindings++
			}
		}
		budgetProblems := 0
		for _, p := range s.Problems {
			if p.Category == core.CatBudget {
				budgetProblems++
			}
		}
		if budgetFindings != budgetProblems {
			t.Fatalf("%d scan-incomplete findings but %d BUDGET errors", budgetFindings, budgetProblems)
		}
	})
}
