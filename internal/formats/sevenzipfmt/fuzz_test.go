package sevenzipfmt_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// fixCRCs returns a copy of an archive with its header CRCs recomputed, so
// that mutations reach the header parser and the decoders.
func fixCRCs(data []byte) []byte {
	if len(data) < 32 {
		return nil
	}
	out := bytes.Clone(data)
	off, size := binary.LittleEndian.Uint64(out[12:]), binary.LittleEndian.Uint64(out[20:])
	if avail := uint64(len(out) - 32); off <= avail && size <= avail-off {
		binary.LittleEndian.PutUint32(out[28:], crc32.ChecksumIEEE(out[32+off:32+off+size]))
	}
	binary.LittleEndian.PutUint32(out[8:], crc32.ChecksumIEEE(out[12:32]))
	return out
}

// FuzzSevenZip routes arbitrary bytes through the registry and through the
// 7z handler directly (also with the header CRCs fixed up), with small
// budgets. It must not panic (the library
// runs under recover, but its fatal out-of-memory errors cannot be caught),
// and no finding may lack a rule or severity.
func FuzzSevenZip(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.7z")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	evil := pklasm.System("id")
	f.Add(build7z([]entry{{name: "a/../m.pkl", data: evil}, {name: "d", dir: true}, {name: "e"},
		{name: "m.pkl", data: evil, attrib: 0x8000 | 0o120777<<16}}))
	f.Add(build7z([]entry{{name: "x", data: []byte{0x5d, 0, 0, 1, 0, 0, 0}, method: []byte{3, 1, 1},
		props: []byte{0x5d, 0, 0, 1, 0}, size: 100}}))
	lim := core.DefaultLimits()
	lim.MaxOpcodes, lim.MaxMemo, lim.MaxStack, lim.MaxMembers = 50000, 10000, 10000, 50
	lim.MaxDecompressed, lim.MaxDepth = 8<<20, 4
	sig := []byte("7z\xbc\xaf\x27\x1c")
	f.Fuzz(func(t *testing.T, data []byte) {
		sessions := []*core.Session{scantest.Scan("fuzz.7z", data, lim)}
		if bytes.HasPrefix(data, sig) {
			sessions = append(sessions, scan7z(t, "fuzz.7z", data, lim))
			if fixed := fixCRCs(data); fixed != nil {
				sessions = append(sessions, scan7z(t, "fuzz.7z", fixed, lim))
			}
		}
		for _, s := range sessions {
			for _, fd := range s.Findings {
				if fd.Rule == "" || fd.Severity == core.SeverityNone {
					t.Fatalf("malformed finding %+v", fd)
				}
			}
		}
	})
}
