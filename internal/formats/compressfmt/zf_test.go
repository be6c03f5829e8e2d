package compressfmt_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// zfFile wraps a pickle the way joblib < 0.10 compressed it.
func zfFile(t *testing.T, p []byte, extraSpace bool) []byte {
	t.Helper()
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(p)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	hdr := fmt.Sprintf("ZF%-19s", fmt.Sprintf("%#x", len(p)))
	if extraSpace {
		hdr += " "
	}
	return append([]byte(hdr), z.Bytes()...)
}

// Old joblib compressed pickles ("ZF" header, then zlib) are read as
// joblib.load reads them: the real files are clean, a payload is found and
// named after the file.
func TestJoblibZF(t *testing.T) {
	for _, name := range []string{"joblib_0.9.2_compressed_pickle_py35_np19.gz", "joblib_0.8.4_compressed_pickle_py27_np17.gz"} {
		data, err := os.ReadFile(filepath.Join("testdata", "joblibzf", name))
		if err != nil {
			t.Fatal(err)
		}
		s := scantest.Scan(name, data, core.DefaultLimits())
		if scantest.MaxSeverity(s) != core.SeverityNone || len(s.Problems) != 0 || len(s.Scanned) == 0 || s.Scanned[0] != name {
			t.Errorf("%s:\n%s", name, scantest.Dump(s))
		}
	}
	for _, extra := range []bool{false, true} {
		data := zfFile(t, pklasm.System("echo pwned"), extra)
		s := scantest.Scan("model.joblib", data, core.DefaultLimits())
		if scantest.MaxSeverity(s) != core.Critical || s.Findings[0].Source != "model.joblib" {
			t.Errorf("extra space %v:\n%s", extra, scantest.Dump(s))
		}
	}
	// "ZF" followed by something else is not this format.
	s := scantest.Scan("notes.joblib", []byte("ZF is not a header, just text about it"), core.DefaultLimits())
	if len(s.Scanned) != 0 {
		t.Errorf("text starting with ZF:\n%s", scantest.Dump(s))
	}
}
