package pickle

// Benchmarks of the pickle machine. Run with
//
//	go test -bench . -benchmem -run XXX ./internal/pickle/
//
// See docs/benchmarks.md for the targets and recorded numbers.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/modelscan-go/modelscan/internal/pklasm"
)

// countObs counts events; it stands in for the scanner's observer.
type countObs struct{ n int }

func (o *countObs) Observe(*Event) { o.n++ }

// framed lays chunks (each a run of whole opcodes) into protocol-4 frames of
// at least 64 KiB, as CPython's framer does, after PROTO 4 and before STOP.
func framed(chunks [][]byte) []byte {
	const frameSize = 64 << 10
	var out bytes.Buffer
	out.Write([]byte{0x80, 4})
	var cur []byte
	flush := func() {
		if len(cur) == 0 {
			return
		}
		var hdr [9]byte
		hdr[0] = 0x95
		binary.LittleEndian.PutUint64(hdr[1:], uint64(len(cur)))
		out.Write(hdr[:])
		out.Write(cur)
		cur = cur[:0]
	}
	for _, c := range chunks {
		cur = append(cur, c...)
		if len(cur) >= frameSize {
			flush()
		}
	}
	cur = append(cur, '.')
	flush()
	return out.Bytes()
}

// dictsPickle builds what pickle.dumps([{'id': i, 'name': f'n{i}', 'v': (i,
// i*0.5)} for i in range(n)], protocol=4) writes: every dict, string and
// tuple is memoized, the keys after the first dict are BINGETs, APPENDS
// batches of 1000.
func dictsPickle(n int) []byte {
	var chunks [][]byte
	memo := 0
	put := func(a *pklasm.A) int { a.Memoize(); memo++; return memo - 1 }
	get := func(a *pklasm.A, i int) {
		if i < 256 {
			a.BinGet(byte(i))
		} else {
			a.LongBinGet(i)
		}
	}
	head := pklasm.New().EmptyList()
	put(head)
	chunks = append(chunks, head.Bytes())
	keys := map[string]int{}
	key := func(a *pklasm.A, k string) {
		if i, ok := keys[k]; ok {
			get(a, i)
			return
		}
		a.Str(k)
		keys[k] = put(a)
	}
	for i := 0; i < n; i++ {
		a := pklasm.New()
		if i%1000 == 0 {
			a.Mark()
		}
		a.EmptyDict()
		put(a)
		a.Mark()
		key(a, "id")
		a.Int(i)
		key(a, "name")
		a.Str(fmt.Sprintf("n%d", i))
		put(a)
		key(a, "v")
		a.Int(i).BinFloat(float64(i) * 0.5).Tuple2()
		put(a)
		a.SetItems()
		if i%1000 == 999 || i == n-1 {
			a.Appends()
		}
		chunks = append(chunks, a.Bytes())
	}
	return framed(chunks)
}

var (
	dictsOnce sync.Once
	dictsData []byte
)

func BenchmarkRunDicts(b *testing.B) {
	dictsOnce.Do(func() { dictsData = dictsPickle(200_000) })
	p := dictsData
	for _, mode := range []struct {
		name string
		m    FrameMode
	}{{"linear", FrameLinear}, {"exact", FrameExact}, {"python", FramePython}} {
		b.Run(mode.name, func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			var ops int64
			for i := 0; i < b.N; i++ {
				res, err := Run(bytes.NewReader(p), 0, int64(len(p)), Config{Mode: mode.m}, &countObs{})
				if err != nil || res.Pickles != 1 {
					b.Fatalf("pickles=%d err=%v", res.Pickles, err)
				}
				ops = res.Ops
			}
			b.ReportMetric(float64(ops), "ops/run")
			b.ReportMetric(float64(ops)*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ops*int64(b.N)), "ns/opcode")
		})
	}
}

// synth is an io.ReaderAt over prefix + n virtual payload bytes + suffix.
// The payload is never allocated: reads of it are filled with fill. It
// counts the bytes it hands out.
type synth struct {
	prefix, suffix []byte
	n              int64
	fill           byte
	read           atomic.Int64
	calls          atomic.Int64
}

func (s *synth) size() int64 { return int64(len(s.prefix)) + s.n + int64(len(s.suffix)) }

func (s *synth) ReadAt(p []byte, off int64) (int, error) {
	s.calls.Add(1)
	if off < 0 {
		return 0, io.EOF
	}
	total := 0
	for len(p) > 0 && off < s.size() {
		var k int
		switch pl := int64(len(s.prefix)); {
		case off < pl:
			k = copy(p, s.prefix[off:])
		case off < pl+s.n:
			k = int(min(int64(len(p)), pl+s.n-off))
			for i := range p[:k] {
				p[i] = s.fill
			}
		default:
			k = copy(p, s.suffix[off-pl-s.n:])
		}
		p, off, total = p[k:], off+int64(k), total+k
	}
	s.read.Add(int64(total))
	if len(p) > 0 {
		return total, io.EOF
	}
	return total, nil
}

// BenchmarkRunLargePayload runs a pickle whose only content is one 100 MB
// payload (BINBYTES8, BYTEARRAY8 or BINUNICODE8) read through a ReaderAt that
// synthesizes the payload without allocating it. bytes-read/op shows the
// payload is skipped, not read.
func BenchmarkRunLargePayload(b *testing.B) {
	const n = 100 << 20
	for _, tc := range []struct {
		name string
		op   byte
	}{{"BINBYTES8", 0x8e}, {"BYTEARRAY8", 0x96}, {"BINUNICODE8", 0x8d}} {
		b.Run(tc.name, func(b *testing.B) {
			prefix := []byte{0x80, 5, tc.op}
			prefix = binary.LittleEndian.AppendUint64(prefix, n)
			src := &synth{prefix: prefix, suffix: pklasm.New().Memoize().Tuple1().Stop().Bytes(), n: n, fill: 'a'}
			b.SetBytes(src.size())
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				res, err := Run(src, 0, src.size(), Config{}, &countObs{})
				if err != nil || res.Pickles != 1 {
					b.Fatalf("pickles=%d err=%v", res.Pickles, err)
				}
			}
			per := float64(src.read.Load()) / float64(b.N)
			b.ReportMetric(per, "bytes-read/op")
			b.ReportMetric(float64(src.calls.Load())/float64(b.N), "ReadAt-calls/op")
			if per > 1<<20 {
				b.Fatalf("read %.0f bytes per run of a %d-byte pickle: the payload is not skipped", per, src.size())
			}
		})
	}
}

// BenchmarkFrameHeavy runs a pickle made of many tiny frames (one APPEND of
// a small int per frame), stressing FRAME handling in each frame mode.
func BenchmarkFrameHeavy(b *testing.B) {
	const items = 200_000
	a := pklasm.New().Proto(4)
	head := pklasm.New().EmptyList().Memoize().Bytes()
	a.Frame(len(head)).Raw(head...)
	for i := 0; i < items; i++ {
		body := pklasm.New().Int(i & 0xff).Append().Bytes()
		a.Frame(len(body)).Raw(body...)
	}
	a.Frame(1).Stop()
	p := a.Bytes()
	for _, mode := range []struct {
		name string
		m    FrameMode
	}{{"linear", FrameLinear}, {"exact", FrameExact}, {"python", FramePython}} {
		b.Run(mode.name, func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			var ops int64
			for i := 0; i < b.N; i++ {
				res, err := Run(bytes.NewReader(p), 0, int64(len(p)), Config{Mode: mode.m}, &countObs{})
				if err != nil || res.Pickles != 1 || res.Straddled {
					b.Fatalf("pickles=%d straddled=%v err=%v", res.Pickles, res.Straddled, err)
				}
				ops = res.Ops
			}
			b.ReportMetric(float64(ops)*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}
