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
