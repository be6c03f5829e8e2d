package formats_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// The name is only a hint: a pickle named .safetensors is scanned as the
// pickle torch.load would run, and a .safetensors name whose content no
// handler recognises is read as a malformed safetensors file, not skipped.
func TestSafetensorsNameIsOnlyAHint(t *testing.T) {
	s := scantest.Scan("m.safetensors", pklasm.System("echo pwned"), core.DefaultLimits())
	if scantest.MaxSeverity(s) != core.Critical {
		t.Errorf("pickle named .safetensors:\n%s", scantest.Dump(s))
	}
	s = scantest.Scan("m.safetensors", []byte("not a model at all, just text"), core.DefaultLimits())
	found := false
	for _, f := range s.Findings {
		found = found || (f.Rule == rules.SafetensorsMalformed && f.Severity == core.High)
	}
	if !found {
		t.Errorf("garbage named .safetensors:\n%s", scantest.Dump(s))
	}
}

// ONNX and TensorFlow files are both protobuf: each fixture reaches its own
// handler through the registry, whatever its name, and benign ones are
// clean.
func TestProtobufFormatsRouted(t *testing.T) {
	cases := []struct {
		path    string
		scanner string
		top     core.Severity
	}{
		{"onnxfmt/testdata/tiny_mlp.onnx", "", core.SeverityNone},
		{"onnxfmt/testdata/control_flow.onnx", "", core.SeverityNone},
		{"onnxfmt/testdata/com_microsoft.onnx", "", core.SeverityNone},
		{"onnxfmt/testdata/malicious/ext_traversal.onnx", "modelscan.scanners.ONNXScan", core.High},
		{"tffmt/testdata/frozen/frozen_graph.pb", "", core.SeverityNone},
		{"tffmt/testdata/readfile_function/saved_model.pb", "modelscan.scanners.SavedModelTensorflowOpScan", core.High},
	}
	for _, c := range cases {
		data, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{filepath.Base(c.path), "model.bin"} {
			s := scantest.Scan(name, data, core.DefaultLimits())
			if got := scantest.MaxSeverity(s); got != c.top || len(s.Problems) > 0 || len(s.Skips) > 0 || len(s.Scanned) != 1 {
				t.Errorf("%s as %s: top %s, want %s:\n%s", c.path, name, got, c.top, scantest.Dump(s))
				continue
			}
			for _, f := range s.Findings {
				if f.Severity == c.top && f.Scanner != c.scanner {
					t.Errorf("%s as %s: scanner %q, want %q", c.path, name, f.Scanner, c.scanner)
				}
			}
		}
	}
}
