package npy

import (
	"regexp"
	"strconv"
	"strings"
)

// maxItemSize bounds a dtype's size; numpy 1.x stores it in a C int.
const maxItemSize = 1<<31 - 1

var timeUnit = regexp.MustCompile(`^\[[0-9]*(Y|M|W|D|h|m|s|ms|us|μs|ns|ps|fs|as|generic)\]$`)

// dtypeOf follows numpy's descr_to_dtype: a typestr, a (descr, shape)
// subarray or a list of fields. It returns the dtype, its item size and
// whether an object type occurs anywhere in it.
func dtypeOf(v *value) (Dtype, int64, bool, error) {
	switch v.kind {
	case kStr:
		return typestr(v)
	case kTuple:
		if len(v.items) != 2 {
			return Dtype{}, 0, false, errAt(v.off, "subarray descr has %d items, want (dtype, shape)", len(v.items))
		}
		d, size, obj, err := dtypeOf(&v.items[0])
		if err != nil {
			return d, 0, false, err
		}
		return subarray(d, size, obj, &v.items[1])
	case kList:
		return structured(v)
	}
	return Dtype{}, 0, false, errAt(v.off, "descr is a %s", v.kind)
}

// typestr parses the typestrs numpy writes: byte order, kind letter, size
// and, for datetimes, a unit. Other spellings np.dtype accepts are rejected.
func typestr(v *value) (Dtype, int64, bool, error) {
	s, t := v.str, v.str
	bad := func() (Dtype, int64, bool, error) {
		return Dtype{}, 0, false, errAt(v.off, "unsupported dtype %q", s)
	}
	if t != "" && strings.IndexByte("<>|=", t[0]) >= 0 {
		t = t[1:]
	}
	if t == "" {
		return bad()
	}
	letter, t := t[0], t[1:]
	unit := ""
	if i := strings.IndexByte(t, '['); i >= 0 {
		t, unit = t[:i], t[i:]
		if (letter != 'M' && letter != 'm') || !timeUnit.MatchString(unit) {
			return bad()
		}
	}
	n := int64(-1) // no size given
	if t != "" {
		var err error
		if strings.Trim(t, "0123456789") != "" {
			return bad()
		}
		if n, err = strconv.ParseInt(t, 10, 64); err != nil || n > maxItemSize {
			return bad()
		}
	}
	in := func(sizes ...int64) bool {
		for _, z := range sizes {
			if n == z {
				return true
			}
		}
		return false
	}
	d := Dtype{Kind: s}
	switch {
	case letter == 'b' && in(-1, 1): // 'b' alone is int8, 'b1' bool
		return d, 1, false, nil
	case (letter == 'i' || letter == 'u') && in(1, 2, 4, 8),
		letter == 'f' && in(2, 4, 8, 16),
		letter == 'c' && in(8, 16, 32):
		return d, n, false, nil
	case letter == 'S' || letter == 'a' || letter == 'V' || letter == 'U':
		if n < 0 {
			n = 0
		}
		if letter == 'U' {
			if n > maxItemSize/4 {
				return bad()
			}
			n *= 4
		}
		return d, n, false, nil
	case letter == 'O' && in(-1, 4, 8):
		return d, 8, true, nil
	case (letter == 'M' || letter == 'm') && in(-1, 8):
		return d, 8, false, nil
	}
	return bad()
}

// subarray applies a field's or tuple's shape, an int or a tuple of ints.
func subarray(base Dtype, size int64, obj bool, sv *value) (Dtype, int64, bool, error) {
	var shape []int64
	switch sv.kind {
	case kInt:
		if size == 0 && base.Fields == nil && base.Sub == nil {
			// np.dtype(('S', 5)) means 'S5', not a subarray
			return Dtype{}, 0, false, errAt(sv.off, "ambiguous int shape for the size-0 type %q", base.Kind)
		}
		shape = []int64{sv.num}
	case kTuple:
		if len(sv.items) == 0 {
			return base, size, obj, nil // np.dtype((t, ())) is t
		}
		if len(sv.items) > maxDims {
			return Dtype{}, 0, false, errAt(sv.off, "subarray has %d dimensions, numpy allows %d", len(sv.items), maxDims)
		}
		for _, d := range sv.items {
			if d.kind != kInt {
				return Dtype{}, 0, false, errAt(d.off, "subarray dimension is a %s", d.kind)
			}
			shape = append(shape, d.num)
		}
	default:
		return Dtype{}, 0, false, errAt(sv.off, "subarray shape is a %s", sv.kind)
	}
	for _, d := range shape {
		if d < 0 {
			return Dtype{}, 0, false, errAt(sv.off, "negative subarray dimension %d", d)
		}
		if d != 0 && size > maxItemSize/d {
			return Dtype{}, 0, false, errAt(sv.off, "subarray dtype larger than %d bytes", maxItemSize)
		}
		size *= d
	}
	return Dtype{Kind: "|V" + strconv.FormatInt(size, 10), Sub: &base, SubShape: shape}, size, obj, nil
}

// structured parses a list of (name, descr) / (name, descr, shape) fields,
// where name may be a (title, name) pair. Like numpy it packs fields without
// alignment and drops void fields with an empty name (padding) after
// counting their size. Objects in padding still count (numpy 1.x reads
// a padding field of type ('O', 1) as an object field).
func structured(v *value) (Dtype, int64, bool, error) {
	d := Dtype{Fields: []Field{}}
	var size int64
	var obj bool
	seen := map[string]bool{}
	for i := range v.items {
		f := &v.items[i]
		if (f.kind != kTuple && f.kind != kList) || len(f.items) < 2 || len(f.items) > 3 {
			return Dtype{}, 0, false, errAt(f.off, "field is not a (name, dtype[, shape]) tuple")
		}
		nv := &f.items[0]
		names := []string{nv.str}
		if nv.kind == kTuple && len(nv.items) == 2 && nv.items[0].kind == kStr && nv.items[1].kind == kStr {
			names = []string{nv.items[1].str, nv.items[0].str} // (title, name)
		} else if nv.kind != kStr {
			return Dtype{}, 0, false, errAt(nv.off, "field name is not a str or (title, name)")
		}
		ft, fsize, fobj, err := dtypeOf(&f.items[1])
		if err == nil && len(f.items) == 3 {
			ft, fsize, fobj, err = subarray(ft, fsize, fobj, &f.items[2])
		}
		if err != nil {
			return Dtype{}, 0, false, err
		}
		if size += fsize; size > maxItemSize {
			return Dtype{}, 0, false, errAt(f.off, "structured dtype larger than %d bytes", maxItemSize)
		}
		obj = obj || fobj
		isVoid := ft.Fields == nil && (ft.Sub != nil || strings.TrimLeft(ft.Kind, "<>|=")[0] == 'V')
		if nv.kind == kStr && nv.str == "" && isVoid {
			continue // padding
		}
		for _, n := range names {
			if seen[n] {
				return Dtype{}, 0, false, errAt(nv.off, "duplicate field name or title %q", n)
			}
			seen[n] = true
		}
		d.Fields = append(d.Fields, Field{Name: names[0], Type: ft})
	}
	d.Kind = "|V" + strconv.FormatInt(size, 10)
	return d, size, obj, nil
}
