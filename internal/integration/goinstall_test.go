package integration

import (
	"archive/zip"
	"bufio"
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const modulePath = "github.com/modelscan-go/modelscan"

// TestGoModForInstall: `go install MODULE/cmd/modelscan@VERSION` needs the
// module path to match, no replace or exclude directives (go install
// pkg@version refuses them), and cmd/modelscan to be a main package.
func TestGoModForInstall(t *testing.T) {
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	module := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m, ok := strings.CutPrefix(line, "module "); ok {
			module = strings.Trim(strings.TrimSpace(m), `"`)
		}
		for _, d := range []string{"replace", "exclude"} {
			if line == d || strings.HasPrefix(line, d+" ") || strings.HasPrefix(line, d+"(") {
				t.Errorf("go.mod has a %s directive: go install %s/cmd/modelscan@latest would fail", d, modulePath)
			}
		}
	}
	if module != modulePath {
		t.Errorf("go.mod module %q, want %q", module, modulePath)
	}
	fs := token.NewFileSet()
	pkgs, err := parser.ParseDir(fs, filepath.Join(root, "cmd", "modelscan"), func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pkgs["main"]; !ok || len(pkgs) != 1 {
		t.Errorf("cmd/modelscan packages %v, want only main", keys(pkgs))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestGoInstallLocal: `go install ./cmd/modelscan` from the module root
// puts a working modelscan in GOBIN.
func TestGoInstallLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds modelscan")
	}
	gobin := t.TempDir()
	code, out := run(t, repoRoot(t), []string{"GOBIN=" + gobin}, goTool(), "install", "./cmd/modelscan")
	if code != 0 {
		t.Fatalf("go install ./cmd/modelscan: exit %d\n%s", code, out)
	}
	if code, out := run(t, t.TempDir(), nil, filepath.Join(gobin, "modelscan"), "--version"); code != 0 || !strings.HasPrefix(out, "modelscan, version ") {
		t.Fatalf("installed modelscan --version: exit %d: %s", code, out)
	}
}

// TestGoInstallAtLatest runs `go install MODULE/cmd/modelscan@latest`
// from outside the module against a module proxy on disk that serves this
// working tree as v0.0.1 (the files git would publish: tracked and
// untracked, not ignored) and the dependencies from the local module
// cache. It is what a user's `go install ...@latest` does once a version
// is tagged, without the network.
func TestGoInstallAtLatest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds modelscan in a fresh module cache")
	}
	root := repoRoot(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not available to list the module's files")
	}
	ls := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	ls.Dir = root
	list, err := ls.Output()
	if err != nil {
		t.Skipf("git ls-files: %v (not a git checkout?)", err)
	}
	gomodcache := goEnv(t, "GOMODCACHE")
	if gomodcache == "" {
		t.Skip("no GOMODCACHE")
	}

	const version = "v0.0.1"
	proxy := t.TempDir()
	vdir := filepath.Join(proxy, filepath.FromSlash(modulePath), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	n := 0
	for _, rel := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		st, err := os.Lstat(filepath.Join(root, rel))
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree, or a link (not allowed in module zips)
		}
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(modulePath + "@" + version + "/" + filepath.ToSlash(rel))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	info := `{"Version":"` + version + `","Time":"` + time.Now().UTC().Format(time.RFC3339) + `"}`
	for name, data := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": []byte(info),
		version + ".mod":  gomod,
		version + ".zip":  buf.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("module zip: %d files, %d bytes", n, buf.Len())

	gobin := t.TempDir()
	env := []string{
		"GOBIN=" + gobin,
		"GOMODCACHE=" + t.TempDir(), // a fresh cache: nothing comes from this checkout
		"GOPROXY=file://" + filepath.ToSlash(proxy) + ",file://" + filepath.ToSlash(filepath.Join(gomodcache, "cache", "download")),
		"GOSUMDB=off",                   // the test version is not in the checksum database
		"GOFLAGS=-modcacherw -trimpath", // -trimpath: build cache hits although the module cache is new
		"GOWORK=off",
		"GOTOOLCHAIN=local",
	}
	code, out := run(t, t.TempDir(), env, goTool(), "install", modulePath+"/cmd/modelscan@latest")
	if code != 0 {
		t.Fatalf("go install %s/cmd/modelscan@latest: exit %d\n%s", modulePath, code, out)
	}
	bin := filepath.Join(gobin, "modelscan")
	code, out = run(t, t.TempDir(), nil, bin, "--version")
	if code != 0 || !strings.HasPrefix(out, "modelscan, version ") {
		t.Fatalf("modelscan --version: exit %d: %s", code, out)
	}
	// the binary records the module version it was installed at
	bi, err := exec.Command(goTool(), "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s+mod\s+` + regexp.QuoteMeta(modulePath) + `\s+` + version + `\b`).Match(bi) {
		t.Errorf("go version -m does not show %s %s:\n%s", modulePath, version, bi)
	}
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command(goTool(), "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
