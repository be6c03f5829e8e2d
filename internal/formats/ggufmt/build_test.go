package ggufmt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/ggufmt"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// gb writes GGUF bytes field by field, so tests can write any value into
// any field.
type gb struct {
	buf   bytes.Buffer
	order binary.AppendByteOrder
	v1    bool
}

func newGB(version uint32, big bool) *gb {
	g := &gb{order: binary.LittleEndian, v1: version == 1}
	if big {
		g.order = binary.BigEndian
	}
	g.buf.WriteString("GGUF")
	g.u32(version)
	return g
}

func (g *gb) u8(v uint8) *gb   { g.buf.WriteByte(v); return g }
func (g *gb) u32(v uint32) *gb { g.buf.Write(g.order.AppendUint32(nil, v)); return g }
func (g *gb) u64(v uint64) *gb { g.buf.Write(g.order.AppendUint64(nil, v)); return g }
func (g *gb) raw(p []byte) *gb { g.buf.Write(p); return g }

func (g *gb) count(n uint64) *gb {
	if g.v1 {
		return g.u32(uint32(n))
	}
	return g.u64(n)
}

func (g *gb) str(s string) *gb { g.count(uint64(len(s))); g.buf.WriteString(s); return g }

// kv writes a key and a value type; the caller writes the value.
func (g *gb) kv(key string, typ uint32) *gb { return g.str(key).u32(typ) }

func (g *gb) kvStr(key, v string) *gb        { return g.kv(key, 8).str(v) }
func (g *gb) kvU32(key string, v uint32) *gb { return g.kv(key, 4).u32(v) }

// ti writes a tensor info record.
func (g *gb) ti(name string, dims []uint64, typ uint32, off uint64) *gb {
	g.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		if g.v1 {
			g.u32(uint32(d))
		} else {
			g.u64(d)
		}
	}
	return g.u32(typ).u64(off)
}

// pad pads with zeros to a multiple of a.
func (g *gb) pad(a int) *gb {
	for g.buf.Len()%a != 0 {
		g.buf.WriteByte(0)
	}
	return g
}

func (g *gb) bytes() []byte { return append([]byte(nil), g.buf.Bytes()...) }

// simple is a valid v3 file: one KV, two F32 tensors of 8 elements.
func simple() *gb {
	g := newGB(3, false).u64(2).u64(1).kvStr("general.architecture", "llama")
	g.ti("a", []uint64{8}, 0, 0).ti("b", []uint64{8}, 0, 32).pad(32)
	return g.raw(make([]byte, 64))
}

func scan(name string, data []byte) *core.Session {
	return scantest.Scan(name, data, core.DefaultLimits())
}

func has(s *core.Session, rule string, sev core.Severity, ev string) bool {
	for _, f := range s.Findings {
		if f.Rule == rule && f.Severity == sev && strings.Contains(f.Evidence, ev) {
			return true
		}
	}
	return false
}

// child is a blob the handler handed to the session.
type child struct {
	name, role, source string
	quiet              bool
	text               string
}

// scanDirect runs the handler alone, recording the blobs it hands on.
func scanDirect(data []byte) (*core.Session, []child) {
	var kids []child
	s := core.NewSession(context.Background(), core.DefaultLimits(), func(s *core.Session, b *core.Blob) error {
		p := make([]byte, b.Size)
		n, _ := b.R.ReadAt(p, 0)
		kids = append(kids, child{b.Name, b.Role, b.Source, b.Quiet, string(p[:n])})
		return nil
	})
	b := &core.Blob{Source: "m.gguf", Name: "m.gguf", R: bytes.NewReader(data), Size: int64(len(data))}
	if err := (&ggufmt.Handler{}).Scan(s, b); err != nil {
		s.Fail(b, core.CatModelScan, err)
	}
	return s, kids
}
