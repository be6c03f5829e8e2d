package zipfmt

// TorchScript source (code/**.py of a torch.jit.save archive, or
// .data/ts_code/code/**.py of a torch.package archive). TorchScript is a
// Turing-complete subset of Python that can only call operators and the
// archive's own classes, so what matters is which operators it reaches:
// file access (torch.from_file, torch.save: the operators behind the
// CVE-2025-32434 exploits), operators of custom namespaces and custom
// classes (native libraries the application loaded), and anything the
// policy denies under torch (torch.load, torch.distributed.rpc, ...).

import (
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/pysrc"
)

// builtinOpNamespaces are operator namespaces registered by libtorch itself.
var builtinOpNamespaces = pysrc.NameSet("aten prim prims quantized _quantized quantized_decomposed _caffe2 profiler cuda " +
	"mkldnn mkldnn_prepacked onednn prepacked xnnpack rngprims inductor higher_order debugprims _nnapi " +
	"_test sparse static_runtime fuser tensorexpr cudnn miopen mkl metal vulkan mps")

// networkOpNamespaces are libtorch namespaces whose operators talk to other
// processes over the network.
var networkOpNamespaces = pysrc.NameSet("c10d _c10d_functional c10d_functional _dtensor dist_c10d dist_rpc dist_autograd")

// builtinClassNamespaces are torch.classes namespaces libtorch registers.
var builtinClassNamespaces = pysrc.NameSet("quantized sparse xnnpack mkldnn onednn metal vulkan cuda _nnapi profiling " +
	"prepacked")

// tsOperators are TorchScript operators with side effects outside the
// model, by the name TorchScript code calls them with.
var tsOperators = map[string]struct {
	sev    core.Severity
	reason string
}{
	"torch.from_file": {sev: core.High, reason: "reads any file (shared=True maps it writable); file read and write lead to code execution"},
	"torch.save":      {sev: core.High, reason: "writes any file; file write leads to code execution"},
}

// scanTorchScriptSource judges TorchScript code and records the hits.
func scanTorchScriptSource(pol *policy.Policy, src string, hits *pysrc.Hits) {
	toks := pysrc.Tokenize(src)
	for _, r := range pysrc.Refs(toks, false) {
		name := strings.Join(r.Parts, ".")
		sev, reason, ok := judgeTorchScript(pol, r.Parts)
		if ok {
			hits.Add(name, sev, reason, r.Line, toks[r.Start:r.End])
		}
	}
}

func judgeTorchScript(pol *policy.Policy, parts []string) (core.Severity, string, bool) {
	switch {
	case len(parts) >= 3 && parts[0] == "torch" && parts[1] == "ops":
		return judgeOp(pol, parts[2], parts[3:])
	case len(parts) >= 2 && parts[0] == "ops":
		return judgeOp(pol, parts[1], parts[2:])
	case len(parts) >= 4 && parts[0] == "__torch__" && parts[1] == "torch" && parts[2] == "classes":
		return judgeClass(parts[3])
	case len(parts) >= 3 && parts[0] == "torch" && parts[1] == "classes":
		return judgeClass(parts[2])
	case parts[0] != "torch" || len(parts) < 2:
		return 0, "", false
	}
	name := strings.Join(parts, ".")
	if r, ok := tsOperators[name]; ok {
		return r.sev, r.reason, true
	}
	if v, ok := pysrc.ClassifyDotted(pol, name); ok {
		return v.Severity, v.Reason, true
	}
	return 0, "", false
}

// judgeOp judges ops.<ns>.<op>.
func judgeOp(pol *policy.Policy, ns string, rest []string) (core.Severity, string, bool) {
	switch {
	case ns == "aten" && len(rest) > 0:
		// torch.ops.aten.save is torch.save
		return judgeTorchScript(pol, []string{"torch", rest[0]})
	case networkOpNamespaces[ns]:
		return core.High, "operator of namespace " + ns + " communicates with other processes over the network", true
	case builtinOpNamespaces[ns]:
		return 0, "", false
	}
	return core.Medium, "operator of custom namespace " + ns + ": native code from a library the application must load; " +
		"its code is not in the archive", true
}

// judgeClass judges torch.classes.<ns>.<class> (TorchBind classes).
func judgeClass(ns string) (core.Severity, string, bool) {
	switch {
	case networkOpNamespaces[ns]:
		return core.High, "class of namespace " + ns + " communicates with other processes over the network", true
	case builtinClassNamespaces[ns]:
		return 0, "", false
	}
	return core.Medium, "custom class of namespace " + ns + ": native code from a library the application must load; " +
		"its code is not in the archive", true
}

// tsModule returns the TorchScript module a code member defines:
// code/__torch__/a/b.py defines __torch__.a.b.
func tsModule(rel string) (string, bool) {
	for _, root := range []string{"code/", ".data/ts_code/code/"} {
		if strings.HasPrefix(rel, root) && strings.HasSuffix(rel, ".py") && len(rel) > len(root)+3 {
			return strings.ReplaceAll(strings.TrimSuffix(rel[len(root):], ".py"), "/", "."), true
		}
	}
	return "", false
}

// tsPickleHelpers are the functions TorchScript's pickler references: they
// return their argument (torch/jit/_pickle.py), libtorch implements them.
var tsPickleHelpers = pysrc.NameSet("build_intlist build_tensorlist build_doublelist build_boollist build_tensor_from_id " +
	"restore_type_tag")

// tsDefined reports whether a global of a TorchScript pickle is defined by
// the archive itself: a class of one of its code modules, a TorchBind class
// of libtorch, or a helper of torch.jit._pickle.
func (ar *torchArchive) tsDefined(module, name string) bool {
	switch {
	case module == "torch.jit._pickle":
		return tsPickleHelpers[name]
	case strings.HasPrefix(module, "__torch__.torch.classes."):
		ns, _, _ := strings.Cut(strings.TrimPrefix(module, "__torch__.torch.classes."), ".")
		return builtinClassNamespaces[ns]
	}
	return ar.tsModules[module]
}
