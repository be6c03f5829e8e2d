package keras

import (
	"slices"
	"strings"
)

// dangerNames are identifiers that make a Lambda function (or anything
// that Keras turns into code) dangerous: process execution, eval/exec,
// imports by name, reflection that reaches them, native code, nested
// loaders, file and network access. They are matched against the names a
// code object uses (co_names: globals and attribute names) and the
// identifiers of source text.
var dangerNames = setOf(
	"os", "posix", "nt", "subprocess", "sys", "builtins", "__builtins__", "__builtin__", "importlib",
	"import_module", "__import__", "eval", "exec", "execfile", "compile", "open", "getattr", "setattr",
	"delattr", "globals", "locals", "vars", "breakpoint", "system", "popen", "popen2", "popen3", "Popen",
	"spawn", "spawnl", "spawnle", "spawnlp", "spawnv", "spawnve", "spawnvp", "spawnvpe", "posix_spawn",
	"posix_spawnp", "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe", "fork",
	"forkpty", "startfile", "check_output", "check_call", "getoutput", "getstatusoutput", "socket", "pty",
	"ctypes", "cffi", "CDLL", "LoadLibrary", "load_library", "load_op_library", "pickle", "cPickle",
	"_pickle", "marshal", "dill", "shelve", "shutil", "rmtree", "unlink", "urllib", "urllib2", "urllib3",
	"urlopen", "urlretrieve", "requests", "httplib", "webbrowser", "telnetlib", "ftplib", "smtplib",
	"read_file", "write_file", "gfile", "GFile", "get_file", "load_model", "func_load",
	"enable_unsafe_deserialization", "__subclasses__", "__globals__", "__code__", "__reduce__",
	"__reduce_ex__", "__getattribute__", "__class__", "__mro__", "__bases__", "__base__", "__dict__",
	"__loader__", "__spec__", "runpy", "run_path", "run_module",
)

// strongNames are the subset that still means code when it only appears
// inside a string (a constant of the code, a string literal of source
// text): eval("__import__('os')"), getattr(x, "system").
var strongNames = setOf(
	"os", "posix", "nt", "subprocess", "builtins", "__builtins__", "__builtin__", "importlib",
	"import_module", "__import__", "eval", "exec", "execfile", "system", "popen", "Popen", "spawnl",
	"spawnlp", "spawnv", "spawnve", "spawnvp", "posix_spawn", "execl", "execle", "execlp", "execv",
	"execve", "execvp", "execvpe", "check_output", "check_call", "getoutput", "getstatusoutput", "socket",
	"pty", "ctypes", "CDLL", "load_library", "load_op_library", "pickle", "marshal", "rmtree", "urlopen",
	"urlretrieve", "webbrowser", "get_file", "func_load", "enable_unsafe_deserialization",
	"__subclasses__", "__globals__", "__code__", "__reduce__", "runpy",
)

// shellMarkers inside a string constant mean a command line.
var shellMarkers = []string{"/bin/sh", "/bin/bash", "/bin/zsh", "cmd.exe", "powershell", "curl ", "wget ", "nc -e", "| sh", "|sh"}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// dangerSet collects the dangerous names found, each once, in order.
type dangerSet struct {
	list []string
	seen map[string]bool
}

func (d *dangerSet) add(name string) {
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	if !d.seen[name] && len(d.list) < maxCollected {
		d.seen[name] = true
		d.list = append(d.list, name)
	}
}

// checkName adds an identifier used by code (or a dotted reference:
// every component is checked).
func (d *dangerSet) checkName(name string) {
	for _, part := range strings.Split(name, ".") {
		if dangerNames[part] {
			d.add(part)
		}
	}
}

// checkString adds the strong names among the identifiers of a string
// constant, and shell command markers.
func (d *dangerSet) checkString(s string) {
	for _, id := range identifiers(s, maxCollected) {
		if strongNames[id] {
			d.add(id)
		}
	}
	low := strings.ToLower(s)
	for _, m := range shellMarkers {
		if strings.Contains(low, m) {
			d.add(strings.TrimSpace(m))
		}
	}
}

// identifiers returns the Python identifiers (ASCII) in s, each once, at
// most limit of them.
func identifiers(s string, limit int) []string {
	var out []string
	for i := 0; i < len(s) && len(out) < limit; {
		c := s[i]
		if !isIdentStart(c) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && isIdentChar(s[j]) {
			j++
		}
		if id := s[i:j]; !slices.Contains(out, id) {
			out = append(out, id)
		}
		i = j
	}
	return out
}

func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentChar(c byte) bool  { return isIdentStart(c) || (c >= '0' && c <= '9') }

// sourceInfo is what a piece of Python source text uses.
type sourceInfo struct {
	idents  []string // identifiers outside string literals
	strings []string // string literals
}

// scanSource splits Python source text into identifiers and string
// literals (single, double and triple quotes, with escapes; prefixes like
// r/b/f are read as identifiers and are harmless). Comments are skipped.
// It is a lexer, not a parser: good enough to list what the text names.
func scanSource(src string) sourceInfo {
	var si sourceInfo
	seen := map[string]bool{}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\'' || c == '"':
			end, lit := readPyString(src, i)
			if len(si.strings) < maxCollected {
				si.strings = append(si.strings, lit)
			}
			i = end
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			if id := src[i:j]; !seen[id] && len(si.idents) < maxCollected {
				seen[id] = true
				si.idents = append(si.idents, id)
			}
			i = j
		default:
			i++
		}
	}
	return si
}

// readPyString reads the string literal starting at src[i] (a quote) and
// returns the index after it and its raw content (escapes are kept).
func readPyString(src string, i int) (int, string) {
	q := src[i]
	triple := strings.HasPrefix(src[i:], strings.Repeat(string(q), 3))
	open := 1
	if triple {
		open = 3
	}
	j := i + open
	for j < len(src) {
		switch {
		case src[j] == '\\':
			j += 2
			continue
		case triple && strings.HasPrefix(src[j:], strings.Repeat(string(q), 3)):
			return j + 3, src[i+open : j]
		case !triple && src[j] == q:
			return j + 1, src[i+open : j]
		case !triple && src[j] == '\n':
			return j, src[i+open : j]
		}
		j++
	}
	return len(src), src[min(i+open, len(src)):]
}
