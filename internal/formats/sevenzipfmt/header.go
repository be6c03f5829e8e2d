package sevenzipfmt

import (
	"fmt"
	"math/bits"
)

// Property ids of the 7z header (7zFormat.txt).
const (
	idEnd = iota
	idHeader
	idArchiveProperties
	idAdditionalStreamsInfo
	idMainStreamsInfo
	idFilesInfo
	idPackInfo
	idUnpackInfo
	idSubStreamsInfo
	idSize
	idCRC
	idFolder
	idCodersUnpackSize
	idNumUnpackStream
	idEmptyStream
	idEmptyFile
	idAnti
	idName
	idCTime
	idATime
	idMTime
	idWinAttributes
	idComment
	idEncodedHeader
	idStartPos
	idDummy
)

// Structural bounds. 7-Zip writes at most 4 coders per folder (BCJ2 and
// its three LZMA coders) plus one for AES; a coder has at most 4 inputs.
const (
	maxCoders   = 8
	maxCoderIn  = 8
	maxFolderIn = 16
	maxSize     = 1 << 62 // any declared size above this is hostile
)

// reader decodes header fields from a byte slice. Errors are sticky: after
// the first one every read returns zero, so callers check r.err once.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("7z header byte %d: %s", r.off, fmt.Sprintf(format, a...))
	}
}

func (r *reader) rem() int { return len(r.b) - r.off }

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.fail("unexpected end of header")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// take returns the next n bytes (a sub-slice, never a copy).
func (r *reader) take(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(r.rem()) {
		r.fail("%d bytes declared, only %d left", n, r.rem())
		return nil
	}
	p := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return p
}

// num reads a 7z NUMBER: the leading one bits of the first byte count the
// little-endian bytes that follow, the rest of it holds the high bits.
func (r *reader) num() uint64 {
	first := r.byte()
	var v uint64
	mask := byte(0x80)
	for i := 0; i < 8; i++ {
		if first&mask == 0 {
			return v | uint64(first&(mask-1))<<(8*i)
		}
		v |= uint64(r.byte()) << (8 * i)
		mask >>= 1
	}
	return v
}

// count reads a number of items and checks it against a bound derived
// from the bytes that must describe them, before anything is allocated.
func (r *reader) count(what string, bound int) int {
	n := r.num()
	if r.err == nil && n > uint64(bound) {
		r.fail("%d %s declared, at most %d possible here", n, what, bound)
		return 0
	}
	return int(n)
}

func (r *reader) size() uint64 {
	n := r.num()
	if n > maxSize {
		r.fail("size %d is out of range", n)
		return 0
	}
	return n
}

func (r *reader) expect(id uint64, what string) {
	if got := r.num(); r.err == nil && got != id {
		r.fail("expected %s (id %d), found id %d", what, id, got)
	}
}

// bitvec is a bit vector kept as a sub-slice of the header (no allocation
// proportional to a declared count).
type bitvec struct {
	p   []byte
	all bool
}

func (v bitvec) get(i int) bool {
	if v.all {
		return true
	}
	if i>>3 >= len(v.p) {
		return false
	}
	return v.p[i>>3]&(0x80>>(i&7)) != 0
}

// ones counts the set bits among the first n.
func (v bitvec) ones(n int) int {
	if v.all {
		return n
	}
	c := 0
	for i := 0; i < n>>3 && i < len(v.p); i++ {
		c += bits.OnesCount8(v.p[i])
	}
	if n&7 != 0 && n>>3 < len(v.p) {
		c += bits.OnesCount8(v.p[n>>3] & ^byte(0xff>>(n&7)))
	}
	return c
}

func (r *reader) bits(n int) bitvec { return bitvec{p: r.take(uint64(n+7) / 8)} }

// optBits reads an "all defined" byte, then a bit vector if it is zero.
func (r *reader) optBits(n int) (bitvec, int) {
	if r.byte() != 0 {
		return bitvec{all: true}, n
	}
	v := r.bits(n)
	return v, v.ones(n)
}

// digests reads n optional CRCs: which are defined, and their values.
type digests struct {
	def  bitvec
	vals []byte // 4 bytes per defined CRC
}

func (r *reader) digests(n int) digests {
	def, k := r.optBits(n)
	return digests{def: def, vals: r.take(4 * uint64(k))}
}
