package zipfmt

// Findings of the source scans: uses of one dotted name in one file are
// merged into one finding that gives the first use (file:line and the code,
// rendered back from tokens) and the lines of the others.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
)

// hitSet merges the findings of one file: one per dotted name, with every
// line it occurs on.
type hitSet struct {
	found map[string]*hit
	order []string
}

type hit struct {
	name     string
	sev      core.Severity
	reason   string
	lines    []int // the first maxLines
	uses     int
	text     string // the evidence occurrence, on textLine
	textLine int
}

const maxLines = 64

// add records a use of name on line; code is its source, rendered only
// when it becomes the evidence.
func (h *hitSet) add(name string, sev core.Severity, reason string, line int, code []pyToken) {
	if h.found == nil {
		h.found = map[string]*hit{}
	}
	if x, ok := h.found[name]; ok {
		if sev > x.sev || sev == x.sev && line < x.textLine {
			x.sev, x.reason, x.text, x.textLine = sev, reason, render(code), line
		}
		if len(x.lines) < maxLines {
			x.lines = append(x.lines, line)
		}
		x.uses++
		return
	}
	h.found[name] = &hit{name: name, sev: sev, reason: reason, lines: []int{line}, text: render(code), textLine: line, uses: 1}
	h.order = append(h.order, name)
}

// findings turns the hits into findings on blob b for the file at path.
func (h *hitSet) findings(path, what string) []core.Finding {
	var out []core.Finding
	for _, n := range h.order {
		x := h.found[n]
		sort.Ints(x.lines)
		ev := fmt.Sprintf("%s:%d: %s — %s", path, x.textLine, x.text, x.reason)
		if x.uses > 1 {
			ev += fmt.Sprintf(" (%d uses, lines %s)", x.uses, joinLines(x.lines, 8))
		}
		mod, op := "", n
		if i := strings.LastIndex(n, "."); i >= 0 {
			mod, op = n[:i], n[i+1:]
		}
		out = append(out, core.Finding{Severity: x.sev, Module: mod, Operator: op, Evidence: ev, Offset: -1,
			Description: fmt.Sprintf("%s uses %s (%s)", what, n, x.reason)})
	}
	return out
}

func joinLines(lines []int, max int) string {
	var s []string
	for i, l := range lines {
		if i == max {
			s = append(s, "…")
			break
		}
		s = append(s, fmt.Sprint(l))
	}
	return strings.Join(s, ", ")
}

// render prints tokens back as source (approximately), truncated.
func render(toks []pyToken) string {
	var b strings.Builder
	prev := tokKind(0)
	for _, t := range toks {
		if b.Len() > evidenceLen {
			b.WriteString("…")
			break
		}
		word := t.kind == tName || t.kind == tNumber || t.kind == tString
		if word && (prev == tName || prev == tNumber || prev == tString) {
			b.WriteByte(' ')
		}
		switch t.kind {
		case tString:
			b.WriteString(t.prefix + "'" + t.text + "'")
		case tNewline:
			b.WriteString("; ")
		default:
			b.WriteString(t.text)
		}
		if isOp(t, ",") {
			b.WriteByte(' ')
		}
		prev = t.kind
	}
	s := b.String()
	if len(s) > evidenceLen+40 {
		s = s[:evidenceLen] + "…"
	}
	return s
}

const evidenceLen = 160

// maxParts bounds the components of a dotted name that are judged.
const maxParts = 16

// maxArgTokens bounds the arguments of getattr() and open() calls that are
// looked into (keeps nested calls linear).
const maxArgTokens = 256
