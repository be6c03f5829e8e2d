package hdf5

// Shared messages: a message whose body lives elsewhere, either in another
// object header (a committed datatype) or in the file's shared-message
// (SOHM) heap.

// sohmIndex is one index of the shared-message table.
type sohmIndex struct {
	types uint16 // bit n set: messages of type n are shared here
	heap  uint64 // fractal heap holding the messages
}

// readSOHMTable parses the shared-message table message of the superblock
// extension and the SMTB block it points to.
func (f *File) readSOHMTable(w *walker, data []byte) error {
	d := f.dec(data, "shared message table message")
	if v := d.u8(); d.err == nil && v != 0 {
		return errf(ErrUnsupported, "shared message table message version %d", v)
	}
	addr := d.addr()
	n := int(d.u8())
	if d.err != nil {
		return d.err
	}
	if n == 0 {
		return nil
	}
	entry := 1 + 1 + 2 + 4 + 2 + 2 + 2 + 2*f.offSize
	b, err := w.read(addr, uint64(4+n*entry+4), "shared message table")
	if err != nil {
		return err
	}
	if err := sig(b, "SMTB", "shared message table", addr); err != nil {
		return err
	}
	if err := checksum(b, 4+n*entry, "shared message table", addr); err != nil {
		return err
	}
	t := f.dec(b[4:], "shared message table")
	for i := 0; i < n; i++ {
		if v := t.u8(); t.err == nil && v != 0 {
			return errf(ErrUnsupported, "shared message index version %d", v)
		}
		t.u8() // index type: list or B-tree (not needed to read a heap ID)
		types := t.u16()
		t.skip(4 + 2 + 2 + 2) // minimum size, cutoffs, number of messages
		t.addr()              // index address
		heap := t.addr()
		f.sohm = append(f.sohm, sohmIndex{types: types, heap: heap})
	}
	return t.err
}

// sharedBody returns the body of a shared message of type typ whose
// encoded reference is ref.
func (w *walker) sharedBody(typ uint16, ref []byte, depth int) ([]byte, error) {
	if depth > w.lim.MaxDepth {
		return nil, errf(ErrLimit, "shared message chain deeper than %d", w.lim.MaxDepth)
	}
	if err := w.tick("shared message"); err != nil {
		return nil, err
	}
	d := w.f.dec(ref, "shared message")
	version := d.u8()
	kind := d.u8()
	var addr uint64
	switch version {
	case 1:
		d.skip(6)
		d.skip(w.f.lenSize) // reserved (was a local heap address)
		addr = d.addr()
	case 2:
		addr = d.addr()
	case 3:
		switch kind {
		case 1: // in the SOHM heap
			id := d.bytes(8)
			if d.err != nil {
				return nil, d.err
			}
			return w.sohmMessage(typ, id, depth)
		case 2: // in another object header
			addr = d.addr()
		default:
			return nil, errf(ErrUnsupported, "shared message storage type %d", kind)
		}
	default:
		if d.err == nil {
			return nil, errf(ErrUnsupported, "shared message version %d", version)
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	oh, err := w.header(addr, depth+1)
	if err != nil {
		return nil, err
	}
	m := oh.find(typ)
	if m == nil {
		return nil, errf(ErrMalformed, "shared message: object header %#x has no message of type %#x", addr, typ)
	}
	if m.flags&mflagShared != 0 {
		return w.sharedBody(typ, m.data, depth+1)
	}
	return m.data, nil
}

func (w *walker) sohmMessage(typ uint16, id []byte, depth int) ([]byte, error) {
	if len(w.f.sohm) == 0 {
		return nil, errf(ErrMalformed, "message of type %#x shared in the SOHM heap, but the file has no shared message table", typ)
	}
	for _, ix := range w.f.sohm {
		if typ < 16 && ix.types&(1<<typ) != 0 {
			h, err := w.heap(ix.heap)
			if err != nil {
				return nil, err
			}
			return w.heapObject(h, id, depth+1)
		}
	}
	return nil, errf(ErrMalformed, "no shared message index holds messages of type %#x", typ)
}

// body returns the message body of m, resolving a shared message.
func (w *walker) body(m *message, depth int) ([]byte, error) {
	if m.flags&mflagShared != 0 {
		return w.sharedBody(m.typ, m.data, depth)
	}
	return m.data, nil
}
