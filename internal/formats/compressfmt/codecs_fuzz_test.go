package compressfmt

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/modelscan-go/modelscan/internal/streams"
)

// encodeAll returns p compressed by every codec with a Go writer, in the
// order of codecs (nil for bzip2: Go has no bzip2 writer).
func encodeAll(tb testing.TB, p []byte) [][]byte {
	var out [][]byte
	for _, c := range codecs {
		var b bytes.Buffer
		var w io.WriteCloser
		var err error
		switch c.name {
		case "gzip":
			w = gzip.NewWriter(&b)
		case "zlib":
			w = zlib.NewWriter(&b)
		case "xz":
			w, err = xz.NewWriter(&b)
		case "lzma":
			w, err = lzma.NewWriter(&b)
		case "zstd":
			w, err = zstd.NewWriter(&b)
		case "lz4":
			w = lz4.NewWriter(&b)
		default:
			out = append(out, nil)
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(p)
		if err := w.Close(); err != nil {
			tb.Fatal(err)
		}
		out = append(out, b.Bytes())
	}
	return out
}

// FuzzCodecs feeds arbitrary bytes to each codec's stream sequence (every
// stream, padding, skippable frames, trailing bytes) with a small window:
// no panic, no hang, the compressed bytes consumed never exceed the input,
// and a trailing offset lies inside it. Seeds: each codec's stream of a
// short text, two streams, padding, a skippable frame and garbage.
func FuzzCodecs(f *testing.F) {
	text := []byte("a short text, a short text, a short text")
	one, two := encodeAll(f, text), encodeAll(f, text[:7])
	skip := binary.LittleEndian.AppendUint32(nil, 0x184D2A51)
	skip = binary.LittleEndian.AppendUint32(skip, 3)
	skip = append(skip, 1, 2, 3)
	for i, c := range one {
		if c == nil {
			continue
		}
		f.Add(c, uint8(i))
		f.Add(append(append(bytes.Clone(c), 0, 0, 0, 0), two[i]...), uint8(i))
		f.Add(append(append(bytes.Clone(skip), c...), "junk"...), uint8(i))
		f.Add(c[:len(c)/2], uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		c := &codecs[int(which)%len(codecs)]
		cnt := streams.NewCounter(bytes.NewReader(data))
		m, err := newMulti(cnt, c, 64<<10)
		if err != nil {
			return
		}
		io.Copy(io.Discard, io.LimitReader(m, 8<<20))
		if m.Consumed() > int64(len(data)) {
			t.Fatalf("consumed %d of %d bytes", m.Consumed(), len(data))
		}
		if m.trail > int64(len(data)) {
			t.Fatalf("trailing bytes at %d of %d", m.trail, len(data))
		}
	})
}
