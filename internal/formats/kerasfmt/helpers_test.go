package kerasfmt_test

import (
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/formats/kerasfmt"
	"github.com/modelscan-go/modelscan/internal/scantest"
	"github.com/modelscan-go/modelscan/internal/scantest/sessiontest"
)

// The handlers are not in the registry yet: the tests route blobs to
// them first and everything else to the real registry (zip members of a
// .keras archive come back through this dispatcher).
func dispatcher(lim core.Limits) core.Dispatcher {
	pol := scantest.Policy()
	return sessiontest.Route(formats.New(pol).Dispatch, &kerasfmt.H5Handler{Pol: pol}, &kerasfmt.ConfigHandler{Pol: pol})
}

func scanBlob(b *core.Blob) *core.Session {
	return sessiontest.Scan(dispatcher(core.DefaultLimits()), b, core.DefaultLimits())
}

func scanBytes(name string, data []byte) *core.Session { return scanBlob(sessiontest.Blob(name, data)) }

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return scantest.ReadFile(t, "testdata", name)
}

// expect is one finding a scan must contain.
type expect struct {
	rule string
	sev  core.Severity
	src  string // suffix of the finding's source, "" for the file itself
	ev   string // substring of the evidence
}

func check(t *testing.T, s *core.Session, name string, want []expect, problems int) {
	t.Helper()
	if len(s.Findings) != len(want) {
		t.Errorf("%d findings, want %d:\n%s", len(s.Findings), len(want), scantest.Dump(s))
	}
	for _, w := range want {
		ok := false
		for _, f := range s.Findings {
			src := name + w.src
			if f.Rule == w.rule && f.Severity == w.sev && f.Source == src && strings.Contains(f.Evidence, w.ev) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("no %s %s at %s with %q:\n%s", w.sev, w.rule, name+w.src, w.ev, scantest.Dump(s))
		}
	}
	if len(s.Problems) != problems {
		t.Errorf("%d problems, want %d:\n%s", len(s.Problems), problems, scantest.Dump(s))
	}
	checkScanned(t, s, name)
}

// checkScanned: a file is listed as scanned; layer metadata handed on by
// the SavedModel reader is part of its file and is not listed.
func checkScanned(t *testing.T, s *core.Session, name string) {
	t.Helper()
	if strings.Contains(name, "keras_metadata.pb:") {
		if len(s.Scanned) != 0 {
			t.Errorf("layer metadata listed as scanned: %q", s.Scanned)
		}
		return
	}
	if len(s.Scanned) == 0 || s.Scanned[0] != name {
		t.Errorf("scanned %q", s.Scanned)
	}
}
