package templatefmt_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/templatefmt"
	"github.com/modelscan-go/modelscan/internal/formats/zipfmt"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
	"github.com/modelscan-go/modelscan/internal/scantest/sessiontest"
)

// dispatcher routes blobs to the zip handler or the chat-template handler,
// the way the registry will once the handler is wired in.
func dispatcher(h *templatefmt.Handler) core.Dispatcher {
	return sessiontest.Route(nil, &zipfmt.Handler{Pol: scantest.Policy()}, h)
}

func scanBlob(b *core.Blob) *core.Session {
	return sessiontest.Scan(dispatcher(&templatefmt.Handler{}), b, core.DefaultLimits())
}

func scan(name string, data []byte) *core.Session { return scanBlob(sessiontest.Blob(name, data)) }

func tokenizerConfig(t *testing.T, tpl any) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{"bos_token": "<s>", "chat_template": tpl, "model_max_length": 4096})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

const payload = `{{ cycler.__init__.__globals__.os.popen('id').read() }}`

func find(s *core.Session, rule string, sev core.Severity, source string) *core.Finding {
	for i, f := range s.Findings {
		if f.Rule == rule && f.Severity == sev && f.Source == source {
			return &s.Findings[i]
		}
	}
	return nil
}

func TestMatch(t *testing.T) {
	h := &templatefmt.Handler{}
	if h.Name() != "chat-template" {
		t.Errorf("name %q", h.Name())
	}
	cases := []struct {
		name, role string
		head       string
		want       bool
	}{
		{"chat_template.jinja", "", "{% for m in messages %}", true},
		{"x/templates/tool_use.jinja", "", "{{ bos_token }}", true},
		{"chat_template.jinja", "", "\x80\x02c__builtin__", false},
		{"chat_template.jinja", "", "a\x00b", false},
		{"chat_template.json", "", "\xef\xbb\xbf  {\"a\": 1}", true},
		// owned by hf-config, which hands their templates to ScanJSONTemplates
		{"tokenizer_config.json", "", "{\"chat_template\": \"x\"}", false},
		{"processor_config.json", "", "{\"chat_template\": \"x\"}", false},
		{"sub/chat_template.json", "", "{}", true},
		{"chat_template.json", "", "PK\x03\x04", false},
		{"config.json", "", "{}", false},
		{"model.bin", core.RoleChatTemplate, "anything", true},
		{"notes.txt", "", "{{ x }}", false},
	}
	for _, c := range cases {
		b := &core.Blob{Name: c.name, Role: c.role}
		if got := h.Match([]byte(c.head), b); got != c.want {
			t.Errorf("Match(%q, %q) = %v", c.name, c.head, got)
		}
	}
	// a rune cut by the end of the head is still text
	for _, r := range []string{"é", "€", "😀"} {
		for cut := 1; cut < len(r); cut++ {
			head := []byte(strings.Repeat("a", core.HeadSize-cut) + r)[:core.HeadSize]
			if !h.Match(head, &core.Blob{Name: "t.jinja"}) {
				t.Errorf("%q cut after %d bytes rejected", r, cut)
			}
		}
	}
	if h.Match([]byte(strings.Repeat("a", core.HeadSize-1)+"\xff"), &core.Blob{Name: "t.jinja"}) {
		t.Error("invalid byte at the end accepted")
	}
}

func TestJinjaFile(t *testing.T) {
	s := scan("m/chat_template.jinja", []byte("{{ bos_token }}\n"+payload))
	f := find(s, rules.TemplateSSTI, core.Critical, "m/chat_template.jinja")
	if f == nil {
		t.Fatalf("no finding:\n%s", scantest.Dump(s))
	}
	if f.Scanner != templatefmt.ScannerName || f.Module != "jinja2" || f.Operator != "__init__" || f.Offset != 26 ||
		!strings.HasPrefix(f.Evidence, "line 2:11: cycler.__init__") {
		t.Errorf("finding %+v", *f)
	}
	if len(s.Problems) != 0 || len(s.Scanned) != 1 {
		t.Errorf("problems/scanned:\n%s", scantest.Dump(s))
	}
}

func TestCleanFixturesAsFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "jinja", "testdata", "clean", "*.jinja"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []*core.Session{
			scan("chat_template.jinja", data),
			scan("chat_template.json", tokenizerConfig(t, string(data))),
			scan("chat_template.json", tokenizerConfig(t, []any{map[string]string{"name": "default", "template": string(data)}})),
		} {
			if len(s.Findings) > 0 || len(s.Problems) > 0 || len(s.Scanned) == 0 {
				t.Errorf("%s not clean:\n%s", filepath.Base(p), scantest.Dump(s))
			}
		}
	}
}

func TestJSONConfig(t *testing.T) {
	list := []any{
		map[string]string{"name": "default", "template": "{{ messages[0].content }}"},
		map[string]string{"name": "tool_use", "template": payload},
		map[string]string{"name": "rag", "template": "{{ x|attr('__cla' ~ 'ss__') }}"},
	}
	s := scan("m/chat_template.json", tokenizerConfig(t, list))
	for _, src := range []string{"m/chat_template.json:chat_template[tool_use]", "m/chat_template.json:chat_template[rag]"} {
		f := find(s, rules.TemplateSSTI, core.Critical, src)
		if f == nil {
			t.Errorf("no finding at %s:\n%s", src, scantest.Dump(s))
		} else if f.Offset != -1 {
			t.Errorf("offset %d for a JSON-embedded template", f.Offset)
		}
	}
	if len(s.Findings) != 2 || len(s.Problems) != 0 {
		t.Errorf("findings:\n%s", scantest.Dump(s))
	}
	// The file is listed once; its templates are part of it.
	if got := strings.Join(s.Scanned, ","); got != "m/chat_template.json" {
		t.Errorf("scanned %q", got)
	}

	s = scan("chat_template.json", []byte(`{"chat_template": `+strconvQuote(payload)+`}`))
	if find(s, rules.TemplateSSTI, core.Critical, "chat_template.json:chat_template") == nil {
		t.Errorf("chat_template.json:\n%s", scantest.Dump(s))
	}
}

// ScanJSONTemplates is how hf-config has the templates of the
// tokenizer_config.json it owns analysed: findings on children of the
// caller's blob, the JSON error returned, not recorded.
func TestScanJSONTemplates(t *testing.T) {
	data := []byte(`{"bos_token": "<s>", "chat_template": ` + strconvQuote(payload) + `, "x": tru}`)
	b := &core.Blob{Source: "m/tokenizer_config.json", Name: "tokenizer_config.json", R: bytes.NewReader(data), Size: int64(len(data))}
	s := core.NewSession(context.Background(), core.DefaultLimits(), nil)
	err := (&templatefmt.Handler{}).ScanJSONTemplates(s, b, data)
	if err == nil || len(s.Problems) != 0 {
		t.Errorf("error %v, problems:\n%s", err, scantest.Dump(s))
	}
	if find(s, rules.TemplateSSTI, core.Critical, "m/tokenizer_config.json:chat_template") == nil || len(s.Scanned) != 0 {
		t.Errorf("findings:\n%s", scantest.Dump(s))
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestDuplicateKeysAllScanned(t *testing.T) {
	doc := `{"chat_template": "{{ messages }}", "x": [1, {"y": null}], "chat_template": ` + strconvQuote(payload) + `}`
	s := scan("chat_template.json", []byte(doc))
	if find(s, rules.TemplateSSTI, core.Critical, "chat_template.json:chat_template#2") == nil {
		t.Errorf("second chat_template not scanned:\n%s", scantest.Dump(s))
	}
	doc = `{"chat_template": ` + strconvQuote(payload) + `, "chat_template": "{{ messages }}"}`
	s = scan("chat_template.json", []byte(doc))
	if find(s, rules.TemplateSSTI, core.Critical, "chat_template.json:chat_template") == nil {
		t.Errorf("first chat_template not scanned:\n%s", scantest.Dump(s))
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name, data string
		cat        string
		rule       string
	}{
		{"chat_template.json", `{"chat_template": "{{ x }}", `, core.CatJSON, ""},
		{"chat_template.json", `{"chat_template": 42}`, core.CatJSON, ""},
		{"chat_template.json", `{"chat_template": [{"name": "a"}]}`, core.CatJSON, ""},
		{"chat_template.json", `{"a": 1} {"b": 2}`, core.CatJSON, ""},
		{"chat_template.jinja", "{% for m in messages %}", core.CatModelScan, rules.TemplateUnparsable},
		{"chat_template.json", `{"chat_template": "{% if x %}"}`, core.CatModelScan, rules.TemplateUnparsable},
	}
	for _, c := range cases {
		s := scan(c.name, []byte(c.data))
		if len(s.Problems) != 1 || s.Problems[0].Category != c.cat {
			t.Errorf("%q: problems:\n%s", c.data, scantest.Dump(s))
		}
		if c.rule != "" && scantest.MaxSeverity(s) != core.Medium {
			t.Errorf("%q: want a MEDIUM %s:\n%s", c.data, c.rule, scantest.Dump(s))
		}
	}
	// findings made before a JSON error are kept
	s := scan("chat_template.json", []byte(`{"chat_template": `+strconvQuote(payload)+`, "x": tru}`))
	if scantest.MaxSeverity(s) != core.Critical || len(s.Problems) != 1 {
		t.Errorf("truncated JSON:\n%s", scantest.Dump(s))
	}
}

func TestLimits(t *testing.T) {
	h := &templatefmt.Handler{}
	h.Limits.MaxBytes = 64
	s := core.NewSession(context.Background(), core.DefaultLimits(), dispatcher(h))
	data := []byte(strings.Repeat("{{ x }}", 20))
	b := &core.Blob{Source: "t.jinja", Name: "t.jinja", R: bytes.NewReader(data), Size: int64(len(data))}
	_ = s.Scan(b)
	if len(s.Findings) != 1 || s.Findings[0].Rule != rules.ScanIncomplete || len(s.Problems) != 1 || s.Problems[0].Category != core.CatBudget {
		t.Errorf("size limit:\n%s", scantest.Dump(s))
	}
	h.Limits = jinjaDepth(20)
	s = core.NewSession(context.Background(), core.DefaultLimits(), dispatcher(h))
	data = []byte(payload + "{{ " + strings.Repeat("(", 50) + "1" + strings.Repeat(")", 50) + " }}")
	b = &core.Blob{Source: "t.jinja", Name: "t.jinja", R: bytes.NewReader(data), Size: int64(len(data))}
	_ = s.Scan(b)
	if scantest.MaxSeverity(s) != core.Critical || find(s, rules.ScanIncomplete, core.Medium, "t.jinja") == nil ||
		len(s.Problems) != 1 || s.Problems[0].Category != core.CatBudget {
		t.Errorf("depth limit:\n%s", scantest.Dump(s))
	}
}

func TestRoleBlobAndDormant(t *testing.T) {
	data := []byte(payload)
	parent := &core.Blob{Source: "model.gguf", Name: "model.gguf"}
	child := parent.Child("tokenizer.chat_template", bytes.NewReader(data), int64(len(data)))
	child.Role = core.RoleChatTemplate
	s := scanBlob(child)
	if find(s, rules.TemplateSSTI, core.Critical, "model.gguf:tokenizer.chat_template") == nil {
		t.Errorf("role blob:\n%s", scantest.Dump(s))
	}
	child = parent.Child("tokenizer.chat_template", bytes.NewReader(data), int64(len(data)))
	child.Role, child.Dormant = core.RoleChatTemplate, true
	s = scanBlob(child)
	if scantest.MaxSeverity(s) != core.High {
		t.Errorf("dormant blob not lowered:\n%s", scantest.Dump(s))
	}
}

// A model repository zipped up: the templates inside are found through the
// zip handler and reported with their member path.
func TestInsideZip(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	add("model/chat_template.json", tokenizerConfig(t, payload))
	add("model/chat_template.jinja", []byte("{{ x|attr('_'*2 ~ 'globals' ~ '_'*2) }}"))
	add("model/README.md", []byte("# model"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	s := scan("repo.zip", buf.Bytes())
	for _, src := range []string{"repo.zip:model/chat_template.json:chat_template", "repo.zip:model/chat_template.jinja"} {
		if find(s, rules.TemplateSSTI, core.Critical, src) == nil {
			t.Errorf("nothing at %s:\n%s", src, scantest.Dump(s))
		}
	}
}

func TestExtractTemplates(t *testing.T) {
	got, err := templatefmt.ExtractTemplates([]byte(`{"chat_template": [{"name": "default", "template": "a"}, {"template": "b"}, {"name": "x", "template": "c"}], "other": {"chat_template": "nested is ignored"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, n := range got {
		labels = append(labels, fmt.Sprintf("%s=%s(%s)", n.Label, n.Template, n.Name))
	}
	if want := "chat_template[default]=a(default) chat_template[#1]=b() chat_template[x]=c(x)"; strings.Join(labels, " ") != want {
		t.Errorf("got %q", strings.Join(labels, " "))
	}
	for _, doc := range []string{`{"chat_template": null}`, `{}`, `{"a": "b"}`} {
		if got, err := templatefmt.ExtractTemplates([]byte(doc)); err != nil || len(got) != 0 {
			t.Errorf("%s: %v %v", doc, got, err)
		}
	}
	for _, doc := range []string{``, `[]`, `"x"`, `{"chat_template": {"a": "b"}}`, `{"chat_template": [1]}`} {
		if _, err := templatefmt.ExtractTemplates([]byte(doc)); err == nil {
			t.Errorf("%s accepted", doc)
		}
	}
	// Python's json accepts NaN and Infinity, and a BOM is skipped
	got, err = templatefmt.ExtractTemplates([]byte("\xef\xbb\xbf{\"a\": NaN, \"b\": [-Infinity, Infinity], \"s\": \"NaN\", \"chat_template\": \"t\"}"))
	if err != nil || len(got) != 1 || got[0].Template != "t" {
		t.Errorf("python JSON: %v %v", got, err)
	}
	if _, err := templatefmt.ExtractTemplates(make([]byte, templatefmt.MaxJSONBytes+1)); err == nil {
		t.Error("oversized document accepted")
	}
}

// readerAtFunc lets a test fail reads.
type failingReader struct{}

func (failingReader) ReadAt(p []byte, off int64) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestReadError(t *testing.T) {
	b := &core.Blob{Source: "t.jinja", Name: "t.jinja", R: failingReader{}, Size: 10}
	s := core.NewSession(context.Background(), core.DefaultLimits(), nil)
	if err := (&templatefmt.Handler{}).Scan(s, b); err != nil || len(s.Problems) != 1 {
		t.Errorf("read error: %v\n%s", err, scantest.Dump(s))
	}
}
