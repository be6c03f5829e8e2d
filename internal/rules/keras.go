package rules

import "github.com/modelscan-go/modelscan/internal/core"

// Keras rule ids (model configs of .h5, .keras and keras_metadata.pb).
const (
	KerasLambda                = "keras-lambda"
	KerasUnsafeObject          = "keras-unsafe-object"
	KerasCustomObject          = "keras-custom-object"
	KerasUnsafeDeserialization = "keras-unsafe-deserialization"
	KerasFileGadget            = "keras-file-gadget"
	KerasExternalPath          = "keras-external-path"
	KerasTorchModule           = "keras-torch-module"
	KerasConfigUnreadable      = "keras-config-unreadable"
)

var kerasRules = []Rule{
	{KerasLambda, core.Medium,
		"Keras Lambda layer (Python function stored in the model)",
		"A Lambda layer, or a `__lambda__` function anywhere in the config (also bytecode hidden in other strings), " +
			"stores a Python function: marshalled CPython bytecode (decoded here for CPython 2.x and 3.0-3.14 layouts, " +
			"never run), Python source, or a reference to a named function. Keras runs it when the model is called, " +
			"and Keras 3 refuses it unless safe mode is off. MEDIUM as in the Python ModelScan; CRITICAL when the " +
			"function uses process, eval/exec, import, reflection, file or network names (os, subprocess, system, " +
			"eval, exec, __import__, getattr, open, socket, ...), which the evidence lists with the layer and its path " +
			"in the config. A function that cannot be decoded stays MEDIUM and the evidence says why."},
	{KerasUnsafeObject, core.High,
		"Keras config deserializes a Python object that is not a Keras object",
		"An object's module/class_name/registered_name names a standard-library or denylisted callable, such as " +
			"`{\"module\": \"os\", \"class_name\": \"function\", \"config\": \"system\"}` or builtins.eval. Keras 3 " +
			"before 3.9 imports any module named in config.json and calls what it finds with arguments from the config " +
			"(CVE-2025-1550). CRITICAL or HIGH from the pickle denylist (the same policy as pickle imports); HIGH for " +
			"other standard-library objects and Python built-ins."},
	{KerasCustomObject, core.Medium,
		"Keras config uses a class or function that is not built into Keras",
		"A custom layer, loss, metric or function: a registered name (`MyPackage>MyLayer`), a class name that is not " +
			"in the list of Keras and tf.keras built-ins, or a module outside Keras. Loading needs that code installed " +
			"or registered and runs it: code not known to be safe, MEDIUM (like an unknown pickle import). Classes of " +
			"Keras ecosystem libraries (keras_hub, keras_nlp, keras_cv, TensorFlow Addons) and Keras/TensorFlow names " +
			"missing from the built-in list (newer or internal objects) are LOW notes. Module paths that reach the " +
			"standard library or the denylist are keras-unsafe-object instead."},
	{KerasUnsafeDeserialization, core.Critical,
		"Keras config turns off safe mode (enable_unsafe_deserialization)",
		"The config names keras.config.enable_unsafe_deserialization (or SafeModeScope) as an object or a function, " +
			"or mentions it in a string. Called during loading it disables the safe mode that blocks Lambda bytecode, " +
			"so code further on in the same file runs (CVE-2025-9906)."},
	{KerasFileGadget, core.Critical,
		"Keras config calls a file, download or loader function",
		"keras.utils.get_file, load_model, model_from_json, save_model/save_weights, extract_archive, " +
			"keras.datasets load_data and similar functions named in a config are called while the model is loaded, " +
			"with arguments from the config: they download, write or load attacker-chosen files (CVE-2025-8747). " +
			"CRITICAL; HIGH for readers and directory listers, for unlisted Keras names that suggest file access, and " +
			"for TFOpLambda layers that call TensorFlow file ops (tf.io.write_file, tf.io.gfile, ...)."},
	{KerasExternalPath, core.High,
		"Keras layer reads a file or URL named in its config",
		"A StringLookup, IntegerLookup or TextVectorization layer whose vocabulary is a string (a path or URL read " +
			"when the layer is built, CVE-2025-12058), a TFSMLayer filepath (an external SavedModel), or a tensorflow_hub " +
			"KerasLayer handle. Loading the model reads, and can fetch, content the model file does not contain."},
	{KerasTorchModule, core.Medium,
		"Keras TorchModuleWrapper layer carries a pickled PyTorch module",
		"The layer's config holds torch.save data that Keras passes to torch.load(weights_only=False) unless safe " +
			"mode refuses it. The data is scanned as a nested stream; what it imports is reported there."},
	{KerasConfigUnreadable, core.Medium,
		"Keras model config could not be read",
		"An HDF5 file whose structure could not be read, a model_config or training_config attribute that could not " +
			"be decoded or is not valid JSON, or text hidden after a NUL byte (which h5py does not return). The model " +
			"config was not (fully) analysed, so the file is not known to be safe."},
}
