// Package report renders a scan.Result as Python ModelScan does: a JSON
// document with the same keys (plus a few additions) and a console report
// modelled on Python ModelScan's ConsoleReport; and as a SARIF 2.1.0 log
// for code-scanning tools.
//
// Output depends only on the Result and the Meta given: the timestamp comes
// from Meta, and nothing is read from the clock or the environment.
package report

import (
	"time"

	"github.com/modelscan-go/modelscan/scan"
)

// Meta is what a report says about the scan besides its result.
type Meta struct {
	InputPath    string    // the -p path(s) as given (several joined with ", ")
	AbsolutePath string    // absolute directory sources are relative to
	Version      string    // modelscan version
	Timestamp    time.Time // when the scan started
	ShowSkipped  bool      // list skipped files, not just count them

	// Files are the sources of the top-level files the scan opened (what
	// scan.Observer.Done reports). SARIF uses them to tell the file from
	// the member in "outer:member" sources when a file name holds ':'.
	// Without them the first ':' separates the two, unless the result
	// names a shorter prefix as a source of its own.
	Files []string
	// SARIFRoot is the directory SARIF artifact URIs are relative to
	// (%SRCROOT%). Empty: AbsolutePath. Files outside it get absolute
	// file URIs.
	SARIFRoot string
}

// isoTime formats t like Python's datetime.isoformat() of a naive local
// time, always with microseconds: "2024-11-19T12:00:00.000000". The time is
// written in its own location, without offset, as Python ModelScan does.
func isoTime(t time.Time) string {
	return t.Format("2006-01-02T15:04:05.000000")
}

// severityOrder lists the standard severities lowest first, the order of
// Python ModelScan's IssueSeverity enum.
var severityOrder = []scan.Severity{scan.Low, scan.Medium, scan.High, scan.Critical}

// countBySeverity counts findings per standard severity.
func countBySeverity(fs []scan.Finding) map[scan.Severity]int {
	n := map[scan.Severity]int{}
	for _, f := range fs {
		n[f.Severity]++
	}
	return n
}
