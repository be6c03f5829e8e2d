package jinja

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// attrArg gives, for filters that read an attribute of each item
// (make_attrgetter), the position of that argument; "attribute=" works for
// all of them.
var attrArg = map[string]int{"selectattr": 0, "rejectattr": 0, "groupby": 0, "sum": 0, "sort": 2,
	"unique": 1, "min": 1, "max": 1, "join": 1, "map": -1}

// filter applies a filter to in, after checking the attribute names it
// reaches.
func (a *analyzer) filter(e *env, f *Filter, in Val) Val {
	args := a.evalArgs(e, f.Args)
	a.filterAccess(e, f, f.Name, args)
	if f.Name == "attr" {
		if len(args.pos) == 0 {
			return Val{}
		}
		var out Val
		for _, c := range args.pos[0].alts {
			if c.k == kStr {
				out = join(out, a.attrOf(e, in, c.s))
			}
		}
		if args.pos[0].open {
			out = join(out, openVal())
		}
		return out
	}
	return a.applyFilter(f.Name, in, args)
}

// filterAccess records the attributes a filter reads: |attr(name),
// map(attribute=...), selectattr(name), map('attr', name), ...
func (a *analyzer) filterAccess(e *env, node Node, name string, args callArgs) {
	pos := node.Span().Pos
	if f, isFilter := node.(*Filter); isFilter {
		pos = f.NamePos
	}
	if name == "attr" {
		if len(args.pos) > 0 {
			a.accessKey(node, pos, args.pos[0], "|attr()", a.called[node], true)
		} else if args.dyn {
			a.accessKey(node, pos, args.dynKw, "|attr()", a.called[node], true)
		}
		return
	}
	i, reads := attrArg[name]
	if !reads {
		return
	}
	if v, found := args.kwVal("attribute"); found {
		a.attrPath(node, pos, v, name+"(attribute=)")
	}
	if i >= 0 && i < len(args.pos) {
		a.attrPath(node, pos, args.pos[i], name+"()")
	}
	if name == "map" && len(args.pos) > 0 {
		// map('filter', args...) applies another filter to every item
		fn := args.pos[0]
		for _, c := range fn.alts {
			if c.k == kStr && c.s != "map" {
				rest := args
				rest.pos = args.pos[1:]
				a.filterAccess(e, node, c.s, rest)
			}
		}
		if fn.open && fn.derived {
			a.accessKey(node, pos, fn, "map(filter name)", false, true)
		}
	}
	if args.dyn {
		a.attrPath(node, pos, args.dynKw, name+"(**)")
	}
}

// attrPath checks a make_attrgetter path such as "a.b.0".
func (a *analyzer) attrPath(node Node, pos Pos, v Val, how string) {
	for _, c := range v.alts {
		if c.k != kStr {
			continue
		}
		for _, part := range strings.Split(c.s, ".") {
			if !isAllDigits(part) {
				a.accessName(node, pos, part, how, false)
				a.resolve(node, part)
			}
		}
	}
	if v.open && v.derived {
		a.accessKey(node, pos, Val{open: true, derived: true, frags: v.frags}, how, false, false)
	}
}

// applyFilter folds a filter over concrete alternatives.
func (a *analyzer) applyFilter(name string, in Val, args callArgs) Val {
	switch name {
	case "default", "d":
		def := single(str(""))
		if len(args.pos) > 0 {
			def = args.pos[0]
		}
		boolean := false
		if len(args.pos) > 1 {
			for _, c := range args.pos[1].alts {
				if t, _ := truthy(c); t {
					boolean = true
				}
			}
			boolean = boolean || args.pos[1].open
		}
		var out Val
		replaced := false
		for _, c := range in.alts {
			t, _ := truthy(c)
			if c.k == kUndef || (boolean && !t) {
				replaced = true
				continue
			}
			out.add(c)
		}
		if in.open {
			out = join(out, Val{open: true, derived: in.derived, frags: in.frags})
		}
		if replaced || in.open {
			out = join(out, def)
		}
		return out
	case "random", "first", "last", "min", "max":
		if name == "first" || name == "last" {
			break
		}
		// one of the items: all of them are possible
		var out Val
		for _, c := range in.alts {
			items, st := elements(c)
			if st != ok {
				out = join(out, openFrom(single(c)))
				continue
			}
			for _, it := range items {
				out.add(it)
			}
		}
		if in.open {
			out = join(out, Val{open: true, derived: in.derived, frags: in.frags})
		}
		return out
	}
	fn, known := filterFuncs[name]
	if !known || args.dyn {
		return openFrom(append([]Val{in}, args.all()...)...)
	}
	vals := append([]Val{in}, args.pos...)
	vals = append(vals, args.kwv...)
	return a.lift(vals, func(cs []cval) (cval, status) {
		kw := map[string]cval{}
		for i, n := range args.kw {
			kw[n] = cs[1+len(args.pos)+i]
		}
		return fn(cs[0], cs[1:1+len(args.pos)], kw)
	})
}

type filterFunc func(in cval, pos []cval, kw map[string]cval) (cval, status)

// argOf returns positional argument i or keyword name.
func argOf(pos []cval, kw map[string]cval, i int, name string) (cval, bool) {
	if i < len(pos) {
		return pos[i], true
	}
	v, found := kw[name]
	return v, found
}

func strFilter(f func(string) string) filterFunc {
	return func(in cval, _ []cval, _ map[string]cval) (cval, status) {
		s, st := strOf(in)
		if st != ok {
			return cval{}, st
		}
		return str(f(s)), ok
	}
}

var filterFuncs map[string]filterFunc

func init() {
	escape := strFilter(htmlEscape)
	filterFuncs = map[string]filterFunc{
		"upper":       strFilter(pyUpper),
		"lower":       strFilter(pyLower),
		"capitalize":  strFilter(pyCapitalize),
		"title":       strFilter(pyTitle),
		"string":      strFilter(func(s string) string { return s }),
		"safe":        strFilter(func(s string) string { return s }),
		"e":           escape,
		"escape":      escape,
		"forceescape": escape,
		"trim": func(in cval, pos []cval, kw map[string]cval) (cval, status) {
			s, st := strOf(in)
			if st != ok {
				return cval{}, st
			}
			var chars *string
			if c, found := argOf(pos, kw, 0, "chars"); found && c.k != kNone {
				if c.k != kStr {
					return cval{}, fail
				}
				chars = &c.s
			}
			return str(pyStrip(s, chars, true, true)), ok
		},
		"reverse": func(in cval, _ []cval, _ map[string]cval) (cval, status) {
			if in.k == kStr {
				return str(reverseRunes(in.s)), ok
			}
			items, st := elements(in)
			if st != ok {
				return cval{}, st
			}
			out := slices.Clone(items)
			slices.Reverse(out)
			return cval{k: kList, items: out}, ok
		},
		"list": func(in cval, _ []cval, _ map[string]cval) (cval, status) {
			items, st := elements(in)
			if st != ok {
				return cval{}, st
			}
			return cval{k: kList, items: items}, ok
		},
		"first": func(in cval, _ []cval, _ map[string]cval) (cval, status) {
			items, st := elements(in)
			if st != ok {
				return cval{}, st
			}
			if len(items) == 0 {
				return cval{k: kUndef}, ok
			}
			return items[0], ok
		},
		"last": func(in cval, _ []cval, _ map[string]cval) (cval, status) {
			items, st := elements(in)
			if st != ok {
				return cval{}, st
			}
			if len(items) == 0 {
				return cval{k: kUndef}, ok
			}
			return items[len(items)-1], ok
		},
		"length": lengthFilter,
		"count":  lengthFilter,
		"join": func(in cval, pos []cval, kw map[string]cval) (cval, status) {
			sep := ""
			if c, found := argOf(pos, kw, 0, "d"); found {
				s, st := strOf(c)
				if st != ok {
					return cval{}, st
				}
				sep = s
			}
			if _, found := argOf(pos, kw, 1, "attribute"); found {
				return cval{}, unknown
			}
			items, st := elements(in)
			if st != ok {
				return cval{}, st
			}
			parts := make([]string, len(items))
			for i, it := range items {
				s, st := strOf(it)
				if st != ok {
					return cval{}, st
				}
				parts[i] = s
			}
			return str(strings.Join(parts, sep)), ok
		},
		"replace": func(in cval, pos []cval, kw map[string]cval) (cval, status) {
			s, st := strOf(in)
			if st != ok {
				return cval{}, st
			}
			old, f1 := argOf(pos, kw, 0, "old")
			nw, f2 := argOf(pos, kw, 1, "new")
			if !f1 || !f2 {
				return cval{}, fail
			}
			os, st1 := strOf(old)
			ns, st2 := strOf(nw)
			if st1 != ok || st2 != ok {
				return cval{}, unknown
			}
			n := -1
			if c, found := argOf(pos, kw, 2, "count"); found && c.k != kNone {
				v, isInt := toInt(c)
				if !isInt {
					return cval{}, fail
				}
				if v >= 0 {
					n = int(v)
				}
			}
			return str(strings.Replace(s, os, ns, n)), ok
		},
		"format": func(in cval, pos []cval, kw map[string]cval) (cval, status) {
			s, st := strOf(in)
			if st != ok {
				return cval{}, st
			}
			if len(pos) > 0 && len(kw) > 0 {
				return cval{}, fail
			}
			var arg cval
			if len(kw) > 0 {
				arg = cval{k: kDict}
				keys := make([]string, 0, len(kw))
				for k := range kw {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				for _, k := range keys {
					arg = dictSet(arg, str(k), kw[k])
				}
			} else {
				arg = cval{k: kTuple, items: pos}
			}
			out, st := pyPercent(s, arg)
			return str(out), st
		},
		"center": func(in cval, pos []cval, kw map[string]cval) (cval, status) {
			s, st := strOf(in)
			if st != ok {
				return cval{}, st
			}
			w := int64(80)
			if c, found := argOf(pos, kw, 0, "width"); found {
				v, isInt := toInt(c)
				if !isInt {
					return cval{}, fail
				}
				w = v
			}
			if w > maxStr {
				return cval{}, unknown
			}
			return str(pyPad(s, w, ' ', "center")), ok
		},
		"int": func(in cval, pos []cval, kw map[string]cval) (cval, status) {
			switch in.k {
			case kInt, kBool:
				return intv(in.i), ok
			case kFloat:
				if math.IsNaN(in.f) || math.Abs(in.f) > 1e18 {
					return cval{}, unknown
				}
				return intv(int64(in.f)), ok
			case kStr:
				if v, err := strconv.ParseInt(strings.TrimSpace(strings.ReplaceAll(in.s, "_", "")), 10, 64); err == nil {
					return intv(v), ok
				}
				return cval{}, unknown
			}
			if d, found := argOf(pos, kw, 0, "default"); found {
				return d, ok
			}
			return intv(0), ok
		},
		"abs": func(in cval, _ []cval, _ map[string]cval) (cval, status) {
			switch in.k {
			case kInt, kBool:
				if in.i < 0 && in.i != math.MinInt64 {
					return intv(-in.i), ok
				}
				return intv(in.i), ok
			case kFloat:
				return cval{k: kFloat, f: math.Abs(in.f)}, ok
			}
			return cval{}, fail
		},
		"items": func(in cval, _ []cval, _ map[string]cval) (cval, status) {
			if in.k == kUndef {
				return cval{k: kList}, ok
			}
			if in.k != kDict {
				return cval{}, unknown
			}
			return callMethod(in, "items", nil, nil)
		},
		"sort": func(in cval, pos []cval, kw map[string]cval) (cval, status) {
			if len(pos) > 0 || len(kw) > 0 {
				return cval{}, unknown
			}
			items, st := elements(in)
			if st != ok {
				return cval{}, st
			}
			out := slices.Clone(items)
			allStr := true
			for _, it := range out {
				allStr = allStr && it.k == kStr
			}
			if !allStr {
				return cval{}, unknown
			}
			// Jinja sorts case-insensitively by default.
			slices.SortStableFunc(out, func(x, y cval) int { return strings.Compare(pyLower(x.s), pyLower(y.s)) })
			return cval{k: kList, items: out}, ok
		},
		"tojson": func(in cval, pos []cval, kw map[string]cval) (cval, status) {
			if len(pos) > 0 || len(kw) > 0 {
				return cval{}, unknown
			}
			s, st := jsonDumps(in)
			return str(s), st
		},
		"pprint": func(in cval, _ []cval, _ map[string]cval) (cval, status) {
			s, st := pyRepr(in)
			return str(s), st
		},
		"wordcount": func(in cval, _ []cval, _ map[string]cval) (cval, status) {
			s, st := strOf(in)
			if st != ok {
				return cval{}, st
			}
			return intv(int64(len(strings.FieldsFunc(s, isPySpace)))), ok
		},
	}
}

func lengthFilter(in cval, _ []cval, _ map[string]cval) (cval, status) {
	switch in.k {
	case kStr:
		return intv(int64(utf8.RuneCountInString(in.s))), ok
	case kList, kTuple, kDict:
		return intv(int64(len(in.items))), ok
	case kUndef:
		return intv(0), ok
	}
	return cval{}, unknown
}

// jsonDumps is json.dumps of strings, numbers and containers (ASCII-safe
// strings, default separators).
func jsonDumps(c cval) (string, status) {
	switch c.k {
	case kStr:
		var b strings.Builder
		b.WriteByte('"')
		for _, r := range c.s {
			switch {
			case r == '"':
				b.WriteString(`\"`)
			case r == '\\':
				b.WriteString(`\\`)
			case r == '\n':
				b.WriteString(`\n`)
			case r < 0x20 || r > 0x7e || r == '<' || r == '>' || r == '&' || r == '\'':
				return "", unknown // escaping differs between json.dumps settings
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('"')
		return b.String(), ok
	case kInt:
		return strconv.FormatInt(c.i, 10), ok
	case kBool:
		if c.i != 0 {
			return "true", ok
		}
		return "false", ok
	case kNone:
		return "null", ok
	case kList, kTuple:
		parts := make([]string, len(c.items))
		for i, it := range c.items {
			s, st := jsonDumps(it)
			if st != ok {
				return "", st
			}
			parts[i] = s
		}
		return "[" + strings.Join(parts, ", ") + "]", ok
	}
	return "", unknown
}
