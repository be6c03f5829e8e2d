package kerasfmt_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/kerasfmt"
	"github.com/modelscan-go/modelscan/internal/keras"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

func TestH5Fixtures(t *testing.T) {
	const (
		lambda  = rules.KerasLambda
		unread  = rules.KerasConfigUnreadable
		custom  = rules.KerasCustomObject
		med     = core.Medium
		crit    = core.Critical
		version = `[keras_version "2.13.1", backend "tensorflow"]`
	)
	cases := []struct {
		file     string
		want     []expect
		problems int
	}{
		{"seq_dense.h5", nil, 0},
		{"seq_dense_keras22.h5", nil, 0},
		{"weights_only.weights.h5", nil, 0},
		{"functional_nested.h5", nil, 0},
		{"userblock.h5", nil, 0},
		{"not_keras.h5", nil, 0},
		{"lambda_benign.h5", []expect{{lambda, med, "", `model_config: "double" (Lambda) at config.layers[1]: marshalled bytecode (CPython 3.11+) ` + version}}, 0},
		{"lambda_system.h5", []expect{{lambda, crit, "", "dangerous: __import__, system, os"}}, 0},
		{"lambda_nested.h5", []expect{{lambda, crit, "", `"hidden" (Lambda) at config.layers[1].config.layers[1]: marshalled bytecode (CPython 3.11+); names: getattr, __import__; constants: "subprocess", "check_output", "id"`}}, 0},
		{"config_int.h5", []expect{{unread, med, "", "not one string"}}, 1},
		{"config_not_json.h5", []expect{{unread, med, "", "invalid JSON"}}, 1},
		{"config_array.h5", []expect{{unread, med, "", "not one string"}}, 1},
		{"config_compound.h5", []expect{{unread, med, "", "model_config attribute"}}, 1},
		{"config_nul.h5", []expect{{unread, med, "", "after the NUL"}, {custom, med, "", `model_config after the NUL: (Hidden) at the top level`}}, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			s := scanBytes(c.file, fixture(t, c.file))
			check(t, s, c.file, c.want, c.problems)
			for _, f := range s.Findings {
				if f.Scanner != keras.ScannerH5 || f.Offset != -1 || f.Module == "" || f.Operator == "" {
					t.Errorf("finding fields %+v", f)
				}
			}
		})
	}
}

func TestH5Match(t *testing.T) {
	h := &kerasfmt.H5Handler{Pol: scantest.Policy()}
	if h.Name() != "keras-h5" {
		t.Error(h.Name())
	}
	if !h.Match(fixture(t, "seq_dense.h5")[:core.HeadSize], &core.Blob{}) {
		t.Error("HDF5 signature not matched")
	}
	ub := fixture(t, "userblock.h5")
	if !h.Match(ub[:core.HeadSize], &core.Blob{R: bytes.NewReader(ub), Size: int64(len(ub))}) {
		t.Error("HDF5 after a user block not matched")
	}
	far := append(make([]byte, 128<<10), ub[512:]...)
	if h.Match(far[:core.HeadSize], &core.Blob{R: bytes.NewReader(far), Size: int64(len(far))}) {
		t.Error("signature past the user-block search matched")
	}
	if h.Match([]byte(`{"class_name": "Sequential", "config": {}}`), &core.Blob{Name: "model.h5"}) {
		t.Error("JSON matched as HDF5 because of its name")
	}
}

// TestH5Malformed: a damaged file is never clean.
func TestH5Malformed(t *testing.T) {
	data := fixture(t, "seq_dense.h5")
	// the root group address of superblock 0 is at 64 (8 signature + 16
	// fields + 4 x 8 addresses + link name offset 8); point it past the end
	bad := bytes.Clone(data)
	binary.LittleEndian.PutUint64(bad[64:], uint64(len(bad))+4096)
	s := scanBytes("bad_root.h5", bad)
	if scantest.MaxSeverity(s) < core.Medium || len(s.Problems) == 0 {
		t.Errorf("bad root address:\n%s", scantest.Dump(s))
	}
	for _, n := range []int{8, 100, 600, 1200, len(data) / 2} {
		s := scanBytes("cut.h5", data[:n])
		if len(s.Findings) == 0 && len(s.Problems) == 0 {
			// the cut may leave the root attributes readable; then the
			// config must be analysed (and be clean)
			if len(s.Scanned) == 0 {
				t.Errorf("cut at %d: nothing reported:\n%s", n, scantest.Dump(s))
			}
		}
		for _, f := range s.Findings {
			if f.Rule != rules.KerasConfigUnreadable && f.Rule != rules.ScanIncomplete {
				t.Errorf("cut at %d: unexpected finding %+v", n, f)
			}
		}
	}
}

// TestH5UserBlockPolyglot: a pickle hidden in the user block (which h5py
// skips) is scanned as a dormant stream.
func TestH5UserBlockPolyglot(t *testing.T) {
	data := bytes.Clone(fixture(t, "userblock.h5"))
	p := pklasm.System("id")
	copy(data, p)
	s := scanBytes("poly.h5", data)
	found := false
	for _, f := range s.Findings {
		if f.Source == "poly.h5:userblock@0+512" && f.Severity >= core.High {
			found = true
		}
	}
	if !found {
		t.Errorf("pickle in the user block not reported:\n%s", scantest.Dump(s))
	}
}
