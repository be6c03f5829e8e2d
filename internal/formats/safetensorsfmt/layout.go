package safetensorsfmt

import (
	"math/bits"
	"sort"
)

// region is a byte range of the data section, relative to its start.
type region struct {
	begin, end uint64
	name       string // tensor name, "" for a gap
	at         int64  // file offset of the tensor's header entry
}

// layout is the result of checking the tensors against the data section.
type layout struct {
	tensors []region // tensors with usable offsets inside the data section, by offset
	gaps    []region // bytes between tensors that no tensor covers
	covered uint64   // end of the last tensor
}

// checkSizes compares each tensor's offsets with its dtype and shape.
func checkSizes(h *header) {
	for i := range h.tensors {
		ts := &h.tensors[i]
		if !ts.offsetsOK {
			continue
		}
		if ts.end < ts.begin {
			h.add(ts.off, "tensor %s: data_offsets [%d, %d] end before they begin", quote(ts.name), ts.begin, ts.end)
			continue
		}
		width, known := dtypeBits[ts.dtype]
		if !known || !ts.hasShape || ts.overflow {
			if ts.overflow && ts.hasShape {
				h.add(ts.off, "tensor %s: shape %s has more elements than 64 bits can count", quote(ts.name), ts.shape)
			}
			continue
		}
		hi, nbits := bits.Mul64(ts.elems, width)
		if hi != 0 {
			h.add(ts.off, "tensor %s: %s x %s overflows 64 bits", quote(ts.name), ts.dtype, ts.shape)
			continue
		}
		if nbits%8 != 0 {
			h.add(ts.off, "tensor %s: %s x %s is %d bits, not a whole number of bytes", quote(ts.name), ts.dtype, ts.shape, nbits)
			continue
		}
		if got := ts.end - ts.begin; got != nbits/8 {
			h.add(ts.off, "tensor %s: data_offsets [%d, %d] hold %d bytes, %s x %s needs %d",
				quote(ts.name), ts.begin, ts.end, got, ts.dtype, ts.shape, nbits/8)
		}
	}
}

// checkLayout sorts the tensors by offset (as the reference loader does) and
// requires them to tile the data section from 0 without gaps or overlaps.
// dataLen is the size of the data section in the file.
func checkLayout(h *header, base int64, dataLen uint64) layout {
	var rs []region
	for _, ts := range h.tensors {
		if ts.offsetsOK && ts.begin <= ts.end {
			rs = append(rs, region{ts.begin, ts.end, ts.name, ts.off})
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].begin != rs[j].begin {
			return rs[i].begin < rs[j].begin
		}
		return rs[i].end < rs[j].end
	})
	var lay layout
	var cursor uint64
	prev := ""
	for _, r := range rs {
		switch {
		case r.begin > cursor:
			h.add(where(base, cursor, dataLen, r.at), "%d bytes at data offset %d are not part of any tensor (gap before %s)", r.begin-cursor, cursor, quote(r.name))
			if cursor < dataLen {
				lay.gaps = append(lay.gaps, region{cursor, min(r.begin, dataLen), "", r.at})
			}
		case r.begin < cursor:
			h.add(where(base, r.begin, dataLen, r.at), "tensor %s [%d, %d] overlaps tensor %s (which ends at %d)", quote(r.name), r.begin, r.end, quote(prev), cursor)
		}
		if r.end > dataLen {
			h.add(r.at, "tensor %s [%d, %d] runs past the end of the file (data section has %d bytes)", quote(r.name), r.begin, r.end, dataLen)
		} else {
			lay.tensors = append(lay.tensors, r)
		}
		if r.end >= cursor {
			cursor, prev = r.end, r.name
		}
	}
	lay.covered = cursor
	return lay
}

// where locates a violation: the file offset of data offset off when it is
// inside the data section, else the header entry at.
func where(base int64, off, dataLen uint64, at int64) int64 {
	if off > dataLen {
		return at
	}
	return base + int64(off)
}
