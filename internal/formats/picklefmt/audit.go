// Package picklefmt scans pickle streams: it runs the symbolic machine and
// turns what it observes into findings with the policy. Raw pickles, dill,
// cloudpickle and joblib use it directly; PyTorch and NumPy handlers use it
// for the pickles inside their containers.
package picklefmt

import (
	"fmt"
	"sort"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Python ModelScan scanner names, kept for the JSON "scanner" key.
const (
	ScannerPickle = "modelscan.scanners.PickleUnsafeOpScan"
	ScannerTorch  = "modelscan.scanners.PyTorchUnsafeOpScan"
	ScannerNumpy  = "modelscan.scanners.NumpyUnsafeOpScan"
)

const evidenceMax = 240

// auditor turns machine events for one stream into findings.
type auditor struct {
	pol     *policy.Policy
	sess    *core.Session
	blob    *core.Blob
	scanner string
	torch   bool // persistent ids are expected (torch.load supplies persistent_load)
	shadow  bool // events are from a pass whose extra content is only reported when dangerous

	verdicts map[*pickle.Global]policy.Verdict
	out      *collector
	tramps   map[*pickle.Global]*tramp
	nested   map[pickle.Value]bool // literals already scanned as deserializer input
}

// collector merges the findings of every reading of one stream: the same
// rule and name is reported once, with the highest severity and the best
// evidence.
type collector struct {
	found map[string]*core.Finding
	rank  map[string]int // evidence quality: 1 import, 2 call
	order []string
	notes map[string]bool
}

func newCollector() *collector {
	return &collector{found: map[string]*core.Finding{}, rank: map[string]int{}, notes: map[string]bool{}}
}

// flush moves the merged findings into the session.
func (c *collector) flush(s *core.Session, b *core.Blob) {
	for _, k := range c.order {
		s.Add(b, *c.found[k])
	}
	c.found, c.rank, c.order = map[string]*core.Finding{}, map[string]int{}, nil
}

type tramp struct {
	g      *pickle.Global
	v      policy.Verdict
	sev    core.Severity
	evid   string
	reason string
	off    int64
	judged bool
}

func newAuditor(pol *policy.Policy, s *core.Session, b *core.Blob, scanner string, out *collector) *auditor {
	return &auditor{pol: pol, sess: s, blob: b, scanner: scanner, out: out,
		verdicts: map[*pickle.Global]policy.Verdict{},
		tramps:   map[*pickle.Global]*tramp{}, nested: map[pickle.Value]bool{}}
}

// trampolines are callables judged by what flows through them.
var trampolines = map[string]bool{
	"builtins.getattr": true, "operator.attrgetter": true, "operator.methodcaller": true,
	"operator.itemgetter": true, "functools.partial": true, "functools.reduce": true,
	"functools.partialmethod": true, "dill._dill._create_array": true,
}

// resolvers turn a literal string into a module or object.
var resolvers = map[string]bool{
	"builtins.__import__": true, "importlib.import_module": true, "importlib.__import__": true,
	"pkgutil.resolve_name": true, "pydoc.locate": true, "importlib._bootstrap._gcd_import": true,
}

// loaders deserialize their first argument (bytes). "pickle": the bytes
// are a pickle stream; "model": a file for torch.load, routed by content.
var loaders = map[string]string{
	"pickle.loads": "pickle", "pickle._loads": "pickle", "dill.loads": "pickle", "dill._dill.loads": "pickle",
	"cloudpickle.loads": "pickle", "joblib.numpy_pickle.loads": "pickle",
	"numpy.core.multiarray.loads": "pickle", "numpy._core.multiarray.loads": "pickle", "numpy.loads": "pickle",
	"pandas.compat.pickle_compat.loads": "pickle",
	"torch.storage._load_from_bytes":    "model",
}

// frameworkLoaders are what real pickles use to embed a model (pickle.dumps
// of a tensor calls torch.storage._load_from_bytes). The call is judged by
// the bytes it loads, which are scanned at full severity: with recoverable
// bytes it is not a finding itself.
var frameworkLoaders = map[string]bool{"torch.storage._load_from_bytes": true}

func (a *auditor) verdict(g *pickle.Global) policy.Verdict {
	if v, ok := a.verdicts[g]; ok {
		return v
	}
	v := a.pol.Classify(g.Module, g.Name)
	a.verdicts[g] = v
	return v
}

// add records a finding, merging repeats of the same rule and name.
func (a *auditor) add(f core.Finding) { a.addRanked(f, 1) }

// addRanked records a finding whose evidence has the given quality: a
// rendered call (2) is kept over an import line (1). In a shadow reading
// (opcodes only pickle.load would run, inside joblib array data) only HIGH
// and CRITICAL findings count.
func (a *auditor) addRanked(f core.Finding, rank int) {
	if a.shadow && f.Severity < core.High {
		return
	}
	if f.Scanner == "" {
		f.Scanner = a.scanner
	}
	c := a.out
	k := f.Rule + "\x00" + f.Module + "\x00" + f.Operator
	if old, ok := c.found[k]; ok {
		if f.Severity > old.Severity {
			old.Severity = f.Severity
			old.Description = f.Description
		}
		if f.Evidence != "" && (rank > c.rank[k] || old.Evidence == "") {
			old.Evidence = f.Evidence
			c.rank[k] = rank
		}
		if f.Offset >= 0 && (old.Offset < 0 || f.Offset < old.Offset) {
			old.Offset = f.Offset
		}
		return
	}
	cp := f
	c.found[k] = &cp
	c.rank[k] = rank
	c.order = append(c.order, k)
}

// finish flushes trampoline judgments and findings into the session.
func (a *auditor) finish() {
	gs := make([]*tramp, 0, len(a.tramps))
	for _, t := range a.tramps {
		gs = append(gs, t)
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].off < gs[j].off })
	for _, t := range gs {
		sev, evid := t.sev, t.evid
		desc := fmt.Sprintf("Indirect call through '%s' from module '%s'", t.g.Name, t.g.Module)
		if !t.judged {
			// imported but never called here: judged by the lists alone
			sev = t.v.Severity
			if t.v.Class == policy.Safe {
				continue
			}
			evid = fmt.Sprintf("%s is imported (%s)", t.v.Canonical, t.v.Reason)
		} else if t.reason != "" {
			evid = evid + " — " + t.reason
		}
		if sev == core.SeverityNone {
			continue
		}
		a.add(core.Finding{Rule: rules.PickleTrampoline, Severity: sev, Description: desc,
			Module: t.g.Module, Operator: t.g.Name, Evidence: evid, Offset: t.off})
	}
	a.tramps = map[*pickle.Global]*tramp{}
}

// Observe handles one machine event.
func (a *auditor) Observe(ev *pickle.Event) {
	switch ev.Kind {
	case pickle.EvImport:
		a.onImport(ev)
	case pickle.EvUnresolvedImport:
		a.onUnresolved(ev)
	case pickle.EvCall:
		a.onCall(ev)
	case pickle.EvMutation:
		a.onMutation(ev)
	case pickle.EvDunderState:
		a.onDunderState(ev)
	case pickle.EvPersistentID:
		if !a.torch {
			a.note(rules.PicklePersistentID, pickle.OpName(ev.Op), "Persistent id used outside a framework archive",
				"plain pickle.load refuses it, framework loaders resolve it: "+pickle.Render(ev.Value, 120), ev.Off)
		}
	case pickle.EvFrameStraddle:
		a.note(rules.PickleFrameAnomaly, "FRAME", "Opcode straddles a FRAME boundary", ev.Detail, ev.Off)
	case pickle.EvTrailing:
		a.note(rules.PickleTrailingData, "STOP", "Bytes after the last pickle are not a pickle", ev.Detail, ev.Off)
	case pickle.EvEmbedded:
		a.onEmbedded(ev)
	}
}

func (a *auditor) note(rule, op, desc, evid string, off int64) {
	if a.out.notes[rule] {
		return
	}
	a.out.notes[rule] = true
	a.add(core.Finding{Rule: rule, Severity: core.Low, Description: desc, Module: "pickle", Operator: op, Evidence: evid, Offset: off})
}

func (a *auditor) onImport(ev *pickle.Event) {
	g := ev.Global
	v := a.verdict(g)
	if trampolines[v.Canonical] {
		a.tramps[g] = &tramp{g: g, v: v, off: g.Off}
		return
	}
	if frameworkLoaders[v.Canonical] && v.Class == policy.Unknown {
		return // reported with its call when the bytes cannot be scanned
	}
	switch v.Class {
	case policy.Dangerous:
		a.add(core.Finding{Rule: rules.PickleDangerousImport, Severity: v.Severity,
			Description: fmt.Sprintf("Use of unsafe operator '%s' from module '%s'", g.Name, g.Module),
			Module:      g.Module, Operator: g.Name, Offset: g.Off,
			Evidence: importEvidence(g, v)})
	case policy.Unknown:
		a.add(core.Finding{Rule: rules.PickleUnknownImport, Severity: v.Severity,
			Description: fmt.Sprintf("Use of unknown operator '%s' from module '%s' (%s)", g.Name, g.Module, v.Reason),
			Module:      g.Module, Operator: g.Name, Offset: g.Off,
			Evidence: fmt.Sprintf("%s %s.%s", pickle.OpName(g.Op), g.Module, g.Name)})
	}
}

func importEvidence(g *pickle.Global, v policy.Verdict) string {
	s := fmt.Sprintf("%s %s.%s", pickle.OpName(g.Op), g.Module, g.Name)
	if v.Canonical != g.Module+"."+g.Name {
		s += " (resolves to " + v.Canonical + ")"
	}
	if g.Ext != 0 {
		s += fmt.Sprintf(" via extension code %d", g.Ext)
	}
	return s + ": " + v.Reason
}

func (a *auditor) onUnresolved(ev *pickle.Event) {
	if ev.Op == 0x82 || ev.Op == 0x83 || ev.Op == 0x84 {
		a.add(core.Finding{Rule: rules.PickleExtension, Severity: core.High,
			Description: "Import through the copyreg extension registry",
			Module:      "copyreg", Operator: pickle.OpName(ev.Op) + " " + pickle.Render(ev.Value, 20),
			Evidence: ev.Detail, Offset: ev.Off})
		return
	}
	a.add(core.Finding{Rule: rules.PickleUnresolvedImport, Severity: core.Critical,
		Description: "Import of a name computed at load time (cannot be resolved statically)",
		Module:      "unknown", Operator: "unknown", Evidence: ev.Detail, Offset: ev.Off})
}

func (a *auditor) onMutation(ev *pickle.Event) {
	g, _ := ev.Target.(*pickle.Global)
	if g == nil {
		return
	}
	a.add(core.Finding{Rule: rules.PickleGlobalMutation, Severity: core.Critical,
		Description: fmt.Sprintf("%s modifies imported object '%s' from module '%s'", ev.Detail, g.Name, g.Module),
		Module:      g.Module, Operator: g.Name, Offset: ev.Off,
		Evidence: fmt.Sprintf("%s on %s.%s with %s", ev.Detail, g.Module, g.Name, pickle.Render(ev.Value, evidenceMax))})
}

// implicitDunders are invoked by Python on its own when set on an object.
var implicitDunders = map[string]bool{
	"__setstate__": true, "__reduce__": true, "__reduce_ex__": true, "__getattr__": true,
	"__getattribute__": true, "__setattr__": true, "__class__": true, "__dict__": true,
	"__init__": true, "__new__": true, "__call__": true, "__del__": true, "__getitem__": true,
	"__setitem__": true, "__iter__": true, "__next__": true, "__repr__": true, "__str__": true,
	"__eq__": true, "__hash__": true, "__len__": true, "__bool__": true, "__enter__": true,
	"__exit__": true, "__get__": true, "__set__": true, "__init_subclass__": true,
	"__class_getitem__": true, "__format__": true, "__index__": true, "__fspath__": true,
}

func (a *auditor) onDunderState(ev *pickle.Event) {
	mod, op := "unknown", ev.Detail
	if c, ok := ev.Target.(*pickle.Call); ok {
		if g, ok := c.Func.(*pickle.Global); ok {
			mod, op = g.Module, g.Name+"."+ev.Detail
		}
	}
	sev := core.Low
	if implicitDunders[ev.Detail] || pickle.Interesting(ev.Value) {
		sev = core.Critical
	}
	a.add(core.Finding{Rule: rules.PickleDunderState, Severity: sev,
		Description: fmt.Sprintf("BUILD state sets attribute %s", ev.Detail),
		Module:      mod, Operator: op, Offset: ev.Off,
		Evidence: fmt.Sprintf("%s = %s", ev.Detail, pickle.Render(ev.Value, evidenceMax))})
}
