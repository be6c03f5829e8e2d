package compressfmt

import (
	"encoding/binary"
	"io"

	"github.com/ulikunitz/xz/lzma"

	"github.com/modelscan-go/modelscan/internal/streams"
)

// The legacy .lzma ("lzma-alone") header: a properties byte
// (lc + 9*lp + 45*pb, so below 225), the dictionary size and the
// uncompressed size (all ones when the stream ends with an end marker).
const lzmaHeaderLen = 13

// sniffLZMA recognises the lzma-alone header the way xz's lzma_alone
// decoder does when it guesses the format: a valid properties byte, a
// dictionary size of 2^n or 2^n + 2^(n-1) bytes (every encoder writes
// those), and an uncompressed size that is unknown or below 2^48 (larger
// is almost certainly not an LZMA header; real files are far smaller).
func sniffLZMA(h []byte) bool {
	if len(h) < lzmaHeaderLen || h[0] >= 225 {
		return false
	}
	dict := binary.LittleEndian.Uint32(h[1:5])
	if dict < minWindow {
		return false
	}
	if rest := dict & (dict - 1); rest != 0 && rest&(rest-1) != 0 {
		return false
	}
	size := binary.LittleEndian.Uint64(h[5:13])
	return size == ^uint64(0) || size < 1<<48
}

// openLZMA decodes an lzma-alone stream with a dictionary of at most
// window bytes (the header's size is only a wish: a window larger than
// what the stream can decode to is never used) and no larger than the
// data needs (lzmaStream). The data decoded before an error is salvaged.
func openLZMA(c *streams.Counter, window int) (io.Reader, error) {
	var hdr [lzmaHeaderLen]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil, err
	}
	want := int(min(int64(binary.LittleEndian.Uint32(hdr[1:5])), int64(window)))
	return lzmaStream(c, want, lzmaAlone(hdr))
}

// lzmaAlone starts lzma-alone decoders for the stream whose header is hdr
// (already read), with the header's dictionary size set to the window.
func lzmaAlone(hdr [lzmaHeaderLen]byte) openFunc {
	return func(in *cutter, w int) (io.Reader, error) {
		h := hdr
		binary.LittleEndian.PutUint32(h[1:5], uint32(w))
		return lzma.ReaderConfig{DictCap: maxWindow}.NewReader(&prefixed{hdr: h[:], r: in})
	}
}

// lzma2 starts a bare LZMA2 decoder (the data of an xz block).
func lzma2(in *cutter, w int) (io.Reader, error) {
	return lzma.Reader2Config{DictCap: w}.NewReader2(in)
}

// prefixed reads hdr, then r (byte by byte when asked: no read-ahead).
type prefixed struct {
	hdr []byte
	r   *cutter
}

func (p *prefixed) Read(b []byte) (int, error) {
	if len(p.hdr) > 0 {
		n := copy(b, p.hdr)
		p.hdr = p.hdr[n:]
		return n, nil
	}
	return p.r.Read(b)
}

func (p *prefixed) ReadByte() (byte, error) {
	if len(p.hdr) > 0 {
		b := p.hdr[0]
		p.hdr = p.hdr[1:]
		return b, nil
	}
	return p.r.ReadByte()
}
