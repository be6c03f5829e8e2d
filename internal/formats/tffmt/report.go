package tffmt

import (
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Finding fields shared by every op finding, as the Python ModelScan
// reports them.
const (
	scannerOps = "modelscan.scanners.SavedModelTensorflowOpScan"
	moduleTF   = "Tensorflow"
)

// Evidence bounds.
const (
	maxSites        = 5    // node sites listed per finding
	maxCustomOps    = 4096 // distinct custom op names reported one by one
	maxEvidenceText = 2048
)

// occKey is one finding: an op at a severity under a rule.
type occKey struct {
	op   string
	rule string
	sev  core.Severity
}

// occurrence collects the nodes of one finding.
type occurrence struct {
	count int
	sites []string
	why   string // the attribute value that decided the severity
	off   int64
	note  string
}

// occurrences keeps findings in the order they were first seen.
type occurrences struct {
	m        map[occKey]*occurrence
	order    []occKey
	customs  int // distinct custom op names
	overflow *occurrence
}

func newOccurrences() *occurrences { return &occurrences{m: map[occKey]*occurrence{}} }

func (o *occurrences) add(k occKey, site, why string, off int64, note string) {
	oc := o.m[k]
	if oc == nil {
		oc = &occurrence{off: off, note: note}
		o.m[k] = oc
		o.order = append(o.order, k)
	}
	oc.count++
	if len(oc.sites) < maxSites {
		oc.sites = append(oc.sites, site)
	}
	if oc.why == "" && why != "" {
		oc.why = why
	}
}

// addCustom records an op that is not stock: one finding per name up to
// maxCustomOps names, then one finding for all the others. Risk-table ops
// are always recorded by name (there are few of them).
func (o *occurrences) addCustom(name, site string, off int64) {
	k := occKey{op: name, rule: rules.TFCustomOp, sev: core.Medium}
	if o.m[k] != nil || o.customs < maxCustomOps {
		if o.m[k] == nil {
			o.customs++
		}
		o.add(k, site, "", off, "")
		return
	}
	if o.overflow == nil {
		o.overflow = &occurrence{off: off}
	}
	o.overflow.count++
	if len(o.overflow.sites) < maxSites {
		o.overflow.sites = append(o.overflow.sites, name+" at "+site)
	}
}

// flush reports every occurrence as a finding.
func (o *occurrences) flush(s *core.Session, b *core.Blob) {
	for _, k := range o.order {
		oc := o.m[k]
		s.Add(b, core.Finding{Rule: k.rule, Severity: k.sev, Description: describe(k, oc.note),
			Module: moduleTF, Operator: k.op, Scanner: scannerOps, Evidence: evidence(k.op, oc), Offset: oc.off})
	}
	if oc := o.overflow; oc != nil {
		s.Add(b, core.Finding{Rule: rules.TFCustomOp, Severity: core.Medium,
			Description: fmt.Sprintf("%d more nodes use TensorFlow ops that are not stock ops (more than %d distinct names)", oc.count, maxCustomOps),
			Module:      moduleTF, Operator: "(more custom ops)", Scanner: scannerOps, Evidence: evidence("", oc), Offset: oc.off})
	}
}

func describe(k occKey, note string) string {
	switch k.rule {
	case rules.TFPythonOp:
		return fmt.Sprintf("TensorFlow op %s calls a Python function registered in the process that runs the graph", k.op)
	case rules.TFCustomOp:
		return fmt.Sprintf("TensorFlow op %s is neither a stock op nor a function of the graph: it needs a custom native kernel library", k.op)
	case rules.TFInternalOp:
		return fmt.Sprintf("TensorFlow runtime-internal op %s in a saved graph", k.op)
	}
	if note == "" {
		return "TensorFlow op " + k.op
	}
	return fmt.Sprintf("TensorFlow op %s %s", k.op, note)
}

// evidence lists the first nodes, e.g.
// `ReadFile in 2 nodes: node "f_read" in function __inference_read_13; ...`.
func evidence(op string, oc *occurrence) string {
	var b strings.Builder
	if op != "" {
		b.WriteString(op + " in ")
	}
	if oc.count == 1 {
		b.WriteString("1 node: ")
	} else {
		fmt.Fprintf(&b, "%d nodes: ", oc.count)
	}
	b.WriteString(strings.Join(oc.sites, "; "))
	if more := oc.count - len(oc.sites); more > 0 {
		fmt.Fprintf(&b, "; and %d more", more)
	}
	if oc.why != "" {
		fmt.Fprintf(&b, " (attribute value %q)", oc.why)
	}
	return clip(b.String(), maxEvidenceText)
}
