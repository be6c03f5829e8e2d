package compressfmt_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math/rand"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// Every benign fixture written by the real tools scans clean, without
// errors, and what it holds is analysed.
func TestFixturesClean(t *testing.T) {
	for _, fx := range fixtures(t) {
		t.Run(fx.Path, func(t *testing.T) {
			name := filepath.Base(fx.Path)
			s := scan(name, readFixture(t, fx.Path), core.DefaultLimits())
			for _, f := range s.Findings {
				if f.Severity > core.Low {
					t.Errorf("finding on a benign file (%s):\n%s", fx.What, dump(s))
					break
				}
			}
			if len(s.Problems) > 0 {
				t.Errorf("errors on a benign file (%s):\n%s", fx.What, dump(s))
			}
			for _, sk := range s.Skips {
				if sk.Source == name {
					t.Errorf("the file itself was skipped:\n%s", dump(s))
				}
			}
			for _, want := range fx.Scanned {
				if !slices.Contains(s.Scanned, want) {
					t.Errorf("%q not analysed; scanned %q", want, s.Scanned)
				}
			}
		})
	}
}

// For a single compressed stream the compression layer and the pickle
// handler both mark the (transparent) source as analysed.
func TestFixturePickleAnalysed(t *testing.T) {
	n := 0
	for _, fx := range fixtures(t) {
		dir := filepath.Dir(fx.Path)
		if dir != "cli" && dir != "py" && dir != "joblib" && dir != "multi" && !(dir == "pandas" && !strings.HasSuffix(fx.Path, ".zip")) {
			continue
		}
		n++
		t.Run(fx.Path, func(t *testing.T) {
			name := filepath.Base(fx.Path)
			s := scan(name, readFixture(t, fx.Path), core.DefaultLimits())
			if c := count(s.Scanned, name); c < 2 {
				t.Errorf("%q marked scanned %d times, want the layer and the pickle inside:\n%s", name, c, dump(s))
			}
		})
	}
	if n < 20 {
		t.Fatalf("only %d compressed fixtures", n)
	}
}

// The same payload compressed in Go with every codec is found, named after
// the compressed file, whatever the file is called.
func TestMaliciousEveryCodec(t *testing.T) {
	for _, e := range goEncoders {
		t.Run(e.name, func(t *testing.T) {
			comp := e.enc(t, payload)
			for _, name := range []string{"x.pkl" + e.ext, "model.bin", "x.joblib", "noext"} {
				s := scan(name, comp, core.DefaultLimits())
				wantCritical(t, s, name)
				if len(s.Problems) > 0 {
					t.Errorf("%s: unexpected errors:\n%s", name, dump(s))
				}
			}
		})
	}
}

// The payload compressed by the command-line tools (the same tools that made
// the fixtures) is found.
func TestMaliciousCLI(t *testing.T) {
	for _, e := range cliEncoders {
		t.Run(e.name, func(t *testing.T) {
			name := "x.pkl" + e.ext
			s := scan(name, e.enc(t, payload), core.DefaultLimits())
			wantCritical(t, s, name)
			if len(s.Problems) > 0 {
				t.Errorf("unexpected errors:\n%s", dump(s))
			}
		})
	}
}

// Layers stack and stay transparent: x.pkl.gz.xz is reported as itself.
func TestStackedLayers(t *testing.T) {
	chains := [][]encoder{
		{goEncoders[0], goEncoders[3]},                // gzip then xz
		{goEncoders[6], goEncoders[0]},                // zstd then gzip
		{goEncoders[7], goEncoders[4], goEncoders[1]}, // lz4, lzma, zlib
		{goEncoders[0], goEncoders[0], goEncoders[0]}, // gzip^3
		{goEncoders[2], goEncoders[6], goEncoders[7]}, // bzip2, zstd, lz4
	}
	for _, chain := range chains {
		name, data := "x.pkl", payload
		var label []string
		for _, e := range chain {
			data = e.enc(t, data)
			name += e.ext
			label = append(label, e.name)
		}
		t.Run(strings.Join(label, "+"), func(t *testing.T) {
			s := scan(name, data, core.DefaultLimits())
			wantCritical(t, s, name)
			if len(s.Problems) > 0 {
				t.Errorf("unexpected errors:\n%s", dump(s))
			}
		})
	}
}

// A pickle split across two concatenated streams or frames is read whole by
// the loaders (gzip.open, bz2, lzma, lz4.frame.open, the zstd CLI), so the
// payload must be found.
func TestMultiStream(t *testing.T) {
	cut := len(payload) / 2
	for _, e := range []encoder{goEncoders[0], goEncoders[2], goEncoders[3], goEncoders[6], goEncoders[7]} {
		t.Run(e.name, func(t *testing.T) {
			data := append(e.enc(t, payload[:cut]), e.enc(t, payload[cut:])...)
			name := "x.pkl" + e.ext
			s := scan(name, data, core.DefaultLimits())
			wantCritical(t, s, name)
		})
	}
}

// skippable is a zstd/lz4 skippable frame: decoders (and pandas.read_pickle
// for .zst, lz4.frame.open) skip it.
func skippable(n int) []byte {
	p := binary.LittleEndian.AppendUint32(nil, 0x184D2A50)
	p = binary.LittleEndian.AppendUint32(p, uint32(n))
	return append(p, bytes.Repeat([]byte{'s'}, n)...)
}

func TestSkippableFramePrefix(t *testing.T) {
	for _, e := range []encoder{goEncoders[6], goEncoders[7]} {
		t.Run(e.name, func(t *testing.T) {
			name := "x.pkl" + e.ext
			s := scan(name, append(skippable(8), e.enc(t, payload)...), core.DefaultLimits())
			wantCritical(t, s, name)
		})
	}
}

// noise is incompressible filler.
func noise(n int) []byte {
	p := make([]byte, n)
	rand.New(rand.NewSource(1)).Read(p)
	return p
}

// A stream whose tail is corrupt or missing still yields what was decoded
// before the damage (the loader has already run the payload by then): the
// payload is CRITICAL and the corruption an error.
func TestCorruptTail(t *testing.T) {
	fill := noise(240 << 10) // several blocks for every codec
	body := append(append([]byte(nil), payload...), fill...)
	for _, e := range goEncoders {
		if e.name == "bzip2" {
			e.enc = func(tb testing.TB, p []byte) []byte { return cli(tb, p, "bzip2", "-1", "-c") } // 100k blocks
		}
		var once []byte
		enc := func(t *testing.T) []byte {
			if once == nil {
				once = e.enc(t, body)
			}
			return bytes.Clone(once)
		}
		t.Run(e.name+"/truncated", func(t *testing.T) {
			comp := enc(t)
			comp = comp[:len(comp)*2/3]
			name := "x.pkl" + e.ext
			s := scan(name, comp, core.DefaultLimits())
			wantCritical(t, s, name)
			if !hasProblem(s, core.CatNestedZip) {
				t.Errorf("truncation not reported:\n%s", dump(s))
			}
		})
		t.Run(e.name+"/garbled", func(t *testing.T) {
			comp := enc(t)
			for i := len(comp) * 2 / 3; i < len(comp)*2/3+64; i++ {
				comp[i] ^= 0x5a
			}
			name := "x.pkl" + e.ext
			s := scan(name, comp, core.DefaultLimits())
			wantCritical(t, s, name)
			if len(s.Problems) == 0 {
				t.Errorf("corruption not reported:\n%s", dump(s))
			}
		})
	}
	t.Run("gzip/bad-crc", func(t *testing.T) {
		comp := gzipEnc(t, payload)
		comp[len(comp)-8] ^= 0xff
		s := scan("x.pkl.gz", comp, core.DefaultLimits())
		wantCritical(t, s, "x.pkl.gz")
		if !hasProblem(s, core.CatNestedZip) {
			t.Errorf("bad CRC not reported:\n%s", dump(s))
		}
	})
}

// Bytes after the last gzip member: pandas.read_pickle loads such a file
// (the pickle ends before the garbage is read), so the payload is CRITICAL.
// gzip and Python ignore trailing zero padding.
func TestTrailingAfterGzip(t *testing.T) {
	t.Run("garbage", func(t *testing.T) {
		s := scan("x.pkl.gz", append(gzipEnc(t, payload), []byte("garbage!garbage!")...), core.DefaultLimits())
		wantCritical(t, s, "x.pkl.gz")
		t.Logf("recorded:\n%s", dump(s))
	})
	t.Run("zero padding", func(t *testing.T) {
		s := scan("x.pkl.gz", append(gzipEnc(t, payload), make([]byte, 512)...), core.DefaultLimits())
		wantCritical(t, s, "x.pkl.gz")
		t.Logf("recorded:\n%s", dump(s))
	})
	t.Run("benign zero padding", func(t *testing.T) {
		data := append(readFixture(t, "cli/base.pkl.gz"), make([]byte, 512)...)
		s := scan("base.pkl.gz", data, core.DefaultLimits())
		if len(s.Problems) > 0 {
			t.Errorf("zero padding after a gzip member (accepted by gzip -d and Python) is an error:\n%s", dump(s))
		}
	})
}

// Decoded-bytes and ratio budgets stop a compressed stream with a
// scan-incomplete finding naming the budget, and an error.
func TestBudgets(t *testing.T) {
	zeros := make([]byte, 40<<20)
	gz := gzipEnc(t, zeros)
	t.Run("max_decompressed_bytes", func(t *testing.T) {
		lim := core.DefaultLimits()
		lim.MaxDecompressed = 1 << 20
		wantBudget(t, scan("x.pkl.gz", gz, lim), "max_decompressed_bytes")
	})
	t.Run("max_compression_ratio", func(t *testing.T) {
		wantBudget(t, scan("x.pkl.gz", gz, core.DefaultLimits()), "max_compression_ratio")
	})
	t.Run("ratio grace", func(t *testing.T) {
		// 8 MiB of zeros (ratio ~1000) is under the 16 MiB grace: no budget
		s := scan("x.bin.gz", gzipEnc(t, zeros[:8<<20]), core.DefaultLimits())
		if len(find(s, rules.ScanIncomplete, 0, "")) > 0 {
			t.Errorf("budget hit under the grace amount:\n%s", dump(s))
		}
	})
	// The ratio divides by the compressed bytes the stream consumed, not by
	// the whole input's size: incompressible bytes after the bomb (a second
	// member, or trailing junk) must not lift the limit.
	t.Run("ratio diluted by trailing bytes", func(t *testing.T) {
		big := make([]byte, 1<<20)
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		for range 64 {
			w.Write(big)
		}
		w.Close()
		bomb := b.Len()
		data := append(b.Bytes(), noise(bomb)...) // doubles the file size
		s := scan("x.pkl.gz", data, core.DefaultLimits())
		t.Logf("%d compressed bytes decode to 64 MiB (ratio %d), file %d bytes", bomb, (64<<20)/bomb, len(data))
		wantBudget(t, s, "max_compression_ratio")
	})
	// pickle.load stops at STOP: a bomb after the payload never runs, the
	// payload does. The budget stop must not hide it.
	t.Run("payload then bomb/decompressed", func(t *testing.T) {
		lim := core.DefaultLimits()
		lim.MaxDecompressed = 1 << 20
		s := scan("x.pkl.gz", gzipEnc(t, append(append([]byte(nil), payload...), zeros...)), lim)
		wantBudget(t, s, "max_decompressed_bytes")
		wantCritical(t, s, "x.pkl.gz")
	})
	t.Run("payload then bomb/ratio", func(t *testing.T) {
		s := scan("x.pkl.gz", gzipEnc(t, append(append([]byte(nil), payload...), zeros...)), core.DefaultLimits())
		wantBudget(t, s, "max_compression_ratio")
		wantCritical(t, s, "x.pkl.gz")
	})
}

// Headers that declare an enormous uncompressed size must not make the
// scanner allocate or wait for it: the real data (the payload) is scanned.
func TestHugeDeclaredSize(t *testing.T) {
	cases := []struct {
		name, file string
		data       func(t *testing.T) []byte
	}{
		{"lzma-alone size 2^47", "x.pkl.lzma", func(t *testing.T) []byte {
			c := lzmaEnc(t, payload) // EOS marker, size -1 in the header
			binary.LittleEndian.PutUint64(c[5:13], 1<<47)
			return c
		}},
		{"gzip ISIZE 4 GiB-1", "x.pkl.gz", func(t *testing.T) []byte {
			c := gzipEnc(t, payload)
			binary.LittleEndian.PutUint32(c[len(c)-4:], 0xffffffff)
			return c
		}},
		{"lz4 content size 2^62", "x.pkl.lz4", func(t *testing.T) []byte {
			var b bytes.Buffer
			w := lz4.NewWriter(&b)
			if err := w.Apply(lz4.SizeOption(1 << 62)); err != nil {
				t.Fatal(err)
			}
			w.Write(payload)
			w.Close()
			return b.Bytes()
		}},
		{"zstd frame content size 2^62", "x.pkl.zst", func(t *testing.T) []byte {
			c := zstdEnc(t, payload)
			// rewrite the frame header: FCS field 8 bytes, single segment off
			fhd := c[4]
			off := 5
			if fhd&0x20 == 0 {
				off++ // window descriptor
			}
			off += []int{0, 1, 2, 4}[fhd&3]
			fcsLen := []int{0, 2, 4, 8}[fhd>>6]
			if fhd&0x20 != 0 && fhd>>6 == 0 {
				fcsLen = 1
			}
			rest := c[off+fcsLen:]
			hdr := []byte{c[0], c[1], c[2], c[3], 0xc0 | fhd&0x07, 0x58} // 8-byte FCS, window 8 MiB
			hdr = append(hdr, c[5:5+[]int{0, 1, 2, 4}[fhd&3]]...)
			hdr = binary.LittleEndian.AppendUint64(hdr, 1<<62)
			return append(hdr, rest...)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := c.data(t)
			start := time.Now()
			s := scan(c.file, data, core.DefaultLimits())
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
			wantCritical(t, s, c.file)
			t.Logf("recorded:\n%s", dump(s))
		})
	}
}

// hugeDict returns tiny valid streams of the payload whose headers ask for
// a 256 MiB dictionary (the most the handler accepts).
func hugeDict(t testing.TB) map[string][]byte {
	l := lzmaEnc(t, payload)
	binary.LittleEndian.PutUint32(l[1:5], 1<<28)
	var xb bytes.Buffer
	w, err := xz.WriterConfig{DictCap: 1 << 28}.NewWriter(&xb)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(payload)
	w.Close()
	return map[string][]byte{"x.pkl.lzma": l, "x.pkl.xz": xb.Bytes()}
}

// A 60-byte file must not make the scanner allocate hundreds of MiB: the
// dictionary a stream can use is bounded by what it decodes.
func TestHugeDictAllocation(t *testing.T) {
	for name, data := range hugeDict(t) {
		t.Run(name, func(t *testing.T) {
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			s := scan(name, data, core.DefaultLimits())
			runtime.ReadMemStats(&m1)
			wantCritical(t, s, name)
			if got := (m1.TotalAlloc - m0.TotalAlloc) >> 20; got > 64 {
				t.Errorf("%d-byte file: %d MiB allocated while scanning it", len(data), got)
			}
		})
	}
}

// rgz is a gzip quine: it decompresses to itself (from the Go distribution,
// net/http/transport_test.go). Each layer is one level deeper, so max_depth
// stops it.
var rgz = []byte{
	0x1f, 0x8b, 0x08, 0x08, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x72, 0x65, 0x63, 0x75, 0x72, 0x73,
	0x69, 0x76, 0x65, 0x00, 0x92, 0xef, 0xe6, 0xe0,
	0x60, 0x00, 0x83, 0xa2, 0xd4, 0xe4, 0xd2, 0xa2,
	0xe2, 0xcc, 0xb2, 0x54, 0x06, 0x00, 0x00, 0x17,
	0x00, 0xe8, 0xff, 0x92, 0xef, 0xe6, 0xe0, 0x60,
	0x00, 0x83, 0xa2, 0xd4, 0xe4, 0xd2, 0xa2, 0xe2,
	0xcc, 0xb2, 0x54, 0x06, 0x00, 0x00, 0x17, 0x00,
	0xe8, 0xff, 0x42, 0x12, 0x46, 0x16, 0x06, 0x00,
	0x05, 0x00, 0xfa, 0xff, 0x42, 0x12, 0x46, 0x16,
	0x06, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x00, 0x05,
	0x00, 0xfa, 0xff, 0x00, 0x14, 0x00, 0xeb, 0xff,
	0x42, 0x12, 0x46, 0x16, 0x06, 0x00, 0x05, 0x00,
	0xfa, 0xff, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x00,
	0x14, 0x00, 0xeb, 0xff, 0x42, 0x88, 0x21, 0xc4,
	0x00, 0x00, 0x14, 0x00, 0xeb, 0xff, 0x42, 0x88,
	0x21, 0xc4, 0x00, 0x00, 0x14, 0x00, 0xeb, 0xff,
	0x42, 0x88, 0x21, 0xc4, 0x00, 0x00, 0x14, 0x00,
	0xeb, 0xff, 0x42, 0x88, 0x21, 0xc4, 0x00, 0x00,
	0x14, 0x00, 0xeb, 0xff, 0x42, 0x88, 0x21, 0xc4,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00,
	0x00, 0xff, 0xff, 0x00, 0x17, 0x00, 0xe8, 0xff,
	0x42, 0x88, 0x21, 0xc4, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00,
	0x17, 0x00, 0xe8, 0xff, 0x42, 0x12, 0x46, 0x16,
	0x06, 0x00, 0x00, 0x00, 0xff, 0xff, 0x01, 0x08,
	0x00, 0xf7, 0xff, 0x3d, 0xb1, 0x20, 0x85, 0xfa,
	0x00, 0x00, 0x00, 0x42, 0x12, 0x46, 0x16, 0x06,
	0x00, 0x00, 0x00, 0xff, 0xff, 0x01, 0x08, 0x00,
	0xf7, 0xff, 0x3d, 0xb1, 0x20, 0x85, 0xfa, 0x00,
	0x00, 0x00, 0x3d, 0xb1, 0x20, 0x85, 0xfa, 0x00,
	0x00, 0x00,
}

func TestGzipQuine(t *testing.T) {
	r, err := gzip.NewReader(bytes.NewReader(rgz))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.ReadFrom(r)
	if !bytes.Equal(out.Bytes(), rgz) {
		t.Fatal("rgz is not a quine")
	}
	start := time.Now()
	s := scan("quine.gz", rgz, core.DefaultLimits())
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
	wantBudget(t, s, "max_depth")
}

// Compressed streams keep their payload visible at every nesting depth up
// to MaxDepth; one layer more is a max_depth stop.
func TestDepthLimit(t *testing.T) {
	lim := core.DefaultLimits()
	lim.MaxDepth = 4
	data := payload
	for i := 0; i < 4; i++ {
		data = gzipEnc(t, data)
	}
	s := scan("x.gz", data, lim)
	wantCritical(t, s, "x.gz")
	s = scan("x.gz", gzipEnc(t, data), lim)
	wantBudget(t, s, "max_depth")
	if len(find(s, rules.PickleDangerousImport, 0, "")) > 0 {
		t.Errorf("payload beyond max_depth was scanned:\n%s", dump(s))
	}
}

// The compression layer is transparent in source names: what is recorded
// about the decoded stream (a budget stop, a corrupt tail) names the file,
// as its findings do.
func TestLayerProblemsTransparent(t *testing.T) {
	comp := gzipEnc(t, payload)
	comp = comp[:len(comp)-4] // cut the trailer
	s := scan("x.pkl.gz", comp, core.DefaultLimits())
	wantCritical(t, s, "x.pkl.gz")
	for _, p := range s.Problems {
		if p.Source != "x.pkl.gz" {
			t.Errorf("problem source %q, want x.pkl.gz (findings say x.pkl.gz)", p.Source)
		}
	}
	lim := core.DefaultLimits()
	lim.MaxDecompressed = 1 << 10
	s = scan("x.pkl.gz", gzipEnc(t, make([]byte, 1<<20)), lim)
	wantBudget(t, s, "max_decompressed_bytes")
	for _, f := range s.Findings {
		if f.Source != "x.pkl.gz" {
			t.Errorf("budget finding source %q, want x.pkl.gz", f.Source)
		}
	}
}

// Random bytes behind a valid magic (or a name that says compressed) are an
// error, not a crash or a silent pass.
func TestGarbageBehindMagic(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"x.pkl.gz", append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3}, noise(200)...)},
		{"x.pkl.xz", append([]byte{0xfd, '7', 'z', 'X', 'Z', 0}, noise(200)...)},
		{"x.pkl.zst", append([]byte{0x28, 0xb5, 0x2f, 0xfd}, noise(200)...)},
		{"x.pkl.lz4", append([]byte{0x04, 0x22, 0x4d, 0x18}, noise(200)...)},
		{"x.pkl.bz2", append([]byte("BZh91AY&SY"), noise(200)...)},
		{"x.pkl.gz", []byte{0x1f, 0x8b}},
	} {
		s := scan(c.name, c.data, core.DefaultLimits())
		if len(s.Problems) == 0 {
			t.Errorf("%s %x...: no error:\n%s", c.name, c.data[:min(len(c.data), 8)], dump(s))
		}
		for _, f := range s.Findings {
			if f.Rule == "" || f.Severity == core.SeverityNone {
				t.Errorf("malformed finding %+v", f)
			}
		}
	}
}

// An empty compressed stream (gzip of nothing) is not an error and not a
// model: nothing to report beyond the layer.
func TestEmptyStreams(t *testing.T) {
	for _, e := range goEncoders {
		t.Run(e.name, func(t *testing.T) {
			name := "x.pkl" + e.ext
			s := scan(name, e.enc(t, nil), core.DefaultLimits())
			if len(s.Findings) > 0 {
				t.Errorf("findings for an empty stream:\n%s", dump(s))
			}
			t.Logf("recorded:\n%s", dump(s))
		})
	}
}

// Sanity of the Go encoders used above: each stream decodes back.
func TestEncodersRoundTrip(t *testing.T) {
	c := xzEnc(t, payload)
	r, err := xz.NewReader(bytes.NewReader(c))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(r)
	if !bytes.Equal(b.Bytes(), payload) {
		t.Fatal("xz round trip")
	}
	d, _ := zstd.NewReader(nil)
	defer d.Close()
	out, err := d.DecodeAll(zstdEnc(t, payload), nil)
	if err != nil || !bytes.Equal(out, payload) {
		t.Fatal("zstd round trip", err)
	}
	_ = pklasm.Hex
}

// The compressed joblib fixtures (1.6 kB files whose streams ask for a
// 4 MiB dictionary) are scanned without allocating that dictionary.
func TestSmallStreamSmallWindow(t *testing.T) {
	for _, name := range []string{"lzma_3.joblib", "xz_3.joblib"} {
		data := scantest.ReadFile(t, "../../../testdata/real/joblib/compressed", name)
		scan(name, data, core.DefaultLimits()) // warm up
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		s := scan(name, data, core.DefaultLimits())
		runtime.ReadMemStats(&m1)
		if got := m1.TotalAlloc - m0.TotalAlloc; got > 1<<20 {
			t.Errorf("%s (%d bytes): %d bytes allocated while scanning it, want < 1 MiB", name, len(data), got)
		}
		if len(s.Problems) > 0 || len(s.Findings) > 0 {
			t.Errorf("%s: %v %v", name, s.Problems, s.Findings)
		}
	}
}
