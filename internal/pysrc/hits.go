package pysrc

// Findings of the source scans: uses of one dotted name in one file are
// merged into one finding that gives the first use (file:line and the code,
// rendered back from tokens) and the lines of the others.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Hits collects what the scans of one file find: one hit per dotted name
// (or per kind of encoded blob), with every line it occurs on. The zero
// value is ready to use.
type Hits struct {
	found map[string]*hit
	order []string
}

type hit struct {
	rule     string
	name     string
	sev      core.Severity
	reason   string
	lines    []int // the first maxLines
	uses     int
	text     string // the evidence occurrence, on textLine
	textLine int
}

const maxLines = 64

// Add records a use of name on line; code is its source, rendered only
// when it becomes the evidence. Its findings carry rule
// source-dangerous-call.
func (h *Hits) Add(name string, sev core.Severity, reason string, line int, code []Token) {
	h.add(rules.SourceDangerousCall, name, sev, reason, line, code, "")
}

// Len returns the number of distinct hits.
func (h *Hits) Len() int { return len(h.order) }

// add records a hit; its evidence is text, or code rendered when text is
// empty (only when the occurrence becomes the evidence).
func (h *Hits) add(rule, name string, sev core.Severity, reason string, line int, code []Token, text string) {
	show := func() string {
		if text != "" {
			return text
		}
		return render(code)
	}
	if h.found == nil {
		h.found = map[string]*hit{}
	}
	if x, ok := h.found[name]; ok {
		if sev > x.sev || sev == x.sev && line < x.textLine {
			x.sev, x.reason, x.text, x.textLine = sev, reason, show(), line
		}
		if len(x.lines) < maxLines {
			x.lines = append(x.lines, line)
		}
		x.uses++
		return
	}
	h.found[name] = &hit{rule: rule, name: name, sev: sev, reason: reason, lines: []int{line}, text: show(), textLine: line, uses: 1}
	h.order = append(h.order, name)
}

// Findings turns the hits into findings (Rule, Severity, Module,
// Operator, Description, Evidence; Offset -1) for the file named path in the
// evidence; what names the code in descriptions ("TorchScript code").
// Callers set Scanner and, when needed, Source.
func (h *Hits) Findings(path, what string) []core.Finding {
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
		desc := fmt.Sprintf("%s uses %s (%s)", what, n, x.reason)
		if x.rule != rules.SourceDangerousCall {
			mod, op = "", n
			desc = fmt.Sprintf("%s holds %s (%s)", what, n, x.reason)
		}
		out = append(out, core.Finding{Rule: x.rule, Severity: x.sev, Module: mod, Operator: op, Evidence: ev,
			Offset: -1, Description: desc})
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
func render(toks []Token) string {
	var b strings.Builder
	prev := Kind(0)
	for _, t := range toks {
		if b.Len() > evidenceLen {
			b.WriteString("…")
			break
		}
		word := t.Kind == TokName || t.Kind == TokNumber || t.Kind == TokString
		if word && (prev == TokName || prev == TokNumber || prev == TokString) {
			b.WriteByte(' ')
		}
		switch t.Kind {
		case TokString:
			b.WriteString(t.Prefix + "'" + t.Text + "'")
		case TokNewline:
			b.WriteString("; ")
		default:
			b.WriteString(t.Text)
		}
		if IsOp(t, ",") {
			b.WriteByte(' ')
		}
		prev = t.Kind
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
