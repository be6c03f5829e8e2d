package compressfmt

import (
	"bytes"
	"io"
	"math/rand"
	"testing"

	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/modelscan-go/modelscan/internal/streams"
)

// decodeAll reads every stream of data with the named codec.
func decodeAll(t *testing.T, name string, data []byte, window int) ([]byte, error) {
	t.Helper()
	for i := range codecs {
		if codecs[i].name == name {
			m, err := newMulti(streams.NewCounter(bytes.NewReader(data)), &codecs[i], window)
			if err != nil {
				return nil, err
			}
			return io.ReadAll(m)
		}
	}
	t.Fatalf("no codec %q", name)
	return nil, nil
}

// repeated is n random bytes followed by the same bytes again: every match
// of the second half reaches n bytes back.
func repeated(n int) []byte {
	p := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(p)
	return append(p, p...)
}

// lzmaDict and xzDict encode p asking for a dictionary of dict bytes.
func lzmaDict(tb testing.TB, p []byte, dict int) []byte {
	return encodeDict(tb, p, lzma.WriterConfig{DictCap: dict}.NewWriter)
}

func xzDict(tb testing.TB, p []byte, dict int) []byte {
	return encodeDict(tb, p, xz.WriterConfig{DictCap: dict}.NewWriter)
}

func encodeDict[W io.WriteCloser](tb testing.TB, p []byte, newW func(io.Writer) (W, error)) []byte {
	var b bytes.Buffer
	w, err := newW(&b)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(p)
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// Streams that ask for a large dictionary decode exactly, whether they fit
// the first window, end right at it, pass it by one byte, or reach back
// further than it (which needs the second decoding). Two streams in a row
// check that the input is read exactly to each stream's end.
func TestGrowingWindowRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"small":           []byte("a short stream, a short stream"),
		"exactly":         bytes.Repeat([]byte("0123456789abcdef"), firstWindow/16),
		"one more":        append(bytes.Repeat([]byte("x"), firstWindow), 'y'),
		"reaches 100 KiB": repeated(100 << 10),
		"reaches 200 KiB": repeated(200 << 10),
	}
	for name, p := range inputs {
		for codec, enc := range map[string]func(testing.TB, []byte, int) []byte{"lzma": lzmaDict, "xz": xzDict} {
			t.Run(codec+"/"+name, func(t *testing.T) {
				one := enc(t, p, 8<<20)
				cases := map[string][]byte{"one stream": one}
				if codec == "xz" { // lzma-alone streams are not concatenated
					cases["two streams"] = append(bytes.Clone(one), one...)
				}
				for label, data := range cases {
					want := p
					if label == "two streams" {
						want = append(bytes.Clone(p), p...)
					}
					got, err := decodeAll(t, codec, data, maxWindow)
					if err != nil {
						t.Fatalf("%s: %v", label, err)
					}
					if !bytes.Equal(got, want) {
						t.Fatalf("%s: decoded %d bytes, want %d (equal: %v)", label, len(got), len(want), bytes.Equal(got, want))
					}
				}
			})
		}
	}
}

// A truncated stream gives the same bytes (all that could be decoded) and
// an error whether or not it needed the second decoding.
func TestGrowingWindowTruncated(t *testing.T) {
	p := repeated(150 << 10)
	for codec, enc := range map[string]func(testing.TB, []byte, int) []byte{"lzma": lzmaDict, "xz": xzDict} {
		full := enc(t, p, 8<<20)
		for _, cut := range []int{len(full) / 8, len(full) / 2, len(full) - 40} {
			data := full[:cut]
			got, err := decodeAll(t, codec, data, maxWindow)
			if err == nil {
				t.Errorf("%s cut at %d: no error", codec, cut)
			}
			if !bytes.HasPrefix(p, got) {
				t.Errorf("%s cut at %d: %d bytes decoded are not a prefix of the data", codec, cut, len(got))
			}
			// the reference: the same stream decoded with the full window
			// from the start (a window of want <= firstWindow never grows,
			// so use the decoder directly)
			ref := referenceDecode(t, codec, data)
			if len(got) != len(ref) {
				t.Errorf("%s cut at %d: %d bytes decoded, %d with the full window from the start", codec, cut, len(got), len(ref))
			}
		}
	}
}

func referenceDecode(t *testing.T, codec string, data []byte) []byte {
	t.Helper()
	var r io.Reader
	var err error
	in := newCutter(bytes.NewReader(data))
	if codec == "lzma" {
		r, err = lzma.ReaderConfig{DictCap: maxWindow}.NewReader(in)
	} else {
		var x *xz.Reader
		x, err = xz.ReaderConfig{DictCap: maxWindow}.NewReader(in)
		r = x
	}
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(&salvage{r: r, in: in})
	return out
}

// When the compressed bytes kept for the second decoding reach maxReplay
// before the data passes the first window, the first decoder stops there
// and the stream restarts; the log is freed once read again.
func TestGrowingWindowReplayLimit(t *testing.T) {
	defer func(n int) { maxReplay = n }(maxReplay)
	maxReplay = 1 << 10
	p := make([]byte, 50<<10) // incompressible: 50 KiB in, 50 KiB out
	rand.New(rand.NewSource(1)).Read(p)
	var raw2 bytes.Buffer // a bare LZMA2 stream, as inside an xz block
	w, err := lzma.Writer2Config{DictCap: 8 << 20}.NewWriter2(&raw2)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(p)
	w.Close()
	for codec, start := range map[string]func(c *streams.Counter) (io.Reader, error){
		"lzma":  func(c *streams.Counter) (io.Reader, error) { return openLZMA(c, maxWindow) },
		"lzma2": func(c *streams.Counter) (io.Reader, error) { return lzmaStream(c, 8<<20, lzma2) },
	} {
		data := lzmaDict(t, p, 8<<20)
		if codec == "lzma2" {
			data = raw2.Bytes()
		}
		r, err := start(streams.NewCounter(bytes.NewReader(data)))
		if err != nil {
			t.Fatal(err)
		}
		g, ok := r.(*grower)
		if !ok {
			t.Fatalf("%s: %T, want a grower", codec, r)
		}
		var got []byte
		buf := make([]byte, 4096)
		for {
			n, err := g.Read(buf)
			got = append(got, buf[:n]...)
			if len(g.src.log) > maxReplay {
				t.Fatalf("%s: %d bytes kept, limit %d", codec, len(g.src.log), maxReplay)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", codec, err)
			}
		}
		if !bytes.Equal(got, p) {
			t.Fatalf("%s: %d of %d bytes, not the data", codec, len(got), len(p))
		}
		if g.window != 8<<20 || g.src.log != nil {
			t.Errorf("%s: window %d, %d bytes still kept; want the full window and the log freed", codec, g.window, len(g.src.log))
		}
	}
}

// growWant is the window FuzzGrowingWindow's streams ask for.
const growWant = 1 << 20

// FuzzGrowingWindow decodes arbitrary lzma-alone and bare LZMA2 streams
// twice: through lzmaStream (first window, then the full one) and with the
// full window from the start. The bytes, and whether an error ends them,
// must be the same. Seeds: streams that fit the first window, that need
// the second decoding, and truncated ones.
func FuzzGrowingWindow(f *testing.F) {
	for _, p := range [][]byte{[]byte("a short stream, a short stream"), repeated(70 << 10)} {
		l := lzmaDict(f, p, growWant)
		var b bytes.Buffer
		w, _ := lzma.Writer2Config{DictCap: growWant}.NewWriter2(&b)
		w.Write(p)
		w.Close()
		for _, d := range [][]byte{l, l[:len(l)*2/3], b.Bytes(), b.Bytes()[:len(b.Bytes())/2]} {
			f.Add(d, d[0] != l[0] || len(d) != len(l) && len(d) == len(b.Bytes())/2)
		}
	}
	f.Fuzz(growingAgrees)
}

// growingAgrees is the body of FuzzGrowingWindow.
func growingAgrees(t *testing.T, data []byte, bare bool) {
	open := lzma2
	if !bare {
		if len(data) < lzmaHeaderLen {
			return
		}
		open = lzmaAlone([lzmaHeaderLen]byte(data[:lzmaHeaderLen]))
		data = data[lzmaHeaderLen:]
	}
	const most = 4 << 20 // output compared
	got, gerr := readLimited(func() (io.Reader, error) {
		return lzmaStream(streams.NewCounter(bytes.NewReader(data)), growWant, open)
	}, most)
	ref, rerr := readLimited(func() (io.Reader, error) {
		in := newCutter(bytes.NewReader(data))
		r, err := open(in, growWant)
		if err != nil {
			return nil, err
		}
		return &salvage{r: r, in: in}, nil
	}, most)
	if !bytes.Equal(got, ref) || (gerr == nil) != (rerr == nil) {
		t.Fatalf("growing window: %d bytes, error %v; full window: %d bytes, error %v", len(got), gerr, len(ref), rerr)
	}
}

// readLimited opens a reader and reads at most n bytes of it.
func readLimited(open func() (io.Reader, error), n int64) ([]byte, error) {
	r, err := open()
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, n))
}
