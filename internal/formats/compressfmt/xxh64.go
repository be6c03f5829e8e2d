package compressfmt

import (
	"encoding/binary"
	"math/bits"
)

// xxh64 is the XXH64 hash (seed 0), whose low 32 bits are a zstd frame's
// content checksum. Written from the XXH64 specification.
type xxh64 struct {
	v     [4]uint64
	total uint64
	buf   [32]byte
	n     int
}

const (
	xxP1 uint64 = 11400714785074694791
	xxP2 uint64 = 14029467366897019727
	xxP3 uint64 = 1609587929392839161
	xxP4 uint64 = 9650029242287828579
	xxP5 uint64 = 2870177450012600261
)

func newXXH64() *xxh64 {
	p1, p2 := xxP1, xxP2 // variables: the sums wrap around
	return &xxh64{v: [4]uint64{p1 + p2, p2, 0, -p1}}
}

func xxRound(acc, in uint64) uint64 {
	acc += in * xxP2
	return bits.RotateLeft64(acc, 31) * xxP1
}

func xxMerge(acc, v uint64) uint64 {
	acc ^= xxRound(0, v)
	return acc*xxP1 + xxP4
}

func (h *xxh64) stripe(p []byte) {
	for i := range h.v {
		h.v[i] = xxRound(h.v[i], binary.LittleEndian.Uint64(p[8*i:]))
	}
}

func (h *xxh64) Write(p []byte) {
	h.total += uint64(len(p))
	if h.n > 0 {
		k := copy(h.buf[h.n:], p)
		h.n += k
		p = p[k:]
		if h.n < 32 {
			return
		}
		h.stripe(h.buf[:])
		h.n = 0
	}
	for ; len(p) >= 32; p = p[32:] {
		h.stripe(p)
	}
	h.n = copy(h.buf[:], p)
}

func (h *xxh64) Sum64() uint64 {
	var acc uint64
	if h.total >= 32 {
		v := h.v
		acc = bits.RotateLeft64(v[0], 1) + bits.RotateLeft64(v[1], 7) + bits.RotateLeft64(v[2], 12) + bits.RotateLeft64(v[3], 18)
		for _, x := range v {
			acc = xxMerge(acc, x)
		}
	} else {
		acc = xxP5
	}
	acc += h.total
	p := h.buf[:h.n]
	for ; len(p) >= 8; p = p[8:] {
		acc ^= xxRound(0, binary.LittleEndian.Uint64(p))
		acc = bits.RotateLeft64(acc, 27)*xxP1 + xxP4
	}
	if len(p) >= 4 {
		acc ^= uint64(binary.LittleEndian.Uint32(p)) * xxP1
		acc = bits.RotateLeft64(acc, 23)*xxP2 + xxP3
		p = p[4:]
	}
	for _, c := range p {
		acc ^= uint64(c) * xxP5
		acc = bits.RotateLeft64(acc, 11) * xxP1
	}
	acc ^= acc >> 33
	acc *= xxP2
	acc ^= acc >> 29
	acc *= xxP3
	acc ^= acc >> 32
	return acc
}
