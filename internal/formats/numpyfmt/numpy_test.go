package numpyfmt_test

import (
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/numpyfmt"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

const (
	scannerNumpy = "modelscan.scanners.NumpyUnsafeOpScan"
)

func scan(t *testing.T, name string, data []byte) *core.Session {
	return scantest.Scan(name, data, core.DefaultLimits())
}

func dump(s *core.Session) string { return scantest.Dump(s) }

func maxSev(s *core.Session) core.Severity { return scantest.MaxSeverity(s) }

func npyFile(dict string, data []byte) []byte { return scantest.NPY(dict, data) }

func TestRealNumpyFixturesClean(t *testing.T) {
	scantest.ForEachReal(t, func(t *testing.T, name string, data []byte) {
		s := scan(t, name, data)
		if m := maxSev(s); m > core.Low || len(s.Problems) > 0 {
			t.Errorf("max %s, %d problems:\n%s", m, len(s.Problems), dump(s))
		}
		if len(s.Scanned) == 0 || s.Scanned[0] != name {
			t.Errorf("scanned %q", s.Scanned)
		}
	}, "numpy")
}

func TestNpyCrafted(t *testing.T) {
	payload := pklasm.System("echo pwned")
	floats := make([]byte, 16)
	cases := []struct {
		name     string
		data     []byte
		rule     string // expected rule, "" for no finding
		sev      core.Severity
		module   string
		problem  string // expected problem category, "" for none
		scanner  string
		findings int // exact number of findings when >= 0
	}{
		{name: "object dtype payload", data: npyFile("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", payload),
			rule: rules.PickleDangerousImport, sev: core.Critical, module: "posix", scanner: scannerNumpy, findings: -1},
		{name: "object dtype payload 2d fortran", data: npyFile("{'descr': '|O', 'fortran_order': True, 'shape': (2, 3), }", payload),
			rule: rules.PickleDangerousImport, sev: core.Critical, module: "posix", scanner: scannerNumpy, findings: -1},
		{name: "structured dtype with object field", data: npyFile("{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }", payload),
			rule: rules.PickleDangerousImport, sev: core.Critical, module: "posix", scanner: scannerNumpy, findings: -1},
		{name: "nested structured object field", data: npyFile("{'descr': [('a', [('x', '<f4'), ('y', 'O')])], 'fortran_order': False, 'shape': (1,), }", payload),
			rule: rules.PickleDangerousImport, sev: core.Critical, module: "posix", scanner: scannerNumpy, findings: -1},
		{name: "malformed header", data: npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2,, }", floats),
			rule: rules.NumpyMalformed, sev: core.Medium, problem: core.CatMagic, scanner: scannerNumpy, findings: 1},
		{name: "header not a dict", data: npyFile("__import__('os').system('echo pwned')", floats),
			rule: rules.NumpyMalformed, sev: core.Medium, problem: core.CatMagic, scanner: scannerNumpy, findings: 1},
		{name: "trailing bytes after floats", data: append(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", floats), "junk"...),
			rule: rules.NumpyMalformed, sev: core.Low, scanner: scannerNumpy, findings: 1},
		{name: "truncated data", data: npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", floats),
			problem: core.CatMagic, findings: 0},
		{name: "clean floats", data: npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", floats), findings: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scan(t, "x.npy", c.data)
			if c.findings >= 0 && len(s.Findings) != c.findings {
				t.Errorf("%d findings, want %d:\n%s", len(s.Findings), c.findings, dump(s))
			}
			if c.rule != "" {
				ok := false
				for _, f := range s.Findings {
					if f.Rule == c.rule && f.Severity == c.sev && f.Source == "x.npy" && (c.module == "" || f.Module == c.module) {
						ok = true
						if f.Scanner != c.scanner {
							t.Errorf("scanner %q, want %q", f.Scanner, c.scanner)
						}
					}
				}
				if !ok {
					t.Errorf("no %s %s at x.npy:\n%s", c.sev, c.rule, dump(s))
				}
			}
			got := ""
			for _, p := range s.Problems {
				got = p.Category
			}
			if len(s.Problems) > 1 || got != c.problem {
				t.Errorf("problems %q, want category %q:\n%s", got, c.problem, dump(s))
			}
		})
	}
}

// A pickle appended after a plain array is never unpickled by numpy.load;
// if reported at all, it must be dormant (below CRITICAL).
func TestNpyTrailingPickleDormant(t *testing.T) {
	data := append(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", make([]byte, 16)), pklasm.System("echo pwned")...)
	s := scan(t, "x.npy", data)
	if maxSev(s) >= core.Critical {
		t.Errorf("trailing pickle reported at full severity:\n%s", dump(s))
	}
	if maxSev(s) < core.Low {
		t.Errorf("trailing bytes not noted:\n%s", dump(s))
	}
}

func TestHandlerMatch(t *testing.T) {
	h := &numpyfmt.Handler{Pol: scantest.Policy()}
	if h.Name() != "numpy" {
		t.Errorf("name %q", h.Name())
	}
	b := &core.Blob{Name: "x.npy"}
	if !h.Match([]byte("\x93NUMPY\x01\x00"), b) || h.Match([]byte("\x80\x02"), b) || h.Match(nil, b) {
		t.Error("Match")
	}
}
