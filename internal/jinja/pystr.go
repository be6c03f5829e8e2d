package jinja

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/modelscan-go/modelscan/internal/pyrepr"
)

// Python-compatible conversions and string operations on concrete values.

// strOf is Jinja's str() of a value (Undefined prints as "").
func strOf(c cval) (string, status) {
	switch c.k {
	case kStr:
		return c.s, ok
	case kUndef:
		return "", ok
	case kInt:
		return strconv.FormatInt(c.i, 10), ok
	case kFloat:
		return pyFloatRepr(c.f), ok
	case kBool:
		if c.i != 0 {
			return "True", ok
		}
		return "False", ok
	case kNone:
		return "None", ok
	case kList, kTuple, kDict:
		return pyRepr(c)
	}
	return "", unknown
}

// pyRepr is Python's repr() of strings, numbers and containers.
func pyRepr(c cval) (string, status) {
	switch c.k {
	case kStr:
		return pyrepr.Str(c.s), ok
	case kList, kTuple:
		parts := make([]string, len(c.items))
		for i, it := range c.items {
			s, st := pyRepr(it)
			if st != ok {
				return "", st
			}
			parts[i] = s
		}
		if c.k == kList {
			return "[" + strings.Join(parts, ", ") + "]", ok
		}
		if len(parts) == 1 {
			return "(" + parts[0] + ",)", ok
		}
		return "(" + strings.Join(parts, ", ") + ")", ok
	case kDict:
		parts := make([]string, len(c.items))
		for i := range c.items {
			k, st := pyRepr(c.items[i])
			if st != ok {
				return "", st
			}
			v, st := pyRepr(c.vals[i])
			if st != ok {
				return "", st
			}
			parts[i] = k + ": " + v
		}
		return "{" + strings.Join(parts, ", ") + "}", ok
	case kUndef:
		return "Undefined", ok
	}
	return strOf(c)
}

// pyFloatRepr is Python's repr() of a float.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expS, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expS)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := fmt.Sprintf("%+03d", exp)
		return sign + m + "e" + es
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

// Case mappings Python applies that Go's simple mappings miss, limited to
// those that produce ASCII letters.
var upperSpecial = map[rune]string{
	'ß': "SS", 'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL", 'ﬅ': "ST", 'ﬆ': "ST",
	'ŉ': "\u02bcN", 'ǰ': "J\u030c",
}

var lowerSpecial = map[rune]string{'İ': "i\u0307"}

var foldSpecial = map[rune]string{
	'ß': "ss", 'ﬀ': "ff", 'ﬁ': "fi", 'ﬂ': "fl", 'ﬃ': "ffi", 'ﬄ': "ffl", 'ﬅ': "st", 'ﬆ': "st", 'ſ': "s",
	'İ': "i\u0307",
}

func mapRunes(s string, special map[rune]string, f func(rune) rune) string {
	var b strings.Builder
	for _, r := range s {
		if m, ok := special[r]; ok {
			b.WriteString(m)
		} else {
			b.WriteRune(f(r))
		}
	}
	return b.String()
}

func pyUpper(s string) string    { return mapRunes(s, upperSpecial, unicode.ToUpper) }
func pyLower(s string) string    { return mapRunes(s, lowerSpecial, unicode.ToLower) }
func pyCasefold(s string) string { return mapRunes(s, foldSpecial, unicode.ToLower) }

func pySwapcase(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			b.WriteString(pyLower(string(r)))
		case unicode.IsLower(r):
			b.WriteString(pyUpper(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pyCapitalize is str.capitalize: first character title-cased, the rest
// lower-cased.
func pyCapitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	first := string(unicode.ToTitle(r))
	if m, ok := upperSpecial[r]; ok {
		first = m[:1] + pyLower(m[1:])
	}
	return first + pyLower(s[n:])
}

// pyTitle is str.title: a cased character after an uncased one starts a
// word.
func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		cased := unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r)
		switch {
		case cased && !prevCased:
			if m, ok := upperSpecial[r]; ok {
				b.WriteString(m[:1] + pyLower(m[1:]))
			} else {
				b.WriteRune(unicode.ToTitle(r))
			}
		case cased:
			b.WriteString(pyLower(string(r)))
		default:
			b.WriteRune(r)
		}
		prevCased = cased
	}
	return b.String()
}

func reverseRunes(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// pyStrip is str.strip/lstrip/rstrip with optional characters.
func pyStrip(s string, chars *string, left, right bool) string {
	f := isPySpace
	if chars != nil {
		set := *chars
		f = func(r rune) bool { return strings.ContainsRune(set, r) }
	}
	if left {
		s = strings.TrimLeftFunc(s, f)
	}
	if right {
		s = strings.TrimRightFunc(s, f)
	}
	return s
}

// pyPad is str.center/ljust/rjust.
func pyPad(s string, width int64, fill rune, how string) string {
	n := int64(utf8.RuneCountInString(s))
	if width <= n {
		return s
	}
	pad := width - n
	left := int64(0)
	switch how {
	case "center":
		left = pad / 2
		if pad%2 == 1 && width%2 == 1 {
			left++
		}
	case "rjust":
		left = pad
	}
	f := string(fill)
	return strings.Repeat(f, int(left)) + s + strings.Repeat(f, int(pad-left))
}

// truthy is Python truthiness; the second result is false when unknown.
func truthy(c cval) (bool, bool) {
	switch c.k {
	case kUndef, kNone:
		return false, true
	case kStr:
		return c.s != "", true
	case kInt, kBool:
		return c.i != 0, true
	case kFloat:
		return c.f != 0, true
	case kList, kTuple, kDict:
		return len(c.items) > 0, true
	}
	return true, true
}

// elements lists what iterating a concrete value yields: characters of a
// string, items of a sequence, keys of a dict.
func elements(c cval) ([]cval, status) {
	switch c.k {
	case kStr:
		var out []cval
		for _, r := range c.s {
			out = append(out, str(string(r)))
		}
		return out, ok
	case kList, kTuple, kDict:
		return c.items, ok
	case kUndef:
		return nil, ok
	case kNS, kFunc, kMacro:
		return nil, unknown
	}
	return nil, fail
}

// pyIndex resolves a possibly negative index against a length.
func pyIndex(i int64, n int) (int, bool) {
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return 0, false
	}
	return int(i), true
}

// sliceBounds computes Python slice indices; nil parts are absent.
func sliceBounds(n int, start, stop, step *int64) (idx []int, okk bool) {
	st := int64(1)
	if step != nil {
		st = *step
	}
	if st == 0 {
		return nil, false
	}
	ln := int64(n)
	clamp := func(v *int64, def, lo, hi int64) int64 {
		if v == nil {
			return def
		}
		x := *v
		if x < 0 {
			x += ln
			if x < lo {
				x = lo
			}
		} else if x > hi {
			x = hi
		}
		return x
	}
	var b, e int64
	if st > 0 {
		b, e = clamp(start, 0, 0, ln), clamp(stop, ln, 0, ln)
		for i := b; i < e; i += st {
			idx = append(idx, int(i))
		}
	} else {
		b, e = clamp(start, ln-1, -1, ln-1), clamp(stop, -1, -1, ln-1)
		if stop != nil && *stop < 0 && *stop+ln < 0 {
			e = -1
		}
		for i := b; i > e; i += st {
			idx = append(idx, int(i))
		}
	}
	return idx, true
}

// toInt reads a Python int (bools count) from a value.
func toInt(c cval) (int64, bool) {
	if c.k == kInt || c.k == kBool {
		return c.i, true
	}
	return 0, false
}

// htmlEscape is markupsafe.escape on text.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
