package rules

import "github.com/modelscan-go/modelscan/internal/core"

// Rule ids of Hugging Face repository configs (config.json,
// tokenizer_config.json, processor configs, diffusers model_index.json)
// and of Python source shipped with models.
const (
	HFRemoteCode          = "hf-remote-code"
	HFRemoteCodeOtherRepo = "hf-remote-code-other-repo"
	HFCustomPipeline      = "hf-custom-pipeline"
	SourceEncodedBlob     = "source-encoded-blob"
)

var hfRules = []Rule{
	{HFRemoteCode, core.Medium,
		"Config needs trust_remote_code=True: it names Python code of the repository",
		"An `auto_map` entry (config.json, tokenizer_config.json, processor configs) or a `custom_pipelines` " +
			"implementation names a `module.Class` that transformers imports from `module.py` in the model's " +
			"repository when the model is loaded with `trust_remote_code=True`. That code runs with the loader's " +
			"rights. The Python files next to the config are scanned (findings under their own names: " +
			"source-dangerous-call, source-encoded-blob). Review the code, or use a model supported natively."},
	{HFRemoteCodeOtherRepo, core.High,
		"Config runs Python code from another repository",
		"A class reference of the form `org/repo--module.Class` (auto_map, custom_pipelines) or a diffusers " +
			"custom pipeline given as a repository id makes the loader download `module.py` from another " +
			"repository and run it. That code is not in the files scanned, and its owner can change it at any " +
			"time: the revision of the model does not pin it. Pin or vendor the code before trusting it."},
	{HFCustomPipeline, core.Medium,
		"diffusers model_index.json loads a custom pipeline or component",
		"`_class_name` given as `[module, Class]` makes diffusers load the pipeline class from `module.py` of the " +
			"repository, and a component `[library, Class]` whose library is not diffusers, transformers or a " +
			"known pipeline module is loaded from `<component>/<library>.py` of the repository (or imported as " +
			"an installed module). Either runs code not known to be safe; the Python files are scanned."},
	{SourceEncodedBlob, core.High,
		"Python source holds a long base64 or hex literal",
		"A string literal (adjacent literals joined) of at least 512 base64 or hex characters: its content is " +
			"hidden from review and from this scanner. Payloads are shipped this way (exec of a decoded " +
			"string); some model code embeds compressed native kernels the same way. The evidence names what " +
			"the first bytes decode to (an executable, compressed data, a pickle, text)."},
}
