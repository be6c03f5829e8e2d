package hfconfig_test

import (
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/hfconfig"
	"github.com/modelscan-go/modelscan/internal/formats/zipfmt"
	"github.com/modelscan-go/modelscan/internal/scantest"
	"github.com/modelscan-go/modelscan/internal/scantest/sessiontest"
)

// dispatcher routes blobs to the zip handler or the hf-config handler, the
// way the registry will once the handler is wired in.
func dispatcher(h *hfconfig.Handler) core.Dispatcher {
	return sessiontest.Route(nil, &zipfmt.Handler{Pol: scantest.Policy()}, h)
}

func newHandler() *hfconfig.Handler { return &hfconfig.Handler{Pol: scantest.Policy()} }

// scan scans data as a top-level file whose source is src.
func scan(src string, data []byte) *core.Session {
	b := sessiontest.Blob(src, data)
	b.Name = filepath.Base(src)
	return sessiontest.Scan(dispatcher(newHandler()), b, core.DefaultLimits())
}

func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	return scantest.ReadFile(t, "testdata", rel)
}

func find(s *core.Session, rule string, sev core.Severity, source string) []core.Finding {
	return sessiontest.Find(s, rule, sev, source)
}
