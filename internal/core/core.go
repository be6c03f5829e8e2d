// Package core holds the types shared by the scan engine, the format
// handlers and the public scan package: severities, findings, problems
// (scan errors), skips, blobs and the per-file session handlers report into.
//
// It is a leaf package: it imports nothing from this module.
package core

import (
	"fmt"
	"strings"
)

// Severity ranks a finding. The zero value means "no severity".
type Severity int

// Severities, lowest first. Their meaning is documented in README.md:
// CRITICAL runs arbitrary code; HIGH has file or network side effects, or
// hides content from the loader or scanner; MEDIUM runs code not known to be
// safe, or the scan could not finish; LOW is a note.
const (
	SeverityNone Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name, case-insensitively.
func ParseSeverity(name string) (Severity, error) {
	up := strings.ToUpper(strings.TrimSpace(name))
	for i, n := range severityNames {
		if i > 0 && n == up {
			return Severity(i), nil
		}
	}
	return SeverityNone, fmt.Errorf("unknown severity %q (want LOW, MEDIUM, HIGH or CRITICAL)", name)
}

// Lower returns the severity one step down, never below Low.
func (s Severity) Lower() Severity {
	if s > Low {
		return s - 1
	}
	return s
}

// Finding is one issue found in a file. Module, Operator, Source, Scanner,
// Description and Severity keep the meaning of the Python ModelScan report
// keys of the same names; Rule, Evidence and Offset are additions.
type Finding struct {
	Rule        string   // stable rule id, see package rules
	Severity    Severity // how bad
	Description string   // one sentence for people
	Module      string   // module as written in the file (pickle findings)
	Operator    string   // operator/name as written in the file
	Source      string   // "dir/model.pt:archive/data.pkl"
	Scanner     string   // the Python ModelScan scanner name this maps to
	Evidence    string   // what would run, e.g. "posix.system('echo pwned')"
	Offset      int64    // byte offset in the innermost stream, -1 if none
}

// Problem is a scan error: something could not be read or analysed.
type Problem struct {
	Category    string // e.g. "PICKLE_GENOPS", "MODEL_SCAN", "PATH"
	Source      string
	Description string
}

// Skip records a file that was not scanned, and why.
type Skip struct {
	Category    string // e.g. "SCAN_NOT_SUPPORTED"
	Source      string
	Description string
}

// Error categories used in reports. The first ones are the Python ModelScan
// names; the others are additions.
const (
	CatModelScan  = "MODEL_SCAN"    // a scanner failed on a file
	CatPath       = "PATH"          // a path could not be read
	CatPickle     = "PICKLE_GENOPS" // a pickle stream could not be fully parsed
	CatNestedZip  = "NESTED_ZIP"    // an archive member could not be opened
	CatMagic      = "MAGIC_NUMBER"  // a header or magic number is wrong
	CatBudget     = "BUDGET"        // a scan budget was exhausted
	CatCancelled  = "CANCELLED"     // the scan was interrupted
	CatJSON       = "JSON_DATA"     // a JSON document could not be parsed
	SkipNotSupp   = "SCAN_NOT_SUPPORTED"
	SkipBadZip    = "BAD_ZIP"
	SkipDirectory = "DIRECTORY"
)
