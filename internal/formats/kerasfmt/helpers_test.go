package kerasfmt_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/formats/kerasfmt"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// The handlers are not in the registry yet: the tests route blobs to
// them first and everything else to the real registry (zip members of a
// .keras archive come back through this dispatcher).
func dispatcher(lim core.Limits) core.Dispatcher {
	pol := scantest.Policy()
	reg := formats.New(pol)
	hs := []core.Handler{&kerasfmt.H5Handler{Pol: pol}, &kerasfmt.ConfigHandler{Pol: pol}}
	return func(s *core.Session, b *core.Blob) error {
		head := make([]byte, core.HeadSize)
		n, _ := b.R.ReadAt(head, 0)
		for _, h := range hs {
			if h.Match(head[:n], b) {
				return h.Scan(s, b)
			}
		}
		return reg.Dispatch(s, b)
	}
}

func scanBlob(b *core.Blob) *core.Session {
	s := core.NewSession(context.Background(), core.DefaultLimits(), dispatcher(core.DefaultLimits()))
	if err := s.Scan(b); err != nil {
		s.Fail(b, core.CatModelScan, err)
	}
	return s
}

func scanBytes(name string, data []byte) *core.Session {
	return scanBlob(&core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))})
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
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
