package kerasfmt_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/kerasfmt"
	"github.com/modelscan-go/modelscan/internal/hdf5"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// FuzzKerasH5 runs the HDF5 handler on arbitrary bytes (nested streams
// routed through the test dispatcher under small budgets). It must not
// panic, must mark the file scanned, and must never leave a file it could
// not read without a finding or a problem.
func FuzzKerasH5(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.h5")
	if len(files) == 0 {
		f.Fatal("no fixtures")
	}
	for _, p := range files {
		f.Add(fixture(f, filepath.Base(p)))
	}
	lim := core.DefaultLimits()
	lim.MaxOpcodes, lim.MaxMemo, lim.MaxStack, lim.MaxMembers = 50000, 10000, 10000, 200
	lim.MaxDecompressed, lim.MaxDepth = 8<<20, 4
	// small reader limits keep each input fast (a crafted file may make
	// the reader decode up to MaxTotalBytes of strings)
	h := &kerasfmt.H5Handler{Pol: scantest.Policy(), Limits: hdf5.Limits{MaxObjects: 20000, MaxAttrBytes: 1 << 20,
		MaxBlockBytes: 1 << 20, MaxTotalBytes: 8 << 20}}
	d := dispatcher(lim)
	f.Fuzz(func(t *testing.T, data []byte) {
		s := core.NewSession(context.Background(), lim, d)
		b := &core.Blob{Source: "f.h5", Name: "f.h5", R: bytes.NewReader(data), Size: int64(len(data))}
		if err := h.Scan(s, b); err != nil {
			t.Fatalf("error %v", err)
		}
		if len(s.Scanned) == 0 || s.Scanned[0] != "f.h5" {
			t.Fatalf("not marked scanned: %q", s.Scanned)
		}
		for _, fd := range s.Findings {
			if fd.Rule == "" || fd.Severity < core.Low || fd.Severity > core.Critical || fd.Evidence == "" {
				t.Fatalf("incomplete finding %+v", fd)
			}
		}
	})
}

// FuzzKerasConfigBlob runs the JSON handler on arbitrary documents.
func FuzzKerasConfigBlob(f *testing.F) {
	f.Add([]byte(`{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"function": "lambda x: x"}}]}}`))
	f.Add([]byte(`{"keras_version": "3.3.3", "date_saved": "x"}`))
	f.Add([]byte(`{"class_name": "TorchModuleWrapper", "config": {"module": "gASVAAAAAAAAAAB9lC4="}}`))
	lim := core.DefaultLimits()
	lim.MaxDepth = 4
	h := &kerasfmt.ConfigHandler{Pol: scantest.Policy()}
	d := dispatcher(lim)
	f.Fuzz(func(t *testing.T, data []byte) {
		s := core.NewSession(context.Background(), lim, d)
		b := &core.Blob{Source: "c.json", Name: "c.json", R: bytes.NewReader(data), Size: int64(len(data)), Role: core.RoleKerasConfig}
		if err := h.Scan(s, b); err != nil {
			t.Fatalf("error %v", err)
		}
		h.Match(data, &core.Blob{R: bytes.NewReader(data), Size: int64(len(data))})
	})
}
