package zipx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

var pkl = []byte("\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s.")

// goZip builds an archive with archive/zip: a deflated and a stored member.
func goZip(t testing.TB, comment string, offset int64) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.SetOffset(offset)
	f, _ := w.Create("archive/data.pkl")
	f.Write(pkl)
	f, _ = w.CreateHeader(&zip.FileHeader{Name: "archive/data/0", Method: zip.Store})
	f.Write(bytes.Repeat([]byte{1, 2, 3, 4}, 1000))
	w.SetComment(comment)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(t *testing.T, b []byte) *Reader {
	t.Helper()
	z, err := Open(bytes.NewReader(b), int64(len(b)), Limits{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return z
}

func readAll(t *testing.T, b []byte, m *Member, max int64) ([]byte, *DataReader, error) {
	t.Helper()
	d, err := m.Open(bytes.NewReader(b), max)
	if err != nil {
		return nil, nil, err
	}
	defer d.Close()
	data, err := io.ReadAll(d)
	return data, d, err
}

func kinds(z *Reader) string {
	var ks []string
	for _, a := range z.Anomalies {
		ks = append(ks, a.Kind)
	}
	for _, m := range z.Members {
		for _, a := range m.Anomalies {
			ks = append(ks, m.Name+":"+a.Kind)
		}
	}
	return strings.Join(ks, ",")
}

func wantKinds(t *testing.T, z *Reader, ks ...string) {
	t.Helper()
	for _, k := range ks {
		if !z.HasAnomaly(k) {
			t.Errorf("missing anomaly %q; have %s", k, kinds(z))
		}
	}
}

func TestGoArchive(t *testing.T) {
	b := goZip(t, "hello comment", 0)
	z := open(t, b)
	if len(z.Members) != 2 || z.Comment != "hello comment" || z.Prefix != 0 || z.Base != 0 {
		t.Fatalf("got %d members, comment %q, prefix %d", len(z.Members), z.Comment, z.Prefix)
	}
	if k := kinds(z); k != "" {
		t.Errorf("unexpected anomalies: %s", k)
	}
	data, d, err := readAll(t, b, z.Members[0], 1<<20)
	if err != nil || !bytes.Equal(data, pkl) || d.Mismatch() != nil {
		t.Errorf("data.pkl: %q, %v, %v", data, err, d.Mismatch())
	}
	st := z.Members[1]
	sr, n, ok := st.ReaderAt(bytes.NewReader(b))
	if !ok || n != 4000 {
		t.Fatalf("ReaderAt: ok=%v n=%d", ok, n)
	}
	got, _ := io.ReadAll(sr)
	if !bytes.Equal(got, bytes.Repeat([]byte{1, 2, 3, 4}, 1000)) {
		t.Error("stored data differs")
	}
	if _, _, ok := z.Members[0].ReaderAt(bytes.NewReader(b)); ok {
		t.Error("ReaderAt ok for a deflated member")
	}
	if !Sniff(b[:8], nil, 0) {
		t.Error("Sniff by header failed")
	}
}

func TestPrepended(t *testing.T) {
	garbage := bytes.Repeat([]byte("#!/bin/sh\nexit 0\n"), 10)
	for _, adjusted := range []bool{false, true} {
		var b []byte
		if adjusted { // offsets fixed up (zip -A): Base 0, Prefix > 0
			b = append(bytes.Clone(garbage), goZip(t, "", int64(len(garbage)))...)
		} else {
			b = append(bytes.Clone(garbage), goZip(t, "", 0)...)
		}
		z := open(t, b)
		wantKinds(t, z, KindDataBefore)
		if z.Prefix != int64(len(garbage)) {
			t.Errorf("adjusted=%v: Prefix %d", adjusted, z.Prefix)
		}
		if wantBase := int64(len(garbage)); !adjusted && z.Base != wantBase {
			t.Errorf("Base %d, want %d", z.Base, wantBase)
		}
		data, _, err := readAll(t, b, z.Members[0], -1)
		if err != nil || !bytes.Equal(data, pkl) {
			t.Errorf("adjusted=%v: %q %v", adjusted, data, err)
		}
		if !Sniff(b[:16], bytes.NewReader(b), int64(len(b))) {
			t.Error("Sniff missed prepended archive")
		}
	}
}

func TestSniffNegative(t *testing.T) {
	for _, b := range [][]byte{pkl, []byte("PK"), bytes.Repeat([]byte("PK\x05\x06"), 3), make([]byte, 100)} {
		if Sniff(b, bytes.NewReader(b), int64(len(b))) {
			t.Errorf("Sniff(%q) = true", b)
		}
	}
}

func TestZip64ManyMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 70000-member archive")
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	const n = 70000
	for i := range n {
		if _, err := w.CreateRaw(&zip.FileHeader{Name: "f", Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
		_ = i
	}
	w.Close()
	b := buf.Bytes()
	z := open(t, b)
	if len(z.Members) != n || !z.Zip64 {
		t.Fatalf("%d members, zip64=%v", len(z.Members), z.Zip64)
	}
	wantKinds(t, z, KindDuplicateName)
	z, err := Open(bytes.NewReader(b), int64(len(b)), Limits{MaxMembers: 100})
	if !errors.Is(err, ErrTooManyMembers) || z == nil || len(z.Members) != 100 {
		t.Fatalf("MaxMembers: %v, %v", err, z)
	}
}

func TestZip64Crafted(t *testing.T) {
	b := build([]entry{
		{name: "a", method: 8, content: pkl, zip64: true},
		{name: "b", content: []byte("stored"), zip64: true},
	}, opts{zip64: true, prefix: []byte("junk")})
	z := open(t, b)
	if !z.Zip64 || z.Base != 4 {
		t.Fatalf("zip64=%v base=%d: %s", z.Zip64, z.Base, kinds(z))
	}
	// The locator offset is not shifted by the prefix: found by fallback,
	// which archive/zip does not do.
	wantKinds(t, z, KindZip64, KindDataBefore, KindBadZip64)
	if z.HasAnomaly(KindSizeMismatch) || z.HasAnomaly(KindBadExtra) {
		t.Errorf("unexpected: %s", kinds(z))
	}
	for i, want := range [][]byte{pkl, []byte("stored")} {
		data, d, err := readAll(t, b, z.Members[i], 1000)
		if err != nil || !bytes.Equal(data, want) || d.Mismatch() != nil {
			t.Errorf("member %d: %q %v %v", i, data, err, d.Mismatch())
		}
	}
}

func TestEncryptedStored(t *testing.T) {
	b := build([]entry{{name: "data.pkl", flags: 1, content: pkl}}, opts{})
	z := open(t, b)
	wantKinds(t, z, KindEncrypted)
	data, d, err := readAll(t, b, z.Members[0], 100)
	if err != nil || !bytes.Equal(data, pkl) || d.Mismatch() != nil {
		t.Errorf("%q %v", data, err)
	}
	if _, _, ok := z.Members[0].ReaderAt(bytes.NewReader(b)); !ok {
		t.Error("ReaderAt refused an encrypted-flag stored member")
	}
}

func TestBadCRC(t *testing.T) {
	b := build([]entry{{name: "data.pkl", method: 8, content: pkl, crc: p32(0xdeadbeef)}}, opts{})
	z := open(t, b)
	wantKinds(t, z, KindHeaderMismatch) // local CRC is the real one
	data, d, err := readAll(t, b, z.Members[0], 100)
	if err != nil || !bytes.Equal(data, pkl) || !errors.Is(d.Mismatch(), ErrCRC) {
		t.Errorf("lenient: %q %v %v", data, err, d.Mismatch())
	}
	dr, _ := z.Members[0].Open(bytes.NewReader(b), 100)
	dr.Strict = true
	data, err = io.ReadAll(dr)
	if !bytes.Equal(data, pkl) || !errors.Is(err, ErrCRC) || errors.Is(err, ErrSizeMismatch) {
		t.Errorf("strict: %q %v", data, err)
	}
}

func TestNameMismatchAndDuplicates(t *testing.T) {
	b := build([]entry{
		{name: "archive/data.pkl", localName: ps("archive/evil.pkl"), content: pkl},
		{name: "archive/data.pkl", content: []byte("second")},
		{name: "archive/data.pkl", content: []byte("third")},
	}, opts{})
	z := open(t, b)
	wantKinds(t, z, KindNameMismatch)
	for _, m := range z.Members {
		if !m.HasAnomaly(KindDuplicateName) {
			t.Errorf("member %d not flagged duplicate", m.Index)
		}
	}
	if len(z.Members[0].Anomalies) != 2 || z.Members[0].LocalName != "archive/evil.pkl" {
		t.Errorf("first member: %+v", z.Members[0])
	}
	if got := z.Find("archive/data.pkl"); len(got) != 3 || got[2].Index != 2 {
		t.Errorf("Find: %v", got)
	}
}

func TestUnsafeNames(t *testing.T) {
	cases := map[string][]string{
		"/etc/passwd":        {KindAbsolutePath},
		`C:\x`:               {KindAbsolutePath, KindBackslash},
		`\\server\share\x`:   {KindAbsolutePath, KindBackslash},
		"a/../../x":          {KindDotDotPath},
		`a\..\x`:             {KindDotDotPath, KindBackslash},
		"a\x00.txt":          {KindNulInName},
		"":                   {KindEmptyName},
		"archive/data.pkl..": {},
	}
	for name, want := range cases {
		z := open(t, build([]entry{{name: name, content: pkl}}, opts{}))
		wantKinds(t, z, want...)
		if got := len(z.Members[0].Anomalies); got != len(want) {
			t.Errorf("%q: %s", name, kinds(z))
		}
		if z.Members[0].Name != name {
			t.Errorf("name %q rewritten to %q", name, z.Members[0].Name)
		}
	}
}
