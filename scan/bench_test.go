package scan

// Benchmarks of whole scans. Run with
//
//	go test -bench . -benchmem -run XXX ./scan/
//
// BenchmarkScanBenchInputs scans the large inputs bench/gen.py writes (in
// $BENCH_DIR, default /tmp/modelscan-bench) and is skipped when they are
// missing; use it with -cpuprofile / -memprofile to profile one input:
//
//	go test -run XXX -bench 'ScanBenchInputs/dicts' -benchtime 1x -cpuprofile cpu.out ./scan/
//
// See docs/benchmarks.md.

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/modelscan-go/modelscan/internal/pklasm"
)

// smallDir fills a temporary directory with n small benign model files:
// copies of testdata/real (every format) and pklasm-built plain-data pickles.
func smallDir(b *testing.B, n int) string {
	b.Helper()
	var real []string
	root := filepath.Join("..", "testdata", "real")
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) != ".py" && filepath.Ext(p) != ".md" && filepath.Ext(p) != ".json" {
			real = append(real, p)
		}
		return nil
	})
	sort.Strings(real)
	if len(real) == 0 {
		b.Fatalf("no files under %s", root)
	}
	dir := b.TempDir()
	for i := 0; i < n; i++ {
		var data []byte
		var name string
		if i%2 == 0 {
			src := real[(i/2)%len(real)]
			var err error
			if data, err = os.ReadFile(src); err != nil {
				b.Fatal(err)
			}
			name = fmt.Sprintf("f%05d_%s", i, filepath.Base(src))
		} else {
			a := pklasm.New().Proto(4).EmptyDict().Memoize().Mark()
			a.Str("id").Memoize().Int(i).Str("name").Memoize().Str(fmt.Sprintf("model%d", i)).Memoize()
			a.Str("w").Memoize().Mark().BinFloat(float64(i)).BinFloat(0.5).Tuple().Memoize()
			data = a.SetItems().Stop().Bytes()
			name = fmt.Sprintf("f%05d.pkl", i)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

func BenchmarkScanSmallFiles(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		dir := smallDir(b, n)
		for _, jobs := range []int{1, 2} {
			b.Run(fmt.Sprintf("files=%d/j=%d", n, jobs), func(b *testing.B) {
				s, err := New(Options{Jobs: jobs})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					res, err := s.Scan(context.Background(), dir)
					if err != nil {
						b.Fatal(err)
					}
					if len(res.Scanned) < n {
						b.Fatalf("scanned %d of %d files; errors: %v", len(res.Scanned), n, res.Errors)
					}
				}
				per := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(n)
				b.ReportMetric(per, "ns/file")
				b.ReportMetric(1e9/per, "files/s")
			})
		}
	}
}

// BenchmarkScanBenchInputs scans the bench/gen.py inputs (skipped when absent).
func BenchmarkScanBenchInputs(b *testing.B) {
	dir := os.Getenv("BENCH_DIR")
	if dir == "" {
		dir = "/tmp/modelscan-bench"
	}
	for _, in := range []struct{ name, file string }{
		{"small", "small.pkl"},
		{"objects", "objects.npy"},
		{"dicts", "dicts.pkl"},
		{"forest", "forest.pkl"},
		{"checkpoint", "checkpoint_1g.pt"},
		{"many", "many"}, // 5,000 small files, -j 1
	} {
		b.Run(in.name, func(b *testing.B) {
			p := filepath.Join(dir, in.file)
			st, err := os.Stat(p)
			if err != nil {
				b.Skipf("%s missing: run bench/gen.py", p)
			}
			s, err := New(Options{Jobs: 1})
			if err != nil {
				b.Fatal(err)
			}
			if !st.IsDir() {
				b.SetBytes(st.Size())
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				res, err := s.Scan(context.Background(), p)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Errors) > 0 {
					b.Fatalf("errors: %v", res.Errors)
				}
			}
			if st.IsDir() {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/5000, "ns/file")
			}
		})
	}
}
