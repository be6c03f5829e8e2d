package keras

import (
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// How Keras resolves a serialized object (keras/src/saving/
// serialization_lib.py, deserialize_keras_object and
// _retrieve_class_or_fn): a dict with class_name and config is an object;
// class_name "function" names a function whose name is config; the
// registered custom objects are looked up by registered_name first; then,
// when module is set, Keras 3 before the CVE-2025-1550 fix imports module
// and takes the attribute class_name (or registered_name), whatever the
// module is. A class is built with cls.from_config(config), a function is
// returned and later called (as an activation, a loss, or as a "layer" of
// a Functional graph, with arguments from the config). Keras 2 (H5,
// keras_metadata.pb) writes class_name only and resolves it among the
// built-ins and the custom objects the loading program registered.

// object judges one serialized object.
func (w *walker) object(v *value, cls string) {
	module, _ := v.get("module").text()
	registered, _ := v.get("registered_name").text()
	inner := v.get("config")
	w.consumed[v.get("class_name")] = true
	w.consumed[v.get("registered_name")] = true

	switch cls {
	case "__lambda__":
		if !w.consumed[v] {
			fi := &funcInfo{}
			fi.function(v, "lambda", "", w.consumed)
			w.lambdaFinding(v, fi, "__lambda__", "Use of unsafe operator 'Lambda' from module 'Keras'")
		}
		return
	case "__typespec__":
		spec, _ := v.get("spec_name").text()
		if module != "" && !kerasFamily(module) {
			w.classify(v, module, cls, spec, registered, false)
		}
		return
	}
	if specialClassNames[cls] {
		return
	}
	isObject := inner != nil || v.get("module") != nil || v.get("registered_name") != nil
	name, isFn := cls, false
	if cls == "function" {
		isFn = true
		name, _ = inner.text()
		w.consumed[inner] = true
	}
	if unsafeDeserNames[name] || unsafeDeserNames[lastPart(registered)] {
		w.add(v, core.Finding{Rule: rules.KerasUnsafeDeserialization, Severity: core.Critical,
			Description: "Keras config calls " + name + ", which turns off safe mode",
			Module:      orKeras(module), Operator: name}, describeRef(module, cls, name, registered))
		return
	}
	if !isObject {
		return
	}
	w.classify(v, module, cls, name, registered, isFn)
	if module == "" || kerasFamily(module) || ecosystem(module) {
		w.layer(v, baseName(cls), inner)
	}
}

// classify reports an object that is not a built-in.
func (w *walker) classify(v *value, module, cls, name, registered string, isFn bool) {
	if name == "" {
		return
	}
	ref := describeRef(module, cls, name, registered)
	family := module == "" || kerasFamily(module) || ecosystem(module)
	if family {
		if sev, ok := fileGadgets[lastPart(name)]; ok {
			w.gadget(v, module, name, sev, ref)
			return
		}
	}
	switch {
	case module == "":
		w.classifyBare(v, name, ref)
	case kerasFamily(module):
		if w.bl.isPair(module, name) || w.bl.names[name] || (module != "" && w.bl.names[baseName(name)]) {
			return
		}
		if w.dangerous(v, module, name, registered, ref) {
			return
		}
		if looksLikeGadget(name) {
			w.gadget(v, module, name, core.High, ref+" (not a listed Keras object; its name suggests file or loader access)")
			return
		}
		w.custom(v, module, name, core.Low, ref+": a Keras/TensorFlow name that is not in the list of built-in objects (a newer or internal object)")
	case ecosystem(module):
		if w.dangerous(v, module, name, registered, ref) {
			return
		}
		if looksLikeGadget(name) {
			w.gadget(v, module, name, core.High, ref+" (its name suggests file or loader access)")
			return
		}
		w.custom(v, module, name, core.Low, ref+": a class of a Keras ecosystem library, which must be installed")
	default:
		if (module == "builtins" || module == "__builtin__") && isFn && w.bl.funcs[name] {
			return // Keras <= 3.6 wrote built-in functions with module "builtins"
		}
		if w.dangerous(v, module, name, registered, ref) {
			return
		}
		switch {
		case module == "builtins" || module == "__builtin__":
			if pyBuiltins[name] {
				w.unsafe(v, module, name, core.High, ref+": a Python built-in that Keras imports and calls")
				return
			}
			w.custom(v, module, name, core.Medium, ref+": a custom function saved by name")
		case module == "__main__":
			w.custom(v, module, name, core.Medium, ref+": defined by the script that saved the model; loading needs and runs that code")
		case w.pol.IsStdlib(module):
			w.unsafe(v, module, name, core.High, ref+": a standard-library object that Keras imports and calls with arguments from the config")
		default:
			w.custom(v, module, name, core.Medium, ref+": custom code that Keras imports from that module")
		}
	}
}

// classifyBare judges a class_name written without a module.
func (w *walker) classifyBare(v *value, name, ref string) {
	if w.bl.names[name] {
		return
	}
	if pkg, base, ok := strings.Cut(name, ">"); ok {
		if w.bl.names[base] && (pkg == "Custom" || pkg == "keras" || pkg == "Keras") {
			return // tf.keras 2.11+ registers its optimizers as Custom>Adam
		}
		if ecosystem(pkg) {
			w.custom(v, pkg, base, core.Low, ref+": a registered class of a Keras ecosystem library, which must be installed")
			return
		}
		w.custom(v, pkg, base, core.Medium, ref+": a registered custom class; loading needs the package that registers it")
		return
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		mod, attr := name[:i], name[i+1:]
		if w.dangerous(v, mod, attr, "", ref) {
			return
		}
	}
	w.custom(v, "", name, core.Medium, ref+": not a built-in Keras class; loading needs custom code")
}

// dangerous reports a denylisted module.name (or module.registered_name,
// which Keras 3 also looks up) and says whether it did.
func (w *walker) dangerous(v *value, module, name, registered, ref string) bool {
	best := w.pol.Classify(module, name)
	if registered != "" && registered != name && !strings.Contains(registered, ">") {
		if alt := w.pol.Classify(module, registered); alt.Class == policy.Dangerous && (best.Class != policy.Dangerous || alt.Severity > best.Severity) {
			best = alt
		}
	}
	if best.Class != policy.Dangerous {
		return false
	}
	sev := max(best.Severity, core.High)
	w.unsafe(v, module, name, sev, fmt.Sprintf("%s: %s (%s)", ref, best.Canonical, best.Reason))
	return true
}

func (w *walker) unsafe(v *value, module, name string, sev core.Severity, detail string) {
	w.add(v, core.Finding{Rule: rules.KerasUnsafeObject, Severity: sev,
		Description: fmt.Sprintf("Keras config deserializes '%s' from module '%s', which is not a Keras object", name, module),
		Module:      module, Operator: name}, detail)
}

func (w *walker) custom(v *value, module, name string, sev core.Severity, detail string) {
	w.add(v, core.Finding{Rule: rules.KerasCustomObject, Severity: sev,
		Description: fmt.Sprintf("Keras config uses '%s', which is not a built-in Keras object", name),
		Module:      orKeras(module), Operator: name}, detail)
}

func (w *walker) gadget(v *value, module, name string, sev core.Severity, detail string) {
	w.add(v, core.Finding{Rule: rules.KerasFileGadget, Severity: sev,
		Description: fmt.Sprintf("Keras config calls '%s', a file, download or loader function", name),
		Module:      orKeras(module), Operator: name}, detail)
}

// describeRef renders how the config names an object.
func describeRef(module, cls, name, registered string) string {
	var parts []string
	if module != "" {
		parts = append(parts, "module "+quote(module))
	}
	if cls != "" && cls != name {
		parts = append(parts, "class_name "+quote(cls))
	}
	if cls != name {
		parts = append(parts, "name "+quote(name))
	} else {
		parts = append(parts, "class_name "+quote(name))
	}
	if registered != "" && registered != name {
		parts = append(parts, "registered_name "+quote(registered))
	}
	return strings.Join(parts, ", ")
}

func orKeras(module string) string {
	if module == "" {
		return "Keras"
	}
	return module
}

// lastPart is what follows the last '.' or '>'.
func lastPart(s string) string {
	if i := strings.LastIndexAny(s, ".>"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// baseName strips a registration package ("Custom>Adam" -> "Adam").
func baseName(s string) string {
	if i := strings.LastIndexByte(s, '>'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// unsafeDeserNames turn Keras' safe mode off (CVE-2025-9906) or load
// marshalled code directly.
var unsafeDeserNames = setOf("enable_unsafe_deserialization", "SafeModeScope")

// fileGadgets are Keras functions with file, network or loader effects
// (CVE-2025-8747: keras.utils.get_file called from a config). Most are
// Keras' NON_MODELING_APIS, which later versions refuse to deserialize.
var fileGadgets = map[string]core.Severity{
	"get_file": core.Critical, "load_model": core.Critical, "load_weights": core.Critical,
	"model_from_json": core.Critical, "model_from_yaml": core.Critical, "model_from_config": core.Critical,
	"deserialize_keras_object": core.Critical, "save_model": core.Critical, "save_weights": core.Critical,
	"save_img": core.Critical, "extract_archive": core.Critical, "func_load": core.Critical,
	"load_data": core.Critical, // keras.datasets.*.load_data downloads and extracts
	"load_img":  core.High, "image_dataset_from_directory": core.High, "text_dataset_from_directory": core.High,
	"audio_dataset_from_directory": core.High, "register_keras_serializable": core.High,
	"serialize_keras_object": core.High, "plot_model": core.High, "model_to_dot": core.High,
	"validate_file": core.High, "hash_file": core.High,
}

// gadgetWords suggest file or loader access in a name that is not on
// the built-in list.
var gadgetWords = []string{"file", "load", "save", "download", "extract", "archive", "directory", "path", "write",
	"read", "open", "exec", "eval", "system", "import", "unsafe", "shell", "remove", "delete", "url", "http",
	"request", "pickle", "marshal", "dump"}

func looksLikeGadget(name string) bool {
	low := strings.ToLower(name)
	for _, g := range gadgetWords {
		if strings.Contains(low, g) {
			return true
		}
	}
	return false
}

// pyBuiltins are the functions and types of Python's builtins module
// (CPython 3.11 dir(builtins), lower-case names, plus Python 2 ones).
var pyBuiltins = setOf("__build_class__", "__import__", "abs", "aiter", "all", "anext", "any", "ascii", "bin",
	"bool", "breakpoint", "bytearray", "bytes", "callable", "chr", "classmethod", "compile", "complex",
	"copyright", "credits", "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec", "exit", "filter",
	"float", "format", "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "input", "int",
	"isinstance", "issubclass", "iter", "len", "license", "list", "locals", "map", "max", "memoryview", "min",
	"next", "object", "oct", "open", "ord", "pow", "print", "property", "quit", "range", "repr", "reversed",
	"round", "set", "setattr", "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "vars",
	"zip", "file", "execfile", "reload", "raw_input", "apply", "unicode", "long", "basestring", "unichr", "xrange")
