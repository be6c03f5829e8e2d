package hdf5

import (
	"encoding/binary"
)

// A tiny HDF5 writer for crafted test files: superblock version 2 (8-byte
// offsets and lengths), version 2 object headers, attribute messages
// version 3. Checksums are computed unless a test breaks them on purpose.

type builder struct{ b []byte }

func newBuilder() *builder {
	bd := &builder{}
	bd.b = append(bd.b, signature...)
	bd.b = append(bd.b, 2, 8, 8, 0)
	bd.b = le64(bd.b, 0)     // base address
	bd.b = le64(bd.b, undef) // superblock extension
	bd.b = le64(bd.b, 0)     // end of file (patched by bytes)
	bd.b = le64(bd.b, 0)     // root object header (patched by setRoot)
	bd.b = le32b(bd.b, 0)    // checksum
	return bd
}

// put appends data at the next 8-byte aligned address and returns it.
func (bd *builder) put(data []byte) uint64 {
	for len(bd.b)%8 != 0 {
		bd.b = append(bd.b, 0)
	}
	at := uint64(len(bd.b))
	bd.b = append(bd.b, data...)
	return at
}

// reserve appends n zero bytes and returns their address.
func (bd *builder) reserve(n int) uint64 { return bd.put(make([]byte, n)) }

func (bd *builder) patch(at uint64, data []byte) { copy(bd.b[at:], data) }

func (bd *builder) setRoot(addr uint64) {
	binary.LittleEndian.PutUint64(bd.b[36:], addr)
}

// bytes returns the file with the superblock checksum and EOF set.
func (bd *builder) bytes() []byte {
	out := append([]byte(nil), bd.b...)
	binary.LittleEndian.PutUint64(out[28:], uint64(len(out)))
	binary.LittleEndian.PutUint32(out[44:], lookup3(out[:44], 0))
	return out
}

func le64(b []byte, v uint64) []byte  { return binary.LittleEndian.AppendUint64(b, v) }
func le32b(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le16(b []byte, v uint16) []byte  { return binary.LittleEndian.AppendUint16(b, v) }

type msg struct {
	typ   uint8
	flags uint8
	data  []byte
}

// ohdr encodes a version 2 object header (4-byte chunk size field).
func ohdr(msgs ...msg) []byte {
	var body []byte
	for _, m := range msgs {
		body = append(body, m.typ)
		body = le16(body, uint16(len(m.data)))
		body = append(body, m.flags)
		body = append(body, m.data...)
	}
	b := []byte("OHDR")
	b = append(b, 2, 0x02)
	b = le32b(b, uint32(len(body)))
	b = append(b, body...)
	return le32b(b, lookup3(b, 0))
}

// ochk encodes a continuation chunk.
func ochk(msgs ...msg) []byte {
	b := []byte("OCHK")
	for _, m := range msgs {
		b = append(b, m.typ)
		b = le16(b, uint16(len(m.data)))
		b = append(b, m.flags)
		b = append(b, m.data...)
	}
	return le32b(b, lookup3(b, 0))
}

func contMsg(addr, size uint64) msg {
	return msg{typ: msgContinuation, data: le64(le64(nil, addr), size)}
}

// Datatype and dataspace encodings.
func fixedString(size uint32) []byte {
	return le32b([]byte{0x13, 0x00, 0, 0}, size)
}

func vlenString() []byte {
	b := le32b([]byte{0x19, 0x01, 0, 0}, 16)
	return append(b, fixedString(1)...)
}

func int32Type() []byte {
	b := le32b([]byte{0x10, 0x08, 0, 0}, 4)
	return le16(le16(b, 0), 32)
}

func scalarSpace() []byte { return []byte{2, 0, 0, 0} }

func simpleSpace(dims ...uint64) []byte {
	b := []byte{2, byte(len(dims)), 0, 1}
	for _, d := range dims {
		b = le64(b, d)
	}
	return b
}

// attrMsg encodes an attribute message version 3.
func attrMsg(name string, dt, ds, data []byte) msg {
	b := []byte{3, 0}
	b = le16(b, uint16(len(name)+1))
	b = le16(b, uint16(len(dt)))
	b = le16(b, uint16(len(ds)))
	b = append(b, 0)
	b = append(b, name...)
	b = append(b, 0)
	b = append(b, dt...)
	b = append(b, ds...)
	b = append(b, data...)
	return msg{typ: msgAttribute, data: b}
}

// gcolBytes encodes a global heap collection holding objs (indices 1..n).
func gcolBytes(objs ...[]byte) []byte {
	var body []byte
	for i, o := range objs {
		body = le16(body, uint16(i+1))
		body = le16(body, 1)
		body = le32b(body, 0)
		body = le64(body, uint64(len(o)))
		body = append(body, o...)
		for len(body)%8 != 0 {
			body = append(body, 0)
		}
	}
	size := 16 + len(body) + 16
	if size < 4096 {
		size = 4096
	}
	b := []byte("GCOL")
	b = append(b, 1, 0, 0, 0)
	b = le64(b, uint64(size))
	b = append(b, body...)
	// free space object
	free := size - len(b)
	b = le16(b, 0)
	b = le16(b, 0)
	b = le32b(b, 0)
	b = le64(b, uint64(free))
	return append(b, make([]byte, size-len(b))...)
}

// vlenRef encodes one variable-length string element.
func vlenRef(n uint32, coll uint64, index uint32) []byte {
	return le32b(le64(le32b(nil, n), coll), index)
}

// simpleFile is a file whose root group holds the given attributes.
func simpleFile(msgs ...msg) []byte {
	bd := newBuilder()
	bd.setRoot(bd.put(ohdr(msgs...)))
	return bd.bytes()
}
