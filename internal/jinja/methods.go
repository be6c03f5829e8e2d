package jinja

import (
	"strings"
	"unicode/utf8"
)

// callMethod folds one method call on a concrete receiver.
func callMethod(r cval, name string, pos []cval, kw map[string]cval) (cval, status) {
	if r.k == kDict {
		switch name {
		case "keys":
			return cval{k: kList, items: r.items}, ok
		case "values":
			return cval{k: kList, items: r.vals}, ok
		case "items":
			items := make([]cval, len(r.items))
			for i := range r.items {
				items[i] = cval{k: kTuple, items: []cval{r.items[i], r.vals[i]}}
			}
			return cval{k: kList, items: items}, ok
		case "get":
			if len(pos) == 0 {
				return cval{}, fail
			}
			if v, found := dictGet(r, pos[0]); found {
				return v, ok
			}
			if len(pos) > 1 {
				return pos[1], ok
			}
			return cval{k: kNone}, ok
		case "copy":
			return r, ok
		}
		return cval{}, unknown
	}
	if (r.k == kList || r.k == kTuple) && name == "copy" {
		return r, ok
	}
	if r.k != kStr {
		if r.k == kUndef {
			return cval{}, fail
		}
		return cval{}, unknown
	}
	s := r.s
	arg := func(i int) (string, bool) {
		if i < len(pos) && pos[i].k == kStr {
			return pos[i].s, true
		}
		return "", false
	}
	optChars := func() (*string, status) {
		if len(pos) == 0 || pos[0].k == kNone {
			return nil, ok
		}
		if c, isStr := arg(0); isStr {
			return &c, ok
		}
		return nil, fail
	}
	switch name {
	case "lower":
		return str(pyLower(s)), ok
	case "upper":
		return str(pyUpper(s)), ok
	case "casefold":
		return str(pyCasefold(s)), ok
	case "swapcase":
		return str(pySwapcase(s)), ok
	case "capitalize":
		return str(pyCapitalize(s)), ok
	case "title":
		return str(pyTitle(s)), ok
	case "strip", "lstrip", "rstrip":
		chars, st := optChars()
		if st != ok {
			return cval{}, st
		}
		return str(pyStrip(s, chars, name != "rstrip", name != "lstrip")), ok
	case "replace":
		old, ok1 := arg(0)
		nw, ok2 := arg(1)
		if !ok1 || !ok2 {
			return cval{}, fail
		}
		n := -1
		if len(pos) > 2 {
			c, isInt := toInt(pos[2])
			if !isInt {
				return cval{}, fail
			}
			n = int(c)
		}
		if n < 0 {
			n = -1
		}
		return str(strings.Replace(s, old, nw, n)), ok
	case "join":
		if len(pos) != 1 {
			return cval{}, fail
		}
		items, st := elements(pos[0])
		if st != ok {
			return cval{}, st
		}
		parts := make([]string, len(items))
		for i, it := range items {
			if it.k != kStr {
				return cval{}, fail
			}
			parts[i] = it.s
		}
		return str(strings.Join(parts, s)), ok
	case "split", "rsplit":
		if len(pos) > 0 && pos[0].k != kNone || len(pos) > 1 || len(kw) > 0 {
			sep, isStr := arg(0)
			if !isStr || sep == "" || len(pos) > 1 || len(kw) > 0 {
				return cval{}, unknown
			}
			var items []cval
			for _, p := range strings.Split(s, sep) {
				items = append(items, str(p))
			}
			return cval{k: kList, items: items}, ok
		}
		var items []cval
		for _, p := range strings.FieldsFunc(s, isPySpace) {
			items = append(items, str(p))
		}
		return cval{k: kList, items: items}, ok
	case "format":
		out, st := pyFormat(s, pos, kw)
		return str(out), st
	case "format_map":
		if len(pos) != 1 || pos[0].k != kDict {
			return cval{}, unknown
		}
		m := map[string]cval{}
		for i, k := range pos[0].items {
			if k.k == kStr {
				m[k.s] = pos[0].vals[i]
			}
		}
		out, st := pyFormat(s, nil, m)
		return str(out), st
	case "center", "ljust", "rjust":
		if len(pos) == 0 {
			return cval{}, fail
		}
		w, isInt := toInt(pos[0])
		if !isInt {
			return cval{}, fail
		}
		if w > maxStr {
			return cval{}, unknown
		}
		fill := ' '
		if len(pos) > 1 {
			f, isStr := arg(1)
			if !isStr || utf8.RuneCountInString(f) != 1 {
				return cval{}, fail
			}
			fill, _ = utf8.DecodeRuneInString(f)
		}
		return str(pyPad(s, w, fill, name)), ok
	case "zfill":
		if len(pos) != 1 {
			return cval{}, fail
		}
		w, isInt := toInt(pos[0])
		if !isInt {
			return cval{}, fail
		}
		if w > maxStr {
			return cval{}, unknown
		}
		sign := ""
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			sign, s = s[:1], s[1:]
		}
		return str(sign + pyPad(s, w-int64(len(sign)), '0', "rjust")), ok
	case "removeprefix":
		p, isStr := arg(0)
		if !isStr {
			return cval{}, fail
		}
		return str(strings.TrimPrefix(s, p)), ok
	case "removesuffix":
		p, isStr := arg(0)
		if !isStr {
			return cval{}, fail
		}
		return str(strings.TrimSuffix(s, p)), ok
	case "expandtabs", "translate", "encode", "partition", "rpartition", "splitlines":
		return cval{}, unknown
	}
	return cval{}, unknown
}
