package jinja

import (
	"errors"
	"fmt"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Issue is one problem found in a template.
type Issue struct {
	Severity core.Severity
	Rule     string // a rules.Template* id, or rules.ScanIncomplete
	Message  string
	Evidence string // the access chain as written, "=>" how it resolves
	Line     int    // 1-based
	Col      int    // 1-based, in characters
	Offset   int    // byte offset in the template
	Names    []string
}

// Report is what Analyze found.
type Report struct {
	Issues []Issue
	// Template is the syntax tree; nil when the template does not parse
	// (the issues then come from a tag-by-tag recovery parse).
	Template *Template
	// Coarse tells that the step budget ran out and the rest of the
	// template was analysed with a coarser (still sound) approximation.
	Coarse bool
}

// Analyze parses a chat template and reports accesses to Python internals
// and other template-injection constructs. It never renders the template.
//
// A template that does not parse is reported (MEDIUM template-unparsable,
// or scan-incomplete when a limit stopped the parser) and the returned
// error is the *Error; what a tag-by-tag recovery parse finds around the
// error is reported as well.
func Analyze(src string, lim Limits) (Report, error) {
	lim = lim.norm()
	var rep Report
	tpl, err := Parse(src, lim)
	if err != nil {
		var perr *Error
		if !errors.As(err, &perr) {
			perr = &Error{Line: 1, Col: 1, Msg: err.Error()}
		}
		is := Issue{Severity: core.Medium, Rule: rules.TemplateUnparsable, Evidence: perr.Error(),
			Line: perr.Line, Col: perr.Col, Offset: perr.Offset,
			Message: "Chat template is not valid Jinja and could not be fully analysed"}
		if perr.Limit != "" {
			is.Rule = rules.ScanIncomplete
			is.Message = fmt.Sprintf("Chat template analysis incomplete: budget %s exhausted", perr.Limit)
		}
		rep.Issues = append(rep.Issues, is)
		if perr.Limit == "max_bytes" {
			return rep, err
		}
		tpl, _ = parseFlat(src, lim)
	} else {
		rep.Template = tpl
	}
	a := &analyzer{src: src, lim: lim, roots: map[Node]Node{}, called: map[Node]bool{},
		groups: map[groupKey]*group{}, resolved: map[Node][]string{}, macroIdx: map[Node]int{}, nsIDs: map[Node]int{}}
	a.index(tpl.Body)
	a.execBody(newEnv(), tpl.Body)
	rep.Issues = append(rep.Issues, a.issues()...)
	rep.Coarse = a.cheap
	return rep, err
}

// nsID gives the namespace created by a call site a stable id.
func (a *analyzer) nsID(n Node) int {
	if id, found := a.nsIDs[n]; found {
		return id
	}
	a.nsIDs[n] = len(a.nsIDs) + 1
	return len(a.nsIDs)
}
