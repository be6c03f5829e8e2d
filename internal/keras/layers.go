package keras

import (
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// layer runs the checks of built-in layers that carry code, paths or
// pickles in their config.
func (w *walker) layer(v *value, cls string, inner *value) {
	switch {
	case cls == "Lambda":
		w.lambdaLayer(v, inner)
	case cls == "TFOpLambda" || cls == "SlicingOpLambda":
		w.tfOpLambda(v, inner)
	case cls == "TFSMLayer":
		w.externalPath(v, cls, inner, "filepath", "loads a TensorFlow SavedModel from this path when the model is built")
	case cls == "KerasLayer":
		w.externalPath(v, cls, inner, "handle", "tensorflow_hub downloads or loads a model from this handle")
	case cls == "TorchModuleWrapper":
		w.torchModule(v, inner)
	case strings.HasSuffix(cls, "Lookup") || strings.HasSuffix(cls, "Vectorization"):
		for _, key := range []string{"vocabulary", "vocabulary_file", "vocab_file", "vocabulary_path", "idf_weights"} {
			w.externalPath(v, cls, inner, key, "the layer reads this file when it is built (CVE-2025-12058)")
		}
	}
}

// lambdaLayer decodes the functions of a Lambda layer.
func (w *walker) lambdaLayer(v *value, inner *value) {
	fi := &funcInfo{}
	module, _ := inner.get("module").text()
	ftype, _ := inner.get("function_type").text()
	fi.function(inner.get("function"), ftype, module, w.consumed)
	if inner.get("function") == nil {
		fi.fail("no function in the config")
	}
	// Keras 2 also marshals output_shape when it is a lambda; Keras 3
	// serializes output_shape and mask functions like the function.
	if st, _ := inner.get("output_shape_type").text(); st == "lambda" || st == "function" {
		om, _ := inner.get("output_shape_module").text()
		fi.function(inner.get("output_shape"), st, om, w.consumed)
	} else if shape := inner.get("output_shape"); shape != nil && shape.kind == jObject {
		fi.function(shape, "", "", w.consumed)
	}
	if m := inner.get("mask"); m != nil && (m.kind == jObject || m.kind == jString) {
		fi.function(m, "", "", w.consumed)
	}
	fi.constants(inner.get("arguments"), w.consumed, 0)
	w.lambdaFinding(v, fi, "Lambda", "Use of unsafe operator 'Lambda' from module 'Keras'")
}

// tfOpLambda checks the TensorFlow API symbol a TFOpLambda layer calls
// (config.function, e.g. "math.add" for tf.math.add).
func (w *walker) tfOpLambda(v *value, inner *value) {
	fn, ok := inner.get("function").text()
	if !ok {
		return
	}
	sym := strings.TrimPrefix(fn, "tf.")
	for _, p := range []string{"compat.v1.", "compat.v2."} {
		sym = strings.TrimPrefix(sym, p)
	}
	last := lastPart(sym)
	sev, ok := tfSymbolGadget(sym, last)
	if !ok {
		return // (enable_unsafe_deserialization is reported by the string check)
	}
	w.consumed[inner.get("function")] = true
	w.add(v, core.Finding{Rule: rules.KerasFileGadget, Severity: sev,
		Description: fmt.Sprintf("TFOpLambda layer calls tf.%s, which touches files, the network or native code", sym),
		Module:      "tensorflow", Operator: "tf." + sym}, "function "+quote(fn))
}

// tfSymbolGadget judges a TensorFlow API symbol name.
func tfSymbolGadget(sym, last string) (core.Severity, bool) {
	switch {
	case last == "load_op_library" || last == "load_library" || last == "load_file_system_library":
		return core.Critical, true
	case fileGadgets[last] != 0:
		return fileGadgets[last], true
	case strings.HasPrefix(sym, "io.gfile.") || strings.HasPrefix(sym, "gfile."):
		return core.High, true
	}
	switch last {
	case "read_file", "write_file", "matching_files", "TFRecordWriter", "TFRecordDataset", "TextLineDataset",
		"FixedLengthRecordDataset", "list_files", "create_file_writer", "enable_dump_debug_info",
		"make_csv_dataset", "CsvDataset", "SqlDataset", "write_graph", "import_meta_graph":
		return core.High, true
	}
	if strings.HasPrefix(sym, "saved_model.") && (last == "load" || last == "save" || last == "load_v2") {
		return core.High, true
	}
	if strings.HasPrefix(sym, "data.experimental.") && (last == "load" || last == "save") {
		return core.High, true
	}
	return 0, false
}

// externalPath reports a string config value that names a file or URL.
func (w *walker) externalPath(v *value, cls string, inner *value, key, why string) {
	pv := inner.get(key)
	p, ok := pv.text()
	if !ok || strings.TrimSpace(p) == "" {
		return
	}
	w.consumed[pv] = true
	kind := "path"
	if strings.Contains(p, "://") {
		kind = "URL"
	}
	w.add(v, core.Finding{Rule: rules.KerasExternalPath, Severity: core.High,
		Description: fmt.Sprintf("%s layer reads an external %s (%s)", cls, kind, key),
		Module:      "Keras", Operator: cls}, fmt.Sprintf("%s %s: %s", key, quote(clip(p, 300)), why))
}

// torchModule reports a TorchModuleWrapper and hands its torch.save bytes
// (base64 in config.module; older versions: a __bytes__ object) to the
// caller.
func (w *walker) torchModule(v *value, inner *value) {
	mv := inner.get("module")
	if mv == nil {
		return
	}
	w.consumed[mv] = true
	var data []byte
	detail := ""
	switch {
	case mv.kind == jString:
		raw, ok := base64Text(mv.str)
		if ok {
			data = raw
		} else {
			detail = "config.module is not base64"
		}
	case mv.kind == jObject && mv.getText("class_name") == "__bytes__":
		s, _ := mv.get("config").get("value").text()
		data = []byte(s)
		markAll(mv, w.consumed, 0)
	default:
		detail = "config.module has an unexpected form"
	}
	if detail == "" {
		detail = fmt.Sprintf("%d bytes of torch.save data, loaded with torch.load(weights_only=False) unless safe mode refuses it; scanned as a nested stream", len(data))
	}
	w.add(v, core.Finding{Rule: rules.KerasTorchModule, Severity: core.Medium,
		Description: "TorchModuleWrapper layer carries a pickled PyTorch module",
		Module:      "Keras", Operator: "TorchModuleWrapper"}, detail)
	if len(data) > 0 && len(w.res.Embedded) < maxEmbedded {
		w.res.Embedded = append(w.res.Embedded, Embedded{Name: location(w.path) + ".config.module", Data: data})
	}
}
