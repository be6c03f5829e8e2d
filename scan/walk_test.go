package scan

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
)

func mkfile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mklink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
}

func sources(files []file) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.source)
	}
	return out
}

func skipped(skips []Skip) map[string]Skip {
	out := map[string]Skip{}
	for _, s := range skips {
		out[s.Source] = s
	}
	return out
}

// hfCache builds hub/ as huggingface_hub lays it out: snapshot files are
// relative links into blobs/; two revisions share blobs; one blob belongs
// to no snapshot (an interrupted download).
func hfCache(t *testing.T) string {
	t.Helper()
	hub := filepath.Join(t.TempDir(), "hub")
	repo := filepath.Join(hub, "models--acme--tiny")
	blobs := map[string][]byte{
		"1f0c":            []byte(`{"architectures": ["TinyModel"], "auto_map": {"AutoModel": "modeling_tiny.TinyModel"}}`),
		"2e9a":            []byte("import os\nos.system('id')\n"),
		"3b7d":            pklasm.System("echo cache"),
		"4c21":            []byte(`{"architectures": ["TinyModel"]}`),
		"9a9a.incomplete": []byte("partial"),
	}
	for name, data := range blobs {
		mkfile(t, filepath.Join(repo, "blobs", name), data)
	}
	mkfile(t, filepath.Join(repo, "refs", "main"), []byte("bbbb"))
	mkfile(t, filepath.Join(repo, ".no_exist", "bbbb", "tokenizer.json"), nil)
	mkfile(t, filepath.Join(hub, ".locks", "models--acme--tiny", "1f0c.lock"), nil)
	for rev, files := range map[string]map[string]string{
		"aaaa": {"config.json": "4c21", "pytorch_model.bin": "3b7d"},
		"bbbb": {"config.json": "1f0c", "modeling_tiny.py": "2e9a", "pytorch_model.bin": "3b7d"},
	} {
		for name, blob := range files {
			mklink(t, filepath.Join("..", "..", "blobs", blob), filepath.Join(repo, "snapshots", rev, name))
		}
	}
	return hub
}

func TestWalkHFCache(t *testing.T) {
	hub := hfCache(t)
	repo := filepath.Join(hub, "models--acme--tiny")
	snaps := []string{"snapshots/aaaa/config.json", "snapshots/aaaa/pytorch_model.bin", "snapshots/bbbb/config.json",
		"snapshots/bbbb/modeling_tiny.py", "snapshots/bbbb/pytorch_model.bin"}
	orphans := []string{"blobs/9a9a.incomplete"}
	prefix := func(p string, xs []string) []string {
		var out []string
		for _, x := range xs {
			out = append(out, p+x)
		}
		return out
	}
	cases := []struct {
		root  string
		want  []string
		skips []string
	}{
		{hub, append(prefix("models--acme--tiny/", orphans), prefix("models--acme--tiny/", snaps)...),
			[]string{".locks", "models--acme--tiny/.no_exist", "models--acme--tiny/refs"}},
		{repo, append(append([]string{}, orphans...), snaps...), []string{".no_exist", "refs"}},
		{filepath.Join(repo, "snapshots", "bbbb"), []string{"config.json", "modeling_tiny.py", "pytorch_model.bin"}, nil},
		// blobs/ alone: the user asked for the blobs
		{filepath.Join(repo, "blobs"), []string{"1f0c", "2e9a", "3b7d", "4c21", "9a9a.incomplete"}, nil},
	}
	for _, c := range cases {
		files, skips, errs := walk(c.root, false)
		if got := sources(files); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: files\n %q\nwant\n %q", c.root, got, c.want)
		}
		var got []string
		for _, s := range skips {
			got = append(got, s.Source)
			if s.Category != core.SkipDirectory || !strings.Contains(s.Description, "Hugging Face cache") {
				t.Errorf("%s: skip %+v", c.root, s)
			}
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, c.skips) || len(errs) != 0 {
			t.Errorf("%s: skips %q, want %q; errors %v", c.root, got, c.skips, errs)
		}
	}
	// a directory that merely has blobs/ but no snapshots/ is not a cache
	dir := t.TempDir()
	mkfile(t, filepath.Join(dir, "blobs", "x.pkl"), []byte("x"))
	mkfile(t, filepath.Join(dir, "refs", "y.pkl"), []byte("y"))
	if files, skips, _ := walk(dir, false); len(files) != 2 || len(skips) != 0 {
		t.Errorf("plain blobs/refs dirs: %q %v", sources(files), skips)
	}
}

// Scanning the cache reports the payload once per snapshot that has it,
// under the snapshot names, never under blobs/.
func TestScanHFCache(t *testing.T) {
	hub := hfCache(t)
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Scan(context.Background(), hub)
	if err != nil {
		t.Fatal(err)
	}
	var crit []string
	for _, f := range res.Findings {
		if f.Severity == core.Critical && f.Rule == "pickle-dangerous-import" {
			crit = append(crit, f.Source)
		}
		if strings.Contains(f.Source, "/blobs/") {
			t.Errorf("finding under a blob name: %+v", f)
		}
	}
	sort.Strings(crit)
	want := []string{"models--acme--tiny/snapshots/aaaa/pytorch_model.bin", "models--acme--tiny/snapshots/bbbb/pytorch_model.bin"}
	if !reflect.DeepEqual(crit, want) {
		t.Errorf("critical sources %q, want %q", crit, want)
	}
	for _, src := range res.Scanned {
		if strings.Contains(src, "/blobs/") && !strings.HasSuffix(src, ".incomplete") {
			t.Errorf("scanned under a blob name: %s", src)
		}
	}
}

func TestWalkPythonNextToConfigs(t *testing.T) {
	dir := t.TempDir()
	remote := []byte(`{"auto_map": {"AutoModel": "modeling_x.XModel"}}`)
	plain := []byte(`{"architectures": ["BertModel"], "model_type": "bert"}`)
	// a transformers repository with remote code, and its scripts below
	mkfile(t, filepath.Join(dir, "remote", "config.json"), remote)
	mkfile(t, filepath.Join(dir, "remote", "modeling_x.py"), []byte("import torch\n"))
	mkfile(t, filepath.Join(dir, "remote", "configuration_x.py"), []byte("import torch\n"))
	mkfile(t, filepath.Join(dir, "remote", "scripts", "convert.py"), []byte("import torch\n"))
	// a native architecture: its helper script is not run by the loader
	mkfile(t, filepath.Join(dir, "native", "config.json"), plain)
	mkfile(t, filepath.Join(dir, "native", "convert.py"), []byte("import torch\n"))
	// diffusers: custom component code lives in the component's folder
	mkfile(t, filepath.Join(dir, "pipe", "model_index.json"), []byte(`{"_class_name": "X", "unet": ["my_unet", "MyUNet"]}`))
	mkfile(t, filepath.Join(dir, "pipe", "unet", "my_unet.py"), []byte("import torch\n"))
	mkfile(t, filepath.Join(dir, "pipe", "unet", "config.json"), []byte(`{"_class_name": "MyUNet"}`))
	// a config that cannot be read as JSON: when in doubt, scan
	mkfile(t, filepath.Join(dir, "broken", "tokenizer_config.json"), []byte(`{"auto_map": `))
	mkfile(t, filepath.Join(dir, "broken", "tokenization_y.py"), []byte("import torch\n"))
	// a config.json that is not an object is not a model config
	mkfile(t, filepath.Join(dir, "app", "config.json"), []byte(`["not", "a", "model"]`))
	mkfile(t, filepath.Join(dir, "app", "main.py"), []byte("import os\n"))
	mkfile(t, filepath.Join(dir, "loose.py"), []byte("import os\n"))

	files, skips, errs := walk(dir, false)
	var py []string
	for _, f := range sources(files) {
		if strings.HasSuffix(f, ".py") {
			py = append(py, f)
		}
	}
	want := []string{"broken/tokenization_y.py", "pipe/unet/my_unet.py", "remote/configuration_x.py", "remote/modeling_x.py",
		"remote/scripts/convert.py"}
	if !reflect.DeepEqual(py, want) || len(errs) != 0 {
		t.Errorf("python files %q, want %q (errors %v)", py, want, errs)
	}
	sk := skipped(skips)
	for _, src := range []string{"native/convert.py", "app/main.py", "loose.py"} {
		if s, ok := sk[src]; !ok || s.Category != core.SkipNotSupp || !strings.Contains(s.Description, "auto_map") {
			t.Errorf("%s: skip %+v", src, s)
		}
	}
	if len(skips) != 3 {
		t.Errorf("skips %v", skips)
	}
	// a Python file given as the input is listed
	if files, _, _ := walk(filepath.Join(dir, "loose.py"), false); len(files) != 1 {
		t.Errorf("single file: %q", sources(files))
	}
}
