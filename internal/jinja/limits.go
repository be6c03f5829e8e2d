package jinja

import "fmt"

// Limits bound the work spent on one template. A zero field takes the
// default.
type Limits struct {
	MaxBytes int // template size in bytes
	MaxDepth int // nesting of statements and expressions
	MaxNodes int // syntax tree nodes
	// MaxSteps bounds the analyser's abstract evaluation (loop unrolling,
	// macro inlining); past it the analysis continues with a coarser,
	// linear approximation.
	MaxSteps int
}

// DefaultLimits are generous for real chat templates (a few KiB to a few
// hundred KiB, nesting well under 100).
func DefaultLimits() Limits {
	return Limits{MaxBytes: 4 << 20, MaxDepth: 500, MaxNodes: 1_000_000, MaxSteps: 500_000}
}

func (l Limits) norm() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = d.MaxNodes
	}
	if l.MaxSteps <= 0 {
		l.MaxSteps = d.MaxSteps
	}
	return l
}

// Error is a syntax error or an exhausted limit, at a line and column of
// the template.
type Error struct {
	Line, Col int
	Offset    int // byte offset in the template
	Msg       string
	// Limit names the limit that stopped parsing ("max_bytes", "max_depth",
	// "max_nodes"); empty for syntax errors.
	Limit string
}

// Error implements error: "line L:C: message".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d:%d: %s", e.Line, e.Col, e.Msg)
}

func errAt(p Pos, format string, args ...any) *Error {
	return &Error{Line: p.Line, Col: p.Col, Offset: p.Off, Msg: fmt.Sprintf(format, args...)}
}
