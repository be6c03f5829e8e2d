package hfconfig_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/hfconfig"
	"github.com/modelscan-go/modelscan/internal/formats/zipfmt"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// dispatcher routes blobs to the zip handler or the hf-config handler, the
// way the registry will once the handler is wired in.
func dispatcher(h *hfconfig.Handler) core.Dispatcher {
	z := &zipfmt.Handler{Pol: scantest.Policy()}
	return func(s *core.Session, b *core.Blob) error {
		head := make([]byte, core.HeadSize)
		n, _ := b.R.ReadAt(head, 0)
		head = head[:n]
		for _, hd := range []core.Handler{z, h} {
			if hd.Match(head, b) {
				return hd.Scan(s, b)
			}
		}
		if !b.Quiet {
			s.Skip(b, core.SkipNotSupp, "not routed in this test")
		}
		return nil
	}
}

func newHandler() *hfconfig.Handler { return &hfconfig.Handler{Pol: scantest.Policy()} }

// scan scans data as a top-level file whose source is src.
func scan(src string, data []byte) *core.Session {
	s := core.NewSession(context.Background(), core.DefaultLimits(), dispatcher(newHandler()))
	b := &core.Blob{Source: src, Name: filepath.Base(src), R: bytes.NewReader(data), Size: int64(len(data))}
	if err := s.Scan(b); err != nil {
		s.Fail(b, core.CatModelScan, err)
	}
	return s
}

func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func find(s *core.Session, rule string, sev core.Severity, source string) []core.Finding {
	var out []core.Finding
	for _, f := range s.Findings {
		if (rule == "" || f.Rule == rule) && (sev == 0 || f.Severity == sev) && (source == "" || f.Source == source) {
			out = append(out, f)
		}
	}
	return out
}
