package hdf5

// gcol is the object index of a global heap collection (GCOL): where each
// object's data starts and how long it is. Object data is read on demand.
type gcol struct {
	objs map[uint16]gobj
}

type gobj struct{ addr, size uint64 }

// gheapObject returns the data of object index in the global heap
// collection at addr, at most max bytes.
func (w *walker) gheapObject(addr uint64, index uint32, max int64) ([]byte, error) {
	c, err := w.collection(addr)
	if err != nil {
		return nil, err
	}
	if index > 0xFFFF {
		return nil, errf(ErrMalformed, "global heap object index %d", index)
	}
	o, ok := c.objs[uint16(index)]
	if !ok {
		return nil, errf(ErrMalformed, "global heap collection at %#x has no object %d", addr, index)
	}
	if o.size > uint64(max) {
		return nil, errf(ErrLimit, "global heap object of %d bytes (limit %d)", o.size, max)
	}
	return w.readData(o.addr, o.size, "global heap object")
}

// collection indexes the collection at addr by reading its object headers
// sequentially, never the whole collection at once.
func (w *walker) collection(addr uint64) (*gcol, error) {
	if c := w.gcols[addr]; c != nil {
		return c, nil
	}
	if err := w.tick("global heap collection"); err != nil {
		return nil, err
	}
	l := w.f.lenSize
	hb, err := w.read(addr, uint64(8+l), "global heap collection")
	if err != nil {
		return nil, err
	}
	if err := sig(hb, "GCOL", "global heap collection", addr); err != nil {
		return nil, err
	}
	if hb[4] != 1 {
		return nil, errf(ErrUnsupported, "global heap collection at %#x: version %d", addr, hb[4])
	}
	size := w.f.dec(hb[8:], "global heap collection").length()
	if size < uint64(8+l) {
		return nil, errf(ErrMalformed, "global heap collection at %#x: size %d", addr, size)
	}
	abs, err := w.f.span(addr, size, "global heap collection")
	if err != nil {
		return nil, err
	}
	c := &gcol{objs: map[uint16]gobj{}}
	// object headers are read through a small window that moves forward;
	// object data is skipped without being read
	buf := make([]byte, 4096)
	var win []byte
	var winAt uint64
	header := func(pos uint64) ([]byte, error) {
		n := uint64(8 + l)
		if win != nil && pos >= winAt && pos+n <= winAt+uint64(len(win)) {
			return win[pos-winAt : pos-winAt+n], nil
		}
		m := min(uint64(len(buf)), size-pos)
		if err := w.charge(int64(m), "global heap collection"); err != nil {
			return nil, err
		}
		if err := readFull(w.f.r, buf[:m], abs+int64(pos)); err != nil {
			return nil, errf(ErrMalformed, "global heap collection at %#x: %v", addr, err)
		}
		win, winAt = buf[:m], pos
		return win[:n], nil
	}
	pos := uint64(8 + l) // relative to addr
	for pos+uint64(8+l) <= size {
		hdr, err := header(pos)
		if err != nil {
			return nil, err
		}
		d := w.f.dec(hdr, "global heap object")
		idx := d.u16()
		d.skip(6) // reference count, reserved
		n := d.length()
		pos += uint64(8 + l)
		if idx == 0 {
			break // free space: the rest of the collection
		}
		if err := w.tick("global heap object"); err != nil {
			return nil, err
		}
		if n > size-pos {
			return nil, errf(ErrMalformed, "global heap collection at %#x: object %d of %d bytes overruns the collection", addr, idx, n)
		}
		if _, dup := c.objs[idx]; dup {
			return nil, errf(ErrMalformed, "global heap collection at %#x: object %d twice", addr, idx)
		}
		c.objs[idx] = gobj{addr: addr + pos, size: n}
		pos += min((n+7)&^7, size-pos)
	}
	if w.gcols == nil {
		w.gcols = map[uint64]*gcol{}
	}
	w.gcols[addr] = c
	return c, nil
}
