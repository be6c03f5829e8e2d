package picklefmt

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
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

// functionLike reports whether a qualified name ends in a function or
// method name rather than a class: PEP 8 (which the standard library
// follows) writes class names in CapWords.
func functionLike(qualname string) bool {
	last := qualname[strings.LastIndex(qualname, ".")+1:]
	last = strings.TrimLeft(last, "_")
	return last != "" && (last[0] < 'A' || last[0] > 'Z')
}

// judgement is the severity a trampoline use earns, with why.
type judgement struct {
	sev    core.Severity
	reason string
}

func (a *auditor) onCall(ev *pickle.Event) {
	c := ev.Call
	switch f := c.Func.(type) {
	case *pickle.Global:
		v := a.verdict(f)
		scanned := a.maybeNested(v.Canonical, c)
		if v.Class != policy.Safe {
			a.feedTrampolines(c, v)
		}
		switch t, ok := a.tramps[f]; {
		case ok:
			a.judge(t, a.judgeTrampoline(v.Canonical, c), c)
		case scanned && frameworkLoaders[v.Canonical]:
			// judged by the bytes it loads, scanned above
		default:
			a.directCall(f, v, c)
		}
	case *pickle.Call:
		a.computedCall(f, c)
	default:
		// persistent object, unresolved import or out-of-band buffer called
		a.add(core.Finding{Rule: rules.PickleTrampoline, Severity: core.High,
			Description: "Call of a callable the scanner cannot resolve",
			Module:      "unknown", Operator: "unknown", Offset: c.Off,
			Evidence: pickle.Render(c, evidenceMax)})
	}
}

// judge records a judgement of a trampoline call; the most severe one
// (and its evidence and reason) is kept.
func (a *auditor) judge(t *tramp, j judgement, c *pickle.Call) { a.record(t, j, c, false) }

// judgeApplication records the judgement of calling a trampoline's result;
// at equal severity its rendering (the call that runs) is the better evidence.
func (a *auditor) judgeApplication(t *tramp, j judgement, c *pickle.Call) { a.record(t, j, c, true) }

func (a *auditor) record(t *tramp, j judgement, c *pickle.Call, applied bool) {
	if !t.judged || j.sev > t.sev || (applied && j.sev == t.sev) {
		t.sev = j.sev
		t.evid = pickle.Render(c, evidenceMax)
		t.reason = j.reason
	}
	t.judged = true
}

// directCall handles a call whose callable is a global.
func (a *auditor) directCall(g *pickle.Global, v policy.Verdict, c *pickle.Call) {
	if v.Class == policy.Safe {
		return
	}
	evid := pickle.Render(c, evidenceMax)
	switch v.Class {
	case policy.Dangerous:
		a.addRanked(core.Finding{Rule: rules.PickleDangerousImport, Severity: v.Severity,
			Description: fmt.Sprintf("Use of unsafe operator '%s' from module '%s'", g.Name, g.Module),
			Module:      g.Module, Operator: g.Name, Offset: g.Off, Evidence: evid + ": " + v.Reason}, 2)
	case policy.Unknown:
		a.addRanked(core.Finding{Rule: rules.PickleUnknownImport, Severity: v.Severity,
			Description: fmt.Sprintf("Use of unknown operator '%s' from module '%s' (%s)", g.Name, g.Module, v.Reason),
			Module:      g.Module, Operator: g.Name, Offset: g.Off, Evidence: evid}, 2)
		if kind := suspiciousArgs(c); kind != "" {
			a.add(core.Finding{Rule: rules.PickleSuspiciousCall, Severity: core.High,
				Description: fmt.Sprintf("Unknown callable '%s' from module '%s' called with %s", g.Name, g.Module, kind),
				Module:      g.Module, Operator: g.Name, Offset: c.Off, Evidence: evid})
		} else if a.pol.IsStdlib(g.Module) && functionLike(g.Name) {
			// Rebuilding models needs the standard library's data types
			// (classes); stdlib functions and methods run at load time are
			// how new gadget chains work (pydoc, timeit, idlelib…)
			a.add(core.Finding{Rule: rules.PickleSuspiciousCall, Severity: core.High,
				Description: fmt.Sprintf("Standard-library callable '%s' from module '%s' that is not known to be safe runs at load time", g.Name, g.Module),
				Module:      g.Module, Operator: g.Name, Offset: c.Off, Evidence: evid})
		}
	}
}

// feedTrampolines judges trampoline products handed as arguments to a
// callable that is not known to be safe: that callable may call them
// (apply(getattr(dict, 'get'), ...)), so they reach it.
func (a *auditor) feedTrampolines(c *pickle.Call, consumer policy.Verdict) {
	var visit func(v pickle.Value, depth int)
	visit = func(v pickle.Value, depth int) {
		switch x := v.(type) {
		case *pickle.Call:
			if g, ok := x.Func.(*pickle.Global); ok {
				if t := a.tramps[g]; t != nil {
					sev := core.Medium
					if consumer.Class == policy.Dangerous {
						sev = consumer.Severity
					}
					a.judge(t, judgement{sev, "its result is handed to " + consumer.Canonical}, c)
				}
			}
		case *pickle.Seq:
			if depth < 2 {
				for _, it := range x.Items {
					visit(it, depth+1)
				}
			}
		}
	}
	for _, arg := range c.Args.Items {
		visit(arg, 0)
	}
}

// judgeTrampoline decides what a call of a trampoline itself earns.
func (a *auditor) judgeTrampoline(name string, c *pickle.Call) judgement {
	args := c.Args.Items
	litName := func(i int) (string, bool) {
		if i >= len(args) {
			return "", false
		}
		return pickle.StrValue(args[i])
	}
	switch name {
	case "builtins.getattr":
		if len(args) < 2 {
			return judgement{core.Critical, "getattr with computed arguments"}
		}
		attr, ok := litName(1)
		if !ok {
			return judgement{core.Critical, "attribute name is computed at load time"}
		}
		return a.judgeAttr(args[0], attr, false)
	case "operator.attrgetter", "operator.methodcaller":
		if len(args) == 0 {
			return judgement{core.Critical, "computed arguments"}
		}
		n := len(args)
		if name == "operator.methodcaller" {
			n = 1
		}
		for i := 0; i < n; i++ {
			s, ok := litName(i)
			if !ok {
				return judgement{core.Critical, "attribute name is computed at load time"}
			}
			for _, part := range strings.Split(s, ".") {
				if pickle.IsDunder(part) {
					return judgement{core.Critical, "reaches dunder attribute " + part}
				}
			}
		}
		return judgement{core.Medium, "literal attribute names; judged again where applied"}
	case "operator.itemgetter":
		return judgement{core.Medium, "item access"}
	case "functools.partial", "functools.reduce", "functools.partialmethod":
		if len(args) == 0 {
			return judgement{core.Critical, "computed arguments"}
		}
		return a.judgeTarget(args[0], "wraps")
	case "dill._dill._create_array":
		// dill's array rebuilder calls its first argument: with a
		// reconstructor on the allowlist it is plain data
		if len(args) == 0 {
			return judgement{core.Critical, "computed arguments"}
		}
		if name, _ := a.objName(args[0], 0); name != "" && a.classifyName(name).Class == policy.Safe {
			return judgement{core.SeverityNone, ""}
		}
		return a.judgeTarget(args[0], "rebuilds an array with")
	}
	return judgement{core.Medium, ""}
}

// judgeAttr judges getattr(obj, attr) with a literal attribute name;
// called says whether the attribute is then called during the load. An
// attribute of an allowlisted class (or of an object of one) that is only
// read is LOW (enum members, bound methods kept as data); calling it is
// MEDIUM unless that method itself is on the allowlist.
func (a *auditor) judgeAttr(obj pickle.Value, attr string, called bool) judgement {
	for _, part := range strings.Split(attr, ".") {
		if pickle.IsDunder(part) {
			return judgement{core.Critical, "reaches dunder attribute " + part}
		}
	}
	base, isModule := a.objName(obj, 0)
	if s, ok := pickle.StrValue(obj); ok && base == "" {
		// getattr('os', 'system') names a module through a string
		if v := a.classifyName(s + "." + attr); v.Class == policy.Dangerous {
			return judgement{core.Critical, fmt.Sprintf("names %s through a string (%s)", v.Canonical, v.Reason)}
		}
	}
	if base != "" {
		v := a.classifyName(attrOf(base, attr))
		if v.Class == policy.Dangerous {
			return judgement{core.Critical, fmt.Sprintf("reaches %s (%s)", v.Canonical, v.Reason)}
		}
		if isModule {
			return judgement{core.Critical, "reads an attribute of a module imported at load time"}
		}
		return a.allowedAttr(a.classifyName(base), v, dotted(attrOf(base, attr)), called)
	}
	switch x := obj.(type) {
	case *pickle.Call:
		// an attribute of an object built in the pickle: judged by its class
		cls, _ := a.objName(x.Func, 0)
		if cls == "" {
			return judgement{core.High, "attribute of an object the scanner cannot resolve"}
		}
		v := a.classifyName(cls)
		if v.Class == policy.Dangerous {
			return judgement{core.Critical, fmt.Sprintf("attribute of a %s object (%s)", dotted(cls), v.Reason)}
		}
		return a.allowedAttr(v, a.classifyName(attrOf(cls, attr)), dotted(attrOf(cls, attr)), called)
	case *pickle.Pers, *pickle.Unresolved, *pickle.Buffer:
		return judgement{core.High, "attribute of an object the scanner cannot resolve"}
	}
	return judgement{core.Medium, "attribute of a literal"}
}

// allowedAttr grades base.attr when neither is dangerous: base is the
// verdict of the class, target that of class.attr.
func (a *auditor) allowedAttr(base, target policy.Verdict, name string, called bool) judgement {
	switch {
	case target.Class == policy.Safe:
		return judgement{core.SeverityNone, ""}
	case base.Class == policy.Safe && !called:
		// an enum member or a bound method kept as data: harmless
		return judgement{core.SeverityNone, ""}
	case called:
		return judgement{core.Medium, "calls " + name}
	}
	return judgement{core.Medium, "reads " + name}
}

// judgeTarget judges a callable handed to a trampoline (partial, reduce).
func (a *auditor) judgeTarget(v pickle.Value, verb string) judgement {
	name, isModule := a.objName(v, 0)
	if name == "" {
		if _, ok := v.(*pickle.Call); ok {
			return judgement{core.High, verb + " a callable computed at load time"}
		}
		return judgement{core.Medium, verb + " a literal"}
	}
	if isModule {
		return judgement{core.Critical, verb + " a module object"}
	}
	vd := a.classifyName(name)
	if vd.Class == policy.Dangerous {
		return judgement{core.Critical, fmt.Sprintf("%s %s (%s)", verb, vd.Canonical, vd.Reason)}
	}
	return judgement{core.Medium, fmt.Sprintf("%s %s", verb, dotted(name))}
}

// computedCall handles calling the result of an earlier call: a trampoline
// product (getattr(...)(...), partial(...)(...), methodcaller(...)(obj)) or
// some other computed callable.
func (a *auditor) computedCall(inner *pickle.Call, c *pickle.Call) {
	g, _ := inner.Func.(*pickle.Global)
	var t *tramp
	if g != nil {
		t = a.tramps[g]
	}
	if g != nil && t != nil {
		var j judgement
		switch t.v.Canonical {
		case "builtins.getattr":
			j = a.judgeApplied(inner, c)
			if kind := suspiciousArgs(c); kind != "" && j.sev < core.High {
				j = judgement{core.High, j.reason + ", with " + kind}
			}
		case "functools.partial", "functools.partialmethod":
			if len(inner.Args.Items) > 0 {
				j = a.judgeTarget(inner.Args.Items[0], "calls")
			}
		case "operator.attrgetter", "operator.methodcaller":
			// applied to an object: reads (and for methodcaller calls) obj.name
			if len(c.Args.Items) == 1 && len(inner.Args.Items) > 0 {
				if attr, ok := pickle.StrValue(inner.Args.Items[0]); ok {
					j = a.judgeAttr(c.Args.Items[0], attr, t.v.Canonical == "operator.methodcaller")
				}
			}
			if j.sev == core.SeverityNone {
				j = judgement{core.High, "applied to a value the scanner cannot resolve"}
			}
		default:
			j = judgement{core.Medium, ""}
		}
		a.judgeApplication(t, j, c)
		return
	}
	// a call result of an attrgetter application: attrgetter(x)(obj)(args)
	if name, module := a.objName(inner, 0); name != "" {
		v := a.classifyName(name)
		sev := core.Medium
		if v.Class == policy.Dangerous || module {
			sev = core.Critical
		}
		d := dotted(name)
		a.add(core.Finding{Rule: rules.PickleTrampoline, Severity: sev,
			Description: fmt.Sprintf("Indirect call of '%s'", d),
			Module:      moduleOf(d), Operator: nameOf(d), Offset: c.Off,
			Evidence: pickle.Render(c, evidenceMax) + " calls " + d})
		return
	}
	if inner.Result != nil {
		return // calling decoded bytes fails at load
	}
	a.add(core.Finding{Rule: rules.PickleTrampoline, Severity: core.High,
		Description: "Call of a callable computed at load time",
		Module:      "unknown", Operator: "unknown", Offset: c.Off,
		Evidence: pickle.Render(c, evidenceMax)})
}

// judgeApplied judges calling the result of getattr(obj, attr).
func (a *auditor) judgeApplied(getattrCall, c *pickle.Call) judgement {
	args := getattrCall.Args.Items
	if len(args) < 2 {
		return judgement{core.Critical, "getattr with computed arguments"}
	}
	attr, ok := pickle.StrValue(args[1])
	if !ok {
		return judgement{core.Critical, "attribute name is computed at load time"}
	}
	return a.judgeAttr(args[0], attr, true)
}

func moduleOf(dotted string) string {
	if i := strings.LastIndex(dotted, "."); i >= 0 {
		return dotted[:i]
	}
	return dotted
}

func nameOf(dotted string) string {
	if i := strings.LastIndex(dotted, "."); i >= 0 {
		return dotted[i+1:]
	}
	return ""
}

var (
	reShell  = regexp.MustCompile(`(?i)(^|[;&|\s` + "`" + `$(])(sh|bash|zsh|cmd|powershell|pwsh|curl|wget|nc|ncat|python[0-9.]*|perl|ruby|rm|chmod|chown|echo|cat|whoami|id|uname|mkfifo|base64|eval|exec)(\s|$)|[;&|]\s*\w|\$\(|` + "`")
	rePython = regexp.MustCompile(`\b(import\s+\w|__import__|exec\s*\(|eval\s*\(|os\.system|subprocess\.|lambda\s*\w*:|open\s*\()`)
	reURL    = regexp.MustCompile(`(?i)^\s*[a-z][a-z0-9+.-]*://`)
	rePath   = regexp.MustCompile(`^(/|~/|\.\.?/|[A-Za-z]:\\|\\\\)`)
)

// suspiciousArgs says whether any literal argument looks like a shell
// command, Python source, a URL or a file path.
func suspiciousArgs(c *pickle.Call) string {
	var kinds []string
	check := func(v pickle.Value) {
		s, ok := pickle.StrValue(v)
		if !ok {
			if b, isB := v.(*pickle.Bytes); isB && b.Full() {
				s, ok = string(b.Data), true
			}
		}
		if !ok || len(s) < 2 {
			return
		}
		switch {
		case rePython.MatchString(s):
			kinds = append(kinds, "Python source")
		case reURL.MatchString(s):
			kinds = append(kinds, "a URL")
		case rePath.MatchString(s) && !strings.ContainsAny(s, "\n"):
			kinds = append(kinds, "a file path")
		case reShell.MatchString(s):
			kinds = append(kinds, "a shell command")
		}
	}
	for _, it := range c.Args.Items {
		check(it)
	}
	if kw, ok := c.Kwargs.(*pickle.Dict); ok {
		for _, it := range kw.Vals {
			check(it)
		}
	}
	if len(kinds) == 0 {
		return ""
	}
	return "an argument that looks like " + kinds[0]
}
