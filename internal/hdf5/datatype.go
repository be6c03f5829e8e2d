package hdf5

import (
	"bytes"
	"math"
)

// Datatype classes.
const (
	classInt      = 0
	classFloat    = 1
	classTime     = 2
	classString   = 3
	classBitfield = 4
	classOpaque   = 5
	classCompound = 6
	classRef      = 7
	classEnum     = 8
	classVlen     = 9
	classArray    = 10
)

var classNames = [...]string{"fixed-point", "floating-point", "time", "string", "bitfield", "opaque",
	"compound", "reference", "enumerated", "variable-length", "array"}

// dtype is a decoded datatype message (the parts this reader uses).
type dtype struct {
	class  int
	bits   uint32 // class bit field
	size   uint64
	be     bool
	signed bool
	// fixed and floating point
	off, prec                        uint16
	expLoc, expSize, manLoc, manSize uint8
	// strings
	pad, cset uint8
	// variable-length
	vlenStr bool
	// enum base
	base *dtype
}

func (t *dtype) className() string {
	if t.class < len(classNames) {
		return classNames[t.class]
	}
	return "unknown"
}

// parseDatatype decodes a datatype message.
func (w *walker) parseDatatype(b []byte, depth int) (*dtype, error) {
	if depth > w.lim.MaxDepth {
		return nil, errf(ErrLimit, "datatype nested deeper than %d", w.lim.MaxDepth)
	}
	d := w.f.dec(b, "datatype message")
	cv := d.u8()
	bf := d.uvar(3)
	t := &dtype{class: int(cv & 0x0F), bits: uint32(bf), size: uint64(d.u32())}
	if d.err != nil {
		return nil, d.err
	}
	if v := cv >> 4; v < 1 || v > 5 {
		return nil, errf(ErrUnsupported, "datatype version %d", v)
	}
	switch t.class {
	case classInt, classBitfield:
		t.be = bf&1 != 0
		t.signed = bf&0x08 != 0
		t.off, t.prec = d.u16(), d.u16()
	case classFloat:
		if bf&0x40 != 0 {
			return nil, errf(ErrUnsupported, "VAX-endian floating-point datatype")
		}
		t.be = bf&1 != 0
		t.off, t.prec = d.u16(), d.u16()
		t.expLoc, t.expSize, t.manLoc, t.manSize = d.u8(), d.u8(), d.u8(), d.u8()
		d.u32() // exponent bias
	case classString:
		t.pad, t.cset = uint8(bf&0x0F), uint8(bf>>4&0x0F)
	case classVlen:
		t.vlenStr = bf&0x0F == 1
		t.pad, t.cset = uint8(bf>>4&0x0F), uint8(bf>>8&0x0F)
	case classEnum:
		base, err := w.parseDatatype(b[d.off:], depth+1)
		if err != nil {
			return nil, err
		}
		t.base = base
	}
	return t, d.err
}

// values decodes the raw attribute data raw of type t into a.
func (w *walker) values(a *Attr, t *dtype, raw []byte) error {
	count := uint64(1)
	for _, n := range a.Dims {
		if n != 0 && count > math.MaxInt64/n {
			return errf(ErrLimit, "attribute with %v elements", a.Dims)
		}
		count *= n
	}
	limit := uint64(w.lim.MaxAttrBytes)
	if t.size == 0 {
		return errf(ErrMalformed, "datatype of size 0")
	}
	if count > limit/t.size {
		return errf(ErrLimit, "attribute of %d elements of %d bytes (limit %d bytes)", count, t.size, limit)
	}
	need := count * t.size
	if need > uint64(len(raw)) {
		return errf(ErrMalformed, "attribute data: %d bytes stored, %d needed", len(raw), need)
	}
	raw = raw[:need]
	// decoded values are copies: count them, as the same stored bytes can
	// be reached from many places (dense records sharing a heap object)
	if err := w.charge(int64(need), "attribute value"); err != nil {
		return err
	}
	n := int(count)
	switch t.class {
	case classString:
		a.Kind = KindString
		a.UTF8 = t.cset == 1
		a.Strs = make([]string, 0, n)
		for i := 0; i < n; i++ {
			s := raw[uint64(i)*t.size : uint64(i+1)*t.size]
			if t.pad == 2 {
				s = bytes.TrimRight(s, " ")
			} else {
				s = bytes.TrimRight(s, "\x00")
			}
			a.addStr(s)
		}
	case classVlen:
		if !t.vlenStr {
			return errf(ErrUnsupported, "variable-length sequence attribute")
		}
		a.Kind, a.VarLen = KindString, true
		a.UTF8 = t.cset == 1
		if t.size < uint64(4+w.f.offSize+4) {
			return errf(ErrMalformed, "variable-length string element of %d bytes", t.size)
		}
		a.Strs = make([]string, 0, n)
		budget := int64(w.lim.MaxAttrBytes) - int64(need)
		for i := 0; i < n; i++ {
			d := w.f.dec(raw[uint64(i)*t.size:uint64(i+1)*t.size], "variable-length string")
			ln := uint64(d.u32())
			addr := d.addr()
			idx := d.u32()
			if d.err != nil {
				return d.err
			}
			if ln == 0 {
				a.addStr(nil)
				continue
			}
			if ln > uint64(budget) {
				return errf(ErrLimit, "variable-length strings of attribute exceed %d bytes", w.lim.MaxAttrBytes)
			}
			obj, err := w.gheapObject(addr, idx, budget)
			if err != nil {
				return err
			}
			if uint64(len(obj)) < ln {
				return errf(ErrMalformed, "variable-length string of %d bytes in a %d-byte heap object", ln, len(obj))
			}
			budget -= int64(len(obj))
			a.addStr(obj[:ln])
		}
	case classInt, classEnum:
		it := t
		if t.class == classEnum {
			it = t.base
			if it == nil || it.class != classInt || it.size != t.size {
				return errf(ErrUnsupported, "enumeration over a %s base type", it.className())
			}
		}
		if err := it.intLayout(); err != nil {
			return err
		}
		a.Kind, a.Unsigned = KindInt, !it.signed
		a.Ints = make([]int64, n)
		for i := range a.Ints {
			a.Ints[i] = it.intAt(raw[uint64(i)*t.size:])
		}
	case classFloat:
		conv, err := t.floatConv()
		if err != nil {
			return err
		}
		a.Kind = KindFloat
		a.Floats = make([]float64, n)
		for i := range a.Floats {
			a.Floats[i] = conv(t.uintAt(raw[uint64(i)*t.size:]))
		}
	default:
		return errf(ErrUnsupported, "%s datatype (class %d) attribute", t.className(), t.class)
	}
	return nil
}

func (a *Attr) addStr(s []byte) {
	if bytes.IndexByte(s, 0) >= 0 {
		a.NUL = true
	}
	a.Strs = append(a.Strs, string(s))
	if len(a.Strs) == 1 {
		a.Str = a.Strs[0]
	} else {
		a.Str = ""
	}
}

// intLayout checks that an integer type can be decoded.
func (t *dtype) intLayout() error {
	if t.size < 1 || t.size > 8 {
		return errf(ErrUnsupported, "%d-byte integer", t.size)
	}
	if t.prec == 0 || uint64(t.off)+uint64(t.prec) > 8*t.size {
		return errf(ErrMalformed, "integer bit offset %d precision %d in %d bytes", t.off, t.prec, t.size)
	}
	return nil
}

// uintAt reads a t.size-byte unsigned value in the type's byte order.
func (t *dtype) uintAt(b []byte) uint64 {
	var v uint64
	for i := 0; i < int(t.size); i++ {
		if t.be {
			v = v<<8 | uint64(b[i])
		} else {
			v |= uint64(b[i]) << (8 * i)
		}
	}
	return v
}

func (t *dtype) intAt(b []byte) int64 {
	v := t.uintAt(b) >> t.off
	if t.prec < 64 {
		v &= 1<<t.prec - 1
		if t.signed && v&(1<<(t.prec-1)) != 0 {
			v |= ^uint64(0) << t.prec
		}
	}
	return int64(v)
}

// floatConv returns the conversion of the raw bits of an IEEE half,
// single or double precision value.
func (t *dtype) floatConv() (func(uint64) float64, error) {
	layout := [5]uint64{t.size, uint64(t.expLoc), uint64(t.expSize), uint64(t.manLoc), uint64(t.manSize)}
	switch {
	case t.off != 0:
	case layout == [5]uint64{8, 52, 11, 0, 52}:
		return math.Float64frombits, nil
	case layout == [5]uint64{4, 23, 8, 0, 23}:
		return func(v uint64) float64 { return float64(math.Float32frombits(uint32(v))) }, nil
	case layout == [5]uint64{2, 10, 5, 0, 10}:
		return half, nil
	}
	return nil, errf(ErrUnsupported, "floating-point layout (size %d, exponent %d@%d, mantissa %d@%d)",
		t.size, t.expSize, t.expLoc, t.manSize, t.manLoc)
}

// half converts IEEE 754 binary16 bits.
func half(v uint64) float64 {
	sign := 1.0
	if v&0x8000 != 0 {
		sign = -1
	}
	exp := int(v>>10) & 0x1F
	man := float64(v & 0x3FF)
	switch exp {
	case 0:
		return sign * math.Ldexp(man, -24)
	case 0x1F:
		if man != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1+man/1024, exp-15)
}
