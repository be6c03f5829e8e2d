package hdf5

// Fractal heap and v2 B-tree encoders for crafted dense-attribute files:
// one root direct block (no checksum), width 4, 512-byte starting blocks,
// 64 KiB direct blocks, 40-bit heap offsets (5 bytes), 2-byte lengths.

const (
	tStart  = 512
	tOffLen = 5
)

func frhp(root uint64, curRows uint16, width uint16, start uint64) []byte {
	return frhpMax(root, curRows, width, start, 65536)
}

func frhpMax(root uint64, curRows uint16, width uint16, start, maxDirect uint64) []byte {
	b := []byte("FRHP")
	b = append(b, 0)
	b = le16(b, 8) // heap ID length
	b = le16(b, 0) // I/O filters
	b = append(b, 0)
	b = le32b(b, 4096) // max managed object size
	b = le64(b, 0)     // next huge ID
	b = le64(b, undef) // huge object B-tree
	b = le64(b, 0)     // free space
	b = le64(b, undef) // free-space manager
	for i := 0; i < 8; i++ {
		b = le64(b, 0) // managed/huge/tiny statistics
	}
	b = le16(b, width)
	b = le64(b, start)
	b = le64(b, maxDirect)
	b = le16(b, 40)
	b = le16(b, 1)
	b = le64(b, root)
	b = le16(b, curRows)
	return le32b(b, lookup3(b, 0))
}

// fhdb encodes a direct block of size bytes at heap offset blockOff; objs
// are placed back to back after the header and their heap IDs returned.
func fhdb(heap, blockOff uint64, size int, objs ...[]byte) ([]byte, [][]byte) {
	b := []byte("FHDB")
	b = append(b, 0)
	b = le64(b, heap)
	b = appendUvar(b, blockOff, tOffLen)
	var ids [][]byte
	for _, o := range objs {
		id := []byte{0}
		id = appendUvar(id, blockOff+uint64(len(b)), tOffLen)
		id = appendUvar(id, uint64(len(o)), 2)
		ids = append(ids, id)
		b = append(b, o...)
	}
	if len(b) > size {
		panic("direct block overflow")
	}
	return append(b, make([]byte, size-len(b))...), ids
}

func appendUvar(b []byte, v uint64, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

func bthd(typ uint8, recSize uint16, depth uint16, root uint64, rootN uint16, total uint64) []byte {
	b := []byte("BTHD")
	b = append(b, 0, typ)
	b = le32b(b, 512)
	b = le16(b, recSize)
	b = le16(b, depth)
	b = append(b, 100, 40)
	b = le64(b, root)
	b = le16(b, rootN)
	b = le64(b, total)
	return le32b(b, lookup3(b, 0))
}

// btnode encodes a leaf (ptrs nil) or internal node of a 512-byte tree.
func btnode(typ uint8, recs [][]byte, ptrs []byte) []byte {
	s := "BTLF"
	if ptrs != nil {
		s = "BTIN"
	}
	b := []byte(s)
	b = append(b, 0, typ)
	for _, r := range recs {
		b = append(b, r...)
	}
	b = append(b, ptrs...)
	b = le32b(b, lookup3(b, 0))
	return append(b, make([]byte, 512-len(b))...)
}

// attrRecord is a type 8 (attribute name) record.
func attrRecord(id []byte, corder uint32) []byte {
	r := append([]byte(nil), id...)
	r = append(r, 0)
	r = le32b(r, corder)
	return le32b(r, 0) // name hash: not used by the reader
}

func ainfoMsg(heap, nameBT uint64) msg {
	b := []byte{0, 0}
	b = le64(b, heap)
	b = le64(b, nameBT)
	return msg{typ: msgAttrInfo, data: b}
}

// denseFile is a file whose root attributes are the encoded attribute
// messages bodies, stored densely; mutate may change the parts before the
// file is assembled.
type denseParts struct {
	heap, block, tree, leaf []byte
	records                 [][]byte
}

func denseFile(bodies [][]byte, mutate func(bd *builder, p *denseParts, at map[string]uint64)) []byte {
	bd := newBuilder()
	at := map[string]uint64{}
	at["heap"] = bd.reserve(len(frhp(0, 0, 4, tStart)) + 64) // room for filter info
	at["block"] = bd.reserve(tStart)
	block, ids := fhdb(at["heap"], 0, tStart, bodies...)
	p := &denseParts{block: block, heap: frhp(at["block"], 0, 4, tStart)}
	for i, id := range ids {
		p.records = append(p.records, attrRecord(id, uint32(i)))
	}
	at["leaf"] = bd.reserve(512)
	p.leaf = btnode(8, p.records, nil)
	at["tree"] = bd.reserve(len(bthd(8, 17, 0, 0, 0, 0)))
	p.tree = bthd(8, 17, 0, at["leaf"], uint16(len(p.records)), uint64(len(p.records)))
	root := ohdr(ainfoMsg(at["heap"], at["tree"]))
	at["root"] = bd.reserve(len(root))
	if mutate != nil {
		mutate(bd, p, at)
	}
	bd.patch(at["heap"], p.heap)
	bd.patch(at["block"], p.block)
	bd.patch(at["leaf"], p.leaf)
	bd.patch(at["tree"], p.tree)
	bd.patch(at["root"], root)
	bd.setRoot(at["root"])
	return bd.bytes()
}

// fhib encodes an indirect block at heap offset blockOff with the given
// child addresses (rows*width of them).
func fhib(heap, blockOff uint64, children ...uint64) []byte {
	b := []byte("FHIB")
	b = append(b, 0)
	b = le64(b, heap)
	b = appendUvar(b, blockOff, tOffLen)
	for _, c := range children {
		b = le64(b, c)
	}
	return le32b(b, lookup3(b, 0))
}
