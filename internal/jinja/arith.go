package jinja

import (
	"math"
	"strings"
)

// arith evaluates + - * / // % ** on concrete alternatives with Python
// semantics (string and list concatenation and repetition, printf-style %).
func (a *analyzer) arith(op string, l, r Val) Val {
	return a.lift([]Val{l, r}, func(cs []cval) (cval, status) {
		x, y := cs[0], cs[1]
		if op == "%" && x.k == kStr {
			s, st := pyPercent(x.s, y)
			return str(s), st
		}
		xi, xInt := toInt(x)
		yi, yInt := toInt(y)
		switch op {
		case "+":
			switch {
			case x.k == kStr && y.k == kStr:
				return str(x.s + y.s), ok
			case (x.k == kList && y.k == kList) || (x.k == kTuple && y.k == kTuple):
				if len(x.items)+len(y.items) > maxItems {
					return cval{}, unknown
				}
				return cval{k: x.k, items: append(append([]cval(nil), x.items...), y.items...)}, ok
			case xInt && yInt:
				s := xi + yi
				if (s > xi) != (yi > 0) {
					return cval{}, unknown
				}
				return intv(s), ok
			}
		case "-":
			if xInt && yInt {
				s := xi - yi
				if (s < xi) != (yi > 0) {
					return cval{}, unknown
				}
				return intv(s), ok
			}
		case "*":
			switch {
			case x.k == kStr && yInt:
				return repeat(a, x, yi)
			case y.k == kStr && xInt:
				return repeat(a, y, xi)
			case (x.k == kList || x.k == kTuple) && yInt:
				return repeat(a, x, yi)
			case (y.k == kList || y.k == kTuple) && xInt:
				return repeat(a, y, xi)
			case xInt && yInt:
				if xi != 0 && (xi*yi/xi != yi || math.Abs(float64(xi)*float64(yi)) > 1<<62) {
					return cval{}, unknown
				}
				return intv(xi * yi), ok
			}
		case "//", "%":
			if xInt && yInt {
				if yi == 0 {
					return cval{}, fail
				}
				q, m := xi/yi, xi%yi
				if m != 0 && (m < 0) != (yi < 0) {
					q--
					m += yi
				}
				if op == "//" {
					return intv(q), ok
				}
				return intv(m), ok
			}
		case "**":
			if xInt && yInt && yi >= 0 && yi < 64 {
				f := math.Pow(float64(xi), float64(yi))
				if math.Abs(f) > 1<<62 {
					return cval{}, unknown
				}
				v := int64(1)
				for range yi {
					v *= xi
				}
				return intv(v), ok
			}
		}
		num := func(c cval) (float64, bool) {
			switch c.k {
			case kInt, kBool:
				return float64(c.i), true
			case kFloat:
				return c.f, true
			}
			return 0, false
		}
		xf, xn := num(x)
		yf, yn := num(y)
		if xn && yn {
			switch op {
			case "+":
				return cval{k: kFloat, f: xf + yf}, ok
			case "-":
				return cval{k: kFloat, f: xf - yf}, ok
			case "*":
				return cval{k: kFloat, f: xf * yf}, ok
			case "/":
				if yf == 0 {
					return cval{}, fail
				}
				return cval{k: kFloat, f: xf / yf}, ok
			}
			return cval{}, unknown
		}
		if x.k == kStr || y.k == kStr || x.k == kList || y.k == kList || x.k == kTuple || y.k == kTuple {
			if x.k == kUndef || y.k == kUndef || x.k == kNone || y.k == kNone {
				return cval{}, fail
			}
		}
		if x.k == kFunc || y.k == kFunc || x.k == kNS || y.k == kNS || x.k == kMacro || y.k == kMacro {
			return cval{}, unknown
		}
		return cval{}, fail
	})
}

func repeat(a *analyzer, c cval, n int64) (cval, status) {
	if n <= 0 {
		if c.k == kStr {
			return str(""), ok
		}
		return cval{k: c.k}, ok
	}
	if c.k == kStr {
		if int64(len(c.s))*n > int64(a.strLimit()) {
			return cval{}, unknown
		}
		return str(strings.Repeat(c.s, int(n))), ok
	}
	if int64(len(c.items))*n > maxItems {
		return cval{}, unknown
	}
	var items []cval
	for range n {
		items = append(items, c.items...)
	}
	return cval{k: c.k, items: items}, ok
}
