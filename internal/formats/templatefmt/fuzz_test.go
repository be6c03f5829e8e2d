package templatefmt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/templatefmt"
	"github.com/modelscan-go/modelscan/internal/jinja"
)

// FuzzTemplateJSON feeds arbitrary bytes to ExtractTemplates and to the
// handler as a chat_template.json: no panic, and every finding carries a
// rule, a severity and the source of its template.
func FuzzTemplateJSON(f *testing.F) {
	f.Add([]byte(`{"chat_template": "{{ x|attr('__cla' ~ 'ss__') }}"}`))
	f.Add([]byte(`{"chat_template": [{"name": "default", "template": "{{ messages }}"}, {"name": "t", "template": "{% for %}"}], "chat_template": null}`))
	f.Add([]byte(`{"bos_token": "<s>", "added_tokens_decoder": {"0": {"content": "<unk>"}}, "chat_template": 1}`))
	files, _ := filepath.Glob(filepath.Join("..", "..", "jinja", "testdata", "clean", "*.jinja"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			doc, _ := json.Marshal(map[string]string{"chat_template": string(data)})
			f.Add(doc)
		}
	}
	lim := jinja.Limits{MaxBytes: 64 << 10, MaxDepth: 100, MaxNodes: 20000, MaxSteps: 50000}
	h := &templatefmt.Handler{Limits: lim}
	f.Fuzz(func(t *testing.T, data []byte) {
		named, _ := templatefmt.ExtractTemplates(data)
		for _, n := range named {
			if !strings.HasPrefix(n.Label, "chat_template") {
				t.Fatalf("template label %q", n.Label)
			}
		}
		s := core.NewSession(context.Background(), core.DefaultLimits(), func(s *core.Session, b *core.Blob) error { return nil })
		b := &core.Blob{Source: "chat_template.json", Name: "chat_template.json", R: bytes.NewReader(data), Size: int64(len(data))}
		if h.Match(data[:min(len(data), core.HeadSize)], b) {
			if err := h.Scan(s, b); err != nil {
				t.Fatal(err)
			}
		}
		for _, fd := range s.Findings {
			if fd.Rule == "" || fd.Severity == core.SeverityNone || fd.Source == "" || fd.Scanner == "" {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}
