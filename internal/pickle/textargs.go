package pickle

import (
	"errors"
	"hash/fnv"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file parses the arguments of the text opcodes (protocol 0/1) the way
// CPython's C unpickler does. Lines include their trailing '\n'.

var (
	errBadInt    = errors.New("could not convert string to int")
	errBadFloat  = errors.New("could not convert string to float")
	errUnquoted  = errors.New("the STRING opcode argument must be quoted")
	errBadEscape = errors.New("invalid \\x escape")
	errBadUEsc   = errors.New("truncated \\uXXXX escape")
)

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// strtol mimics C strtol(s, &end, 0) on the NUL-terminated copy of a line:
// it returns the value, the index where parsing stopped and whether the
// value overflowed a C long (int64 here).
func strtol(s string) (v int64, end int, overflow bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := 10
	if i < len(s) && s[i] == '0' {
		base = 8
		if i+2 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') && hexVal(s[i+2]) >= 0 {
			base = 16
			i += 2
		}
	}
	first := i
	var acc uint64
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	for i < len(s) {
		d := digitVal(s[i])
		if d < 0 || d >= base {
			break
		}
		if !overflow {
			if acc > (limit-uint64(d))/uint64(base) {
				overflow = true
			} else {
				acc = acc*uint64(base) + uint64(d)
			}
		}
		i++
	}
	if i == first {
		return 0, 0, false // no digits: endptr = s
	}
	if overflow {
		return 0, i, true
	}
	if neg {
		return int64(-acc), i, false
	}
	return int64(acc), i, false
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

func hexVal(c byte) int {
	d := digitVal(c)
	if d >= 16 {
		return -1
	}
	return d
}

// pyLongFromString mimics PyLong_FromString(s, NULL, base) with base 0 or
// 10: surrounding whitespace, a sign, base prefixes (base 0), underscores
// between digits; leading zeros are refused for a non-zero base-0 decimal.
func pyLongFromString(s string, base int) (*big.Int, error) {
	s = strings.TrimFunc(s, func(r rune) bool { return r < 128 && isCSpace(byte(r)) })
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if base == 0 {
		base = 10
		if len(s) >= 2 && s[0] == '0' {
			switch s[1] {
			case 'x', 'X':
				base, s = 16, s[2:]
			case 'o', 'O':
				base, s = 8, s[2:]
			case 'b', 'B':
				base, s = 2, s[2:]
			default:
				if strings.Trim(s, "0_") != "" {
					return nil, errBadInt // leading zeros in a decimal literal
				}
			}
			if base != 10 && strings.HasPrefix(s, "_") {
				s = s[1:]
			}
		}
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return nil, errBadInt
	}
	s = strings.ReplaceAll(s, "_", "")
	v, ok := new(big.Int).SetString(s, base)
	if !ok {
		return nil, errBadInt
	}
	if neg {
		v.Neg(v)
	}
	return v, nil
}

// cstr returns what C functions see of a line: the bytes up to the first
// NUL (the C unpickler hands the line to strtol & co. as a C string).
func cstr(line []byte) string {
	if i := indexByte(line, 0); i >= 0 {
		return string(line[:i])
	}
	return string(line)
}

// parseINT parses the INT opcode line ("I01\n" is True, "I00\n" False).
func parseINT(line []byte) (Value, error) {
	if len(line) < 2 {
		return nil, errTruncated
	}
	s := cstr(line)
	x, end, ovf := strtol(s)
	// CPython: errno || (*endptr != '\n' && *endptr) || (endptr[0]=='\n' && endptr[1] != '\0')
	// (with no digits endptr is the start: an empty C string is 0)
	rest := s[end:]
	bad := ovf || !(rest == "\n" || rest == "")
	if bad {
		v, err := pyLongFromString(s, 0)
		if err != nil {
			return nil, errBadInt
		}
		return bigOrInt(v), nil
	}
	if len(line) == 3 && (x == 0 || x == 1) {
		return Bool(x == 1), nil
	}
	return mkInt(x), nil
}

// parseLONG parses the LONG opcode line; a trailing 'L' is optional.
func parseLONG(line []byte) (Value, error) {
	if len(line) < 2 {
		return nil, errTruncated
	}
	s := string(line)
	if s[len(s)-2] == 'L' {
		s = s[:len(s)-2]
	}
	v, err := pyLongFromString(cstr([]byte(s)), 0)
	if err != nil {
		return nil, errBadInt
	}
	return bigOrInt(v), nil
}

// parseMemoIndex parses GET/PUT arguments: PyLong_FromString(s, NULL, 10)
// on the C string.
func parseMemoIndex(line []byte) (int64, error) { return memoIndex(cstr(line), false) }

// parseMemoIndexPython is int(line[:-1]) of the pure-Python unpickler, whose
// memo is a dict: any int is a key.
func parseMemoIndexPython(line []byte) (int64, error) { return memoIndex(string(line), true) }

func memoIndex(s string, anyInt bool) (int64, error) {
	v, err := pyLongFromString(s, 10)
	if err != nil {
		return 0, errBadInt
	}
	if v.Sign() < 0 {
		return 0, errors.New("negative PUT argument")
	}
	if !v.IsInt64() {
		if !anyInt {
			return 0, errors.New("Python int too large to convert to C ssize_t")
		}
		// a memo key beyond int64: kept apart from every real index
		h := fnv.New64a()
		h.Write(v.Bytes())
		return math.MinInt64 + int64(h.Sum64()>>1), nil
	}
	return v.Int64(), nil
}

// parseLONGPython is int(val, 0) on the whole line (no C string).
func parseLONGPython(line []byte) (Value, error) {
	if len(line) < 2 {
		return nil, errTruncated
	}
	s := string(line[:len(line)-1])
	s = strings.TrimSuffix(s, "L")
	v, err := pyLongFromString(s, 0)
	if err != nil {
		return nil, errBadInt
	}
	return bigOrInt(v), nil
}

func bigOrInt(v *big.Int) Value {
	if v.IsInt64() {
		return mkInt(v.Int64())
	}
	return &BigInt{V: v}
}

// parseFLOAT mimics PyOS_string_to_double followed by the endptr check of
// load_float: the whole line up to '\n' must be a float literal.
func parseFLOAT(line []byte) (Value, error) {
	s := strings.TrimSuffix(cstr(line), "\n")
	if !isCFloat(s) {
		return nil, errBadFloat
	}
	return floatValue(s, true)
}

// floatValue converts a validated float literal. overflowErr says whether
// a finite literal too large for a double is an error (the C unpickler:
// OverflowError) or infinity (Python's float()).
func floatValue(s string, overflowErr bool) (Value, error) {
	low := strings.ToLower(strings.TrimLeft(s, "+-"))
	if low == "nan" {
		if strings.HasPrefix(s, "-") {
			return Float(math.Copysign(math.NaN(), -1)), nil
		}
		return Float(math.NaN()), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			if math.IsInf(f, 0) && overflowErr {
				return nil, errors.New("float literal is too large")
			}
			return Float(f), nil
		}
		return nil, errBadFloat
	}
	return Float(f), nil
}

// parseINTPython is pickle._Unpickler.load_int: exactly "00"/"01" are
// booleans, anything else goes through int(data, 0).
func parseINTPython(line []byte) (Value, error) {
	switch string(line) {
	case "00\n":
		return Bool(false), nil
	case "01\n":
		return Bool(true), nil
	}
	v, err := pyLongFromString(string(line), 0)
	if err != nil {
		return nil, errBadInt
	}
	return bigOrInt(v), nil
}

// parseFLOATPython is float(data): surrounding whitespace and underscores
// between digits are accepted, overflow gives infinity.
func parseFLOATPython(line []byte) (Value, error) {
	s := strings.TrimFunc(string(line), func(r rune) bool { return r < 128 && isCSpace(byte(r)) })
	if strings.Contains(s, "_") {
		if strings.HasPrefix(s, "_") || strings.HasSuffix(s, "_") || strings.Contains(s, "__") || !underscoresBetweenDigits(s) {
			return nil, errBadFloat
		}
		s = strings.ReplaceAll(s, "_", "")
	}
	if !isCFloat(s) {
		return nil, errBadFloat
	}
	return floatValue(s, false)
}

func underscoresBetweenDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && (i == 0 || i == len(s)-1 || !isDigit(s[i-1]) || !isDigit(s[i+1])) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isCFloat accepts what _Py_dg_strtod accepts: an optional sign, then
// digits with an optional point and exponent, or inf/infinity/nan.
func isCFloat(s string) bool {
	if s == "" {
		return false
	}
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i++
	}
	rest := strings.ToLower(s[i:])
	if rest == "inf" || rest == "infinity" || rest == "nan" {
		return true
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	return i == len(s)
}

// unquoteSTRING strips the newline and the outer quotes of a STRING line
// and applies PyBytes_DecodeEscape.
func unquoteSTRING(line []byte) ([]byte, error) {
	if len(line) == 0 {
		return nil, errTruncated
	}
	s := line[:len(line)-1]
	if len(s) >= 2 && s[0] == s[len(s)-1] && (s[0] == '\'' || s[0] == '"') {
		s = s[1 : len(s)-1]
	} else {
		return nil, errUnquoted
	}
	return decodeEscape(s)
}

// decodeEscape implements Python's bytes escape decoding (codecs.escape_decode).
func decodeEscape(s []byte) ([]byte, error) {
	if indexByte(s, '\\') < 0 {
		return append([]byte(nil), s...), nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, errors.New("\\ at end of string")
		}
		switch c = s[i]; c {
		case '\n':
		case '\\', '\'', '"':
			out = append(out, c)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 't':
			out = append(out, '\t')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 'v':
			out = append(out, '\v')
		case 'a':
			out = append(out, '\a')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for k := 0; k < 2 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(s[i]-'0')
			}
			out = append(out, byte(v))
		case 'x':
			if i+2 >= len(s) || hexVal(s[i+1]) < 0 || hexVal(s[i+2]) < 0 {
				return nil, errBadEscape
			}
			out = append(out, byte(hexVal(s[i+1])<<4|hexVal(s[i+2])))
			i += 2
		default:
			out = append(out, '\\', c)
		}
	}
	return out, nil
}

// decodeRawUnicodeEscape implements the raw_unicode_escape codec used by the
// UNICODE opcode: \uXXXX and \UXXXXXXXX are escapes only after an odd number
// of backslashes; every other byte is Latin-1.
func decodeRawUnicodeEscape(s []byte) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			b.WriteRune(rune(c))
			i++
			continue
		}
		// count the run of backslashes
		j := i
		for j < len(s) && s[j] == '\\' {
			j++
		}
		run := j - i
		if run%2 == 0 || j >= len(s) || (s[j] != 'u' && s[j] != 'U') {
			for k := 0; k < run; k++ {
				b.WriteByte('\\')
			}
			i = j
			continue
		}
		for k := 0; k < run-1; k++ {
			b.WriteByte('\\')
		}
		n := 4
		if s[j] == 'U' {
			n = 8
		}
		if j+1+n > len(s) {
			return "", errBadUEsc
		}
		var cp rune
		for k := 0; k < n; k++ {
			d := hexVal(s[j+1+k])
			if d < 0 {
				return "", errBadUEsc
			}
			cp = cp<<4 | rune(d)
		}
		if cp > utf8.MaxRune {
			return "", errors.New("\\Uxxxxxxxx out of range")
		}
		writeWTF8(&b, cp)
		i = j + 1 + n
	}
	return b.String(), nil
}

// writeWTF8 writes a code point, keeping lone surrogates as their 3-byte
// (generalised UTF-8) form the way Python's str holds them.
func writeWTF8(b *strings.Builder, cp rune) {
	if cp >= 0xD800 && cp <= 0xDFFF {
		b.WriteByte(byte(0xE0 | cp>>12))
		b.WriteByte(byte(0x80 | (cp>>6)&0x3F))
		b.WriteByte(byte(0x80 | cp&0x3F))
		return
	}
	b.WriteRune(cp)
}

// latin1 decodes bytes as Latin-1 (every byte is one code point).
func latin1(p []byte) string {
	ascii := true
	for _, c := range p {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(p)
	}
	r := make([]rune, len(p))
	for i, c := range p {
		r[i] = rune(c)
	}
	return string(r)
}

// decodeUTF8Surrogatepass decodes UTF-8 allowing encoded surrogates, as
// BINUNICODE does ('surrogatepass'). Invalid input is an error.
func decodeUTF8Surrogatepass(p []byte) (string, error) {
	if utf8.Valid(p) {
		return string(p), nil
	}
	// Accept CESU-style surrogate sequences ED A0..BF xx, refuse the rest.
	for i := 0; i < len(p); {
		if p[i] == 0xED && i+2 < len(p) && p[i+1] >= 0xA0 && p[i+1] <= 0xBF && p[i+2]&0xC0 == 0x80 {
			i += 3
			continue
		}
		r, n := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && n <= 1 {
			return "", errors.New("invalid UTF-8 in BINUNICODE argument")
		}
		i += n
	}
	return string(p), nil // surrogates kept as their bytes, as Python keeps them
}
