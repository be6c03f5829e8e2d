package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/modelscan-go/modelscan/internal/pklasm"
)

// repoRoot is the module root (two levels up from this package).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	return root
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// TestMain removes the directory holding the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// modelscanBin builds ./cmd/modelscan once for all tests of the package.
func modelscanBin(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "modelscan-integration-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "modelscan")
		cmd := exec.Command(goTool(), "build", "-o", binPath, "./cmd/modelscan")
		cmd.Dir = repoRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/modelscan: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// goTool is the go command of the toolchain running the tests.
func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}

// run executes name with args in dir and returns the exit code and the
// combined output; env entries are added to the environment.
func run(t testing.TB, dir string, env []string, name string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return 0, out.String()
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	}
	t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	return -1, ""
}

// writeFile writes data to dir/rel, creating directories.
func writeFile(t testing.TB, dir, rel string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// cleanPickle is plain data: a dict of a string and a tuple of floats.
func cleanPickle() []byte {
	a := pklasm.New().Proto(4).EmptyDict().Memoize().Mark()
	a.Str("name").Memoize().Str("model").Memoize()
	a.Str("w").Memoize().Mark().BinFloat(1.5).BinFloat(0.5).Tuple().Memoize()
	return a.SetItems().Stop().Bytes()
}

// evilPickle calls posix.system when loaded (built here, never loaded).
func evilPickle() []byte { return pklasm.System("echo pwned") }

// unknownPickle instantiates a class no list knows (a MEDIUM finding).
func unknownPickle() []byte {
	return pklasm.New().Proto(4).SG("mypkg.models", "Net").EmptyTuple().Reduce().Stop().Bytes()
}

// readYAML parses a file of the repository with ParseYAML and, when
// PyYAML is available, checks that it reads the file the same way.
func readYAML(t *testing.T, rel string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseYAML(string(b))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if py, ok := pyYAML(t, string(b)); ok {
		if !equalYAML(v, py) {
			t.Fatalf("%s: PyYAML reads it differently:\nours   %#v\nPyYAML %#v", rel, v, py)
		}
	} else {
		t.Logf("PyYAML not available: %s checked with the subset reader only", rel)
	}
	return v
}

func equalYAML(a, b any) bool { return reflect.DeepEqual(a, b) }

// mapOf, listOf and str assert the shape of a parsed YAML value.
func mapOf(t *testing.T, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: want a mapping, got %#v", what, v)
	}
	return m
}

func listOf(t *testing.T, v any, what string) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: want a sequence, got %#v", what, v)
	}
	return l
}

func str(t *testing.T, m map[string]any, key, what string) string {
	t.Helper()
	s, ok := m[key].(string)
	if !ok {
		t.Fatalf("%s: %q is %#v, want a string", what, key, m[key])
	}
	return s
}
