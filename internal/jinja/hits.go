package jinja

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pyrepr"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// A group collects what one access chain (a.b[c]|attr(d)(...)) does under
// one rule; it becomes one issue.
type groupKey struct {
	root Node
	rule string
}

type group struct {
	rule   string
	root   Node
	sev    core.Severity
	strong bool // weak hits (a subscript key named like a module) only add to a chain already reported
	names  []string
	hows   []string
	pos    Pos
}

const (
	maxGroups   = 1000
	maxNames    = 12
	maxEvidence = 300
)

func addUnique(list []string, s string) []string {
	if len(list) >= maxNames || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func (a *analyzer) record(node Node, at Pos, rule string, sev core.Severity, name, how string, strong bool) {
	root := a.roots[node]
	if root == nil {
		root = node
	}
	k := groupKey{root, rule}
	g := a.groups[k]
	if g == nil {
		if len(a.groups) >= maxGroups {
			return
		}
		g = &group{rule: rule, root: root, pos: at}
		a.groups[k] = g
	}
	if strong {
		g.strong = true
		g.sev = max(g.sev, sev)
	}
	if at.Off < g.pos.Off {
		g.pos = at
	}
	g.names = addUnique(g.names, name)
	g.hows = addUnique(g.hows, how)
}

func (a *analyzer) resolve(node Node, name string) {
	a.resolved[node] = addUnique(a.resolved[node], name)
}

// accessName checks one attribute name reached at node.
func (a *analyzer) accessName(node Node, at Pos, name, how string, called bool) {
	sev := classify(name, called)
	if sev == core.SeverityNone {
		return
	}
	strong := how != "subscript" || sev >= core.Critical
	a.record(node, at, rules.TemplateSSTI, sev, name, how, strong)
}

// accessKey checks a computed attribute name or subscript key: every
// string it may be, and, when it is not known, whether it was built from
// string operations (or is the name given to |attr()).
func (a *analyzer) accessKey(node Node, at Pos, key Val, how string, called, attrFilter bool) {
	for _, c := range key.alts {
		if c.k == kStr {
			a.resolve(node, c.s)
			a.accessName(node, at, c.s, how, called)
		}
	}
	if key.open && (attrFilter || key.derived) {
		sev := core.High
		if suspiciousPieces(key.frags) {
			sev = core.Critical
		}
		name := "a computed name"
		if len(key.frags) > 0 {
			q := make([]string, 0, len(key.frags))
			for _, f := range key.frags {
				q = append(q, pyrepr.Str(f))
			}
			name = "a name built from " + strings.Join(q, ", ")
		}
		a.record(node, at, rules.TemplateDynamicAttribute, sev, name, how, true)
	}
}

// issues turns the groups into issues, in source order.
func (a *analyzer) issues() []Issue {
	gs := make([]*group, 0, len(a.groups))
	ssti := map[Node]bool{}
	for _, g := range a.groups {
		if !g.strong {
			continue
		}
		gs = append(gs, g)
		if g.rule == rules.TemplateSSTI || g.rule == rules.TemplateDynamicAttribute {
			ssti[g.root] = true
		}
	}
	sort.Slice(gs, func(i, j int) bool {
		if gs[i].pos.Off != gs[j].pos.Off {
			return gs[i].pos.Off < gs[j].pos.Off
		}
		return gs[i].rule < gs[j].rule
	})
	var out []Issue
	for _, g := range gs {
		if g.rule == rules.TemplateSuspiciousGlobal && ssti[g.root] {
			continue
		}
		if g.rule == rules.TemplateDynamicAttribute {
			if s := a.groups[groupKey{g.root, rules.TemplateSSTI}]; s != nil && s.strong && s.sev >= g.sev {
				continue // the chain is reported with the names it resolves to
			}
		}
		shown := make([]string, len(g.names))
		for i, n := range g.names {
			shown[i] = n
			if !isIdent(n) && !strings.HasPrefix(n, "a ") {
				shown[i] = pyrepr.Str(n)
			}
		}
		names := strings.Join(shown, ", ")
		var msg string
		switch {
		case g.rule == rules.TemplateSSTI && g.sev >= core.Critical:
			msg = fmt.Sprintf("Chat template reaches Python internals (%s): server-side template injection that runs code when the template is rendered without a sandbox", names)
		case g.rule == rules.TemplateSSTI:
			msg = fmt.Sprintf("Chat template accesses %s, names template-injection payloads use to run commands", names)
		case g.rule == rules.TemplateDynamicAttribute && g.sev >= core.Critical:
			msg = fmt.Sprintf("Chat template computes an attribute name at render time (%s via %s) whose pieces spell Python internals", names, strings.Join(g.hows, ", "))
		case g.rule == rules.TemplateDynamicAttribute:
			msg = fmt.Sprintf("Chat template computes an attribute name at render time (%s via %s); it cannot be resolved statically", names, strings.Join(g.hows, ", "))
		default:
			msg = fmt.Sprintf("Chat template references %s, a global chat runtimes do not provide (a usual starting point of template-injection payloads)", names)
		}
		out = append(out, Issue{Severity: g.sev, Rule: g.rule, Message: msg, Evidence: a.evidence(g.root),
			Line: g.pos.Line, Col: g.pos.Col, Offset: g.pos.Off, Names: slices.Clone(g.names)})
	}
	return out
}
