package protowalk

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzWalk walks arbitrary bytes as nested messages. Every field must lie
// inside the span it was found in, and a walk may only fail with *Error or
// the budget.
func FuzzWalk(f *testing.F) {
	seeds, _ := filepath.Glob("../formats/tffmt/testdata/*/*")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Add([]byte{0x0a, 0x02, 0x08, 0x01, 0x10, 0x05})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), int64(len(data)), 10000)
		var walk func(sp Span, depth int)
		walk = func(sp Span, depth int) {
			err := r.Walk(sp, func(f Field) error {
				if f.Off < sp.Off || f.Off >= sp.End() {
					t.Fatalf("field tag at %d outside %+v", f.Off, sp)
				}
				if f.Type == 2 {
					if f.Data.Off <= f.Off || f.Data.End() > sp.End() || f.Data.Len < 0 {
						t.Fatalf("payload %+v outside %+v", f.Data, sp)
					}
					if b, _, err := r.Read(f.Data, 16); err != nil || int64(len(b)) != min(f.Data.Len, 16) {
						t.Fatalf("Read %+v: %d bytes, %v", f.Data, len(b), err)
					}
					if depth < 8 {
						walk(f.Data, depth+1)
					}
				}
				return nil
			})
			var pe *Error
			if err != nil && !errors.As(err, &pe) && !errors.Is(err, ErrBudget) {
				t.Fatalf("unexpected error %v", err)
			}
		}
		walk(r.All(), 0)
	})
}
