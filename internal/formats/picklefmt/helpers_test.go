package picklefmt_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/picklefmt"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// scanRegistry runs data through the real routing, as the CLI does for a
// file named name.
func scanRegistry(t *testing.T, name string, data []byte, lim core.Limits) *core.Session {
	return scantest.Scan(name, data, lim)
}

// scanPickle runs data through the pickle handler directly; nested blobs
// go to the same handler.
func scanPickle(t *testing.T, name string, data []byte, lim core.Limits) *core.Session {
	t.Helper()
	h := &picklefmt.Handler{Pol: scantest.Policy()}
	s := core.NewSession(context.Background(), lim, func(s *core.Session, b *core.Blob) error { return h.Scan(s, b) })
	b := &core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
	if err := s.Scan(b); err != nil {
		s.Fail(b, core.CatModelScan, err)
	}
	return s
}

func maxSeverity(s *core.Session) core.Severity {
	m := core.SeverityNone
	for _, f := range s.Findings {
		if f.Severity > m {
			m = f.Severity
		}
	}
	return m
}

func dump(s *core.Session) string { return scantest.Dump(s) }

// findingsWhere returns the findings matching every non-empty criterion.
func findingsWhere(s *core.Session, rule, module, evidence string) []core.Finding {
	var out []core.Finding
	for _, f := range s.Findings {
		if rule != "" && f.Rule != rule {
			continue
		}
		if module != "" && f.Module != module {
			continue
		}
		if evidence != "" && !strings.Contains(f.Evidence, evidence) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func problemWith(s *core.Session, sub string) bool {
	for _, p := range s.Problems {
		if strings.Contains(p.Description, sub) {
			return true
		}
	}
	return false
}

// ---- stream builders (everything is assembled in Go; nothing is loaded) ----

func proto(p byte) *pklasm.A {
	a := pklasm.New()
	if p >= 2 {
		a.Proto(p)
	}
	return a
}

// execPickle is a protocol-2 pickle of builtins.exec('import os').
func execPickle() []byte {
	return pklasm.New().Proto(2).Global("builtins", "exec").Str("import os; os.system('id')").Tuple1().Reduce().Stop().Bytes()
}

func zlibBytes(p []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(p)
	w.Close()
	return buf.Bytes()
}

func b64(p []byte) string    { return base64.StdEncoding.EncodeToString(p) }
func hexStr(p []byte) string { return hex.EncodeToString(p) }

// loadsOf wraps inner as _pickle.loads(<inner bytes>).
func loadsOf(inner []byte) []byte {
	return pklasm.New().Proto(2).Global("_pickle", "loads").BinBytes(inner).Tuple1().Reduce().Stop().Bytes()
}
