package hdf5

import (
	"errors"
	"io"
)

// undef is the "undefined address" (all bits set in an address field).
const undef = ^uint64(0)

// dec is a bounds-checked little-endian decoder over a byte slice. The
// first short read sets err; later reads return zeros.
type dec struct {
	b    []byte
	off  int
	err  error
	what string
	f    *File
}

func (f *File) dec(b []byte, what string) *dec { return &dec{b: b, what: what, f: f} }

func (d *dec) need(n int) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || n > len(d.b)-d.off {
		d.err = errf(ErrMalformed, "%s truncated (need %d bytes at %d of %d)", d.what, n, d.off, len(d.b))
		return false
	}
	return true
}

func (d *dec) rest() int { return len(d.b) - d.off }

func (d *dec) bytes(n int) []byte {
	if !d.need(n) {
		return nil
	}
	b := d.b[d.off : d.off+n]
	d.off += n
	return b
}

func (d *dec) skip(n int) { d.bytes(n) }

func (d *dec) u8() uint8 {
	if !d.need(1) {
		return 0
	}
	v := d.b[d.off]
	d.off++
	return v
}

func (d *dec) u16() uint16 { return uint16(d.uvar(2)) }
func (d *dec) u32() uint32 { return uint32(d.uvar(4)) }

// uvar reads an n-byte little-endian unsigned integer, n in 0..8.
func (d *dec) uvar(n int) uint64 {
	if n > 8 {
		d.err = errf(ErrUnsupported, "%s: %d-byte integer field", d.what, n)
		return 0
	}
	b := d.bytes(n)
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// addr reads an address field; all bits set gives undef.
func (d *dec) addr() uint64 {
	n := d.f.offSize
	v := d.uvar(n)
	if d.err == nil && n < 8 && v == 1<<(8*uint(n))-1 {
		return undef
	}
	return v
}

// length reads a length field.
func (d *dec) length() uint64 { return d.uvar(d.f.lenSize) }

// walker holds the state and budgets of one public call.
type walker struct {
	f       *File
	lim     Limits
	objects int64
	bytes   int64
	heaps   map[uint64]*fheap
	blocks  map[uint64][]byte // fractal heap direct blocks
	gcols   map[uint64]*gcol
	lheaps  map[uint64][]byte // local heap data segments
}

func (f *File) walker() *walker {
	return &walker{f: f, lim: f.lim}
}

// tick counts one visited structure against MaxObjects.
func (w *walker) tick(what string) error {
	w.objects++
	if w.objects > w.lim.MaxObjects {
		return errf(ErrLimit, "more than %d structures visited (at %s)", w.lim.MaxObjects, what)
	}
	return nil
}

// charge counts n bytes about to be read into memory.
func (w *walker) charge(n int64, what string) error {
	if n > w.lim.MaxTotalBytes-w.bytes {
		return errf(ErrLimit, "reading %s would exceed %d bytes read in one call", what, w.lim.MaxTotalBytes)
	}
	w.bytes += n
	return nil
}

// span checks that n bytes at relative address addr lie inside the file
// and returns the absolute offset.
func (f *File) span(addr, n uint64, what string) (int64, error) {
	if addr == undef {
		return 0, errf(ErrMalformed, "%s at undefined address", what)
	}
	size := uint64(f.size)
	if addr > size || f.base > size-addr {
		return 0, errf(ErrMalformed, "%s address %#x is past the end of the file (%d bytes)", what, addr, f.size)
	}
	abs := f.base + addr
	if n > size-abs {
		return 0, errf(ErrMalformed, "%s at %#x: %d bytes extend past the end of the file (%d bytes)", what, addr, n, f.size)
	}
	return int64(abs), nil
}

// read reads a metadata block of n bytes at relative address addr, after
// checking it against the file size, MaxBlockBytes and the call budget.
func (w *walker) read(addr, n uint64, what string) ([]byte, error) {
	if n > uint64(w.lim.MaxBlockBytes) {
		return nil, errf(ErrLimit, "%s at %#x: %d bytes exceed the %d-byte block limit", what, addr, n, w.lim.MaxBlockBytes)
	}
	return w.readData(addr, n, what)
}

// readData is read without the block limit (callers check their own).
func (w *walker) readData(addr, n uint64, what string) ([]byte, error) {
	abs, err := w.f.span(addr, n, what)
	if err != nil {
		return nil, err
	}
	if err := w.charge(int64(n), what); err != nil {
		return nil, err
	}
	b := make([]byte, n)
	if err := readFull(w.f.r, b, abs); err != nil {
		return nil, errf(ErrMalformed, "%s at %#x: %v", what, addr, err)
	}
	return b, nil
}

// readUpTo reads at most n bytes at addr, fewer if the file ends first.
func (w *walker) readUpTo(addr, n uint64, what string) ([]byte, error) {
	if _, err := w.f.span(addr, 0, what); err != nil {
		return nil, err
	}
	if left := uint64(w.f.size) - w.f.base - addr; n > left {
		n = left
	}
	return w.read(addr, n, what)
}

func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// checksum verifies that the 4 bytes at b[n:n+4] are the lookup3 checksum
// of b[:n].
func checksum(b []byte, n int, what string, addr uint64) error {
	if n < 0 || n+4 > len(b) {
		return errf(ErrMalformed, "%s at %#x: no room for a checksum", what, addr)
	}
	want := uint32(b[n]) | uint32(b[n+1])<<8 | uint32(b[n+2])<<16 | uint32(b[n+3])<<24
	if got := lookup3(b[:n], 0); got != want {
		return errf(ErrChecksum, "%s at %#x: stored %#08x, computed %#08x", what, addr, want, got)
	}
	return nil
}

// sig checks a 4-byte signature at the start of b.
func sig(b []byte, want, what string, addr uint64) error {
	if len(b) < 4 || string(b[:4]) != want {
		got := b
		if len(got) > 4 {
			got = got[:4]
		}
		return errf(ErrMalformed, "%s at %#x: signature %q, want %q", what, addr, got, want)
	}
	return nil
}
