package onnxfmt

import (
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Operator-set domains.
const (
	domainContrib    = "ai.onnx.contrib"          // onnxruntime-extensions (native and Python ops)
	domainExtensions = "com.microsoft.extensions" // onnxruntime-extensions, newer native ops
	domainMS         = "com.microsoft"            // onnxruntime contrib ops
)

// standardDomains are the operator sets of the ONNX specification.
var standardDomains = map[string]bool{
	"": true, "ai.onnx": true, "ai.onnx.ml": true, "ai.onnx.preview.training": true,
}

// runtimeDomains are the operator sets stock onnxruntime implements
// itself (onnxruntime/core/graph/constants.h). Models exported or
// optimised for onnxruntime use them widely (com.microsoft holds the fused
// attention, quantisation and transformer ops) and they need no extra
// library, so they count as standard. The few operators in them that call
// into Python or open files are checked by name.
var runtimeDomains = map[string]bool{
	domainMS: true, "com.microsoft.experimental": true, "com.microsoft.nchwc": true, "com.ms.internal.nhwc": true,
	"com.microsoft.dml": true,
}

// extensionOps are the native operators of onnxruntime-extensions
// (operators/*: text, tokenizer, math, cv2, vision, audio, contrib, cuda;
// names as registered by the library's op loaders).
// In ai.onnx.contrib any other operator name is one that the library
// resolves to a Python function registered with @onnx_op.
var extensionOps = setOf(
	// text
	"StringRegexReplace", "StringRegexSplitWithOffsets", "RaggedTensorToSparse", "RaggedTensorToDense",
	"StringRaggedTensorToDense", "StringEqual", "StringToHashBucket", "StringToHashBucketFast", "StringJoin",
	"StringLower", "StringUpper", "StringMapping", "MaskedFill", "StringSplit", "StringStrip", "StringToVector",
	"VectorToString", "StringLength", "StringConcat", "StringECMARegexReplace", "StringECMARegexSplitWithOffsets",
	"SegmentExtraction", "SegmentSum",
	// tokenizers
	"GPT2Tokenizer", "CLIPTokenizer", "RobertaTokenizer", "BpeDecoder", "SpmTokenizer", "HfJsonTokenizer",
	"SentencepieceTokenizer", "SentencepieceDecoder", "TrieTokenizer", "TrieDetokenizer", "WordpieceTokenizer",
	"BasicTokenizer", "BertTokenizer", "BertTokenizerDecoder", "HfBertTokenizer", "BlingFireSentenceBreaker",
	// math, audio, vision
	"NegPos", "Inverse", "StftNorm", "BiasGelu", "AudioDecoder", "DecodeImage", "EncodeImage", "DrawBoundingBoxes",
	"GaussianBlur", "ImageReader", "ImageDecoder", "SuperResolutionPreProcess", "SuperResolutionPostProcess",
	// cuda contrib
	"FastGelu", "GroupQueryAttention", "AddSharedInput", "MulSharedInput", "MaskedScatterNDOfShape", "ScatterNDOfShape",
	"MulMulSigmoid", "MulSigmoid", "NegXPlus1", "ReplaceZero", "Transpose2DCastFP16", "Transpose2DCastFP32", "AddAdd",
	"AddMul", "MulAdd", "MulMul", "MulSub", "SubMul", "Rotary",
)

// networkOps are the onnxruntime-extensions operators that send their
// inputs to a remote endpoint named by the model_uri attribute.
var networkOps = setOf("AzureAudioToText", "AzureTextToText", "AzureTritonInvoker", "OpenAIAudioToText")

// pyopDangerousModules are modules whose classes reach the operating
// system: a PyOp that names one of them runs a command or opens files and
// sockets as soon as onnxruntime instantiates the class.
var pyopDangerousModules = setOf("os", "posix", "nt", "subprocess", "builtins", "__builtin__", "sys", "shutil",
	"socket", "pty", "importlib", "runpy", "code", "codeop", "ctypes", "pickle", "_pickle", "marshal",
	"multiprocessing", "webbrowser", "urllib", "http", "ftplib", "smtplib", "telnetlib", "requests", "asyncio",
	"commands", "popen2", "platform", "tempfile", "pathlib", "io", "zipimport", "pydoc")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// nodeAttrs are the attribute values that decide how an operator is
// classified; they are read only for nodes outside the standard domains.
type nodeAttrs struct {
	module, className, compute string // PyOp
	funcName                   string // PythonOp
	modelURI                   string // onnxruntime-extensions network ops
	epCache                    []byte // EPContext ep_cache_context (up to maxLocation bytes)
	epCacheWhole, epCacheSet   bool
	epCacheOff                 int64
	embedMode                  int64 // EPContext embed_mode (default 1: the context is inline)
}

// interesting lists the attribute names nodeAttrs keeps.
var interesting = setOf("module", "class_name", "compute", "func_name", "model_uri", "ep_cache_context", "embed_mode")

// verdict is what an operator is reported as.
type verdict struct {
	rule string
	sev  core.Severity
	desc string
	why  string // evidence beyond the node sites
}

// classify decides what a node outside the standard and runtime domains
// (or one of the few checked runtime operators) is. ok is false when it
// is not reported.
func classify(domain, op string, a *nodeAttrs) (verdict, bool) {
	qual := domain + ":" + op
	if op == "PyOp" && !standardDomains[domain] {
		return pyOp(qual, a), true
	}
	switch {
	case runtimeDomains[domain]:
		if domain == domainMS && (op == "PythonOp" || op == "PythonOpGrad") {
			return verdict{rules.ONNXPythonOp, core.Medium,
				fmt.Sprintf("ONNX node runs onnxruntime's %s, which calls a Python autograd function registered in the loading process", op),
				attrText("func_name", a.funcName)}, true
		}
		return verdict{}, false
	case networkOps[op] && (domain == domainContrib || domain == domainExtensions):
		return verdict{rules.ONNXNetworkOp, core.High,
			fmt.Sprintf("ONNX node uses onnxruntime-extensions operator %s, which sends the model's inputs to a remote endpoint", op),
			attrText("model_uri", a.modelURI)}, true
	case domain == domainContrib && !extensionOps[op]:
		return verdict{rules.ONNXPythonOp, core.Medium,
			fmt.Sprintf("ONNX node uses operator %s of domain %s, which is not a native onnxruntime-extensions operator: "+
				"onnxruntime-extensions runs it as a Python function registered with @onnx_op in the loading process", op, domain),
			""}, true
	case domain == domainContrib || domain == domainExtensions:
		return verdict{rules.ONNXCustomDomain, core.Low,
			fmt.Sprintf("ONNX node uses onnxruntime-extensions operator %s (%s): it needs that custom-op library", op, qual), ""}, true
	}
	return verdict{rules.ONNXCustomDomain, core.Low,
		fmt.Sprintf("ONNX node uses operator %s of non-standard domain %s: it runs only with a custom-op library (native code) that provides it", op, domain),
		""}, true
}

// pyOp is onnxruntime's language-interop Python operator: the runtime
// imports module, instantiates class_name with the node's other string
// attributes as keyword arguments and calls its compute method.
func pyOp(qual string, a *nodeAttrs) verdict {
	target := a.module
	if target == "" {
		target = "(no module)"
	}
	if a.className != "" {
		target += "." + a.className
	}
	compute := a.compute
	if compute == "" {
		compute = "compute"
	}
	why := fmt.Sprintf("module %q, class_name %q, compute %q", a.module, a.className, compute)
	root, _, _ := strings.Cut(a.module, ".")
	if pyopDangerousModules[root] {
		return verdict{rules.ONNXPythonOp, core.High,
			fmt.Sprintf("ONNX Python operator (%s) instantiates %s from a module that reaches the operating system", qual, target), why}
	}
	return verdict{rules.ONNXPythonOp, core.Medium,
		fmt.Sprintf("ONNX Python operator (%s) imports and runs Python code (%s) in the loading process", qual, target), why}
}

func attrText(name, v string) string {
	if v == "" {
		return ""
	}
	return fmt.Sprintf("%s %q", name, v)
}
