package picklefmt

import (
	"strings"

	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// Resolved object names are written "module:qualname" so the module and
// attribute parts stay apart ("random._os:system" is not module random._os).

// canonicalOf returns the canonical "module:qualname" of a global.
func (a *auditor) canonicalOf(g *pickle.Global) string {
	m, n := a.pol.Canonical(g.Module, g.Name)
	return m + ":" + n
}

// calleeName returns the canonical dotted name of the callable a Call
// invokes when it is a plain global.
func (a *auditor) calleeName(c *pickle.Call) string {
	if g, ok := c.Func.(*pickle.Global); ok {
		return a.verdict(g).Canonical
	}
	return ""
}

// attrOf appends an attribute to a resolved name.
func attrOf(base, attr string) string {
	if strings.HasSuffix(base, ":") {
		return base + attr
	}
	return base + "." + attr
}

// dotted turns a resolved name into a plain dotted name for messages.
func dotted(name string) string {
	return strings.TrimSuffix(strings.Replace(name, ":", ".", 1), ".")
}

// objName resolves the name of an object value when it is statically known:
// a global, a module returned by an import resolver, or an attribute reached
// through getattr/attrgetter with literal names. module is true when the
// value is a module object returned by a resolver.
func (a *auditor) objName(v pickle.Value, depth int) (name string, module bool) {
	if depth > 8 {
		return "", false
	}
	switch x := v.(type) {
	case *pickle.Global:
		return a.canonicalOf(x), false
	case *pickle.Call:
		callee := a.calleeName(x)
		args := x.Args.Items
		switch {
		case resolvers[callee] && len(args) > 0:
			if s, ok := pickle.StrValue(args[0]); ok {
				if mod, attr, found := strings.Cut(s, ":"); found {
					return mod + ":" + attr, false // pkgutil.resolve_name('os:system')
				}
				imp := callee == "builtins.__import__" || callee == "importlib.import_module" ||
					callee == "importlib.__import__" || callee == "importlib._bootstrap._gcd_import"
				if imp {
					m, _ := a.pol.Canonical(s, "")
					return m + ":", true
				}
				// pydoc.locate('os.system'): a dotted path
				if i := strings.LastIndex(s, "."); i > 0 {
					return s[:i] + ":" + s[i+1:], false
				}
				return s + ":", true
			}
		case callee == "builtins.getattr" && len(args) >= 2:
			if attr, ok := pickle.StrValue(args[1]); ok {
				if base, _ := a.objName(args[0], depth+1); base != "" {
					return attrOf(base, attr), false
				}
			}
		}
		// attrgetter('a.b')(obj) returns obj.a.b
		if inner, ok := x.Func.(*pickle.Call); ok && a.calleeName(inner) == "operator.attrgetter" && len(inner.Args.Items) == 1 && len(args) == 1 {
			if attr, ok := pickle.StrValue(inner.Args.Items[0]); ok {
				if base, _ := a.objName(args[0], depth+1); base != "" {
					return attrOf(base, attr), false
				}
			}
		}
	}
	return "", false
}

// classifyName classifies a name reached indirectly ("module:qualname",
// or a plain dotted name split at its last dot).
func (a *auditor) classifyName(name string) policy.Verdict {
	if m, n, ok := strings.Cut(name, ":"); ok {
		return a.pol.Classify(m, n)
	}
	i := strings.LastIndex(name, ".")
	if i < 0 {
		return a.pol.Classify(name, "")
	}
	return a.pol.Classify(name[:i], name[i+1:])
}
