package formats_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
	"github.com/modelscan-go/modelscan/internal/scantest/sessiontest"
)

// Cross-format nesting (compression, zip, tar), names of nested sources,
// and hostile containers: bombs, deep nesting, self reference, lying
// headers. Benchmarks of the bombs are in bomb_test.go.

var payload = pklasm.System("echo pwned")

func scan(name string, data []byte, lim core.Limits) *core.Session {
	return scantest.Scan(name, data, lim)
}

func dump(s *core.Session) string { return scantest.Dump(s) }

func find(s *core.Session, rule string, sev core.Severity, source string) []core.Finding {
	return sessiontest.Find(s, rule, sev, source)
}

func hasProblem(s *core.Session, cat string) bool { return sessiontest.HasProblem(s, cat) }

func wantCritical(t testing.TB, s *core.Session, source string) {
	t.Helper()
	if len(find(s, rules.PickleDangerousImport, core.Critical, source)) == 0 {
		t.Errorf("no CRITICAL %s at %q:\n%s", rules.PickleDangerousImport, source, dump(s))
	}
}

func budgetHit(s *core.Session, budgets ...string) bool { return sessiontest.BudgetHit(s, budgets...) }

func wantBudget(t testing.TB, s *core.Session, budgets ...string) {
	t.Helper()
	sessiontest.WantBudget(t, s, budgets...)
}

// ---- builders ----

func gz(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// zm is a zip member. With comp set the member is pre-deflated data that
// inflates to size bytes with CRC crc.
type zm struct {
	name    string
	data    []byte
	deflate bool
	comp    []byte
	size    uint64
	crc     uint32
}

func buildZip(tb testing.TB, ms ...zm) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range ms {
		comp, method := m.data, zip.Store
		crc, size := crc32.ChecksumIEEE(m.data), uint64(len(m.data))
		switch {
		case m.comp != nil:
			comp, method, crc, size = m.comp, zip.Deflate, m.crc, m.size
		case m.deflate:
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, flate.BestCompression)
			fw.Write(m.data)
			fw.Close()
			comp, method = c.Bytes(), zip.Deflate
		}
		fw, err := w.CreateRaw(&zip.FileHeader{Name: m.name, Method: method, CRC32: crc,
			CompressedSize64: uint64(len(comp)), UncompressedSize64: size})
		if err != nil {
			tb.Fatal(err)
		}
		fw.Write(comp)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

type tm struct {
	name string
	data []byte
}

func buildTar(tb testing.TB, ms ...tm) []byte {
	tb.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, m := range ms {
		if err := w.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg}); err != nil {
			tb.Fatal(err)
		}
		w.Write(m.data)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// ---- deflate streams of zeros, built without deflating gigabytes ----

// CRC-32 of long runs of zeros, by zlib's crc32_combine.
func gf2Times(mat *[32]uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(sq, mat *[32]uint32) {
	for n := range 32 {
		sq[n] = gf2Times(mat, mat[n])
	}
}

func crc32Combine(crc1, crc2 uint32, len2 int64) uint32 {
	if len2 <= 0 {
		return crc1
	}
	var even, odd [32]uint32
	odd[0] = 0xedb88320
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd)
	gf2Square(&odd, &even)
	for {
		gf2Square(&even, &odd)
		if len2&1 != 0 {
			crc1 = gf2Times(&even, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
		gf2Square(&odd, &even)
		if len2&1 != 0 {
			crc1 = gf2Times(&odd, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
	}
	return crc1 ^ crc2
}

// crcZeros is the CRC-32 of mib MiB of zeros.
func crcZeros(mib int64) uint32 {
	unit := crc32.ChecksumIEEE(make([]byte, 1<<20))
	var crc uint32
	blockCRC, blockLen := unit, int64(1<<20)
	for n := mib; n > 0; n >>= 1 {
		if n&1 != 0 {
			crc = crc32Combine(crc, blockCRC, blockLen)
		}
		blockCRC = crc32Combine(blockCRC, blockCRC, blockLen)
		blockLen *= 2
	}
	return crc
}

type zeroStream struct {
	head, seg, tail []byte
	headMiB         int
}

var (
	zeroOnce sync.Once
	zeroSt   zeroStream
)

// zeroParts deflates MiB segments of zeros with a sync flush after each,
// until two consecutive segments encode identically: from then on every
// further MiB of zeros is that same byte-aligned segment (it only
// references the zeros before it), so a stream of any length is the head,
// n repeats of the segment and the final block.
func zeroParts() zeroStream {
	zeroOnce.Do(func() {
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, flate.BestCompression)
		mib := make([]byte, 1<<20)
		var prev []byte
		for i := 0; i < 16; i++ {
			start := buf.Len()
			fw.Write(mib)
			fw.Flush()
			seg := bytes.Clone(buf.Bytes()[start:])
			if prev != nil && bytes.Equal(prev, seg) {
				zeroSt.head = bytes.Clone(buf.Bytes()[:start])
				zeroSt.seg = seg
				zeroSt.headMiB = i
				start = buf.Len()
				fw.Close()
				zeroSt.tail = bytes.Clone(buf.Bytes()[start:])
				return
			}
			prev = seg
		}
		panic("deflate of zeros never reached a steady segment")
	})
	return zeroSt
}

// zeroDeflate returns a raw deflate stream of mib MiB of zeros and its
// CRC-32 (about 1 KiB per MiB).
func zeroDeflate(mib int64) ([]byte, uint32) {
	p := zeroParts()
	if mib < int64(p.headMiB) {
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, flate.BestCompression)
		fw.Write(make([]byte, mib<<20))
		fw.Close()
		return buf.Bytes(), crcZeros(mib)
	}
	n := mib - int64(p.headMiB)
	out := make([]byte, 0, len(p.head)+int(n)*len(p.seg)+len(p.tail))
	out = append(out, p.head...)
	for range n {
		out = append(out, p.seg...)
	}
	return append(out, p.tail...), crcZeros(mib)
}

// gzipFromDeflate wraps a raw deflate stream in a gzip member.
func gzipFromDeflate(def []byte, crc uint32, size int64) []byte {
	out := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3}
	out = append(out, def...)
	out = binary.LittleEndian.AppendUint32(out, crc)
	return binary.LittleEndian.AppendUint32(out, uint32(size))
}

func TestZeroDeflateHelper(t *testing.T) {
	for _, mib := range []int64{1, 20, 64} {
		def, crc := zeroDeflate(mib)
		h := crc32.NewIEEE()
		n, err := io.Copy(h, flate.NewReader(bytes.NewReader(def)))
		if err != nil || n != mib<<20 || h.Sum32() != crc {
			t.Fatalf("%d MiB: inflated %d, %v, crc %08x want %08x", mib, n, err, h.Sum32(), crc)
		}
		if _, err := io.Copy(io.Discard, mustGzip(t, gzipFromDeflate(def, crc, mib<<20))); err != nil {
			t.Fatalf("gzip wrapper: %v", err)
		}
	}
	if def, _ := zeroDeflate(10 << 10); len(def) > 11<<20 {
		t.Errorf("10 GiB of zeros deflate to %d bytes", len(def))
	}
}

func mustGzip(t testing.TB, p []byte) io.Reader {
	r, err := gzip.NewReader(bytes.NewReader(p))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ---- nesting and source names ----

func TestNestingNames(t *testing.T) {
	benign := pklasm.New().Proto(2).None().Stop().Bytes()
	cases := []struct {
		name   string
		file   string
		data   func(t *testing.T) []byte
		source string // where the payload is reported
		tar    bool
	}{
		{"pkl.gz", "x.pkl.gz", func(t *testing.T) []byte { return gz(payload) }, "x.pkl.gz", false},
		{"zip member", "x.zip", func(t *testing.T) []byte { return buildZip(t, zm{name: "m.pkl", data: payload, deflate: true}) }, "x.zip:m.pkl", false},
		{"zip in gzip", "x.zip.gz", func(t *testing.T) []byte {
			return gz(buildZip(t, zm{name: "ok.pkl", data: benign}, zm{name: "m.pkl", data: payload, deflate: true}))
		}, "x.zip.gz:m.pkl", false},
		{"gzip in zip member", "x.zip", func(t *testing.T) []byte { return buildZip(t, zm{name: "m.pkl.gz", data: gz(payload)}) }, "x.zip:m.pkl.gz", false},
		{"gzip in deflated zip member", "x.zip", func(t *testing.T) []byte {
			return buildZip(t, zm{name: "dir/m.pkl.gz", data: gz(payload), deflate: true})
		}, "x.zip:dir/m.pkl.gz", false},
		{"zip in zip", "x.zip", func(t *testing.T) []byte {
			return buildZip(t, zm{name: "in.zip", data: buildZip(t, zm{name: "m.pkl", data: payload})})
		}, "x.zip:in.zip:m.pkl", false},
		{"npy in npz in gzip", "x.npz.gz", func(t *testing.T) []byte {
			npy := scantest.NPY("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", payload)
			return gz(buildZip(t, zm{name: "a.npy", data: npy, deflate: true}))
		}, "x.npz.gz:a.npy", false},
		{"tar.gz", "x.tar.gz", func(t *testing.T) []byte { return gz(buildTar(t, tm{"ok.pkl", benign}, tm{"m.pkl", payload})) }, "x.tar.gz:m.pkl", true},
		{"tgz", "x.tgz", func(t *testing.T) []byte { return gz(buildTar(t, tm{"m.pkl", payload})) }, "x.tgz:m.pkl", true},
		{"pkl.gz in tar", "x.tar", func(t *testing.T) []byte { return buildTar(t, tm{"m.pkl.gz", gz(payload)}) }, "x.tar:m.pkl.gz", true},
		{"zip in tar.gz", "x.tar.gz", func(t *testing.T) []byte {
			return gz(buildTar(t, tm{"in.zip", buildZip(t, zm{name: "m.pkl", data: payload, deflate: true})}))
		}, "x.tar.gz:in.zip:m.pkl", true},
		{"tar in zip", "x.zip", func(t *testing.T) []byte {
			return buildZip(t, zm{name: "in.tar", data: buildTar(t, tm{"m.pkl", payload}), deflate: true})
		}, "x.zip:in.tar:m.pkl", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.tar {
			}
			s := scan(c.file, c.data(t), core.DefaultLimits())
			wantCritical(t, s, c.source)
			if len(s.Problems) > 0 {
				t.Errorf("unexpected errors:\n%s", dump(s))
			}
			for _, f := range s.Findings {
				if f.Severity > core.Low && f.Rule != rules.PickleDangerousImport {
					t.Errorf("unexpected finding on a well-formed container: %s %s at %s (%s)", f.Severity, f.Rule, f.Source, f.Evidence)
				}
			}
		})
	}
}

// nestZips wraps inner in depth zips (each the only member of the next).
func nestZips(tb testing.TB, inner []byte, depth int, deflate bool) []byte {
	data := buildZip(tb, zm{name: "m.pkl", data: inner, deflate: deflate})
	for i := 1; i < depth; i++ {
		data = buildZip(tb, zm{name: fmt.Sprintf("l%d.zip", i), data: data, deflate: deflate})
	}
	return data
}

// The payload is found at the deepest level MaxDepth allows; nesting
// beyond it is a max_depth stop, not a crash or a silent pass.
func TestDeepNesting(t *testing.T) {
	lim := core.DefaultLimits()
	// the payload blob sits at depth n inside n zips
	s := scan("deep.zip", nestZips(t, payload, lim.MaxDepth, true), lim)
	if len(find(s, rules.PickleDangerousImport, core.Critical, "")) == 0 {
		t.Errorf("payload at depth %d not found:\n%s", lim.MaxDepth, dump(s))
	}
	if budgetHit(s, "max_depth") {
		t.Errorf("max_depth hit at the limit:\n%s", dump(s))
	}
	for _, deflate := range []bool{false, true} {
		s = scan("deep.zip", nestZips(t, payload, 20, deflate), lim)
		wantBudget(t, s, "max_depth")
		if len(find(s, rules.PickleDangerousImport, 0, "")) > 0 {
			t.Errorf("payload beyond max_depth reported:\n%s", dump(s))
		}
	}
	// alternating gzip and zip layers count one level each
	data := payload
	for i := 0; i < 10; i++ {
		data = gz(buildZip(t, zm{name: fmt.Sprintf("l%d.pkl", i), data: data, deflate: true}))
	}
	wantBudget(t, scan("mixed.zip.gz", data, lim), "max_depth")
}

// selfSuffixZip is a chain of stored local headers, each member holding the
// rest of the file from the next header on; one central directory entry
// covers them all. Every member is "almost the outer file".
func selfSuffixZip(levels int) []byte {
	const name = "self.zip"
	hdr := 30 + len(name)
	le := binary.LittleEndian
	var cd []byte
	body := make([]byte, 0, levels*hdr)
	total := levels*hdr + 46 + len(name) + 22
	for i := 0; i < levels; i++ {
		size := uint32(total - (i+1)*hdr)
		h := le.AppendUint32(nil, 0x04034b50)
		h = le.AppendUint16(h, 20)
		h = le.AppendUint16(h, 0)
		h = le.AppendUint16(h, 0) // stored
		h = le.AppendUint32(h, 0)
		h = le.AppendUint32(h, 0) // CRC unknown (never checked first)
		h = le.AppendUint32(h, size)
		h = le.AppendUint32(h, size)
		h = le.AppendUint16(h, uint16(len(name)))
		h = le.AppendUint16(h, 0)
		body = append(body, append(h, name...)...)
	}
	size := uint32(total - hdr)
	c := le.AppendUint32(nil, 0x02014b50)
	c = le.AppendUint16(c, 20)
	c = le.AppendUint16(c, 20)
	c = le.AppendUint16(c, 0)
	c = le.AppendUint16(c, 0)
	c = le.AppendUint32(c, 0)
	c = le.AppendUint32(c, 0)
	c = le.AppendUint32(c, size)
	c = le.AppendUint32(c, size)
	c = le.AppendUint16(c, uint16(len(name)))
	c = append(c, make([]byte, 12)...) // extra, comment, disk, attrs
	c = le.AppendUint32(c, 0)          // local header offset
	cd = append(c, name...)
	e := le.AppendUint32(nil, 0x06054b50)
	e = append(e, 0, 0, 0, 0)
	e = le.AppendUint16(e, 1)
	e = le.AppendUint16(e, 1)
	e = le.AppendUint32(e, uint32(len(cd)))
	e = le.AppendUint32(e, uint32(len(body)))
	e = le.AppendUint16(e, 0)
	out := append(append(body, cd...), e...)
	if len(out) != total {
		panic("size")
	}
	return out
}

// Self-referencing containers terminate: a zip whose member is the rest of
// itself, and a zip holding the gzip quine.
func TestSelfReference(t *testing.T) {
	s := scan("self.zip", selfSuffixZip(40), core.DefaultLimits())
	t.Logf("suffix zip:\n%s", dump(s))
	if len(s.Findings)+len(s.Problems) == 0 {
		t.Errorf("nothing reported for a self-referencing zip")
	}
	// the same bytes as member of a zip and of itself, 30 levels
	data := buildZip(t, zm{name: "q.zip", data: selfSuffixZip(30)})
	s = scan("outer.zip", data, core.DefaultLimits())
	if len(s.Findings)+len(s.Problems) == 0 {
		t.Errorf("nothing reported")
	}
}

// A zip bomb: N central entries share one deflate stream of zeros (the
// overlapping-members construction), each inflating to mib MiB.
func overlapBomb(tb testing.TB, members int, mib int64) []byte {
	def, crc := zeroDeflate(mib)
	le := binary.LittleEndian
	const name = "0.bin"
	lh := le.AppendUint32(nil, 0x04034b50)
	lh = le.AppendUint16(lh, 20)
	lh = le.AppendUint16(lh, 0)
	lh = le.AppendUint16(lh, 8)
	lh = le.AppendUint32(lh, 0)
	lh = le.AppendUint32(lh, crc)
	lh = le.AppendUint32(lh, uint32(len(def)))
	lh = le.AppendUint32(lh, uint32(mib<<20))
	lh = le.AppendUint16(lh, uint16(len(name)))
	lh = le.AppendUint16(lh, 0)
	out := append(append(lh, name...), def...)
	cdStart := len(out)
	for i := 0; i < members; i++ {
		c := le.AppendUint32(nil, 0x02014b50)
		c = le.AppendUint16(c, 20)
		c = le.AppendUint16(c, 20)
		c = le.AppendUint16(c, 0)
		c = le.AppendUint16(c, 8)
		c = le.AppendUint32(c, 0)
		c = le.AppendUint32(c, crc)
		c = le.AppendUint32(c, uint32(len(def)))
		c = le.AppendUint32(c, uint32(mib<<20))
		c = le.AppendUint16(c, uint16(len(name)))
		c = append(c, make([]byte, 12)...)
		c = le.AppendUint32(c, 0)
		out = append(append(out, c...), name...)
	}
	e := le.AppendUint32(nil, 0x06054b50)
	e = append(e, 0, 0, 0, 0)
	e = le.AppendUint16(e, uint16(members))
	e = le.AppendUint16(e, uint16(members))
	e = le.AppendUint32(e, uint32(len(out)-cdStart))
	e = le.AppendUint32(e, uint32(cdStart))
	e = le.AppendUint16(e, 0)
	return append(out, e...)
}

// manyMemberBomb: members distinct zip entries, each mib MiB of zeros.
func manyMemberBomb(tb testing.TB, members int, mib int64) []byte {
	def, crc := zeroDeflate(mib)
	ms := make([]zm, members)
	for i := range ms {
		ms[i] = zm{name: fmt.Sprintf("%d.bin", i), comp: def, size: uint64(mib << 20), crc: crc}
	}
	return buildZip(tb, ms...)
}

// gzipBomb is gzip(gzip(10 GiB of zeros)): about 10 KiB... 10 GiB.
func gzipBomb(tb testing.TB) []byte {
	def, crc := zeroDeflate(10 << 10)
	inner := gzipFromDeflate(def, crc, 10<<30)
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	w.Write(inner)
	w.Close()
	return b.Bytes()
}

// hugeDeclared is a zip whose member declares 2^62 uncompressed bytes
// (ZIP64) but holds the payload.
func hugeDeclared(tb testing.TB, data []byte, deflate bool) []byte {
	comp, method := data, zip.Store
	if deflate {
		var c bytes.Buffer
		fw, _ := flate.NewWriter(&c, flate.BestCompression)
		fw.Write(data)
		fw.Close()
		comp, method = c.Bytes(), zip.Deflate
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, err := w.CreateRaw(&zip.FileHeader{Name: "m.pkl", Method: method, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(len(comp)), UncompressedSize64: 1 << 62})
	if err != nil {
		tb.Fatal(err)
	}
	fw.Write(comp)
	w.Close()
	return buf.Bytes()
}

// bombLimits are the default limits with a 64 MiB decode budget: the unit
// tests check what is reported (and stay quick under -race); the
// benchmarks in bomb_test.go time the default 4 GiB budget.
func bombLimits() core.Limits {
	lim := core.DefaultLimits()
	lim.MaxDecompressed = 64 << 20
	return lim
}

func TestZipBombs(t *testing.T) {
	t.Run("overlapping members", func(t *testing.T) {
		z := overlapBomb(t, 1000, 10)
		t.Logf("%d bytes declaring %d GiB", len(z), 1000*10>>10)
		lim := bombLimits()
		lim.MaxDecompressed = 20 << 20 // exactly two members: no remainder to re-decode
		s := scan("bomb.zip", z, lim)
		wantBudget(t, s, "max_decompressed_bytes")
		if len(find(s, rules.ArchiveStructure, 0, "")) == 0 {
			t.Errorf("overlap not reported")
		}
	})
	// once the file's budget is exhausted the remaining members are not
	// decoded again, each up to what is left
	t.Run("budget stop is final", func(t *testing.T) {
		lim := core.DefaultLimits()
		lim.MaxDecompressed = 5<<20 + 512<<10
		start := time.Now()
		s := scan("bomb.zip", overlapBomb(t, 300, 2), lim)
		n := len(find(s, rules.ScanIncomplete, 0, ""))
		t.Logf("%s, %d scan-incomplete findings", time.Since(start), n)
		wantBudget(t, s, "max_decompressed_bytes")
		if n > 2 {
			t.Errorf("%d scan-incomplete findings: every member after the stop decoded the remaining budget again", n)
		}
	})
	t.Run("members of 1 GiB", func(t *testing.T) {
		z := manyMemberBomb(t, 2, 1<<10)
		t.Logf("%d bytes declaring 2 GiB", len(z))
		wantBudget(t, scan("bomb.zip", z, bombLimits()), "max_decompressed_bytes", "max_compression_ratio")
	})
	t.Run("many members", func(t *testing.T) {
		wantBudget(t, scan("bomb.zip", manyMemberBomb(t, 100, 1), bombLimits()), "max_decompressed_bytes")
	})
	// the payload in a member before the bomb member is still found
	t.Run("payload and bomb", func(t *testing.T) {
		def, crc := zeroDeflate(1 << 10)
		z := buildZip(t, zm{name: "a.pkl", data: payload}, zm{name: "b.bin", comp: def, size: 1 << 30, crc: crc})
		s := scan("bomb.zip", z, bombLimits())
		wantCritical(t, s, "bomb.zip:a.pkl")
		wantBudget(t, s, "max_compression_ratio", "max_decompressed_bytes")
	})
}

func TestGzipBomb(t *testing.T) {
	b := gzipBomb(t)
	t.Logf("%d bytes, 10 GiB inside two gzip layers", len(b))
	wantBudget(t, scan("bomb.pkl.gz.gz", b, bombLimits()), "max_compression_ratio", "max_decompressed_bytes")
	def, crc := zeroDeflate(10 << 10)
	single := gzipFromDeflate(def, crc, 10<<30)
	wantBudget(t, scan("bomb.pkl.gz", single, bombLimits()), "max_compression_ratio", "max_decompressed_bytes")
	// a zip member that is a gzip bomb
	wantBudget(t, scan("x.zip", buildZip(t, zm{name: "m.pkl.gz", data: b}), bombLimits()), "max_compression_ratio", "max_decompressed_bytes")
}

func TestHugeDeclaredSize(t *testing.T) {
	for _, deflate := range []bool{false, true} {
		t.Run(fmt.Sprintf("deflate=%v", deflate), func(t *testing.T) {
			s := scan("huge.zip", hugeDeclared(t, payload, deflate), bombLimits())
			wantCritical(t, s, "huge.zip:m.pkl")
			t.Logf("recorded:\n%s", dump(s))
		})
	}
	// a real bomb behind the lie is stopped by what it decodes, not by
	// what it declares
	t.Run("bomb", func(t *testing.T) {
		def, _ := zeroDeflate(1 << 10)
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		fw, _ := w.CreateRaw(&zip.FileHeader{Name: "m.bin", Method: zip.Deflate, CompressedSize64: uint64(len(def)), UncompressedSize64: 1 << 62})
		fw.Write(def)
		w.Close()
		wantBudget(t, scan("huge.zip", buf.Bytes(), bombLimits()), "max_compression_ratio", "max_decompressed_bytes")
	})
	// compressed size 2^62: data past end of file
	t.Run("compressed size past EOF", func(t *testing.T) {
		z := hugeDeclared(t, payload, false)
		// patch the ZIP64 extra of the central directory record: the
		// compressed size follows the uncompressed one
		cd := bytes.LastIndex(z, []byte("PK\x01\x02"))
		i := bytes.Index(z[cd:], []byte{0x01, 0x00, 0x18, 0x00})
		if cd < 0 || i < 0 {
			t.Fatal("no ZIP64 extra written")
		}
		binary.LittleEndian.PutUint64(z[cd+i+12:], 1<<62)
		s := scan("huge.zip", z, bombLimits())
		if len(s.Findings)+len(s.Problems) == 0 {
			t.Errorf("nothing reported:\n%s", dump(s))
		}
		t.Logf("recorded:\n%s", dump(s))
	})
}

// reverseCD rewrites the central directory in reverse member order.
func reverseCD(z []byte) []byte {
	le := binary.LittleEndian
	e := bytes.LastIndex(z, []byte("PK\x05\x06"))
	size, off := int(le.Uint32(z[e+12:])), int(le.Uint32(z[e+16:]))
	var recs [][]byte
	for p := off; p < off+size; {
		n := 46 + int(le.Uint16(z[p+28:])) + int(le.Uint16(z[p+30:])) + int(le.Uint16(z[p+32:]))
		recs = append(recs, z[p:p+n])
		p += n
	}
	out := append([]byte(nil), z[:off]...)
	for i := len(recs) - 1; i >= 0; i-- {
		out = append(out, recs[i]...)
	}
	return append(out, z[off+size:]...)
}

// bigArchive is a 70 MiB archive (more than streams.InMemory, so a
// compressed copy is decoded again on demand) of 300 incompressible
// members, with the payload as the last member.
func bigArchive(tb testing.TB, kind string) []byte {
	rnd := rand.New(rand.NewSource(1))
	var zs []zm
	var ts []tm
	for i := 0; i < 299; i++ {
		d := make([]byte, 240<<10)
		rnd.Read(d)
		zs = append(zs, zm{name: fmt.Sprintf("%03d.txt", i), data: d})
		ts = append(ts, tm{fmt.Sprintf("%03d.txt", i), d})
	}
	zs = append(zs, zm{name: "299.pkl", data: payload})
	ts = append(ts, tm{"299.pkl", payload})
	var raw []byte
	switch kind {
	case "zip":
		raw = buildZip(tb, zs...)
	case "zip-reversed":
		raw = reverseCD(buildZip(tb, zs...))
	case "tar":
		raw = buildTar(tb, ts...)
	}
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.NoCompression) // cheap to build and to decode
	w.Write(raw)
	w.Close()
	return b.Bytes()
}

// An archive larger than streams.InMemory inside gzip (gzip big.zip,
// model.tar.gz) is scanned completely: every member, the payload in the
// last one, without "too many backward reads" errors.
func TestSpilledArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and scans 70 MiB archives")
	}
	for _, kind := range []string{"zip", "zip-reversed", "tar"} {
		t.Run(kind, func(t *testing.T) {
			if kind == "tar" {
			}
			name := "big." + strings.TrimSuffix(kind, "-reversed") + ".gz"
			start := time.Now()
			s := scan(name, bigArchive(t, kind), core.DefaultLimits())
			t.Logf("%s: %d findings, %d problems", time.Since(start), len(s.Findings), len(s.Problems))
			wantCritical(t, s, name+":299.pkl")
			if len(s.Problems) > 0 {
				t.Errorf("%d errors, first: %+v", len(s.Problems), s.Problems[0])
			}
			for _, f := range s.Findings {
				if f.Severity > core.Low && f.Rule != rules.PickleDangerousImport {
					t.Errorf("false finding on a well-formed archive: %s %s %s (%s)", f.Severity, f.Rule, f.Source, f.Evidence)
					break
				}
			}
		})
	}
}

// Too many members: max_members.
func TestMaxMembersNested(t *testing.T) {
	lim := core.DefaultLimits()
	lim.MaxMembers = 50
	ms := make([]zm, 60)
	for i := range ms {
		ms[i] = zm{name: fmt.Sprintf("%d.txt", i), data: []byte("x")}
	}
	wantBudget(t, scan("many.zip.gz", gz(buildZip(t, ms...)), lim), "max_members")
}
