package tffmt

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// The op lists; data/SOURCES.md says where they come from.
var (
	//go:embed data/tf-raw-ops.txt
	rawOpsText string
	//go:embed data/tf-op-risk.tsv
	riskText string
)

// condition kinds of the risk table's "when" column.
const (
	condAlways = iota
	condURL    // a value of the attribute holds "://"
	condSet    // a value of the attribute is not empty
	condPrefix // a value of the attribute starts with arg
	condPath   // a value of the attribute names a file (not an in-memory source)
)

// risk is one row of data/tf-op-risk.tsv.
type risk struct {
	Rule      string        // rule id
	Sev       core.Severity // SeverityNone: known and never flagged
	Cond      int
	Attr      string        // attribute the condition reads
	Arg       string        // prefix for condPrefix
	Otherwise core.Severity // severity when the condition does not hold
	Note      string
}

// opTables are the parsed lists.
type opTables struct {
	stock    map[string]bool // registered TensorFlow ops (core, non-core, legacy)
	internal map[string]bool // '_' runtime-internal ops
	risk     map[string]*risk
}

var (
	tablesOnce sync.Once
	tables     *opTables
	tablesErr  error
)

// loadTables parses the embedded lists once.
func loadTables() (*opTables, error) {
	tablesOnce.Do(func() { tables, tablesErr = parseTables(rawOpsText, riskText) })
	return tables, tablesErr
}

var ruleOfKind = map[string]string{
	"python":  rules.TFPythonOp,
	"file":    rules.TFFileOp,
	"network": rules.TFNetworkOp,
	"exec":    rules.TFExecOp,
}

func parseTables(raw, riskTSV string) (*opTables, error) {
	t := &opTables{stock: map[string]bool{}, internal: map[string]bool{}, risk: map[string]*risk{}}
	section := ""
	for _, line := range strings.Split(raw, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "## ["):
			section = strings.TrimPrefix(line, "## [")
			if i := strings.IndexByte(section, ']'); i >= 0 {
				section = section[:i]
			}
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(section, "internal"):
			t.internal[line] = true
		case section != "":
			t.stock[line] = true
		default:
			return nil, fmt.Errorf("op list: %q before any section", line)
		}
	}
	header := true
	for n, line := range strings.Split(riskTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			return nil, fmt.Errorf("risk table line %d: %d columns, want 6", n+1, len(f))
		}
		r := &risk{Rule: ruleOfKind[f[1]], Note: f[5]}
		if r.Rule == "" {
			return nil, fmt.Errorf("risk table line %d: unknown rule kind %q", n+1, f[1])
		}
		var err error
		if r.Sev, err = parseSev(f[2]); err != nil {
			return nil, fmt.Errorf("risk table line %d: %w", n+1, err)
		}
		if r.Otherwise, err = parseSev(f[4]); err != nil {
			return nil, fmt.Errorf("risk table line %d: %w", n+1, err)
		}
		if err := r.parseWhen(f[3]); err != nil {
			return nil, fmt.Errorf("risk table line %d: %w", n+1, err)
		}
		if !t.stock[f[0]] {
			return nil, fmt.Errorf("risk table line %d: %s is not in the op list", n+1, f[0])
		}
		t.risk[f[0]] = r
	}
	return t, nil
}

func parseSev(s string) (core.Severity, error) {
	if s == "-" {
		return core.SeverityNone, nil
	}
	return core.ParseSeverity(s)
}

func (r *risk) parseWhen(s string) error {
	kind, rest, _ := strings.Cut(s, ":")
	switch kind {
	case "always":
		r.Cond = condAlways
		return nil
	case "attr-url":
		r.Cond = condURL
	case "attr-set":
		r.Cond = condSet
	case "attr-path":
		r.Cond = condPath
	case "attr-prefix":
		r.Cond = condPrefix
		rest, r.Arg, _ = strings.Cut(rest, ":")
		if r.Arg == "" {
			return fmt.Errorf("attr-prefix without a prefix")
		}
	default:
		return fmt.Errorf("unknown condition %q", s)
	}
	if rest == "" {
		return fmt.Errorf("condition %q names no attribute", s)
	}
	r.Attr = rest
	return nil
}

// judge returns the severity for a node of this op whose condition
// attribute has the given values, and the value that decided it.
func (r *risk) judge(vals []string) (core.Severity, string) {
	if r.Cond == condAlways {
		return r.Sev, ""
	}
	for _, v := range vals {
		if r.holds(v) {
			return r.Sev, v
		}
	}
	return r.Otherwise, ""
}

func (r *risk) holds(v string) bool {
	switch r.Cond {
	case condURL:
		return strings.Contains(v, "://")
	case condSet:
		return v != ""
	case condPrefix:
		return strings.HasPrefix(v, r.Arg)
	case condPath:
		return !inMemorySource(v)
	}
	return false
}

// inMemorySource reports whether a descriptor_source or memory_region_name
// value names no file: empty (the default), the built-in descriptor pool,
// inline bytes, or a region of a memmapped model package (whose names are
// restricted to [A-Za-z0-9_.]).
func inMemorySource(v string) bool {
	switch {
	case v == "" || v == "local://" || strings.HasPrefix(v, "bytes://"):
		return true
	case strings.HasPrefix(v, "memmapped_package://"):
		name := strings.TrimPrefix(v, "memmapped_package://")
		for i := 0; i < len(name); i++ {
			c := name[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
				return false
			}
		}
		return true
	}
	return false
}
