package jinja

import (
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
)

// internalNames are interpreter internals that template-injection chains
// walk through besides dunders.
var internalNames = map[string]bool{
	"func_globals": true, "func_code": true, "func_closure": true, "func_defaults": true, "func_dict": true,
	"f_globals": true, "f_locals": true, "f_builtins": true, "f_back": true, "f_code": true,
	"gi_frame": true, "gi_code": true, "gi_yieldfrom": true, "cr_frame": true, "cr_code": true, "cr_await": true,
	"ag_frame": true, "ag_code": true, "tb_frame": true, "tb_next": true,
	"co_code": true, "co_consts": true, "co_names": true, "im_func": true, "im_self": true, "im_class": true,
	"mro": true,
}

// execNames are modules and functions that run commands or import code;
// accessing them as attributes is what payloads do once they hold a module.
var execNames = map[string]bool{
	"os": true, "sys": true, "subprocess": true, "builtins": true, "posix": true, "nt": true, "pty": true,
	"importlib": true, "shutil": true, "socket": true, "runpy": true, "commands": true,
	"popen": true, "Popen": true, "popen2": true, "popen3": true, "import_module": true, "check_output": true,
	"check_call": true, "getoutput": true, "getstatusoutput": true, "run_path": true, "run_module": true,
	"execfile": true, "execl": true, "execle": true, "execlp": true, "execlpe": true, "execv": true,
	"execve": true, "execvp": true, "execvpe": true, "spawnl": true, "spawnle": true, "spawnlp": true,
	"spawnlpe": true, "spawnv": true, "spawnve": true, "spawnvp": true, "spawnvpe": true, "posix_spawn": true,
	"posix_spawnp": true, "startfile": true, "load_module": true, "modules": true,
}

// callNames are builtins that run code when called; plain keys of the same
// name are common in data, so only a call counts.
var callNames = map[string]bool{
	"system": true, "eval": true, "exec": true, "compile": true, "open": true, "getattr": true, "setattr": true,
	"delattr": true, "globals": true, "locals": true, "vars": true, "breakpoint": true, "input": true,
}

// freeExecNames are global names payloads call or walk from; chat runtimes
// do not define them.
var freeExecNames = map[string]bool{
	"os": true, "sys": true, "subprocess": true, "builtins": true, "importlib": true, "posix": true,
	"eval": true, "exec": true, "compile": true, "open": true, "getattr": true, "globals": true,
	"locals": true, "vars": true, "breakpoint": true,
}

// suspiciousGlobals are web-framework and Jinja globals classic payloads
// start from; chat templates have no use for them.
var suspiciousGlobals = map[string]bool{
	"config": true, "request": true, "url_for": true, "get_flashed_messages": true,
	"self": true, "lipsum": true, "cycler": true, "joiner": true,
}

// fragmentNames are the pieces looked for in long constant strings.
var fragmentNames = []string{"class", "mro", "base", "subclasses", "globals", "builtins", "import", "init",
	"getattribute", "dict", "code", "popen", "system", "subprocess", "eval", "exec", "TemplateReference", "context"}

func isDunder(n string) bool {
	return len(n) > 4 && strings.HasPrefix(n, "__") && strings.HasSuffix(n, "__")
}

// isMangled matches a name-mangled private attribute: _Class__name.
func isMangled(n string) bool {
	if len(n) < 4 || n[0] != '_' || n[1] == '_' {
		return false
	}
	i := strings.Index(n[1:], "__")
	return i > 0 && 1+i+2 < len(n)
}

func isInternal(n string) bool {
	return isDunder(n) || isMangled(n) || internalNames[n]
}

// classify rates an attribute name: Critical for interpreter internals,
// High for command-running names (callNames only when called).
func classify(name string, called bool) core.Severity {
	for _, n := range []string{name, strings.TrimSpace(name)} {
		if isInternal(n) {
			return core.Critical
		}
	}
	for _, n := range []string{name, strings.TrimSpace(name)} {
		if execNames[n] || (called && callNames[n]) {
			return core.High
		}
	}
	return core.SeverityNone
}

// suspiciousPieces reports whether the constant pieces of a computed name
// spell something internal.
func suspiciousPieces(frags []string) bool {
	for _, f := range frags {
		t := strings.Trim(f, "_")
		if strings.Contains(f, "__") || isInternal(f) || execNames[t] || pieceNames[t] {
			return true
		}
		for _, n := range []string{"subclasses", "globals", "builtins", "getattribute", "TemplateReference"} {
			if strings.Contains(f, n) {
				return true
			}
		}
	}
	return false
}

// pieceNames are dunder names without their underscores.
var pieceNames = map[string]bool{"class": true, "mro": true, "base": true, "bases": true, "subclasses": true,
	"globals": true, "builtins": true, "import": true, "init": true, "getattribute": true, "dict": true,
	"code": true}
