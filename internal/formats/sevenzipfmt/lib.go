package sevenzipfmt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/bodgit/sevenzip"
)

// Method ids the library decodes, by name.
var methods = map[string]string{
	"\x00": "Copy", "\x03": "Delta", "\x21": "LZMA2", "\x03\x01\x01": "LZMA",
	"\x03\x03\x01\x03": "BCJ", "\x03\x03\x01\x1b": "BCJ2", "\x03\x03\x02\x05": "PPC",
	"\x03\x03\x05\x01": "ARM", "\x03\x03\x08\x05": "SPARC", "\x04\x01\x08": "Deflate",
	"\x04\x02\x02": "BZip2", "\x04\xf7\x11\x01": "Zstd", "\x04\xf7\x11\x02": "Brotli",
	"\x04\xf7\x11\x04": "LZ4",
}

// Methods it does not decode, named for the skip reason.
var unsupported = map[string]string{
	"\x03\x04\x01": "PPMd", "\x04\x01\x09": "Deflate64", "\x03\x03\x04\x01": "IA64",
	"\x03\x03\x07\x01": "ARMT", "\x0a": "ARM64", "\x0b": "RISCV", "\x02\x03\x02": "Swap2",
	"\x02\x03\x04": "Swap4",
}

const aesID = "\x06\xf1\x07\x01"

// maxDict bounds the LZMA dictionary one folder may make the decoder
// allocate (7-Zip's -mx9 uses 64 MiB).
const maxDict = 256 << 20

func lzma2Dict(p byte) uint64 { return uint64(2|p&1) << (p/2 + 11) }

// check says why a folder cannot be decoded: encrypted, an unsupported
// method, or a dictionary above maxDict. It also clamps an LZMA2
// dictionary to the size of that coder's output (never needed larger).
func (f *folder) check() (encrypted bool, why error) {
	for _, c := range f.coders {
		if string(c.id) == aesID {
			return true, errors.New("7z AES encryption")
		}
	}
	for i := range f.coders {
		c := &f.coders[i]
		id := string(c.id)
		if methods[id] == "" {
			name := unsupported[id]
			if name == "" {
				name = fmt.Sprintf("%x", c.id)
			}
			return false, fmt.Errorf("compression method %s is not supported", name)
		}
		dict := uint64(0)
		switch id {
		case "\x21":
			if len(c.props) != 1 || c.props[0] > 40 {
				return false, fmt.Errorf("LZMA2 properties %x are invalid", c.props)
			}
			p := c.props[0]
			for p > 0 && lzma2Dict(p-1) >= f.sizes[i] {
				p--
			}
			c.props = []byte{p}
			dict = lzma2Dict(p)
		case "\x03\x01\x01":
			if len(c.props) != 5 {
				return false, fmt.Errorf("LZMA properties %x are invalid", c.props)
			}
			dict = min(uint64(binary.LittleEndian.Uint32(c.props[1:])), f.sizes[i])
		}
		if dict > maxDict {
			return false, fmt.Errorf("%w: LZMA dictionary of %d MiB is above the %d MiB limit", errBound, dict>>20, maxDict>>20)
		}
	}
	// The library takes the size of the last coder's output as the folder's.
	if f.sizes[len(f.sizes)-1] != f.unpackSize() {
		return false, errors.New("coder order is not supported")
	}
	return false, nil
}

// canonical writes a plain header that presents each folder as one file,
// from validated values only: the library never parses hostile bytes.
func canonical(packPos uint64, fs []*folder) []byte {
	b := []byte{idHeader, idMainStreamsInfo, idPackInfo}
	b = putNum(b, packPos)
	n := 0
	for _, f := range fs {
		n += len(f.packed)
	}
	b = putNum(b, uint64(n))
	b = append(b, idSize)
	for _, f := range fs {
		for _, s := range f.packs {
			b = putNum(b, s)
		}
	}
	b = append(b, idEnd, idUnpackInfo, idFolder)
	b = putNum(b, uint64(len(fs)))
	b = append(b, 0)
	for _, f := range fs {
		b = putNum(b, uint64(len(f.coders)))
		for _, c := range f.coders {
			flags := byte(len(c.id)) | 0x10
			if c.props != nil {
				flags |= 0x20
			}
			b = append(append(b, flags), c.id...)
			b = putNum(putNum(b, uint64(c.nIn)), 1)
			if c.props != nil {
				b = append(putNum(b, uint64(len(c.props))), c.props...)
			}
		}
		for _, bp := range f.binds {
			b = putNum(putNum(b, uint64(bp[0])), uint64(bp[1]))
		}
		if len(f.packed) > 1 {
			for _, p := range f.packed {
				b = putNum(b, uint64(p))
			}
		}
	}
	b = append(b, idCodersUnpackSize)
	for _, f := range fs {
		for _, s := range f.sizes {
			b = putNum(b, s)
		}
	}
	// one stream per folder, CRCs all "defined" (the library indexes them)
	b = append(b, idEnd, idSubStreamsInfo, idCRC, 1)
	b = append(b, make([]byte, 4*len(fs))...)
	b = append(b, idEnd, idEnd, idFilesInfo)
	b = putNum(b, uint64(len(fs)))
	return append(b, idEnd, idEnd)
}

// putNum appends a 7z NUMBER.
func putNum(b []byte, v uint64) []byte {
	for n := 0; n < 8; n++ {
		if v < 1<<(7*(n+1)) {
			b = append(b, byte(0xff<<(8-n))|byte(v>>(8*n)))
			for i := 0; i < n; i++ {
				b = append(b, byte(v>>(8*i)))
			}
			return b
		}
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xff), v)
}

// catReader is the synthetic archive handed to the library: a fresh
// signature header, the original bytes from offset 32 (pack streams are
// read where they are) and the canonical header after the end of the file.
type catReader struct {
	head [32]byte
	r    io.ReaderAt
	size int64
	tail []byte
}

func (c *catReader) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for len(p) > 0 {
		var k int
		var err error
		switch {
		case off < 32:
			k = copy(p, c.head[off:])
		case off < c.size:
			want := p[:min(int64(len(p)), c.size-off)]
			k, err = c.r.ReadAt(want, off)
			if err == io.EOF && k == len(want) {
				err = nil
			}
		case off-c.size < int64(len(c.tail)):
			k = copy(p, c.tail[off-c.size:])
		default:
			return n, io.EOF
		}
		n, off, p = n+k, off+int64(k), p[k:]
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// openLib opens the library on the synthetic archive, turning a panic of
// the parser into an error.
func openLib(r io.ReaderAt, size int64, packPos uint64, fs []*folder) (z *sevenzip.Reader, err error) {
	hdr := canonical(packPos, fs)
	c := &catReader{r: r, size: size, tail: hdr}
	copy(c.head[:], signature)
	c.head[7] = 4
	binary.LittleEndian.PutUint64(c.head[12:], uint64(size-32))
	binary.LittleEndian.PutUint64(c.head[20:], uint64(len(hdr)))
	binary.LittleEndian.PutUint32(c.head[28:], crc32.ChecksumIEEE(hdr))
	binary.LittleEndian.PutUint32(c.head[8:], crc32.ChecksumIEEE(c.head[12:32]))
	defer guard(&err)
	z, err = sevenzip.NewReader(c, size+int64(len(hdr)))
	if err == nil && len(z.File) != len(fs) {
		err = fmt.Errorf("7z library lists %d streams, want %d", len(z.File), len(fs))
	}
	if err != nil {
		return nil, fmt.Errorf("7z: %w", err)
	}
	return z, nil
}

// guard turns a panic of the third-party code into an error.
func guard(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("7z decoder failed: %v", p)
	}
}
