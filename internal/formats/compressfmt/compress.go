// Package compressfmt opens single-stream compressors — gzip, bzip2, xz,
// raw LZMA ("lzma-alone", joblib's 'lzma'), zlib (joblib's default), lz4
// frames and zstd — and scans what they hold, recognised by content: a
// compressed pickle (pandas.to_pickle, joblib compress=), a tar, a zip.
//
// A compression layer is transparent in source names: what is inside
// model.pkl.gz is reported as model.pkl.gz.
package compressfmt

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/streams"
)

// Handler scans compressed streams.
type Handler struct{}

// Name implements core.Handler.
func (h *Handler) Name() string { return "compressed" }

// codec is one compression format.
type codec struct {
	name  string
	sniff func(head []byte) bool
	open  func(r io.Reader) (io.Reader, error)
	exts  []string // extensions a layer of this codec usually adds
}

// maxDict bounds the dictionary an LZMA/xz stream may ask for (the
// decoder allocates it).
const maxDict = 1 << 28

var codecs = []codec{
	{"gzip", func(h []byte) bool { return len(h) >= 3 && h[0] == 0x1f && h[1] == 0x8b && h[2] == 8 },
		func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }, []string{".gz", ".gzip", ".tgz"}},
	{"bzip2", func(h []byte) bool {
		return len(h) >= 10 && string(h[:3]) == "BZh" && h[3] >= '1' && h[3] <= '9' &&
			(bytes.Equal(h[4:10], []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}) || bytes.Equal(h[4:10], []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90}))
	}, func(r io.Reader) (io.Reader, error) { return bzip2.NewReader(r), nil }, []string{".bz2", ".bz", ".tbz2"}},
	{"xz", func(h []byte) bool { return bytes.HasPrefix(h, []byte{0xfd, '7', 'z', 'X', 'Z', 0}) },
		func(r io.Reader) (io.Reader, error) {
			c := xz.ReaderConfig{DictCap: maxDict}
			return c.NewReader(r)
		}, []string{".xz", ".txz"}},
	{"zstd", func(h []byte) bool { return bytes.HasPrefix(h, []byte{0x28, 0xb5, 0x2f, 0xfd}) },
		func(r io.Reader) (io.Reader, error) {
			d, err := zstd.NewReader(r, zstd.WithDecoderMaxWindow(maxDict), zstd.WithDecoderConcurrency(1))
			if err != nil {
				return nil, err
			}
			return d.IOReadCloser(), nil
		}, []string{".zst", ".zstd"}},
	{"lz4", func(h []byte) bool { return bytes.HasPrefix(h, []byte{0x04, 0x22, 0x4d, 0x18}) },
		func(r io.Reader) (io.Reader, error) { return lz4.NewReader(r), nil }, []string{".lz4"}},
	{"zlib", sniffZlib, func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) }, []string{".z", ".zlib"}},
	{"lzma", sniffLZMA, func(r io.Reader) (io.Reader, error) {
		c := lzma.ReaderConfig{DictCap: maxDict}
		return c.NewReader(r)
	}, []string{".lzma"}},
}

// sniffZlib: CMF says deflate with a window of at most 32 KiB and the FCHECK
// bits make CMF*256+FLG a multiple of 31, without a preset dictionary.
func sniffZlib(h []byte) bool {
	if len(h) < 2 {
		return false
	}
	cmf, flg := h[0], h[1]
	return cmf&0x0f == 8 && cmf>>4 <= 7 && (uint16(cmf)<<8|uint16(flg))%31 == 0 && flg&0x20 == 0
}

// sniffLZMA recognises the 13-byte header of the legacy .lzma format:
// properties byte (lc+lp*9+pb*45 < 225), a dictionary size and the
// uncompressed size (or -1).
func sniffLZMA(h []byte) bool {
	if len(h) < 13 || h[0] >= 225 {
		return false
	}
	dict := binary.LittleEndian.Uint32(h[1:5])
	if dict < 1<<12 {
		return false
	}
	// dictionary sizes are 2^n or 2^n + 2^(n-1) in practice
	pow := dict & (dict - 1)
	if pow != 0 && pow&(pow-1) != 0 {
		return false
	}
	size := binary.LittleEndian.Uint64(h[5:13])
	return size == ^uint64(0) || size < 1<<48
}

// Match implements core.Handler. zlib and raw LZMA headers are short and
// could occur by chance, so a trial decode must also succeed for them.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return find(head, b) != nil }

func find(head []byte, b *core.Blob) *codec {
	for i := range codecs {
		c := &codecs[i]
		if !c.sniff(head) {
			continue
		}
		if c.name == "zlib" || c.name == "lzma" {
			r, err := c.open(io.NewSectionReader(b.R, 0, b.Size))
			if err != nil {
				continue
			}
			if n, err := io.ReadFull(r, make([]byte, 64)); n == 0 && err != nil {
				continue
			}
		}
		return c
	}
	return nil
}

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	head := make([]byte, core.HeadSize)
	n, _ := b.R.ReadAt(head, 0)
	c := find(head[:n], b)
	if c == nil {
		return nil
	}
	s.MarkScanned(b)
	open := func() (io.Reader, error) { return c.open(io.NewSectionReader(b.R, 0, b.Size)) }
	child, _ := streams.Child(s, b, innerName(b.Name, c.exts), open, b.Size)
	if child == nil {
		return nil
	}
	// the layer is transparent in reports: same source, inner name as hint
	child.Source = b.Source
	return s.Scan(child)
}

// innerName strips the codec's extension: model.pkl.gz holds model.pkl.
func innerName(name string, exts []string) string {
	lower := strings.ToLower(name)
	for _, e := range exts {
		if strings.HasSuffix(lower, e) {
			inner := name[:len(name)-len(e)]
			switch e {
			case ".tgz", ".tbz2", ".txz":
				inner += ".tar"
			}
			return inner
		}
	}
	return name
}
