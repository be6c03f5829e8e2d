package hdf5

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// Links returns the links of the group at path ("/" is the root group),
// sorted by name. Links read before an error are returned with it.
func (f *File) Links(path string) ([]Link, error) {
	w := f.walker()
	addr, err := w.resolve(path)
	if err != nil {
		return nil, err
	}
	oh, err := w.header(addr, 0)
	if err != nil {
		return nil, err
	}
	var out []Link
	err = w.links(oh, func(l Link) (bool, error) {
		out = append(out, l)
		return false, nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// resolve follows path from the root group to an object header address.
func (w *walker) resolve(path string) (uint64, error) {
	return w.resolveFrom(w.f.root, path, 0)
}

func (w *walker) resolveFrom(start uint64, path string, hops int) (uint64, error) {
	cur := start
	if strings.HasPrefix(path, "/") {
		cur = w.f.root
	}
	var parts []string
	for _, p := range strings.Split(path, "/") {
		if p != "" && p != "." {
			parts = append(parts, p)
		}
	}
	if len(parts) > w.lim.MaxDepth {
		return 0, errf(ErrLimit, "path %q has more than %d components", path, w.lim.MaxDepth)
	}
	for _, name := range parts {
		oh, err := w.header(cur, 0)
		if err != nil {
			return 0, err
		}
		var found *Link
		err = w.links(oh, func(l Link) (bool, error) {
			if l.Name == name {
				found = &l
				return true, nil
			}
			return false, nil
		})
		if err != nil {
			return 0, err
		}
		if found == nil {
			return 0, errf(ErrNotFound, "%q: no link %q", path, name)
		}
		switch found.Type {
		case LinkHard:
			cur = found.Addr
		case LinkSoft:
			if hops+1 > w.lim.MaxDepth {
				return 0, errf(ErrLimit, "%q: more than %d soft-link hops", path, w.lim.MaxDepth)
			}
			cur, err = w.resolveFrom(cur, found.Target, hops+1)
			if err != nil {
				return 0, fmt.Errorf("soft link %q -> %q: %w", name, found.Target, err)
			}
		default:
			return 0, errf(ErrUnsupported, "%q: link %q is an external or user-defined link (type %d)", path, name, found.Type)
		}
	}
	return cur, nil
}

// links calls fn for every link of the group whose header is oh, until fn
// returns true.
func (w *walker) links(oh *objHeader, fn func(Link) (bool, error)) error {
	if m := oh.find(msgSymbolTable); m != nil {
		d := w.f.dec(m.data, "symbol table message")
		st := stab{btree: d.addr(), heap: d.addr()}
		if d.err != nil {
			return d.err
		}
		return w.symbolTable(st, fn)
	}
	if oh.addr == w.f.root && w.f.rootSTab != nil && oh.find(msgLinkInfo) == nil && oh.find(msgLink) == nil {
		return w.symbolTable(*w.f.rootSTab, fn)
	}
	for i := range oh.msgs {
		m := &oh.msgs[i]
		if m.typ != msgLink {
			continue
		}
		l, err := w.parseLink(m.data)
		if err != nil {
			return err
		}
		if stop, err := fn(l); stop || err != nil {
			return err
		}
	}
	m := oh.find(msgLinkInfo)
	if m == nil {
		return nil
	}
	d := w.f.dec(m.data, "link info message")
	if v := d.u8(); d.err == nil && v != 0 {
		return errf(ErrUnsupported, "link info message version %d", v)
	}
	flags := d.u8()
	if flags&1 != 0 {
		d.skip(8) // maximum creation index
	}
	heapAddr := d.addr()
	nameBT := d.addr()
	if d.err != nil {
		return d.err
	}
	if heapAddr == undef {
		return nil
	}
	h, err := w.heap(heapAddr)
	if err != nil {
		return err
	}
	return w.btree2(nameBT, 5, 0, func(rec []byte) (bool, error) {
		if len(rec) <= 4 {
			return false, errf(ErrMalformed, "link name record of %d bytes", len(rec))
		}
		obj, err := w.heapObject(h, rec[4:], 0)
		if err != nil {
			return false, err
		}
		l, err := w.parseLink(obj)
		if err != nil {
			return false, err
		}
		return fn(l)
	})
}

// parseLink decodes a link message.
func (w *walker) parseLink(b []byte) (Link, error) {
	d := w.f.dec(b, "link message")
	if v := d.u8(); d.err == nil && v != 1 {
		return Link{}, errf(ErrUnsupported, "link message version %d", v)
	}
	flags := d.u8()
	var l Link
	if flags&0x08 != 0 {
		l.Type = LinkType(d.u8())
	}
	if flags&0x04 != 0 {
		d.skip(8) // creation order
	}
	if flags&0x10 != 0 {
		d.u8() // name character set
	}
	n := d.uvar(1 << (flags & 3))
	if d.err == nil && n > uint64(d.rest()) {
		return Link{}, errf(ErrMalformed, "link name of %d bytes in a %d-byte message", n, len(b))
	}
	if err := w.charge(int64(n), "link name"); err != nil {
		return Link{}, err
	}
	l.Name = string(d.bytes(int(n)))
	switch l.Type {
	case LinkHard:
		l.Addr = d.addr()
	default:
		vn := int(d.u16())
		v := d.bytes(vn)
		if l.Type == LinkExternal && len(v) > 0 {
			v = v[1:] // flags byte, then file and object names
		}
		l.Target = strings.TrimRight(string(v), "\x00")
	}
	return l, d.err
}

// symbolTable walks an old-style group: a version 1 B-tree of symbol
// table nodes whose names are in a local heap.
func (w *walker) symbolTable(st stab, fn func(Link) (bool, error)) error {
	names, err := w.localHeap(st.heap)
	if err != nil {
		return err
	}
	seen := map[uint64]bool{}
	_, err = w.btree1(st.btree, -1, 0, seen, names, fn)
	return err
}

// localHeap returns the data segment of the local heap at addr.
func (w *walker) localHeap(addr uint64) ([]byte, error) {
	if b, ok := w.lheaps[addr]; ok {
		return b, nil
	}
	if err := w.tick("local heap"); err != nil {
		return nil, err
	}
	l, o := w.f.lenSize, w.f.offSize
	hb, err := w.read(addr, uint64(8+2*l+o), "local heap")
	if err != nil {
		return nil, err
	}
	if err := sig(hb, "HEAP", "local heap", addr); err != nil {
		return nil, err
	}
	d := w.f.dec(hb[8:], "local heap")
	size := d.length()
	d.length() // free list
	data := d.addr()
	if d.err != nil {
		return nil, d.err
	}
	b, err := w.read(data, size, "local heap data")
	if err != nil {
		return nil, err
	}
	if w.lheaps == nil {
		w.lheaps = map[uint64][]byte{}
	}
	w.lheaps[addr] = b
	return b, nil
}

func heapString(heap []byte, off uint64) (string, error) {
	if off >= uint64(len(heap)) {
		return "", errf(ErrMalformed, "name offset %d outside the %d-byte local heap", off, len(heap))
	}
	s := heap[off:]
	i := bytes.IndexByte(s, 0)
	if i < 0 {
		return "", errf(ErrMalformed, "unterminated name at local heap offset %d", off)
	}
	return string(s[:i]), nil
}

// btree1 visits a version 1 group B-tree node; want is the level the
// parent expects (-1 for the root).
func (w *walker) btree1(addr uint64, want, depth int, seen map[uint64]bool, names []byte, fn func(Link) (bool, error)) (bool, error) {
	if depth > w.lim.MaxDepth {
		return false, errf(ErrLimit, "group B-tree deeper than %d", w.lim.MaxDepth)
	}
	if seen[addr] {
		return false, errf(ErrMalformed, "group B-tree node %#x reached twice", addr)
	}
	seen[addr] = true
	if err := w.tick("group B-tree node"); err != nil {
		return false, err
	}
	o, l := w.f.offSize, w.f.lenSize
	hb, err := w.read(addr, uint64(8+2*o), "group B-tree node")
	if err != nil {
		return false, err
	}
	if err := sig(hb, "TREE", "group B-tree node", addr); err != nil {
		return false, err
	}
	if hb[4] != 0 {
		return false, errf(ErrMalformed, "B-tree node at %#x: type %d in a group", addr, hb[4])
	}
	level := int(hb[5])
	if want >= 0 && level != want {
		return false, errf(ErrMalformed, "group B-tree node at %#x: level %d, expected %d", addr, level, want)
	}
	n := int(hb[6]) | int(hb[7])<<8
	b, err := w.read(addr+uint64(8+2*o), uint64(n*(l+o)+l), "group B-tree node")
	if err != nil {
		return false, err
	}
	d := w.f.dec(b, "group B-tree node")
	for i := 0; i < n; i++ {
		d.skip(l) // key: name offset
		child := d.addr()
		if d.err != nil {
			return false, d.err
		}
		var stop bool
		if level > 0 {
			stop, err = w.btree1(child, level-1, depth+1, seen, names, fn)
		} else {
			stop, err = w.symbolNode(child, seen, names, fn)
		}
		if stop || err != nil {
			return stop, err
		}
	}
	return false, nil
}

// symbolNode visits the entries of a symbol table node (SNOD).
func (w *walker) symbolNode(addr uint64, seen map[uint64]bool, names []byte, fn func(Link) (bool, error)) (bool, error) {
	if seen[addr] {
		return false, errf(ErrMalformed, "symbol table node %#x reached twice", addr)
	}
	seen[addr] = true
	if err := w.tick("symbol table node"); err != nil {
		return false, err
	}
	o := w.f.offSize
	hb, err := w.read(addr, 8, "symbol table node")
	if err != nil {
		return false, err
	}
	if err := sig(hb, "SNOD", "symbol table node", addr); err != nil {
		return false, err
	}
	if hb[4] != 1 {
		return false, errf(ErrUnsupported, "symbol table node at %#x: version %d", addr, hb[4])
	}
	n := int(hb[6]) | int(hb[7])<<8
	entry := 2*o + 4 + 4 + 16
	b, err := w.read(addr+8, uint64(n*entry), "symbol table node")
	if err != nil {
		return false, err
	}
	for i := 0; i < n; i++ {
		if err := w.tick("symbol table entry"); err != nil {
			return false, err
		}
		d := w.f.dec(b[i*entry:(i+1)*entry], "symbol table entry")
		nameOff := d.addr()
		hdr := d.addr()
		cache := d.u32()
		d.skip(4)
		scratch := d.bytes(16)
		if d.err != nil {
			return false, d.err
		}
		name, err := heapString(names, nameOff)
		if err != nil {
			return false, err
		}
		l := Link{Name: name, Type: LinkHard, Addr: hdr}
		if cache == 2 {
			l.Type = LinkSoft
			target, err := heapString(names, uint64(le32(scratch)))
			if err != nil {
				return false, err
			}
			l.Target, l.Addr = target, 0
		}
		if stop, err := fn(l); stop || err != nil {
			return stop, err
		}
	}
	return false, nil
}
