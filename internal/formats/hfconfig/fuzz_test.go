package hfconfig_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/hfconfig"
)

// FuzzHFConfig feeds arbitrary bytes to Parse and to the handler as each
// kind of config: no panic, every reference names its entry, and every
// finding carries a rule, a severity, a scanner and a source.
func FuzzHFConfig(f *testing.F) {
	filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
		return nil
	})
	f.Add([]byte(`{"auto_map": {"AutoTokenizer": [null, "a/b--t.T", 3], "AutoModel": "m"}, "custom_pipelines": {"t": {"impl": null}}}`))
	f.Add([]byte(`{"_class_name": ["p", null], "unet": [null, "X"], "vae": ["x.y", "Z", {"repo": "a/b"}], "chat_template": [{"name": "a", "template": "{{ x }}"}]}`))
	f.Add([]byte("\xef\xbb\xbf{\"a\": NaN, \"auto_map\": {\"A\": \"m.C\"}} "))
	h := newHandler()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, mi := range []bool{false, true} {
			cfg, _ := hfconfig.Parse(data, mi)
			for _, r := range cfg.References {
				if r.Kind == "" || r.Entry == "" {
					t.Fatalf("reference %+v", r)
				}
			}
		}
		for _, name := range []string{"config.json", "model_index.json", "tokenizer_config.json"} {
			s := core.NewSession(context.Background(), core.DefaultLimits(), func(*core.Session, *core.Blob) error { return nil })
			b := &core.Blob{Source: "r/" + name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
			if !h.Match(data[:min(len(data), core.HeadSize)], b) {
				continue
			}
			if err := h.Scan(s, b); err != nil {
				t.Fatal(err)
			}
			for _, fd := range s.Findings {
				if fd.Rule == "" || fd.Severity == core.SeverityNone || fd.Scanner == "" || !strings.HasPrefix(fd.Source, "r/"+name) {
					t.Fatalf("malformed finding %+v", fd)
				}
			}
		}
	})
}
