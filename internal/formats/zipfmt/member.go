package zipfmt

import (
	"fmt"
	"io"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/streams"
	"github.com/modelscan-go/modelscan/internal/zipx"
)

// openMember returns a blob of a member's uncompressed data and a CRC or
// size disagreement found while inflating. Stored members are read in place
// (zero copy); deflated ones are decoded with the file's budgets. It returns
// nil when the member cannot be read (already reported).
func openMember(s *core.Session, b *core.Blob, m *zipx.Member) (*core.Blob, error) {
	if sr, n, ok := m.ReaderAt(b.R); ok {
		return b.Child(m.Name, sr, n), nil
	}
	if _, err := m.Open(b.R, 0); err != nil {
		s.Fail(b.Child(m.Name, nil, 0), core.CatNestedZip, fmt.Errorf("member cannot be read: %w", err))
		return nil, nil
	}
	open := func() (io.Reader, error) { return m.Open(b.R, -1) }
	child, d := streams.Child(s, b, m.Name, open, int64(m.CompressedSize))
	if child == nil {
		return nil, nil
	}
	if dr, ok := d.First.(*zipx.DataReader); ok {
		return child, dr.Mismatch()
	}
	return child, nil
}

// storedMismatch reads a stored member to verify its CRC and size.
func storedMismatch(r io.ReaderAt, m *zipx.Member) error {
	d, err := m.Open(r, -1)
	if err != nil {
		return nil
	}
	if _, err := io.Copy(io.Discard, d); err != nil {
		return nil
	}
	return d.Mismatch()
}
