package jinja

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitsU matches (\d+_)*\d+ at i and returns its end (i if none).
func digitsU(s string, i int) int {
	if i >= len(s) || !isDigit(s[i]) {
		return i
	}
	j := i
	for {
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j+1 < len(s) && s[j] == '_' && isDigit(s[j+1]) {
			j++
			continue
		}
		return j
	}
}

// matchFloat matches Jinja's float_re at i (not right after a dot).
func matchFloat(s string, i int) int {
	if i > 0 && s[i-1] == '.' {
		return i
	}
	a := digitsU(s, i)
	if a == i {
		return i
	}
	exp := func(j int) int {
		if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
			k := j + 1
			if k < len(s) && (s[k] == '+' || s[k] == '-') {
				k++
			}
			if e := digitsU(s, k); e > k {
				return e
			}
		}
		return -1
	}
	if a < len(s) && s[a] == '.' {
		if f := digitsU(s, a+1); f > a+1 {
			if e := exp(f); e > 0 {
				return e
			}
		}
	}
	if e := exp(a); e > 0 {
		return e
	}
	if a < len(s) && s[a] == '.' {
		if f := digitsU(s, a+1); f > a+1 {
			return f
		}
	}
	return i
}

// matchInt matches Jinja's integer_re at i.
func matchInt(s string, i int) int {
	if i >= len(s) || !isDigit(s[i]) {
		return i
	}
	if s[i] == '0' && i+1 < len(s) {
		var ok func(byte) bool
		switch s[i+1] {
		case 'b', 'B':
			ok = func(c byte) bool { return c == '0' || c == '1' }
		case 'o', 'O':
			ok = func(c byte) bool { return c >= '0' && c <= '7' }
		case 'x', 'X':
			ok = func(c byte) bool { _, h := hexVal(c); return h }
		}
		if ok != nil {
			j := i + 2
			for {
				if j < len(s) && ok(s[j]) {
					j++
				} else if j+1 < len(s) && s[j] == '_' && ok(s[j+1]) {
					j += 2
				} else {
					break
				}
			}
			if j > i+2 {
				return j
			}
		}
	}
	if s[i] != '0' {
		j := i + 1
		for {
			if j < len(s) && isDigit(s[j]) {
				j++
			} else if j+1 < len(s) && s[j] == '_' && isDigit(s[j+1]) {
				j += 2
			} else {
				return j
			}
		}
	}
	j := i + 1
	for {
		if j < len(s) && s[j] == '0' {
			j++
		} else if j+1 < len(s) && s[j] == '_' && s[j+1] == '0' {
			j += 2
		} else {
			return j
		}
	}
}

func parseInt(text string) (int64, bool) {
	t := strings.ReplaceAll(text, "_", "")
	base := 10
	if len(t) > 2 && t[0] == '0' {
		switch t[1] {
		case 'b', 'B':
			base, t = 2, t[2:]
		case 'o', 'O':
			base, t = 8, t[2:]
		case 'x', 'X':
			base, t = 16, t[2:]
		}
	}
	v, err := strconv.ParseInt(t, base, 64)
	if err != nil {
		return 0, true
	}
	return v, false
}

func isNameStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r)
}

func isNameCont(r rune) bool {
	return isNameStart(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc, unicode.Nd)
}

func matchName(s string, i int) int {
	r, n := utf8.DecodeRuneInString(s[i:])
	if !isNameStart(r) {
		return i
	}
	j := i + n
	for j < len(s) {
		r, n = utf8.DecodeRuneInString(s[j:])
		if !isNameCont(r) {
			break
		}
		j += n
	}
	return j
}

// matchString matches a quoted string with backslash escapes at i and
// returns the end after the closing quote, or i when unterminated.
func matchString(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return i
}
