package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// action is action.yml, parsed.
type action struct {
	inputs map[string]any
	steps  []map[string]any
}

func readAction(t *testing.T) action {
	t.Helper()
	doc := mapOf(t, readYAML(t, "action.yml"), "action.yml")
	runs := mapOf(t, doc["runs"], "runs")
	if str(t, runs, "using", "runs") != "composite" {
		t.Fatalf("runs.using = %q, want composite", runs["using"])
	}
	a := action{inputs: mapOf(t, doc["inputs"], "inputs")}
	for i, s := range listOf(t, runs["steps"], "runs.steps") {
		a.steps = append(a.steps, mapOf(t, s, "step "+strconv.Itoa(i)))
	}
	return a
}

// step returns the index and the step whose id is id.
func (a action) step(t *testing.T, id string) (int, map[string]any) {
	t.Helper()
	for i, s := range a.steps {
		if s["id"] == id {
			return i, s
		}
	}
	t.Fatalf("action.yml has no step with id %q", id)
	return -1, nil
}

// uses returns the index of the step using the action ref (any version).
func (a action) uses(t *testing.T, ref string) (int, map[string]any) {
	t.Helper()
	for i, s := range a.steps {
		if u, _ := s["uses"].(string); strings.HasPrefix(u, ref+"@") {
			return i, s
		}
	}
	t.Fatalf("action.yml has no step using %s", ref)
	return -1, nil
}

// defaults returns every input's default value.
func (a action) defaults(t *testing.T) map[string]string {
	t.Helper()
	d := map[string]string{}
	for name, v := range a.inputs {
		in := mapOf(t, v, "input "+name)
		def, _ := in["default"].(string)
		d[name] = def
	}
	return d
}

var exprRe = regexp.MustCompile(`^\$\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}$`)

// stepEnv resolves a step's env block: ${{ inputs.X }} from inputs, other
// single names (github.action_path, steps.S.outputs.O) from ctx. Anything
// else is a test failure: the scripts must stay runnable outside Actions.
func stepEnv(t *testing.T, s map[string]any, inputs, ctx map[string]string) []string {
	t.Helper()
	var env []string
	envMap, _ := s["env"].(map[string]any)
	for k, v := range envMap {
		val, _ := v.(string)
		if strings.Contains(val, "${{") {
			m := exprRe.FindStringSubmatch(val)
			if m == nil {
				t.Fatalf("env %s: unsupported expression %q", k, val)
			}
			if name, ok := strings.CutPrefix(m[1], "inputs."); ok {
				in, ok := inputs[name]
				if !ok {
					t.Fatalf("env %s: no input %q", k, name)
				}
				val = in
			} else {
				val = ctx[m[1]]
			}
		}
		env = append(env, k+"="+val)
	}
	return env
}

// runStep executes a run step the way the runner does for shell: bash
// (bash --noprofile --norc -eo pipefail FILE) in dir, and returns its exit
// code, output and the outputs it wrote to $GITHUB_OUTPUT.
func runStep(t *testing.T, s map[string]any, dir string, env []string) (int, string, map[string]string) {
	t.Helper()
	if str(t, s, "shell", "step") != "bash" {
		t.Fatalf("step %v: shell %q, want bash", s["name"], s["shell"])
	}
	tmp := t.TempDir()
	script := filepath.Join(tmp, "step.sh")
	if err := os.WriteFile(script, []byte(str(t, s, "run", "step")), 0o755); err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(tmp, "output")
	if err := os.WriteFile(outFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env = append(env, "GITHUB_OUTPUT="+outFile, "CI=true")
	code, out := run(t, dir, env, "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	b, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			outputs[k] = v
		}
	}
	return code, out, outputs
}

// TestActionDefinition checks the composite action's shape: inputs, Go
// set up from the action's go.mod, build from the action's own checkout,
// SARIF upload that runs even when the scan found issues, and the exit
// code passed on after the upload.
func TestActionDefinition(t *testing.T) {
	a := readAction(t)
	for _, in := range []string{"path", "format", "output", "fail-on", "args", "upload-sarif", "version", "go-version"} {
		if _, ok := a.inputs[in]; !ok {
			t.Errorf("input %q missing", in)
		}
	}
	if d := a.defaults(t); d["format"] != "sarif" || d["path"] != "." || d["upload-sarif"] != "true" {
		t.Errorf("defaults: format %q (want sarif), path %q (want .), upload-sarif %q (want true)", d["format"], d["path"], d["upload-sarif"])
	}
	goStep, setup := a.uses(t, "actions/setup-go")
	with := mapOf(t, setup["with"], "setup-go with")
	if !strings.Contains(str(t, with, "go-version-file", "setup-go"), "github.action_path") {
		t.Errorf("setup-go should read the Go version from the action's own go.mod: %v", with)
	}
	buildStep, build := a.step(t, "build")
	if !strings.Contains(str(t, build, "run", "build"), "go install ./cmd/modelscan") {
		t.Errorf("build step does not go install ./cmd/modelscan")
	}
	if env := mapOf(t, build["env"], "build env"); !strings.Contains(env["ACTION_PATH"].(string), "github.action_path") {
		t.Errorf("build step must build the action's own checkout (github.action_path): %v", env)
	}
	scanStep, _ := a.step(t, "scan")
	upStep, up := a.uses(t, "github/codeql-action/upload-sarif")
	cond := str(t, up, "if", "upload step")
	if !strings.Contains(cond, "always()") {
		t.Errorf("upload step if %q: must run with always() so findings are uploaded when modelscan exits 1", cond)
	}
	if !strings.Contains(mapOf(t, up["with"], "upload with")["sarif_file"].(string), "steps.scan.outputs.report") {
		t.Errorf("upload step does not upload the scan's report: %v", up["with"])
	}
	resultStep := -1
	for i, s := range a.steps {
		if r, _ := s["run"].(string); strings.Contains(r, `exit "$MODELSCAN_EXIT"`) {
			resultStep = i
		}
	}
	if !(goStep < buildStep && buildStep < scanStep && scanStep < upStep && upStep < resultStep) {
		t.Errorf("step order: setup-go %d, build %d, scan %d, upload %d, result %d; want increasing", goStep, buildStep, scanStep, upStep, resultStep)
	}
	// scripts take inputs through env only (no ${{ }} expansion in shell
	// code: no injection, and the scripts can be run as they are)
	for _, s := range a.steps {
		if r, ok := s["run"].(string); ok && strings.Contains(r, "${{") {
			t.Errorf("step %v: ${{ }} inside run; pass it through env", s["name"])
		}
	}
}

// TestActionFlagsExist checks every option the scan step passes to
// modelscan against the binary's own help.
func TestActionFlagsExist(t *testing.T) {
	a := readAction(t)
	_, scan := a.step(t, "scan")
	script := str(t, scan, "run", "scan")
	bin := modelscanBin(t)
	code, help := run(t, t.TempDir(), nil, bin, "scan", "--help")
	if code != 0 {
		t.Fatalf("modelscan scan --help: exit %d\n%s", code, help)
	}
	flagRe := regexp.MustCompile(`(?:^|[\s(])(--?[A-Za-z][A-Za-z-]*)`)
	var flags []string
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "args=(") && !strings.HasPrefix(line, "args+=(") {
			continue
		}
		for _, m := range flagRe.FindAllStringSubmatch(line, -1) {
			flags = append(flags, m[1])
		}
		if strings.HasPrefix(line, "args=(") && !strings.HasPrefix(line, "args=(scan ") {
			t.Errorf("the scan step should name the scan command explicitly: %s", line)
		}
	}
	if len(flags) < 4 {
		t.Fatalf("found only %v in the scan step's args lines", flags)
	}
	for _, f := range flags {
		var re *regexp.Regexp
		if strings.HasPrefix(f, "--") {
			re = regexp.MustCompile(`(?m)^\s+(?:-[A-Za-z], )?` + regexp.QuoteMeta(f) + `\b`)
		} else {
			re = regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(f) + `, --`)
		}
		if !re.MatchString(help) {
			t.Errorf("the action passes %s, which modelscan scan --help does not list", f)
		}
	}
}

// actionRun builds modelscan with the action's build step, then runs the
// scan and result steps in a workspace, as the runner would.
type actionRun struct {
	t      *testing.T
	a      action
	ctx    map[string]string
	binDir string
}

func newActionRun(t *testing.T) *actionRun {
	a := readAction(t)
	_, build := a.step(t, "build")
	runnerTemp := t.TempDir()
	ghPath := filepath.Join(runnerTemp, "github_path")
	ctx := map[string]string{"github.action_path": repoRoot(t)}
	env := append(stepEnv(t, build, a.defaults(t), ctx), "RUNNER_TEMP="+runnerTemp, "GITHUB_PATH="+ghPath,
		"PATH="+filepath.Dir(goTool())+string(os.PathListSeparator)+os.Getenv("PATH"))
	code, out, _ := runStep(t, build, t.TempDir(), env)
	if code != 0 {
		t.Fatalf("build step: exit %d\n%s", code, out)
	}
	p, err := os.ReadFile(ghPath)
	if err != nil {
		t.Fatal(err)
	}
	binDir := strings.TrimSpace(string(p))
	if _, err := os.Stat(filepath.Join(binDir, "modelscan")); err != nil {
		t.Fatalf("build step: no modelscan in the directory added to GITHUB_PATH (%q): %v", binDir, err)
	}
	if !strings.Contains(out, "modelscan, version") {
		t.Errorf("build step does not print the version:\n%s", out)
	}
	return &actionRun{t: t, a: a, ctx: ctx, binDir: binDir}
}

// scan runs the scan step with inputs (over the defaults) in workspace and
// then the result step; it returns the scan's outputs and the result
// step's exit code.
func (r *actionRun) scan(workspace string, inputs map[string]string) (map[string]string, int, string) {
	t := r.t
	t.Helper()
	in := r.a.defaults(t)
	for k, v := range inputs {
		in[k] = v
	}
	_, scan := r.a.step(t, "scan")
	env := append(stepEnv(t, scan, in, r.ctx), "PATH="+r.binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	code, out, outputs := runStep(t, scan, workspace, env)
	if code != 0 {
		t.Fatalf("scan step failed (exit %d); it should record modelscan's code and leave failing to the result step\n%s", code, out)
	}
	if outputs["exit-code"] == "" {
		t.Fatalf("scan step wrote no exit-code output\n%s", out)
	}
	ctx := map[string]string{}
	for k, v := range outputs {
		ctx["steps.scan.outputs."+k] = v
	}
	var result map[string]any
	for _, s := range r.a.steps {
		if rs, _ := s["run"].(string); strings.Contains(rs, `exit "$MODELSCAN_EXIT"`) {
			result = s
		}
	}
	rcode, rout, _ := runStep(t, result, workspace, stepEnv(t, result, in, ctx))
	return outputs, rcode, out + rout
}

// sarifResults reads a SARIF report and returns its results' rule ids and
// artifact URIs.
func sarifResults(t *testing.T, path string) (rules, uris []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name string `json:"name"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					Physical struct {
						Artifact struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s is not JSON: %v", path, err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || doc.Runs[0].Tool.Driver.Name != "modelscan" {
		t.Fatalf("%s: not a modelscan SARIF 2.1.0 log: version %q, %d runs", path, doc.Version, len(doc.Runs))
	}
	for _, r := range doc.Runs[0].Results {
		rules = append(rules, r.RuleID)
		for _, l := range r.Locations {
			uris = append(uris, l.Physical.Artifact.URI)
		}
	}
	return rules, uris
}

// TestActionScripts runs the action's build, scan and result steps with
// bash on temporary workspaces.
func TestActionScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds modelscan with the action's build step")
	}
	r := newActionRun(t)

	t.Run("clean", func(t *testing.T) {
		ws := t.TempDir()
		writeFile(t, ws, "models/clean.pkl", cleanPickle())
		out, code, log := r.scan(ws, nil)
		if out["exit-code"] != "0" || code != 0 {
			t.Fatalf("exit-code %q, result step exit %d; want 0, 0\n%s", out["exit-code"], code, log)
		}
		if out["report"] != "modelscan.sarif" {
			t.Fatalf("report output %q, want modelscan.sarif", out["report"])
		}
		if rules, _ := sarifResults(t, filepath.Join(ws, out["report"])); len(rules) != 0 {
			t.Errorf("clean workspace: SARIF results %v", rules)
		}
	})

	t.Run("malicious", func(t *testing.T) {
		ws := t.TempDir()
		writeFile(t, ws, "models/clean.pkl", cleanPickle())
		writeFile(t, ws, "models/evil.pkl", evilPickle())
		out, code, log := r.scan(ws, map[string]string{"path": "models"})
		if out["exit-code"] != "1" || code != 1 {
			t.Fatalf("exit-code %q, result step exit %d; want 1, 1\n%s", out["exit-code"], code, log)
		}
		rules, uris := sarifResults(t, filepath.Join(ws, out["report"]))
		if len(rules) == 0 || rules[0] == "" {
			t.Fatalf("SARIF results have no rule id: %v", rules)
		}
		found := false
		for _, u := range uris {
			found = found || u == "models/evil.pkl"
		}
		if !found {
			t.Errorf("SARIF locations %v: want models/evil.pkl (relative to the workspace, as code scanning needs)", uris)
		}
	})

	t.Run("paths-fail-on-json", func(t *testing.T) {
		// several paths, one with a space, surrounding blanks; a MEDIUM
		// finding under fail-on HIGH passes; a JSON report at a set path
		ws := t.TempDir()
		writeFile(t, ws, "a dir/unknown.pkl", unknownPickle())
		writeFile(t, ws, "b/clean.pkl", cleanPickle())
		in := map[string]string{"path": "  a dir/unknown.pkl\n\nb\n", "fail-on": "HIGH", "format": "json", "output": "out/report.json"}
		if err := os.MkdirAll(filepath.Join(ws, "out"), 0o755); err != nil {
			t.Fatal(err)
		}
		out, code, log := r.scan(ws, in)
		if out["exit-code"] != "0" || code != 0 {
			t.Fatalf("exit-code %q, result step exit %d; want 0, 0\n%s", out["exit-code"], code, log)
		}
		b, err := os.ReadFile(filepath.Join(ws, "out", "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Summary struct {
				Total   int `json:"total_issues"`
				Scanned struct {
					Total int `json:"total_scanned"`
				} `json:"scanned"`
			} `json:"summary"`
			Issues []struct {
				Severity string `json:"severity"`
			} `json:"issues"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Summary.Scanned.Total != 2 || len(doc.Issues) == 0 || doc.Issues[0].Severity == "HIGH" || doc.Issues[0].Severity == "CRITICAL" {
			t.Fatalf("want 2 files scanned and an issue below HIGH (so fail-on did the filtering): %s", b)
		}
		// the same scan without fail-on fails
		delete(in, "fail-on")
		if out, code, log := r.scan(ws, in); out["exit-code"] != "1" || code != 1 {
			t.Fatalf("without fail-on: exit-code %q, result step exit %d; want 1, 1\n%s", out["exit-code"], code, log)
		}
	})

	t.Run("console-args-nothing", func(t *testing.T) {
		// console format prints the report; extra args are passed on; a
		// workspace with no model gives 3 and the result step fails with it
		ws := t.TempDir()
		writeFile(t, ws, "README.md", []byte("# nothing here\n"))
		out, code, log := r.scan(ws, map[string]string{"format": "console", "args": "--show-skipped --log ERROR"})
		if out["exit-code"] != "3" || code != 3 {
			t.Fatalf("exit-code %q, result step exit %d; want 3, 3\n%s", out["exit-code"], code, log)
		}
		if !strings.Contains(log, "README.md") || !strings.Contains(log, "Skipped") {
			t.Errorf("console report (with --show-skipped) not printed:\n%s", log)
		}
		if strings.Contains(log, "level=INFO") {
			t.Errorf("--log ERROR was not passed on:\n%s", log)
		}
	})

	t.Run("usage-error", func(t *testing.T) {
		ws := t.TempDir()
		out, code, log := r.scan(ws, map[string]string{"path": "missing"})
		if out["exit-code"] != "4" || code != 4 {
			t.Fatalf("exit-code %q, result step exit %d; want 4, 4\n%s", out["exit-code"], code, log)
		}
	})
}
