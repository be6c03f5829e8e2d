package pickle

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/pklasm"
)

type trace struct {
	events []*Event
}

func (t *trace) Observe(ev *Event) { t.events = append(t.events, ev) }

func (t *trace) kinds(k EventKind) []*Event {
	var out []*Event
	for _, e := range t.events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

func (t *trace) imports() []string {
	var out []string
	for _, e := range t.kinds(EvImport) {
		out = append(out, e.Global.Module+"."+e.Global.Name)
	}
	return out
}

func (t *trace) calls() []string {
	var out []string
	for _, e := range t.kinds(EvCall) {
		out = append(out, Render(e.Call, 200))
	}
	return out
}

func run(t *testing.T, p []byte, cfg Config) (*trace, Result, error) {
	t.Helper()
	tr := &trace{}
	res, err := Run(bytes.NewReader(p), 0, int64(len(p)), cfg, tr)
	return tr, res, err
}

func TestSystemAllProtocols(t *testing.T) {
	for proto := byte(0); proto <= 5; proto++ {
		a := pklasm.New()
		if proto >= 2 {
			a.Proto(proto)
		}
		a.Global("posix", "system").Mark().String("echo pwned").Tuple().Reduce().Stop()
		tr, res, err := run(t, a.Bytes(), Config{})
		if err != nil {
			t.Fatalf("proto %d: %v", proto, err)
		}
		if got := tr.calls(); len(got) != 1 || got[0] != "posix.system('echo pwned')" {
			t.Errorf("proto %d: calls = %q", proto, got)
		}
		if res.Pickles != 1 {
			t.Errorf("proto %d: pickles = %d", proto, res.Pickles)
		}
	}
}

func TestCallOpcodes(t *testing.T) {
	cases := []struct {
		name string
		p    []byte
		want string
	}{
		{"INST", pklasm.New().Mark().String("echo pwned").Inst("os", "system").Stop().Bytes(), "os.system('echo pwned')"},
		{"OBJ", pklasm.New().Proto(1).Mark().Global("posix", "system").Str("id").Obj().Stop().Bytes(), "posix.system('id')"},
		{"NEWOBJ", pklasm.New().Proto(2).Global("subprocess", "Popen").Str("ls").Tuple1().NewObj().Stop().Bytes(), "subprocess.Popen('ls')"},
		{"NEWOBJ_EX", pklasm.New().Proto(4).SG("subprocess", "Popen").Str("ls").Tuple1().EmptyDict().Str("shell").Bool(true).SetItem().NewObjEx().Stop().Bytes(), "subprocess.Popen('ls', shell=True)"},
		{"popped REDUCE", pklasm.New().Proto(2).Global("posix", "system").Str("x").Tuple1().Reduce().Pop().None().Stop().Bytes(), "posix.system('x')"},
		{"memo callable", pklasm.New().Proto(2).Global("posix", "system").BinPut(3).Pop().BinGet(3).Str("y").Tuple1().Reduce().Stop().Bytes(), "posix.system('y')"},
		{"stack global via memo", pklasm.New().Proto(4).Str("os").Memoize().Str("system").Memoize().Pop().Pop().BinGet(0).BinGet(1).StackGlobal().Str("z").Tuple1().Reduce().Stop().Bytes(), "os.system('z')"},
		{"STRING operands", pklasm.New().Proto(4).String("os").String("system").StackGlobal().String("w").Tuple1().Reduce().Stop().Bytes(), "os.system('w')"},
	}
	for _, c := range cases {
		tr, _, err := run(t, c.p, Config{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := tr.calls(); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: calls = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestUnresolvedStackGlobal(t *testing.T) {
	// module name is the result of a call: computed at load time
	p := pklasm.New().Proto(4).
		SG("builtins", "str").Str("os").Tuple1().Reduce().
		Str("system").StackGlobal().Str("id").Tuple1().Reduce().Stop().Bytes()
	tr, _, err := run(t, p, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tr.kinds(EvUnresolvedImport)); n != 1 {
		t.Fatalf("unresolved imports = %d, want 1", n)
	}
	// literal non-string operand: the real loader fails there
	p = pklasm.New().Proto(4).Int(1).Str("system").StackGlobal().Stop().Bytes()
	if _, _, err := run(t, p, Config{}); err == nil || !strings.Contains(err.Error(), "STACK_GLOBAL requires str") {
		t.Fatalf("err = %v", err)
	}
}

func TestMutationAndDunderState(t *testing.T) {
	// BUILD on a module object: sets torch._utils._rebuild_tensor
	p := pklasm.New().Proto(4).SG("torch", "_utils").None().EmptyDict().
		Str("_rebuild_tensor").SG("builtins", "eval").SetItem().Tuple2().Build().Stop().Bytes()
	tr, _, err := run(t, p, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tr.kinds(EvMutation)); n != 1 {
		t.Fatalf("mutations = %d, want 1", n)
	}
	// __setstate__ injection: first BUILD sets it, second BUILD calls it
	p = pklasm.New().Proto(2).Global("types", "SimpleNamespace").EmptyTuple().Reduce().
		EmptyDict().Str("__setstate__").Global("posix", "system").SetItem().Build().
		Str("echo pwned").Build().Stop().Bytes()
	tr, _, err = run(t, p, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tr.kinds(EvDunderState)); n != 1 {
		t.Fatalf("dunder states = %d", n)
	}
	calls := tr.calls()
	if len(calls) != 2 || calls[1] != "posix.system('echo pwned')" {
		t.Fatalf("calls = %q", calls)
	}
}

func TestExtRegistry(t *testing.T) {
	p := pklasm.New().Proto(2).
		Global("copyreg", "add_extension").Str("os").Str("system").Int(240).Tuple3().Reduce().Pop().
		Ext1(240).Str("id").Tuple1().Reduce().Stop().Bytes()
	tr, _, err := run(t, p, Config{})
	if err != nil {
		t.Fatal(err)
	}
	calls := tr.calls()
	if len(calls) != 2 || calls[1] != "os.system('id')" {
		t.Fatalf("calls = %q", calls)
	}
	p = pklasm.New().Proto(2).Ext2(999).EmptyTuple().Reduce().Stop().Bytes()
	tr, _, _ = run(t, p, Config{})
	if len(tr.kinds(EvUnresolvedImport)) != 1 {
		t.Fatal("unregistered EXT not reported")
	}
}

func TestMultiplePicklesAndTrailing(t *testing.T) {
	benign := pklasm.New().Proto(2).None().Stop().Bytes()
	evil := pklasm.System("echo pwned")
	p := append(append([]byte{}, benign...), evil...)
	tr, res, err := run(t, p, Config{})
	if err != nil || res.Pickles != 2 || len(tr.calls()) != 1 {
		t.Fatalf("err=%v pickles=%d calls=%v", err, res.Pickles, tr.calls())
	}
	// garbage after the payload: payload reported, garbage noted, no error
	p = append(append([]byte{}, evil...), 0xff, 0x13, 0x37, 'x')
	tr, res, err = run(t, p, Config{})
	if err != nil || !res.Trailing || len(tr.calls()) != 1 {
		t.Fatalf("err=%v trailing=%v calls=%v", err, res.Trailing, tr.calls())
	}
	// invalid opcode inside the payload pickle: call kept, error reported
	p = pklasm.New().Proto(2).Global("posix", "system").Str("x").Tuple1().Reduce().Raw(0xff).Bytes()
	tr, _, err = run(t, p, Config{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Off != int64(len(p)-1) || len(tr.calls()) != 1 {
		t.Fatalf("err=%v calls=%v", err, tr.calls())
	}
	// truncated: no STOP
	p = pklasm.New().Proto(2).Global("posix", "system").Str("x").Tuple1().Reduce().Bytes()
	tr, _, err = run(t, p, Config{})
	if err == nil || !strings.Contains(err.Error(), "STOP") || len(tr.calls()) != 1 {
		t.Fatalf("err=%v calls=%v", err, tr.calls())
	}
}

func TestTextArguments(t *testing.T) {
	cases := []struct {
		p    []byte
		want string
	}{
		{pklasm.New().TextInt("01").Stop().Bytes(), "True"},
		{pklasm.New().TextInt("00").Stop().Bytes(), "False"},
		{pklasm.New().TextInt("017").Stop().Bytes(), "15"}, // C strtol base 0: octal
		{pklasm.New().TextInt("0x1f").Stop().Bytes(), "31"},
		{pklasm.New().TextInt("-42").Stop().Bytes(), "-42"},
		{pklasm.New().TextInt("99999999999999999999").Stop().Bytes(), "99999999999999999999"},
		{pklasm.New().TextInt("7\r").Stop().Bytes(), "7"}, // \r\n line end: PyLong_FromString skips whitespace
		{pklasm.New().TextLong("123L").Stop().Bytes(), "123"},
		{pklasm.New().TextLong("-5").Stop().Bytes(), "-5"},
		{pklasm.New().TextFloat("1.5").Stop().Bytes(), "1.5"},
		{pklasm.New().TextFloat("-inf").Stop().Bytes(), "-inf"},
		{pklasm.New().StringRaw(`'a\x41\n\'b'`).Stop().Bytes(), `"aA\n'b"`},
		{pklasm.New().StringRaw(`"it's"`).Stop().Bytes(), `"it's"`},
		{pklasm.New().Unicode(`caf\u00e9 \\u0041`).Stop().Bytes(), `'café \\\\u0041'`},
		{pklasm.New().Unicode(`\\\u0041`).Stop().Bytes(), `'\\\\A'`},
	}
	for i, c := range cases {
		_, res, err := run(t, c.p, Config{})
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		got := Render(res.Values[0], 100)
		if got != c.want {
			t.Errorf("case %d: got %s want %s", i, got, c.want)
		}
	}
	bad := [][]byte{
		pklasm.New().TextFloat("1.5\r").Stop().Bytes(), // C: endptr at '\r'
		pklasm.New().StringRaw(`'abc'` + "\r").Stop().Bytes(),
		pklasm.New().StringRaw(`abc`).Stop().Bytes(),
		pklasm.New().TextInt("12abc").Stop().Bytes(),
		pklasm.New().TextInt("010").Stop().Bytes()[:0], // placeholder keeps indices stable
	}
	for i, p := range bad {
		if len(p) == 0 {
			continue
		}
		if _, _, err := run(t, p, Config{}); err == nil {
			t.Errorf("bad case %d parsed", i)
		}
	}
}

func TestFrameDivergence(t *testing.T) {
	// FRAME of length 2 covers 'B' and one byte of BINBYTES' length. Linear
	// readers see one long bytes literal; file-based CPython drops the
	// frame rest and runs the hidden GLOBAL + REDUCE.
	hidden := pklasm.New().Global("os", "system").Unicode("echo pwned").Tuple1().Reduce().Bytes()
	a := pklasm.New().Proto(5).Frame(2).Raw('B', byte(len(hidden)+1)).Raw(1, 0, 0, 0, 0)
	a.Raw(hidden...)
	a.Raw(make([]byte, 300)...) // filler swallowed by the linear reading
	p := a.Raw('0', '.').Bytes()

	tr, res, _ := run(t, p, Config{Mode: FrameLinear})
	if !res.Straddled {
		t.Fatal("straddle not reported in linear mode")
	}
	if len(tr.calls()) != 0 {
		t.Fatalf("linear mode saw calls %v", tr.calls())
	}
	tr, _, _ = run(t, p, Config{Mode: FrameExact})
	if got := tr.calls(); len(got) != 1 || got[0] != "os.system('echo pwned')" {
		t.Fatalf("exact mode calls = %q", got)
	}
}

func TestFrameTooLong(t *testing.T) {
	p := pklasm.New().Proto(4).Frame(1<<40).Global("os", "system").Stop().Bytes()
	tr, _, err := run(t, p, Config{})
	if err == nil || len(tr.imports()) != 0 {
		t.Fatalf("err=%v imports=%v", err, tr.imports())
	}
}

func TestLargePayloadSkipped(t *testing.T) {
	big := bytes.Repeat([]byte{0x80, 0x04, 'x'}, 100_000)
	p := pklasm.New().Proto(4).BinBytes8(big).Stop().Bytes()
	_, res, err := run(t, p, Config{})
	if err != nil {
		t.Fatal(err)
	}
	b := res.Values[0].(*Bytes)
	if b.Data != nil || b.Len != int64(len(big)) || b.Off != 11 {
		t.Fatalf("bytes = data:%v len:%d off:%d", b.Data != nil, b.Len, b.Off)
	}
	// a declared length beyond the data is an error, not an allocation
	p = pklasm.New().Proto(4).Raw(0x8e).Raw(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f).Stop().Bytes()
	if _, _, err := run(t, p, Config{}); err == nil {
		t.Fatal("huge BINBYTES8 accepted")
	}
}

func TestBudgets(t *testing.T) {
	a := pklasm.New().Proto(2).EmptyList()
	for i := 0; i < 100; i++ {
		a.None().Append()
	}
	p := a.Stop().Bytes()
	_, _, err := run(t, p, Config{MaxOps: 50})
	var be *BudgetError
	if !errors.As(err, &be) || be.Budget != "max_opcodes" {
		t.Fatalf("err = %v", err)
	}
	a = pklasm.New().Proto(2)
	for i := 0; i < 100; i++ {
		a.Mark()
	}
	if _, _, err := run(t, a.Stop().Bytes(), Config{MaxStack: 10}); !errors.As(err, &be) || be.Budget != "max_stack" {
		t.Fatalf("err = %v", err)
	}
}

func TestEmbeddedCandidates(t *testing.T) {
	inner := pklasm.System("id")
	p := pklasm.New().Proto(4).EmptyDict().Str("blob").BinBytes(inner).SetItem().Stop().Bytes()
	tr, _, err := run(t, p, Config{})
	if err != nil {
		t.Fatal(err)
	}
	emb := tr.kinds(EvEmbedded)
	if len(emb) != 1 || emb[0].Detail != "raw" {
		t.Fatalf("embedded = %v", emb)
	}
	got, ok := DecodeEmbedded(emb[0].Value, "raw")
	if !ok || !bytes.Equal(got, inner) {
		t.Fatal("decode raw failed")
	}
}

func TestPureDecoders(t *testing.T) {
	// _pickle.loads(base64.b64decode('<b64>')) : the argument is recovered
	p := pklasm.New().Proto(4).SG("_pickle", "loads").
		SG("base64", "b64decode").Str("gAJjcG9zaXgKc3lzdGVtCnEAWAIAAABpZHEBhXECUnEDLg==").Tuple1().Reduce().
		Tuple1().Reduce().Stop().Bytes()
	tr, _, err := run(t, p, Config{})
	if err != nil {
		t.Fatal(err)
	}
	calls := tr.kinds(EvCall)
	if len(calls) != 2 {
		t.Fatalf("calls = %d", len(calls))
	}
	inner, ok := literalBytes(calls[1].Call.Args.Items[0])
	if !ok || !SniffPickle(inner) {
		t.Fatalf("decoded argument not recovered: %v", ok)
	}
}

type manifestEntry struct {
	Path    string   `json:"path"`
	Format  string   `json:"format"`
	Globals []string `json:"globals"`
	Pickles int      `json:"pickles"`
}

func readManifest(t *testing.T) []manifestEntry {
	t.Helper()
	data, err := os.ReadFile("../../testdata/real/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m []manifestEntry
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRealFixtures runs every single-stream pickle made by the real
// libraries and checks the imports against pickletools' static view.
func TestRealFixtures(t *testing.T) {
	n := 0
	for _, e := range readManifest(t) {
		cfg := Config{}
		switch e.Format {
		case "pickle", "dill", "cloudpickle":
		case "joblib":
			cfg.Joblib = true
		default:
			continue
		}
		n++
		data, err := os.ReadFile(filepath.Join("../../testdata/real", e.Path))
		if err != nil {
			t.Fatal(err)
		}
		tr, res, err := run(t, data, cfg)
		if err != nil {
			t.Errorf("%s: %v", e.Path, err)
			continue
		}
		if res.Trailing || len(tr.kinds(EvFrameStraddle)) > 0 || len(tr.kinds(EvUnresolvedImport)) > 0 {
			t.Errorf("%s: unexpected anomalies", e.Path)
		}
		got := uniq(tr.imports())
		want := uniq(e.Globals)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: imports\n got  %v\n want %v", e.Path, got, want)
		}
		wantPickles := e.Pickles
		if e.Format == "joblib" {
			wantPickles = 1 // inline object-array pickles belong to the outer one
		}
		if res.Pickles != wantPickles {
			t.Errorf("%s: pickles = %d, want %d", e.Path, res.Pickles, wantPickles)
		}
	}
	if n < 40 {
		t.Fatalf("only %d fixtures checked", n)
	}
}

func uniq(s []string) []string {
	m := map[string]bool{}
	var out []string
	for _, x := range s {
		if !m[x] {
			m[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}
