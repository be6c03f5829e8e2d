package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelscan-go/modelscan/internal/core"
)

func TestDefaultTOMLRoundTrip(t *testing.T) {
	got, err := Parse([]byte(DefaultTOML()))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(Default(), got); d != "" {
		t.Errorf("Parse(DefaultTOML()) differs from Default() (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(DefaultTOML(), "# ModelScan settings file\n") {
		t.Errorf("DefaultTOML lacks the header comment")
	}
}

func TestPythonGeneratedFiles(t *testing.T) {
	for _, name := range []string{"python_tables.toml", "python_inline.toml"} {
		t.Run(name, func(t *testing.T) {
			got, err := Load(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(Default(), got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestPython07File(t *testing.T) {
	got, err := Load(filepath.Join("testdata", "python_07.toml"))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.ModelScanVersion = "0.8.1"
	want.FormatExtensions = map[string][]string{
		"tensorflow": {".pb"}, "keras_h5": {".h5"}, "keras": {".keras"}, "numpy": {".npy"},
		"pytorch": {".bin", ".pt", ".pth", ".ckpt"},
		"pickle":  {".pkl", ".pickle", ".joblib", ".dill", ".dat", ".data"},
	}
	want.Reporting = Reporting{Module: JSONModule, OutputFile: "report.json"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestDefaultIsFresh(t *testing.T) {
	a := Default()
	a.UnsafeGlobals["CRITICAL"]["os"][0] = "x"
	a.Scanners[PickleUnsafeOpScan] = Scanner{}
	if d := cmp.Diff(Default().UnsafeGlobals["CRITICAL"]["os"], []string{"*"}); d != "" {
		t.Errorf("Default shares slices: %s", d)
	}
	if !Default().Scanners[PickleUnsafeOpScan].Enabled {
		t.Errorf("Default shares maps")
	}
}

func TestPartialMerge(t *testing.T) {
	got, err := Parse([]byte(`
supported_zip_extensions = [".zip"]

[scanners."modelscan.scanners.PickleUnsafeOpScan"]
enabled = false

[scanners."modelscan.scanners.SavedModelTensorflowOpScan"]
unsafe_tf_operators = {ReadFile = "medium"}

[unsafe_globals.CRITICAL]
os = ["system"]
dill = "*"

[unsafe_globals.LOW]
numpy = ["load"]

[modelscan]
fail_on = "high"
jobs = 4
allowed_globals = ["my_pkg.models:MyNet", "a.b:C.d"]

[modelscan.limits]
max_depth = 3
max_seconds_per_file = 30
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.SupportedZipExtensions = []string{".zip"}
	pk := want.Scanners[PickleUnsafeOpScan]
	pk.Enabled = false
	want.Scanners[PickleUnsafeOpScan] = pk
	tf := want.Scanners[SavedModelTensorflowOpScan]
	tf.UnsafeTFOperators = map[string]string{"ReadFile": "MEDIUM"}
	want.Scanners[SavedModelTensorflowOpScan] = tf
	want.UnsafeGlobals["CRITICAL"]["os"] = []string{"system"}
	want.UnsafeGlobals["CRITICAL"]["dill"] = []string{"*"}
	want.UnsafeGlobals["LOW"]["numpy"] = []string{"load"}
	want.FailOn = "HIGH"
	want.Jobs = 4
	want.AllowedGlobals = []string{"my_pkg.models:MyNet", "a.b:C.d"}
	want.Limits.MaxDepth = 3
	want.Limits.MaxSecondsPerFile = 30
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestEmptyFile(t *testing.T) {
	got, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(Default(), got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"unknown top", `foo = 1`, `unknown key "foo"`},
		{"unknown nested", "[modelscan.limts]\nmax_depth = 2", `unknown key "modelscan.limts"`},
		{"unknown limit", "[modelscan.limits]\nmax_dept = 2", `unknown key "modelscan.limits.max_dept"`},
		{"unknown scanner key", "[scanners.\"modelscan.scanners.NumpyUnsafeOpScan\"]\nenable = true",
			`unknown key "scanners.'modelscan.scanners.NumpyUnsafeOpScan'.enable"`},
		{"unknown reporting setting", "[reporting.settings]\nshow = true", `unknown key "reporting.settings.show"`},
		{"custom scanner", "[scanners.\"my.Scanner\"]\nenabled = true", `custom scanners are not supported`},
		{"custom middleware", "[middlewares.\"my.M\"]\nx = 1", `custom middlewares are not supported`},
		{"type bool", "[scanners.\"modelscan.scanners.NumpyUnsafeOpScan\"]\nenabled = \"yes\"",
			`key "scanners.'modelscan.scanners.NumpyUnsafeOpScan'.enabled": expected a boolean, got string`},
		{"type jobs", "[modelscan]\njobs = \"4\"", `key "modelscan.jobs": expected an integer, got string`},
		{"type float", "[modelscan.limits]\nmax_memo = 1.5", `key "modelscan.limits.max_memo": expected an integer, got float`},
		{"type list", `supported_zip_extensions = ".zip"`, `key "supported_zip_extensions": expected an array of strings, got string`},
		{"type list elem", `supported_zip_extensions = [".zip", 1]`, `element 1 is integer`},
		{"type table", `modelscan = 1`, `key "modelscan": expected a table, got integer`},
		{"global string", "[unsafe_globals.HIGH]\nos = \"system\"", `key "unsafe_globals.HIGH.os": expected "*" or an array of strings`},
		{"global int", "[unsafe_globals.HIGH]\nos = 3", `expected "*" or an array of strings, got integer`},
		{"bad severity key", "[unsafe_globals.SEVERE]\nos = \"*\"", `unknown severity "SEVERE"`},
		{"bad severity value", "[scanners.\"modelscan.scanners.SavedModelLambdaDetectScan\".unsafe_keras_operators]\nLambda = \"BAD\"",
			`unknown severity "BAD"`},
		{"bad fail_on", "[modelscan]\nfail_on = \"NONE\"", `key "modelscan.fail_on": unknown severity "NONE"`},
		{"negative limit", "[modelscan.limits]\nmax_memo = -1", `key "modelscan.limits.max_memo": -1 is out of range`},
		{"zero depth", "[modelscan.limits]\nmax_depth = 0", `key "modelscan.limits.max_depth": 0 is out of range`},
		{"negative jobs", "[modelscan]\njobs = -2", `out of range`},
		{"custom report", "[reporting]\nmodule = \"my.reports.Report\"", `custom report modules are not supported because settings never load code`},
		{"syntax", `a = [`, `settings: toml:`},
		{"global no colon", "[modelscan]\nallowed_globals = [\"my_pkg.MyNet\"]", `want "module:qualname"`},
		{"global empty module", "[modelscan]\nallowed_globals = [\":MyNet\"]", `want "module:qualname"`},
		{"global empty name", "[modelscan]\nallowed_globals = [\"my_pkg:\"]", `want "module:qualname"`},
		{"global empty part", "[modelscan]\nallowed_globals = [\"my_pkg..x:A\"]", `"" is not a Python identifier`},
		{"global star", "[modelscan]\nallowed_globals = [\"my_pkg:*\"]", `"*" is not a Python identifier`},
		{"global dunder name", "[modelscan]\nallowed_globals = [\"builtins:__import__\"]", `dunder name "__import__"`},
		{"global dunder module", "[modelscan]\nallowed_globals = [\"__builtins__:Net\"]", `dunder name "__builtins__"`},
		{"global dunder attr", "[modelscan]\nallowed_globals = [\"m:Net.__reduce__\"]", `dunder name "__reduce__"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.file))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "missing.toml")); err == nil {
		t.Error("missing file: no error")
	}
	p := filepath.Join(t.TempDir(), "s.toml")
	if err := os.WriteFile(p, []byte("[reporting]\nmodule = \"x.Y\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "custom report modules") {
		t.Errorf("Load error = %v, want path and custom report module", err)
	}
}

func TestAllowedGlobalMainModule(t *testing.T) {
	s, err := Parse([]byte("[modelscan]\nallowed_globals = [\"__main__:TinyNet\"]\n"))
	if err != nil {
		t.Fatalf("a class from the training script must be allowlistable: %v", err)
	}
	if len(s.AllowedGlobals) != 1 || s.AllowedGlobals[0] != "__main__:TinyNet" {
		t.Fatalf("allowed_globals = %q", s.AllowedGlobals)
	}
}

// max_file_compression_ratio defaults to core's limit and 0 turns it off.
func TestFileRatioSetting(t *testing.T) {
	if got, want := Default().Limits.MaxFileCompressionRatio, core.DefaultLimits().MaxFileRatio; got != want || want <= 0 {
		t.Errorf("default %d, want %d", got, want)
	}
	s, err := Parse([]byte("[modelscan.limits]\nmax_file_compression_ratio = 0\n"))
	if err != nil || s.Limits.MaxFileCompressionRatio != 0 {
		t.Errorf("%v %d", err, s.Limits.MaxFileCompressionRatio)
	}
	if _, err := Parse([]byte("[modelscan.limits]\nmax_file_compression_ratio = -1\n")); err == nil {
		t.Error("negative ratio accepted")
	}
}
