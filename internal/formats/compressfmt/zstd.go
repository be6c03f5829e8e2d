package compressfmt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"

	"github.com/klauspost/compress/zstd"

	"github.com/modelscan-go/modelscan/internal/streams"
)

// openZstd decodes one zstd frame. The frame is cut from the input here
// (its blocks carry their sizes), so the decoder sees exactly one frame and
// multi handles what follows it (skippable frames, more frames, trailing
// bytes). The header is rewritten before the decoder sees it: the decoder
// allocates twice the declared window up front, so a window larger than
// the bound (what the stream may decode to) is lowered to it, and a
// single-segment frame (whose window is its declared content size) becomes
// a windowed one. The decoder also drops the last block's data when the
// declared content size or the checksum disagree; both are checked here
// instead, after that data was handed out.
func openZstd(c *streams.Counter, window int) (io.Reader, error) {
	f, err := newZstdFrame(c, window)
	if err != nil {
		return nil, err
	}
	d, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.IgnoreChecksum(true),
		zstd.WithDecoderMaxWindow(uint64(window)), zstd.WithDecoderMaxMemory(uint64(window)))
	if err != nil {
		return nil, err
	}
	return &zstdReader{d: d, f: f, h: newXXH64()}, nil
}

// zstdReader checks the frame's content size and checksum, and releases
// the decoder at the end of the frame.
type zstdReader struct {
	d *zstd.Decoder
	f *zstdFrame
	h *xxh64
	n uint64
}

func (z *zstdReader) Read(p []byte) (int, error) {
	if z.d == nil {
		return 0, io.EOF
	}
	n, err := z.d.Read(p)
	z.n += uint64(n)
	if z.f.checksum {
		z.h.Write(p[:n])
	}
	if err == nil {
		return n, nil
	}
	z.d.Close()
	z.d = nil
	switch {
	case err != io.EOF:
		err = fmt.Errorf("zstd: %w", err)
	case z.f.fcsKnown && z.n != z.f.fcs:
		err = fmt.Errorf("zstd: the frame declares %d bytes of content, it holds %d", z.f.fcs, z.n)
	case z.f.checksum && uint32(z.h.Sum64()) != binary.LittleEndian.Uint32(z.f.sum[:]):
		err = errors.New("zstd: content checksum mismatch")
	case n > 0:
		err = nil // io.EOF on the next call
	}
	return n, err
}

// zstdFrame yields the bytes of one zstd frame from c: the rewritten
// header, then each block header and block, then the checksum.
type zstdFrame struct {
	c        *streams.Counter
	pending  []byte // bytes to hand out before reading c again
	remain   int64  // bytes of the current block (or checksum) left in c
	last     bool   // the last block was started
	inSum    bool   // remain counts checksum bytes
	done     bool
	checksum bool
	sum      [4]byte
	fcs      uint64
	fcsKnown bool
}

const zstdMaxBlock = 128 << 10

func newZstdFrame(c *streams.Counter, window int) (*zstdFrame, error) {
	var h [18]byte // the longest frame header
	if _, err := io.ReadFull(c, h[:5]); err != nil {
		return nil, unexpected(err)
	}
	fhd := h[4]
	if fhd&0x08 != 0 {
		return nil, fmt.Errorf("zstd: reserved bit set in the frame header")
	}
	single := fhd&0x20 != 0
	dictLen := [4]int{0, 1, 2, 4}[fhd&3]
	fcsLen := [4]int{0, 2, 4, 8}[fhd>>6]
	if single && fhd>>6 == 0 {
		fcsLen = 1
	}
	n := dictLen + fcsLen
	if !single {
		n++
	}
	if _, err := io.ReadFull(c, h[5:5+n]); err != nil {
		return nil, unexpected(err)
	}
	f := &zstdFrame{c: c, checksum: fhd&0x04 != 0}
	rest := h[5 : 5+n]
	// the bound, as a window descriptor (a power of two <= window)
	maxLog := bits.Len64(uint64(window)) - 1
	var wd byte
	if single {
		f.fcs, f.fcsKnown = fcsValue(rest[dictLen:]), true
		wlog := min(max(bits.Len64(f.fcs-min(f.fcs, 1)), 10), maxLog) // ceil(log2(fcs))
		wd = byte(wlog-10) << 3
	} else {
		wd, rest = rest[0], rest[1:]
		e, m := uint64(wd>>3), uint64(wd&7)
		if size := (uint64(1) << (10 + e)) / 8 * (8 + m); size > uint64(1)<<maxLog {
			wd = byte(maxLog-10) << 3
		}
		if fcsLen > 0 {
			f.fcs, f.fcsKnown = fcsValue(rest[dictLen:]), true
		}
	}
	// windowed, no content size: FCS flag 0, single segment 0
	f.pending = append(append([]byte(nil), h[:4]...), fhd&0x07, wd)
	f.pending = append(f.pending, rest[:dictLen]...)
	return f, nil
}
func fcsValue(p []byte) uint64 {
	switch len(p) {
	case 2:
		return uint64(binary.LittleEndian.Uint16(p)) + 256
	case 4:
		return uint64(binary.LittleEndian.Uint32(p))
	case 8:
		return binary.LittleEndian.Uint64(p)
	}
	return uint64(p[0])
}

// Read implements io.Reader.
func (f *zstdFrame) Read(p []byte) (int, error) {
	for len(f.pending) == 0 && f.remain == 0 {
		if f.done || f.last && !f.checksum || f.inSum {
			f.done = true
			return 0, io.EOF
		}
		if f.last {
			f.remain, f.inSum = 4, true
			continue
		}
		var bh [3]byte
		if _, err := io.ReadFull(f.c, bh[:]); err != nil {
			return 0, unexpected(err)
		}
		v := uint32(bh[0]) | uint32(bh[1])<<8 | uint32(bh[2])<<16
		f.last = v&1 != 0
		size := int64(v >> 3)
		switch (v >> 1) & 3 {
		case 1: // RLE: one byte repeated size times
			size = 1
		case 3:
			return 0, fmt.Errorf("zstd: reserved block type")
		}
		if size > zstdMaxBlock {
			return 0, fmt.Errorf("zstd: block of %d bytes (the most is %d)", size, zstdMaxBlock)
		}
		f.pending, f.remain = append(f.pending[:0], bh[:]...), size
	}
	if len(f.pending) > 0 {
		n := copy(p, f.pending)
		f.pending = f.pending[n:]
		return n, nil
	}
	if int64(len(p)) > f.remain {
		p = p[:f.remain]
	}
	n, err := f.c.Read(p)
	if f.inSum {
		copy(f.sum[4-f.remain:], p[:n])
	}
	f.remain -= int64(n)
	if err == io.EOF && f.remain > 0 {
		err = io.ErrUnexpectedEOF
	} else if err == io.EOF {
		err = nil
	}
	return n, err
}
