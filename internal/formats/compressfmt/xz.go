package compressfmt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"slices"

	"github.com/modelscan-go/modelscan/internal/streams"
)

// An xz stream (xz file format 1.2.0) is read here, block by block, with
// the LZMA2 decoder of ulikunitz/xz: its xz reader allocates the
// dictionary size a block header asks for (up to 4 GiB for an 88-byte
// file). Here the dictionary is bounded by what the stream can decode to.
// Checks, header CRCs, the index totals and the footer are verified as xz
// does; only the LZMA2 filter is supported (as by ulikunitz/xz).

var crc64Table = crc64.MakeTable(crc64.ECMA)

// xzReader decodes one xz stream and leaves the counter at its end.
type xzReader struct {
	c       *streams.Counter
	window  int
	flags   [2]byte
	check   int // size of each block's check field
	newHash func() hash.Hash
	block   io.Reader // the current block's LZMA2 data, nil between blocks
	b       blockState
	// running totals, compared with the index
	blocks             uint64
	unpadded, unpacked uint64
	err                error
}

// blockState is what is known of the block being decoded.
type blockState struct {
	start        int64 // offset of its header
	headerLen    int64
	dataStart    int64
	wantComp     int64 // -1: not declared
	wantSize     int64 // -1: not declared
	size         int64 // decoded so far
	h            hash.Hash
	declaredDict int64
}

var errXZ = errors.New("xz: corrupt stream")

func xzErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errXZ}, args...)...)
}

func openXZ(c *streams.Counter, window int) (io.Reader, error) {
	var h [12]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		return nil, err
	}
	if !bytes.Equal(h[:6], xzMagic) {
		return nil, xzErr("bad stream header magic")
	}
	if crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:]) {
		return nil, xzErr("stream header CRC mismatch")
	}
	if h[6] != 0 || h[7]&0xf0 != 0 {
		return nil, xzErr("unsupported stream flags %#x %#x", h[6], h[7])
	}
	x := &xzReader{c: c, window: window, flags: [2]byte{h[6], h[7]}}
	t := int(h[7] & 0x0f)
	switch t {
	case 0:
	case 1:
		x.newHash = func() hash.Hash { return crc32.NewIEEE() }
	case 4:
		x.newHash = func() hash.Hash { return crc64.New(crc64Table) }
	case 10:
		x.newHash = sha256.New
	}
	x.check = [16]int{0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64}[t]
	return x, nil
}

// Read implements io.Reader.
func (x *xzReader) Read(p []byte) (int, error) {
	for x.err == nil {
		if x.block == nil {
			if x.err = x.nextBlock(); x.err != nil {
				break
			}
			continue
		}
		n, err := x.block.Read(p)
		x.b.size += int64(n)
		if x.b.h != nil {
			x.b.h.Write(p[:n])
		}
		if x.b.wantSize >= 0 && x.b.size > x.b.wantSize {
			x.err = xzErr("block at %d decodes to more than the %d bytes its header declares", x.b.start, x.b.wantSize)
		}
		if err == io.EOF {
			x.block = nil
			if x.err == nil {
				x.err = x.endBlock()
			}
		} else if err != nil && x.err == nil {
			x.err = err
		}
		if n > 0 || len(p) == 0 {
			return n, nil
		}
	}
	return 0, x.err
}

// nextBlock reads a block header and starts its LZMA2 decoder, or, at the
// index, reads the index and the footer and returns io.EOF.
func (x *xzReader) nextBlock() error {
	start := x.c.Consumed()
	first, err := x.c.ReadByte()
	if err != nil {
		return unexpected(err)
	}
	if first == 0 {
		return x.index(start)
	}
	hdr := make([]byte, (int(first)+1)*4) // at most 1024 bytes
	hdr[0] = first
	if _, err := io.ReadFull(x.c, hdr[1:]); err != nil {
		return unexpected(err)
	}
	body := hdr[:len(hdr)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(hdr[len(hdr)-4:]) {
		return xzErr("block header CRC mismatch at %d", start)
	}
	flags := body[1]
	if flags&0x3c != 0 {
		return xzErr("reserved block flags %#x at %d", flags, start)
	}
	b := blockState{start: start, headerLen: int64(len(hdr)), wantComp: -1, wantSize: -1}
	r := bytes.NewReader(body[2:])
	if flags&0x40 != 0 {
		v, err := vli(r)
		if err != nil || v == 0 {
			return xzErr("bad compressed size in block header at %d", start)
		}
		b.wantComp = int64(v)
	}
	if flags&0x80 != 0 {
		v, err := vli(r)
		if err != nil {
			return xzErr("bad uncompressed size in block header at %d", start)
		}
		b.wantSize = int64(v)
	}
	nf := int(flags&3) + 1
	for i := 0; i < nf; i++ {
		id, err1 := vli(r)
		plen, err2 := vli(r)
		if err1 != nil || err2 != nil || plen > uint64(r.Len()) {
			return xzErr("bad filter flags in block header at %d", start)
		}
		props := make([]byte, plen)
		r.Read(props)
		if i < nf-1 || id != 0x21 || plen != 1 {
			return fmt.Errorf("xz: filter %#x is not supported (only LZMA2 alone)", id)
		}
		dict, ok := lzma2Dict(props[0])
		if !ok {
			return xzErr("bad LZMA2 dictionary size %#x", props[0])
		}
		b.declaredDict = dict
	}
	for r.Len() > 0 { // header padding
		if c, _ := r.ReadByte(); c != 0 {
			return xzErr("non-zero block header padding at %d", start)
		}
	}
	window := min(b.declaredDict, int64(x.window))
	if b.wantSize >= 0 {
		window = min(window, b.wantSize)
	}
	window = max(window, minWindow)
	b.dataStart = x.c.Consumed()
	if x.newHash != nil {
		b.h = x.newHash()
	}
	dec, err := lzmaStream(x.c, int(window), lzma2)
	if err != nil {
		return err
	}
	x.b, x.block = b, dec
	return nil
}

// lzma2Dict decodes the LZMA2 dictionary-size property.
func lzma2Dict(p byte) (int64, bool) {
	switch {
	case p > 40:
		return 0, false
	case p == 40:
		return 1<<32 - 1, true
	}
	return int64(2|p&1) << (p/2 + 11), true
}

// endBlock checks the block's sizes, padding and check field.
func (x *xzReader) endBlock() error {
	b := &x.b
	comp := x.c.Consumed() - b.dataStart
	if b.wantComp >= 0 && comp != b.wantComp {
		return xzErr("block at %d: %d compressed bytes, header says %d", b.start, comp, b.wantComp)
	}
	if b.wantSize >= 0 && b.size != b.wantSize {
		return xzErr("block at %d: %d bytes decoded, header says %d", b.start, b.size, b.wantSize)
	}
	unpadded := b.headerLen + comp
	if err := x.zeros(int((4 - unpadded%4) % 4)); err != nil {
		return err
	}
	if x.check > 0 {
		sum := make([]byte, x.check)
		if _, err := io.ReadFull(x.c, sum); err != nil {
			return unexpected(err)
		}
		if b.h != nil {
			got := b.h.Sum(nil)
			if len(got) <= 8 { // CRC32 and CRC64 are stored little-endian
				slices.Reverse(got)
			}
			if !bytes.Equal(got, sum) {
				return xzErr("check of the block at %d does not match its data", b.start)
			}
		}
	}
	x.blocks++
	x.unpadded += uint64(unpadded + int64(x.check))
	x.unpacked += uint64(b.size)
	return nil
}

// index reads the index (its records must add up to the blocks read) and
// the stream footer.
func (x *xzReader) index(start int64) error {
	crc := crc32.NewIEEE()
	crc.Write([]byte{0})
	rd := &teeByteReader{c: x.c, h: crc}
	n, err := vli(rd)
	if err != nil {
		return unexpected(err)
	}
	if n != x.blocks {
		return xzErr("index lists %d blocks, the stream has %d", n, x.blocks)
	}
	var unpadded, unpacked uint64
	for i := uint64(0); i < n; i++ {
		u, err1 := vli(rd)
		s, err2 := vli(rd)
		if err1 != nil || err2 != nil {
			return xzErr("index cut short")
		}
		unpadded += u
		unpacked += s
	}
	if unpadded != x.unpadded || unpacked != x.unpacked {
		return xzErr("index sizes do not match the blocks")
	}
	size := x.c.Consumed() - start
	for ; size%4 != 0; size++ {
		c, err := rd.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		if c != 0 {
			return xzErr("non-zero index padding")
		}
	}
	var tail [16]byte // index CRC32 + footer
	if _, err := io.ReadFull(x.c, tail[:]); err != nil {
		return unexpected(err)
	}
	if binary.LittleEndian.Uint32(tail[:4]) != crc.Sum32() {
		return xzErr("index CRC mismatch")
	}
	f := tail[4:]
	if string(f[10:12]) != "YZ" || crc32.ChecksumIEEE(f[4:10]) != binary.LittleEndian.Uint32(f[:4]) {
		return xzErr("bad stream footer")
	}
	if f[8] != x.flags[0] || f[9] != x.flags[1] {
		return xzErr("stream footer flags differ from the header")
	}
	if back := (int64(binary.LittleEndian.Uint32(f[4:8])) + 1) * 4; back != size+4 {
		return xzErr("stream footer says the index is %d bytes, it is %d", back, size+4)
	}
	return io.EOF
}

func (x *xzReader) zeros(n int) error {
	for range n {
		c, err := x.c.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		if c != 0 {
			return xzErr("non-zero block padding")
		}
	}
	return nil
}

// teeByteReader hashes what it reads.
type teeByteReader struct {
	c *streams.Counter
	h hash.Hash
}

func (t *teeByteReader) ReadByte() (byte, error) {
	b, err := t.c.ReadByte()
	if err == nil {
		t.h.Write([]byte{b})
	}
	return b, err
}

// vli reads an xz variable-length integer (at most 9 bytes, 63 bits).
func vli(r io.ByteReader) (uint64, error) {
	var v uint64
	for i := 0; i < 9; i++ {
		b, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b&0x80 == 0 {
			if b == 0 && i > 0 {
				return 0, errXZ // not the shortest encoding
			}
			return v, nil
		}
	}
	return 0, errXZ
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
