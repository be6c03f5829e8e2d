package zipx

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync/atomic"
)

// entry describes one member of a hand-crafted archive.
type entry struct {
	name      string
	localName *string // nil: same as name
	method    uint16
	flags     uint16
	content   []byte // uncompressed content (deflated when method is 8)
	zeros     int64  // instead of content: a stored run of zeros, synthesized lazily
	crc       *uint32
	uncomp    *uint64 // central uncompressed size override
	comp      *uint64 // central compressed size override
	sameAs    int     // >0: no local header of its own, points at entry sameAs-1
	zip64     bool    // saturate 32-bit fields and add ZIP64 extras
}

// opts describes the archive framing.
type opts struct {
	prefix      []byte // prepended bytes; stored offsets stay relative to the archive
	comment     string
	commentLen  *uint16 // declared comment length override
	trailing    []byte
	cdOffsetAdd int64   // added to the stored central directory offset
	cdSizeAdd   int64   // added to the stored central directory size
	count       *uint16 // declared entry count override
	zip64       bool    // ZIP64 end record and locator
	cutCD       int     // bytes dropped from the end of the central directory
}

// part is a run of bytes or, when b is nil, of n zero bytes.
type part struct {
	b []byte
	n int64
}

type wbuf struct{ bytes.Buffer }

func (w *wbuf) u16(v uint16) { w.Write(binary.LittleEndian.AppendUint16(nil, v)) }
func (w *wbuf) u32(v uint32) { w.Write(binary.LittleEndian.AppendUint32(nil, v)) }
func (w *wbuf) u64(v uint64) { w.Write(binary.LittleEndian.AppendUint64(nil, v)) }

func p64(v uint64) *uint64 { return &v }
func p32(v uint32) *uint32 { return &v }
func p16(v uint16) *uint16 { return &v }
func ps(v string) *string  { return &v }

func deflate(b []byte) []byte {
	var out bytes.Buffer
	fw, _ := flate.NewWriter(&out, flate.DefaultCompression)
	fw.Write(b)
	fw.Close()
	return out.Bytes()
}

func zerosCRC(n int64) uint32 {
	var crc uint32
	buf := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, int64(len(buf)))
		crc = crc32.Update(crc, crc32.IEEETable, buf[:k])
		n -= k
	}
	return crc
}

// craft lays out an archive as parts (so huge stored members cost nothing).
func craft(es []entry, o opts) []part {
	var parts []part
	var w wbuf
	var off int64 // relative to the archive start (after prefix)
	flush := func() { off += int64(w.Len()); parts = append(parts, part{b: bytes.Clone(w.Bytes())}); w.Reset() }
	type cd struct {
		crc          uint32
		comp, uncomp uint64
		off          int64
	}
	cds := make([]cd, len(es))
	parts = append(parts, part{b: o.prefix})
	for i, e := range es {
		if e.sameAs > 0 {
			cds[i] = cds[e.sameAs-1]
			continue
		}
		data := e.content
		if e.method == 8 {
			data = deflate(e.content)
		}
		c := cd{crc: crc32.ChecksumIEEE(e.content), comp: uint64(len(data)), uncomp: uint64(len(e.content)), off: off}
		if e.zeros > 0 {
			c.crc, c.comp, c.uncomp = zerosCRC(e.zeros), uint64(e.zeros), uint64(e.zeros)
		}
		cds[i] = c
		lname := e.name
		if e.localName != nil {
			lname = *e.localName
		}
		w.u32(sigLocal)
		w.u16(20)
		w.u16(e.flags)
		w.u16(e.method)
		w.u32(0)
		w.u32(c.crc)
		if e.zip64 {
			w.u32(sat32)
			w.u32(sat32)
		} else {
			w.u32(uint32(c.comp))
			w.u32(uint32(c.uncomp))
		}
		w.u16(uint16(len(lname)))
		if e.zip64 {
			w.u16(20)
		} else {
			w.u16(0)
		}
		w.WriteString(lname)
		if e.zip64 {
			w.u16(1)
			w.u16(16)
			w.u64(c.uncomp)
			w.u64(c.comp)
		}
		w.Write(data)
		flush()
		if e.zeros > 0 {
			parts = append(parts, part{n: e.zeros})
			off += e.zeros
		}
	}
	cdStart := off
	for i, e := range es {
		c := cds[i]
		if e.crc != nil {
			c.crc = *e.crc
		}
		if e.uncomp != nil {
			c.uncomp = *e.uncomp
		}
		if e.comp != nil {
			c.comp = *e.comp
		}
		w.u32(sigCentral)
		w.u16(3<<8 | 20)
		w.u16(20)
		w.u16(e.flags)
		w.u16(e.method)
		w.u32(0)
		w.u32(c.crc)
		if e.zip64 {
			w.u32(sat32)
			w.u32(sat32)
		} else {
			w.u32(uint32(c.comp))
			w.u32(uint32(c.uncomp))
		}
		w.u16(uint16(len(e.name)))
		if e.zip64 {
			w.u16(28)
		} else {
			w.u16(0)
		}
		w.u16(0) // comment
		w.u16(0) // disk
		w.u16(0) // internal attrs
		w.u32(0o644 << 16)
		if e.zip64 {
			w.u32(sat32)
		} else {
			w.u32(uint32(c.off))
		}
		w.WriteString(e.name)
		if e.zip64 {
			w.u16(1)
			w.u16(24)
			w.u64(c.uncomp)
			w.u64(c.comp)
			w.u64(uint64(c.off))
		}
	}
	w.Truncate(w.Len() - o.cutCD)
	cdSize := int64(w.Len()) + o.cdSizeAdd
	cdOff := cdStart + o.cdOffsetAdd
	flush()
	count := uint16(len(es))
	if o.count != nil {
		count = *o.count
	}
	if o.zip64 {
		z64 := off
		w.u32(sigZip64EOCD)
		w.u64(lenZip64EOCD - 12)
		w.u16(45)
		w.u16(45)
		w.u32(0)
		w.u32(0)
		w.u64(uint64(count))
		w.u64(uint64(count))
		w.u64(uint64(cdSize))
		w.u64(uint64(cdOff))
		w.u32(sigZip64Loc)
		w.u32(0)
		w.u64(uint64(z64))
		w.u32(1)
		count, cdSize, cdOff = 0xffff, sat32, sat32
	}
	w.u32(sigEOCD)
	w.u32(0) // disks
	w.u16(count)
	w.u16(count)
	w.u32(uint32(cdSize))
	w.u32(uint32(cdOff))
	clen := uint16(len(o.comment))
	if o.commentLen != nil {
		clen = *o.commentLen
	}
	w.u16(clen)
	w.WriteString(o.comment)
	w.Write(o.trailing)
	flush()
	return parts
}

func flat(ps []part) []byte {
	var b bytes.Buffer
	for _, p := range ps {
		if p.b != nil {
			b.Write(p.b)
		} else {
			b.Write(make([]byte, p.n))
		}
	}
	return b.Bytes()
}

func build(es []entry, o opts) []byte { return flat(craft(es, o)) }

// lazy is an io.ReaderAt over parts that never materializes zero runs.
type lazy struct {
	parts []part
	size  int64
}

func newLazy(ps []part) *lazy {
	l := &lazy{parts: ps}
	for _, p := range ps {
		l.size += plen(p)
	}
	return l
}

func plen(p part) int64 {
	if p.b != nil {
		return int64(len(p.b))
	}
	return p.n
}

func (l *lazy) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := 0
	pos := int64(0)
	for _, p := range l.parts {
		pl := plen(p)
		if len(b) > 0 && off < pos+pl {
			k := min(int64(len(b)), pos+pl-off)
			if p.b != nil {
				copy(b[:k], p.b[off-pos:])
			} else {
				clear(b[:k])
			}
			b, off, n = b[k:], off+k, n+int(k)
		}
		pos += pl
	}
	if len(b) > 0 {
		return n, io.EOF
	}
	return n, nil
}

// counting counts the bytes requested through it.
type counting struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *counting) ReadAt(b []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(b, off)
	c.n.Add(int64(n))
	return n, err
}
