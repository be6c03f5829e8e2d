package tffmt_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// Through the real registry: the fixtures reach this handler and the
// benign ones stay clean; the Keras layer metadata handed on is analysed
// as part of the file, not listed as files of its own.
func TestFixturesThroughRegistry(t *testing.T) {
	for path, top := range map[string]core.Severity{
		"benign_keras/saved_model.pb":      core.SeverityNone,
		"benign_keras/fingerprint.pb":      core.SeverityNone,
		"frozen/frozen_graph.pb":           core.SeverityNone,
		"tf1/model.ckpt.meta":              core.SeverityNone,
		"keras_objgraph/saved_model.pb":    core.SeverityNone,
		"readfile_function/saved_model.pb": core.High,
		"pyfunc/saved_model.pb":            core.Medium,
		"custom_op/saved_model.pb":         core.Medium,
	} {
		data, err := os.ReadFile(filepath.Join("testdata", path))
		if err != nil {
			t.Fatal(err)
		}
		s := scantest.Scan(filepath.Base(path), data, core.DefaultLimits())
		if got := scantest.MaxSeverity(s); got != top || len(s.Problems) > 0 || len(s.Skips) > 0 || len(s.Scanned) != 1 {
			t.Errorf("%s: top %s, want %s:\n%s", path, got, top, scantest.Dump(s))
		}
	}
}
