package numpyfmt

import (
	"io"

	"github.com/modelscan-go/modelscan/internal/core"
)

func sectionOf(b *core.Blob, off, n int64) io.ReaderAt { return io.NewSectionReader(b.R, off, n) }
