package pickle

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelscan-go/modelscan/internal/pyrepr"
)

// Render writes v as Python-like source text, e.g.
// posix.system('echo pwned'), bounded to about max bytes.
func Render(v Value, max int) string {
	var b strings.Builder
	rw := renderer{b: &b, max: max}
	rw.value(v, 0)
	s := b.String()
	if len(s) > max && max > 3 {
		cut := max - 3
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

type renderer struct {
	b   *strings.Builder
	max int
}

func (r renderer) full() bool { return r.b.Len() > r.max }

func (r renderer) value(v Value, depth int) {
	if r.full() {
		return
	}
	if depth > 8 {
		r.b.WriteString("...")
		return
	}
	switch x := v.(type) {
	case nil:
		r.b.WriteString("<?>")
	case NoneV:
		r.b.WriteString("None")
	case Bool:
		if x {
			r.b.WriteString("True")
		} else {
			r.b.WriteString("False")
		}
	case Int:
		r.b.WriteString(strconv.FormatInt(int64(x), 10))
	case *BigInt:
		r.b.WriteString(x.V.String())
	case Float:
		r.b.WriteString(pyFloat(float64(x)))
	case *Str:
		r.b.WriteString(pyrepr.ClippedStr(x.S, r.max))
		if x.Long != nil {
			if x.Long.Len >= 0 {
				fmt.Fprintf(r.b, "<…%d bytes>", x.Long.Len)
			} else {
				r.b.WriteString("<…>")
			}
		}
	case *Bytes:
		if x.ByteArray {
			r.b.WriteString("bytearray(")
		}
		r.b.WriteString(pyBytes(x.Prefix(), r.max))
		if !x.Full() {
			fmt.Fprintf(r.b, "<…%d bytes>", x.Len)
		}
		if x.ByteArray {
			r.b.WriteString(")")
		}
	case *Seq:
		open, close := "(", ")"
		switch x.Kind {
		case KList:
			open, close = "[", "]"
		case KSet:
			open, close = "{", "}"
			if x.N == 0 {
				r.b.WriteString("set()")
				return
			}
		case KFrozenSet:
			open, close = "frozenset({", "})"
		}
		r.b.WriteString(open)
		for i, it := range x.Items {
			if i > 0 {
				r.b.WriteString(", ")
			}
			if r.full() {
				break
			}
			r.value(it, depth+1)
		}
		if x.Dropped || int64(len(x.Items)) < x.N {
			fmt.Fprintf(r.b, ", ...<%d items>", x.N)
		}
		if x.Kind == KTuple && x.N == 1 {
			r.b.WriteString(",")
		}
		r.b.WriteString(close)
	case *Dict:
		r.b.WriteString("{")
		for i := range x.Keys {
			if i > 0 {
				r.b.WriteString(", ")
			}
			if r.full() {
				break
			}
			r.value(x.Keys[i], depth+1)
			r.b.WriteString(": ")
			r.value(x.Vals[i], depth+1)
		}
		if x.Dropped {
			fmt.Fprintf(r.b, ", ...<%d items>", x.N)
		}
		r.b.WriteString("}")
	case *Global:
		r.b.WriteString(x.Module)
		r.b.WriteString(".")
		r.b.WriteString(x.Name)
	case *Call:
		r.value(x.Func, depth+1)
		r.b.WriteString("(")
		n := 0
		for _, it := range x.Args.Items {
			if n > 0 {
				r.b.WriteString(", ")
			}
			r.value(it, depth+1)
			n++
		}
		if kw, ok := x.Kwargs.(*Dict); ok {
			for i := range kw.Keys {
				if n > 0 {
					r.b.WriteString(", ")
				}
				if s, ok := StrValue(kw.Keys[i]); ok {
					r.b.WriteString(s)
					r.b.WriteString("=")
				} else {
					r.b.WriteString("**")
				}
				r.value(kw.Vals[i], depth+1)
				n++
			}
		} else if x.Kwargs != nil {
			if n > 0 {
				r.b.WriteString(", ")
			}
			r.b.WriteString("**")
			r.value(x.Kwargs, depth+1)
		}
		r.b.WriteString(")")
	case *Pers:
		r.b.WriteString("persistent_load(")
		r.value(x.ID, depth+1)
		r.b.WriteString(")")
	case *Unresolved:
		r.b.WriteString("<unresolved import>")
	case *Buffer:
		r.b.WriteString("<out-of-band buffer>")
	case *Opaque:
		fmt.Fprintf(r.b, "<%s>", x.What)
	default:
		fmt.Fprintf(r.b, "<%T>", v)
	}
}

func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

func pyBytes(p []byte, max int) string {
	var b strings.Builder
	b.WriteString("b'")
	for _, c := range p {
		if b.Len() > max {
			break
		}
		switch {
		case c == '\'' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
