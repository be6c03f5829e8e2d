package report

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/scan"
)

// schemaFile is the official SARIF 2.1.0 JSON schema (OASIS, errata 01),
// committed byte for byte from oasis-tcs/sarif-spec
// Schemata/sarif-schema-2.1.0.json.
const schemaFile = "testdata/sarif-schema-2.1.0.json"

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// sarifSchema compiles the committed schema once, asserting formats (uri,
// uri-reference, date-time) as well as structure.
func compiledSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open(schemaFile)
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		const loc = "sarif-schema-2.1.0.json"
		if schemaErr = c.AddResource(loc, doc); schemaErr != nil {
			return
		}
		schema, schemaErr = c.Compile(loc)
	})
	if schemaErr != nil {
		t.Fatalf("compiling %s: %v", schemaFile, schemaErr)
	}
	return schema
}

// validateSARIF checks data against the SARIF schema and the rules this
// report keeps on top of it.
func validateSARIF(t testing.TB, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	if err := compiledSchema(t).Validate(inst); err != nil {
		t.Fatalf("SARIF schema violation: %v", err)
	}
	checkCompact(t, "", inst)
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string } `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
				Properties          struct {
					Source string `json:"source"`
				} `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(doc.Runs))
	}
	run := doc.Runs[0]
	seenFP := map[string]bool{}
	for i, r := range run.Results {
		if r.RuleIndex == nil || *r.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[*r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex does not point at rule %q", i, r.RuleID)
		}
		// one location, none only for a finding without a source
		if len(r.Locations) > 1 || (len(r.Locations) == 0) != (r.Properties.Source == "") {
			t.Fatalf("result %d: %d locations for source %q", i, len(r.Locations), r.Properties.Source)
		}
		if len(r.Locations) == 1 {
			al := r.Locations[0].PhysicalLocation.ArtifactLocation
			u, err := url.Parse(al.URI)
			if err != nil {
				t.Errorf("result %d: uri %q: %v", i, al.URI, err)
			} else if (al.URIBaseID != "") == u.IsAbs() {
				t.Errorf("result %d: uri %q with uriBaseId %q", i, al.URI, al.URIBaseID)
			}
		}
		fp := r.PartialFingerprints[FingerprintKey]
		if len(fp) != 32 || seenFP[fp] {
			t.Errorf("result %d: fingerprint %q missing, malformed or repeated", i, fp)
		}
		seenFP[fp] = true
	}
}

// checkCompact fails on filler: -1, empty strings, arrays or objects
// (except the results array, which SARIF wants even when empty).
func checkCompact(t testing.TB, at string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			t.Errorf("%s: empty object", at)
		}
		for k, e := range x {
			checkCompact(t, at+"."+k, e)
		}
	case []any:
		if len(x) == 0 && !strings.HasSuffix(at, ".results") {
			t.Errorf("%s: empty array", at)
		}
		for _, e := range x {
			checkCompact(t, at+"[]", e)
		}
	case string:
		if x == "" {
			t.Errorf("%s: empty string", at)
		}
	case json.Number:
		if x.String() == "-1" {
			t.Errorf("%s: -1", at)
		}
	}
}

// sarifFull has a finding of each severity, archive members, offsets in
// the file and in a member, a file name holding ':' and characters URIs
// must escape, a rule the catalogue lacks, an error inside an archive and
// skipped files.
func sarifFull() *scan.Result {
	return &scan.Result{
		Inputs:  []string{"models"},
		Scanned: []string{"a:b.pkl", "model.pkl", "net.pt", "net.pt:archive/data.pkl", "sub dir/ünï #1.pkl", "weights.npy"},
		Skipped: []scan.Skip{
			{Category: "SCAN_NOT_SUPPORTED", Source: "README.md", Description: "Model Scan did not scan file"},
			{Category: "SCAN_NOT_SUPPORTED", Source: "bundle.zip:notes.txt", Description: "Model Scan did not scan file"},
		},
		Findings: []scan.Finding{
			{Rule: rules.PickleDangerousImport, Severity: scan.Critical, Module: "posix", Operator: "system",
				Description: "Use of unsafe operator 'system' from module 'posix'", Source: "model.pkl",
				Scanner: "modelscan.scanners.PickleUnsafeOpScan", Evidence: "posix.system('echo pwned')", Offset: 17},
			{Rule: rules.PickleDangerousImport, Severity: scan.Critical, Module: "builtins", Operator: "exec",
				Description: "Use of unsafe operator 'exec' from module 'builtins'", Source: "net.pt:archive/data.pkl",
				Scanner:  "modelscan.scanners.PyTorchUnsafeOpScan",
				Evidence: "builtins.exec('" + strings.Repeat("x = 1; ", 60) + "')", Offset: 123456},
			{Rule: rules.PickleDangerousImport, Severity: scan.High, Module: "webbrowser", Operator: "open",
				Description: "Use of unsafe operator 'open' from module 'webbrowser'", Source: "a:b.pkl",
				Scanner: "modelscan.scanners.PickleUnsafeOpScan", Evidence: "webbrowser.open('http://example.com')", Offset: 2},
			{Rule: rules.PickleUnknownImport, Severity: scan.Medium, Module: "my_pkg.models", Operator: "MyNet",
				Description: "Use of unknown operator 'MyNet' from module 'my_pkg.models'", Source: "sub dir/ünï #1.pkl",
				Scanner: "modelscan.scanners.PickleUnsafeOpScan", Offset: -1},
			{Rule: "zip-hidden-member", Severity: scan.Low, Description: "archive member name has control characters",
				Source: "net.pt:a\x1b[31mb\u202e.pkl", Offset: -1},
		},
		Errors: []scan.Error{
			{Category: "PICKLE_GENOPS", Source: "net.pt:archive/extra.pkl", Description: "unexpected end of pickle stream at byte 40"},
			{Category: "MAGIC_NUMBER", Source: "weights.npy", Description: "bad header"},
		},
	}
}

var sarifMeta = Meta{
	InputPath:    "models",
	AbsolutePath: "/home/user/models",
	Version:      "1.2.3",
	Timestamp:    meta.Timestamp,
	Files:        []string{"README.md", "a:b.pkl", "bundle.zip", "model.pkl", "net.pt", "sub dir/ünï #1.pkl", "weights.npy"},
}

func sarifCases() []struct {
	name string
	res  *scan.Result
	meta Meta
} {
	shown := sarifMeta
	shown.ShowSkipped = true
	interrupted := sarifFull()
	interrupted.Interrupted = true
	interrupted.Errors = append(interrupted.Errors, scan.Error{Category: "CANCELLED", Source: "z.pkl", Description: "not scanned: the scan was interrupted"})
	clean := &scan.Result{Scanned: []string{"model.safetensors"},
		Skipped: []scan.Skip{{Category: "SCAN_NOT_SUPPORTED", Source: "README.md", Description: "Model Scan did not scan file"}}}
	cleanMeta := sarifMeta
	cleanMeta.Files = []string{"README.md", "model.safetensors"}
	// several inputs: sources keep the input as given, one of them outside
	// the working directory that becomes %SRCROOT%
	multi := &scan.Result{
		Scanned: []string{"/elsewhere/x.pkl", "models/m.pt", "models/m.pt:m/data.pkl"},
		Findings: []scan.Finding{
			{Rule: rules.PickleDangerousImport, Severity: scan.Critical, Module: "posix", Operator: "system",
				Description: "Use of unsafe operator 'system' from module 'posix'", Source: "/elsewhere/x.pkl", Offset: 3},
			{Rule: rules.PickleDangerousImport, Severity: scan.Critical, Module: "posix", Operator: "system",
				Description: "Use of unsafe operator 'system' from module 'posix'", Source: "models/m.pt:m/data.pkl", Offset: 3},
		},
	}
	multiMeta := Meta{InputPath: "models, /elsewhere/x.pkl", AbsolutePath: "/repo", Version: "1.2.3-dev", Files: []string{"/elsewhere/x.pkl", "models/m.pt"}}
	// no file list (a library caller): the first ':' separates the member
	noFiles := sarifFull()
	noFilesMeta := sarifMeta
	noFilesMeta.Files = nil
	noFilesMeta.Version = "dev"
	return []struct {
		name string
		res  *scan.Result
		meta Meta
	}{
		{"sarif_full", sarifFull(), sarifMeta},
		{"sarif_full_show_skipped", sarifFull(), shown},
		{"sarif_clean", clean, cleanMeta},
		{"sarif_empty", &scan.Result{}, Meta{Version: "1.2.3"}},
		{"sarif_interrupted", interrupted, sarifMeta},
		{"sarif_multi", multi, multiMeta},
		{"sarif_no_files", noFiles, noFilesMeta},
	}
}

func goldenFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

// goldenCatalogue pins the rule catalogue of the golden files, so that
// rules added to the real catalogue do not change them (TestSARIFContent
// checks that every rule of rules.All is described).
var goldenCatalogue = []rules.Rule{
	{ID: rules.PickleDangerousImport, Severity: scan.Critical, Short: "Pickle imports a known-dangerous callable",
		Help: "The pickle imports a function or class on the denylist. Do not load the file."},
	{ID: rules.PickleUnknownImport, Severity: scan.Medium, Short: "Pickle imports a callable that is not on the allowlist",
		Help: "The pickle imports something that is neither known to be safe nor known to be dangerous, such as `__main__.MyModel`."},
	{ID: rules.ScanIncomplete, Severity: scan.Medium, Short: "The scan could not finish",
		Help: "A limit was hit or the file is damaged: what follows was not analysed."},
	{ID: rules.ArchiveTraversal, Severity: scan.High, Short: "Archive member path escapes the extraction directory",
		Help: "A member name is absolute or climbs out with `..`."},
	{ID: "low-note", Severity: scan.Low, Short: "A note", Help: "Informational."},
}

func TestSARIFGolden(t *testing.T) {
	for _, tc := range sarifCases() {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := writeSARIF(&buf, tc.res, tc.meta, goldenCatalogue); err != nil {
				t.Fatal(err)
			}
			validateSARIF(t, buf.Bytes())
			goldenFile(t, filepath.Join("testdata", tc.name+".sarif"), buf.Bytes())
			var again bytes.Buffer
			if err := writeSARIF(&again, tc.res, tc.meta, goldenCatalogue); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
				t.Errorf("SARIF not deterministic (err %v)", err)
			}
		})
	}
}

// sarifDoc decodes a SARIF log into generic values for spot checks.
func sarifDoc(t *testing.T, res *scan.Result, m Meta) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := SARIF(&buf, res, m); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func dig(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func TestSARIFContent(t *testing.T) {
	doc := sarifDoc(t, sarifFull(), sarifMeta)
	run := dig(doc, "runs", 0)
	if got := dig(run, "originalUriBaseIds", "%SRCROOT%", "uri"); got != "file:///home/user/models/" {
		t.Errorf("%%SRCROOT%% is %v", got)
	}
	rulesOut := dig(run, "tool", "driver", "rules").([]any)
	if len(rulesOut) != len(rules.All)+1 {
		t.Errorf("%d rules, want every catalogued rule (%d) plus zip-hidden-member", len(rulesOut), len(rules.All))
	}
	for i, r := range rules.All {
		if got := dig(rulesOut[i], "id"); got != r.ID {
			t.Errorf("rule %d is %v, want %s", i, got, r.ID)
		}
		if got := dig(rulesOut[i], "properties", "security-severity"); got != securitySeverity(r.Severity) {
			t.Errorf("rule %s: security-severity %v", r.ID, got)
		}
	}
	if got := dig(rulesOut[len(rulesOut)-1], "id"); got != "zip-hidden-member" {
		t.Errorf("uncatalogued rule listed last as %v", got)
	}
	want := []struct {
		level, uri, member string
		offset             any
	}{
		{"error", "model.pkl", "", 17.0},
		{"error", "net.pt", "archive/data.pkl", nil},
		{"error", "a%3Ab.pkl", "", 2.0},
		{"warning", "sub%20dir/%C3%BCn%C3%AF%20%231.pkl", "", nil},
		{"note", "net.pt", "a\x1b[31mb\u202e.pkl", nil},
	}
	for i, w := range want {
		r := dig(run, "results", i)
		if got := dig(r, "level"); got != w.level {
			t.Errorf("result %d: level %v, want %s", i, got, w.level)
		}
		if got := dig(r, "locations", 0, "physicalLocation", "artifactLocation", "uri"); got != w.uri {
			t.Errorf("result %d: uri %v, want %s", i, got, w.uri)
		}
		if got := dig(r, "locations", 0, "physicalLocation", "region", "byteOffset"); got != w.offset {
			t.Errorf("result %d: byteOffset %v, want %v", i, got, w.offset)
		}
		gotMember, _ := dig(r, "properties", "member").(string)
		if gotMember != w.member {
			t.Errorf("result %d: member %q, want %q", i, gotMember, w.member)
		}
		if w.member != "" {
			if got := dig(r, "locations", 0, "logicalLocations", 0, "name"); got != clean(w.member) {
				t.Errorf("result %d: logical location %v", i, got)
			}
			msg := dig(r, "message", "text").(string)
			if !strings.Contains(msg, "Source: net.pt:") {
				t.Errorf("result %d: message lacks the full source: %q", i, msg)
			}
		}
	}
	// the offset inside a member is a property, not a region
	if got := dig(run, "results", 1, "properties", "offset"); got != 123456.0 {
		t.Errorf("member offset property %v", got)
	}
	// escape codes and bidi overrides from the file never reach the message
	msg := dig(run, "results", 4, "message", "text").(string)
	if strings.ContainsAny(msg, "\x1b\u202e") {
		t.Errorf("message not cleaned: %q", msg)
	}
	// evidence in the message is cut as on the console
	if msg := dig(run, "results", 1, "message", "text").(string); !strings.Contains(msg, "more bytes") {
		t.Errorf("long evidence not cut in message: %q", msg)
	}
	inv := dig(run, "invocations", 0)
	if dig(inv, "executionSuccessful") != false {
		t.Errorf("execution with errors marked successful")
	}
	notes := dig(inv, "toolExecutionNotifications").([]any)
	if len(notes) != 2 {
		t.Fatalf("%d notifications without --show-skipped, want the 2 errors", len(notes))
	}
	if got := dig(notes[0], "locations", 0, "logicalLocations", 0, "name"); got != "archive/extra.pkl" {
		t.Errorf("error in a member located at %v", got)
	}

	shown := sarifMeta
	shown.ShowSkipped = true
	notes = dig(sarifDoc(t, sarifFull(), shown), "runs", 0, "invocations", 0, "toolExecutionNotifications").([]any)
	if len(notes) != 4 || dig(notes[3], "level") != "note" {
		t.Errorf("with --show-skipped: %d notifications, last %v", len(notes), dig(notes[len(notes)-1], "level"))
	}

	clean := &scan.Result{Scanned: []string{"m.safetensors"}}
	inv = dig(sarifDoc(t, clean, sarifMeta), "runs", 0, "invocations", 0)
	if dig(inv, "executionSuccessful") != true || dig(inv, "toolExecutionNotifications") != nil {
		t.Errorf("clean scan invocation: %v", inv)
	}
}

func TestSARIFFingerprintStable(t *testing.T) {
	fp := func(res *scan.Result, m Meta, i int) string {
		return dig(sarifDoc(t, res, m), "runs", 0, "results", i, "partialFingerprints", FingerprintKey).(string)
	}
	base := fp(sarifFull(), sarifMeta, 0)
	// another machine, another version, another time, another offset and
	// severity: the same finding
	other := sarifMeta
	other.AbsolutePath = "/srv/ci/checkout/models"
	other.Version = "9.9.9"
	moved := sarifFull()
	moved.Findings[0].Offset = 99
	moved.Findings[0].Severity = scan.High
	if got := fp(moved, other, 0); got != base {
		t.Errorf("fingerprint changed with machine/offset/severity: %s vs %s", got, base)
	}
	// different evidence: a different finding
	changed := sarifFull()
	changed.Findings[0].Evidence = "posix.system('rm -rf /')"
	if got := fp(changed, sarifMeta, 0); got == base {
		t.Errorf("fingerprint ignores evidence")
	}
}

func TestEncodePath(t *testing.T) {
	for in, want := range map[string]string{
		"model.pkl":            "model.pkl",
		"dir/sub/m.pt":         "dir/sub/m.pt",
		"a:b.pkl":              "a%3Ab.pkl",
		"sp ace/100%.pkl":      "sp%20ace/100%25.pkl",
		"q?#.pkl":              "q%3F%23.pkl",
		"back\\slash":          "back%5Cslash",
		"ünï":                  "%C3%BCn%C3%AF",
		"keep-._~!$&'()*+,;=@": "keep-._~!$&'()*+,;=@",
		"bad\xffbyte":          "bad%FFbyte",
	} {
		if got := encodePath(in); got != want {
			t.Errorf("encodePath(%q) = %q, want %q", in, got, want)
		}
		if u, err := url.Parse(encodePath(in)); err != nil || u.Scheme != "" || u.Path != in {
			t.Errorf("encodePath(%q) does not round-trip: %v %+v", in, err, u)
		}
	}
}

func TestLocator(t *testing.T) {
	l := newLocator(Meta{AbsolutePath: "/repo/models", SARIFRoot: "/repo"})
	for in, want := range map[string]sarifArtifactLocation{
		"m.pkl":         {URI: "models/m.pkl", URIBaseID: srcRoot},
		"sub/m.pkl":     {URI: "models/sub/m.pkl", URIBaseID: srcRoot},
		"/repo/x.pkl":   {URI: "x.pkl", URIBaseID: srcRoot},
		"/other/x.pkl":  {URI: "file:///other/x.pkl"},
		"../../o/x.pkl": {URI: "file:///o/x.pkl"},
		"/repository/x": {URI: "file:///repository/x"},
		"C:/Users/x.pt": {URI: "file:///C:/Users/x.pt"},
	} {
		if got := l.artifact(in); got != want {
			t.Errorf("artifact(%q) = %+v, want %+v", in, got, want)
		}
	}
	if got := l.baseURI(); got != "file:///repo/" {
		t.Errorf("baseURI %q", got)
	}
	if got := newLocator(Meta{AbsolutePath: "/"}).artifact("m.pkl"); got != (sarifArtifactLocation{URI: "m.pkl", URIBaseID: srcRoot}) {
		t.Errorf("root directory: %+v", got)
	}
	if got := newLocator(Meta{}).artifact("m.pkl"); got != (sarifArtifactLocation{URI: "m.pkl", URIBaseID: srcRoot}) {
		t.Errorf("no root: %+v", got)
	}
	if got := newLocator(Meta{}).baseURI(); got != "" {
		t.Errorf("no root: baseURI %q", got)
	}
}

func TestSplit(t *testing.T) {
	withFiles := newSplitter(&scan.Result{}, []string{"a:b.pkl", "m.zip", "m.zip:x"})
	noFiles := newSplitter(&scan.Result{Scanned: []string{"n.zip", "n.zip:in.pkl"}}, nil)
	for _, tc := range []struct {
		sp                 splitter
		src, outer, member string
	}{
		{withFiles, "a:b.pkl", "a:b.pkl", ""},
		{withFiles, "m.zip:data.pkl", "m.zip", "data.pkl"},
		{withFiles, "m.zip:x:y", "m.zip:x", "y"},
		{withFiles, "m.zip:a/b.zip:c.pkl", "m.zip", "a/b.zip:c.pkl"},
		{withFiles, "never:opened", "never:opened", ""},
		{noFiles, "n.zip:in.pkl", "n.zip", "in.pkl"},
		{noFiles, "o.zip:in.pkl:deeper", "o.zip", "in.pkl:deeper"},
		{noFiles, "C:/m/x.zip:in.pkl", "C:/m/x.zip", "in.pkl"},
		{noFiles, "plain.pkl", "plain.pkl", ""},
		{noFiles, ":\xd9.pkl", ":\xd9.pkl", ""},
		{noFiles, "::in.pkl", ":", "in.pkl"},
		{noFiles, ":", ":", ""},
	} {
		outer, member := tc.sp.split(tc.src)
		if outer != tc.outer || member != tc.member {
			t.Errorf("split(%q) = %q, %q; want %q, %q", tc.src, outer, member, tc.outer, tc.member)
		}
	}
}

func TestSemverAndNames(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3": "1.2.3", "v0.1.0": "0.1.0", "1.2.3-rc.1+build.5": "1.2.3-rc.1+build.5",
		"1.2": "", "dev": "", "1.02.3": "", "1.2.3-01": "", "1.2.3-": "",
	} {
		if got := semver(in); got != want {
			t.Errorf("semver(%q) = %q, want %q", in, got, want)
		}
	}
	if got := camelCase("pickle-dangerous-import"); got != "PickleDangerousImport" {
		t.Errorf("camelCase: %q", got)
	}
	for _, s := range []scan.Severity{scan.Low, scan.Medium, scan.High, scan.Critical} {
		t.Logf("%s: level %s, security-severity %s", s, sarifLevel(s), securitySeverity(s))
	}
	if sarifLevel(scan.Critical) != "error" || sarifLevel(scan.High) != "error" || sarifLevel(scan.Medium) != "warning" || sarifLevel(scan.Low) != "note" {
		t.Error("level mapping")
	}
}

// TestSchemaFileIntact guards the committed schema: the size and first and
// last lines of the OASIS file, and that it rejects a log without runs.
func TestSchemaFileIntact(t *testing.T) {
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(string(data))); n != 112768 {
		t.Errorf("%s has %d characters, want 112768", schemaFile, n)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if lines[0] != "{" || lines[1] != `  "$schema": "http://json-schema.org/draft-04/schema#",` || lines[len(lines)-1] != "}" {
		t.Errorf("unexpected first or last lines: %q ... %q", lines[:2], lines[len(lines)-1])
	}
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version": "2.1.0"}`))
	if compiledSchema(t).Validate(inst) == nil {
		t.Error("schema accepts a log without runs")
	}
	inst, _ = jsonschema.UnmarshalJSON(strings.NewReader(`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}`))
	if compiledSchema(t).Validate(inst) == nil {
		t.Error("schema accepts an unknown level")
	}
}

// TestSARIFEmptySource: a finding without a source renders without a
// location instead of an empty artifact URI, and the log stays valid.
func TestSARIFEmptySource(t *testing.T) {
	res := &scan.Result{Findings: []scan.Finding{{Rule: "r", Severity: scan.Critical, Offset: -1}}}
	var buf bytes.Buffer
	if err := SARIF(&buf, res, Meta{Version: "1.0.0"}); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, buf.Bytes())
	if bytes.Contains(buf.Bytes(), []byte(`"uri":""`)) {
		t.Errorf("empty uri in %s", buf.Bytes())
	}
}
