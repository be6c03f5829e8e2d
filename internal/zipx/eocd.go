package zipx

import (
	"encoding/binary"
	"fmt"
	"io"
)

const (
	sigLocal     = 0x04034b50
	sigCentral   = 0x02014b50
	sigEOCD      = 0x06054b50
	sigZip64EOCD = 0x06064b50
	sigZip64Loc  = 0x07064b50

	lenLocal     = 30
	lenCentral   = 46
	lenEOCD      = 22
	lenZip64EOCD = 56
	lenZip64Loc  = 20

	maxEOCDScan = 65535 + lenEOCD
	// maxOtherEOCDs bounds the extra end-record signatures remembered
	maxOtherEOCDs = 64
	firstScan     = 4096 // most archives have no comment: try a small tail first
)

// dirEnd is what the end-of-central-directory records say.
type dirEnd struct {
	pos      int64 // offset of the EOCD record
	cdEnd    int64 // where the central directory should end (ZIP64 record or EOCD)
	entries  uint64
	cdSize   uint64
	cdOffset uint64
}

// Sniff reports whether the content looks like a zip archive: head (the
// first bytes of the file) starts with a local header or an empty archive's
// EOCD record, or, when r is non-nil, an end-of-central-directory record pointing at
// a central directory is found near the end (data may precede the archive, as
// in self-extractors and polyglots). It reads at most about 64 KiB.
func Sniff(head []byte, r io.ReaderAt, size int64) bool {
	if len(head) >= 4 && string(head[:4]) == "PK\x03\x04" {
		return true
	}
	if len(head) >= lenEOCD && string(head[:4]) == "PK\x05\x06" &&
		binary.LittleEndian.Uint16(head[10:]) == 0 && binary.LittleEndian.Uint32(head[12:]) == 0 {
		return true // empty archive
	}
	if r == nil || size < lenEOCD || compressedHead(head) {
		return false
	}
	var z Reader
	_, _, err := z.readEnd(r, size, DefaultLimits())
	return err == nil
}

// compressedHead recognises the start of a compressed stream (gzip,
// bzip2, xz, zstd, lz4) or a 7z archive. Such a file is read as what it
// starts as, not by an end record near its end: with weak or no
// compression (gzip -1 of random data, stored deflate blocks) the end
// records of a compressed zip are visible in the compressed bytes. A zip
// appended after the stream is still scanned, as trailing data.
func compressedHead(h []byte) bool {
	for _, m := range []string{"\x1f\x8b\x08", "\xfd7zXZ\x00", "\x28\xb5\x2f\xfd", "\x04\x22\x4d\x18", "7z\xbc\xaf\x27\x1c"} {
		if len(h) >= len(m) && string(h[:len(m)]) == m {
			return true
		}
	}
	return len(h) >= 4 && string(h[:3]) == "BZh" && h[3] >= '1' && h[3] <= '9'
}

// readEnd finds and parses the EOCD (and ZIP64) records, records
// archive-level anomalies, and returns the central directory's start.
func (z *Reader) readEnd(r io.ReaderAt, size int64, lim Limits) (dirEnd, int64, error) {
	var d dirEnd
	pos, rec, err := z.locateEOCD(r, size, lim.MaxCommentScan)
	if err != nil {
		return d, 0, err
	}
	d.pos, d.cdEnd = pos, pos
	le := binary.LittleEndian
	disk, cdDisk := le.Uint16(rec[4:]), le.Uint16(rec[6:])
	d.entries = uint64(le.Uint16(rec[10:]))
	d.cdSize = uint64(le.Uint32(rec[12:]))
	d.cdOffset = uint64(le.Uint32(rec[16:]))
	if disk != 0 || cdDisk != 0 || le.Uint16(rec[8:]) != le.Uint16(rec[10:]) {
		z.add(KindMultiDisk, "disk %d, central directory disk %d", disk, cdDisk)
	}
	clen := int64(le.Uint16(rec[20:]))
	if end := pos + lenEOCD + clen; end > size {
		z.add(KindBadComment, "comment length %d runs %d bytes past end of file", clen, end-size)
		clen = size - pos - lenEOCD
	} else if end < size {
		z.add(KindExtraBytesAfter, "%d bytes after end of central directory", size-end)
	}
	if clen > 0 {
		c := make([]byte, clen) // <= 65535
		if readAt(r, c, pos+lenEOCD) {
			z.Comment = string(c)
		}
	}
	z.readZip64(r, size, &d, rec)

	start, err := z.locateCD(r, size, &d)
	return d, start, err
}

// locateEOCD returns the offset and the 22 bytes of the last EOCD record
// whose comment fits in the file, falling back to the last record at all.
func (z *Reader) locateEOCD(r io.ReaderAt, size, scan int64) (int64, []byte, error) {
	for _, w := range []int64{firstScan, scan} {
		w = min(w, scan, size)
		start := size - w
		buf := make([]byte, w)
		if n, err := r.ReadAt(buf, start); n < len(buf) {
			if err != nil && err != io.EOF {
				return 0, nil, err // an I/O error, not a format problem
			}
			return 0, nil, fmt.Errorf("%w: short read of the last %d bytes", ErrFormat, w)
		}
		best, fallback, count := -1, -1, 0
		for i := len(buf) - lenEOCD; i >= 0; i-- {
			if binary.LittleEndian.Uint32(buf[i:]) != sigEOCD {
				continue
			}
			count++
			if fallback < 0 {
				fallback = i
			}
			clen := int(binary.LittleEndian.Uint16(buf[i+20:]))
			if best < 0 && i+lenEOCD+clen <= len(buf) {
				best = i
			}
		}
		final := w == scan || w == size
		if best < 0 && final {
			best = fallback
		}
		if best >= 0 {
			if count > 1 {
				// judged once the members are known (see checkEOCDs): a
				// stored archive inside the archive has its own end record
				z.eocdScan = w
				for i := len(buf) - lenEOCD; i >= 0 && len(z.otherEOCDs) < maxOtherEOCDs; i-- {
					if i != best && binary.LittleEndian.Uint32(buf[i:]) == sigEOCD {
						z.otherEOCDs = append(z.otherEOCDs, start+int64(i))
					}
				}
			}
			return start + int64(best), buf[best : best+lenEOCD], nil
		}
		if final {
			break
		}
	}
	return 0, nil, fmt.Errorf("%w: no end of central directory record", ErrFormat)
}

// readZip64 applies a ZIP64 end-of-central-directory record if a locator
// precedes the EOCD record.
func (z *Reader) readZip64(r io.ReaderAt, size int64, d *dirEnd, rec []byte) {
	locPos := d.pos - lenZip64Loc
	if locPos < 0 {
		return
	}
	var loc [lenZip64Loc]byte
	if !readAt(r, loc[:], locPos) || binary.LittleEndian.Uint32(loc[:]) != sigZip64Loc {
		return
	}
	le := binary.LittleEndian
	var z64 [lenZip64EOCD]byte
	pos := int64(-1)
	for _, off := range []uint64{le.Uint64(loc[8:]), uint64(locPos - lenZip64EOCD)} {
		if off <= uint64(locPos-lenZip64EOCD) { // also rejects off > MaxInt64
			if readAt(r, z64[:], int64(off)) && le.Uint32(z64[:]) == sigZip64EOCD {
				pos = int64(off)
				break
			}
		}
	}
	if pos < 0 {
		z.add(KindBadZip64, "ZIP64 locator at %d but no ZIP64 end record", locPos)
		return
	}
	if pos != int64(le.Uint64(loc[8:])) {
		z.add(KindBadZip64, "ZIP64 locator says %d, record found at %d", le.Uint64(loc[8:]), pos)
	}
	z.Zip64 = true // not an anomaly: PyTorch always writes ZIP64 end records
	e64 := le.Uint64(z64[32:])
	s64 := le.Uint64(z64[40:])
	o64 := le.Uint64(z64[48:])
	if (d.entries != 0xffff && d.entries != e64) ||
		(d.cdSize != 0xffffffff && d.cdSize != s64) ||
		(d.cdOffset != 0xffffffff && d.cdOffset != o64) {
		z.add(KindZip64Mismatch, "EOCD says %d entries/%d/%d, ZIP64 record %d/%d/%d",
			d.entries, d.cdSize, d.cdOffset, e64, s64, o64)
	}
	if le.Uint32(z64[16:]) != 0 || le.Uint32(z64[20:]) != 0 {
		z.add(KindMultiDisk, "ZIP64 record names disk %d", le.Uint32(z64[16:]))
	}
	d.entries, d.cdSize, d.cdOffset, d.cdEnd = e64, s64, o64, pos
}

// locateCD decides where the central directory starts, setting z.Base the
// way archive/zip does when data was prepended to the archive.
func (z *Reader) locateCD(r io.ReaderAt, size int64, d *dirEnd) (int64, error) {
	stored := int64(-1)
	if d.cdOffset < uint64(size) {
		stored = int64(d.cdOffset)
	}
	actual := int64(-1)
	if d.cdSize <= uint64(d.cdEnd) {
		actual = d.cdEnd - int64(d.cdSize)
	}
	switch {
	case stored >= 0 && actual > stored && hasSig(r, size, stored, sigCentral):
		// archive/zip: prefer base 0 when it finds a directory there.
		return stored, nil
	case actual >= 0 && hasSig(r, size, actual, sigCentral):
		if d.cdOffset <= uint64(actual) {
			z.Base = actual - int64(d.cdOffset)
		} else {
			z.add(KindBadCDOffset, "central directory at %d, EOCD says %d", actual, d.cdOffset)
		}
		return actual, nil
	case stored >= 0 && hasSig(r, size, stored, sigCentral):
		return stored, nil
	case d.entries == 0:
		return min(max(actual, 0), d.pos), nil // empty archive
	}
	return 0, fmt.Errorf("%w: central directory not found (offset %d, size %d)", ErrFormat, d.cdOffset, d.cdSize)
}

func hasSig(r io.ReaderAt, size, off int64, sig uint32) bool {
	if off < 0 || off > size-4 {
		return false
	}
	var b [4]byte
	return readAt(r, b[:], off) && binary.LittleEndian.Uint32(b[:]) == sig
}

// readAt fills b from off, accepting io.EOF with a full read.
func readAt(r io.ReaderAt, b []byte, off int64) bool {
	n, _ := r.ReadAt(b, off)
	return n == len(b)
}

func anomaly(kind, format string, args ...any) Anomaly {
	return Anomaly{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}
