package zipx

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestRealFiles opens the real PyTorch and NumPy archives in the repository:
// they must be sniffed, open without anomalies and read with correct CRCs.
func TestRealFiles(t *testing.T) {
	var files []string
	for _, pat := range []string{"*/*.pt", "*/*.pth", "*/*.npz", "*/*.bin"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "real", pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("no real archives in testdata/real")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !Sniff(b, bytes.NewReader(b), int64(len(b))) {
			t.Logf("%s: not a zip", f) // legacy (pre-1.6) torch.save format
			continue
		}
		z := open(t, b)
		if k := kinds(z); k != "" {
			t.Errorf("%s: anomalies %s", f, k)
		}
		for _, m := range z.Members {
			d, err := m.Open(bytes.NewReader(b), 1<<24)
			if err != nil {
				t.Fatalf("%s %s: %v", f, m.Name, err)
			}
			d.Strict = true
			if _, err := io.Copy(io.Discard, d); err != nil {
				t.Errorf("%s %s: %v", f, m.Name, err)
			}
		}
		t.Logf("%s: %d members", f, len(z.Members))
	}
}
