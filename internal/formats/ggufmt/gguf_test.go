package ggufmt_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/ggufmt"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("%v (run testdata/gen.py)", err)
	}
	return data
}

// The generated fixtures (v1, v2, v3, big-endian, custom alignment, every
// value type, nested arrays) are valid: routed by content, nothing found.
func TestFixturesClean(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.gguf")
	if len(files) < 6 {
		t.Fatalf("fixtures: %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s := scan("model.bin.x", fixture(t, filepath.Base(f)))
			if len(s.Findings) != 0 || len(s.Problems) != 0 || len(s.Skips) != 0 {
				t.Errorf("not clean:\n%s", scantest.Dump(s))
			}
			if len(s.Scanned) == 0 || s.Scanned[0] != "model.bin.x" {
				t.Errorf("scanned %q", s.Scanned)
			}
		})
	}
	if s := scan("x.gguf", simple().bytes()); len(s.Findings) != 0 || len(s.Problems) != 0 {
		t.Errorf("builder output not clean:\n%s", scantest.Dump(s))
	}
}

// Every chat template string is handed on with the chat-template role, in
// every version and byte order.
func TestChatTemplatesHandedOn(t *testing.T) {
	for _, name := range []string{"v1.gguf", "v2.gguf", "v3.gguf", "v3_big_endian.gguf"} {
		t.Run(name, func(t *testing.T) {
			s, kids := scanDirect(fixture(t, name))
			if len(s.Findings) != 0 || len(s.Problems) != 0 {
				t.Errorf("findings:\n%s", scantest.Dump(s))
			}
			if len(kids) != 2 {
				t.Fatalf("children %+v", kids)
			}
			want := map[string]string{
				"tokenizer.chat_template":          "{% for m in messages %}",
				"tokenizer.chat_template.tool_use": "{% for t in tools %}",
			}
			for _, k := range kids {
				if k.role != core.RoleChatTemplate || !k.quiet || k.source != "m.gguf:"+k.name || !strings.HasPrefix(k.text, want[k.name]) {
					t.Errorf("child %+v", k)
				}
				delete(want, k.name)
			}
			if len(want) != 0 {
				t.Errorf("missing %v", want)
			}
		})
	}
	// a template that is not a string, or a key that only looks similar,
	// is not a template
	g := newGB(3, false).u64(0).u64(3).kv("tokenizer.chat_template", 9).u32(8).u64(1).str("x").
		kvStr("tokenizer.chat_templates", "y").kvStr("tokenizer.chat_template_x", "z")
	if _, kids := scanDirect(g.bytes()); len(kids) != 0 {
		t.Errorf("children %+v", kids)
	}
}

func TestTemplateTooBig(t *testing.T) {
	g := newGB(3, false).u64(0).u64(1).kvStr("tokenizer.chat_template", strings.Repeat("x", ggufmt.MaxTemplate+1))
	s, kids := scanDirect(g.bytes())
	if len(kids) != 0 || !has(s, rules.ScanIncomplete, core.Medium, "over the 1048576-byte limit") {
		t.Errorf("oversized template: %d children\n%s", len(kids), scantest.Dump(s))
	}
}

func TestMatch(t *testing.T) {
	h := &ggufmt.Handler{}
	if h.Name() != "gguf" {
		t.Errorf("name %q", h.Name())
	}
	anon := &core.Blob{Name: "x", Size: 10}
	if !h.Match([]byte("GGUF\x03\x00\x00\x00"), anon) || h.Match([]byte("GGML"), anon) || h.Match(nil, anon) {
		t.Error("content match")
	}
	if !h.Match([]byte("junk"), &core.Blob{Name: "m.GGUF", Size: 4}) || h.Match(nil, &core.Blob{Name: "m.gguf"}) {
		t.Error("name hint")
	}
}

// trailing bytes and a non-zero header padding are scanned.
func TestHiddenBytes(t *testing.T) {
	payload := pklasm.System("echo pwned")
	s := scan("m.gguf", append(simple().bytes(), payload...))
	if !has(s, rules.GGUFTrailingData, core.High, "bytes at offset 224") {
		t.Errorf("no trailing finding:\n%s", scantest.Dump(s))
	}
	crit := false
	for _, f := range s.Findings {
		crit = crit || (f.Severity == core.Critical && f.Source == "m.gguf:<trailing data>")
	}
	if !crit {
		t.Errorf("payload after the data not CRITICAL:\n%s", scantest.Dump(s))
	}
	// the header padding holds the payload: alignment 256 leaves room
	g := newGB(3, false).u64(1).u64(1).kvU32("general.alignment", 256).ti("a", []uint64{8}, 0, 0)
	g.raw(payload).pad(256).raw(make([]byte, 32)).pad(256)
	s = scan("m.gguf", g.bytes())
	crit = false
	for _, f := range s.Findings {
		crit = crit || (f.Severity == core.Critical && strings.HasPrefix(f.Source, "m.gguf:<padding@"))
	}
	if !crit || len(s.Problems) != 0 {
		t.Errorf("payload in the padding missed:\n%s", scantest.Dump(s))
	}
}

func TestRemovedType(t *testing.T) {
	g := newGB(3, false).u64(2).u64(0).ti("a", []uint64{32}, 31, 0).ti("b", []uint64{32}, 31, 32).pad(32).raw(make([]byte, 64))
	s := scan("m.gguf", g.bytes())
	if len(s.Findings) != 1 || !has(s, rules.GGUFRemovedType, core.Low, `tensor "a" uses Q4_0_4_4`) {
		t.Errorf("want one LOW note:\n%s", scantest.Dump(s))
	}
}
