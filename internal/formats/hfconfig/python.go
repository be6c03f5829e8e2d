package hfconfig

// Python files of the repository: scanned with the static rules of
// internal/pysrc (nothing is imported or run).

import (
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pysrc"
)

// MaxSourceBytes bounds the Python source analysed per file.
const MaxSourceBytes = 16 << 20

func (h *Handler) scanPython(s *core.Session, b *core.Blob) error {
	s.MarkScanned(b)
	size := min(b.Size, MaxSourceBytes)
	buf := make([]byte, size)
	n, err := b.R.ReadAt(buf, 0)
	if b.Size > MaxSourceBytes {
		s.Budget(b, "max_python_source_bytes", fmt.Errorf("%s: only the first %d of %d bytes were analysed", b.Base(), MaxSourceBytes, b.Size))
	}
	module, pkg := moduleOf(b.Name)
	var hits pysrc.Hits
	pysrc.ScanModule(h.policy(), string(buf[:n]), module, pkg, &hits)
	for _, f := range hits.Findings(b.Base(), "Python source shipped with the model") {
		f.Scanner = ScannerName
		s.Add(b, f)
	}
	if int64(n) < size && err != nil && err != io.EOF {
		s.Fail(b, core.CatPath, fmt.Errorf("%s: read after %d bytes: %w", b.Base(), n, err))
	}
	return nil
}

// moduleOf returns the module a Python file defines, as remote code
// imports it (the file's stem; the directory for a package __init__).
func moduleOf(name string) (string, bool) {
	name = strings.ReplaceAll(name, "\\", "/")
	base := path.Base(name)
	if base == "__init__.py" {
		if dir := path.Base(path.Dir(name)); dir != "." && dir != "/" {
			return dir, true
		}
		return "__init__", true
	}
	return strings.TrimSuffix(base, path.Ext(base)), false
}
