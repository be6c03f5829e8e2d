package jinja

import (
	"math"
	"slices"
	"strings"
)

// The analyser evaluates expressions over an abstract domain: a value is a
// small set of concrete Python values it may take, plus an "open" part for
// anything unknown (runtime data, unsupported operations). An open part
// that came out of string operations is "derived", and remembers the
// constant pieces that went into it, so that a name assembled at runtime
// from "__cla" and "ss__" still shows what it is made of.

type kind uint8

const (
	kUndef kind = iota // jinja2.Undefined: "" when printed
	kStr
	kInt
	kFloat
	kBool
	kNone
	kList
	kTuple
	kDict
	kNS    // a namespace object; n is its id
	kFunc  // a global function or a special object; s is its name
	kMacro // a macro or call block body; n indexes analyzer.macros
)

// cval is one concrete value.
type cval struct {
	k     kind
	s     string
	i     int64 // kInt; kBool (0/1)
	f     float64
	items []cval // kList, kTuple elements; kDict keys
	vals  []cval // kDict values
	n     int
	w     int    // cached weight, set by seal
	h     uint64 // cached hash, set by seal
}

// Val is an abstract value.
type Val struct {
	alts    []cval
	open    bool
	derived bool
	frags   []string
}

const (
	maxAlts    = 16
	maxStr     = 2048
	maxItems   = 256
	maxFrags   = 24
	maxWeight  = 8192
	maxCombos  = 64
	maxFragLen = 64
)

func str(s string) cval { return cval{k: kStr, s: s} }
func intv(i int64) cval { return cval{k: kInt, i: i} }
func boolv(b bool) cval {
	if b {
		return cval{k: kBool, i: 1}
	}
	return cval{k: kBool}
}

func single(c cval) Val { return Val{alts: []cval{seal(c)}} }
func openVal() Val      { return Val{open: true} }
func undefVal() Val     { return single(cval{k: kUndef}) }

// seal computes and caches the weight (the memory a value holds) and a
// hash of a value; values stored in a Val are sealed, so building a bigger
// value from them costs only its own size.
func seal(c cval) cval {
	if c.w > 0 {
		return c
	}
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	mix := func(x uint64) { h = (h ^ x) * prime }
	mix(uint64(c.k))
	mix(uint64(c.i))
	mix(math.Float64bits(c.f))
	mix(uint64(c.n))
	for i := 0; i < len(c.s); i++ {
		mix(uint64(c.s[i]))
	}
	w := 1 + len(c.s)
	for _, list := range [][]cval{c.items, c.vals} {
		mix(uint64(len(list)))
		for i := range list {
			list[i] = seal(list[i])
			w += list[i].w
			mix(list[i].h)
		}
	}
	c.w, c.h = w, h|1
	return c
}

func weight(c cval) int { return seal(c).w }

func equalC(a, b cval) bool {
	if a.h != 0 && b.h != 0 && a.h != b.h {
		return false
	}
	if a.k != b.k || a.s != b.s || a.i != b.i || a.n != b.n || len(a.items) != len(b.items) || len(a.vals) != len(b.vals) {
		return false
	}
	if a.f != b.f && !(a.f != a.f && b.f != b.f) {
		return false
	}
	for i := range a.items {
		if !equalC(a.items[i], b.items[i]) {
			return false
		}
	}
	for i := range a.vals {
		if !equalC(a.vals[i], b.vals[i]) {
			return false
		}
	}
	return true
}

// hasStrings reports whether a concrete value holds text.
func hasStrings(c cval) bool {
	if c.k == kStr {
		return true
	}
	for _, it := range c.items {
		if hasStrings(it) {
			return true
		}
	}
	for _, it := range c.vals {
		if hasStrings(it) {
			return true
		}
	}
	return false
}

// stringy reports whether a value involves text: string alternatives or a
// derived open part.
func (v Val) stringy() bool {
	if v.derived || len(v.frags) > 0 {
		return true
	}
	for _, c := range v.alts {
		if hasStrings(c) {
			return true
		}
	}
	return false
}

func (v Val) bottom() bool { return len(v.alts) == 0 && !v.open }

// summarize keeps what matters of a constant piece: short pieces whole,
// long ones reduced to the suspicious names they contain.
func summarize(s string) []string {
	if len(s) <= maxFragLen {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	var out []string
	if strings.Contains(s, "__") {
		out = append(out, "__")
	}
	for _, n := range fragmentNames {
		if strings.Contains(s, n) {
			out = append(out, n)
		}
	}
	return out
}

func collectStrings(c cval, out *[]string) {
	if c.k == kStr {
		*out = append(*out, summarize(c.s)...)
	}
	for _, it := range c.items {
		collectStrings(it, out)
	}
	for _, it := range c.vals {
		collectStrings(it, out)
	}
}

func (v *Val) addFrags(fs ...string) {
	for _, f := range fs {
		if len(v.frags) >= maxFrags {
			return
		}
		if !slices.Contains(v.frags, f) {
			v.frags = append(v.frags, f)
		}
	}
}

// add puts a concrete alternative into v; past the limits it widens v.
func (v *Val) add(c cval) {
	c = seal(c)
	for _, o := range v.alts {
		if equalC(o, c) {
			return
		}
	}
	if len(v.alts) >= maxAlts || weight(c) > maxWeight {
		v.open = true
		if hasStrings(c) {
			v.derived = true
			var fs []string
			collectStrings(c, &fs)
			v.addFrags(fs...)
		}
		return
	}
	v.alts = append(v.alts, c)
}

func join(a, b Val) Val {
	if len(b.alts) == 0 && len(b.frags) == 0 && (!b.open || a.open) && (!b.derived || a.derived) {
		return a
	}
	if sameVal(a, b) {
		return a
	}
	out := Val{open: a.open || b.open, derived: a.derived || b.derived}
	out.alts = append(out.alts, a.alts...)
	for _, c := range b.alts {
		out.add(c)
	}
	out.addFrags(a.frags...)
	out.addFrags(b.frags...)
	return out
}

// sameVal reports whether two values share their storage (a value joined
// with itself, the common case when environments are merged).
func sameVal(a, b Val) bool {
	return a.open == b.open && a.derived == b.derived && len(a.alts) == len(b.alts) && len(a.frags) == len(b.frags) &&
		(len(a.alts) == 0 || &a.alts[0] == &b.alts[0]) && (len(a.frags) == 0 || &a.frags[0] == &b.frags[0])
}

// openFrom is an unknown value derived from the inputs: open, derived when
// any input involves text, with their constant pieces as fragments.
func openFrom(inputs ...Val) Val {
	out := Val{open: true}
	for _, in := range inputs {
		if in.stringy() {
			out.derived = true
		}
		var fs []string
		for _, c := range in.alts {
			collectStrings(c, &fs)
		}
		out.addFrags(fs...)
		out.addFrags(in.frags...)
	}
	return out
}

// container fixes the open part of a list, tuple or dict built from
// elements: it holds text the elements hold, but building it is no string
// operation, so it is derived only when an element is.
func container(out Val, elems []Val) Val {
	if !out.open {
		return out
	}
	out.derived = false
	for _, e := range elems {
		out.derived = out.derived || e.derived
	}
	return out
}

// widen marks a value that keeps changing in a loop as open.
func widen(v Val) Val {
	w := join(v, Val{})
	w.open = true
	if v.stringy() {
		w.derived = true
		var fs []string
		for _, c := range v.alts {
			collectStrings(c, &fs)
		}
		w.addFrags(fs...)
	}
	return w
}

func equalV(a, b Val) bool {
	if a.open != b.open || a.derived != b.derived || len(a.alts) != len(b.alts) || len(a.frags) != len(b.frags) {
		return false
	}
	for _, c := range a.alts {
		if !slices.ContainsFunc(b.alts, func(d cval) bool { return equalC(c, d) }) {
			return false
		}
	}
	for _, f := range a.frags {
		if !slices.Contains(b.frags, f) {
			return false
		}
	}
	return true
}

// status of one concrete evaluation.
type status uint8

const (
	ok      status = iota
	fail           // Python raises: this combination yields nothing
	unknown        // not modelled: the result is open
)

// lift applies f to every combination of the alternatives of args. A
// combination that fails is dropped; open arguments, unmodelled results and
// too many combinations make the result open (derived from the inputs).
func (a *analyzer) lift(args []Val, f func([]cval) (cval, status)) Val {
	var out Val
	combos := 1
	anyOpen := false
	for _, v := range args {
		if v.open {
			anyOpen = true
		}
		if len(v.alts) == 0 {
			if v.open {
				return openFrom(args...)
			}
			return Val{} // bottom: some argument has no possible value
		}
		combos *= len(v.alts)
		if combos > maxCombos {
			return openFrom(args...)
		}
	}
	idx := make([]int, len(args))
	cur := make([]cval, len(args))
	for {
		for i, v := range args {
			cur[i] = v.alts[idx[i]]
		}
		a.step(1)
		c, st := f(cur)
		switch st {
		case ok:
			if c.k == kStr && len(c.s) > a.strLimit() {
				out = join(out, openFrom(Val{alts: []cval{c}}))
			} else {
				c = seal(c)
				a.step(c.w / 64)
				out.add(c)
			}
		case unknown:
			out = join(out, openFrom(args...))
		}
		i := len(args) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < len(args[i].alts) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			break
		}
	}
	if anyOpen {
		out = join(out, openFrom(args...))
	}
	return out
}

func (a *analyzer) strLimit() int {
	if a.cheap {
		return 256
	}
	return maxStr
}
