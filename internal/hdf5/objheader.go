package hdf5

// Object header message types used here.
const (
	msgNIL          = 0x0000
	msgDataspace    = 0x0001
	msgLinkInfo     = 0x0002
	msgDatatype     = 0x0003
	msgLink         = 0x0006
	msgAttribute    = 0x000C
	msgSOHMTable    = 0x000F
	msgContinuation = 0x0010
	msgSymbolTable  = 0x0011
	msgAttrInfo     = 0x0015
)

// Header message flags.
const (
	mflagShared = 0x02
)

// message is one object header message.
type message struct {
	typ     uint16
	flags   uint8
	corder  uint16 // creation order, when hasOrder
	hasOrd  bool
	data    []byte
	chunkAt uint64 // address of the chunk holding it (for errors)
}

// objHeader is a parsed object header.
type objHeader struct {
	addr    uint64
	version int
	flags   uint8 // version 2 header flags
	msgs    []message
}

// attrOrderTracked reports whether a version 2 header stores attribute
// creation order in its message headers.
func (oh *objHeader) attrOrderTracked() bool { return oh.version == 2 && oh.flags&0x04 != 0 }

// header reads the object header at addr with its continuation chunks.
// depth is the caller's nesting (shared-message chains).
func (w *walker) header(addr uint64, depth int) (*objHeader, error) {
	if depth > w.lim.MaxDepth {
		return nil, errf(ErrLimit, "object header %#x: nesting deeper than %d", addr, w.lim.MaxDepth)
	}
	if err := w.tick("object header"); err != nil {
		return nil, err
	}
	pre, err := w.readUpTo(addr, 64, "object header")
	if err != nil {
		return nil, err
	}
	oh := &objHeader{addr: addr}
	var conts []chunkRef
	if len(pre) >= 4 && string(pre[:4]) == "OHDR" {
		oh.version = 2
		conts, err = w.headerV2(oh, pre)
	} else if len(pre) >= 1 && pre[0] == 1 {
		oh.version = 1
		conts, err = w.headerV1(oh, pre)
	} else {
		return nil, errf(ErrMalformed, "object header at %#x: neither version 1 nor OHDR", addr)
	}
	if err != nil {
		return nil, err
	}
	seen := map[uint64]bool{addr: true}
	for len(conts) > 0 {
		c := conts[0]
		conts = conts[1:]
		if seen[c.addr] {
			return nil, errf(ErrMalformed, "object header at %#x: continuation chunk %#x reached twice (loop)", addr, c.addr)
		}
		seen[c.addr] = true
		if err := w.tick("header continuation"); err != nil {
			return nil, err
		}
		more, err := w.continuation(oh, c)
		if err != nil {
			return nil, err
		}
		conts = append(conts, more...)
	}
	return oh, nil
}

type chunkRef struct{ addr, size uint64 }

func (w *walker) headerV1(oh *objHeader, pre []byte) ([]chunkRef, error) {
	d := w.f.dec(pre, "object header")
	d.skip(2) // version, reserved
	d.u16()   // number of messages
	d.u32()   // reference count
	size := d.u32()
	if d.err != nil {
		return nil, d.err
	}
	// the prefix is 12 bytes, padded to 16 so messages are 8-byte aligned
	b, err := w.read(oh.addr+16, uint64(size), "object header")
	if err != nil {
		return nil, err
	}
	return w.messagesV1(oh, b, oh.addr+16)
}

func (w *walker) messagesV1(oh *objHeader, b []byte, at uint64) ([]chunkRef, error) {
	var conts []chunkRef
	d := w.f.dec(b, "object header messages")
	for d.rest() >= 8 {
		typ := d.u16()
		n := int(d.u16())
		flags := d.u8()
		d.skip(3)
		data := d.bytes(n)
		if d.err != nil {
			return nil, errf(ErrMalformed, "object header at %#x: message of %d bytes overruns its chunk", oh.addr, n)
		}
		if err := w.tick("header message"); err != nil {
			return nil, err
		}
		c, err := w.addMessage(oh, message{typ: typ, flags: flags, data: data, chunkAt: at})
		if err != nil {
			return nil, err
		}
		if c != nil {
			conts = append(conts, *c)
		}
	}
	return conts, nil
}

func (w *walker) headerV2(oh *objHeader, pre []byte) ([]chunkRef, error) {
	d := w.f.dec(pre, "object header")
	d.skip(4)
	if v := d.u8(); d.err == nil && v != 2 {
		return nil, errf(ErrUnsupported, "object header at %#x: OHDR version %d", oh.addr, v)
	}
	oh.flags = d.u8()
	if oh.flags&0x20 != 0 {
		d.skip(16) // access, modification, change, birth times
	}
	if oh.flags&0x10 != 0 {
		d.skip(4) // max compact / min dense attributes
	}
	size := d.uvar(1 << (oh.flags & 3))
	if d.err != nil {
		return nil, d.err
	}
	pfx := uint64(d.off)
	if size > uint64(w.lim.MaxBlockBytes) {
		return nil, errf(ErrLimit, "object header at %#x: chunk of %d bytes", oh.addr, size)
	}
	b, err := w.read(oh.addr, pfx+size+4, "object header")
	if err != nil {
		return nil, err
	}
	if err := checksum(b, int(pfx+size), "object header", oh.addr); err != nil {
		return nil, err
	}
	return w.messagesV2(oh, b[pfx:pfx+size], oh.addr)
}

func (w *walker) messagesV2(oh *objHeader, b []byte, at uint64) ([]chunkRef, error) {
	var conts []chunkRef
	hsize := 4
	if oh.flags&0x04 != 0 {
		hsize = 6
	}
	d := w.f.dec(b, "object header messages")
	for d.rest() >= hsize { // less is a gap
		m := message{typ: uint16(d.u8()), chunkAt: at}
		n := int(d.u16())
		m.flags = d.u8()
		if hsize == 6 {
			m.corder, m.hasOrd = d.u16(), true
		}
		m.data = d.bytes(n)
		if d.err != nil {
			return nil, errf(ErrMalformed, "object header at %#x: message of %d bytes overruns its chunk", oh.addr, n)
		}
		if err := w.tick("header message"); err != nil {
			return nil, err
		}
		c, err := w.addMessage(oh, m)
		if err != nil {
			return nil, err
		}
		if c != nil {
			conts = append(conts, *c)
		}
	}
	return conts, nil
}

// addMessage records m; a continuation message returns the chunk it names.
func (w *walker) addMessage(oh *objHeader, m message) (*chunkRef, error) {
	switch m.typ {
	case msgNIL:
		return nil, nil
	case msgContinuation:
		d := w.f.dec(m.data, "continuation message")
		c := chunkRef{addr: d.addr(), size: d.length()}
		if d.err != nil {
			return nil, d.err
		}
		return &c, nil
	}
	oh.msgs = append(oh.msgs, m)
	return nil, nil
}

func (w *walker) continuation(oh *objHeader, c chunkRef) ([]chunkRef, error) {
	b, err := w.read(c.addr, c.size, "object header continuation")
	if err != nil {
		return nil, err
	}
	if oh.version == 1 {
		return w.messagesV1(oh, b, c.addr)
	}
	if err := sig(b, "OCHK", "object header continuation", c.addr); err != nil {
		return nil, err
	}
	if len(b) < 8 {
		return nil, errf(ErrMalformed, "object header continuation at %#x: %d bytes", c.addr, len(b))
	}
	if err := checksum(b, len(b)-4, "object header continuation", c.addr); err != nil {
		return nil, err
	}
	return w.messagesV2(oh, b[4:len(b)-4], c.addr)
}

// find returns the first message of type typ, or nil.
func (oh *objHeader) find(typ uint16) *message {
	for i := range oh.msgs {
		if oh.msgs[i].typ == typ {
			return &oh.msgs[i]
		}
	}
	return nil
}
