package sevenzipfmt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/formats/sevenzipfmt"
	"github.com/modelscan-go/modelscan/internal/scantest"
	"github.com/modelscan-go/modelscan/internal/scantest/sessiontest"
)

// scan7z scans data with the 7z handler at the top (members are routed
// through the real registry), whatever the registry's order.
func scan7z(t testing.TB, name string, data []byte, lim core.Limits) *core.Session {
	t.Helper()
	reg := formats.New(scantest.Policy())
	s := core.NewSession(context.Background(), lim, reg.Dispatch)
	b := &core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
	if !(&sevenzipfmt.Handler{}).Match(data[:min(len(data), core.HeadSize)], b) {
		t.Fatalf("%s: 7z handler does not match", name)
	}
	if err := (&sevenzipfmt.Handler{}).Scan(s, b); err != nil {
		s.Fail(b, core.CatModelScan, err)
	}
	return s
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return scantest.ReadFile(t, "testdata", name)
}

// find returns the findings matching every non-zero criterion.
func find(s *core.Session, rule string, sev core.Severity, source string) []core.Finding {
	return sessiontest.Find(s, rule, sev, source)
}

func problems(s *core.Session, substr string) int {
	n := 0
	for _, p := range s.Problems {
		if strings.Contains(p.Description, substr) {
			n++
		}
	}
	return n
}

func skips(s *core.Session, cat string) []core.Skip {
	var out []core.Skip
	for _, k := range s.Skips {
		if k.Category == cat {
			out = append(out, k)
		}
	}
	return out
}

func scanned(s *core.Session, src string) bool {
	for _, x := range s.Scanned {
		if x == src {
			return true
		}
	}
	return false
}

// entry is a member of an archive built by build7z.
type entry struct {
	name   string
	data   []byte
	dir    bool
	attrib uint32 // Windows attributes, high 16 bits Unix mode with 0x8000
	method []byte // coder id (default Copy)
	props  []byte
	size   uint64 // declared unpack size (default len(data))
}

func num(b []byte, v uint64) []byte {
	for n := 0; n < 8; n++ {
		if v < 1<<(7*(n+1)) {
			b = append(b, byte(0xff<<(8-n))|byte(v>>(8*n)))
			for i := 0; i < n; i++ {
				b = append(b, byte(v>>(8*i)))
			}
			return b
		}
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xff), v)
}

// build7z writes a 7z archive with a plain header and one folder per member
// with data, so every header field is ours.
func build7z(es []entry) []byte {
	var packed []byte
	var st []entry
	for _, e := range es {
		if !e.dir && (len(e.data) > 0 || e.size > 0) {
			if e.method == nil {
				e.method = []byte{0}
			}
			if e.size == 0 {
				e.size = uint64(len(e.data))
			}
			st, packed = append(st, e), append(packed, e.data...)
		}
	}
	h := []byte{1}
	if len(st) > 0 {
		h = num(append(h, 4, 6, 0), uint64(len(st)))
		h = append(h, 9)
		for _, e := range st {
			h = num(h, uint64(len(e.data)))
		}
		h = num(append(h, 0, 7, 11), uint64(len(st)))
		h = append(h, 0)
		for _, e := range st {
			flags := byte(len(e.method))
			if e.props != nil {
				flags |= 0x20
			}
			h = append(append(h, 1, flags), e.method...)
			if e.props != nil {
				h = append(num(h, uint64(len(e.props))), e.props...)
			}
		}
		h = append(h, 12)
		for _, e := range st {
			h = num(h, e.size)
		}
		h = append(h, 0, 8, 10, 1)
		for _, e := range st {
			h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(e.data))
		}
		h = append(h, 0, 0)
	}
	h = num(append(h, 5), uint64(len(es)))
	var empty, emptyFile []bool
	var names []byte
	hasAttr := false
	for _, e := range es {
		isEmpty := e.dir || len(e.data) == 0 && e.size == 0
		empty = append(empty, isEmpty)
		if isEmpty {
			emptyFile = append(emptyFile, !e.dir)
		}
		for _, u := range utf16.Encode([]rune(e.name)) {
			names = binary.LittleEndian.AppendUint16(names, u)
		}
		names = append(names, 0, 0)
		hasAttr = hasAttr || e.attrib != 0
	}
	if len(emptyFile) > 0 {
		h = append(num(append(h, 14), uint64(len(packBits(empty)))), packBits(empty)...)
		h = append(num(append(h, 15), uint64(len(packBits(emptyFile)))), packBits(emptyFile)...)
	}
	h = append(num(append(h, 17), uint64(len(names)+1)), 0)
	h = append(h, names...)
	if hasAttr {
		h = append(num(append(h, 21), uint64(2+4*len(es))), 1, 0)
		for _, e := range es {
			h = binary.LittleEndian.AppendUint32(h, e.attrib)
		}
	}
	return wrap(append(h, 0, 0), packed)
}

func packBits(v []bool) []byte {
	p := make([]byte, (len(v)+7)/8)
	for i, b := range v {
		if b {
			p[i/8] |= 0x80 >> (i % 8)
		}
	}
	return p
}

// wrap adds the signature header: packed data, then the header.
func wrap(h, packed []byte) []byte {
	var sh [32]byte
	copy(sh[:], "7z\xbc\xaf\x27\x1c")
	sh[7] = 4
	binary.LittleEndian.PutUint64(sh[12:], uint64(len(packed)))
	binary.LittleEndian.PutUint64(sh[20:], uint64(len(h)))
	binary.LittleEndian.PutUint32(sh[28:], crc32.ChecksumIEEE(h))
	binary.LittleEndian.PutUint32(sh[8:], crc32.ChecksumIEEE(sh[12:32]))
	return append(append(sh[:], packed...), h...)
}

// make7z runs the 7z command on the files (relative path -> content) in a
// temporary directory and returns the archive. It skips the test when the
// command is not installed.
func make7z(t *testing.T, files map[string][]byte, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("7z")
	if err != nil {
		t.Skip("the 7z command (p7zip-full) is not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for name, data := range files {
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "x.7z")
	cmd := exec.Command(bin, append(append([]string{"a", "-bd", "-bso0", "-bsp0"}, args...), out, ".")...)
	cmd.Dir = src
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("7z: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
