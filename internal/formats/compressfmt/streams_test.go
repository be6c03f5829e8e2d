package compressfmt_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Tests of how streams follow each other: padding, skippable frames,
// trailing bytes, frame checks and window bounds.

// NUL padding after the last stream is ignored by the decompressors (gzip
// -d, Python's gzip, xz's stream padding): nothing is reported.
func TestZeroPaddingEveryCodec(t *testing.T) {
	benign := pklasm.New().Proto(2).None().Stop().Bytes()
	for _, e := range goEncoders {
		t.Run(e.name, func(t *testing.T) {
			name := "x.pkl" + e.ext
			s := scan(name, append(e.enc(t, benign), make([]byte, 64)...), core.DefaultLimits())
			if len(s.Findings) > 0 || len(s.Problems) > 0 {
				t.Errorf("zero padding reported:\n%s", dump(s))
			}
			// and a payload before the padding is found
			wantCritical(t, scan(name, append(e.enc(t, payload), make([]byte, 64)...), core.DefaultLimits()), name)
		})
	}
}

// Other bytes after the last stream are a LOW note (decompressors stop or
// fail there, the loader has read the data by then) and are scanned by
// content: a pickle appended after the stream is reported where it is.
func TestTrailingBytesEveryCodec(t *testing.T) {
	benign := pklasm.New().Proto(2).None().Stop().Bytes()
	for _, e := range goEncoders {
		t.Run(e.name, func(t *testing.T) {
			name := "x.pkl" + e.ext
			comp := e.enc(t, benign)
			s := scan(name, append(bytes.Clone(comp), []byte("\x00\x00trailing junk")...), core.DefaultLimits())
			notes := find(s, rules.ArchiveAnomaly, core.Low, name)
			if len(notes) != 1 || notes[0].Operator != "trailing-data" || len(s.Problems) > 0 {
				t.Errorf("want one LOW trailing-data note and no error:\n%s", dump(s))
			}
			for _, f := range s.Findings {
				if f.Severity > core.Low {
					t.Errorf("unexpected finding:\n%s", dump(s))
				}
			}
			// a pickle appended after the stream is scanned where it is
			at := len(comp)
			s = scan(name, append(bytes.Clone(comp), payload...), core.DefaultLimits())
			wantCritical(t, s, fmt.Sprintf("%s:trailing@%d", name, at))
		})
	}
}

// Streams and frames after the first are decoded, also after NUL padding
// and (zstd, lz4) skippable frames between them.
func TestStreamsAfterPaddingAndSkippable(t *testing.T) {
	cut := len(payload) / 2
	for _, e := range []encoder{goEncoders[0], goEncoders[3], goEncoders[6], goEncoders[7]} {
		t.Run(e.name, func(t *testing.T) {
			data := append(e.enc(t, payload[:cut]), make([]byte, 8)...)
			if e.name == "zstd" || e.name == "lz4" {
				data = append(data, skippable(100)...)
			}
			data = append(data, e.enc(t, payload[cut:])...)
			name := "x.pkl" + e.ext
			s := scan(name, data, core.DefaultLimits())
			wantCritical(t, s, name)
			if len(s.Problems) > 0 {
				t.Errorf("unexpected errors:\n%s", dump(s))
			}
		})
	}
	// only skippable frames: no stream, an error (not clean)
	s := scan("x.zst", append(skippable(10), skippable(10)...), core.DefaultLimits())
	if len(s.Problems) == 0 {
		t.Errorf("skippable frames alone:\n%s", dump(s))
	}
}

// A skippable frame that declares more bytes than the file holds is a
// truncation error, not a hang or a silent pass.
func TestSkippableFrameTruncated(t *testing.T) {
	data := append(zstdEnc(t, payload), skippable(100)[:50]...)
	s := scan("x.pkl.zst", data, core.DefaultLimits())
	wantCritical(t, s, "x.pkl.zst")
	if !hasProblem(s, core.CatNestedZip) {
		t.Errorf("truncated skippable frame not reported:\n%s", dump(s))
	}
}

// bzip2 reads concatenated streams itself; bytes after them that are not
// a stream are trailing bytes.
func TestBzip2TrailingGarbage(t *testing.T) {
	comp := bzip2Enc(t, payload)
	s := scan("x.pkl.bz2", append(bytes.Clone(comp), []byte("garbage!")...), core.DefaultLimits())
	wantCritical(t, s, "x.pkl.bz2")
	if notes := find(s, rules.ArchiveAnomaly, core.Low, "x.pkl.bz2"); len(notes) != 1 || !strings.Contains(notes[0].Evidence, fmt.Sprintf("offset %d", len(comp))) {
		t.Errorf("want a trailing-data note at %d:\n%s", len(comp), dump(s))
	}
}

// zstd frames: the content checksum (XXH64) is verified on every length
// class, and a bad checksum or content size is reported after the data
// (which the decoder would otherwise drop) was scanned.
func TestZstdFrameChecks(t *testing.T) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderCRC(true))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	for _, n := range []int{0, 1, 7, 8, 31, 32, 33, 63, 64, 100, 1000, 200000} {
		data := noise(n)
		s := scan(fmt.Sprintf("x%d.zst", n), enc.EncodeAll(data, nil), core.DefaultLimits())
		if len(s.Problems) > 0 {
			t.Errorf("%d bytes: %s", n, dump(s))
		}
	}
	c := enc.EncodeAll(payload, nil)
	bad := bytes.Clone(c)
	bad[len(bad)-1] ^= 0xff // the checksum
	s := scan("x.pkl.zst", bad, core.DefaultLimits())
	wantCritical(t, s, "x.pkl.zst")
	if !problemSays(s, "checksum") {
		t.Errorf("bad checksum not reported:\n%s", dump(s))
	}
}

func problemSays(s *core.Session, text string) bool {
	for _, p := range s.Problems {
		if strings.Contains(p.Description, text) {
			return true
		}
	}
	return false
}

// zstdHeader builds a frame header: single segment with an 8-byte content
// size, or windowed with the given window descriptor and no content size.
func zstdFrameWith(t *testing.T, p []byte, single bool, wd byte, fcs uint64) []byte {
	t.Helper()
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderCRC(false), zstd.WithSingleSegment(false), zstd.WithWindowSize(1<<20))
	defer enc.Close()
	c := enc.EncodeAll(p, nil)
	fhd := c[4]
	off := 5
	if fhd&0x20 == 0 {
		off++
	}
	off += []int{0, 1, 2, 4}[fhd&3]
	fcsLen := []int{0, 2, 4, 8}[fhd>>6]
	if fhd&0x20 != 0 && fhd>>6 == 0 {
		fcsLen = 1
	}
	blocks := c[off+fcsLen:]
	hdr := append([]byte(nil), c[:4]...)
	if single {
		hdr = append(hdr, 0xe0)
		hdr = binary.LittleEndian.AppendUint64(hdr, fcs)
	} else {
		hdr = append(hdr, 0x00, wd)
	}
	return append(hdr, blocks...)
}

// A tiny frame declaring a huge window (or, single segment, a huge content
// size, which is then its window) does not allocate it.
func TestZstdHugeWindow(t *testing.T) {
	cases := map[string][]byte{
		"window 2 GiB":             zstdFrameWith(t, payload, false, (31-10)<<3, 0),
		"single segment 1 GiB":     zstdFrameWith(t, payload, true, 0, 1<<30),
		"single segment size 2^62": zstdFrameWith(t, payload, true, 0, 1<<62),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			s := scan("x.pkl.zst", data, core.DefaultLimits())
			runtime.ReadMemStats(&m1)
			wantCritical(t, s, "x.pkl.zst")
			if got := (m1.TotalAlloc - m0.TotalAlloc) >> 20; got > 64 {
				t.Errorf("%d-byte file: %d MiB allocated", len(data), got)
			}
			if strings.Contains(name, "single") && !problemSays(s, "declares") {
				t.Errorf("content size mismatch not reported:\n%s", dump(s))
			}
		})
	}
}

// xz streams made by the CLI with every check type decode; a damaged check
// is reported, after the data was scanned.
func TestXZChecks(t *testing.T) {
	for _, check := range []string{"none", "crc32", "crc64", "sha256"} {
		t.Run(check, func(t *testing.T) {
			c := cli(t, payload, "xz", "-c", "--check="+check)
			s := scan("x.pkl.xz", c, core.DefaultLimits())
			wantCritical(t, s, "x.pkl.xz")
			if len(s.Problems) > 0 {
				t.Errorf("errors:\n%s", dump(s))
			}
			if check == "none" {
				return
			}
			// the check field sits before the index: 4-byte aligned, it
			// ends 12 (footer) + index bytes before the end; damage the
			// byte just before the index indicator
			bad := bytes.Clone(c)
			idx := len(bad) - 12 - indexLen(bad)
			bad[idx-1] ^= 0xff
			s = scan("x.pkl.xz", bad, core.DefaultLimits())
			wantCritical(t, s, "x.pkl.xz")
			if !problemSays(s, "check") {
				t.Errorf("damaged check not reported:\n%s", dump(s))
			}
		})
	}
	// several blocks (xz --block-size) and the multi-threaded encoder
	big := append(bytes.Clone(payload), noise(300<<10)...)
	for _, args := range [][]string{{"-c", "--block-size=65536"}, {"-c", "-T2", "--block-size=100000"}} {
		s := scan("x.pkl.xz", cli(t, big, "xz", args...), core.DefaultLimits())
		wantCritical(t, s, "x.pkl.xz")
		if len(s.Problems) > 0 {
			t.Errorf("%v: errors:\n%s", args, dump(s))
		}
	}
}

// indexLen reads the backward size of an xz stream's footer.
func indexLen(c []byte) int {
	return (int(binary.LittleEndian.Uint32(c[len(c)-8:])) + 1) * 4
}

// xz filters other than LZMA2 (here x86 BCJ) are not supported: an error,
// never clean.
func TestXZOtherFilter(t *testing.T) {
	c := cli(t, payload, "xz", "-c", "--x86", "--lzma2")
	s := scan("x.pkl.xz", c, core.DefaultLimits())
	if !problemSays(s, "not supported") {
		t.Errorf("unsupported filter not reported:\n%s", dump(s))
	}
}

// A .lzma whose header asks for a 4 GiB - 1 dictionary and a known size is
// decoded with a window bounded by the budgets.
func TestLZMADictBound(t *testing.T) {
	c := lzmaSizedEnc(t, payload)
	binary.LittleEndian.PutUint32(c[1:5], 0xffffffff)
	// 0xffffffff is not 2^n or 2^n+2^(n-1): not an lzma-alone header
	s := scan("x.pkl.lzma", c, core.DefaultLimits())
	if len(s.Problems) == 0 {
		t.Errorf("odd dictionary size accepted silently:\n%s", dump(s))
	}
	binary.LittleEndian.PutUint32(c[1:5], 3<<30) // 3 GiB
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	s = scan("x.pkl.lzma", c, core.DefaultLimits())
	runtime.ReadMemStats(&m1)
	wantCritical(t, s, "x.pkl.lzma")
	if got := (m1.TotalAlloc - m0.TotalAlloc) >> 20; got > 64 {
		t.Errorf("%d MiB allocated", got)
	}
}
