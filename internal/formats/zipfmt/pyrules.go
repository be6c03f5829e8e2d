package zipfmt

// Import resolution and the judgement of dotted names found in Python
// source (torch.package modules) and TorchScript code.

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
		if t.kind != tName || !atStmtStart(toks, i) {
			continue
		}
		switch {
		case t.text == "import":
			i = f.importNames(i+1, "")
		case t.text == "from":
			j, level := i+1, 0
			for ; j < len(toks) && toks[j].kind == tOp && strings.Trim(toks[j].text, ".") == ""; j++ {
				level += len(toks[j].text)
			}
			var from []string
			for ; j < len(toks) && toks[j].kind == tName && toks[j].text != "import"; j++ {
				from = append(from, toks[j].text)
				if j+1 < len(toks) && isOp(toks[j+1], ".") {
					j++
				}
			}
			base := relativeBase(module, pkg, level)
			mod := strings.Join(append(base, from...), ".")
			if j < len(toks) && toks[j].text == "import" {
				i = f.importNames(j+1, mod)
			}
		case t.text == "def" || t.text == "class":
			if i+1 < len(toks) && toks[i+1].kind == tName {
				f.local[toks[i+1].text] = true
			}
		case i+1 < len(toks) && isOp(toks[i+1], "=") && !pyKeywords[t.text]:
			f.local[t.text] = true
		}
	}
}

// importNames reads "a.b as c, d" (or, after from M, "x as y, (z)", "*")
// from token i and returns the index of the statement end.
func (f *pyFile) importNames(i int, from string) int {
	toks := f.toks
	for i < len(toks) && toks[i].kind != tNewline {
		t := toks[i]
		if isOp(t, "*") && from != "" && len(f.star) < maxStar && !slices.Contains(f.star, from) {
			f.star = append(f.star, from)
		}
		if t.kind != tName {
			i++
			continue
		}
		parts := []string{t.text}
		for i+2 < len(toks) && isOp(toks[i+1], ".") && toks[i+2].kind == tName {
			parts = append(parts, toks[i+2].text)
			i += 2
		}
		i++
		full := strings.Join(parts, ".")
		if from != "" {
			full = from + "." + full
		}
		if i+1 < len(toks) && toks[i].kind == tName && toks[i].text == "as" && toks[i+1].kind == tName {
			f.alias[toks[i+1].text] = full
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
}

var (
	ignore    = srcRule{}
	fileWrite = srcRule{sev: core.High, reason: "changes files or directories"}
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
var walkNames = toSet("__builtins__ __globals__ __subclasses__ __code__")

// execNames run source or code objects.
var execNames = toSet("builtins.exec builtins.eval builtins.compile builtins.execfile")

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
func judgeSource(pol *policy.Policy, name string, r ref, strict bool) (policy.Verdict, bool) {
	if strict && !r.call {
		return policy.Verdict{}, false
	}
	if rule, ok := longestRule(name); ok {
		if !rule.open {
			return policy.Verdict{Class: policy.Dangerous, Severity: rule.sev, Reason: rule.reason, Canonical: name}, rule.sev > core.SeverityNone
		}
		if !r.call {
			return policy.Verdict{}, false
		}
		if mode, literal := openMode(r.args); !literal {
			return policy.Verdict{Class: policy.Dangerous, Severity: core.High, Reason: "opens a file with a computed mode", Canonical: name}, true
		} else if strings.ContainsAny(mode, "wax+") {
			return policy.Verdict{Class: policy.Dangerous, Severity: core.High, Reason: "opens a file for writing (mode " + mode + ")", Canonical: name}, true
		}
		return policy.Verdict{}, false
	}
	last := name[strings.LastIndex(name, ".")+1:]
	if !r.call && strings.ToUpper(last) == last && strings.ToLower(last) != last {
		return policy.Verdict{}, false // a constant such as subprocess.PIPE or socket.AF_INET
	}
	return classifyDotted(pol, name)
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

// openMode returns the literal mode of an open() call ("r" when absent).
func openMode(args []pyToken) (string, bool) {
	if len(args) > maxArgTokens {
		return "", false
	}
	for i, a := range splitArgs(args) {
		if len(a) >= 2 && a[0].kind == tName && a[0].text == "mode" && isOp(a[1], "=") {
			a = a[2:]
		} else if i != 1 {
			continue
		}
		if len(a) == 1 && a[0].kind == tString && !strings.ContainsAny(a[0].prefix, "ft") {
			return a[0].text, true
		}
		return "", false
	}
	return "r", true
}

// classifyDotted asks the policy about a dotted name, trying every split
// into module and attribute path, and keeps a dangerous verdict only when
// its denylist entry lies on the name itself (not on a re-rooted tail).
func classifyDotted(pol *policy.Policy, name string) (policy.Verdict, bool) {
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
