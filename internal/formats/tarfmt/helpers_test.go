package tarfmt_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/scantest"
	"github.com/modelscan-go/modelscan/internal/scantest/sessiontest"
)

func scan(name string, data []byte) *core.Session {
	return scantest.Scan(name, data, core.DefaultLimits())
}

func dump(s *core.Session) string { return scantest.Dump(s) }

// find returns the findings matching every non-zero criterion.
func find(s *core.Session, rule string, sev core.Severity, source, operator string) []core.Finding {
	var out []core.Finding
	for _, f := range sessiontest.Find(s, rule, sev, source) {
		if operator == "" || f.Operator == operator {
			out = append(out, f)
		}
	}
	return out
}

func hasProblem(s *core.Session, cat string) bool { return sessiontest.HasProblem(s, cat) }

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return scantest.ReadFile(t, "testdata", name)
}

// ---- archives written with the standard library ----

type ent struct {
	name string
	data []byte
	flag byte
	link string
}

func file(name string, data []byte) ent { return ent{name: name, data: data} }

func mkTar(t testing.TB, format tar.Format, ents ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, e := range ents {
		flag := e.flag
		if flag == 0 {
			flag = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: flag, Linkname: e.link, Mode: 0o644, Size: int64(len(e.data)), Format: format}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(data []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

func mkZip(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, err := w.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ---- raw headers, for what no writer produces ----

const (
	magicUstar = "ustar\x0000"
	magicGNU   = "ustar  \x00"
)

type rawHdr struct {
	name, link, magic, prefix string
	flag                      byte
	size                      int64
}

func (h rawHdr) block() []byte {
	b := make([]byte, 512)
	copy(b[0:100], h.name)
	copy(b[100:], "0000644\x000000000\x000000000\x00")
	copy(b[124:], fmt.Sprintf("%011o\x00%011o\x00", h.size, 0))
	b[156] = h.flag
	if b[156] == 0 && h.magic != "" {
		b[156] = '0'
	}
	copy(b[157:257], h.link)
	copy(b[257:], h.magic)
	copy(b[345:500], h.prefix)
	setChecksum(b)
	return b
}

func setChecksum(b []byte) {
	copy(b[148:156], "        ")
	sum := 0
	for _, c := range b[:512] {
		sum += int(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
}

type rawTar struct{ bytes.Buffer }

func (r *rawTar) add(h rawHdr, data []byte) *rawTar {
	if h.size == 0 {
		h.size = int64(len(data))
	}
	r.Write(h.block())
	r.Write(data)
	if n := len(data) % 512; n > 0 {
		r.Write(make([]byte, 512-n))
	}
	return r
}

// pax adds an extended header ('x') or global header ('g') of records
// given as key, value pairs.
func (r *rawTar) pax(flag byte, kv ...string) *rawTar {
	var data []byte
	for i := 0; i+1 < len(kv); i += 2 {
		body := " " + kv[i] + "=" + kv[i+1] + "\n"
		n := len(body) + 1
		for len(fmt.Sprint(n))+len(body) != n {
			n++
		}
		data = append(data, fmt.Sprintf("%d%s", n, body)...)
	}
	return r.add(rawHdr{name: "PaxHeaders/x", magic: magicUstar, flag: flag}, data)
}

func (r *rawTar) end() []byte { r.Write(make([]byte, 1024)); return r.Bytes() }
