package engine

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// readSmall returns the whole file whatever the size hint says (the file
// may have changed since the walk), and reports a file over the limit.
func TestReadSmallHint(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 511, 512, 513, 4096, 70000} {
		data := bytes.Repeat([]byte{'x'}, size)
		path := filepath.Join(dir, "f")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, hint := range []int64{-1, 0, int64(size) / 2, int64(size), int64(size) * 3, 1 << 40} {
			got, whole, err := readSmall(path, 65536, hint)
			if err != nil {
				t.Fatalf("size %d, hint %d: %v", size, hint, err)
			}
			if want := size <= 65536; whole != want {
				t.Errorf("size %d, hint %d: whole %v, want %v", size, hint, whole, want)
			}
			if whole && !bytes.Equal(got, data) {
				t.Errorf("size %d, hint %d: read %d bytes", size, hint, len(got))
			}
		}
	}
}
