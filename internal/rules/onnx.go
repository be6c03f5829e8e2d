package rules

import "github.com/modelscan-go/modelscan/internal/core"

// ONNX rule ids.
const (
	ONNXExternalDataPath = "onnx-external-data-path"
	ONNXCustomDomain     = "onnx-custom-domain"
	ONNXPythonOp         = "onnx-python-op"
	ONNXNetworkOp        = "onnx-network-op"
)

var onnxRules = []Rule{
	{ONNXExternalDataPath, core.High,
		"ONNX external data location points outside the model's directory",
		"A tensor stored as external data (data_location EXTERNAL) names its file with a location that is absolute, " +
			"climbs out of the model's directory after normalisation ('..'), uses a drive letter, a UNC path, " +
			"backslashes or a NUL byte. onnx and onnxruntime join the location to the model's directory and read the " +
			"file into the tensor, so loading the model discloses an arbitrary file (CVE-2022-25882, CVE-2024-27318). " +
			"The same check applies to the context file of an onnxruntime EPContext node (embed_mode 0). A location in " +
			"a tensor whose data_location is not EXTERNAL is ignored by loaders and reported MEDIUM. modelscan never " +
			"opens external data files."},
	{ONNXCustomDomain, core.Low,
		"ONNX node uses an operator outside the standard domains",
		"The operator's domain is neither an ONNX domain ('', ai.onnx, ai.onnx.ml, ai.onnx.preview.training) nor a " +
			"domain onnxruntime implements itself (com.microsoft and its variants), nor a function defined in the " +
			"model. The model runs only after the loader registers a custom-op library that provides it (native code " +
			"outside the file). The evidence names the operator and the nodes using it."},
	{ONNXPythonOp, core.Medium,
		"ONNX node runs Python code",
		"onnxruntime-extensions runs operators of domain ai.onnx.contrib that are not among its native operators as " +
			"Python functions registered with @onnx_op; onnxruntime's PyOp imports the module and class named in its " +
			"attributes and runs them (HIGH when that module reaches the operating system, such as os or subprocess); " +
			"the training PythonOp calls a registered autograd function. The code is not in the file: it runs what the " +
			"loading process provides under that name."},
	{ONNXNetworkOp, core.High,
		"ONNX node sends data over the network",
		"onnxruntime-extensions operators such as AzureTextToText, AzureAudioToText, AzureTritonInvoker and " +
			"OpenAIAudioToText post the model's inputs to the endpoint named by their model_uri attribute when the " +
			"model runs."},
}
