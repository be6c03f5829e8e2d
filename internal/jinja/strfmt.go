package jinja

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyPercent is Python's format % arg for the conversions that can build
// identifiers (s r a d i u c o x X and %%); float conversions are not
// modelled.
func pyPercent(format string, arg cval) (string, status) {
	var args []cval
	var mapping *cval
	switch arg.k {
	case kTuple:
		args = arg.items
	case kDict:
		mapping = &arg
		args = []cval{arg}
	default:
		args = []cval{arg}
	}
	next := 0
	used := false
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return "", fail
		}
		var val *cval
		if format[i] == '(' {
			end := strings.IndexByte(format[i:], ')')
			if end < 0 || mapping == nil {
				return "", fail
			}
			key := format[i+1 : i+end]
			v, found := dictGet(*mapping, str(key))
			if !found {
				return "", fail
			}
			val = &v
			used = true
			i += end + 1
		}
		flags := ""
		for i < len(format) && strings.IndexByte("#0- +", format[i]) >= 0 {
			flags += format[i : i+1]
			i++
		}
		takeArg := func() (cval, bool) {
			if next >= len(args) {
				return cval{}, false
			}
			next++
			return args[next-1], true
		}
		width, prec := -1, -1
		num := func() (int, bool) {
			if i < len(format) && format[i] == '*' {
				i++
				v, okk := takeArg()
				n, isInt := toInt(v)
				if !okk || !isInt || n > maxStr || n < -maxStr {
					return 0, false
				}
				return int(n), true
			}
			j := i
			for i < len(format) && isDigit(format[i]) {
				i++
			}
			if i == j {
				return -1, true
			}
			n, err := strconv.Atoi(format[j:i])
			if err != nil || n > maxStr {
				return 0, false
			}
			return n, true
		}
		var okk bool
		if width, okk = num(); !okk {
			return "", unknown
		}
		if width < -1 {
			flags += "-"
			width = -width
		}
		if i < len(format) && format[i] == '.' {
			i++
			if prec, okk = num(); !okk {
				return "", unknown
			}
			if prec < 0 {
				prec = 0
			}
		}
		for i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			return "", fail
		}
		conv := format[i]
		if conv == '%' {
			b.WriteByte('%')
			continue
		}
		if val == nil {
			v, found := takeArg()
			if !found {
				return "", fail
			}
			val = &v
		}
		s, st := percentConv(conv, *val, flags, prec)
		if st != ok {
			return "", st
		}
		if width > 0 {
			n := utf8.RuneCountInString(s)
			if n < width {
				pad := strings.Repeat(" ", width-n)
				switch {
				case strings.Contains(flags, "-"):
					s += pad
				case strings.Contains(flags, "0") && strings.IndexByte("diouxX", conv) >= 0:
					sign := ""
					if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") || strings.HasPrefix(s, " ") {
						sign, s = s[:1], s[1:]
					}
					s = sign + strings.Repeat("0", width-n) + s
				default:
					s = pad + s
				}
			}
		}
		b.WriteString(s)
		if b.Len() > maxStr {
			return "", unknown
		}
	}
	if mapping == nil && next < len(args) {
		return "", fail // not all arguments converted
	}
	if mapping != nil && !used && next == 0 {
		// "%s" % {} formats the dict itself; a format without
		// conversions accepts a mapping.
		return b.String(), ok
	}
	return b.String(), ok
}

func percentConv(conv byte, v cval, flags string, prec int) (string, status) {
	switch conv {
	case 's', 'r', 'a':
		var s string
		var st status
		if conv == 's' {
			s, st = strOf(v)
		} else {
			s, st = pyRepr(v)
		}
		if st != ok {
			return "", st
		}
		if prec >= 0 {
			if r := []rune(s); len(r) > prec {
				s = string(r[:prec])
			}
		}
		return s, ok
	case 'c':
		if v.k == kStr {
			if utf8.RuneCountInString(v.s) != 1 {
				return "", fail
			}
			return v.s, ok
		}
		n, isInt := toInt(v)
		if !isInt || n < 0 || n > 0x10FFFF {
			return "", fail
		}
		return string(rune(n)), ok
	case 'd', 'i', 'u', 'o', 'x', 'X':
		var n int64
		switch v.k {
		case kInt, kBool:
			n = v.i
		case kFloat:
			if conv != 'd' && conv != 'i' && conv != 'u' {
				return "", fail
			}
			if v.f != v.f || v.f > 1e18 || v.f < -1e18 {
				return "", unknown
			}
			n = int64(v.f)
		default:
			return "", fail
		}
		neg := n < 0
		u := uint64(n)
		if neg {
			u = uint64(-n)
		}
		base, prefix := 10, ""
		switch conv {
		case 'o':
			base, prefix = 8, "0o"
		case 'x':
			base, prefix = 16, "0x"
		case 'X':
			base, prefix = 16, "0X"
		}
		s := strconv.FormatUint(u, base)
		if conv == 'X' {
			s = strings.ToUpper(s)
		}
		if prec > len(s) {
			s = strings.Repeat("0", prec-len(s)) + s
		}
		if strings.Contains(flags, "#") {
			s = prefix + s
		}
		switch {
		case neg:
			s = "-" + s
		case strings.Contains(flags, "+"):
			s = "+" + s
		case strings.Contains(flags, " "):
			s = " " + s
		}
		return s, ok
	}
	return "", unknown
}
