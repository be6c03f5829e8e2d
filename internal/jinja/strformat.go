package jinja

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyFormat is str.format for plain fields with simple specs. A field that
// reaches into an attribute or index ("{0.__class__}", checked by
// formatFieldPaths) makes the result unknown.
func pyFormat(format string, pos []cval, kw map[string]cval) (string, status) {
	var b strings.Builder
	auto := 0
	result := ok
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == '}' {
			if i+1 < len(format) && format[i+1] == '}' {
				b.WriteByte('}')
				i++
				continue
			}
			return "", fail
		}
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(format) && format[i+1] == '{' {
			b.WriteByte('{')
			i++
			continue
		}
		end := strings.IndexByte(format[i:], '}')
		if end < 0 {
			return "", fail
		}
		field := format[i+1 : i+end]
		i += end
		if strings.IndexByte(field, '{') >= 0 {
			result = unknown // nested replacement fields in the spec
			continue
		}
		spec := ""
		if k := strings.IndexByte(field, ':'); k >= 0 {
			field, spec = field[:k], field[k+1:]
		}
		conv := byte(0)
		if k := strings.IndexByte(field, '!'); k >= 0 {
			if k+2 != len(field) {
				return "", fail
			}
			conv = field[k+1]
			field = field[:k]
		}
		name, rest := field, ""
		if k := strings.IndexAny(field, ".["); k >= 0 {
			name, rest = field[:k], field[k:]
		}
		if rest != "" {
			result = unknown
			continue
		}
		var v cval
		switch {
		case name == "":
			if auto >= len(pos) {
				return "", fail
			}
			v = pos[auto]
			auto++
		case isAllDigits(name):
			n, _ := strconv.Atoi(name)
			if n >= len(pos) {
				return "", fail
			}
			v = pos[n]
		default:
			kv, found := kw[name]
			if !found {
				return "", fail
			}
			v = kv
		}
		var s string
		var st status
		switch conv {
		case 0, 's':
			s, st = strOf(v)
			if conv == 0 && v.k != kStr && v.k != kUndef {
				s, st = formatSpec(v, spec)
				spec = ""
			}
		case 'r', 'a':
			s, st = pyRepr(v)
		default:
			return "", fail
		}
		if st != ok {
			result = st
			continue
		}
		if spec != "" {
			if s, st = formatSpec(str(s), spec); st != ok {
				result = st
				continue
			}
		}
		b.WriteString(s)
		if b.Len() > maxStr {
			return "", unknown
		}
	}
	if result != ok {
		return "", result
	}
	return b.String(), ok
}

// formatFieldPaths lists the attribute names and keys the replacement
// fields of a str.format string reach into.
func formatFieldPaths(format string) []string {
	var out []string
	for i := 0; i < len(format); i++ {
		switch format[i] {
		case '{':
			if i+1 < len(format) && format[i+1] == '{' {
				i++
				continue
			}
			end := strings.IndexAny(format[i+1:], "!:}")
			if end < 0 {
				return out
			}
			field := format[i+1 : i+1+end]
			if k := strings.IndexAny(field, ".["); k >= 0 {
				out = append(out, formatPath(field[k:])...)
			}
			i += end
		case '}':
			if i+1 < len(format) && format[i+1] == '}' {
				i++
			}
		}
	}
	return out
}

// formatPath splits ".attr[key].attr" into its names.
func formatPath(rest string) []string {
	var out []string
	for rest != "" {
		switch rest[0] {
		case '.':
			k := strings.IndexAny(rest[1:], ".[")
			if k < 0 {
				out = append(out, rest[1:])
				return out
			}
			out = append(out, rest[1:1+k])
			rest = rest[1+k:]
		case '[':
			k := strings.IndexByte(rest, ']')
			if k < 0 {
				return append(out, rest[1:])
			}
			out = append(out, rest[1:k])
			rest = rest[k+1:]
		default:
			return out
		}
	}
	return out
}

func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// formatSpec applies a format spec [[fill]align][sign][#][0][width][.prec][type]
// to a string or an integer; anything else is unknown.
func formatSpec(v cval, spec string) (string, status) {
	if spec == "" {
		return strOf(v)
	}
	r := []rune(spec)
	i := 0
	fill, align := ' ', rune(0)
	if len(r) >= 2 && strings.ContainsRune("<>^=", r[1]) {
		fill, align, i = r[0], r[1], 2
	} else if len(r) >= 1 && strings.ContainsRune("<>^=", r[0]) {
		align, i = r[0], 1
	}
	sign := rune(0)
	if i < len(r) && strings.ContainsRune("+- ", r[i]) {
		sign = r[i]
		i++
	}
	alt := false
	if i < len(r) && r[i] == '#' {
		alt = true
		i++
	}
	if i < len(r) && r[i] == '0' {
		if align == 0 {
			fill, align = '0', '='
		}
		i++
	}
	j := i
	for i < len(r) && r[i] >= '0' && r[i] <= '9' {
		i++
	}
	width := 0
	if i > j {
		n, err := strconv.Atoi(string(r[j:i]))
		if err != nil || n > maxStr {
			return "", unknown
		}
		width = n
	}
	prec := -1
	if i < len(r) && r[i] == '.' {
		i++
		j = i
		for i < len(r) && r[i] >= '0' && r[i] <= '9' {
			i++
		}
		n, err := strconv.Atoi(string(r[j:i]))
		if err != nil || n > maxStr {
			return "", fail
		}
		prec = n
	}
	typ := rune(0)
	if i < len(r) {
		typ = r[i]
		i++
	}
	if i != len(r) {
		return "", unknown
	}
	var s string
	switch v.k {
	case kStr:
		if typ != 0 && typ != 's' || sign != 0 || alt {
			return "", fail
		}
		s = v.s
		if prec >= 0 {
			if rs := []rune(s); len(rs) > prec {
				s = string(rs[:prec])
			}
		}
		if align == 0 {
			align = '<'
		}
	case kInt, kBool:
		if prec >= 0 {
			return "", fail
		}
		n := v.i
		if typ == 'c' {
			if n < 0 || n > 0x10FFFF {
				return "", fail
			}
			s = string(rune(n))
		} else {
			u := uint64(n)
			if n < 0 {
				u = uint64(-n)
			}
			base, prefix := 10, ""
			switch typ {
			case 0, 'd', 'n':
			case 'x':
				base, prefix = 16, "0x"
			case 'X':
				base, prefix = 16, "0X"
			case 'o':
				base, prefix = 8, "0o"
			case 'b':
				base, prefix = 2, "0b"
			default:
				return "", unknown
			}
			s = strconv.FormatUint(u, base)
			if typ == 'X' {
				s = strings.ToUpper(s)
			}
			if alt {
				s = prefix + s
			}
			switch {
			case n < 0:
				s = "-" + s
			case sign == '+':
				s = "+" + s
			case sign == ' ':
				s = " " + s
			}
		}
		if align == 0 {
			align = '>'
		}
	default:
		return "", unknown
	}
	n := utf8.RuneCountInString(s)
	if width <= n {
		return s, ok
	}
	pad := width - n
	f := string(fill)
	switch align {
	case '<':
		return s + strings.Repeat(f, pad), ok
	case '>':
		return strings.Repeat(f, pad) + s, ok
	case '^':
		return strings.Repeat(f, pad/2) + s + strings.Repeat(f, pad-pad/2), ok
	}
	// '=': padding after the sign
	if v.k == kStr {
		return "", fail
	}
	if s != "" && (s[0] == '-' || s[0] == '+' || s[0] == ' ') {
		return s[:1] + strings.Repeat(f, pad) + s[1:], ok
	}
	return strings.Repeat(f, pad) + s, ok
}
