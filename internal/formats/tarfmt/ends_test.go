package tarfmt

import (
	"bytes"
	"io"
	"math/rand"
	"testing"
)

// countingAt counts the reads that reach the source.
type countingAt struct {
	r     io.ReaderAt
	reads int
}

func (c *countingAt) ReadAt(p []byte, off int64) (int, error) { c.reads++; return c.r.ReadAt(p, off) }

// endsCached reads exactly like the section it wraps, and serves re-reads
// of the head and the tail from memory.
func TestEndsCached(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	data := make([]byte, 4*headSize)
	rnd.Read(data)
	for _, size := range []int64{0, 1, 511, headSize, headSize + 1, headSize + tailSize + 7, 3 * headSize} {
		for _, short := range []int64{0, 100} { // the source holds all, or 100 bytes less
			src := &countingAt{r: bytes.NewReader(data[:100+size-short])}
			want := io.NewSectionReader(bytes.NewReader(data[:100+size-short]), 100, size)
			got := newEndsCached(io.NewSectionReader(src, 100, size))
			for range 400 {
				off, n := rnd.Int63n(size+10)-2, rnd.Intn(3*headSize)
				p, q := make([]byte, n), make([]byte, n)
				n1, err1 := want.ReadAt(p, off)
				n2, err2 := got.ReadAt(q, off)
				if n1 != n2 || (err1 == nil) != (err2 == nil) || !bytes.Equal(p[:n1], q[:n2]) {
					t.Fatalf("size %d-%d: ReadAt(%d, %d) = %d, %v; want %d, %v", size, short, n, off, n2, err2, n1, err1)
				}
			}
			if short > 0 || size == 0 {
				continue
			}
			src.reads = 0
			got.ReadAt(make([]byte, min(size, 512)), 0)
			got.ReadAt(make([]byte, min(size, 22)), size-min(size, 22))
			if src.reads != 0 {
				t.Errorf("size %d: a re-read of an end reached the source", size)
			}
		}
	}
}
