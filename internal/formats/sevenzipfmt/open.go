package sevenzipfmt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/bodgit/sevenzip"

	"github.com/modelscan-go/modelscan/internal/core"
)

var signature = []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}

// maxHeader bounds the header (raw or decoded from a packed header) that is
// read into memory and parsed.
const maxHeader = 64 << 20

var (
	// errBound marks a resource bound of this handler (header size, LZMA
	// dictionary): a scan-incomplete finding plus an error.
	errBound = errors.New("7z resource bound")
	// errEncrypted marks an encrypted header (7z -mhe).
	errEncrypted = errors.New("the 7z header is encrypted (7z -mhe): member names and contents cannot be read without the password")
)

// archive is an opened 7z file: its parsed header and the library reader
// over the synthetic archive (nil when there is no folder to decode).
type archive struct {
	h      *header
	lib    *sevenzip.Reader
	hdrOff uint64 // where the header starts, relative to the end of the signature header
	avail  uint64 // bytes after the signature header
}

// open checks the signature and start headers against the file size,
// reads and validates the header (decoding a packed one), and opens the
// library on a canonical copy of it.
func open(b *core.Blob, keep int) (*archive, error) {
	var sh [32]byte
	if n, _ := b.R.ReadAt(sh[:], 0); n < len(sh) {
		return nil, fmt.Errorf("7z: file of %d bytes is too short for the signature header", b.Size)
	}
	if sh[6] != 0 {
		return nil, fmt.Errorf("7z: format version %d.%d is not supported", sh[6], sh[7])
	}
	if crc32.ChecksumIEEE(sh[12:32]) != le32(sh[8:]) {
		return nil, errors.New("7z: start header CRC mismatch")
	}
	off, size := binary.LittleEndian.Uint64(sh[12:]), binary.LittleEndian.Uint64(sh[20:])
	a := &archive{h: &header{}, hdrOff: off, avail: uint64(b.Size - 32)}
	if off == 0 && size == 0 {
		return a, nil // an archive without entries
	}
	if off > a.avail || size > a.avail-off {
		return nil, fmt.Errorf("7z: the header (%d bytes at offset %d) lies past the end of the %d-byte file: the archive is truncated", size, 32+off, b.Size)
	}
	if size > maxHeader {
		return nil, fmt.Errorf("%w: header of %d MiB is above the %d MiB limit", errBound, size>>20, maxHeader>>20)
	}
	buf := make([]byte, size)
	if _, err := b.R.ReadAt(buf, int64(32+off)); err != nil && err != io.EOF {
		return nil, fmt.Errorf("7z: reading the header: %w", err)
	}
	if crc32.ChecksumIEEE(buf) != le32(sh[28:]) {
		return nil, errors.New("7z: header CRC mismatch")
	}
	h, err := parseHeader(buf, keep)
	if err == nil && h.encoded {
		if buf, err = unpackHeader(b, h.si); err == nil {
			if h, err = parseHeader(buf, keep); err == nil && h.encoded {
				err = errors.New("7z: packed header inside a packed header")
			}
		}
	}
	if err != nil {
		return nil, err
	}
	a.h = h
	if h.si == nil || len(h.si.folders) == 0 {
		return a, nil
	}
	fs := make([]*folder, len(h.si.folders))
	for i := range fs {
		fs[i] = &h.si.folders[i]
		fs[i].encrypted, fs[i].bad = fs[i].check()
	}
	if a.lib, err = openLib(b.R, b.Size, h.si.packPos, fs); err != nil {
		return nil, err
	}
	return a, nil
}

// unpackHeader decodes a packed header (7-Zip packs headers with LZMA by
// default) through the library, bounded by maxHeader.
func unpackHeader(b *core.Blob, si *streamsInfo) ([]byte, error) {
	if si.nFolders != 1 || len(si.folders) != 1 {
		return nil, fmt.Errorf("7z: packed header has %d folders, want 1", si.nFolders)
	}
	f := &si.folders[0]
	enc, bad := f.check()
	switch {
	case enc:
		return nil, errEncrypted
	case bad != nil:
		return nil, fmt.Errorf("7z packed header: %w", bad)
	case f.unpackSize() > maxHeader:
		return nil, fmt.Errorf("%w: packed header decodes to %d MiB, above the %d MiB limit", errBound, f.unpackSize()>>20, maxHeader>>20)
	}
	z, err := openLib(b.R, b.Size, si.packPos, []*folder{f})
	if err != nil {
		return nil, err
	}
	var buf []byte
	err = safe(func() error {
		rc, err := z.File[0].Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		buf, err = io.ReadAll(io.LimitReader(rc, int64(f.unpackSize())))
		return err
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("7z: decoding the packed header: %w", err)
	case uint64(len(buf)) != f.unpackSize():
		return nil, fmt.Errorf("7z: packed header decodes to %d bytes, want %d", len(buf), f.unpackSize())
	case f.hasCRC && crc32.ChecksumIEEE(buf) != f.crc:
		return nil, errors.New("7z: packed header CRC mismatch")
	}
	return buf, nil
}

// safe runs library code, turning a panic into an error.
func safe(fn func() error) (err error) {
	defer guard(&err)
	return fn()
}
