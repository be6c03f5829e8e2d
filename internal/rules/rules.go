// Package rules is the single source of the rule ids findings carry: the
// README rule table, `modelscan rules` and (later) SARIF rules[] all read it.
package rules

import "github.com/modelscan-go/modelscan/internal/core"

// Rule documents one kind of finding.
type Rule struct {
	ID       string        // stable id, used in reports
	Severity core.Severity // default severity (some rules take theirs from the policy)
	Short    string        // one line
	Help     string        // what it means and what to do
}

// Rule ids.
const (
	PickleDangerousImport  = "pickle-dangerous-import"
	PickleUnknownImport    = "pickle-unknown-import"
	PickleUnresolvedImport = "pickle-unresolved-import"
	PickleSuspiciousCall   = "pickle-suspicious-call"
	PickleTrampoline       = "pickle-trampoline"
	PickleGlobalMutation   = "pickle-global-mutation"
	PickleDunderState      = "pickle-dunder-state"
	PickleExtension        = "pickle-extension-registry"
	PicklePersistentID     = "pickle-persistent-id"
	PickleTrailingData     = "pickle-trailing-data"
	PickleFrameAnomaly     = "pickle-frame-anomaly"
	PickleEmbedded         = "pickle-embedded-pickle"
	TorchLegacyMagic       = "torch-legacy-magic"
	ArchiveAnomaly         = "archive-anomaly"
	ArchiveDuplicate       = "archive-duplicate-member"
	ArchiveTraversal       = "archive-path-traversal"
	ArchiveStructure       = "archive-structure"
	NumpyMalformed         = "numpy-malformed"
	ScanIncomplete         = "scan-incomplete"
	TorchScriptCode        = "torchscript-code"
	TorchPackageCode       = "torch-package-code"
	SourceDangerousCall    = "source-dangerous-call"
)

// All lists every rule, in documentation order. Each format area keeps its
// rules in its own slice (this file: pickle, archives, numpy, scan).
var All = concat(coreRules, torchCodeRules, safetensorsRules, ggufRules, templateRules, kerasRules, tensorflowRules, onnxRules, hfRules)

func concat(areas ...[]Rule) []Rule {
	var out []Rule
	for _, a := range areas {
		out = append(out, a...)
	}
	return out
}

var coreRules = []Rule{
	{PickleDangerousImport, core.Critical,
		"Pickle imports a known-dangerous callable",
		"The pickle imports a function or class on the denylist (code execution, process, file or network access). " +
			"Loading the file runs or exposes it. Severity comes from the denylist entry: CRITICAL for code execution, " +
			"HIGH for file and network side effects. Do not load the file."},
	{PickleUnknownImport, core.Medium,
		"Pickle imports a callable that is not on the allowlist",
		"The pickle imports something that is neither known to be safe nor known to be dangerous, such as a custom " +
			"class (`__main__.MyModel`) or a library function. Loading it runs that code. Review the import; models that " +
			"need only tensors can be saved as safetensors."},
	{PickleUnresolvedImport, core.Critical,
		"Pickle imports a name computed at load time",
		"A GLOBAL/STACK_GLOBAL/INST operand is not a literal string (a call result, a memo slot holding a non-string). " +
			"The scanner cannot know what is imported; this is a known bypass technique."},
	{PickleSuspiciousCall, core.High,
		"A callable that is not known to be safe is called with command-like arguments, or is a standard-library function",
		"An unknown callable receives an argument that looks like a shell command, Python source, a URL or a file path; " +
			"or a standard-library callable that is neither a known data type nor on the denylist runs at load time " +
			"(new gadget chains keep being found in the standard library)."},
	{PickleTrampoline, core.Critical,
		"Indirect call through getattr/partial/attrgetter/methodcaller and friends",
		"A trampoline (functools.partial/reduce, operator.attrgetter/methodcaller/itemgetter, builtins.getattr, copyreg " +
			"helpers) reaches a dangerous callable, a dunder attribute, a module or a computed name: CRITICAL. A literal, " +
			"non-dunder attribute of an allowlisted class (enum members, zoneinfo) is MEDIUM."},
	{PickleGlobalMutation, core.Critical,
		"Pickle mutates an imported object",
		"BUILD, SETITEM(S) or APPEND(S) is applied to an imported module, class or function, changing process state " +
			"(for example replacing torch._utils._rebuild_tensor) for everything loaded afterwards."},
	{PickleDunderState, core.Critical,
		"BUILD state sets a dunder attribute",
		"The state given to BUILD sets an attribute such as __setstate__ or __reduce__ on an object, so that a later " +
			"BUILD calls an attacker-chosen function."},
	{PickleExtension, core.High,
		"Pickle uses the copyreg extension registry (EXT1/EXT2/EXT4)",
		"An EXT opcode imports whatever the loading process registered under that code. The target is invisible in the " +
			"file unless the pickle registers it itself (copyreg.add_extension), in which case it is classified normally."},
	{PicklePersistentID, core.Low,
		"Pickle uses persistent ids outside a PyTorch archive",
		"PERSID/BINPERSID hand a value to the loader's persistent_load hook. Plain pickle.load refuses them; " +
			"framework loaders interpret them."},
	{PickleTrailingData, core.Low,
		"Bytes after the last pickle are not a pickle",
		"The loader stops at STOP and never reads the trailing bytes; other tools may. Noted for review."},
	{PickleFrameAnomaly, core.Low,
		"An opcode straddles a FRAME boundary",
		"CPython's C unpickler ignores frame boundaries; pure-Python parsers stop or diverge. The stream is analysed " +
			"the way CPython executes it."},
	{PickleEmbedded, core.Medium,
		"Data inside the pickle is itself a pickle",
		"A bytes or string literal (raw, base64 or hex) parses as a pickle with imports. Findings inside it are " +
			"reported with their path; when the outer pickle never hands it to a deserializer they are lowered one step."},
	{TorchLegacyMagic, core.High,
		"Legacy PyTorch magic number is not a literal integer",
		"The first pickle of a legacy PyTorch file must be the integer 0x1950a86a20f9469cfc6c. A computed value means " +
			"code ran before the format was even checked."},
	{ArchiveAnomaly, core.Low,
		"Archive structure the loader tolerates but other tools may not",
		"Encryption flag bits, a bad CRC, or a local header name that differs from the central directory. PyTorch's " +
			"reader ignores these; the member is scanned as the loader reads it."},
	{ArchiveDuplicate, core.Medium,
		"Archive has several members with the same name",
		"Which one a loader picks depends on the reader. Every copy is scanned."},
	{ArchiveTraversal, core.High,
		"Archive member path escapes the extraction directory",
		"A member name is absolute, contains '..', uses backslashes or is a symbolic link. Tools that extract the " +
			"archive can write outside the target directory (archive slip). modelscan never extracts; it reports the name."},
	{ArchiveStructure, core.High,
		"Archive structure that shows different content to different readers",
		"Data before the archive (a polyglot), several end-of-central-directory records, overlapping members, " +
			"inconsistent central directory offsets or counts, NUL bytes or Unicode-path extras in names. Loaders and " +
			"scanners can disagree on what the archive holds; every view modelscan can reach is scanned."},
	{NumpyMalformed, core.Medium,
		"NumPy header cannot be parsed",
		"The .npy header is not a valid dictionary literal; numpy.load refuses it, other readers may not."},
	{ScanIncomplete, core.Medium,
		"The scan could not finish",
		"A budget (depth, opcodes, memo, members, bytes) was exhausted or content could not be read. The file is not " +
			"known to be safe. The budget can be raised in the settings file."},
}

// torchCodeRules are about code that archives carry (TorchScript, torch.package).
var torchCodeRules = []Rule{
	{TorchScriptCode, core.Medium,
		"Archive carries TorchScript code",
		"A torch.jit.save archive (code/, constants.pkl, data.pkl): torch.jit.load compiles the code and the model runs " +
			"it. TorchScript is a program, not data; torch.load up to 2.5.1 loads it even with weights_only=True " +
			"(CVE-2025-32434). What the code calls is reported as source-dangerous-call. Load it only from a trusted source."},
	{TorchPackageCode, core.High,
		"Archive carries Python source that torch.package imports and runs",
		"A torch.package archive (.data/extern_modules) bundles Python modules; torch.package.PackageImporter imports " +
			"and runs them when a pickle of the archive is loaded. The modules are listed; what they call is reported as " +
			"source-dangerous-call. Review the source before importing the package."},
	{SourceDangerousCall, core.Critical,
		"Code shipped with the model calls something dangerous",
		"Static analysis of TorchScript code, torch.package sources or a repository's remote-code Python files " +
			"(nothing is run) found a call or use of " +
			"something dangerous, such as os.system, subprocess, eval/exec (flagged when fed decoded data), imports by " +
			"name, nested loaders, network clients, file writes, torch.from_file/torch.save, or operators of custom " +
			"native namespaces. Severity comes from the denylist entry of the name, or from the source rules for file " +
			"writes (HIGH) and custom operators (MEDIUM). The evidence gives file and line."},
}

// ByID returns the rule with the given id.
func ByID(id string) (Rule, bool) {
	for _, r := range All {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}
