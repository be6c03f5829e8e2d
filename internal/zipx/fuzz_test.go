package zipx

import (
	"bytes"
	"io"
	"runtime/metrics"
	"testing"
)

// seeds are the interesting archives of the other tests.
func seeds(t testing.TB) [][]byte {
	one := []entry{{name: "archive/data.pkl", method: 8, content: pkl}}
	return [][]byte{
		goZip(t, "comment", 0),
		append([]byte("prefix"), goZip(t, "", 0)...),
		build(one, opts{}),
		build([]entry{{name: "a", method: 8, content: pkl, zip64: true}, {name: "b", content: pkl, zip64: true}}, opts{zip64: true}),
		build([]entry{{name: "a", flags: 1, content: pkl}}, opts{}),
		build([]entry{{name: "a", method: 8, content: pkl, crc: p32(1)}}, opts{}),
		build([]entry{{name: "a", localName: ps("b"), content: pkl}, {name: "a", content: pkl}}, opts{}),
		build([]entry{{name: "a", content: pkl}, {name: "b", sameAs: 1}}, opts{}),
		build(one, opts{cutCD: 10}),
		build(one, opts{cdOffsetAdd: 1 << 30}),
		build([]entry{{name: "a", method: 8, content: pkl, uncomp: p64(1 << 62)}}, opts{}),
		build([]entry{{name: "../x", method: 12, content: pkl}}, opts{trailing: []byte("t"), comment: "c"}),
		build(nil, opts{}),
	}
}

// FuzzOpen opens arbitrary bytes and reads every member with a small limit:
// no panic, bounded allocation, limits respected.
func FuzzOpen(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		before := heapAllocs()
		r := bytes.NewReader(b)
		Sniff(b, r, int64(len(b)))
		z, err := Open(r, int64(len(b)), Limits{MaxMembers: 32})
		if z == nil {
			if err == nil {
				t.Fatal("nil Reader without error")
			}
			return
		}
		for _, m := range z.Members {
			if sr, n, ok := m.ReaderAt(r); ok {
				if n < 0 || m.DataOffset+n > int64(len(b)) {
					t.Fatalf("ReaderAt out of range: %d+%d > %d", m.DataOffset, n, len(b))
				}
				io.Copy(io.Discard, io.LimitReader(sr, 1<<12))
			}
			d, err := m.Open(r, 1<<12)
			if err != nil {
				continue
			}
			n, _ := io.Copy(io.Discard, d)
			if n > 1<<12 {
				t.Fatalf("read %d bytes past the limit", n)
			}
			d.Close()
		}
		if a := heapAllocs() - before; a > 8<<20 {
			t.Fatalf("allocated %d bytes for a %d-byte input", a, len(b))
		}
	})
}

// heapAllocs returns the cumulative bytes allocated by the process, without
// stopping the world as runtime.ReadMemStats does.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// bigArchive is a lazily synthesized checkpoint: a small data.pkl and a
// 50 MB stored tensor that is never materialized.
func bigArchive() *lazy {
	return newLazy(craft([]entry{
		{name: "archive/data.pkl", method: 8, content: pkl},
		{name: "archive/data/0", zeros: 50 << 20},
		{name: "archive/version", content: []byte("3\n")},
	}, opts{}))
}

func TestOpenReadsLittle(t *testing.T) {
	l := bigArchive()
	c := &counting{r: l}
	z, err := Open(c, l.size, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if n := c.n.Load(); n > 100<<10 {
		t.Errorf("Open read %d bytes", n)
	}
	if k := kinds(z); k != "" {
		t.Errorf("anomalies: %s", k)
	}
	d, err := z.Members[0].Open(c, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if data, err := io.ReadAll(d); err != nil || !bytes.Equal(data, pkl) {
		t.Errorf("%q %v", data, err)
	}
	sr, n, ok := z.Members[1].ReaderAt(c)
	if !ok || n != 50<<20 {
		t.Fatalf("ReaderAt %v %d", ok, n)
	}
	var buf [16]byte
	if _, err := sr.ReadAt(buf[:], n-16); err != nil || buf != [16]byte{} {
		t.Errorf("tail of tensor: %v %v", buf, err)
	}
	if n := c.n.Load(); n > 100<<10 {
		t.Errorf("Open + data.pkl read %d bytes", n)
	}
}

func BenchmarkOpenLargeStored(b *testing.B) {
	l := bigArchive()
	c := &counting{r: l}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(c, l.size, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.n.Load())/float64(b.N), "bytes-read/op")
}
