package onnxfmt

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
)

// scanData runs the handler over data named name through a session, the
// way the registry does, and returns the session.
func scanData(name string, data []byte) *core.Session {
	h := &Handler{}
	dispatch := func(s *core.Session, b *core.Blob) error {
		head := make([]byte, core.HeadSize)
		n, _ := b.R.ReadAt(head, 0)
		if !h.Match(head[:n], b) {
			s.Skip(b, core.SkipNotSupp, "not recognised")
			return nil
		}
		return h.Scan(s, b)
	}
	s := core.NewSession(context.Background(), core.DefaultLimits(), dispatch)
	b := &core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
	if err := s.Scan(b); err != nil {
		s.Fail(b, core.CatModelScan, err)
	}
	return s
}

// dump renders a session for failure messages.
func dump(s *core.Session) string {
	var b strings.Builder
	for _, f := range s.Findings {
		fmt.Fprintf(&b, "  F %-8s %-24s mod=%q op=%q off=%d desc=%q ev=%q\n", f.Severity, f.Rule, f.Module, f.Operator, f.Offset, f.Description, f.Evidence)
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

// maxSeverity is the highest finding severity of a session.
func maxSeverity(s *core.Session) core.Severity {
	var m core.Severity
	for _, f := range s.Findings {
		m = max(m, f.Severity)
	}
	return m
}
