// Package pyrepr writes text the way Python's repr() shows a str, for
// evidence and for the values a template analysis works out.
package pyrepr

import (
	"fmt"
	"math"
	"strings"
	"unicode"
)

// Str is Python's repr() of the str s: in single quotes unless s holds a
// single quote and no double quote; the backslash, the quote, \n, \r, \t,
// the other C0 controls and DEL escaped; characters above U+007F that
// Python does not print escaped as \xhh, \uhhhh or \Uhhhhhhhh. Invalid
// UTF-8 shows as U+FFFD.
func Str(s string) string { return quote(s, math.MaxInt, true) }

// ClippedStr quotes s as Str does, with two differences: characters above
// U+007F are written as they are, and once the text written passes max
// bytes no further character is added (the closing quote still is).
func ClippedStr(s string, max int) string { return quote(s, max, false) }

func quote(s string, max int, escapeUnprintable bool) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		if b.Len() > max {
			break
		}
		switch {
		case r == '\\' || r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x80 || !escapeUnprintable || unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
