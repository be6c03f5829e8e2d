package safetensorsfmt_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// raw assembles a file from a header text and data, as written.
func raw(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

// tt is one tensor for valid: its bytes and the dtype/shape describing them.
type tt struct {
	name, dtype string
	shape       []int
	data        []byte
}

// valid writes a well-formed file: tensors laid out back to back in the
// given order, header padded with spaces to a multiple of 8.
func valid(meta map[string]string, ts ...tt) []byte {
	var parts []string
	if meta != nil {
		m, _ := json.Marshal(meta)
		parts = append(parts, `"__metadata__":`+string(m))
	}
	var data []byte
	for _, t := range ts {
		name, _ := json.Marshal(t.name)
		shape, _ := json.Marshal(t.shape)
		if t.shape == nil {
			shape = []byte("[]")
		}
		parts = append(parts, fmt.Sprintf(`%s:{"dtype":%q,"shape":%s,"data_offsets":[%d,%d]}`, name, t.dtype, shape, len(data), len(data)+len(t.data)))
		data = append(data, t.data...)
	}
	h := "{" + strings.Join(parts, ",") + "}"
	h += strings.Repeat(" ", (8-len(h)%8)%8)
	return raw(h, data)
}

func f32(n int) []byte { return make([]byte, 4*n) }

func scan(name string, data []byte) *core.Session {
	return scantest.Scan(name, data, core.DefaultLimits())
}

// has reports whether s holds a finding of rule at sev whose evidence
// contains ev.
func has(s *core.Session, rule string, sev core.Severity, ev string) bool {
	for _, f := range s.Findings {
		if f.Rule == rule && f.Severity == sev && strings.Contains(f.Evidence, ev) {
			return true
		}
	}
	return false
}

func count(s *core.Session, rule string) int {
	n := 0
	for _, f := range s.Findings {
		if f.Rule == rule {
			n++
		}
	}
	return n
}
