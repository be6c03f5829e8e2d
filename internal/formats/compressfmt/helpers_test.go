package compressfmt_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"io"
	"os/exec"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
	"github.com/modelscan-go/modelscan/internal/scantest/sessiontest"
)

// containersDir holds the benign fixtures made by testdata/containers/gen.sh.
const containersDir = "../../../testdata/containers"

var payload = pklasm.System("echo pwned")

func scan(name string, data []byte, lim core.Limits) *core.Session {
	return scantest.Scan(name, data, lim)
}

func dump(s *core.Session) string { return scantest.Dump(s) }

func find(s *core.Session, rule string, sev core.Severity, source string) []core.Finding {
	return sessiontest.Find(s, rule, sev, source)
}

func hasProblem(s *core.Session, cat string) bool { return sessiontest.HasProblem(s, cat) }

// wantCritical asserts the posix.system payload is reported CRITICAL at
// source.
func wantCritical(t *testing.T, s *core.Session, source string) {
	t.Helper()
	fs := find(s, rules.PickleDangerousImport, core.Critical, source)
	if len(fs) == 0 {
		t.Fatalf("no CRITICAL %s at %q:\n%s", rules.PickleDangerousImport, source, dump(s))
	}
	if fs[0].Module != "posix" || fs[0].Operator != "system" {
		t.Errorf("finding names %s.%s, want posix.system", fs[0].Module, fs[0].Operator)
	}
}

// wantBudget asserts a scan-incomplete finding naming budget plus a BUDGET
// problem.
func wantBudget(t *testing.T, s *core.Session, budget string) {
	t.Helper()
	sessiontest.WantBudget(t, s, budget)
}

// ---- encoders (Go libraries, or the CLI for bzip2) ----

type encoder struct {
	name, ext string
	enc       func(tb testing.TB, p []byte) []byte
}

// encodeWith compresses p with the writer newW makes.
func encodeWith[W io.WriteCloser](tb testing.TB, p []byte, newW func(io.Writer) (W, error)) []byte {
	tb.Helper()
	var b bytes.Buffer
	w, err := newW(&b)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(p)
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func gzipEnc(tb testing.TB, p []byte) []byte {
	return encodeWith(tb, p, func(w io.Writer) (*gzip.Writer, error) { return gzip.NewWriter(w), nil })
}

func zlibEnc(tb testing.TB, p []byte) []byte {
	return encodeWith(tb, p, func(w io.Writer) (*zlib.Writer, error) { return zlib.NewWriter(w), nil })
}

func xzEnc(tb testing.TB, p []byte) []byte { return encodeWith(tb, p, xz.NewWriter) }

func lzmaEnc(tb testing.TB, p []byte) []byte { return encodeWith(tb, p, lzma.NewWriter) }

// lzmaSizedEnc writes the uncompressed size in the header (no end marker).
func lzmaSizedEnc(tb testing.TB, p []byte) []byte {
	return encodeWith(tb, p, lzma.WriterConfig{SizeInHeader: true, Size: int64(len(p))}.NewWriter)
}

func zstdEnc(tb testing.TB, p []byte) []byte {
	e, err := zstd.NewWriter(nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer e.Close()
	return e.EncodeAll(p, nil)
}

func lz4Enc(tb testing.TB, p []byte) []byte {
	return encodeWith(tb, p, func(w io.Writer) (*lz4.Writer, error) {
		lw := lz4.NewWriter(w)
		return lw, lw.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(true))
	})
}

// cli runs a compressor from PATH on p (stdin to stdout), skipping the test
// when the tool is missing.
func cli(tb testing.TB, p []byte, tool string, args ...string) []byte {
	tb.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		tb.Skipf("%s not installed", tool)
	}
	cmd := exec.Command(tool, args...)
	cmd.Stdin = bytes.NewReader(p)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("%s %v: %v", tool, args, err)
	}
	return out
}

func bzip2Enc(tb testing.TB, p []byte) []byte { return cli(tb, p, "bzip2", "-9", "-c") }

// goEncoders are the codecs the handler supports, built in Go (bzip2 via
// the CLI: Go has no bzip2 writer).
var goEncoders = []encoder{
	{"gzip", ".gz", gzipEnc},
	{"zlib", ".zlib", zlibEnc},
	{"bzip2", ".bz2", bzip2Enc},
	{"xz", ".xz", xzEnc},
	{"lzma", ".lzma", lzmaEnc},
	{"lzma-sized", ".lzma", lzmaSizedEnc},
	{"zstd", ".zst", zstdEnc},
	{"lz4", ".lz4", lz4Enc},
}

// cliEncoders are the command-line tools users compress models with.
var cliEncoders = []encoder{
	{"gzip-cli", ".gz", func(tb testing.TB, p []byte) []byte { return cli(tb, p, "gzip", "-n", "-c") }},
	{"bzip2-cli", ".bz2", func(tb testing.TB, p []byte) []byte { return cli(tb, p, "bzip2", "-c") }},
	{"xz-cli", ".xz", func(tb testing.TB, p []byte) []byte { return cli(tb, p, "xz", "-c") }},
	{"xz-cli-lzma", ".lzma", func(tb testing.TB, p []byte) []byte { return cli(tb, p, "xz", "--format=lzma", "-c") }},
	{"zstd-cli", ".zst", func(tb testing.TB, p []byte) []byte { return cli(tb, p, "zstd", "-q", "-c") }},
	{"lz4-cli", ".lz4", func(tb testing.TB, p []byte) []byte { return cli(tb, p, "lz4", "-q", "-c") }},
}

// ---- fixtures ----

type fixture struct {
	Path     string   `json:"path"`
	What     string   `json:"what"`
	Expected string   `json:"expected"`
	Scanned  []string `json:"scanned"`
	Needs    string   `json:"needs"`
}

func fixtures(tb testing.TB) []fixture {
	tb.Helper()
	raw := scantest.ReadFile(tb, containersDir, "manifest.json")
	var fs []fixture
	if err := json.Unmarshal(raw, &fs); err != nil {
		tb.Fatal(err)
	}
	if len(fs) == 0 {
		tb.Fatal("empty manifest")
	}
	return fs
}

func readFixture(tb testing.TB, rel string) []byte {
	tb.Helper()
	return scantest.ReadFile(tb, containersDir, rel)
}

func tarOf(tb testing.TB, name string, data []byte) []byte {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	if err := w.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		tb.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func count(list []string, v string) int {
	n := 0
	for _, s := range list {
		if s == v {
			n++
		}
	}
	return n
}
