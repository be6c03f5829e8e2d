package formats_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ulikunitz/xz/lzma"

	"github.com/modelscan-go/modelscan/internal/core"
)

// Bomb benchmarks: each hostile file must be scanned in under 1 s of CPU
// per operation with the default limits, ending in a budget finding. They
// report ns/op, CPU time and the peak Go heap during the scan (MB-peak,
// sampled with runtime.ReadMemStats every 2 ms). Run with
//
//	go test -run XXX -bench 'Bomb|DeepNest|HugeDeclared' -benchtime 1x ./internal/formats/

const bombTarget = time.Second

// benchScan scans data b.N times, checks every session and reports the
// heap peak; an operation slower than bombTarget is an error.
func benchScan(b *testing.B, name string, data []byte, lim core.Limits, check func(*core.Session) error) {
	b.Helper()
	benchScanWithin(b, bombTarget, name, data, lim, check)
}

// benchScanWithin is benchScan with another target time per scan.
func benchScanWithin(b *testing.B, target time.Duration, name string, data []byte, lim core.Limits, check func(*core.Session) error) {
	b.Helper()
	runtime.GC()
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	var last *core.Session
	for i := 0; i < b.N; i++ {
		s := scan(name, data, lim)
		if err := check(s); err != nil {
			b.Errorf("%v:\n%s", err, dump(s))
		}
		last = s
	}
	per := time.Since(start) / time.Duration(b.N)
	cpu := (cpuTime() - cpu0) / time.Duration(b.N)
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load())/(1<<20), "MB-peak")
	b.ReportMetric(float64(len(data))/1024, "KB-input")
	b.ReportMetric(cpu.Seconds(), "cpu-s/op")
	// failed benchmarks print no metrics: log them too
	b.Logf("%s: %d ns/op (%s wall, %s CPU), %.1f MB-peak heap, input %.1f KB, stopped by %s", name, per.Nanoseconds(), per.Round(time.Millisecond),
		cpu.Round(time.Millisecond), float64(peak.Load())/(1<<20), float64(len(data))/1024, stoppedBy(last))
	// judged on CPU time: on a shared machine the wall time measures the
	// other load as much as the scan (a scan is single-threaded)
	if cpu > target {
		b.Errorf("%s: %s of CPU per scan (%s wall), target < %s", name, cpu.Round(time.Millisecond), per.Round(time.Millisecond), target)
	}
}

// stoppedBy lists the budgets of the scan-incomplete findings of s.
func stoppedBy(s *core.Session) string {
	var out []string
	if s != nil {
		for _, f := range s.Findings {
			if f.Rule == "scan-incomplete" {
				out = append(out, strings.TrimPrefix(f.Description, "Scan incomplete: budget "))
			}
		}
	}
	if len(out) == 0 {
		return "no budget"
	}
	return strings.Join(out, ", ")
}

// cpuTime is the process's user+system CPU time (the machine may be shared:
// CPU time is steadier than wall time).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func budgetCheck(budgets ...string) func(*core.Session) error {
	return func(s *core.Session) error {
		if !budgetHit(s, budgets...) {
			return fmt.Errorf("no scan-incomplete finding naming %v", budgets)
		}
		return nil
	}
}

// anyBudget: the decoding budgets, any of which may stop a bomb first.
var anyBudget = []string{"max_decompressed_bytes", "max_compression_ratio", "max_file_compression_ratio"}

func BenchmarkZipBomb(b *testing.B) {
	b.Run("overlap-1000x10MiB", func(b *testing.B) {
		benchScan(b, "bomb.zip", overlapBomb(b, 1000, 10), core.DefaultLimits(), budgetCheck(anyBudget...))
	})
	b.Run("members-10x1GiB", func(b *testing.B) {
		benchScan(b, "bomb.zip", manyMemberBomb(b, 10, 1<<10), core.DefaultLimits(), budgetCheck(anyBudget...))
	})
	b.Run("members-10x1GiB-ratio100", func(b *testing.B) {
		lim := core.DefaultLimits()
		lim.MaxRatio = 100
		benchScan(b, "bomb.zip", manyMemberBomb(b, 10, 1<<10), lim, budgetCheck("max_compression_ratio"))
	})
	// Every stream under the per-stream ratio: the per-file ratio stops
	// the total. Set to 100 here, a 10 MB input inflates at most 1 GB, so
	// the target is 2 s. (With the default of 1000, which spares benign
	// highly compressible files, max_decompressed_bytes stops such a file
	// at 4 GiB: about 3.5 s of CPU, see docs/benchmarks.md.)
	b.Run("members-10x1GiB-ratio2000-file100", func(b *testing.B) {
		lim := core.DefaultLimits()
		lim.MaxRatio = 2000
		lim.MaxFileRatio = 100
		benchScanWithin(b, 2*time.Second, "bomb.zip", manyMemberBomb(b, 10, 1<<10), lim, budgetCheck("max_file_compression_ratio"))
	})
}

func BenchmarkGzipBomb(b *testing.B) {
	b.Run("2-layers-10GiB", func(b *testing.B) {
		benchScan(b, "bomb.pkl.gz.gz", gzipBomb(b), core.DefaultLimits(), budgetCheck(anyBudget...))
	})
	b.Run("1-layer-10GiB", func(b *testing.B) {
		def, crc := zeroDeflate(10 << 10)
		benchScan(b, "bomb.pkl.gz", gzipFromDeflate(def, crc, 10<<30), core.DefaultLimits(), budgetCheck(anyBudget...))
	})
	// the ratio budgets off: the decoded-bytes budget alone
	b.Run("1-layer-10GiB-budget256MiB-no-ratio", func(b *testing.B) {
		def, crc := zeroDeflate(10 << 10)
		lim := core.DefaultLimits()
		lim.MaxDecompressed, lim.MaxRatio, lim.MaxFileRatio = 256<<20, 0, 0
		benchScan(b, "bomb.pkl.gz", gzipFromDeflate(def, crc, 10<<30), lim, budgetCheck("max_decompressed_bytes"))
	})
}

func BenchmarkDeepNest(b *testing.B) {
	b.Run("zip-20", func(b *testing.B) {
		benchScan(b, "deep.zip", nestZips(b, payload, 20, true), core.DefaultLimits(), budgetCheck("max_depth"))
	})
	b.Run("zip-gzip-alternating-20", func(b *testing.B) {
		data := payload
		for i := 0; i < 10; i++ {
			data = gz(buildZip(b, zm{name: fmt.Sprintf("l%d.pkl", i), data: data, deflate: true}))
		}
		benchScan(b, "deep.zip.gz", data, core.DefaultLimits(), budgetCheck("max_depth"))
	})
	b.Run("self-suffix-zip", func(b *testing.B) {
		benchScan(b, "self.zip", selfSuffixZip(40), core.DefaultLimits(), func(s *core.Session) error {
			if len(s.Findings)+len(s.Problems) == 0 {
				return fmt.Errorf("nothing reported")
			}
			return nil
		})
	})
}

func BenchmarkHugeDeclaredSize(b *testing.B) {
	b.Run("zip64-2^62-payload", func(b *testing.B) {
		benchScan(b, "huge.zip", hugeDeclared(b, payload, true), core.DefaultLimits(), func(s *core.Session) error {
			if len(find(s, "pickle-dangerous-import", core.Critical, "huge.zip:m.pkl")) == 0 {
				return fmt.Errorf("payload not found")
			}
			return nil
		})
	})
	// a 56-byte .lzma whose header asks for a 256 MiB dictionary
	b.Run("lzma-dict-256MiB", func(b *testing.B) {
		var buf bytes.Buffer
		w, _ := lzma.NewWriter(&buf)
		w.Write(payload)
		w.Close()
		l := buf.Bytes()
		binary.LittleEndian.PutUint32(l[1:5], 1<<28)
		benchScan(b, "x.pkl.lzma", l, core.DefaultLimits(), func(s *core.Session) error {
			if len(find(s, "pickle-dangerous-import", core.Critical, "x.pkl.lzma")) == 0 {
				return fmt.Errorf("payload not found")
			}
			return nil
		})
	})
	b.Run("zip64-2^62-1GiB-zeros", func(b *testing.B) {
		def, crc := zeroDeflate(1 << 10)
		z := buildZip(b, zm{name: "m.bin", comp: def, size: 1 << 62, crc: crc})
		benchScan(b, "huge.zip", z, core.DefaultLimits(), budgetCheck(anyBudget...))
	})
}
