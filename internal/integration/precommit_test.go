package integration

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// preCommitHook reads the modelscan hook from .pre-commit-hooks.yaml.
func preCommitHook(t *testing.T) map[string]any {
	t.Helper()
	hooks := listOf(t, readYAML(t, ".pre-commit-hooks.yaml"), ".pre-commit-hooks.yaml")
	if len(hooks) != 1 {
		t.Fatalf(".pre-commit-hooks.yaml: %d hooks, want 1", len(hooks))
	}
	return mapOf(t, hooks[0], "hook")
}

// Names the hook must select, and names it must leave alone.
var (
	hookModelNames = []string{
		"model.pt", "weights/model.PTH", "pytorch_model.bin", "last.ckpt", "clf.pkl", "clf.pickle",
		"clf.pck", "clf.sav", "pipe.joblib", "fn.dill", "arr.npy", "arrs.npz", "model.h5",
		"model.hdf5", "model.keras", "saved_model/saved_model.pb", "model.onnx", "llama.gguf",
		"model.safetensors", "handler.mar", "asr.nemo", "bundle.zip", "bundle.tar", "bundle.tar.gz",
		"bundle.tgz", "model.pkl.gz", "model.pkl.bz2", "model.pkl.xz", "model.pkl.lzma",
		"model.pkl.zst", "model.pkl.lz4", "bundle.7z", "dir.with.dots/Model.PT",
	}
	hookOtherNames = []string{
		"README.md", "main.go", "train.py", "config.json", "tokenizer.json", "model.pt.txt",
		"data.csv", "notes.pdf", "image.png", "requirements.txt", "pkl", "x.pbtxt", "x.binary",
		"Makefile", "docs/model.pt.md", "model.ptx", "model.pkl~",
	}
)

// TestPreCommitHookDefinition checks the keys pre-commit needs and the
// files regex, in Go's regexp and (when available) in Python's re, which
// is what pre-commit uses.
func TestPreCommitHookDefinition(t *testing.T) {
	h := preCommitHook(t)
	for key, want := range map[string]string{"id": "modelscan", "language": "golang", "pass_filenames": "true"} {
		if got := str(t, h, key, "hook"); got != want {
			t.Errorf("hook %s = %q, want %q", key, got, want)
		}
	}
	for _, key := range []string{"name", "description", "entry", "files"} {
		if strings.TrimSpace(str(t, h, key, "hook")) == "" {
			t.Errorf("hook %s is empty", key)
		}
	}
	// language golang installs the module's commands (go install ./...)
	// into the hook's environment: the entry must be one of them.
	entry := strings.Fields(str(t, h, "entry", "hook"))
	if len(entry) == 0 || entry[0] != "modelscan" {
		t.Fatalf("entry %q does not run modelscan", h["entry"])
	}
	if st, err := os.Stat(filepath.Join(repoRoot(t), "cmd", entry[0])); err != nil || !st.IsDir() {
		t.Fatalf("entry %q: no cmd/%s in the module", h["entry"], entry[0])
	}
	re, err := regexp.Compile(str(t, h, "files", "hook"))
	if err != nil {
		t.Fatalf("files: %v", err)
	}
	for _, n := range hookModelNames {
		if !re.MatchString(n) {
			t.Errorf("files regex does not select %s", n)
		}
	}
	for _, n := range hookOtherNames {
		if re.MatchString(n) {
			t.Errorf("files regex selects %s", n)
		}
	}
	// pre-commit matches with Python's re.search
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Log("no /usr/bin/python3: the regex was checked with Go's regexp only")
		return
	}
	names := append(append([]string(nil), hookModelNames...), hookOtherNames...)
	in, _ := json.Marshal(map[string]any{"re": re.String(), "names": names})
	cmd := exec.Command(py, "-c", `import json, re, sys
d = json.load(sys.stdin); r = re.compile(d["re"])
print(json.dumps([bool(r.search(n)) for n in d["names"]]))`)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python re: %v", err)
	}
	var got []bool
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(names) {
		t.Fatalf("python re output %q: %v", out, err)
	}
	for i, n := range names {
		if got[i] != re.MatchString(n) {
			t.Errorf("%s: Python re.search says %v, Go regexp %v", n, got[i], !got[i])
		}
	}
}

// hookCommand is the command pre-commit runs for files: the entry, the
// hook's args, then the file names.
func hookCommand(t *testing.T, h map[string]any, files ...string) []string {
	t.Helper()
	entry := str(t, h, "entry", "hook")
	if strings.ContainsAny(entry, `'"\`) {
		t.Fatalf("entry %q needs shell-style quoting; keep it to plain words", entry)
	}
	cmd := strings.Fields(entry)
	if a, ok := h["args"]; ok {
		for _, x := range listOf(t, a, "args") {
			cmd = append(cmd, x.(string))
		}
	}
	return append(cmd, files...)
}

// TestPreCommitHookRuns runs the hook's command the way pre-commit does
// (from the repository's top, staged file names as arguments) with the
// built binary: exit 0 on clean files, 1 when one file is malicious.
func TestPreCommitHookRuns(t *testing.T) {
	h := preCommitHook(t)
	bin := modelscanBin(t)
	re := regexp.MustCompile(str(t, h, "files", "hook"))
	repo := t.TempDir()
	torch, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata", "real", "torch", "state_dict.pt"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, repo, "models/clean.pkl", cleanPickle())
	writeFile(t, repo, "models/state_dict.pt", torch)
	writeFile(t, repo, "models/evil.pkl", evilPickle())
	writeFile(t, repo, "README.md", []byte("# models\n"))

	exec := func(files ...string) (int, string) {
		var staged []string
		for _, f := range files {
			if re.MatchString(f) { // pre-commit filters with files
				staged = append(staged, f)
			}
		}
		cmd := hookCommand(t, h, staged...)
		return run(t, repo, []string{"CI=true"}, bin, cmd[1:]...)
	}
	if code, out := exec("models/clean.pkl", "models/state_dict.pt", "README.md"); code != 0 {
		t.Errorf("clean staged files: exit %d, want 0\n%s", code, out)
	}
	code, out := exec("models/clean.pkl", "models/evil.pkl", "README.md")
	if code != 1 {
		t.Errorf("a malicious staged file: exit %d, want 1\n%s", code, out)
	}
	if !strings.Contains(out, "models/evil.pkl") || strings.Contains(out, "README.md") {
		t.Errorf("report should name models/evil.pkl (and README.md was not staged for the hook):\n%s", out)
	}
}

// TestPreCommitHookRealFixtures passes every benign fixture the files
// regex selects (models written by torch, numpy, joblib, sklearn, ...) to
// the hook at once: no false alarm, no error.
func TestPreCommitHookRealFixtures(t *testing.T) {
	h := preCommitHook(t)
	bin := modelscanBin(t)
	re := regexp.MustCompile(str(t, h, "files", "hook"))
	root := filepath.Join(repoRoot(t), "testdata", "real")
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			if re.MatchString(filepath.ToSlash(rel)) {
				files = append(files, filepath.ToSlash(rel))
			}
		}
		return err
	})
	sort.Strings(files)
	if len(files) < 50 {
		t.Fatalf("the files regex selects only %d fixtures under testdata/real", len(files))
	}
	cmd := hookCommand(t, h, files...)
	if code, out := run(t, root, []string{"CI=true"}, bin, cmd[1:]...); code != 0 {
		t.Errorf("%d benign fixtures through the hook: exit %d, want 0\n%s", len(files), code, out)
	}
}
