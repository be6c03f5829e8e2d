package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/scan"
)

// unclassified is the rule id of a finding that carries none.
const unclassified = "unclassified"

// sarifLevel maps a severity to a SARIF level: what runs code or touches
// the system is an error, code not known to be safe (or an unfinished scan)
// a warning, a note a note.
func sarifLevel(s scan.Severity) string {
	switch {
	case s >= scan.High:
		return "error"
	case s == scan.Medium:
		return "warning"
	default:
		return "note"
	}
}

// securitySeverity is the score GitHub code scanning ranks alerts by
// (over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, below low).
func securitySeverity(s scan.Severity) string {
	switch {
	case s >= scan.Critical:
		return "9.5"
	case s == scan.High:
		return "8.0"
	case s == scan.Medium:
		return "5.5"
	default:
		return "2.0"
	}
}

// camelCase turns a rule id into a SARIF rule name:
// "pickle-dangerous-import" is "PickleDangerousImport". An id without
// letters or digits gets a placeholder, since SARIF viewers show the name.
func camelCase(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '-' || r == '_' || r == '.' || r == ' ' }) {
		b.WriteString(strings.ToUpper(part[:1]))
		b.WriteString(part[1:])
	}
	if b.Len() == 0 {
		return "UnnamedRule"
	}
	return b.String()
}

// sarifRules lists every rule of the catalogue, in catalogue order, then
// the rule ids findings carry that the catalogue lacks, sorted. All rules
// are listed, not only those with results: rule indexes then stay the same
// from one scan to the next, and GitHub shows the full rule set. It returns
// the descriptors and each id's index.
func sarifRules(catalogue []rules.Rule, fs []scan.Finding) ([]sarifRule, map[string]int) {
	var out []sarifRule
	index := map[string]int{}
	for _, r := range catalogue {
		if _, dup := index[r.ID]; dup {
			continue
		}
		index[r.ID] = len(out)
		out = append(out, ruleDescriptor(r))
	}
	extra := map[string]scan.Severity{}
	for _, f := range fs {
		id := ruleID(f)
		if _, ok := index[id]; ok {
			continue
		}
		if cur, seen := extra[id]; !seen || f.Severity > cur {
			extra[id] = f.Severity
		}
	}
	ids := make([]string, 0, len(extra))
	for id := range extra {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		index[id] = len(out)
		out = append(out, ruleDescriptor(rules.Rule{
			ID:       id,
			Severity: extra[id],
			Short:    fmt.Sprintf("Findings of kind %s", id),
			Help:     "This rule id is not in the catalogue of this modelscan version; see the message of each result.",
		}))
	}
	return out, index
}

func ruleID(f scan.Finding) string {
	if f.Rule == "" {
		return unclassified
	}
	return f.Rule
}

func ruleDescriptor(r rules.Rule) sarifRule {
	sev := r.Severity
	if sev < scan.Low {
		sev = scan.Low
	}
	tags := []string{"security"}
	if area, _, _ := strings.Cut(r.ID, "-"); area != "" && area != "security" {
		tags = append(tags, area)
	}
	return sarifRule{
		ID:               r.ID,
		Name:             camelCase(r.ID),
		ShortDescription: sarifMultiformat{Text: r.Short},
		FullDescription:  &sarifMultiformat{Text: r.Help},
		Help: &sarifMultiformat{
			Text: fmt.Sprintf("%s\n\nDefault severity: %s. Rule id: %s.", r.Help, sev, r.ID),
			Markdown: fmt.Sprintf("**%s**\n\n%s\n\nDefault severity: **%s**. Rule id: `%s` (list all rules with `modelscan rules`).",
				r.Short, r.Help, sev, r.ID),
		},
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(sev)},
		Properties: ruleProps{
			SecuritySeverity: securitySeverity(sev),
			Tags:             tags,
			DefaultSeverity:  sev.String(),
		},
	}
}
