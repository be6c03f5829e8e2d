package picklefmt

import (
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Trampolines: calls judged by what flows through them.

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
