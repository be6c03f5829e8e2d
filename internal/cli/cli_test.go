package cli_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/modelscan-go/modelscan/internal/cli"
	"github.com/modelscan-go/modelscan/internal/pklasm"
)

// -update rewrites the golden files embedded in the scripts (the second
// argument of a failing cmp).
var update = flag.Bool("update", false, "update golden files in testdata/script")

func TestMain(m *testing.M) {
	os.Exit(testscript.RunMain(m, map[string]func() int{
		"modelscan": func() int {
			return cli.Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
		},
	}))
}

// realDir holds the benign model fixtures (see testdata/real/manifest.json).
func realDir(t testing.TB) string {
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "real"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestScripts runs testdata/script/*.txtar. Scripts see $REAL, the benign
// fixtures directory, and these commands besides testscript's own:
//
//	exits CODE PROG [ARG...]  run PROG like exec; it must exit with CODE
//	mkfile KIND PATH          write a crafted file (see crafted)
//	jsonvalid FILE            FILE holds exactly one JSON object and nothing else
//	jsonpath FILE PATH [WANT] the value at PATH exists [and is WANT]
//	jsonhas FILE PATH KEY...  the object at PATH has all the KEYs
//	normjson FILE...          replace timestamp and absolute_path values
//	sarifvalid FILE           FILE is valid against the SARIF 2.1.0 schema
//
// FILE may be stdout or stderr. PATH is dot-separated; array elements are
// numbers and "@len" is the length of an array or object.
func TestScripts(t *testing.T) {
	real := realDir(t)
	testscript.Run(t, testscript.Params{
		Dir:           filepath.Join("testdata", "script"),
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("REAL", real)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":     cmdExits,
			"mkfile":    cmdMkfile,
			"jsonvalid": cmdJSONValid,
			"jsonpath":  cmdJSONPath,
			"jsonhas":   cmdJSONHas,
			"normjson":  cmdNormJSON,
			"sarifvalid": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: sarifvalid FILE")
				}
				if err := checkSARIF([]byte(ts.ReadFile(args[0]))); err != nil {
					ts.Fatalf("%s: %v", args[0], err)
				}
			},
		},
	})
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG [ARG...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// crafted builds the files scripts write with mkfile. Malicious ones are
// assembled opcode by opcode; nothing here is ever loaded.
var crafted = map[string]func() ([]byte, error){
	// posix.system('echo pwned'): CRITICAL.
	"system": func() ([]byte, error) { return pklasm.System("echo pwned"), nil },
	// webbrowser.open('http://example.com'): HIGH only.
	"webbrowser": func() ([]byte, error) {
		return pklasm.New().Proto(2).Global("webbrowser", "open").Str("http://example.com").Tuple1().Reduce().Stop().Bytes(), nil
	},
	// mypkg.models.Net(): an unknown class, MEDIUM only.
	"unknown": func() ([]byte, error) {
		return pklasm.New().Proto(2).Global("mypkg.models", "Net").EmptyTuple().Reduce().Stop().Bytes(), nil
	},
	// PROTO 4 then a FRAME cut short.
	"truncated": func() ([]byte, error) { return []byte("\x80\x04\x95"), nil },
	// PROTO 4, BININT1 without its argument and without STOP.
	"nostop": func() ([]byte, error) { return []byte("\x80\x04K"), nil },
	// A PyTorch zip checkpoint whose archive/data.pkl calls posix.system.
	"torch-system": func() ([]byte, error) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, m := range []struct {
			name string
			data []byte
		}{
			{"archive/data.pkl", pklasm.System("echo pwned")},
			{"archive/version", []byte("3\n")},
		} {
			w, err := zw.Create(m.name)
			if err != nil {
				return nil, err
			}
			if _, err := w.Write(m.data); err != nil {
				return nil, err
			}
		}
		err := zw.Close()
		return buf.Bytes(), err
	},
}

func cmdMkfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkfile KIND PATH")
	}
	build, ok := crafted[args[0]]
	if !ok {
		ts.Fatalf("mkfile: unknown kind %q", args[0])
	}
	data, err := build()
	ts.Check(err)
	path := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(filepath.Dir(path), 0o755))
	ts.Check(os.WriteFile(path, data, 0o644))
}

// readJSON parses FILE, which must hold one JSON object and nothing else.
func readJSON(ts *testscript.TestScript, file string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(ts.ReadFile(file)))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %v", file, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: data after the JSON object", file)
	}
	return doc, nil
}

func cmdJSONValid(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: jsonvalid FILE")
	}
	_, err := readJSON(ts, args[0])
	switch {
	case neg && err == nil:
		ts.Fatalf("%s is valid JSON", args[0])
	case !neg && err != nil:
		ts.Fatalf("%v", err)
	}
}

// lookup follows a dot-separated path; "@len" is a length.
func lookup(v any, path string) (any, bool) {
	if path == "" || path == "." {
		return v, true
	}
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			if k == "@len" {
				v = json.Number(strconv.Itoa(len(x)))
				continue
			}
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			if k == "@len" {
				v = json.Number(strconv.Itoa(len(x)))
				continue
			}
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// render is a value as jsonpath compares it: strings as is, the rest as
// compact JSON.
func render(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func cmdJSONPath(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 && len(args) != 3 {
		ts.Fatalf("usage: jsonpath FILE PATH [WANT]")
	}
	doc, err := readJSON(ts, args[0])
	ts.Check(err)
	v, found := lookup(doc, args[1])
	if len(args) == 2 {
		switch {
		case neg && found:
			ts.Fatalf("%s: %s exists: %s", args[0], args[1], render(v))
		case !neg && !found:
			ts.Fatalf("%s: no %s", args[0], args[1])
		}
		return
	}
	if !found {
		ts.Fatalf("%s: no %s", args[0], args[1])
	}
	got := render(v)
	switch {
	case neg && got == args[2]:
		ts.Fatalf("%s: %s is %s", args[0], args[1], got)
	case !neg && got != args[2]:
		ts.Fatalf("%s: %s is %s, want %s", args[0], args[1], got, args[2])
	}
}

func cmdJSONHas(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: jsonhas FILE PATH KEY...")
	}
	doc, err := readJSON(ts, args[0])
	ts.Check(err)
	v, _ := lookup(doc, args[1])
	obj, ok := v.(map[string]any)
	if !ok {
		ts.Fatalf("%s: %s is not an object", args[0], args[1])
	}
	for _, k := range args[2:] {
		if _, ok := obj[k]; !ok {
			ts.Fatalf("%s: %s has no key %q", args[0], args[1], k)
		}
	}
}

var (
	timestampRE = regexp.MustCompile(`"timestamp": "[^"]*"`)
	absPathRE   = regexp.MustCompile(`"absolute_path": "[^"]*"`)
)

// normalise replaces what legitimately differs between runs of a JSON
// report: the timestamp and the absolute path.
func normalise(b []byte) []byte {
	b = timestampRE.ReplaceAll(b, []byte(`"timestamp": "TIMESTAMP"`))
	return absPathRE.ReplaceAll(b, []byte(`"absolute_path": "ABSOLUTE_PATH"`))
}

func cmdNormJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: normjson FILE...")
	}
	for _, f := range args {
		path := ts.MkAbs(f)
		b, err := os.ReadFile(path)
		ts.Check(err)
		ts.Check(os.WriteFile(path, normalise(b), 0o644))
	}
}

// mixedDir writes at least n files into a temporary directory: every
// benign fixture, the crafted files scripts use, and generated malicious,
// broken and unsupported files (pickles calling a command or an unknown
// class, PyTorch zips with such a data.pkl, truncated pickles, text).
func mixedDir(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(realDir(t))); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for kind, build := range crafted {
		data, err := build()
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join("crafted", kind+".pkl")
		if kind == "torch-system" {
			name = filepath.Join("crafted", "nested", "model.pt")
		}
		write(name, data)
	}
	count := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			count++
		}
		return err
	})
	for i := 0; count < n; i++ {
		switch i % 5 {
		case 0:
			write(fmt.Sprintf("gen/p%03d.pkl", i), pklasm.System(fmt.Sprintf("echo %d", i)))
		case 1:
			write(fmt.Sprintf("gen/u%03d.pkl", i), pklasm.New().Proto(4).SG("mypkg.models", fmt.Sprintf("Net%d", i)).EmptyTuple().Reduce().Stop().Bytes())
		case 2:
			write(fmt.Sprintf("gen/t%03d.pt", i), torchZip(t, pklasm.System(fmt.Sprintf("id %d", i))))
		case 3:
			write(fmt.Sprintf("gen/b%03d.pkl", i), []byte("\x80\x04\x95"))
		case 4:
			write(fmt.Sprintf("gen/x%03d.txt", i), []byte("text"))
		}
		count++
	}
	return dir
}

// torchZip is a PyTorch zip checkpoint whose archive/data.pkl is pkl.
func torchZip(t *testing.T, pkl []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range []struct {
		name string
		data []byte
	}{{"archive/data.pkl", pkl}, {"archive/version", []byte("3\n")}} {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDeterministicOutput scans a directory of over 200 mixed files
// in-process and checks the JSON, SARIF and console reports are
// byte-identical across runs and across -j values (after timestamp
// normalisation of the JSON report; SARIF carries no time).
func TestDeterministicOutput(t *testing.T) {
	dir := mixedDir(t, 220)
	for _, format := range []string{"json", "sarif", "console"} {
		var first []byte
		for _, jobs := range []string{"1", "8", "1", "8", "3"} {
			var stdout, stderr bytes.Buffer
			args := []string{"-p", dir, "-r", format, "-j", jobs, "--show-skipped"}
			code := cli.Run(context.Background(), args, &stdout, &stderr)
			if code != cli.ExitIssues {
				t.Fatalf("modelscan %s: exit %d, want %d\nstderr:\n%s", strings.Join(args, " "), code, cli.ExitIssues, &stderr)
			}
			out := normalise(stdout.Bytes())
			if first == nil {
				first = out
				if format == "sarif" {
					validateSARIF(t, out)
				}
				if format == "json" {
					var doc struct {
						Summary struct {
							Scanned struct {
								Total int `json:"total_scanned"`
							} `json:"scanned"`
							Skipped struct {
								Total int `json:"total_skipped"`
							} `json:"skipped"`
						} `json:"summary"`
						Errors []any `json:"errors"`
					}
					if err := json.Unmarshal(out, &doc); err != nil {
						t.Fatal(err)
					}
					if files := doc.Summary.Scanned.Total + doc.Summary.Skipped.Total; files < 200 || len(doc.Errors) == 0 {
						t.Fatalf("mixed directory too small or not mixed: %d scanned, %d skipped, %d errors",
							doc.Summary.Scanned.Total, doc.Summary.Skipped.Total, len(doc.Errors))
					}
				}
				continue
			}
			if !bytes.Equal(out, first) {
				t.Fatalf("-r %s -j %s: output differs from the first run (-j 1)\nfirst:\n%s\nthis run:\n%s", format, jobs, first, out)
			}
		}
	}
}

// TestInterrupted: a scan cancelled before it finishes exits 2 (never 0
// or 3) and its report says it is incomplete.
func TestInterrupted(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(realDir(t), "numpy"))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, format := range []string{"json", "console"} {
		var stdout, stderr bytes.Buffer
		code := cli.Run(ctx, []string{"-p", dir, "-r", format}, &stdout, &stderr)
		if code != cli.ExitErrors {
			t.Errorf("-r %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", format, code, cli.ExitErrors, &stdout, &stderr)
		}
		if !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("-r %s: stderr does not mention the interruption:\n%s", format, &stderr)
		}
		want := `"incomplete": true`
		if format == "console" {
			want = "Scan interrupted"
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("-r %s: stdout does not contain %q:\n%s", format, want, &stdout)
		}
		if strings.Contains(stdout.String(), "No issues found\n") {
			t.Errorf("-r %s: an interrupted scan says %q:\n%s", format, "No issues found", &stdout)
		}
	}
}
