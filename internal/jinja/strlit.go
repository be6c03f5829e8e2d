package jinja

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// isPySpace is Python's str.isspace (and the \s of its re module on str):
// Unicode whitespace plus the information separators U+001C..U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyRStrip is Python's str.rstrip() without arguments.
func pyRStrip(s string) string {
	return strings.TrimRightFunc(s, isPySpace)
}

// normalizeNewlines turns \r\n and \r into \n, as Jinja's lexer does for
// data and strings.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// decodeString decodes the body of a Jinja string literal the way Jinja
// does: newlines normalised, non-ASCII characters turned into backslash
// escapes, then Python's "unicode-escape" codec. So '\x5f' is "_", '\137'
// is "_", '\N{LOW LINE}' is "_", and an unknown escape such as '\q' keeps
// its backslash.
func decodeString(raw string) (string, error) {
	raw = normalizeNewlines(raw)
	if !strings.Contains(raw, `\`) {
		if utf8.ValidString(raw) {
			return raw, nil
		}
		return strings.ToValidUTF8(raw, "\uFFFD"), nil
	}
	// Python first encodes with "backslashreplace": a backslash followed by
	// a non-ASCII character then escapes the backslash-replacement itself.
	var ascii strings.Builder
	for _, r := range raw {
		switch {
		case r < 0x80:
			ascii.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&ascii, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&ascii, `\u%04x`, r)
		default:
			fmt.Fprintf(&ascii, `\U%08x`, r)
		}
	}
	return unicodeEscape(ascii.String())
}

// unicodeEscape is Python's "unicode-escape" decoder over ASCII input.
func unicodeEscape(s string) (string, error) {
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", errors.New(`\ at end of string`)
		}
		switch c = s[i]; c {
		case '\n':
		case '\\', '\'', '"':
			out.WriteByte(c)
		case 'a':
			out.WriteByte(7)
		case 'b':
			out.WriteByte(8)
		case 'f':
			out.WriteByte(12)
		case 't':
			out.WriteByte(9)
		case 'n':
			out.WriteByte(10)
		case 'r':
			out.WriteByte(13)
		case 'v':
			out.WriteByte(11)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := rune(c - '0')
			for k := 0; k < 2 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'; k++ {
				i++
				v = v*8 + rune(s[i]-'0')
			}
			out.WriteRune(v)
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			if i+n >= len(s) {
				return "", fmt.Errorf(`truncated \%c escape`, c)
			}
			var v rune
			for k := 1; k <= n; k++ {
				d, ok := hexVal(s[i+k])
				if !ok {
					return "", fmt.Errorf(`truncated \%c escape`, c)
				}
				v = v*16 + rune(d)
			}
			i += n
			if v > unicode.MaxRune {
				return "", errors.New("illegal Unicode character")
			}
			out.WriteRune(v) // surrogates become U+FFFD
		case 'N':
			if i+1 >= len(s) || s[i+1] != '{' {
				return "", errors.New(`malformed \N character escape`)
			}
			end := strings.IndexByte(s[i+2:], '}')
			if end <= 0 {
				return "", errors.New(`malformed \N character escape`)
			}
			name := s[i+2 : i+2+end]
			i += 2 + end
			if r, ok := unicodeNames[strings.ToUpper(name)]; ok {
				out.WriteRune(r)
			} else {
				// A name outside the table is not an ASCII character, so
				// it can never be part of a Python identifier we look for.
				out.WriteRune('\uFFFD')
			}
		default:
			out.WriteByte('\\')
			out.WriteByte(c)
		}
	}
	return out.String(), nil
}

func hexVal(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}

// unicodeNames maps the Unicode names of the printable ASCII characters
// (what \N{...} can spell inside an identifier) to the characters.
var unicodeNames = func() map[string]rune {
	m := map[string]rune{}
	punct := []string{
		" SPACE", "!EXCLAMATION MARK", "\"QUOTATION MARK", "#NUMBER SIGN", "$DOLLAR SIGN", "%PERCENT SIGN",
		"&AMPERSAND", "'APOSTROPHE", "(LEFT PARENTHESIS", ")RIGHT PARENTHESIS", "*ASTERISK", "+PLUS SIGN",
		",COMMA", "-HYPHEN-MINUS", ".FULL STOP", "/SOLIDUS", ":COLON", ";SEMICOLON", "<LESS-THAN SIGN",
		"=EQUALS SIGN", ">GREATER-THAN SIGN", "?QUESTION MARK", "@COMMERCIAL AT", "[LEFT SQUARE BRACKET",
		"\\REVERSE SOLIDUS", "]RIGHT SQUARE BRACKET", "^CIRCUMFLEX ACCENT", "_LOW LINE", "`GRAVE ACCENT",
		"{LEFT CURLY BRACKET", "|VERTICAL LINE", "}RIGHT CURLY BRACKET", "~TILDE",
		"\tCHARACTER TABULATION", "\nLINE FEED", "\rCARRIAGE RETURN", "\nNEW LINE", "\nLF", "\tTAB",
	}
	for _, p := range punct {
		m[p[1:]] = rune(p[0])
	}
	digits := []string{"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"}
	for i, d := range digits {
		m["DIGIT "+d] = rune('0' + i)
	}
	for c := 'A'; c <= 'Z'; c++ {
		m["LATIN CAPITAL LETTER "+string(c)] = c
		m["LATIN SMALL LETTER "+string(c)] = c + 32
	}
	return m
}()
