package pysrc

// Static scan of a Python module: import aliases are resolved within the
// file, every dotted reference rooted at an import (or at a dangerous
// builtin) is judged by a short table of source-specific rules and then by
// the policy, and long encoded string literals are reported. Nothing is
// executed.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// pyBuiltins are the builtin names the scan resolves (the others are
// everyday Python). bytes and bytearray are resolved for .fromhex.
var pyBuiltins = NameSet("eval exec compile execfile __import__ open breakpoint getattr bytes bytearray")

// pyFile is the scan state of one source file.
type pyFile struct {
	pol   *policy.Policy
	toks  []Token
	alias map[string]string // local name -> dotted target
	star  []string          // modules imported with *
	local map[string]bool   // names the file defines (def, class, assignment)
}

// ScanModule judges the source of a Python module (module is its dotted
// name, used for relative imports; pkg when the file is a package
// __init__) and records what it finds in hits: dangerous calls and uses,
// and encoded blobs. pol (not nil) judges the names the policy knows.
func ScanModule(pol *policy.Policy, src, module string, pkg bool, hits *Hits) {
	f := &pyFile{pol: pol, toks: Tokenize(src), alias: map[string]string{}, local: map[string]bool{}}
	f.imports(module, pkg)
	rs := Refs(f.toks, true)
	f.dynamicImports(rs)
	var dec decoders
	for _, r := range rs {
		if name, ok := f.resolve(r.Parts); ok && isDecoder(name) {
			dec.at = append(dec.at, r.Start)
			dec.name = append(dec.name, name)
			dec.line = append(dec.line, r.Line)
		}
	}
	starts := make([]int, len(rs))
	for i, r := range rs {
		starts[i] = r.Start
	}
	fns := enclosingDefs(f.toks, starts)
	for i, r := range rs {
		f.judgeRef(r, fns[i], &dec, hits)
	}
	scanBlobs(f.toks, hits)
}

// dynamicImports binds NAME = importlib.import_module('m') (or
// __import__('m')) as an alias of the module, so that NAME.system(...)
// resolves like an attribute of an imported module.
func (f *pyFile) dynamicImports(rs []Ref) {
	toks := f.toks
	for _, r := range rs {
		if !r.Call || r.Start < 2 || !IsOp(toks[r.Start-1], "=") || toks[r.Start-2].Kind != TokName ||
			!atStmtStart(toks, r.Start-2) || r.End < len(toks) && toks[r.End].Kind != TokNewline {
			continue
		}
		name, ok := f.resolve(r.Parts)
		if !ok || name != "importlib.import_module" && name != "builtins.__import__" {
			continue
		}
		if mod, ok := literalArg(r.Args, 0); ok && mod != "" {
			if name == "builtins.__import__" {
				mod, _, _ = strings.Cut(mod, ".") // __import__ returns the top package
			}
			f.alias[toks[r.Start-2].Text] = mod
		}
	}
}

// decoders are the decoder references of a file, by token index.
type decoders struct {
	at   []int // ascending
	name []string
	line []int
}

// within names the first decoder referenced in tokens [from, to).
func (d *decoders) within(from, to int) string {
	i := sort.SearchInts(d.at, from)
	if i < len(d.at) && d.at[i] < to {
		return d.name[i]
	}
	return ""
}

func (f *pyFile) judgeRef(r Ref, fn string, dec *decoders, hits *Hits) {
	for _, p := range r.Parts {
		if walkNames[p] {
			hits.Add(p, core.Critical, "walks to arbitrary objects (builtins, globals, subclasses, code)", r.Line, f.toks[r.Start:r.End])
		}
	}
	names := f.candidates(r.Parts)
	for _, name := range names {
		if name == "builtins.getattr" && r.Call {
			if target, ok := f.getattrTarget(r.Args); ok {
				name = target
			}
		}
		v, ok := judgeSource(f.pol, name, r, len(names) > 1)
		if !ok {
			continue
		}
		if execNames[name] && r.Call {
			if d := dec.within(r.ArgStart, r.ArgStart+len(r.Args)); d != "" {
				v.Reason += "; runs a payload decoded by " + d
			} else if len(dec.at) > 0 {
				v.Reason += fmt.Sprintf("; the file also decodes data (%s at line %d)", dec.name[0], dec.line[0])
			}
		}
		if saveHooks[fn] && writesFiles(name) {
			v.Severity = core.Low
			v.Reason += "; in " + fn + "(), which runs when the model is saved, not when it is loaded"
		}
		hits.Add(name, v.Severity, v.Reason, r.Line, f.toks[r.Start:r.End])
	}
}

// candidates resolves a reference to dotted names: through an import alias,
// a builtin, or (for a call of an unknown bare name) every star import.
func (f *pyFile) candidates(parts []string) []string {
	if name, ok := f.resolve(parts); ok {
		return []string{name}
	}
	if len(parts) != 1 || f.local[parts[0]] {
		return nil
	}
	var out []string
	for _, m := range f.star {
		out = append(out, m+"."+parts[0])
	}
	return out
}

func (f *pyFile) resolve(parts []string) (string, bool) {
	root, rest := parts[0], strings.Join(parts[1:], ".")
	target, ok := f.alias[root]
	switch {
	case ok:
	case root == "__builtins__":
		target = "builtins"
	case pyBuiltins[root] && !f.local[root]:
		target = "builtins." + root
	default:
		return "", false
	}
	if rest != "" {
		target += "." + rest
	}
	return target, true
}

// getattrTarget resolves getattr(<reference>, "<literal>").
func (f *pyFile) getattrTarget(args []Token) (string, bool) {
	if len(args) > maxArgTokens {
		return "", false
	}
	a := splitArgs(args)
	if len(a) < 2 || len(a[1]) != 1 || a[1][0].Kind != TokString || strings.Contains(a[1][0].Prefix, "f") {
		return "", false
	}
	var parts []string
	for i, t := range a[0] {
		if i%2 == 0 && t.Kind == TokName {
			parts = append(parts, t.Text)
		} else if i%2 == 1 && IsOp(t, ".") {
			continue
		} else {
			return "", false
		}
	}
	if len(parts) == 0 {
		return "", false
	}
	base, ok := f.resolve(parts)
	return base + "." + a[1][0].Text, ok
}
