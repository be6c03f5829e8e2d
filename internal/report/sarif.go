package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/scan"
)

// SARIF constants.
const (
	sarifSchema    = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion   = "2.1.0"
	toolName       = "modelscan"
	informationURI = "https://github.com/modelscan-go/modelscan"
	// FingerprintKey names the partialFingerprints entry of each result: a
	// hash of rule, file, member, module, operator and evidence that stays
	// the same across runs and machines while the finding does.
	FingerprintKey = "modelscanFinding/v1"
	// maxPropertyEvidence bounds the evidence kept in result properties.
	maxPropertyEvidence = 4096
)

// SARIF writes the report as a SARIF 2.1.0 log with one run, indented by
// two spaces and followed by a newline. Every catalogued rule is described
// in tool.driver.rules; each finding is a result located at its file
// (relative to %SRCROOT%, see Meta.SARIFRoot), with the archive member as a
// logical location; scan errors (and, with Meta.ShowSkipped, skipped
// files) are tool execution notifications. Output depends only on res and
// m. Like JSON, the document is ASCII: other characters are \u escapes.
func SARIF(w io.Writer, res *scan.Result, m Meta) error {
	return writeSARIF(w, res, m, rules.All)
}

// writeSARIF is SARIF with the rule catalogue given (tests pin one).
func writeSARIF(w io.Writer, res *scan.Result, m Meta, catalogue []rules.Rule) error {
	ruleList, ruleIndex := sarifRules(catalogue, res.Findings)
	sp := newSplitter(res, m.Files)
	loc := newLocator(m)

	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:            toolName,
			Version:         m.Version,
			SemanticVersion: semver(m.Version),
			InformationURI:  informationURI,
			Rules:           ruleList,
		}},
		Results: make([]sarifResult, 0, len(res.Findings)),
	}
	if u := loc.baseURI(); u != "" {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{srcRoot: {URI: u}}
	}
	for _, f := range res.Findings {
		run.Results = append(run.Results, sarifFinding(f, ruleIndex, sp, loc))
	}
	run.Invocations = []sarifInvocation{sarifInvocationOf(res, m, sp, loc)}

	doc := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := w.Write(asciiJSON(buf.Bytes()))
	return err
}

func sarifFinding(f scan.Finding, ruleIndex map[string]int, sp splitter, loc locator) sarifResult {
	id := ruleID(f)
	outer, member := sp.split(f.Source)
	art := loc.artifact(outer)
	phys := &sarifPhysical{ArtifactLocation: art}
	props := resultProps{
		Severity: f.Severity.String(),
		Source:   f.Source,
		Member:   member,
		Module:   f.Module,
		Operator: f.Operator,
		Scanner:  f.Scanner,
	}
	if f.Evidence != "" {
		props.Evidence = cutUTF8(f.Evidence, maxPropertyEvidence)
		if len(props.Evidence) < len(f.Evidence) {
			props.EvidenceTruncated = len(f.Evidence)
		}
	}
	if f.Offset >= 0 {
		if member == "" {
			// the offset is in the file the URI names
			phys.Region = &sarifRegion{ByteOffset: f.Offset}
		} else {
			off := f.Offset
			props.Offset = &off
		}
	}
	var locs []sarifLocation
	if f.Source != "" {
		// a finding without a source (library callers) has no location:
		// an empty URI is not a valid artifact location
		locs = []sarifLocation{{PhysicalLocation: phys, LogicalLocations: memberLocation(f.Source, member)}}
	}
	return sarifResult{
		RuleID:              id,
		RuleIndex:           ruleIndex[id],
		Level:               sarifLevel(f.Severity),
		Message:             sarifMessage{Text: findingMessage(f, member)},
		Locations:           locs,
		PartialFingerprints: map[string]string{FingerprintKey: fingerprint(id, art.URI, member, f)},
		Properties:          props,
	}
}

// findingMessage is the description as a sentence, the evidence (cleaned
// and cut as on the console) and, for archive members, the full source.
func findingMessage(f scan.Finding, member string) string {
	desc := f.Description
	if strings.TrimSpace(desc) == "" {
		desc = "Finding of rule " + ruleID(f)
	}
	var b strings.Builder
	b.WriteString(sentence(clean(desc)))
	if strings.TrimSpace(f.Evidence) != "" {
		b.WriteString(" Evidence: ")
		b.WriteString(sentence(evidence(f.Evidence)))
	}
	if member != "" {
		b.WriteString(" Source: ")
		b.WriteString(sentence(clean(f.Source)))
	}
	return b.String()
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// memberLocation names the member as a logical location, or nothing for
// the file itself. Names are cleaned as on the console, since viewers show
// them; properties keep the raw text.
func memberLocation(source, member string) []sarifLogicalLocation {
	if member == "" {
		return nil
	}
	return []sarifLogicalLocation{{Name: clean(member), FullyQualifiedName: clean(source), Kind: "resource"}}
}

// location is where a notification points: the file and its member.
func location(source string, sp splitter, loc locator) []sarifLocation {
	if source == "" {
		return nil
	}
	outer, member := sp.split(source)
	return []sarifLocation{{
		PhysicalLocation: &sarifPhysical{ArtifactLocation: loc.artifact(outer)},
		LogicalLocations: memberLocation(source, member),
	}}
}

// fingerprint hashes what identifies a finding independently of the run:
// rule, file URI (relative to %SRCROOT% when under it), member, module,
// operator and evidence. Severity, description and offset are left out,
// so a finding keeps its alert when those change.
func fingerprint(rule, uri, member string, f scan.Finding) string {
	h := sha256.New()
	for _, part := range []string{rule, uri, member, f.Module, f.Operator, f.Evidence} {
		io.WriteString(h, part)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func sarifInvocationOf(res *scan.Result, m Meta, sp splitter, loc locator) sarifInvocation {
	inv := sarifInvocation{
		ExecutionSuccessful: len(res.Errors) == 0 && !res.Interrupted,
		Properties: &invocationProps{
			Incomplete: res.Interrupted,
			Errors:     len(res.Errors),
			Skipped:    len(res.Skipped),
			Scanned:    len(res.Scanned),
		},
	}
	if res.Interrupted {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level:   "error",
			Message: sarifMessage{Text: "The scan was interrupted: results are incomplete."},
		})
	}
	for _, e := range res.Errors {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level:      "error",
			Message:    sarifMessage{Text: notificationText(e.Category, e.Description, "could not be analysed")},
			Locations:  location(e.Source, sp, loc),
			Properties: &notifProps{Category: e.Category, Source: e.Source},
		})
	}
	if m.ShowSkipped {
		for _, s := range res.Skipped {
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
				Level:      "note",
				Message:    sarifMessage{Text: notificationText(s.Category, s.Description, "skipped")},
				Locations:  location(s.Source, sp, loc),
				Properties: &notifProps{Category: s.Category, Source: s.Source},
			})
		}
	}
	return inv
}

// notificationText is "[CATEGORY] description.", with fallback for an
// empty description.
func notificationText(category, desc, fallback string) string {
	if strings.TrimSpace(desc) == "" {
		desc = fallback
	}
	text := sentence(clean(desc))
	if category != "" {
		text = "[" + clean(category) + "] " + text
	}
	return text
}

// cutUTF8 returns at most n bytes of s, cut on a character boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// semver returns v (without a leading "v") when it is a Semantic Versioning
// 2.0 version, else "".
func semver(v string) string {
	v = strings.TrimPrefix(v, "v")
	core, rest, _ := strings.Cut(v, "+")
	if rest != "" && !dotIdents(rest, false) {
		return ""
	}
	core, pre, hasPre := strings.Cut(core, "-")
	if hasPre && !dotIdents(pre, true) {
		return ""
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return ""
	}
	for _, p := range parts {
		if !numeric(p) {
			return ""
		}
	}
	return v
}

// dotIdents checks dot-separated identifiers of [0-9A-Za-z-]; numeric
// pre-release identifiers may not have leading zeros.
func dotIdents(s string, pre bool) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		allDigits := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case '0' <= c && c <= '9':
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '-':
				allDigits = false
			default:
				return false
			}
		}
		if pre && allDigits && !numeric(id) {
			return false
		}
	}
	return true
}

// numeric: digits without a leading zero (or "0").
func numeric(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
