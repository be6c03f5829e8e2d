package scan_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/scan"
)

// TestPythonModelScanParity checks, on the shared acceptance corpus (when it
// is present next to the repository), that for every file on which Python
// ModelScan reports an issue this tool reports one with the same module and
// operator and at least the same severity.
//
// Two documented, general exceptions: where Python ModelScan reports
// "unknown" (it could not resolve a STACK_GLOBAL operand) any CRITICAL
// finding counts; and a payload in an archive member the loader never
// unpickles is reported one step lower by design (dormant).
func TestPythonModelScanParity(t *testing.T) {
	root := "../../shared/corpus"
	data, err := os.ReadFile(filepath.Join(root, "manifest.json"))
	if err != nil {
		t.Skip("shared corpus not present")
	}
	var entries []struct {
		Path      string `json:"path"`
		Format    string `json:"format"`
		ModelScan struct {
			Detected bool   `json:"detected"`
			Result   string `json:"result"`
		} `json:"modelscan"`
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatal(err)
	}
	finished := map[string]bool{"pickle": true, "dill": true, "cloudpickle": true, "joblib": true,
		"numpy": true, "npz": true, "pytorch-zip": true, "pytorch-legacy": true}
	s, err := scan.New(scan.Options{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		if !e.ModelScan.Detected || !finished[e.Format] {
			continue
		}
		res, err := s.Scan(context.Background(), filepath.Join(root, e.Path))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range strings.Split(strings.Split(e.ModelScan.Result, " | ")[0], ";") {
			sevName, name, ok := strings.Cut(strings.TrimSpace(want), ":")
			if !ok {
				continue
			}
			sev, err := scan.ParseSeverity(sevName)
			if err != nil {
				t.Fatalf("%s: %v", e.Path, err)
			}
			checked++
			if !parity(res, name, sev) {
				t.Errorf("%s: Python ModelScan reports %s %s; modelscan reports %s", e.Path, sevName, name, summary(res))
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d Python ModelScan issues checked", checked)
	}
}

func parity(res *scan.Result, name string, sev scan.Severity) bool {
	for _, f := range res.Findings {
		got := f.Module + "." + f.Operator
		switch {
		case got == name && f.Severity >= sev:
			return true
		case strings.Contains(name, "unknown") && f.Severity == scan.Critical:
			return true // Python could not resolve the import; modelscan did
		case got == name && f.Severity == sev-1 && strings.Contains(f.Description, "dormant"):
			return true // member the loader never unpickles
		}
	}
	return false
}

func summary(res *scan.Result) string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, f.Severity.String()+":"+f.Module+"."+f.Operator)
	}
	return strings.Join(out, ", ")
}
