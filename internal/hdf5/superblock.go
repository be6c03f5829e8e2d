package hdf5

import (
	"fmt"
	"io"
)

// stab is an old-style group's symbol table: a version 1 B-tree and the
// local heap holding the link names.
type stab struct{ btree, heap uint64 }

// findSignature returns the absolute offset of the HDF5 signature: 0, or a
// power of two from 512 on (after a user block).
func findSignature(r io.ReaderAt, size int64) (int64, error) {
	var buf [len(signature)]byte
	for off := int64(0); off+int64(len(signature)) <= size; {
		if err := readFull(r, buf[:], off); err != nil {
			return 0, errf(ErrMalformed, "reading signature at %d: %v", off, err)
		}
		if string(buf[:]) == signature {
			return off, nil
		}
		if off == 0 {
			off = 512
		} else if off > size/2 {
			break
		} else {
			off *= 2
		}
	}
	return 0, ErrNotHDF5
}

// Open reads the superblock of an HDF5 file of size bytes. It returns
// ErrNotHDF5 when there is no signature, and an error wrapping ErrMalformed,
// ErrChecksum, ErrUnsupported or ErrLimit when the superblock cannot be used.
func Open(r io.ReaderAt, size int64, lim Limits) (*File, error) {
	if size < 0 {
		return nil, errf(ErrMalformed, "negative size")
	}
	sigOff, err := findSignature(r, size)
	if err != nil {
		return nil, err
	}
	f := &File{r: r, size: size, base: uint64(sigOff), lim: lim.withDefaults(), offSize: 8, lenSize: 8}
	w := f.walker()
	b, err := w.readUpTo(0, 256, "superblock")
	if err != nil {
		return nil, err
	}
	if len(b) < 9+3 {
		return nil, errf(ErrMalformed, "superblock truncated")
	}
	f.version = int(b[8])
	switch f.version {
	case 0, 1:
		err = f.superblock01(b)
	case 2, 3:
		err = f.superblock23(b)
	default:
		err = errf(ErrUnsupported, "superblock version %d", f.version)
	}
	if err != nil {
		return nil, err
	}
	if f.ext != undef {
		if err := f.readExtension(w); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func checkSizes(off, ln int) error {
	for _, n := range []int{off, ln} {
		if n != 2 && n != 4 && n != 8 {
			return errf(ErrUnsupported, "superblock: %d-byte offsets or lengths", n)
		}
	}
	return nil
}

func (f *File) superblock01(b []byte) error {
	d := f.dec(b, "superblock")
	d.skip(9)
	d.skip(4) // free-space, root entry, reserved, shared header versions
	f.offSize, f.lenSize = int(d.u8()), int(d.u8())
	if d.err == nil {
		if err := checkSizes(f.offSize, f.lenSize); err != nil {
			return err
		}
	}
	d.skip(1)
	d.skip(4) // group leaf and internal node K
	d.skip(4) // consistency flags
	if f.version == 1 {
		d.skip(4) // indexed storage K, reserved
	}
	d.addr() // base address: libhdf5 uses where the signature was found
	d.addr() // global free-space index (unused)
	d.addr() // end of file
	d.addr() // driver information block
	// root group symbol table entry
	d.addr() // link name offset
	f.root = d.addr()
	cache := d.u32()
	d.skip(4)
	scratch := d.bytes(16)
	if d.err != nil {
		return d.err
	}
	if cache == 1 {
		s := f.dec(scratch, "root symbol table entry")
		st := &stab{btree: s.addr(), heap: s.addr()}
		if s.err == nil {
			f.rootSTab = st
		}
	}
	f.ext = undef
	return nil
}

func (f *File) superblock23(b []byte) error {
	d := f.dec(b, "superblock")
	d.skip(9)
	f.offSize, f.lenSize = int(d.u8()), int(d.u8())
	if d.err == nil {
		if err := checkSizes(f.offSize, f.lenSize); err != nil {
			return err
		}
	}
	d.skip(1) // flags
	d.addr()  // base address
	f.ext = d.addr()
	d.addr() // end of file
	f.root = d.addr()
	if d.err != nil {
		return d.err
	}
	return checksum(b, d.off, "superblock", 0)
}

// readExtension reads the superblock extension object header for the
// shared-message table.
func (f *File) readExtension(w *walker) error {
	oh, err := w.header(f.ext, 0)
	if err != nil {
		return fmt.Errorf("superblock extension: %w", err)
	}
	for _, m := range oh.msgs {
		if m.typ == msgSOHMTable {
			return f.readSOHMTable(w, m.data)
		}
	}
	return nil
}
