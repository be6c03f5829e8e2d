package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/modelscan-go/modelscan/scan"
)

// maxEvidence is how many bytes of evidence the console report shows.
const maxEvidence = 300

// ANSI colours of the severity headers.
const (
	ansiReset   = "\x1b[0m"
	ansiRedBold = "\x1b[1;31m"
	ansiRed     = "\x1b[31m"
	ansiYellow  = "\x1b[33m"
	ansiBlue    = "\x1b[34m"
)

// Console writes the human report, modelled on Python ModelScan's
// ConsoleReport. With color, severity names in headers and issues are
// coloured with ANSI codes; without it the output has no escape codes.
// Text taken from scanned files (sources, descriptions, evidence) has
// control and invisible formatting characters escaped, so a file cannot
// write to the terminal.
func Console(w io.Writer, res *scan.Result, m Meta, color bool) error {
	var b strings.Builder
	c := console{b: &b, color: color}
	b.WriteString("--- Summary ---\n")
	if len(res.Findings) > 0 {
		c.issues(res.Findings)
	} else {
		switch {
		case len(res.Scanned) == 0 && len(res.Errors) > 0:
			fmt.Fprintf(&b, "\n No supported files were scanned; %s — see below\n", plural(len(res.Errors), "error"))
		case len(res.Scanned) == 0:
			b.WriteString("\n No supported files were scanned\n")
		case len(res.Errors) > 0:
			fmt.Fprintf(&b, "\n No issues found in what could be scanned; %s — see below\n", plural(len(res.Errors), "error"))
		default:
			b.WriteString("\n No issues found\n")
		}
	}
	if len(res.Errors) > 0 {
		b.WriteString("\n--- Errors ---\n")
		for i, e := range res.Errors {
			fmt.Fprintf(&b, "\nError %d:\n category: %s, source: %s, description: %s\n",
				i+1, clean(e.Category), clean(e.Source), clean(e.Description))
		}
	}
	if len(res.Skipped) > 0 {
		b.WriteString("\n--- Skipped ---\n")
		if m.ShowSkipped {
			fmt.Fprintf(&b, "\nTotal skipped: %d\n\nSkipped files list:\n\n", len(res.Skipped))
			for _, s := range res.Skipped {
				fmt.Fprintf(&b, "  - %s: %s (%s)\n", clean(s.Source), clean(s.Description), clean(s.Category))
			}
		} else {
			fmt.Fprintf(&b, "\nTotal skipped: %d - run with --show-skipped to see the full list.\n", len(res.Skipped))
		}
	}
	fmt.Fprintf(&b, "\nScanned %s\n", plural(len(res.Scanned), "file"))
	if res.Interrupted {
		b.WriteString("Scan interrupted: results are incomplete\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type console struct {
	b     *strings.Builder
	color bool
}

// issues writes the counts and the findings grouped by severity, highest
// first, keeping the given order within a group.
func (c console) issues(fs []scan.Finding) {
	b := c.b
	counts := countBySeverity(fs)
	fmt.Fprintf(b, "\n Total Issues: %d\n\n Total Issues By Severity:\n\n", len(fs))
	for _, s := range severityOrder {
		fmt.Fprintf(b, "    - %s: %d\n", s, counts[s])
	}
	b.WriteString("\n--- Issues by Severity ---\n")
	var sevs []scan.Severity
	for s := range counts {
		sevs = append(sevs, s)
	}
	sort.Slice(sevs, func(i, j int) bool { return sevs[i] > sevs[j] })
	for _, s := range sevs {
		fmt.Fprintf(b, "\n%s\n", c.paint(s, "--- "+s.String()+" ---"))
		for _, f := range fs {
			if f.Severity == s {
				c.finding(f)
			}
		}
	}
}

func (c console) finding(f scan.Finding) {
	b := c.b
	if f.Operator != "" {
		b.WriteString("\nUnsafe operator found:\n")
	} else {
		b.WriteString("\nIssue found:\n")
	}
	fmt.Fprintf(b, "  - Severity: %s\n", c.paint(f.Severity, f.Severity.String()))
	fmt.Fprintf(b, "  - Description: %s\n", clean(f.Description))
	fmt.Fprintf(b, "  - Source: %s\n", clean(f.Source))
	if f.Rule != "" {
		fmt.Fprintf(b, "  - Rule: %s\n", clean(f.Rule))
	}
	if f.Evidence != "" {
		fmt.Fprintf(b, "  - Evidence: %s\n", evidence(f.Evidence))
	}
	if f.Offset >= 0 {
		fmt.Fprintf(b, "  - Offset: %d\n", f.Offset)
	}
}

// paint colours text by severity when colour is on.
func (c console) paint(s scan.Severity, text string) string {
	if !c.color {
		return text
	}
	var code string
	switch s {
	case scan.Critical:
		code = ansiRedBold
	case scan.High:
		code = ansiRed
	case scan.Medium:
		code = ansiYellow
	case scan.Low:
		code = ansiBlue
	default:
		return text
	}
	return code + text + ansiReset
}

// evidence cleans e and truncates it to about maxEvidence bytes, on a
// character boundary.
func evidence(e string) string {
	if len(e) <= maxEvidence {
		return clean(e)
	}
	cut := maxEvidence
	for cut > 0 && !utf8.RuneStart(e[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d more bytes)", clean(e[:cut]), len(e)-cut)
}

// clean escapes what must not reach a terminal as is: invalid UTF-8,
// control characters (including newlines and ESC) and invisible formatting
// characters such as bidirectional overrides.
func clean(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && (r < 0x20 || r == 0x7f):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
