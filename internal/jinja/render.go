package jinja

import (
	"strings"
	"unicode/utf8"

	"github.com/modelscan-go/modelscan/internal/pyrepr"
)

// evidence shows an access chain as written and, when names were folded,
// as it resolves: x|attr('__cla' ~ 'ss__') => x.__class__.
func (a *analyzer) evidence(root Node) string {
	src := a.source(root)
	ev := src
	if rec := a.render(root); rec != src {
		ev = src + " => " + rec
	}
	return clip(ev, maxEvidence)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func (a *analyzer) text(from, to int) string {
	if from < 0 {
		from = 0
	}
	if to > len(a.src) {
		to = len(a.src)
	}
	if from >= to {
		return ""
	}
	return strings.Join(strings.Fields(a.src[from:to]), " ")
}

func (a *analyzer) source(n Node) string {
	sp := n.Span()
	return a.text(sp.Pos.Off, sp.End)
}

// tail is the source of x after its receiver (the ".name", "[key]",
// "|filter(...)" or "(args)" part).
func (a *analyzer) tail(recv Node, x Node) string {
	return a.text(recv.Span().End, x.Span().End)
}

func accessor(name string) string {
	if isIdent(name) {
		return "." + name
	}
	return "[" + pyrepr.Str(name) + "]"
}

func isIdent(s string) bool {
	return s != "" && matchName(s, 0) == len(s)
}

// pick prefers the most dangerous of the names resolved at a node.
func pick(names []string) string {
	best := names[0]
	for _, n := range names {
		if c, b := classify(n, true), classify(best, true); c > b || (c == b && isIdent(n) && !isIdent(best)) {
			best = n
		}
	}
	return best
}

func (a *analyzer) render(n Node) string {
	switch x := n.(type) {
	case *Getattr:
		return a.render(x.X) + "." + x.Name
	case *Getitem:
		if names := a.resolved[x]; len(names) > 0 {
			return a.render(x.X) + accessor(pick(names))
		}
		return a.render(x.X) + a.tail(x.X, x)
	case *Filter:
		if x.X == nil {
			return a.source(x)
		}
		if names := a.resolved[x]; x.Name == "attr" && len(names) > 0 {
			return a.render(x.X) + accessor(pick(names))
		}
		return a.render(x.X) + a.tail(x.X, x)
	case *Call:
		return a.render(x.Fn) + a.tail(x.Fn, x)
	case *Test:
		return a.render(x.X) + " " + a.tail(x.X, x)
	}
	return a.source(n)
}
