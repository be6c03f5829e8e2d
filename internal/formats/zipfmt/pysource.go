package zipfmt

// Static scan of the Python source a torch.package archive carries: import
// aliases are resolved within the file, every dotted reference rooted at an
// import (or at a dangerous builtin) is judged by a short table of
// source-specific rules and then by the policy. Nothing is executed.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// ref is a dotted name written in the source: NAME(.NAME)*, possibly called.
type ref struct {
	parts      []string
	line       int
	start, end int // token range of the reference (and its call, if any)
	call       bool
	args       []pyToken // call arguments, without the parentheses
	argStart   int       // index of the first argument token
}

// refs lists the dotted references of a token stream that are not
// attributes of something else, definitions, keyword-argument names or
// part of import statements (skipImports).
func refs(toks []pyToken, skipImports bool) []ref {
	var out []ref
	closing := matchParens(toks)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind != tName || pyKeywords[t.text] {
			if skipImports && t.kind == tName && atStmtStart(toks, i) && (t.text == "import" || t.text == "from") {
				for i < len(toks) && toks[i].kind != tNewline {
					i++
				}
			}
			continue
		}
		if i > 0 && (isOp(toks[i-1], ".") || toks[i-1].kind == tName && (toks[i-1].text == "def" || toks[i-1].text == "class")) {
			continue
		}
		r := ref{parts: []string{t.text}, line: t.line, start: i}
		j := i + 1
		for j+1 < len(toks) && isOp(toks[j], ".") && toks[j+1].kind == tName {
			if len(r.parts) < maxParts {
				r.parts = append(r.parts, toks[j+1].text)
			}
			j += 2
		}
		last := j - 1
		if j < len(toks) && isOp(toks[j], "=") && j+1 < len(toks) && i > 0 && (isOp(toks[i-1], "(") || isOp(toks[i-1], ",")) {
			i = j // keyword argument name
			continue
		}
		if j < len(toks) && isOp(toks[j], "(") {
			r.call = true
			end := closing[j]
			r.args, r.argStart = toks[j+1:max(end, j+1)], j+1
			j = min(end+1, len(toks))
		}
		r.end = j
		out = append(out, r)
		i = last // the call's arguments are scanned too
	}
	return out
}

func isOp(t pyToken, s string) bool { return t.kind == tOp && t.text == s }

func atStmtStart(toks []pyToken, i int) bool {
	return i == 0 || toks[i-1].kind == tNewline || isOp(toks[i-1], ":")
}

// matchParens maps the index of each opening bracket to the index of the
// bracket closing it (len(toks) when none does), in one pass.
func matchParens(toks []pyToken) []int {
	out := make([]int, len(toks))
	var open []int
	for j, t := range toks {
		if t.kind != tOp {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			open = append(open, j)
		case ")", "]", "}":
			if len(open) > 0 {
				out[open[len(open)-1]] = j
				open = open[:len(open)-1]
			}
		}
	}
	for _, j := range open {
		out[j] = len(toks)
	}
	return out
}

// splitArgs splits call arguments at top-level commas.
func splitArgs(args []pyToken) [][]pyToken {
	var out [][]pyToken
	depth, start := 0, 0
	for i, t := range args {
		if t.kind != tOp {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth == 0 {
				out = append(out, args[start:i])
				start = i + 1
			}
		}
	}
	if start < len(args) {
		out = append(out, args[start:])
	}
	return out
}

var pyKeywords = toSet("False None True and as assert async await break class continue def del elif else except " +
	"finally for from global if import in is lambda nonlocal not or pass raise return try while with yield")

func toSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// pyBuiltins are the builtin names the scan resolves (the others are
// everyday Python). bytes and bytearray are resolved for .fromhex.
var pyBuiltins = toSet("eval exec compile execfile __import__ open breakpoint getattr bytes bytearray")

// pyFile is the scan state of one source file.
type pyFile struct {
	pol   *policy.Policy
	toks  []pyToken
	alias map[string]string // local name -> dotted target
	star  []string          // modules imported with *
	local map[string]bool   // names the file defines (def, class, assignment)
}

// scanPySource judges the source of module (dotted; pkg when the file is a
// package __init__) and records what it finds in hits.
func scanPySource(pol *policy.Policy, src, module string, pkg bool, hits *hitSet) {
	f := &pyFile{pol: pol, toks: tokenizePy(src), alias: map[string]string{}, local: map[string]bool{}}
	f.imports(module, pkg)
	rs := refs(f.toks, true)
	var dec decoders
	for _, r := range rs {
		if name, ok := f.resolve(r.parts); ok && isDecoder(name) {
			dec.at = append(dec.at, r.start)
			dec.name = append(dec.name, name)
			dec.line = append(dec.line, r.line)
		}
	}
	for _, r := range rs {
		f.judgeRef(r, &dec, hits)
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

func (f *pyFile) judgeRef(r ref, dec *decoders, hits *hitSet) {
	for _, p := range r.parts {
		if walkNames[p] {
			hits.add(p, core.Critical, "walks to arbitrary objects (builtins, globals, subclasses, code)", r.line, f.toks[r.start:r.end])
		}
	}
	names := f.candidates(r.parts)
	for _, name := range names {
		if name == "builtins.getattr" && r.call {
			if target, ok := f.getattrTarget(r.args); ok {
				name = target
			}
		}
		v, ok := judgeSource(f.pol, name, r, len(names) > 1)
		if !ok {
			continue
		}
		if execNames[name] && r.call {
			if d := dec.within(r.argStart, r.argStart+len(r.args)); d != "" {
				v.Reason += "; runs a payload decoded by " + d
			} else if len(dec.at) > 0 {
				v.Reason += fmt.Sprintf("; the file also decodes data (%s at line %d)", dec.name[0], dec.line[0])
			}
		}
		hits.add(name, v.Severity, v.Reason, r.line, f.toks[r.start:r.end])
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
func (f *pyFile) getattrTarget(args []pyToken) (string, bool) {
	if len(args) > maxArgTokens {
		return "", false
	}
	a := splitArgs(args)
	if len(a) < 2 || len(a[1]) != 1 || a[1][0].kind != tString || strings.Contains(a[1][0].prefix, "f") {
		return "", false
	}
	var parts []string
	for i, t := range a[0] {
		if i%2 == 0 && t.kind == tName {
			parts = append(parts, t.text)
		} else if i%2 == 1 && isOp(t, ".") {
			continue
		} else {
			return "", false
		}
	}
	if len(parts) == 0 {
		return "", false
	}
	base, ok := f.resolve(parts)
	return base + "." + a[1][0].text, ok
}
