package rules

import "github.com/modelscan-go/modelscan/internal/core"

// TensorFlow rule ids (SavedModel, MetaGraphDef and frozen GraphDef ops).
const (
	TFPythonOp   = "tf-python-op"
	TFFileOp     = "tf-file-op"
	TFNetworkOp  = "tf-network-op"
	TFExecOp     = "tf-exec-op"
	TFCustomOp   = "tf-custom-op"
	TFInternalOp = "tf-internal-op"
	TFAssetPath  = "tf-asset-path"
)

var tensorflowRules = []Rule{
	{TFPythonOp, core.Medium,
		"TensorFlow graph calls back into Python (PyFunc, EagerPyFunc, PyFuncStateless)",
		"A node of the graph or of a library function runs a Python function registered in the process that executes " +
			"the graph (tf.py_function / tf.numpy_function): code not known to be safe. The code itself is not in the " +
			"file (the call fails when nothing is registered under its token), so this is MEDIUM, not CRITICAL. " +
			"TensorFlow ops run when the graph or function executes (inference, serving), not while the SavedModel is loaded."},
	{TFFileOp, core.High,
		"TensorFlow op reads, writes or lists files",
		"ReadFile, WriteFile, MatchingFiles, reader and tf.data file ops, summary writers, PrintV2 to a file://, tfdbg " +
			"ops with dump URLs and similar ops touch the file system of the machine that runs the graph. The usual " +
			"checkpoint ops of every SavedModel (SaveV2, RestoreV2, MergeV2Checkpoints, ...) are not reported. Some ops " +
			"are LOW or MEDIUM (a vocabulary file of assets/, an in-package memory region, a cache whose file name is " +
			"an input); the evidence names the nodes and the functions they are in."},
	{TFNetworkOp, core.High,
		"TensorFlow op communicates over the network",
		"tf.data service, RPC and cloud-storage ops contact hosts named by their inputs. Cluster-internal transfers " +
			"(Send/Recv, RemoteCall) are MEDIUM and collective ops LOW."},
	{TFExecOp, core.Medium,
		"TensorFlow op runs native code or ends the process",
		"XlaCustomCall calls a native custom-call target and Abort terminates the process (MEDIUM); XlaCallModule runs " +
			"an embedded StableHLO module, as jax2tf models do (LOW note)."},
	{TFCustomOp, core.Medium,
		"TensorFlow op is not a stock op",
		"The op is neither a registered TensorFlow op nor a function of the graph's library. It needs a native kernel " +
			"library (tf.load_op_library) to run, which is code that is not known to be safe."},
	{TFInternalOp, core.Low,
		"TensorFlow runtime-internal op in a saved graph",
		"Ops whose names start with '_' (_Arg, _Send, _FusedConv2D, ...) are inserted by runtime rewrites; a saved " +
			"graph that names them was produced by an unusual tool."},
	{TFAssetPath, core.High,
		"SavedModel asset file name escapes the assets directory",
		"An AssetFileDef filename is absolute or contains '..'. The loader joins it to <export_dir>/assets/, so the " +
			"graph is handed a path outside the model directory."},
}
