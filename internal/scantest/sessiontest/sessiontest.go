// Package sessiontest runs, queries and renders scan sessions for tests.
// It depends on internal/core and internal/rules only, so the tests inside
// a format package can use it too (package scantest imports the registry,
// which imports every handler).
package sessiontest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Blob is a top-level blob of data whose source and name are name.
func Blob(name string, data []byte) *core.Blob {
	return &core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
}

// Scan scans b in a new session whose blobs go to d, records an error from
// the scan as the engine does, and returns the session.
func Scan(d core.Dispatcher, b *core.Blob, lim core.Limits) *core.Session {
	s := core.NewSession(context.Background(), lim, d)
	if err := s.Scan(b); err != nil {
		s.Fail(b, core.CatModelScan, err)
	}
	return s
}

// Route is a dispatcher for handlers tested before (or without) their
// place in the registry: a blob goes to the first of hs that matches its
// head, else to fallback; with a nil fallback it is skipped as not
// supported (unless it is quiet).
func Route(fallback core.Dispatcher, hs ...core.Handler) core.Dispatcher {
	return func(s *core.Session, b *core.Blob) error {
		head := make([]byte, core.HeadSize)
		n, _ := b.R.ReadAt(head, 0)
		for _, h := range hs {
			if h.Match(head[:n], b) {
				return h.Scan(s, b)
			}
		}
		if fallback != nil {
			return fallback(s, b)
		}
		if !b.Quiet {
			s.Skip(b, core.SkipNotSupp, "not routed in this test")
		}
		return nil
	}
}

// Dump renders a session for failure messages.
func Dump(s *core.Session) string {
	var b strings.Builder
	for _, f := range s.Findings {
		fmt.Fprintf(&b, "  F %-8s %-26s mod=%q op=%q src=%q off=%d scanner=%q desc=%q ev=%q\n",
			f.Severity, f.Rule, f.Module, f.Operator, f.Source, f.Offset, f.Scanner, f.Description, f.Evidence)
	}
	for _, p := range s.Problems {
		fmt.Fprintf(&b, "  P %s %s: %s\n", p.Category, p.Source, p.Description)
	}
	for _, p := range s.Skips {
		fmt.Fprintf(&b, "  S %s %s: %s\n", p.Category, p.Source, p.Description)
	}
	fmt.Fprintf(&b, "  scanned=%q\n", s.Scanned)
	return b.String()
}

// MaxSeverity is the highest finding severity in a session.
func MaxSeverity(s *core.Session) core.Severity {
	var m core.Severity
	for _, f := range s.Findings {
		m = max(m, f.Severity)
	}
	return m
}

// Find returns the findings of s that match every non-zero criterion: rule,
// severity and source.
func Find(s *core.Session, rule string, sev core.Severity, source string) []core.Finding {
	var out []core.Finding
	for _, f := range s.Findings {
		if (rule == "" || f.Rule == rule) && (sev == 0 || f.Severity == sev) && (source == "" || f.Source == source) {
			out = append(out, f)
		}
	}
	return out
}

// HasProblem reports whether s recorded a problem of category cat (any
// problem when cat is "").
func HasProblem(s *core.Session, cat string) bool {
	for _, p := range s.Problems {
		if cat == "" || p.Category == cat {
			return true
		}
	}
	return false
}

// BudgetHit reports whether s recorded a BUDGET problem and a MEDIUM
// scan-incomplete finding whose description or evidence names one of
// budgets.
func BudgetHit(s *core.Session, budgets ...string) bool {
	if !HasProblem(s, core.CatBudget) {
		return false
	}
	for _, f := range Find(s, rules.ScanIncomplete, core.Medium, "") {
		for _, b := range budgets {
			if strings.Contains(f.Description+" "+f.Evidence, b) {
				return true
			}
		}
	}
	return false
}

// WantBudget fails tb unless BudgetHit(s, budgets...).
func WantBudget(tb testing.TB, s *core.Session, budgets ...string) {
	tb.Helper()
	if !BudgetHit(s, budgets...) {
		tb.Errorf("want a MEDIUM scan-incomplete naming %v and a BUDGET error:\n%s", budgets, Dump(s))
	}
}
