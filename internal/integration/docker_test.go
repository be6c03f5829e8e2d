package integration

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerInstr is one Dockerfile instruction (continuation lines joined).
type dockerInstr struct {
	cmd  string // upper case
	args string
}

func readDockerfile(t *testing.T) []dockerInstr {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []dockerInstr
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, dockerInstr{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// shellWords splits a simple command line: words, 'single' and "double"
// quoted parts. Anything that needs a real shell (variables, pipes, lists,
// substitutions) is refused, so what the test runs is what docker runs.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			part := s[i+1 : i+1+j]
			if c == '"' && strings.ContainsAny(part, "$`\\") {
				return nil, fmt.Errorf("expansion inside double quotes in %q", s)
			}
			cur.WriteString(part)
			inWord = true
			i += j + 1
		case strings.IndexByte("$`\\;&|<>(){}*?[", c) >= 0:
			return nil, fmt.Errorf("%q needs a shell (%q)", s, c)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// goBuild finds the RUN instruction with `go build` in the build stage
// and returns its environment assignments, its arguments after "go" and
// the -o path.
func goBuild(t *testing.T, instrs []dockerInstr) (env, args []string, out string) {
	t.Helper()
	for _, in := range instrs {
		if in.cmd != "RUN" || !strings.Contains(in.args, "go build") {
			continue
		}
		words, err := shellWords(in.args)
		if err != nil {
			t.Fatalf("RUN %s: %v", in.args, err)
		}
		i := 0
		for ; i < len(words) && regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`).MatchString(words[i]); i++ {
			env = append(env, words[i])
		}
		if i+1 >= len(words) || words[i] != "go" || words[i+1] != "build" {
			t.Fatalf("RUN %s: want [VAR=value...] go build ...", in.args)
		}
		args = words[i+1:]
		for j, a := range args {
			if a == "-o" && j+1 < len(args) {
				out = args[j+1]
			}
		}
		return env, args, out
	}
	t.Fatal("Dockerfile: no RUN ... go build")
	return nil, nil, ""
}

// TestDockerfile checks the two stages: a golang builder whose Go matches
// go.mod, a static build, and a distroless (or scratch) final image that
// runs the copied binary as a non-root user.
func TestDockerfile(t *testing.T) {
	instrs := readDockerfile(t)
	var froms []string
	for _, in := range instrs {
		if in.cmd == "FROM" {
			froms = append(froms, in.args)
		}
	}
	if len(froms) != 2 {
		t.Fatalf("FROM lines %q: want a build stage and a final stage", froms)
	}
	gomod, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	wantBuilder := fmt.Sprintf("golang:%s.%s AS build", m[1], m[2])
	if froms[0] != wantBuilder {
		t.Errorf("builder %q, want %q (the go line of go.mod)", froms[0], wantBuilder)
	}
	final := froms[1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("final stage %q: want gcr.io/distroless/static-* or scratch", final)
	}
	env, _, out := goBuild(t, instrs)
	if !contains(env, "CGO_ENABLED=0") {
		t.Errorf("go build env %q: want CGO_ENABLED=0 (a static binary for a base without libc)", env)
	}
	if out == "" {
		t.Fatal("go build has no -o")
	}
	var copied, entry string
	user := ""
	stage := 0
	for _, in := range instrs {
		switch in.cmd {
		case "FROM":
			stage++
		case "COPY":
			if stage == 2 {
				w := strings.Fields(in.args)
				if len(w) == 3 && w[0] == "--from=build" && w[1] == out {
					copied = w[2]
				}
			}
		case "USER":
			if stage == 2 {
				user = in.args
			}
		case "ENTRYPOINT":
			var e []string
			if err := json.Unmarshal([]byte(in.args), &e); err != nil || len(e) == 0 {
				t.Fatalf("ENTRYPOINT %s: want the exec (JSON array) form: the base has no shell", in.args)
			}
			entry = e[0]
		}
	}
	if copied == "" {
		t.Fatalf("the final stage does not COPY --from=build %s", out)
	}
	if entry != copied {
		t.Errorf("ENTRYPOINT runs %q, the binary is copied to %q", entry, copied)
	}
	if !strings.HasSuffix(final, ":nonroot") && (user == "" || user == "root" || user == "0") {
		t.Errorf("final stage %q runs as root: use a :nonroot base or USER", final)
	}
}

// TestDockerBuildIsStatic runs the Dockerfile's go build command here
// (same environment and flags, output redirected) and checks the result
// is a static executable: no program interpreter, no dynamic section.
func TestDockerBuildIsStatic(t *testing.T) {
	env, args, out := goBuild(t, readDockerfile(t))
	bin := filepath.Join(t.TempDir(), "modelscan")
	for i, a := range args {
		if a == out {
			args[i] = bin
		}
	}
	cmd := exec.Command(goTool(), args...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("program header %v: the binary is dynamically linked", p.Type)
		}
	}
	for _, name := range []string{".interp", ".dynamic", ".dynsym"} {
		if f.Section(name) != nil {
			t.Errorf("section %s present: the binary is dynamically linked", name)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("imports shared libraries %v", libs)
	}
	if code, o := run(t, t.TempDir(), nil, bin, "--version"); code != 0 || !strings.HasPrefix(o, "modelscan, version ") {
		t.Errorf("%s --version: exit %d: %s", bin, code, o)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// dockerignore reads .dockerignore into (pattern, exclude) rules with
// Docker's syntax: * and ? within a path element, ** across elements, a
// leading ! re-includes, the last matching rule wins, and a rule that
// matches a directory covers everything under it.
type ignoreRule struct {
	re      *regexp.Regexp
	include bool
}

func readDockerignore(t *testing.T) []ignoreRule {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var rules []ignoreRule
	for _, line := range strings.Split(string(b), "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		r := ignoreRule{}
		if strings.HasPrefix(p, "!") {
			r.include, p = true, strings.TrimSpace(p[1:])
		}
		p = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(p)), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch c := p[i]; {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(?:.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case c == '*':
				re.WriteString("[^/]*")
			case c == '?':
				re.WriteString("[^/]")
			case c == '[' || c == '\\':
				t.Fatalf(".dockerignore %q: character classes and escapes are not handled by this test", line)
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("$")
		r.re = regexp.MustCompile(re.String())
		rules = append(rules, r)
	}
	return rules
}

// ignored reports whether .dockerignore leaves rel (slash-separated) out
// of the build context.
func ignored(rules []ignoreRule, rel string) bool {
	parts := strings.Split(rel, "/")
	out := false
	for _, r := range rules {
		for i := 1; i <= len(parts); i++ {
			if r.re.MatchString(strings.Join(parts[:i], "/")) {
				out = !r.include
				break
			}
		}
	}
	return out
}

// TestDockerignore: every file `go build ./cmd/modelscan` reads (go.mod,
// go.sum, the Go files and embedded files of the module's packages it
// depends on) is in the build context, and the heavy or irrelevant parts
// are not.
func TestDockerignore(t *testing.T) {
	rules := readDockerignore(t)
	root := repoRoot(t)
	cmd := exec.Command(goTool(), "list", "-deps", "-json=Dir,GoFiles,EmbedFiles,Module", "./cmd/modelscan")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	need := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			Dir        string
			GoFiles    []string
			EmbedFiles []string
			Module     *struct{ Path string }
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || p.Module.Path != "github.com/modelscan-go/modelscan" {
			continue
		}
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			need = append(need, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(need) < 20 {
		t.Fatalf("only %d files found for the build", len(need))
	}
	for _, f := range need {
		if ignored(rules, f) {
			t.Errorf(".dockerignore leaves out %s, which the build reads", f)
		}
	}
	for _, f := range []string{".git/HEAD", "testdata/real/torch/state_dict.pt", "internal/cli/testdata/script/json.txtar", "pickle.test", "bench/run", "docs/ci.md"} {
		if !ignored(rules, f) {
			t.Errorf(".dockerignore keeps %s in the build context", f)
		}
	}
}
