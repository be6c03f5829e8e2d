package hdf5

import (
	"errors"
	"fmt"
	"sort"
)

// Attrs returns the attributes of the object at path ("/" is the root
// group), compact and dense alike. They are sorted by creation order when
// the object tracks it, by name otherwise (h5py's iteration order).
//
// Every stored attribute message is returned, duplicates included: libhdf5
// reads only the dense storage when an object has one, but a scanner should
// see compact messages left beside it too.
//
// An attribute whose value cannot be decoded is returned with Err set. An
// error that stops the walk (the object header or the dense-attribute
// index is unreadable) is returned together with the attributes read
// before it.
func (f *File) Attrs(path string) ([]Attr, error) {
	w := f.walker()
	addr, err := w.resolve(path)
	if err != nil {
		return nil, err
	}
	oh, err := w.header(addr, 0)
	if err != nil {
		return nil, err
	}
	return w.attrs(oh)
}

type orderedAttr struct {
	Attr
	order uint64
}

func (w *walker) attrs(oh *objHeader) ([]Attr, error) {
	var list []orderedAttr
	tracked := oh.attrOrderTracked()
	for i := range oh.msgs {
		m := &oh.msgs[i]
		if m.typ != msgAttribute {
			continue
		}
		if err := w.tick("attribute"); err != nil {
			return finish(list, tracked), err
		}
		var a Attr
		body, err := w.body(m, 0)
		if err != nil {
			a.Err = fmt.Errorf("shared attribute message: %w", err)
		} else {
			a = w.decodeAttr(body)
		}
		list = append(list, orderedAttr{Attr: a, order: uint64(m.corder)})
	}
	m := oh.find(msgAttrInfo)
	if m == nil {
		return finish(list, tracked), nil
	}
	body, err := w.body(m, 0)
	if err != nil {
		return finish(list, tracked), fmt.Errorf("attribute info message: %w", err)
	}
	d := w.f.dec(body, "attribute info message")
	if v := d.u8(); d.err == nil && v != 0 {
		return finish(list, tracked), errf(ErrUnsupported, "attribute info message version %d", v)
	}
	flags := d.u8()
	if flags&1 != 0 {
		tracked = true
		d.u16() // maximum creation index
	}
	heapAddr := d.addr()
	nameBT := d.addr()
	if d.err != nil {
		return finish(list, tracked), d.err
	}
	if heapAddr == undef {
		return finish(list, tracked), nil
	}
	h, err := w.heap(heapAddr)
	if err != nil {
		return finish(list, tracked), fmt.Errorf("dense attribute storage: %w", err)
	}
	err = w.btree2(nameBT, 8, 0, func(rec []byte) (bool, error) {
		if len(rec) < 13 {
			return false, errf(ErrMalformed, "attribute name record of %d bytes", len(rec))
		}
		if err := w.tick("attribute"); err != nil {
			return false, err
		}
		a := Attr{Dense: true}
		order := uint64(le32(rec[9:]))
		obj, err := w.heapObject(h, rec[:8], 0)
		var big *tooBigError
		if errors.As(err, &big) && rec[8]&mflagShared == 0 {
			// too big to decode: name it from the first bytes
			a = w.decodeAttr(obj)
			a = Attr{Name: a.Name, Dims: a.Dims, Err: fmt.Errorf("dense attribute: %w", err)}
		} else {
			if err == nil && rec[8]&mflagShared != 0 {
				obj, err = w.sharedBody(msgAttribute, obj, 0)
			}
			if err != nil {
				a.Err = fmt.Errorf("dense attribute: %w", err)
			} else {
				a = w.decodeAttr(obj)
			}
		}
		a.Dense = true
		list = append(list, orderedAttr{Attr: a, order: order})
		return false, nil
	})
	if err != nil {
		err = fmt.Errorf("dense attribute storage: %w", err)
	}
	return finish(list, tracked), err
}

func finish(list []orderedAttr, byOrder bool) []Attr {
	sort.SliceStable(list, func(i, j int) bool {
		if byOrder && list[i].order != list[j].order {
			return list[i].order < list[j].order
		}
		return list[i].Name < list[j].Name
	})
	out := make([]Attr, len(list))
	for i := range list {
		out[i] = list[i].Attr
	}
	return out
}

// decodeAttr decodes an attribute message body. Problems are reported in
// the returned Attr's Err.
func (w *walker) decodeAttr(b []byte) Attr {
	var a Attr
	d := w.f.dec(b, "attribute message")
	version := d.u8()
	var flags uint8
	switch version {
	case 1:
		d.u8()
	case 2, 3:
		flags = d.u8()
	default:
		if d.err == nil {
			a.Err = errf(ErrUnsupported, "attribute message version %d", version)
			return a
		}
	}
	nameSize, dtSize, dsSize := int(d.u16()), int(d.u16()), int(d.u16())
	if version == 3 {
		d.u8() // name character set
	}
	pad := func(n int) int {
		if version == 1 {
			return (n + 7) &^ 7
		}
		return n
	}
	name := d.bytes(pad(nameSize))
	if d.err != nil {
		a.Err = d.err
		return a
	}
	name = name[:min(nameSize, len(name))]
	for i, c := range name {
		if c == 0 {
			name = name[:i]
			break
		}
	}
	a.Name = string(name)
	dt := d.bytes(pad(dtSize))
	ds := d.bytes(pad(dsSize))
	if d.err != nil {
		a.Err = d.err
		return a
	}
	dt, ds = dt[:dtSize], ds[:dsSize]
	var err error
	if flags&1 != 0 {
		if dt, err = w.sharedBody(msgDatatype, dt, 0); err != nil {
			a.Err = fmt.Errorf("shared datatype: %w", err)
			return a
		}
	}
	if flags&2 != 0 {
		if ds, err = w.sharedBody(msgDataspace, ds, 0); err != nil {
			a.Err = fmt.Errorf("shared dataspace: %w", err)
			return a
		}
	}
	t, err := w.parseDatatype(dt, 0)
	if err != nil {
		a.Err = err
		return a
	}
	dims, null, err := w.parseDataspace(ds)
	if err != nil {
		a.Err = err
		return a
	}
	a.Dims = dims
	if null {
		a.Kind = KindEmpty
		return a
	}
	if err := w.values(&a, t, b[d.off:]); err != nil {
		a.Kind = KindUnknown
		a.Strs, a.Ints, a.Floats, a.Str = nil, nil, nil, ""
		a.Err = err
	}
	return a
}

// parseDataspace decodes a dataspace message: dims (nil for a scalar) and
// whether it is the null dataspace.
func (w *walker) parseDataspace(b []byte) ([]uint64, bool, error) {
	d := w.f.dec(b, "dataspace message")
	version := d.u8()
	rank := int(d.u8())
	d.u8() // flags: maximum dimensions (and v1 permutation) present, not needed
	null := false
	switch version {
	case 1:
		d.skip(5)
	case 2:
		switch d.u8() {
		case 0: // scalar
			rank = 0
		case 1: // simple
		case 2:
			null = true
		default:
			if d.err == nil {
				return nil, false, errf(ErrUnsupported, "dataspace type %d", b[3])
			}
		}
	default:
		if d.err == nil {
			return nil, false, errf(ErrUnsupported, "dataspace message version %d", version)
		}
	}
	if rank > 32 {
		return nil, false, errf(ErrMalformed, "dataspace of rank %d", rank)
	}
	var dims []uint64
	for i := 0; i < rank; i++ {
		dims = append(dims, d.length())
	}
	if d.err != nil {
		return nil, false, d.err
	}
	if null {
		return nil, true, nil
	}
	return dims, false, nil
}
