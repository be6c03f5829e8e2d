package zipx

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
)

const sat32 = 0xffffffff // a 32-bit field saturated in favour of ZIP64

// Open reads the end records, every central-directory record (up to
// lim.MaxMembers) and every member's local header. It never reads member
// data. Structural oddities become Anomalies; only a missing end record or
// central directory is an error. When the directory holds more than
// lim.MaxMembers records, Open returns the Reader built so far together
// with ErrTooManyMembers.
func Open(r io.ReaderAt, size int64, lim Limits) (*Reader, error) {
	if size < lenEOCD {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrFormat, size)
	}
	lim = lim.withDefaults()
	z := &Reader{}
	d, start, err := z.readEnd(r, size, lim)
	if err != nil {
		return nil, err
	}
	cdLen, errMembers := z.readCentral(r, size, start, d, lim)
	var scratch []byte
	// in offset order: inside a decoded stream a backward read can mean
	// decoding the stream again from its start
	for _, m := range z.ByOffset() {
		scratch = m.readLocal(r, size, scratch)
	}
	z.check(size, start, start+cdLen)
	return z, errMembers
}

// readCentral walks central-directory records from start for as long as
// signatures match (like archive/zip, not trusting the declared count) and
// returns the number of bytes walked.
func (z *Reader) readCentral(r io.ReaderAt, size, start int64, d dirEnd, lim Limits) (int64, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, size-start), 4096)
	le := binary.LittleEndian
	var hdr [lenCentral]byte
	var buf []byte
	off := start
	var err error
	for {
		if _, e := io.ReadFull(br, hdr[:4]); e != nil || le.Uint32(hdr[:]) != sigCentral {
			break
		}
		if len(z.Members) >= lim.MaxMembers {
			err = fmt.Errorf("%w: more than %d", ErrTooManyMembers, lim.MaxMembers)
			break
		}
		if _, e := io.ReadFull(br, hdr[4:]); e != nil {
			z.add(KindTruncatedCD, "record %d at %d: header cut short", len(z.Members), off)
			break
		}
		n, x, c := int(le.Uint16(hdr[28:])), int(le.Uint16(hdr[30:])), int(le.Uint16(hdr[32:]))
		buf = grow(buf, n+x)
		if _, e := io.ReadFull(br, buf); e != nil {
			z.add(KindTruncatedCD, "record %d at %d: name/extra cut short", len(z.Members), off)
			break
		}
		if k, _ := br.Discard(c); k != c {
			z.add(KindTruncatedCD, "record %d at %d: comment cut short", len(z.Members), off)
			break
		}
		z.Members = append(z.Members, z.parseCentral(hdr[:], buf[:n], buf[n:], size))
		off += int64(lenCentral + n + x + c)
	}
	walked := off - start
	if uint64(walked) != d.cdSize {
		z.add(KindCDSizeMismatch, "walked %d bytes of central directory, EOCD says %d", walked, d.cdSize)
	}
	if err == nil && uint64(len(z.Members)) != d.entries {
		z.add(KindCountMismatch, "%d records in central directory, EOCD says %d", len(z.Members), d.entries)
	}
	return walked, err
}

func (z *Reader) parseCentral(h, name, extra []byte, size int64) *Member {
	le := binary.LittleEndian
	m := &Member{
		Name:          string(name),
		CreatorOS:     h[5],
		Flags:         le.Uint16(h[8:]),
		Method:        le.Uint16(h[10:]),
		CRC32:         le.Uint32(h[16:]),
		ExternalAttrs: le.Uint32(h[38:]),
		Index:         len(z.Members),
		DataOffset:    -1,
	}
	comp, uncomp := uint64(le.Uint32(h[20:])), uint64(le.Uint32(h[24:]))
	off := uint64(le.Uint32(h[42:]))
	disk := uint64(le.Uint16(h[34:]))
	ok := walkExtra(extra, func(tag uint16, data []byte) {
		switch tag {
		case 0x0001:
			m.add(KindZip64, "ZIP64 extra field")
			if !zip64Fields(data, false, &uncomp, &comp, &off) {
				m.add(KindBadExtra, "ZIP64 extra too short (%d bytes)", len(data))
			}
		case 0x7075:
			if len(data) >= 5 && string(data[5:]) != m.Name {
				m.add(KindUnicodePathExtra, "Info-ZIP Unicode path %q differs from name", data[5:])
			}
		}
	})
	if !ok {
		m.add(KindBadExtra, "malformed central extra field")
	}
	m.CompressedSize, m.UncompressedSize = comp, uncomp
	m.HeaderOffset = math.MaxInt64
	if off <= uint64(math.MaxInt64-z.Base) {
		m.HeaderOffset = int64(off) + z.Base
	}
	if m.Flags&0x41 != 0 {
		m.add(KindEncrypted, "general purpose flags %#04x mark the data encrypted", m.Flags)
	}
	switch m.Method {
	case 0:
		if comp != uncomp {
			m.add(KindSizeMismatch, "stored member: compressed size %d, uncompressed %d", comp, uncomp)
		}
	case 8:
	default:
		m.add(KindUnsupportedMethod, "compression method %d", m.Method)
	}
	if disk != 0 {
		m.add(KindMultiDisk, "member starts on disk %d", disk)
	}
	if (m.CreatorOS == 3 || m.CreatorOS == 19) && (m.ExternalAttrs>>16)&0xf000 == 0xa000 {
		m.add(KindSymlink, "Unix mode %o is a symbolic link", m.ExternalAttrs>>16)
	}
	return m
}

// readLocal validates the local header and sets LocalName and DataOffset.
func (m *Member) readLocal(r io.ReaderAt, size int64, buf []byte) []byte {
	var h [lenLocal]byte
	if m.HeaderOffset < 0 || m.HeaderOffset > size-lenLocal || !readAt(r, h[:], m.HeaderOffset) {
		m.add(KindLocalMissing, "local header offset %d is outside the file (%d bytes)", m.HeaderOffset, size)
		return buf
	}
	le := binary.LittleEndian
	if sig := le.Uint32(h[:]); sig != sigLocal {
		m.add(KindLocalMissing, "no local header signature at %d (found %#08x)", m.HeaderOffset, sig)
		return buf
	}
	n, e := int64(le.Uint16(h[26:])), int64(le.Uint16(h[28:]))
	end := m.HeaderOffset + lenLocal + n + e
	if end > size {
		m.add(KindLocalMissing, "local header at %d runs past end of file", m.HeaderOffset)
		return buf
	}
	buf = grow(buf, int(n+e))
	if !readAt(r, buf, m.HeaderOffset+lenLocal) {
		m.add(KindLocalMissing, "cannot read local header at %d", m.HeaderOffset)
		return buf
	}
	m.LocalName, m.DataOffset = string(buf[:n]), end
	if m.LocalName != m.Name {
		m.add(KindNameMismatch, "local header name %q, central directory name %q", m.LocalName, m.Name)
	}
	flags, method := le.Uint16(h[6:]), le.Uint16(h[8:])
	if flags != m.Flags || method != m.Method {
		m.add(KindHeaderMismatch, "local flags/method %#04x/%d, central %#04x/%d", flags, method, m.Flags, m.Method)
	}
	crc, comp, uncomp := le.Uint32(h[14:]), uint64(le.Uint32(h[18:])), uint64(le.Uint32(h[22:]))
	okExtra := walkExtra(buf[n:n+e], func(tag uint16, data []byte) {
		if tag == 0x0001 && !zip64Fields(data, true, &uncomp, &comp) {
			m.add(KindBadExtra, "local ZIP64 extra too short (%d bytes)", len(data))
		}
	})
	if !okExtra {
		m.add(KindBadExtra, "malformed local extra field")
	}
	if flags&0x8 == 0 { // no data descriptor: local values are authoritative to some readers
		if crc != m.CRC32 {
			m.add(KindHeaderMismatch, "local CRC-32 %#08x, central %#08x", crc, m.CRC32)
		}
		if comp != m.CompressedSize || uncomp != m.UncompressedSize {
			m.add(KindSizeMismatch, "local sizes %d/%d, central %d/%d", comp, uncomp, m.CompressedSize, m.UncompressedSize)
		}
	}
	if m.CompressedSize > uint64(size-end) {
		m.truncated = true
		m.add(KindDataPastEOF, "%d bytes of data at %d run past end of file (%d bytes)", m.CompressedSize, end, size)
	}
	return buf
}

// walkExtra calls fn for each well-formed extra field and reports whether
// the whole block was well formed.
func walkExtra(extra []byte, fn func(tag uint16, data []byte)) bool {
	for len(extra) >= 4 {
		tag, n := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+n > len(extra) {
			return false
		}
		fn(tag, extra[4:4+n])
		extra = extra[4+n:]
	}
	return len(extra) == 0
}

// zip64Fields replaces saturated values with those of a ZIP64 extra field.
// In the central directory only saturated fields are present, in order; in
// a local header both sizes are present if either is saturated.
func zip64Fields(data []byte, local bool, vals ...*uint64) bool {
	if local && (*vals[0] == sat32 || *vals[1] == sat32) {
		*vals[0], *vals[1] = sat32, sat32
	}
	for _, v := range vals {
		if *v != sat32 {
			continue
		}
		if len(data) < 8 {
			return false
		}
		*v = binary.LittleEndian.Uint64(data)
		data = data[8:]
	}
	return true
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// ByOffset returns the members in the order of their local header offsets
// (central directory order among equal offsets): the order that reads the
// archive front to back.
func (z *Reader) ByOffset() []*Member {
	out := slices.Clone(z.Members)
	slices.SortStableFunc(out, func(a, b *Member) int { return cmp.Compare(a.HeaderOffset, b.HeaderOffset) })
	return out
}
