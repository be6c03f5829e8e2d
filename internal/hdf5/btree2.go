package hdf5

// Version 2 B-trees (BTHD header, BTIN internal and BTLF leaf nodes).

// bt2 is a parsed v2 B-tree header with the per-level sizes the format
// derives from it.
type bt2 struct {
	addr     uint64
	typ      uint8
	nodeSize uint64
	recSize  int
	depth    int
	root     uint64
	rootN    int
	// per level (0 = leaves): most records a node holds, and the bytes of
	// the "total records below" field in pointers to nodes of that level
	maxRec    []uint64
	cumSize   []int
	maxRecLen int // bytes of the "records in child" field
}

const bt2Prefix = 4 + 1 + 1 + 4 // signature, version, type, checksum

// btree2 calls fn for every record of the v2 B-tree at addr, which must be
// of type typ, in key order, until fn returns true.
func (w *walker) btree2(addr uint64, typ uint8, depth int, fn func(rec []byte) (bool, error)) error {
	if addr == undef {
		return nil
	}
	t, err := w.bt2Header(addr, typ, depth)
	if err != nil {
		return err
	}
	if t.rootN == 0 || t.root == undef {
		return nil
	}
	seen := map[uint64]bool{}
	_, err = w.bt2Node(t, t.root, t.depth, t.rootN, depth, seen, fn)
	return err
}

func (w *walker) bt2Header(addr uint64, typ uint8, depth int) (*bt2, error) {
	if err := w.tick("v2 B-tree header"); err != nil {
		return nil, err
	}
	o, l := w.f.offSize, w.f.lenSize
	n := 4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + o + 2 + l
	b, err := w.read(addr, uint64(n+4), "v2 B-tree header")
	if err != nil {
		return nil, err
	}
	if err := sig(b, "BTHD", "v2 B-tree header", addr); err != nil {
		return nil, err
	}
	if err := checksum(b, n, "v2 B-tree header", addr); err != nil {
		return nil, err
	}
	d := w.f.dec(b, "v2 B-tree header")
	d.skip(4)
	if v := d.u8(); v != 0 {
		return nil, errf(ErrUnsupported, "v2 B-tree at %#x: version %d", addr, v)
	}
	t := &bt2{addr: addr, typ: d.u8()}
	t.nodeSize = uint64(d.u32())
	t.recSize = int(d.u16())
	t.depth = int(d.u16())
	d.skip(2) // split and merge percent
	t.root = d.addr()
	t.rootN = int(d.u16())
	d.length() // total records
	if d.err != nil {
		return nil, d.err
	}
	if t.typ != typ {
		return nil, errf(ErrMalformed, "v2 B-tree at %#x: type %d, expected %d", addr, t.typ, typ)
	}
	if t.depth+depth > w.lim.MaxDepth {
		return nil, errf(ErrLimit, "v2 B-tree at %#x: depth %d", addr, t.depth)
	}
	if t.recSize == 0 || t.nodeSize <= bt2Prefix || t.nodeSize > uint64(w.lim.MaxBlockBytes) {
		return nil, errf(ErrMalformed, "v2 B-tree at %#x: node size %d, record size %d", addr, t.nodeSize, t.recSize)
	}
	// leaves
	leafMax := (t.nodeSize - bt2Prefix) / uint64(t.recSize)
	if leafMax == 0 {
		return nil, errf(ErrMalformed, "v2 B-tree at %#x: a node holds no record", addr)
	}
	t.maxRec = []uint64{leafMax}
	t.cumSize = []int{0}
	t.maxRecLen = encSize(leafMax)
	cum := leafMax
	for u := 1; u <= t.depth; u++ {
		ptr := uint64(o + t.maxRecLen + t.cumSize[u-1])
		if t.nodeSize < bt2Prefix+ptr {
			return nil, errf(ErrMalformed, "v2 B-tree at %#x: internal nodes hold no record", addr)
		}
		m := (t.nodeSize - (bt2Prefix + ptr)) / (uint64(t.recSize) + ptr)
		if m == 0 {
			return nil, errf(ErrMalformed, "v2 B-tree at %#x: internal nodes hold no record", addr)
		}
		// cum = (m+1)*cum + m, saturating: only its encoded size matters
		if cum > (1<<62)/(m+1) {
			cum = 1 << 62
		} else {
			cum = (m+1)*cum + m
		}
		t.maxRec = append(t.maxRec, m)
		t.cumSize = append(t.cumSize, encSize(cum))
	}
	return t, nil
}

// bt2Node visits the node at addr, at level lvl (0 = leaf), holding n
// records. It returns true when fn asked to stop.
func (w *walker) bt2Node(t *bt2, addr uint64, lvl, n, depth int, seen map[uint64]bool, fn func([]byte) (bool, error)) (bool, error) {
	if seen[addr] {
		return false, errf(ErrMalformed, "v2 B-tree at %#x: node %#x reached twice", t.addr, addr)
	}
	seen[addr] = true
	if err := w.tick("v2 B-tree node"); err != nil {
		return false, err
	}
	if uint64(n) > t.maxRec[lvl] {
		return false, errf(ErrMalformed, "v2 B-tree at %#x: node %#x claims %d records (at most %d)", t.addr, addr, n, t.maxRec[lvl])
	}
	b, err := w.read(addr, t.nodeSize, "v2 B-tree node")
	if err != nil {
		return false, err
	}
	want := "BTLF"
	if lvl > 0 {
		want = "BTIN"
	}
	if err := sig(b, want, "v2 B-tree node", addr); err != nil {
		return false, err
	}
	if b[4] != 0 || b[5] != t.typ {
		return false, errf(ErrMalformed, "v2 B-tree node at %#x: version %d type %d", addr, b[4], b[5])
	}
	recs := 6 + n*t.recSize
	end := recs
	if lvl > 0 {
		end += (n + 1) * (w.f.offSize + t.maxRecLen + t.cumSize[lvl-1])
	}
	if err := checksum(b, end, "v2 B-tree node", addr); err != nil {
		return false, err
	}
	if lvl == 0 {
		for i := 0; i < n; i++ {
			if err := w.tick("v2 B-tree record"); err != nil {
				return false, err
			}
			stop, err := fn(b[6+i*t.recSize : 6+(i+1)*t.recSize])
			if stop || err != nil {
				return stop, err
			}
		}
		return false, nil
	}
	d := w.f.dec(b[recs:end], "v2 B-tree node pointers")
	for i := 0; i <= n; i++ {
		child := d.addr()
		cn := int(d.uvar(t.maxRecLen))
		d.uvar(t.cumSize[lvl-1])
		if d.err != nil {
			return false, d.err
		}
		stop, err := w.bt2Node(t, child, lvl-1, cn, depth+1, seen, fn)
		if stop || err != nil {
			return stop, err
		}
		if i < n {
			if err := w.tick("v2 B-tree record"); err != nil {
				return false, err
			}
			stop, err := fn(b[6+i*t.recSize : 6+(i+1)*t.recSize])
			if stop || err != nil {
				return stop, err
			}
		}
	}
	return false, nil
}
