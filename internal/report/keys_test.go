package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelscan-go/modelscan/scan"
)

// keyOrder returns, for each object in a JSON document, its path and its
// keys in document order.
func keyOrder(t *testing.T, data []byte) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func(path string)
	walk = func(path string) {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch tok {
		case json.Delim('{'):
			out[path] = []string{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					t.Fatal(err)
				}
				out[path] = append(out[path], k.(string))
				walk(path + "." + k.(string))
			}
			dec.Token()
		case json.Delim('['):
			for dec.More() {
				walk(path + "[]")
			}
			dec.Token()
		}
	}
	walk("")
	return out
}

func TestJSONKeyOrder(t *testing.T) {
	res := fullResult()
	res.Interrupted = true
	m := meta
	m.ShowSkipped = true
	var buf bytes.Buffer
	if err := JSON(&buf, res, m); err != nil {
		t.Fatal(err)
	}
	got := keyOrder(t, buf.Bytes())
	want := map[string][]string{
		"":                                  {"summary", "issues", "errors"},
		".summary":                          {"total_issues_by_severity", "total_issues", "input_path", "absolute_path", "modelscan_version", "timestamp", "scanned", "skipped", "total_errors", "incomplete"},
		".summary.total_issues_by_severity": {"LOW", "MEDIUM", "HIGH", "CRITICAL"},
		".summary.scanned":                  {"total_scanned", "scanned_files"},
		".summary.skipped":                  {"total_skipped", "skipped_files"},
		".summary.skipped.skipped_files[]":  {"category", "description", "source"},
		".issues[]":                         {"description", "operator", "module", "source", "scanner", "severity", "rule_id", "evidence", "offset"},
		".errors[]":                         {"category", "description", "source"},
	}
	// The last issue has neither evidence nor offset; the first has both,
	// and keyOrder keeps the last object seen at a path.
	want[".issues[]"] = want[".issues[]"][:7]
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("key order (-want +got):\n%s", d)
	}
}

func TestJSONEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, &scan.Result{}, meta); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"issues", "errors"} {
		if _, ok := doc[k].([]any); !ok {
			t.Errorf("%s = %#v, want an array", k, doc[k])
		}
	}
	sum := doc["summary"].(map[string]any)
	if _, ok := sum["incomplete"]; ok {
		t.Errorf("incomplete present in a complete scan")
	}
	if _, ok := sum["scanned"].(map[string]any)["scanned_files"]; ok {
		t.Errorf("scanned_files present with nothing scanned")
	}
	if _, ok := sum["skipped"].(map[string]any)["skipped_files"]; ok {
		t.Errorf("skipped_files present without ShowSkipped")
	}
	if sum["timestamp"] != "2024-11-19T12:00:00.000000" {
		t.Errorf("timestamp = %v", sum["timestamp"])
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":      "plain text",
		"a\x1b[31mb":      `a\x1b[31mb`,
		"line\nbreak\r\t": `line\x0abreak\x0d\x09`,
		"bad\xffutf8":     `bad\xffutf8`,
		"bidi\u202eevil":  `bidi\u202eevil`,
		"c1\u009bx":       `c1\u009bx`,
		"zero\u200bwidth": `zero\u200bwidth`,
		"ünïcödé ok ✓":    "ünïcödé ok ✓",
		"del\x7f":         `del\x7f`,
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEvidenceTruncated(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes
	got := evidence(long)
	if !strings.HasSuffix(got, "... (500 more bytes)") {
		t.Errorf("evidence suffix: %q", got[len(got)-30:])
	}
	if len(got) > maxEvidence+30 {
		t.Errorf("evidence not truncated: %d bytes", len(got))
	}
}

func TestJSONASCII(t *testing.T) {
	res := &scan.Result{Scanned: []string{"ünï\u202e😀.pkl"}}
	var buf bytes.Buffer
	if err := JSON(&buf, res, meta); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"\u00fcn\u00ef\u202e\ud83d\ude00.pkl"`) {
		t.Errorf("non-ASCII not escaped like Python:\n%s", buf.String())
	}
	var doc struct {
		Summary struct {
			Scanned struct {
				Files []string `json:"scanned_files"`
			} `json:"scanned"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || doc.Summary.Scanned.Files[0] != res.Scanned[0] {
		t.Errorf("round trip: %v %q", err, doc.Summary.Scanned.Files)
	}
}
