package pysrc

// Import resolution and the judgement of the dotted names a Python module
// uses: source-specific rules first (longest dotted prefix), then the
// pickle policy (ClassifyDotted, also used for TorchScript code).

import (
	"slices"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// imports records the aliases bound by import statements anywhere in the
// file (a conservative, flow-insensitive view) and the names it defines.
func (f *pyFile) imports(module string, pkg bool) {
	toks := f.toks
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Kind != TokName || !atStmtStart(toks, i) {
			continue
		}
		switch {
		case t.Text == "import":
			i = f.importNames(i+1, "")
		case t.Text == "from":
			j, level := i+1, 0
			for ; j < len(toks) && toks[j].Kind == TokOp && strings.Trim(toks[j].Text, ".") == ""; j++ {
				level += len(toks[j].Text)
			}
			var from []string
			for ; j < len(toks) && toks[j].Kind == TokName && toks[j].Text != "import"; j++ {
				from = append(from, toks[j].Text)
				if j+1 < len(toks) && IsOp(toks[j+1], ".") {
					j++
				}
			}
			base := relativeBase(module, pkg, level)
			mod := strings.Join(append(base, from...), ".")
			if j < len(toks) && toks[j].Text == "import" {
				i = f.importNames(j+1, mod)
			}
		case t.Text == "def" || t.Text == "class":
			if i+1 < len(toks) && toks[i+1].Kind == TokName {
				f.local[toks[i+1].Text] = true
			}
		case i+1 < len(toks) && IsOp(toks[i+1], "=") && !pyKeywords[t.Text]:
			f.local[t.Text] = true
		}
	}
}

// importNames reads "a.b as c, d" (or, after from M, "x as y, (z)", "*")
// from token i and returns the index of the statement end.
func (f *pyFile) importNames(i int, from string) int {
	toks := f.toks
	for i < len(toks) && toks[i].Kind != TokNewline {
		t := toks[i]
		if IsOp(t, "*") && from != "" && len(f.star) < maxStar && !slices.Contains(f.star, from) {
			f.star = append(f.star, from)
		}
		if t.Kind != TokName {
			i++
			continue
		}
		parts := []string{t.Text}
		for i+2 < len(toks) && IsOp(toks[i+1], ".") && toks[i+2].Kind == TokName {
			parts = append(parts, toks[i+2].Text)
			i += 2
		}
		i++
		full := strings.Join(parts, ".")
		if from != "" {
			full = from + "." + full
		}
		if i+1 < len(toks) && toks[i].Kind == TokName && toks[i].Text == "as" && toks[i+1].Kind == TokName {
			f.alias[toks[i+1].Text] = full
			i += 2
		} else if from != "" {
			f.alias[parts[0]] = full
		} else {
			f.alias[parts[0]] = parts[0]
		}
	}
	return i
}

// relativeBase is the package a relative import with level dots refers to.
func relativeBase(module string, pkg bool, level int) []string {
	if level == 0 {
		return nil
	}
	parts := strings.Split(module, ".")
	if !pkg {
		parts = parts[:len(parts)-1]
	}
	return parts[:max(len(parts)-(level-1), 0)]
}

// maxStar bounds the star-imported modules a bare call is tried against.
const maxStar = 8

type srcRule struct {
	sev    core.Severity // SeverityNone: not a finding
	reason string
	open   bool // judged by its mode argument: only writes are findings
	write  bool // writes files (lowered inside save hooks, see scope.go)
	// byArg: a call with a literal module name is judged as an import of
	// that module; other uses are left to the policy
	byArg bool
}

var (
	ignore    = srcRule{}
	fileWrite = srcRule{sev: core.High, reason: "changes files or directories", write: true}
)

// sourceRules refine the policy for source code, by dotted-name prefix: the
// pickle policy denies whole modules (importing os.path.join from a pickle
// is suspicious), but source reads the environment and paths all the time.
var sourceRules = map[string]srcRule{
	"builtins.getattr": ignore, "builtins.bytes": ignore, "builtins.bytearray": ignore,
	"builtins.open": {open: true}, "io.open": {open: true}, "codecs.open": {open: true}, "os.fdopen": {open: true},
	"os.mkdir": fileWrite, "os.makedirs": fileWrite, "os.remove": fileWrite, "os.unlink": fileWrite,
	"os.rmdir": fileWrite, "os.removedirs": fileWrite, "os.rename": fileWrite, "os.renames": fileWrite,
	"os.replace": fileWrite, "os.chmod": fileWrite, "os.chown": fileWrite, "os.lchown": fileWrite,
	"os.link": fileWrite, "os.symlink": fileWrite, "os.truncate": fileWrite, "os.utime": fileWrite,
	"os.open": fileWrite, "os.write": fileWrite, "os.mkfifo": fileWrite, "os.mknod": fileWrite,
	"shutil.copy": fileWrite, "shutil.copy2": fileWrite, "shutil.copyfile": fileWrite, "shutil.copytree": fileWrite,
	"shutil.move": fileWrite, "shutil.rmtree": fileWrite, "shutil.copymode": fileWrite, "shutil.copystat": fileWrite,
	// feature probes of model code: is a package installed, which version
	"importlib.util.find_spec": ignore, "importlib.metadata": ignore, "importlib.resources": ignore,
	"importlib.import_module": {byArg: true},
	"torch.save":              {sev: core.High, reason: "writes a file", write: true}, "torch.serialization.save": {sev: core.High, reason: "writes a file", write: true},
}

// writesFiles reports whether a finding on name is a file write (of the
// source rules: file operations, open for writing, torch.save).
func writesFiles(name string) bool {
	r, ok := longestRule(name)
	return ok && (r.write || r.open)
}

func init() {
	for _, n := range strings.Fields("os.path os.environ os.getenv os.getcwd os.getpid os.sep os.linesep os.pathsep " +
		"os.name os.curdir os.pardir os.extsep os.devnull os.fspath os.fsencode os.fsdecode os.cpu_count os.PathLike " +
		"os.stat os.listdir os.scandir os.walk os.getuid os.urandom sys.version sys.version_info sys.hexversion " +
		"sys.platform sys.maxsize sys.byteorder sys.stdout sys.stderr sys.float_info sys.int_info sys.getsizeof " +
		"sys.getrecursionlimit sys.exc_info sys.implementation sys.executable sys.getdefaultencoding " +
		"sys.getfilesystemencoding sys.flags pickle.dumps pickle.dump pickle.HIGHEST_PROTOCOL pickle.DEFAULT_PROTOCOL") {
		sourceRules[n] = ignore
	}
}

// walkNames reach arbitrary objects from any object.
var walkNames = NameSet("__builtins__ __globals__ __subclasses__ __code__")

// execNames run source or code objects.
var execNames = NameSet("builtins.exec builtins.eval builtins.compile builtins.execfile")

func isDecoder(name string) bool {
	for _, p := range []string{"base64.", "binascii.a2b_", "binascii.unhexlify", "codecs.decode", "zlib.decompress",
		"gzip.decompress", "bz2.decompress", "lzma.decompress", "marshal.loads", "builtins.bytes.fromhex",
		"builtins.bytearray.fromhex"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// judgeSource decides whether a dotted name used in source is a finding.
// strict (a star-import guess) reports only calls.
func judgeSource(pol *policy.Policy, name string, r Ref, strict bool) (policy.Verdict, bool) {
	if strict && !r.Call {
		return policy.Verdict{}, false
	}
	if rule, ok := longestRule(name); ok {
		if rule.byArg {
			if mod, literal := literalArg(r.Args, 0); r.Call && literal {
				return judgeImport(pol, name, mod)
			}
			return ClassifyDotted(pol, name)
		}
		if !rule.open {
			return policy.Verdict{Class: policy.Dangerous, Severity: rule.sev, Reason: rule.reason, Canonical: name}, rule.sev > core.SeverityNone
		}
		if !r.Call {
			return policy.Verdict{}, false
		}
		if mode, literal := openMode(r.Args); !literal {
			return policy.Verdict{Class: policy.Dangerous, Severity: core.High, Reason: "opens a file with a computed mode", Canonical: name}, true
		} else if strings.ContainsAny(mode, "wax+") {
			return policy.Verdict{Class: policy.Dangerous, Severity: core.High, Reason: "opens a file for writing (mode " + mode + ")", Canonical: name}, true
		}
		return policy.Verdict{}, false
	}
	last := name[strings.LastIndex(name, ".")+1:]
	if !r.Call && strings.ToUpper(last) == last && strings.ToLower(last) != last {
		return policy.Verdict{}, false // a constant such as subprocess.PIPE or socket.AF_INET
	}
	return ClassifyDotted(pol, name)
}

func longestRule(name string) (srcRule, bool) {
	for n := name; ; {
		if r, ok := sourceRules[n]; ok {
			return r, true
		}
		i := strings.LastIndex(n, ".")
		if i < 0 {
			return srcRule{}, false
		}
		n = n[:i]
	}
}

// judgeImport judges a call of name that imports the literal module mod:
// a finding when the policy denies the whole module (or a package above it).
func judgeImport(pol *policy.Policy, name, mod string) (policy.Verdict, bool) {
	v := pol.Classify(mod, "__name__") // only a module-wide '*' entry matches
	if v.Class != policy.Dangerous {
		return policy.Verdict{}, false
	}
	v.Reason = "imports " + mod + ": " + v.Reason
	v.Canonical = name
	return v, true
}

// literalArg returns positional argument i of a call when it is a plain
// string literal.
func literalArg(args []Token, i int) (string, bool) {
	if len(args) > maxArgTokens {
		return "", false
	}
	a := splitArgs(args)
	if i >= len(a) || len(a[i]) != 1 || a[i][0].Kind != TokString || strings.ContainsAny(a[i][0].Prefix, "ft") {
		return "", false
	}
	return a[i][0].Text, true
}

// openMode returns the literal mode of an open() call ("r" when absent).
func openMode(args []Token) (string, bool) {
	if len(args) > maxArgTokens {
		return "", false
	}
	for i, a := range splitArgs(args) {
		if len(a) >= 2 && a[0].Kind == TokName && a[0].Text == "mode" && IsOp(a[1], "=") {
			a = a[2:]
		} else if i != 1 {
			continue
		}
		if len(a) == 1 && a[0].Kind == TokString && !strings.ContainsAny(a[0].Prefix, "ft") {
			return a[0].Text, true
		}
		return "", false
	}
	return "r", true
}

// ClassifyDotted asks the policy about a dotted name, trying every split
// into module and attribute path, and keeps a dangerous verdict only when
// its denylist entry lies on the name itself (not on a re-rooted tail).
func ClassifyDotted(pol *policy.Policy, name string) (policy.Verdict, bool) {
	parts := strings.Split(name, ".")
	for k := len(parts) - 1; k >= 1; k-- {
		v := pol.Classify(strings.Join(parts[:k], "."), strings.Join(parts[k:], "."))
		if v.Class != policy.Dangerous {
			continue
		}
		mod, nm, _ := strings.Cut(v.Entry, " ")
		on := mod
		if nm != "*" {
			on += "." + nm
		}
		if v.Entry == "" || strings.HasPrefix(name+".", on+".") || strings.HasPrefix(v.Canonical+".", on+".") {
			return v, true
		}
	}
	return policy.Verdict{}, false
}
