package hdf5

import "math/bits"

// fheap is a parsed fractal heap header (FRHP).
type fheap struct {
	addr       uint64
	idLen      int
	filterLen  int
	flags      uint8
	maxMan     uint64
	hugeBT     uint64
	width      uint64
	startBlock uint64
	maxDirect  uint64
	maxIndex   int
	root       uint64
	curRows    int

	offBytes      int // heap offsets in IDs and block headers
	lenBytes      int // managed object lengths in IDs
	maxDirectRows int
	firstRowBits  int
	hugeDirect    bool
	hugeIDSize    int
}

// log2 of a power of two, or -1.
func log2of2(v uint64) int {
	if v == 0 || v&(v-1) != 0 {
		return -1
	}
	return bits.TrailingZeros64(v)
}

// encSize is the bytes needed to encode v (at least 1).
func encSize(v uint64) int {
	if v == 0 {
		return 1
	}
	return (bits.Len64(v)-1)/8 + 1
}

// heap reads (or returns the cached) fractal heap header at addr.
func (w *walker) heap(addr uint64) (*fheap, error) {
	if h := w.heaps[addr]; h != nil {
		return h, nil
	}
	if err := w.tick("fractal heap header"); err != nil {
		return nil, err
	}
	o, l := w.f.offSize, w.f.lenSize
	n := 4 + 1 + 2 + 2 + 1 + 4 + l + o + l + o + 4*l + 4*l + 2 + l + l + 2 + 2 + o + 2
	b, err := w.read(addr, uint64(n+4), "fractal heap header")
	if err != nil {
		return nil, err
	}
	if err := sig(b, "FRHP", "fractal heap header", addr); err != nil {
		return nil, err
	}
	if fl := int(b[7]) | int(b[8])<<8; fl > 0 {
		// I/O filter information follows the fixed fields
		if b, err = w.read(addr, uint64(n+l+4+fl+4), "fractal heap header"); err != nil {
			return nil, err
		}
	}
	d := w.f.dec(b, "fractal heap header")
	d.skip(4)
	if v := d.u8(); d.err == nil && v != 0 {
		return nil, errf(ErrUnsupported, "fractal heap header at %#x: version %d", addr, v)
	}
	h := &fheap{addr: addr}
	h.idLen = int(d.u16())
	h.filterLen = int(d.u16())
	h.flags = d.u8()
	h.maxMan = uint64(d.u32())
	d.length() // next huge object ID
	h.hugeBT = d.addr()
	d.length() // free space in managed blocks
	d.addr()   // free-space manager
	d.skip(4 * l)
	d.skip(4 * l)
	h.width = uint64(d.u16())
	h.startBlock = d.length()
	h.maxDirect = d.length()
	h.maxIndex = int(d.u16())
	d.u16() // starting number of rows in the root indirect block
	h.root = d.addr()
	h.curRows = int(d.u16())
	if d.err != nil {
		return nil, d.err
	}
	if h.filterLen > 0 {
		d.length() // filtered root direct block size
		d.u32()    // filter mask
		d.skip(h.filterLen)
	}
	if d.err != nil {
		return nil, d.err
	}
	if err := checksum(b, d.off, "fractal heap header", addr); err != nil {
		return nil, err
	}
	if err := h.derive(); err != nil {
		return nil, err
	}
	h.hugeSizes(o, l)
	if w.heaps == nil {
		w.heaps = map[uint64]*fheap{}
	}
	w.heaps[addr] = h
	return h, nil
}

// derive checks the doubling-table parameters and computes the sizes the
// format derives from them.
func (h *fheap) derive() error {
	bad := func(what string, v any) error {
		return errf(ErrMalformed, "fractal heap at %#x: %s %v", h.addr, what, v)
	}
	wb := log2of2(h.width)
	sb := log2of2(h.startBlock)
	db := log2of2(h.maxDirect)
	switch {
	case wb < 0:
		return bad("table width", h.width)
	case sb < 0:
		return bad("starting block size", h.startBlock)
	case db < sb || db > 48:
		return bad("maximum direct block size", h.maxDirect)
	case h.maxIndex <= 0 || h.maxIndex > 64:
		return bad("maximum heap size (bits)", h.maxIndex)
	case h.idLen < 1 || h.idLen > 4096:
		return bad("heap ID length", h.idLen)
	}
	h.firstRowBits = sb + wb
	if h.firstRowBits > h.maxIndex {
		return bad("first row bits", h.firstRowBits)
	}
	maxRootRows := h.maxIndex - h.firstRowBits + 1
	if h.curRows > maxRootRows {
		return bad("root indirect block rows", h.curRows)
	}
	h.maxDirectRows = db - sb + 2
	h.offBytes = (h.maxIndex + 7) / 8
	dirOffBytes := (db + 7) / 8
	h.lenBytes = min(dirOffBytes, encSize(h.maxMan))
	return nil
}

// hugeSizes computes how huge object IDs are encoded (H5HF huge init).
func (h *fheap) hugeSizes(offSize, lenSize int) {
	if h.filterLen > 0 {
		h.hugeDirect = h.idLen-1 >= offSize+lenSize+4+lenSize
		if h.hugeDirect {
			h.hugeIDSize = offSize + lenSize + lenSize
		}
	} else {
		h.hugeDirect = h.idLen-1 >= offSize+lenSize
		if h.hugeDirect {
			h.hugeIDSize = offSize + lenSize
		}
	}
	if !h.hugeDirect {
		h.hugeIDSize = min(h.idLen-1, 8)
	}
}

// rowBlock is the size of every block in row r.
func (h *fheap) rowBlock(r int) uint64 {
	if r == 0 {
		return h.startBlock
	}
	return h.startBlock << (r - 1)
}

// rowStart is the heap offset of row r relative to its indirect block.
func (h *fheap) rowStart(r int) uint64 {
	if r == 0 {
		return 0
	}
	return (h.startBlock * h.width) << (r - 1)
}

// lookup finds the row and column of relative offset off.
func (h *fheap) lookup(off uint64) (int, uint64) {
	first := h.startBlock * h.width
	if off < first {
		return 0, off / h.startBlock
	}
	r := bits.Len64(off / first) // off in [first<<(r-1), first<<r)
	return r, (off - h.rowStart(r)) / h.rowBlock(r)
}

// tooBigError is returned with the first bytes of a heap object larger
// than MaxAttrBytes.
type tooBigError struct{ error }

func (e *tooBigError) Unwrap() error { return e.error }

// heapObject returns the object whose heap ID is id. For a huge object
// over MaxAttrBytes it returns its first bytes and a *tooBigError.
func (w *walker) heapObject(h *fheap, id []byte, depth int) ([]byte, error) {
	if err := w.tick("fractal heap object"); err != nil {
		return nil, err
	}
	if len(id) < 1 {
		return nil, errf(ErrMalformed, "empty heap ID")
	}
	if id[0]>>6 != 0 {
		return nil, errf(ErrUnsupported, "heap ID version %d", id[0]>>6)
	}
	switch (id[0] >> 4) & 3 {
	case 0:
		d := w.f.dec(id[1:], "heap ID")
		off := d.uvar(h.offBytes)
		n := d.uvar(h.lenBytes)
		if d.err != nil {
			return nil, d.err
		}
		return w.managed(h, off, n, depth)
	case 1:
		return w.huge(h, id[1:], depth)
	case 2:
		// tiny: the object is in the ID itself
		if h.idLen <= 18 {
			n := int(id[0]&0x0F) + 1
			if 1+n > len(id) {
				return nil, errf(ErrMalformed, "tiny heap object of %d bytes in a %d-byte ID", n, len(id))
			}
			return id[1 : 1+n], nil
		}
		if len(id) < 2 {
			return nil, errf(ErrMalformed, "short tiny heap ID")
		}
		n := (int(id[0]&0x0F)<<8 | int(id[1])) + 1
		if 2+n > len(id) {
			return nil, errf(ErrMalformed, "tiny heap object of %d bytes in a %d-byte ID", n, len(id))
		}
		return id[2 : 2+n], nil
	}
	return nil, errf(ErrUnsupported, "heap ID type 3")
}

// managed returns n bytes at heap offset off, found by walking the
// doubling table from the root block.
func (w *walker) managed(h *fheap, off, n uint64, depth int) ([]byte, error) {
	if h.filterLen > 0 {
		return nil, errf(ErrUnsupported, "fractal heap at %#x has I/O filters (compressed heap blocks)", h.addr)
	}
	if n == 0 || n > h.maxDirect {
		return nil, errf(ErrMalformed, "fractal heap at %#x: managed object length %d", h.addr, n)
	}
	if h.curRows == 0 {
		return w.direct(h, h.root, 0, h.startBlock, off, n)
	}
	addr, base, rows := h.root, uint64(0), h.curRows
	seen := map[uint64]bool{}
	for level := 0; ; level++ {
		if depth+level > w.lim.MaxDepth {
			return nil, errf(ErrLimit, "fractal heap at %#x: indirect blocks nested deeper than %d", h.addr, w.lim.MaxDepth)
		}
		if seen[addr] {
			return nil, errf(ErrMalformed, "fractal heap at %#x: indirect block %#x reached twice", h.addr, addr)
		}
		seen[addr] = true
		if off < base {
			return nil, errf(ErrMalformed, "fractal heap at %#x: offset %d before block at %d", h.addr, off, base)
		}
		row, col := h.lookup(off - base)
		if row >= rows || col >= h.width {
			return nil, errf(ErrMalformed, "fractal heap at %#x: offset %d outside the heap", h.addr, off)
		}
		child, err := w.indirectEntry(h, addr, base, rows, row*int(h.width)+int(col))
		if err != nil {
			return nil, err
		}
		if child == undef {
			return nil, errf(ErrMalformed, "fractal heap at %#x: offset %d is in an unallocated block", h.addr, off)
		}
		childBase := base + h.rowStart(row) + col*h.rowBlock(row)
		if row < h.maxDirectRows {
			return w.direct(h, child, childBase, h.rowBlock(row), off, n)
		}
		rb := log2of2(h.rowBlock(row))
		addr, base, rows = child, childBase, rb-h.firstRowBits+1
	}
}

// indirectEntry reads the child address at index i of the indirect block
// at addr (block offset base, rows rows).
func (w *walker) indirectEntry(h *fheap, addr, base uint64, rows, i int) (uint64, error) {
	if err := w.tick("fractal heap indirect block"); err != nil {
		return 0, err
	}
	o := w.f.offSize
	entries := rows * int(h.width)
	hdr := 4 + 1 + o + h.offBytes
	size := uint64(hdr) + uint64(entries)*uint64(o) + 4
	b, err := w.read(addr, size, "fractal heap indirect block")
	if err != nil {
		return 0, err
	}
	if err := sig(b, "FHIB", "fractal heap indirect block", addr); err != nil {
		return 0, err
	}
	if err := checksum(b, len(b)-4, "fractal heap indirect block", addr); err != nil {
		return 0, err
	}
	d := w.f.dec(b, "fractal heap indirect block")
	d.skip(4)
	if v := d.u8(); v != 0 {
		return 0, errf(ErrUnsupported, "fractal heap indirect block at %#x: version %d", addr, v)
	}
	if ha := d.addr(); ha != h.addr {
		return 0, errf(ErrMalformed, "fractal heap indirect block at %#x belongs to heap %#x, not %#x", addr, ha, h.addr)
	}
	if bo := d.uvar(h.offBytes); bo != base {
		return 0, errf(ErrMalformed, "fractal heap indirect block at %#x: block offset %d, expected %d", addr, bo, base)
	}
	// without filters, direct and indirect entries are both plain addresses
	d.skip(i * o)
	return d.addr(), d.err
}

// direct returns n bytes at heap offset off from the direct block at addr
// (block offset base, size size).
func (w *walker) direct(h *fheap, addr, base, size, off, n uint64) ([]byte, error) {
	b := w.blocks[addr]
	if b == nil {
		if err := w.tick("fractal heap direct block"); err != nil {
			return nil, err
		}
		var err error
		b, err = w.read(addr, size, "fractal heap direct block")
		if err != nil {
			return nil, err
		}
		if err := sig(b, "FHDB", "fractal heap direct block", addr); err != nil {
			return nil, err
		}
		d := w.f.dec(b, "fractal heap direct block")
		d.skip(4)
		if v := d.u8(); v != 0 {
			return nil, errf(ErrUnsupported, "fractal heap direct block at %#x: version %d", addr, v)
		}
		if ha := d.addr(); ha != h.addr {
			return nil, errf(ErrMalformed, "fractal heap direct block at %#x belongs to heap %#x, not %#x", addr, ha, h.addr)
		}
		if bo := d.uvar(h.offBytes); bo != base {
			return nil, errf(ErrMalformed, "fractal heap direct block at %#x: block offset %d, expected %d", addr, bo, base)
		}
		if d.err != nil {
			return nil, d.err
		}
		if h.flags&0x02 != 0 {
			// the checksum covers the whole block with its own field zeroed
			at := d.off
			if at+4 > len(b) {
				return nil, errf(ErrMalformed, "fractal heap direct block at %#x too small", addr)
			}
			want := le32(b[at:])
			c := make([]byte, len(b))
			copy(c, b)
			clear(c[at : at+4])
			if got := lookup3(c, 0); got != want {
				return nil, errf(ErrChecksum, "fractal heap direct block at %#x: stored %#08x, computed %#08x", addr, want, got)
			}
		}
		if w.blocks == nil {
			w.blocks = map[uint64][]byte{}
		}
		w.blocks[addr] = b
	}
	hdr := uint64(4 + 1 + w.f.offSize + h.offBytes)
	if h.flags&0x02 != 0 {
		hdr += 4
	}
	if off < base {
		return nil, errf(ErrMalformed, "fractal heap object offset %d before its block", off)
	}
	rel := off - base
	if rel < hdr || rel > uint64(len(b)) || n > uint64(len(b))-rel {
		return nil, errf(ErrMalformed, "fractal heap object at offset %d (%d bytes) outside its %d-byte block", off, n, len(b))
	}
	return b[rel : rel+n], nil
}

// huge returns a huge object: its address and length are in the ID, or in
// the heap's huge-object v2 B-tree under the ID's key.
func (w *walker) huge(h *fheap, id []byte, depth int) ([]byte, error) {
	if h.filterLen > 0 {
		return nil, errf(ErrUnsupported, "filtered huge object in fractal heap at %#x", h.addr)
	}
	d := w.f.dec(id, "huge heap ID")
	var addr, n uint64
	if h.hugeDirect {
		addr, n = d.addr(), d.length()
		if d.err != nil {
			return nil, d.err
		}
	} else {
		key := d.uvar(h.hugeIDSize)
		if d.err != nil {
			return nil, d.err
		}
		found := false
		err := w.btree2(h.hugeBT, 1, depth+1, func(rec []byte) (bool, error) {
			r := w.f.dec(rec, "huge object record")
			a, ln, k := r.addr(), r.length(), r.length()
			if r.err != nil {
				return false, r.err
			}
			if k == key {
				addr, n, found = a, ln, true
				return true, nil
			}
			return false, nil
		})
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, errf(ErrMalformed, "huge object %d not in the fractal heap's B-tree", key)
		}
	}
	if n > uint64(w.lim.MaxAttrBytes) {
		// return the start (an attribute's name is there) with the error
		b, err := w.readData(addr, min(n, 1<<16+64), "huge heap object")
		if err != nil {
			return nil, err
		}
		return b, &tooBigError{errf(ErrLimit, "huge heap object of %d bytes (limit %d)", n, w.lim.MaxAttrBytes)}
	}
	return w.readData(addr, n, "huge heap object")
}
