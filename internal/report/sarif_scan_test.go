package report

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/scan"
)

// fileRecorder collects the top-level sources a scan reports, as the CLI
// does for Meta.Files.
type fileRecorder struct {
	mu    sync.Mutex
	files []string
}

func (r *fileRecorder) Planned(int, int64) {}

func (r *fileRecorder) Done(source string, _ int64) {
	r.mu.Lock()
	r.files = append(r.files, source)
	r.mu.Unlock()
}

// scanSARIF scans dir with the library and renders the SARIF report.
func scanSARIF(t *testing.T, dir string) (*scan.Result, []byte) {
	t.Helper()
	rec := &fileRecorder{}
	s, err := scan.New(scan.Options{Observer: rec})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(rec.files)
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	m := Meta{InputPath: dir, AbsolutePath: abs, Version: "0.1.0", Files: rec.files, ShowSkipped: true}
	if err := SARIF(&buf, res, m); err != nil {
		t.Fatal(err)
	}
	return res, buf.Bytes()
}

// TestSARIFRealScan validates the SARIF of a scan of every benign fixture.
func TestSARIFRealScan(t *testing.T) {
	res, out := scanSARIF(t, filepath.Join("..", "..", "testdata", "real"))
	if len(res.Scanned) == 0 {
		t.Fatal("nothing scanned in testdata/real")
	}
	validateSARIF(t, out)
	t.Logf("testdata/real: %d scanned, %d findings, %d errors, %d skipped, %d bytes of SARIF",
		len(res.Scanned), len(res.Findings), len(res.Errors), len(res.Skipped), len(out))
}

// TestSARIFCraftedScan scans malicious files assembled opcode by opcode
// (nothing is loaded): a pickle calling posix.system, the same pickle as
// the data.pkl of a PyTorch zip checkpoint, and a truncated pickle.
func TestSARIFCraftedScan(t *testing.T) {
	dir := t.TempDir()
	evil := pklasm.System("echo pwned")
	write := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("evil.pkl", evil)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for name, data := range map[string][]byte{"archive/data.pkl": evil, "archive/version": []byte("3\n")} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	write("nested dir/model:1.pt", zbuf.Bytes())
	write("broken.pkl", []byte("\x80\x04\x95"))

	res, out := scanSARIF(t, dir)
	validateSARIF(t, out)
	var doc struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }        `json:"artifactLocation"`
						Region           *struct{ ByteOffset int64 } `json:"region"`
					} `json:"physicalLocation"`
					LogicalLocations []struct{ Name string } `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, r := range doc.Runs[0].Results {
		loc := r.Locations[0]
		key := loc.PhysicalLocation.ArtifactLocation.URI
		if len(loc.LogicalLocations) > 0 {
			key += "!" + loc.LogicalLocations[0].Name
		}
		if r.RuleID == "pickle-dangerous-import" && r.Level == "error" {
			found[key] = true
			if loc.PhysicalLocation.Region != nil && len(loc.LogicalLocations) > 0 {
				t.Errorf("%s: region in the outer file for a member finding", key)
			}
		}
	}
	for _, want := range []string{"evil.pkl", "nested%20dir/model%3A1.pt!archive/data.pkl"} {
		if !found[want] {
			t.Errorf("no CRITICAL pickle-dangerous-import at %s; results: %v\n%s", want, found, out)
		}
	}
	if len(res.Errors) > 0 && doc.Runs[0].Invocations[0].ExecutionSuccessful {
		t.Errorf("scan errors %v but executionSuccessful", res.Errors)
	}
}
