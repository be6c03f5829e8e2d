// Package scantest helps tests scan crafted and real files through the real
// format registry and report what was found. It is imported by tests only.
package scantest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/scantest/sessiontest"
)

var (
	polOnce sync.Once
	pol     *policy.Policy
)

// Policy returns the built-in policy, loaded once.
func Policy() *policy.Policy {
	polOnce.Do(func() { pol = policy.Default() })
	return pol
}

// Scan routes data through the registry as the engine does for a file
// named name, and returns the session with everything found.
func Scan(name string, data []byte, lim core.Limits) *core.Session {
	return sessiontest.Scan(formats.New(Policy()).Dispatch, sessiontest.Blob(name, data), lim)
}

// Dump renders a session for failure messages (sessiontest.Dump).
func Dump(s *core.Session) string { return sessiontest.Dump(s) }

// ReadFile returns the content of a fixture, failing tb when it cannot be
// read. The path elements are joined; they may use slashes.
func ReadFile(tb testing.TB, elem ...string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.FromSlash(path.Join(elem...)))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// MaxSeverity is the highest finding severity in a session
// (sessiontest.MaxSeverity).
func MaxSeverity(s *core.Session) core.Severity { return sessiontest.MaxSeverity(s) }

// RealDir is the directory of the real framework fixtures (testdata/real).
func RealDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "real")
}

// ForEachReal runs fn as a subtest for every real fixture of the given
// manifest formats (testdata/real/manifest.json), with its base name and
// content. It fails when there is none.
func ForEachReal(t *testing.T, fn func(t *testing.T, name string, data []byte), formats ...string) {
	t.Helper()
	raw := ReadFile(t, RealDir(), "manifest.json")
	var all []struct{ Path, Format string }
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range all {
		if !slices.Contains(formats, e.Format) {
			continue
		}
		n++
		t.Run(e.Path, func(t *testing.T) {
			fn(t, filepath.Base(e.Path), ReadFile(t, RealDir(), e.Path))
		})
	}
	if n == 0 {
		t.Fatalf("no %v fixtures in the manifest", formats)
	}
}

// NPY assembles a version 1.0 .npy file: magic, the header dict padded to a
// multiple of 64 bytes with a final newline, then data.
func NPY(dict string, data []byte) []byte {
	const magic = "\x93NUMPY\x01\x00"
	total := len(magic) + 2 + len(dict) + 1
	pad := (64 - total%64) % 64
	h := dict + strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.WriteString(magic)
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}
