// Package policy classifies what a pickle imports: safe (allowlist derived
// from the real libraries), dangerous (denylist with severity and reason) or
// unknown. Names are first resolved the way the unpickler resolves them
// (protocol-2 renames, module aliases, dotted attribute paths).
package policy

import (
	"bufio"
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/modelscan-go/modelscan/internal/core"
)

//go:embed data/denylist.txt data/allowlist.txt data/compat-pickle.json data/stdlib-modules.txt
var dataFS embed.FS

// Class is the outcome of classifying an import.
type Class uint8

// Classes.
const (
	Unknown Class = iota
	Safe
	Dangerous
)

func (c Class) String() string { return [...]string{"unknown", "safe", "dangerous"}[c] }

// Verdict is the classification of one imported name.
type Verdict struct {
	Class     Class
	Severity  core.Severity // Dangerous: from the denylist; Unknown: MEDIUM; Safe: none
	Reason    string        // one line
	Canonical string        // resolved dotted name, e.g. "os.system"
	Entry     string        // matching denylist entry, e.g. "os *"
}

type denyEntry struct {
	module, name string
	sev          core.Severity
	reason       string
}

// Policy holds the lists. It is safe for concurrent use once built.
type Policy struct {
	cache     sync.Map             // "module\tname" -> Verdict, at most MaxCached entries
	cached    atomic.Int64         // entries in cache
	deny      map[string]denyEntry // "module\tname" or "module\t*"
	allow     map[string]bool      // "module\tqualname"
	nameMap   map[string][2]string // fix_imports NAME_MAPPING
	importMap map[string]string    // fix_imports IMPORT_MAPPING
	stdlib    map[string]bool      // top-level standard-library modules
}

// Default returns the built-in policy.
func Default() *Policy {
	p, err := load()
	if err != nil {
		panic("policy: embedded data is invalid: " + err.Error())
	}
	return p
}

func load() (*Policy, error) {
	p := &Policy{deny: map[string]denyEntry{}, allow: map[string]bool{}, nameMap: map[string][2]string{}, importMap: map[string]string{}}
	if err := p.readDeny("data/denylist.txt"); err != nil {
		return nil, err
	}
	if err := p.readAllow("data/allowlist.txt"); err != nil {
		return nil, err
	}
	for _, n := range extraSafe {
		p.allow[n[0]+"\t"+n[1]] = true
	}
	std, err := dataFS.ReadFile("data/stdlib-modules.txt")
	if err != nil {
		return nil, err
	}
	p.stdlib = map[string]bool{}
	for _, line := range strings.Split(string(std), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			p.stdlib[line] = true
		}
	}
	raw, err := dataFS.ReadFile("data/compat-pickle.json")
	if err != nil {
		return nil, err
	}
	var compat struct {
		Import map[string]string `json:"IMPORT_MAPPING"`
		Name   []struct {
			From [2]string `json:"from"`
			To   [2]string `json:"to"`
		} `json:"NAME_MAPPING"`
	}
	if err := json.Unmarshal(raw, &compat); err != nil {
		return nil, err
	}
	p.importMap = compat.Import
	for _, n := range compat.Name {
		p.nameMap[n.From[0]+"\t"+n.From[1]] = n.To
	}
	return p, nil
}

func (p *Policy) readDeny(name string) error {
	f, err := dataFS.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if strings.TrimSpace(t) == "" || strings.HasPrefix(t, "#") {
			continue
		}
		parts := strings.Split(t, "\t")
		if len(parts) != 4 {
			return fmt.Errorf("%s:%d: want 4 tab-separated fields", name, line)
		}
		sev, err := core.ParseSeverity(parts[2])
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		p.AddDeny(parts[0], parts[1], sev, parts[3])
	}
	return sc.Err()
}

func (p *Policy) readAllow(name string) error {
	f, err := dataFS.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		t := sc.Text()
		if strings.TrimSpace(t) == "" || strings.HasPrefix(t, "#") {
			continue
		}
		parts := strings.Split(t, "\t")
		if len(parts) < 2 {
			return fmt.Errorf("%s: bad line %q", name, t)
		}
		if hasDunder(parts[1]) {
			return fmt.Errorf("%s: dunder name %q cannot be allowlisted", name, t)
		}
		p.allow[parts[0]+"\t"+parts[1]] = true
	}
	return sc.Err()
}

// AddDeny adds a denylist entry; name "*" covers the module and its
// submodules. When an entry exists the higher severity wins.
func (p *Policy) AddDeny(module, name string, sev core.Severity, reason string) {
	k := module + "\t" + name
	if old, ok := p.deny[k]; ok && old.sev >= sev {
		return
	}
	p.deny[k] = denyEntry{module: module, name: name, sev: sev, reason: reason}
}

// AddAllow allowlists module.qualname (used for user settings).
func (p *Policy) AddAllow(module, name string) { p.allow[module+"\t"+name] = true }

// Clone returns an independent copy that settings can extend.
func (p *Policy) Clone() *Policy {
	q := &Policy{deny: make(map[string]denyEntry, len(p.deny)), allow: make(map[string]bool, len(p.allow)), nameMap: p.nameMap, importMap: p.importMap, stdlib: p.stdlib}
	for k, v := range p.deny {
		q.deny[k] = v
	}
	for k, v := range p.allow {
		q.allow[k] = v
	}
	return q
}

// aliases are modules that are the same object as another under a
// different name (CPython accelerator modules and OS-specific os).
var aliases = map[string]string{
	"posix": "os", "nt": "os", "_operator": "operator", "_pickle": "pickle", "cPickle": "pickle",
	"_io": "io", "_codecs": "codecs", "__builtin__": "builtins", "__builtins__": "builtins",
	"_functools": "functools", "_collections": "collections", "_socket": "socket", "_ssl": "ssl",
	"copy_reg": "copyreg", "_datetime": "datetime", "_decimal": "decimal", "pathlib._local": "pathlib",
}

// Canonical resolves module and name the way the unpickler does before it
// imports: protocol-2 renames (applied whatever the protocol: conservative)
// and then module aliases.
func (p *Policy) Canonical(module, name string) (string, string) {
	if to, ok := p.nameMap[module+"\t"+name]; ok {
		module, name = to[0], to[1]
	} else if to, ok := p.importMap[module]; ok {
		module = to
	}
	if a, ok := aliases[module]; ok {
		module = a
	}
	return module, name
}

// walkDunders reach arbitrary objects from any object.
var walkDunders = map[string]bool{
	"__globals__": true, "__builtins__": true, "__dict__": true, "__getattribute__": true,
	"__subclasses__": true, "__code__": true, "__closure__": true, "__func__": true, "__self__": true,
	"__class__": true, "__base__": true, "__bases__": true, "__mro__": true, "__import__": true,
	"__loader__": true, "__spec__": true, "__getattr__": true, "__reduce__": true, "__reduce_ex__": true,
	"__setstate__": true, "__init_subclass__": true, "__call__": true, "__wrapped__": true,
}

func hasDunder(name string) bool {
	for _, part := range strings.Split(name, ".") {
		if len(part) > 4 && strings.HasPrefix(part, "__") && strings.HasSuffix(part, "__") {
			return true
		}
	}
	return false
}

// MaxCached bounds the verdicts a Policy keeps. Real models import a few
// hundred distinct names; a crafted file naming millions of globals must
// not make the cache (shared by every file of a scan) grow without end.
// Names past the bound are classified on every use, with the same result.
const MaxCached = 8192

// Classify decides whether importing module.name is safe, dangerous or
// unknown. Results are cached (up to MaxCached names); the policy must not
// change afterwards.
func (p *Policy) Classify(module, name string) Verdict {
	key := module + "\t" + name
	if v, ok := p.cache.Load(key); ok {
		return v.(Verdict)
	}
	v := p.classify(module, name)
	// reserve a slot first so that concurrent callers never exceed the bound
	if p.cached.Add(1) <= MaxCached {
		if _, loaded := p.cache.LoadOrStore(key, v); loaded {
			p.cached.Add(-1)
		}
	} else {
		p.cached.Add(-1)
	}
	return v
}

// cachedLen reports the number of cached verdicts (for tests).
func (p *Policy) cachedLen() int {
	n := 0
	p.cache.Range(func(any, any) bool { n++; return true })
	return n
}

func (p *Policy) classify(module, name string) Verdict {
	cm, cn := p.Canonical(module, name)
	canon := join(cm, cn)
	best := denyEntry{}
	consider := func(e denyEntry, ok bool) {
		if ok && e.sev > best.sev {
			best = e
		}
	}
	for _, path := range p.paths(module, name, cm, cn) {
		consider(p.matchPath(path.parts, path.min))
	}
	if best.sev > core.SeverityNone {
		return Verdict{Class: Dangerous, Severity: best.sev, Reason: best.reason, Canonical: canon, Entry: best.module + " " + best.name}
	}
	for _, part := range strings.Split(cn, ".") {
		if walkDunders[part] {
			return Verdict{Class: Dangerous, Severity: core.Critical, Canonical: canon,
				Reason: fmt.Sprintf("walks to arbitrary objects through %s", part)}
		}
	}
	if p.allow[cm+"\t"+cn] || p.allow[module+"\t"+name] {
		return Verdict{Class: Safe, Canonical: canon}
	}
	v := Verdict{Class: Unknown, Severity: core.Medium, Canonical: canon, Reason: "not on the allowlist: loading runs code not known to be safe"}
	if cm == "__main__" {
		v.Reason = "custom class or function from the script that saved the model (__main__): loading needs and runs that code"
	}
	return v
}

type path struct {
	parts []string
	min   int // the module part must keep at least this many components
}

// paths lists the dotted paths an import can reach: the written and the
// canonical module.name, and every tail of the name re-rooted as a module
// path (pickle resolves dotted names attribute by attribute, so
// ('pathlib', 'os.system') reaches os.system). The module path itself is
// never re-split.
func (p *Policy) paths(module, name, cm, cn string) []path {
	var out []path
	add := func(mod, nm string) {
		mp := strings.Split(mod, ".")
		out = append(out, path{parts: append(mp, splitName(nm)...), min: len(mp)})
	}
	add(module, name)
	if cm != module || cn != name {
		add(cm, cn)
	}
	np := splitName(cn)
	for j := 0; j < len(np); j++ {
		tail := np[j:]
		if a, ok := aliases[tail[0]]; ok {
			tail = append(strings.Split(a, "."), tail[1:]...)
		} else if p.privateAlias(tail[0]) {
			// stdlib modules import os as _os, sys as _sys: random._os.system
			tail = append([]string{strings.TrimLeft(tail[0], "_")}, tail[1:]...)
		}
		out = append(out, path{parts: tail, min: 1})
	}
	return out
}

// privateAlias reports whether an attribute name is a private alias of a
// wholly denied module (_os, _sys, _subprocess, __os).
func (p *Policy) privateAlias(name string) bool {
	if !strings.HasPrefix(name, "_") {
		return false
	}
	bare := strings.TrimLeft(name, "_")
	if bare == "" || strings.HasSuffix(name, "__") {
		return false
	}
	if a, ok := aliases[bare]; ok {
		bare = a
	}
	_, ok := p.deny[bare+"\t*"]
	return ok
}

func splitName(n string) []string {
	if n == "" {
		return nil
	}
	return strings.Split(n, ".")
}

// matchPath finds the most severe denylist entry that covers the dotted
// path: "module *" for any module prefix, or "module name-prefix".
func (p *Policy) matchPath(parts []string, min int) (denyEntry, bool) {
	var best denyEntry
	found := false
	for k := 1; k <= len(parts); k++ {
		mod := strings.Join(parts[:k], ".")
		if e, ok := p.deny[mod+"\t*"]; ok && (!found || e.sev > best.sev) {
			best, found = e, true
		}
		if k < min {
			continue
		}
		for j := k + 1; j <= len(parts); j++ {
			if e, ok := p.deny[mod+"\t"+strings.Join(parts[k:j], ".")]; ok && (!found || e.sev > best.sev) {
				best, found = e, true
			}
		}
	}
	return best, found
}

func join(m, n string) string {
	if n == "" {
		return m
	}
	return m + "." + n
}

// extraSafe are pure helper functions that real pickles use and that have
// no side effects beyond computing a value from their arguments.
var extraSafe = [][2]string{
	// re.RegexFlag combinations pickle as operator.or_(flag, flag)
	{"operator", "or_"}, {"operator", "and_"}, {"operator", "xor"}, {"operator", "invert"},
	{"_operator", "or_"}, {"_operator", "and_"}, {"_operator", "xor"}, {"_operator", "invert"},
}

// IsStdlib reports whether a module (as written; renames and aliases are
// applied) belongs to the Python standard library.
func (p *Policy) IsStdlib(module string) bool {
	m, _ := p.Canonical(module, "")
	top, _, _ := strings.Cut(m, ".")
	return top != "__main__" && p.stdlib[top]
}

// Stats reports list sizes (for --version and docs).
func (p *Policy) Stats() (deny, allow int) { return len(p.deny), len(p.allow) }

// DenyEntries lists the denylist as "module name SEVERITY reason" lines,
// sorted (for documentation and tests).
func (p *Policy) DenyEntries() []string {
	var out []string
	for _, e := range p.deny {
		out = append(out, fmt.Sprintf("%s %s %s %s", e.module, e.name, e.sev, e.reason))
	}
	sort.Strings(out)
	return out
}
