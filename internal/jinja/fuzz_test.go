package jinja

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/rules"
)

// FuzzParse runs the parser, the recovery parser and the analyser on
// arbitrary text with small budgets: no panic, bounded work, well-formed
// issues, and a parse error always reported.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "clean", "*.jinja"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	for _, c := range malicious {
		f.Add(c.src)
	}
	if raw, err := os.ReadFile(filepath.Join("testdata", "grammar", "cases.json")); err == nil {
		var cases []struct{ Src string }
		if json.Unmarshal(raw, &cases) == nil {
			for i := 0; i < len(cases); i += 20 {
				f.Add(cases[i].Src)
			}
		}
	}
	lim := Limits{MaxBytes: 64 << 10, MaxDepth: 100, MaxNodes: 20000, MaxSteps: 50000}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, perr := Parse(src, lim)
		flat, _ := parseFlat(src, lim)
		if flat == nil {
			t.Fatal("recovery parse returned nothing")
		}
		rep, err := Analyze(src, lim)
		if (perr == nil) != (err == nil) {
			t.Fatalf("Parse error %v but Analyze error %v", perr, err)
		}
		if err == nil && (tpl == nil || rep.Template == nil) {
			t.Fatal("no syntax tree without an error")
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Col < 1 {
				t.Fatalf("error without position: %v", err)
			}
			if len(rep.Issues) == 0 || (rep.Issues[0].Rule != rules.TemplateUnparsable && rep.Issues[0].Rule != rules.ScanIncomplete) {
				t.Fatalf("parse error %v not reported first: %+v", err, rep.Issues)
			}
		}
		for _, is := range rep.Issues {
			if is.Rule == "" || is.Severity == 0 || is.Line < 1 || is.Col < 1 || is.Offset < 0 || is.Offset > len(src) {
				t.Fatalf("malformed issue %+v", is)
			}
		}
	})
}
