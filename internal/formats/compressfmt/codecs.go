package compressfmt

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"

	"github.com/pierrec/lz4/v4"

	"github.com/modelscan-go/modelscan/internal/streams"
)

// codec is one compression format.
type codec struct {
	name  string
	exts  []string            // extensions a layer of this codec usually adds
	sniff func(h []byte) bool // h starts a stream of this codec
	trial bool                // the sniff is weak: a trial decode must succeed too
	multi bool                // streams of this codec may follow each other
	// skippable: zstd/lz4 skippable frames may come before and between
	// frames
	skippable bool
	// open starts decoding one stream (member, frame) at c's position and
	// leaves c at its end; window bounds the decoder's dictionary.
	open func(c *streams.Counter, window int) (io.Reader, error)
}

var codecs = []codec{
	{name: "gzip", exts: []string{".gz", ".gzip", ".tgz"}, multi: true,
		sniff: func(h []byte) bool { return len(h) >= 3 && h[0] == 0x1f && h[1] == 0x8b && h[2] == 8 },
		open:  openGzip},
	{name: "bzip2", exts: []string{".bz2", ".bz", ".tbz2"}, sniff: sniffBzip2, open: openBzip2},
	{name: "xz", exts: []string{".xz", ".txz"}, multi: true,
		sniff: func(h []byte) bool { return bytes.HasPrefix(h, xzMagic) }, open: openXZ},
	{name: "zstd", exts: []string{".zst", ".zstd"}, multi: true, skippable: true,
		sniff: func(h []byte) bool { return bytes.HasPrefix(h, zstdMagic) }, open: openZstd},
	{name: "lz4", exts: []string{".lz4"}, multi: true, skippable: true,
		sniff: func(h []byte) bool { return bytes.HasPrefix(h, lz4Magic) }, open: openLZ4},
	{name: "zlib", exts: []string{".z", ".zlib"}, trial: true, multi: true, sniff: sniffZlib,
		open: func(c *streams.Counter, _ int) (io.Reader, error) { return zlib.NewReader(c) }},
	{name: "lzma", exts: []string{".lzma"}, trial: true, sniff: sniffLZMA, open: openLZMA},
}

// openGzip reads one gzip member: the next one is opened by multi, after
// NUL padding (which gzip -d and Python's gzip module skip).
func openGzip(c *streams.Counter, _ int) (io.Reader, error) {
	z, err := gzip.NewReader(c)
	if err != nil {
		return nil, err
	}
	z.Multistream(false)
	return z, nil
}

func sniffBzip2(h []byte) bool {
	if len(h) < 10 || string(h[:3]) != "BZh" || h[3] < '1' || h[3] > '9' {
		return false
	}
	m := string(h[4:10])
	return m == "\x31\x41\x59\x26\x53\x59" || m == "\x17\x72\x45\x38\x50\x90"
}

// openBzip2 reads every concatenated bzip2 stream (compress/bzip2 does
// that itself, like bzip2 -d and Python's bz2 module). Bytes after the last
// stream that do not start another one end the data as trailing bytes.
func openBzip2(c *streams.Counter, _ int) (io.Reader, error) {
	return &bzip2Reader{r: bzip2.NewReader(c), c: c}, nil
}

type bzip2Reader struct {
	r io.Reader
	c *streams.Counter
}

func (z *bzip2Reader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	var se bzip2.StructuralError
	if errors.As(err, &se) && se == "bad magic value in continuation file" {
		// the decoder read the two bytes that should have been "BZ"
		return n, &trailingErr{at: z.c.Consumed() - 2}
	}
	return n, err
}

// openLZ4 reads one lz4 frame; multi opens the next one.
func openLZ4(c *streams.Counter, _ int) (io.Reader, error) { return lz4.NewReader(c), nil }

// sniffZlib: CMF says deflate with a window of at most 32 KiB and the FCHECK
// bits make CMF*256+FLG a multiple of 31, without a preset dictionary.
func sniffZlib(h []byte) bool {
	if len(h) < 2 {
		return false
	}
	cmf, flg := h[0], h[1]
	return cmf&0x0f == 8 && cmf>>4 <= 7 && (uint16(cmf)<<8|uint16(flg))%31 == 0 && flg&0x20 == 0
}

// trailingErr ends a decoder's data: the bytes from at on are not part of
// the compressed stream.
type trailingErr struct{ at int64 }

func (e *trailingErr) Error() string { return "data after the last stream" }
