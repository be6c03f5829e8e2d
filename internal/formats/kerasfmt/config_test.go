package kerasfmt_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/kerasfmt"
	"github.com/modelscan-go/modelscan/internal/keras"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// TestKerasArchives scans .keras zips end to end: the zip handler hands
// config.json, metadata.json and model.weights.h5 back by content.
func TestKerasArchives(t *testing.T) {
	const cfg = ":config.json"
	cases := []struct {
		file string
		want []expect
	}{
		{"dense.keras", nil},
		{"custom_registered.keras", []expect{{rules.KerasCustomObject, core.Medium, cfg, `registered_name "MyPackage>MyLayer"`}}},
		{"lambda_system.keras", []expect{{rules.KerasLambda, core.Critical, cfg, `"lambda" (Lambda) at config.layers[1]`}}},
		{"os_system_function.keras", []expect{{rules.KerasUnsafeObject, core.Critical, cfg, `module "os", class_name "function", name "system"`}}},
		{"unsafe_deserialization.keras", []expect{
			{rules.KerasUnsafeDeserialization, core.Critical, cfg, `module "keras.config"`},
			{rules.KerasLambda, core.Critical, cfg, "system"}}},
		{"get_file.keras", []expect{{rules.KerasFileGadget, core.Critical, cfg, `module "keras.utils"`}}},
		{"stringlookup_path.keras", []expect{{rules.KerasExternalPath, core.High, cfg, `vocabulary "/etc/passwd"`}}},
		{"stringlookup_url.keras", []expect{{rules.KerasExternalPath, core.High, cfg, "https://example.invalid/vocab.txt"}}},
		{"tfsmlayer.keras", []expect{{rules.KerasExternalPath, core.High, cfg, `filepath "/tmp/attacker_savedmodel"`}}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			s := scanBytes(c.file, fixture(t, c.file))
			check(t, s, c.file, c.want, 0)
			scanned := strings.Join(s.Scanned, " ")
			for _, m := range []string{cfg, ":metadata.json", ":model.weights.h5"} {
				if !strings.Contains(scanned, c.file+m) {
					t.Errorf("%s not scanned: %q", m, s.Scanned)
				}
			}
			if len(s.Skips) > 0 {
				t.Errorf("skips:\n%s", scantest.Dump(s))
			}
			for _, f := range s.Findings {
				if f.Scanner != keras.ScannerKeras || f.Offset < 0 {
					t.Errorf("finding fields %+v", f)
				}
			}
		})
	}
}

func TestConfigMatch(t *testing.T) {
	h := &kerasfmt.ConfigHandler{Pol: scantest.Policy()}
	if h.Name() != "keras-config" {
		t.Error(h.Name())
	}
	yes := []string{
		`{"module": "keras", "class_name": "Sequential", "config": {"name": "s"}}`,
		`{"class_name": "Sequential", "config": {"name": "s"}, "keras_version": "2.13.1"}`,
		`{"keras_version": "3.3.3", "date_saved": "2024-05-01@12:00:00"}`,
	}
	no := []string{
		`{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32000}`,
		`{"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.21.0"}`,
		`{"format": "layers-model", "modelTopology": {"class_name": "Sequential", "config": {}}}`,
		"\x80\x04K\x01.",
	}
	for _, d := range yes {
		if !h.Match([]byte(d), &core.Blob{Name: "config.json"}) {
			t.Errorf("not matched: %s", d)
		}
	}
	for _, d := range no {
		if h.Match([]byte(d), &core.Blob{Name: "config.json"}) {
			t.Errorf("matched: %s", d)
		}
	}
	if !h.Match([]byte("anything"), &core.Blob{Role: core.RoleKerasConfig}) {
		t.Error("keras-config role not matched")
	}
}

func TestConfigBlobs(t *testing.T) {
	system := `{"name": "lambda", "class_name": "Lambda", "config": {"name": "lambda", "function": "lambda x: __import__('os').system('id')", "function_type": "raw"}}`
	t.Run("keras_metadata layer", func(t *testing.T) {
		b := &core.Blob{Source: "keras_metadata.pb:root.layer-1", Name: "root.layer-1", R: strings.NewReader(system),
			Size: int64(len(system)), Role: core.RoleKerasConfig, Quiet: true}
		s := scanBlob(b)
		check(t, s, b.Source, []expect{{rules.KerasLambda, core.Critical, "", "Python source text"}}, 0)
		if s.Findings[0].Scanner != keras.ScannerSavedModel {
			t.Errorf("scanner %q", s.Findings[0].Scanner)
		}
	})
	t.Run("metadata.json", func(t *testing.T) {
		s := scanBytes("metadata.json", []byte(`{"keras_version": "3.3.3", "date_saved": "2024-05-01@12:00:00"}`))
		check(t, s, "metadata.json", nil, 0)
	})
	t.Run("model.json", func(t *testing.T) {
		doc := `{"class_name": "Sequential", "config": {"name": "s", "layers": [` + system + `]}, "keras_version": "2.4.0", "backend": "tensorflow"}`
		s := scanBytes("model.json", []byte(doc))
		check(t, s, "model.json", []expect{{rules.KerasLambda, core.Critical, "", `"lambda" (Lambda) at config.layers[0]`}}, 0)
	})
	t.Run("invalid JSON", func(t *testing.T) {
		doc := `{"class_name": "Sequential", "config": {"name": "s", "layers": [` + system
		s := scanBytes("config.json", []byte(doc))
		check(t, s, "config.json", []expect{
			{rules.KerasLambda, core.Critical, "", "Python source text"},
			{rules.KerasConfigUnreadable, core.Medium, "", "invalid JSON"}}, 1)
		if s.Problems[0].Category != core.CatJSON {
			t.Errorf("category %s", s.Problems[0].Category)
		}
	})
	t.Run("too large", func(t *testing.T) {
		head := `{"class_name": "Sequential", "config": {"layers": [`
		size := int64(keras.DefaultMaxBytes) + 1
		r := io.MultiReader(strings.NewReader(head), io.LimitReader(zeros{}, size-int64(len(head))))
		data, _ := io.ReadAll(io.LimitReader(r, 1024)) // only the head is materialised
		b := &core.Blob{Source: "big.json", Name: "big.json", R: &prefixed{head: data}, Size: size}
		s := scanBlob(b)
		check(t, s, "big.json", []expect{{rules.ScanIncomplete, core.Medium, "", "limit"}}, 1)
	})
	t.Run("torch module wrapper", func(t *testing.T) {
		pk := base64.StdEncoding.EncodeToString(pklasm.System("id"))
		doc := fmt.Sprintf(`{"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
			{"module": "keras.layers", "class_name": "TorchModuleWrapper", "config": {"name": "t", "module": %q}, "registered_name": null}]}}`, pk)
		s := scanBytes("config.json", []byte(doc))
		if len(s.Findings) < 2 || s.Findings[0].Rule != rules.KerasTorchModule {
			t.Fatalf("findings:\n%s", scantest.Dump(s))
		}
		found := false
		for _, f := range s.Findings {
			if f.Source == "config.json:config.layers[0].config.module" && f.Severity == core.Critical {
				found = true
			}
		}
		if !found {
			t.Errorf("the embedded pickle was not scanned:\n%s", scantest.Dump(s))
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// prefixed reads head, then zeros, without holding them.
type prefixed struct{ head []byte }

func (p *prefixed) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	if off < int64(len(p.head)) {
		n = copy(b, p.head[off:])
	}
	clear(b[n:])
	return len(b), nil
}

var _ = bytes.NewReader
