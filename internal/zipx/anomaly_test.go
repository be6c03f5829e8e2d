package zipx

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"
)

func TestZip64NoPrefix(t *testing.T) {
	b := build([]entry{{name: "a", method: 8, content: pkl, zip64: true}}, opts{zip64: true})
	z := open(t, b)
	if k := kinds(z); !z.Zip64 || k != "a:zip64" {
		t.Errorf("zip64=%v anomalies %s", z.Zip64, k)
	}
}

func TestTruncatedCD(t *testing.T) {
	es := []entry{{name: "a", content: pkl}, {name: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", content: pkl}}
	// The last record loses its name; its declared name length runs into
	// the EOCD record and past end of file.
	b := build(es, opts{cutCD: 30})
	z := open(t, b)
	if len(z.Members) != 1 {
		t.Errorf("%d members", len(z.Members))
	}
	wantKinds(t, z, KindTruncatedCD, KindCDSizeMismatch, KindCountMismatch)

	// A file cut in the middle of the central directory has no EOCD.
	full := build(es, opts{})
	if _, err := Open(bytes.NewReader(full[:len(full)-40]), int64(len(full)-40), Limits{}); !errors.Is(err, ErrFormat) {
		t.Errorf("cut file: %v", err)
	}
}

func TestEOCDPointsPastEOF(t *testing.T) {
	es := []entry{{name: "a", content: pkl}}
	b := build(es, opts{cdOffsetAdd: 1 << 30})
	z := open(t, b) // the directory is still found just before the EOCD
	wantKinds(t, z, KindBadCDOffset)
	if data, _, err := readAll(t, b, z.Members[0], -1); !bytes.Equal(data, pkl) {
		t.Errorf("%q %v", data, err)
	}
	// Offset and size both wrong: nothing to find.
	b = build(es, opts{cdOffsetAdd: 1 << 30, cdSizeAdd: 7})
	if _, err := Open(bytes.NewReader(b), int64(len(b)), Limits{}); !errors.Is(err, ErrFormat) {
		t.Errorf("got %v", err)
	}
	// Declared comment longer than the file.
	b = build(es, opts{comment: "hi", commentLen: p16(5000)})
	z = open(t, b)
	wantKinds(t, z, KindBadComment)
	if z.Comment != "hi" {
		t.Errorf("comment %q", z.Comment)
	}
}

func TestHugeDeclaredSizes(t *testing.T) {
	b := build([]entry{
		{name: "bomb", method: 8, content: pkl, uncomp: p64(1 << 62)},
		{name: "big", content: pkl, comp: p64(1<<32 - 2), uncomp: p64(1<<32 - 2)},
		{name: "z64", content: pkl, zip64: true, comp: p64(1<<64 - 1)},
	}, opts{})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	z := open(t, b)
	for _, m := range z.Members {
		if d, err := m.Open(bytes.NewReader(b), 1<<20); err == nil {
			io.Copy(io.Discard, d)
		}
	}
	runtime.ReadMemStats(&after)
	if a := after.TotalAlloc - before.TotalAlloc; a > 4<<20 {
		t.Errorf("allocated %d bytes", a)
	}
	wantKinds(t, z, KindSizeMismatch, KindDataPastEOF)
	data, d, err := readAll(t, b, z.Members[0], 1<<20)
	if err != nil || !bytes.Equal(data, pkl) || !errors.Is(d.Mismatch(), ErrSizeMismatch) {
		t.Errorf("bomb: %v %v", err, d.Mismatch())
	}
	for _, m := range z.Members[1:] {
		if _, err := m.Open(bytes.NewReader(b), 1<<20); !errors.Is(err, ErrTruncated) {
			t.Errorf("%s: %v", m.Name, err)
		}
		if _, _, ok := m.ReaderAt(bytes.NewReader(b)); ok {
			t.Errorf("%s: ReaderAt ok", m.Name)
		}
	}
}

func TestTooManyMembers(t *testing.T) {
	es := make([]entry, 10)
	for i := range es {
		es[i] = entry{name: string(rune('a' + i)), content: pkl}
	}
	b := build(es, opts{})
	z, err := Open(bytes.NewReader(b), int64(len(b)), Limits{MaxMembers: 4})
	if !errors.Is(err, ErrTooManyMembers) || z == nil || len(z.Members) != 4 {
		t.Fatalf("%v %v", err, z)
	}
	if z.Members[3].DataOffset < 0 { // local headers of kept members are still read
		t.Error("local header not read")
	}
	if _, err := Open(bytes.NewReader(b), int64(len(b)), Limits{MaxMembers: 10}); err != nil {
		t.Error(err)
	}
}

func TestOverlap(t *testing.T) {
	b := build([]entry{
		{name: "a", content: pkl},
		{name: "b", sameAs: 1},
		{name: "c", content: pkl},
	}, opts{})
	z := open(t, b)
	if !z.Members[1].HasAnomaly(KindOverlap) || z.Members[2].HasAnomaly(KindOverlap) || !hasKind(z.Anomalies, KindOverlap) {
		t.Errorf("%s", kinds(z))
	}
	// Data that covers the central directory.
	b = build([]entry{{name: "a", content: pkl, comp: p64(200), uncomp: p64(200)}}, opts{trailing: make([]byte, 300)})
	z = open(t, b)
	wantKinds(t, z, KindOverlap, KindSizeMismatch, KindExtraBytesAfter)
}

func TestLimitAndMethods(t *testing.T) {
	content := bytes.Repeat([]byte("x"), 1000)
	b := build([]entry{{name: "s", content: content}, {name: "d", method: 8, content: content}, {name: "u", method: 12, content: content}}, opts{})
	z := open(t, b)
	for _, m := range z.Members[:2] {
		data, _, err := readAll(t, b, m, 999)
		if !errors.Is(err, ErrTooLarge) || len(data) != 999 {
			t.Errorf("%s: %d bytes, %v", m.Name, len(data), err)
		}
		if data, _, err := readAll(t, b, m, 1000); err != nil || len(data) != 1000 {
			t.Errorf("%s exact: %d bytes, %v", m.Name, len(data), err)
		}
	}
	wantKinds(t, z, KindUnsupportedMethod)
	if _, err := z.Members[2].Open(bytes.NewReader(b), -1); !errors.Is(err, ErrUnsupportedMethod) {
		t.Error(err)
	}
}

func TestMultipleEOCDAndTrailing(t *testing.T) {
	// A fake EOCD inside the comment: like archive/zip and miniz, the last
	// record whose comment fits wins, so the directory is not found.
	fake := string(build(nil, opts{}))
	b := build([]entry{{name: "a", content: pkl}}, opts{comment: "x" + fake})
	z := open(t, b)
	wantKinds(t, z, KindMultipleEOCD)
	if len(z.Members) != 0 {
		t.Errorf("fake EOCD ignored: %d members", len(z.Members))
	}
	b = build([]entry{{name: "a", content: pkl}}, opts{trailing: []byte("tail")})
	wantKinds(t, open(t, b), KindExtraBytesAfter)
}

func TestHeaderGarbage(t *testing.T) {
	b := build([]entry{{name: "a", content: pkl}, {name: "b", content: pkl}}, opts{})
	copy(b[0:], "XXXX") // destroy the first local header signature
	z := open(t, b)
	m := z.Members[0]
	if m.DataOffset != -1 || !m.HasAnomaly(KindLocalMissing) || z.Members[1].DataOffset < 0 {
		t.Errorf("%+v", m)
	}
	if _, err := m.Open(bytes.NewReader(b), -1); !errors.Is(err, ErrBadLocalHeader) {
		t.Error(err)
	}
}

// A stored zip inside a zip has its own end record in the outer tail: it
// is inside a member's data, where every reader agrees on it, and is not
// an anomaly (one in the comment is: TestMultipleEOCDAndTrailing).
func TestEOCDInsideMember(t *testing.T) {
	inner := build([]entry{{name: "x", content: pkl}}, opts{})
	b := build([]entry{{name: "in.zip", content: inner}}, opts{})
	if z := open(t, b); z.HasAnomaly(KindMultipleEOCD) || len(z.Members) != 1 {
		t.Errorf("stored inner zip: %+v", z.Anomalies)
	}
	b = build([]entry{{name: "in.zip", content: inner}, {name: "y", content: pkl}}, opts{})
	if z := open(t, b); z.HasAnomaly(KindMultipleEOCD) {
		t.Errorf("stored inner zip, then another member: %+v", z.Anomalies)
	}
}

// A file that starts as a compressed stream is not sniffed as a zip by an
// end record near its end (stored deflate blocks show a compressed zip's
// records); one that starts with other bytes is (a polyglot).
func TestSniffCompressedHead(t *testing.T) {
	b := build([]entry{{name: "a", content: pkl}}, opts{})
	for _, head := range []string{"\x1f\x8b\x08\x00", "BZh9", "\xfd7zXZ\x00", "\x28\xb5\x2f\xfd", "\x04\x22\x4d\x18", "7z\xbc\xaf\x27\x1c"} {
		data := append([]byte(head), b...)
		if Sniff(data, bytes.NewReader(data), int64(len(data))) {
			t.Errorf("%q...: sniffed as zip", head)
		}
	}
	data := append([]byte("BZhX not bzip2 "), b...)
	if !Sniff(data, bytes.NewReader(data), int64(len(data))) {
		t.Error("zip after a text prefix not sniffed")
	}
}
