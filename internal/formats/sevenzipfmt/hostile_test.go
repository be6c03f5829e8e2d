package sevenzipfmt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"runtime"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/formats/sevenzipfmt"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// allocated returns the bytes allocated while fn runs.
func allocated(fn func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	fn()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestHostileHeaders feeds headers that declare huge counts in a few
// bytes. github.com/bodgit/sevenzip allocates by such counts before reading
// the items (the first one makes it request 120 TiB: a fatal out-of-memory
// error, not a panic) or panics; the handler must refuse each with an
// error, allocating little.
func TestHostileHeaders(t *testing.T) {
	n := func(v uint64) []byte { return num(nil, v) }
	cases := map[string][]byte{
		"files 2^40":             cat([]byte{1, 5}, n(1<<40), []byte{0, 0}),
		"files 2^24 empty bits":  cat([]byte{1, 5}, n(1<<24), []byte{14, 1, 0xff, 0, 0}),
		"attributes 2^24":        cat([]byte{1, 5}, n(1<<24), []byte{21, 3, 1, 0, 0, 0, 0}),
		"names 2^40 bytes":       cat([]byte{1, 5, 1, 17}, n(1<<40), []byte{0, 0, 0}),
		"folders 2^24":           cat([]byte{1, 4, 7, 11}, n(1<<24), []byte{0, 1, 1, 0, 12, 1, 0, 0, 0}),
		"coders 2^30":            cat([]byte{1, 4, 7, 11, 1, 0}, n(1<<30), []byte{1, 0, 12, 1, 0, 0, 0}),
		"coder without output":   []byte{1, 4, 7, 11, 1, 0, 1, 0x11, 0x21, 1, 0, 12, 1, 0, 0, 0},
		"coder inputs 2^20":      cat([]byte{1, 4, 7, 11, 1, 0, 1, 0x11, 0x21}, n(1<<20), []byte{1, 12, 1, 0, 0, 0}),
		"coder props 2^40":       cat([]byte{1, 4, 7, 11, 1, 0, 1, 0x21, 0x21}, n(1<<40), []byte{0, 12, 1, 0, 0, 0}),
		"pack streams 2^27":      cat([]byte{1, 4, 6, 0}, n(1<<27), []byte{9, 1, 10, 1, 0, 0, 0}),
		"pack CRCs 2^27":         cat([]byte{1, 4, 6, 0}, n(1<<27), []byte{10, 0, 0xff, 0, 0, 0}),
		"substreams 2^27":        cat([]byte{1, 4, 6, 0, 1, 9, 1, 0, 7, 11, 1, 0, 1, 1, 0, 12, 5, 0, 8, 13}, n(1<<27), []byte{9, 0, 0, 0}),
		"substream sizes":        []byte{1, 4, 6, 0, 1, 9, 1, 0, 7, 11, 1, 0, 1, 1, 0, 12, 5, 0, 8, 13, 2, 9, 0x86, 0, 0, 0},
		"bind to missing output": []byte{1, 4, 6, 0, 1, 9, 1, 0, 7, 11, 1, 0, 2, 1, 0, 1, 0, 0, 5, 12, 5, 5, 0, 0, 0},
		"files without streams":  []byte{1, 5, 3, 0, 0},
		"encoded 1 GiB header":   cat([]byte{23, 6, 0, 1, 9, 1, 0, 7, 11, 1, 0, 1, 0x21, 0x21, 1, 16, 12}, n(1<<30), []byte{0, 0}),
		"encoded nested":         []byte{23, 6, 0, 1, 9, 1, 0, 7, 11, 1, 0, 1, 1, 0, 12, 1, 0, 0},
		"unknown method":         []byte{1, 4, 6, 0, 1, 9, 1, 0, 7, 11, 1, 0, 1, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 12, 1, 0, 0, 5, 1, 0, 0},
	}
	scantest.Policy()
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			data := wrap(h, []byte{0x17})
			var s *core.Session
			a := allocated(func() { s = scan7z(t, "x.7z", data, core.DefaultLimits()) })
			if len(s.Problems) == 0 {
				t.Errorf("no error:\n%s", scantest.Dump(s))
			}
			if a > 8<<20 {
				t.Errorf("allocated %d MiB", a>>20)
			}
			t.Logf("%d KiB: %s", a>>10, s.Problems[0].Description)
		})
	}
}

// TestNoSubStreamsInfo: without a SubStreamsInfo block each folder holds
// one member. The library maps every such member to folder 0, which would
// hide the second member; the handler reads each from its own folder.
func TestNoSubStreamsInfo(t *testing.T) {
	ok := fixture(t, "../../../../testdata/real/pickle/plain_data_v4.pkl")
	evil := pklasm.System("echo pwned")
	h := num(num([]byte{1, 4, 6, 0, 2, 9}, uint64(len(ok))), uint64(len(evil)))
	h = append(h, 0, 7, 11, 2, 0, 1, 1, 0, 1, 1, 0, 12)
	h = num(num(h, uint64(len(ok))), uint64(len(evil)))
	h = append(h, 0, 0, 5, 2, 17, 13, 0, 'a', 0, '.', 0, 'p', 0, 0, 0, 'b', 0, 0, 0, 0, 0)
	s := scan7z(t, "x.7z", wrap(h, cat(ok, evil)), core.DefaultLimits())
	if len(find(s, "", core.Critical, "x.7z:b")) == 0 || !scanned(s, "x.7z:a.p") || len(s.Problems) > 0 {
		t.Fatalf("want the second folder scanned as the second member:\n%s", scantest.Dump(s))
	}
}

// zeros is a large file of zero bytes after a signature header.
type zeros struct{ head []byte }

func (z zeros) ReadAt(p []byte, off int64) (int, error) {
	for i := range p {
		p[i] = 0
		if off+int64(i) < int64(len(z.head)) {
			p[i] = z.head[off+int64(i)]
		}
	}
	return len(p), nil
}

func TestHeaderSizeBound(t *testing.T) {
	var sh [32]byte
	copy(sh[:], "7z\xbc\xaf\x27\x1c")
	binary.LittleEndian.PutUint64(sh[12:], 1<<20)
	binary.LittleEndian.PutUint64(sh[20:], 100<<20)
	binary.LittleEndian.PutUint32(sh[8:], crc32.ChecksumIEEE(sh[12:32]))
	reg := formats.New(scantest.Policy())
	s := core.NewSession(context.Background(), core.DefaultLimits(), reg.Dispatch)
	b := &core.Blob{Source: "big.7z", Name: "big.7z", R: zeros{sh[:]}, Size: 1 << 30}
	a := allocated(func() { _ = (&sevenzipfmt.Handler{}).Scan(s, b) })
	if len(find(s, rules.ScanIncomplete, core.Medium, "big.7z")) != 1 || len(s.Problems) != 1 || a > 1<<20 {
		t.Fatalf("want a refused 100 MiB header (allocated %d KiB):\n%s", a>>10, scantest.Dump(s))
	}
}

// TestDictionaryBound: the LZMA2 dictionary comes from one property byte
// (the library allocates it in full: 3 GiB for 39). It is clamped to the
// size of the data, and refused above 256 MiB.
func TestDictionaryBound(t *testing.T) {
	data := fixture(t, "lzma2.7z") // plain header, one LZMA2 folder per file
	off := binary.LittleEndian.Uint64(data[12:])
	h := data[32+off:]
	patched := 0
	for i := 0; i+3 < len(h); i++ {
		if bytes.Equal(h[i:i+3], []byte{0x21, 0x21, 0x01}) {
			h[i+3], patched = 39, patched+1
		}
	}
	if patched != 4 {
		t.Fatalf("patched %d LZMA2 coders", patched)
	}
	binary.LittleEndian.PutUint32(data[28:], crc32.ChecksumIEEE(h))
	binary.LittleEndian.PutUint32(data[8:], crc32.ChecksumIEEE(data[12:32]))
	var s *core.Session
	a := allocated(func() { s = scan7z(t, "x.7z", data, core.DefaultLimits()) })
	if len(s.Findings)+len(s.Problems) > 0 || !scanned(s, "x.7z:model/data.pkl") || a > 64<<20 {
		t.Fatalf("clamped dictionaries: allocated %d MiB:\n%s", a>>20, scantest.Dump(s))
	}
	for _, e := range []entry{
		{name: "a.pkl", data: []byte{0, 1, 2, 3}, method: []byte{0x21}, props: []byte{39}, size: 2 << 30},
		{name: "a.pkl", data: []byte{0, 1, 2, 3}, method: []byte{3, 1, 1}, props: []byte{0x5d, 0, 0, 0, 0x80}, size: 2 << 30},
	} {
		s := scan7z(t, "x.7z", build7z([]entry{e}), core.DefaultLimits())
		if len(find(s, rules.ScanIncomplete, core.Medium, "x.7z")) != 1 || len(skips(s, core.SkipNotSupp)) != 1 {
			t.Errorf("want a refused dictionary:\n%s", scantest.Dump(s))
		}
	}
}

// TestManyFolders: a valid header with 300k one-byte folders, more than
// the members budget. Memory stays proportional to the budget and the
// header size, not to the declared counts.
func TestManyFolders(t *testing.T) {
	const nf = 300_000
	h := num([]byte{1, 4, 6, 0}, nf)
	h = append(h, 9)
	h = append(h, bytes.Repeat([]byte{1}, nf)...)
	h = num(append(h, 0, 7, 11), nf)
	h = append(h, 0)
	h = append(h, bytes.Repeat([]byte{1, 1, 0}, nf)...) // one Copy coder each
	h = append(h, 12)
	h = append(h, bytes.Repeat([]byte{1}, nf)...)
	h = num(append(h, 0, 0, 5), nf)
	h = append(h, 0, 0)
	lim := core.DefaultLimits()
	lim.MaxMembers = 10
	data := wrap(h, bytes.Repeat([]byte{'x'}, nf))
	var s *core.Session
	a := allocated(func() { s = scan7z(t, "x.7z", data, lim) })
	if len(find(s, rules.ScanIncomplete, core.Medium, "x.7z")) != 1 || len(s.Skips) != 10 || a > 12<<20 {
		t.Fatalf("allocated %d MiB:\n%s", a>>20, scantest.Dump(s))
	}
	t.Logf("%d folders in a %d KiB header, budget 10: %d KiB allocated", nf, len(h)>>10, a>>10)
}
