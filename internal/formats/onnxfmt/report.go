package onnxfmt

import (
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
)

// Scanner is the scanner name ONNX findings carry (Python ModelScan has no
// ONNX scanner).
const Scanner = "modelscan.scanners.ONNXScan"

// Evidence bounds.
const (
	maxSites    = 5    // sites listed per finding
	maxDistinct = 1024 // distinct findings reported one by one
	maxEvidence = 2048 // bytes of evidence text
)

// occKey is one finding: a subject (operator or location) under a rule
// at a severity.
type occKey struct {
	rule    string
	sev     core.Severity
	module  string // domain, or "onnx"
	subject string // operator or location
}

// occurrence collects the places of one finding.
type occurrence struct {
	desc  string
	why   string
	count int
	sites []string
	off   int64
}

// occurrences keeps findings in the order they were first seen; past
// maxDistinct keys the others are counted into one overflow finding.
type occurrences struct {
	m        map[occKey]*occurrence
	order    []occKey
	overflow *occurrence
	overKey  occKey // the most severe key counted into overflow
}

func newOccurrences() *occurrences { return &occurrences{m: map[occKey]*occurrence{}} }

// add records one place of a finding. site is rendered only when it is
// kept.
func (o *occurrences) add(k occKey, desc, why string, off int64, site func() string) {
	oc := o.m[k]
	if oc == nil {
		if len(o.order) >= maxDistinct {
			if o.overflow == nil {
				o.overflow = &occurrence{off: off}
			}
			if k.sev > o.overKey.sev {
				o.overKey = k
			}
			o.overflow.count++
			if len(o.overflow.sites) < maxSites {
				o.overflow.sites = append(o.overflow.sites, k.subject+" at "+site())
			}
			return
		}
		oc = &occurrence{desc: desc, why: why, off: off}
		o.m[k] = oc
		o.order = append(o.order, k)
	}
	oc.count++
	if len(oc.sites) < maxSites {
		oc.sites = append(oc.sites, site())
	}
	if oc.why == "" {
		oc.why = why
	}
}

// flush reports every occurrence as a finding.
func (o *occurrences) flush(s *core.Session, b *core.Blob) {
	for _, k := range o.order {
		oc := o.m[k]
		s.Add(b, core.Finding{Rule: k.rule, Severity: k.sev, Description: oc.desc, Module: k.module,
			Operator: k.subject, Scanner: Scanner, Evidence: evidence(k.subject, oc), Offset: oc.off})
	}
	if oc := o.overflow; oc != nil {
		s.Add(b, core.Finding{Rule: o.overKey.rule, Severity: o.overKey.sev,
			Description: fmt.Sprintf("%d more ONNX findings (past %d distinct operators or locations) were not listed one by one; the most severe is shown", oc.count, maxDistinct),
			Module:      "onnx", Operator: "(more)", Scanner: Scanner, Evidence: evidence("", oc), Offset: oc.off})
	}
	o.m, o.order, o.overflow, o.overKey = map[occKey]*occurrence{}, nil, nil, occKey{}
}

// evidence lists the first places, e.g. `com.example:Op in 2 nodes: node
// "a" in the main graph; ... (module "x")`.
func evidence(subject string, oc *occurrence) string {
	var b strings.Builder
	if subject != "" {
		fmt.Fprintf(&b, "%q in ", subject)
	}
	if oc.count == 1 {
		b.WriteString("1 place: ")
	} else {
		fmt.Fprintf(&b, "%d places: ", oc.count)
	}
	b.WriteString(strings.Join(oc.sites, "; "))
	if more := oc.count - len(oc.sites); more > 0 {
		fmt.Fprintf(&b, "; and %d more", more)
	}
	if oc.why != "" {
		fmt.Fprintf(&b, " (%s)", oc.why)
	}
	return clip(b.String(), maxEvidence)
}

// clip cuts s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xc0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
