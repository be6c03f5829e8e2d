package keras

import (
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// walker visits every value of a configuration once.
type walker struct {
	opt      Options
	pol      *policy.Policy
	bl       *builtins
	res      *Result
	path     []seg
	ctx      []ctxEntry // enclosing objects (class_name and name)
	consumed map[*value]bool
	agg      map[string]*pending
	order    []*pending
}

// pending is a finding waiting for its duplicates to be counted.
type pending struct {
	f     core.Finding
	where string
	ctx   string
	more  int
}

func newWalker(opt Options, res *Result) *walker {
	return &walker{opt: opt, pol: opt.Policy, bl: builtinObjects(), res: res,
		consumed: map[*value]bool{}, agg: map[string]*pending{}}
}

func (w *walker) walk(v *value) {
	switch v.kind {
	case jObject:
		pushed := false
		if cls, ok := v.get("class_name").text(); ok {
			w.ctx = append(w.ctx, ctxEntry{name: clip(objectName(v), 80), class: clip(cls, 80)})
			pushed = true
			w.object(v, cls)
		}
		for i, k := range v.keys {
			w.path = append(w.path, seg{key: k, idx: -1})
			w.walk(v.vals[i])
			w.path = w.path[:len(w.path)-1]
		}
		if pushed {
			w.ctx = w.ctx[:len(w.ctx)-1]
		}
	case jArray:
		for i, it := range v.items {
			w.path = append(w.path, seg{idx: i})
			w.walk(it)
			w.path = w.path[:len(w.path)-1]
		}
	case jString:
		if !w.consumed[v] {
			w.str(v)
		}
	}
}

// ctxEntry is an object the walk is inside.
type ctxEntry struct{ name, class string }

func (c ctxEntry) String() string {
	if c.name == "" {
		return "(" + c.class + ")"
	}
	return quote(c.name) + " (" + c.class + ")"
}

// context describes where the walk is: the innermost object, after the
// innermost named one when it has no name itself.
func (w *walker) context() string {
	n := len(w.ctx)
	if n == 0 {
		return ""
	}
	last := w.ctx[n-1]
	if last.name != "" {
		return last.String()
	}
	for i := n - 2; i >= 0; i-- {
		if w.ctx[i].name != "" {
			return w.ctx[i].String() + " > " + last.String()
		}
	}
	return last.String()
}

// objectName is the name of a layer (config.name, or name beside
// class_name as in keras_metadata.pb).
func objectName(v *value) string {
	if n := v.get("config").getText("name"); n != "" {
		return n
	}
	return v.getText("name")
}

// str looks at a string value nothing else explained.
func (w *walker) str(v *value) {
	s := v.str
	if strings.Contains(s, "enable_unsafe_deserialization") {
		w.add(v, core.Finding{Rule: rules.KerasUnsafeDeserialization, Severity: core.Critical,
			Description: "Keras config names keras.config.enable_unsafe_deserialization, which turns off safe mode",
			Module:      "Keras", Operator: "enable_unsafe_deserialization"},
			"string value "+quote(clip(s, 200)))
	}
	if len(s) >= 32 && strings.IndexByte("4YKq", s[0]) >= 0 {
		if raw, ok := base64Text(s); ok && len(raw) > 0 && looksLikeMarshal(raw) {
			fi := &funcInfo{}
			fi.marshal(raw)
			w.lambdaFinding(v, fi, "marshal", "Config carries marshalled Python bytecode outside a Lambda layer")
		}
	}
}

// add records a finding on value v with its detail text; the same
// finding elsewhere only counts another place.
func (w *walker) add(v *value, f core.Finding, detail string) {
	key := fmt.Sprintf("%s|%d|%s|%s|%s", f.Rule, f.Severity, f.Module, f.Operator, detail)
	if p, ok := w.agg[key]; ok {
		p.more++
		return
	}
	if len(w.order) >= maxFindings {
		// past the cap, only one finding per rule and severity is kept
		key = fmt.Sprintf("overflow|%s|%d", f.Rule, f.Severity)
		if p, ok := w.agg[key]; ok {
			p.more++
			return
		}
		detail += " (more distinct findings were left out of the report)"
	}
	f.Scanner = w.opt.Format.Scanner()
	f.Evidence = detail
	f.Offset = int64(v.off)
	p := &pending{f: f, where: location(w.path)}
	p.ctx = w.context()
	w.agg[key] = p
	w.order = append(w.order, p)
}

// flush renders the findings in the order they were found.
func (w *walker) flush(transcoded bool) {
	for _, p := range w.order {
		f := p.f
		where := "at " + p.where
		if p.ctx != "" {
			where = p.ctx + " " + where
		}
		f.Evidence = clip(where+": "+f.Evidence, 2000)
		if p.more > 0 {
			f.Evidence += fmt.Sprintf(" (and %d more places)", p.more)
		}
		if transcoded {
			f.Offset = -1
		}
		w.res.Findings = append(w.res.Findings, f)
	}
}

// lambdaFinding reports decoded function code.
func (w *walker) lambdaFinding(v *value, fi *funcInfo, op, desc string) {
	sev := core.Medium
	if len(fi.danger.list) > 0 {
		sev = core.Critical
	}
	w.add(v, core.Finding{Rule: rules.KerasLambda, Severity: sev, Description: desc, Module: "Keras", Operator: op},
		fi.summary())
}
