package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/modelscan-go/modelscan/scan"
)

// The JSON document. Explicit structs fix the key order, which is Python
// ModelScan's (dict insertion order); fields marked as additions are not in
// Python ModelScan's report.
type jsonReport struct {
	Summary jsonSummary  `json:"summary"`
	Issues  []jsonIssue  `json:"issues"`
	Errors  []jsonRecord `json:"errors"`
}

type jsonSummary struct {
	BySeverity   jsonCounts  `json:"total_issues_by_severity"`
	TotalIssues  int         `json:"total_issues"`
	InputPath    string      `json:"input_path"`
	AbsolutePath string      `json:"absolute_path"`
	Version      string      `json:"modelscan_version"`
	Timestamp    string      `json:"timestamp"`
	Scanned      jsonScanned `json:"scanned"`
	Skipped      jsonSkipped `json:"skipped"`
	TotalErrors  int         `json:"total_errors"`         // addition
	Incomplete   bool        `json:"incomplete,omitempty"` // addition: the scan was interrupted
}

type jsonCounts struct {
	Low      int `json:"LOW"`
	Medium   int `json:"MEDIUM"`
	High     int `json:"HIGH"`
	Critical int `json:"CRITICAL"`
}

type jsonScanned struct {
	Total int      `json:"total_scanned"`
	Files []string `json:"scanned_files,omitempty"` // omitted when empty, as Python does
}

type jsonSkipped struct {
	Total int           `json:"total_skipped"`
	Files *[]jsonRecord `json:"skipped_files,omitempty"` // only with Meta.ShowSkipped
}

// jsonRecord is an error or a skipped file.
type jsonRecord struct {
	Category    string `json:"category"`
	Description string `json:"description"`
	Source      string `json:"source"`
}

type jsonIssue struct {
	Description string `json:"description"`
	Operator    string `json:"operator"`
	Module      string `json:"module"`
	Source      string `json:"source"`
	Scanner     string `json:"scanner"`
	Severity    string `json:"severity"`
	RuleID      string `json:"rule_id"`            // addition
	Evidence    string `json:"evidence,omitempty"` // addition
	Offset      *int64 `json:"offset,omitempty"`   // addition, omitted when < 0
}

// JSON writes the report as JSON indented by two spaces, followed by a
// newline. Keys and their meaning are Python ModelScan's; "rule_id",
// "evidence", "offset", "total_errors" and "incomplete" are additions.
// Sources are written as the Result has them. "issues" and "errors" are
// always arrays. Like Python's json.dumps, non-ASCII characters are written
// as \u escapes, so the document is ASCII and safe to print.
func JSON(w io.Writer, res *scan.Result, m Meta) error {
	counts := countBySeverity(res.Findings)
	doc := jsonReport{
		Summary: jsonSummary{
			BySeverity: jsonCounts{
				Low:      counts[scan.Low],
				Medium:   counts[scan.Medium],
				High:     counts[scan.High],
				Critical: counts[scan.Critical],
			},
			TotalIssues:  len(res.Findings),
			InputPath:    m.InputPath,
			AbsolutePath: m.AbsolutePath,
			Version:      m.Version,
			Timestamp:    isoTime(m.Timestamp),
			Scanned:      jsonScanned{Total: len(res.Scanned), Files: res.Scanned},
			Skipped:      jsonSkipped{Total: len(res.Skipped)},
			TotalErrors:  len(res.Errors),
			Incomplete:   res.Interrupted,
		},
		Issues: make([]jsonIssue, 0, len(res.Findings)),
		Errors: make([]jsonRecord, 0, len(res.Errors)),
	}
	if m.ShowSkipped {
		files := make([]jsonRecord, 0, len(res.Skipped))
		for _, s := range res.Skipped {
			files = append(files, jsonRecord{Category: s.Category, Description: s.Description, Source: s.Source})
		}
		doc.Summary.Skipped.Files = &files
	}
	for _, f := range res.Findings {
		is := jsonIssue{
			Description: f.Description,
			Operator:    f.Operator,
			Module:      f.Module,
			Source:      f.Source,
			Scanner:     f.Scanner,
			Severity:    f.Severity.String(),
			RuleID:      f.Rule,
			Evidence:    f.Evidence,
		}
		if f.Offset >= 0 {
			off := f.Offset
			is.Offset = &off
		}
		doc.Issues = append(doc.Issues, is)
	}
	for _, e := range res.Errors {
		doc.Errors = append(doc.Errors, jsonRecord{Category: e.Category, Description: e.Description, Source: e.Source})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := w.Write(asciiJSON(buf.Bytes()))
	return err
}

// asciiJSON escapes the non-ASCII characters of a JSON document encoded by
// encoding/json (valid UTF-8, non-ASCII only inside strings) as \uXXXX,
// using surrogate pairs above U+FFFF, as Python's ensure_ascii does.
func asciiJSON(b []byte) []byte {
	if !slices.ContainsFunc(b, func(c byte) bool { return c >= utf8.RuneSelf }) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/8)
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			out = append(out, b[0])
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
	}
	return out
}
