// Package scantest helps tests scan crafted and real files through the real
// format registry and report what was found. It is imported by tests only.
package scantest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/policy"
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
	reg := formats.New(Policy())
	s := core.NewSession(context.Background(), lim, reg.Dispatch)
	b := &core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
	if err := s.Scan(b); err != nil {
		s.Fail(b, core.CatModelScan, err)
	}
	return s
}

// Dump renders a session for failure messages.
func Dump(s *core.Session) string {
	var b strings.Builder
	for _, f := range s.Findings {
		fmt.Fprintf(&b, "  F %-8s %-26s mod=%q op=%q src=%q scanner=%q desc=%q ev=%q\n", f.Severity, f.Rule, f.Module, f.Operator, f.Source, f.Scanner, f.Description, f.Evidence)
	}
	for _, p := range s.Problems {
		fmt.Fprintf(&b, "  P %s %s: %s\n", p.Category, p.Source, p.Description)
	}
	for _, p := range s.Skips {
		fmt.Fprintf(&b, "  S %s %s: %s\n", p.Category, p.Source, p.Description)
	}
	fmt.Fprintf(&b, "  scanned=%q\n", s.Scanned)
	return b.String()
}

// MaxSeverity is the highest finding severity in a session.
func MaxSeverity(s *core.Session) core.Severity {
	var m core.Severity
	for _, f := range s.Findings {
		m = max(m, f.Severity)
	}
	return m
}

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
	raw, err := os.ReadFile(filepath.Join(RealDir(), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
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
			data, err := os.ReadFile(filepath.Join(RealDir(), e.Path))
			if err != nil {
				t.Fatal(err)
			}
			fn(t, filepath.Base(e.Path), data)
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
