package torchfmt_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/torchfmt"
	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

const (
	scannerTorch = "modelscan.scanners.PyTorchUnsafeOpScan"
	legacyFile   = "torch/legacy_state_dict.pt"
)

func scan(t *testing.T, name string, data []byte) *core.Session {
	return scantest.Scan(name, data, core.DefaultLimits())
}

func dump(s *core.Session) string { return scantest.Dump(s) }

func maxSev(s *core.Session) core.Severity { return scantest.MaxSeverity(s) }

func has(s *core.Session, rule string, sev core.Severity, module, operator string) bool {
	for _, f := range s.Findings {
		if f.Rule == rule && f.Severity == sev && (module == "" || f.Module == module) && (operator == "" || f.Operator == operator) {
			return true
		}
	}
	return false
}

// legacyParts splits a legacy torch.save file into its five pickles and the
// raw storage bytes that follow them.
func legacyParts(t *testing.T) (pickles [5][]byte, raw []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(scantest.RealDir(), legacyFile))
	if err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(data)
	var off int64
	for i := range pickles {
		next, _, err := pickle.RunOne(r, off, int64(len(data)), pickle.DefaultConfig(), nil)
		if err != nil {
			t.Fatalf("pickle %d at %d: %v", i, off, err)
		}
		pickles[i] = data[off:next]
		off = next
	}
	if off >= int64(len(data)) {
		t.Fatal("no raw storage bytes after the fifth pickle")
	}
	return pickles, data[off:]
}

func join(pickles [5][]byte, raw []byte) []byte {
	var b []byte
	for _, p := range pickles {
		b = append(b, p...)
	}
	return append(b, raw...)
}

func TestRealLegacyFixturesClean(t *testing.T) {
	scantest.ForEachReal(t, func(t *testing.T, name string, data []byte) {
		s := scan(t, name, data)
		if m := maxSev(s); m > core.Low || len(s.Problems) > 0 {
			t.Errorf("max %s, %d problems:\n%s", m, len(s.Problems), dump(s))
		}
		if len(s.Scanned) == 0 || s.Scanned[0] != name {
			t.Errorf("scanned %q", s.Scanned)
		}
	}, "pytorch-legacy")
}

func TestLegacyPartsSane(t *testing.T) {
	pickles, _ := legacyParts(t)
	r := bytes.NewReader(pickles[0])
	_, v, err := pickle.RunOne(r, 0, int64(len(pickles[0])), pickle.DefaultConfig(), nil)
	if bi, ok := v.(*pickle.BigInt); err != nil || !ok || bi.V.Cmp(torchfmt.LegacyMagic) != 0 {
		t.Fatalf("first pickle is %#v (%v), want the magic number", v, err)
	}
	r = bytes.NewReader(pickles[1])
	_, v, err = pickle.RunOne(r, 0, int64(len(pickles[1])), pickle.DefaultConfig(), nil)
	if n, ok := pickle.IntValue(v); err != nil || !ok || n != 1001 {
		t.Fatalf("second pickle is %#v (%v), want 1001", v, err)
	}
}

func TestLegacyCrafted(t *testing.T) {
	evalMagic := pklasm.New().Proto(2).Global("builtins", "eval").Str("0x1950a86a20f9469cfc6c").Tuple1().Reduce().Stop().Bytes()
	system := pklasm.System("echo pwned")
	// looks like opcodes, is never unpickled: GLOBAL/REDUCE/STOP bytes,
	// PROTO headers and a text pickle of posix.system.
	opcodey := func(n int) []byte {
		pat := []byte("\x80\x02cposix\nsystem\nq\x00X\x0a\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.(]N0")
		out := make([]byte, 0, n)
		for len(out) < n {
			out = append(out, pat...)
		}
		return out[:n]
	}
	cases := []struct {
		name  string
		slot  int    // pickle to replace, -1 for the raw storage bytes
		with  []byte // replacement (nil: opcode-looking raw bytes)
		check func(t *testing.T, s *core.Session)
	}{
		{name: "computed magic number", slot: 0, with: evalMagic, check: func(t *testing.T, s *core.Session) {
			if !has(s, rules.PickleDangerousImport, core.Critical, "builtins", "eval") {
				t.Errorf("no CRITICAL builtins.eval:\n%s", dump(s))
			}
			if !has(s, rules.TorchLegacyMagic, core.High, "", "") {
				t.Errorf("no torch-legacy-magic HIGH:\n%s", dump(s))
			}
		}},
		{name: "payload in protocol version slot", slot: 1, with: system},
		{name: "payload in sys_info slot", slot: 2, with: system},
		{name: "payload in object slot", slot: 3, with: system},
		{name: "payload in storage keys slot", slot: 4, with: system},
		{name: "opcode-looking storage bytes", slot: -1, check: func(t *testing.T, s *core.Session) {
			if len(s.Findings) != 0 || len(s.Problems) != 0 {
				t.Errorf("raw storage bytes produced noise:\n%s", dump(s))
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pickles, raw := legacyParts(t)
			if c.slot >= 0 {
				pickles[c.slot] = c.with
			} else {
				raw = opcodey(len(raw))
			}
			s := scan(t, "x.pt", join(pickles, raw))
			if len(s.Scanned) == 0 || s.Scanned[0] != "x.pt" {
				t.Errorf("not scanned as a file: %q\n%s", s.Scanned, dump(s))
			}
			if c.check != nil {
				c.check(t, s)
				return
			}
			found := false
			for _, f := range s.Findings {
				if f.Rule == rules.PickleDangerousImport && f.Severity == core.Critical && f.Module == "posix" && f.Operator == "system" {
					found = true
					if f.Source != "x.pt" || f.Scanner != scannerTorch {
						t.Errorf("source %q scanner %q", f.Source, f.Scanner)
					}
				}
			}
			if !found {
				t.Errorf("no CRITICAL posix.system:\n%s", dump(s))
			}
		})
	}
}

// Routing: the legacy handler recognises the file (the pickle handler would
// read all pickles including the raw storage bytes).
func TestLegacyMatch(t *testing.T) {
	pickles, raw := legacyParts(t)
	data := join(pickles, raw)
	h := &torchfmt.LegacyHandler{Pol: scantest.Policy()}
	b := &core.Blob{Source: "x.pt", Name: "x.pt", R: bytes.NewReader(data), Size: int64(len(data))}
	head := data[:min(len(data), core.HeadSize)]
	if h.Name() != "pytorch-legacy" || !h.Match(head, b) {
		t.Error("real legacy file not matched")
	}
	plain := pklasm.System("x")
	pb := &core.Blob{Source: "p.pkl", Name: "p.pkl", R: bytes.NewReader(plain), Size: int64(len(plain))}
	if h.Match(plain, pb) {
		t.Error("plain pickle matched as legacy torch")
	}
}

// A file with fewer than five pickles is reported as incomplete.
func TestLegacyTruncated(t *testing.T) {
	pickles, _ := legacyParts(t)
	var data []byte
	for _, p := range pickles[:3] {
		data = append(data, p...)
	}
	s := scan(t, "x.pt", data)
	found := false
	for _, p := range s.Problems {
		if p.Category == core.CatPickle && strings.Contains(p.Description, "3 of 5") {
			found = true
		}
	}
	if !found {
		t.Errorf("no incomplete-legacy error:\n%s", dump(s))
	}
}
