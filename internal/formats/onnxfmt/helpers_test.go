package onnxfmt

import (
	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/scantest/sessiontest"
)

// scanData runs the handler over data named name through a session, the
// way the registry does, and returns the session.
func scanData(name string, data []byte) *core.Session {
	return sessiontest.Scan(sessiontest.Route(nil, &Handler{}), sessiontest.Blob(name, data), core.DefaultLimits())
}

func dump(s *core.Session) string { return sessiontest.Dump(s) }

func maxSeverity(s *core.Session) core.Severity { return sessiontest.MaxSeverity(s) }
