package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelscan-go/modelscan/scan"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var meta = Meta{
	InputPath:    "models",
	AbsolutePath: "/home/user/models",
	Version:      "1.2.3",
	Timestamp:    time.Date(2024, 11, 19, 12, 0, 0, 0, time.UTC),
}

func fullResult() *scan.Result {
	return &scan.Result{
		Inputs:  []string{"models"},
		Scanned: []string{"model.pkl", "net.pt:archive/data.pkl", "weights.npy"},
		Skipped: []scan.Skip{
			{Category: "SCAN_NOT_SUPPORTED", Source: "README.md", Description: "Model Scan did not scan file"},
			{Category: "SCAN_NOT_SUPPORTED", Source: "config.json", Description: "Model Scan did not scan file"},
			{Category: "BAD_ZIP", Source: "broken.zip", Description: "not a valid zip file"},
		},
		Findings: []scan.Finding{
			{Rule: "pickle-dangerous-import", Severity: scan.Critical, Module: "posix", Operator: "system",
				Description: "Use of unsafe operator 'system' from module 'posix'", Source: "model.pkl",
				Scanner: "modelscan.scanners.PickleUnsafeOpScan", Evidence: "posix.system('echo pwned')", Offset: 17},
			{Rule: "pickle-dangerous-import", Severity: scan.Critical, Module: "builtins", Operator: "exec",
				Description: "Use of unsafe operator 'exec' from module 'builtins'", Source: "net.pt:archive/data.pkl",
				Scanner:  "modelscan.scanners.PyTorchUnsafeOpScan",
				Evidence: "builtins.exec('" + strings.Repeat("x = 1; ", 60) + "')", Offset: 123456},
			{Rule: "pickle-unknown-import", Severity: scan.Medium, Module: "my_pkg.models", Operator: "MyNet",
				Description: "Use of unknown operator 'MyNet' from module 'my_pkg.models'", Source: "model.pkl",
				Scanner: "modelscan.scanners.PickleUnsafeOpScan", Offset: -1},
			{Rule: "zip-hidden-member", Severity: scan.Low, Description: "archive member name has control characters",
				Source: "evil.zip:a\x1b[31mb\u202e.pkl", Scanner: "", Offset: -1},
		},
		Errors: []scan.Error{
			{Category: "PICKLE_GENOPS", Source: "x.pkl", Description: "unexpected end of pickle stream at byte 40"},
			{Category: "MAGIC_NUMBER", Source: "weights.npy", Description: "bad header"},
		},
	}
}

func cases() []struct {
	name string
	res  *scan.Result
	meta Meta
} {
	shown := meta
	shown.ShowSkipped = true
	interrupted := fullResult()
	interrupted.Interrupted = true
	interrupted.Errors = append(interrupted.Errors, scan.Error{Category: "CANCELLED", Source: "z.pkl", Description: "not scanned: the scan was interrupted"})
	clean := &scan.Result{Scanned: []string{"model.safetensors"},
		Skipped: []scan.Skip{{Category: "SCAN_NOT_SUPPORTED", Source: "README.md", Description: "Model Scan did not scan file"}}}
	return []struct {
		name string
		res  *scan.Result
		meta Meta
	}{
		{"full", fullResult(), meta},
		{"full_show_skipped", fullResult(), shown},
		{"empty", &scan.Result{}, meta},
		{"empty_show_skipped", &scan.Result{}, shown},
		{"clean", clean, meta},
		{"errors_only", &scan.Result{Scanned: []string{"a.pkl"}, Errors: fullResult().Errors}, meta},
		{"nothing_scanned_errors", &scan.Result{Errors: []scan.Error{{Category: "PATH", Source: "missing", Description: "no such file or directory"}}}, meta},
		{"interrupted", interrupted, meta},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			var js, plain, color bytes.Buffer
			if err := JSON(&js, tc.res, tc.meta); err != nil {
				t.Fatal(err)
			}
			if err := Console(&plain, tc.res, tc.meta, false); err != nil {
				t.Fatal(err)
			}
			if err := Console(&color, tc.res, tc.meta, true); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(js.Bytes()) {
				t.Errorf("invalid JSON:\n%s", js.String())
			}
			if bytes.Contains(plain.Bytes(), []byte("\x1b")) {
				t.Errorf("escape code in colourless output")
			}
			golden(t, tc.name+".json", js.Bytes())
			golden(t, tc.name+".txt", plain.Bytes())
			golden(t, tc.name+".color.txt", color.Bytes())

			// Output is a function of the input.
			var again bytes.Buffer
			if err := JSON(&again, tc.res, tc.meta); err != nil || !bytes.Equal(again.Bytes(), js.Bytes()) {
				t.Errorf("JSON not deterministic (err %v)", err)
			}
		})
	}
}
