package hdf5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

func mustOpen(t *testing.T, b []byte) *File {
	t.Helper()
	f, err := Open(bytes.NewReader(b), int64(len(b)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCraftedValid reads the crafted files the malformed cases start from,
// so that each malformed case fails for the reason it is about.
func TestCraftedValid(t *testing.T) {
	bd := newBuilder()
	coll := bd.put(gcolBytes([]byte("from the global heap"), []byte("second")))
	cont := ochk(attrMsg("in_cont", int32Type(), simpleSpace(2), le32b(le32b(nil, 7), 0xFFFFFFFF)))
	contAt := bd.put(cont)
	root := ohdr(
		attrMsg("fixed", fixedString(8), scalarSpace(), []byte("abc\x00\x00\x00\x00\x00")),
		attrMsg("vlen", vlenString(), simpleSpace(2), append(vlenRef(20, coll, 1), vlenRef(6, coll, 2)...)),
		contMsg(contAt, uint64(len(cont))),
	)
	bd.setRoot(bd.put(root))
	attrs, err := mustOpen(t, bd.bytes()).Attrs("/")
	if err != nil {
		t.Fatal(err)
	}
	if len(attrs) != 3 {
		t.Fatalf("%+v", attrs)
	}
	if a := attrs[0]; a.Name != "fixed" || a.Str != "abc" {
		t.Errorf("%+v", a)
	}
	if a := attrs[1]; a.Name != "in_cont" || a.Kind != KindInt || len(a.Ints) != 2 || a.Ints[0] != 7 || a.Ints[1] != -1 {
		t.Errorf("%+v", a)
	}
	if a := attrs[2]; a.Name != "vlen" || !equalStrings(a.Strs, []string{"from the global heap", "second"}) || !a.VarLen {
		t.Errorf("%+v", a)
	}

	dense := denseFile([][]byte{
		attrMsg("b", fixedString(3), scalarSpace(), []byte("two")).data,
		attrMsg("a", fixedString(3), scalarSpace(), []byte("one")).data,
	}, nil)
	attrs, err = mustOpen(t, dense).Attrs("/")
	if err != nil {
		t.Fatal(err)
	}
	if len(attrs) != 2 || attrs[0].Name != "a" || attrs[0].Str != "one" || attrs[1].Str != "two" || !attrs[0].Dense {
		t.Errorf("%+v", attrs)
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// result runs Open and Attrs("/"): the first error, and the attribute
// errors.
func result(b []byte, lim Limits) (err error, attrErrs []error) {
	f, err := Open(bytes.NewReader(b), int64(len(b)), lim)
	if err != nil {
		return err, nil
	}
	attrs, err := f.Attrs("/")
	for _, a := range attrs {
		if a.Err != nil {
			attrErrs = append(attrErrs, a.Err)
		}
	}
	return err, attrErrs
}

func TestMalformed(t *testing.T) {
	str := func(s string) msg { return attrMsg("s", fixedString(uint32(len(s))), scalarSpace(), []byte(s)) }
	type tc struct {
		name string
		file func(t *testing.T) []byte
		// want is the error kind of Open/Attrs; attr, the kind of an
		// attribute's Err (the call itself succeeding)
		want, attr error
		text       string
	}
	cases := []tc{
		{name: "not hdf5", want: ErrNotHDF5, file: func(*testing.T) []byte { return bytes.Repeat([]byte("x"), 3000) }},
		{name: "empty", want: ErrNotHDF5, file: func(*testing.T) []byte { return nil }},
		{name: "truncated superblock", want: ErrMalformed, file: func(*testing.T) []byte { return []byte(signature + "\x02\x08") }},
		{name: "superblock version", want: ErrUnsupported, text: "superblock version 9", file: func(*testing.T) []byte {
			b := simpleFile(str("x"))
			b[8] = 9
			return b
		}},
		{name: "offset size 3", want: ErrUnsupported, file: func(*testing.T) []byte {
			b := simpleFile(str("x"))
			b[9] = 3
			return b
		}},
		{name: "superblock checksum", want: ErrChecksum, file: func(*testing.T) []byte {
			b := simpleFile(str("x"))
			b[45] ^= 1
			return b
		}},
		{name: "root past EOF", want: ErrMalformed, text: "past the end", file: func(*testing.T) []byte {
			bd := newBuilder()
			bd.setRoot(1 << 40)
			return bd.bytes()
		}},
		{name: "root undefined", want: ErrMalformed, text: "undefined address", file: func(*testing.T) []byte {
			bd := newBuilder()
			bd.setRoot(undef)
			return bd.bytes()
		}},
		{name: "object header checksum", want: ErrChecksum, file: func(*testing.T) []byte {
			b := simpleFile(str("hello"))
			b[len(b)-8] ^= 0x40
			return b
		}},
		{name: "object header truncated", want: ErrMalformed, file: func(*testing.T) []byte {
			b := simpleFile(str("hello"))
			return b[:len(b)-3]
		}},
		{name: "message overruns chunk", want: ErrMalformed, text: "overruns", file: func(*testing.T) []byte {
			m := str("hello")
			h := ohdr(m)
			binary.LittleEndian.PutUint16(h[11:], 0x7FFF) // message size
			binary.LittleEndian.PutUint32(h[len(h)-4:], lookup3(h[:len(h)-4], 0))
			bd := newBuilder()
			bd.setRoot(bd.put(h))
			return bd.bytes()
		}},
		{name: "huge chunk size", want: ErrLimit, file: func(*testing.T) []byte {
			h := ohdr(str("x"))
			binary.LittleEndian.PutUint32(h[6:], 0xFFFFFFF0)
			bd := newBuilder()
			bd.setRoot(bd.put(h))
			return bd.bytes()
		}},
		{name: "continuation loop", want: ErrMalformed, text: "reached twice", file: func(*testing.T) []byte {
			bd := newBuilder()
			n := len(ochk(contMsg(0, 0)))
			at := bd.reserve(n)
			bd.patch(at, ochk(contMsg(at, uint64(n))))
			bd.setRoot(bd.put(ohdr(contMsg(at, uint64(n)))))
			return bd.bytes()
		}},
		{name: "continuation past EOF", want: ErrMalformed, file: func(*testing.T) []byte {
			return simpleFile(contMsg(1<<50, 64))
		}},
		{name: "continuation huge", want: ErrLimit, file: func(*testing.T) []byte {
			return simpleFile(contMsg(8, 1<<62))
		}},
		{name: "continuation bad checksum", want: ErrChecksum, file: func(*testing.T) []byte {
			bd := newBuilder()
			c := ochk(str("x"))
			c[6] ^= 1
			at := bd.put(c)
			bd.setRoot(bd.put(ohdr(contMsg(at, uint64(len(c))))))
			return bd.bytes()
		}},
		{name: "huge dims", attr: ErrLimit, file: func(*testing.T) []byte {
			return simpleFile(attrMsg("a", int32Type(), simpleSpace(1<<40, 1<<20), nil))
		}},
		{name: "dims overflow", attr: ErrLimit, file: func(*testing.T) []byte {
			return simpleFile(attrMsg("a", int32Type(), simpleSpace(1<<40, 1<<40), nil))
		}},
		{name: "short data", attr: ErrMalformed, file: func(*testing.T) []byte {
			return simpleFile(attrMsg("a", int32Type(), simpleSpace(10), make([]byte, 8)))
		}},
		{name: "rank 200", attr: ErrMalformed, file: func(*testing.T) []byte {
			return simpleFile(attrMsg("a", int32Type(), []byte{2, 200, 0, 1}, nil))
		}},
		{name: "compound", attr: ErrUnsupported, text: "compound", file: func(*testing.T) []byte {
			return simpleFile(attrMsg("a", le32b([]byte{0x16, 0, 0, 0}, 4), scalarSpace(), make([]byte, 4)))
		}},
		{name: "vlen collection past EOF", attr: ErrMalformed, file: func(*testing.T) []byte {
			return simpleFile(attrMsg("a", vlenString(), scalarSpace(), vlenRef(5, 1<<45, 1)))
		}},
		{name: "vlen huge length", attr: ErrLimit, file: func(*testing.T) []byte {
			return simpleFile(attrMsg("a", vlenString(), scalarSpace(), vlenRef(0xFFFFFFFF, 48, 1)))
		}},
		{name: "vlen missing object", attr: ErrMalformed, text: "no object 9", file: func(*testing.T) []byte {
			bd := newBuilder()
			coll := bd.put(gcolBytes([]byte("abc")))
			bd.setRoot(bd.put(ohdr(attrMsg("a", vlenString(), scalarSpace(), vlenRef(3, coll, 9)))))
			return bd.bytes()
		}},
		{name: "vlen longer than object", attr: ErrMalformed, file: func(*testing.T) []byte {
			bd := newBuilder()
			coll := bd.put(gcolBytes([]byte("abc")))
			bd.setRoot(bd.put(ohdr(attrMsg("a", vlenString(), scalarSpace(), vlenRef(30, coll, 1)))))
			return bd.bytes()
		}},
		{name: "global heap collection huge size", attr: ErrMalformed, file: func(*testing.T) []byte {
			bd := newBuilder()
			g := gcolBytes([]byte("abc"))
			binary.LittleEndian.PutUint64(g[8:], 1<<60)
			coll := bd.put(g)
			bd.setRoot(bd.put(ohdr(attrMsg("a", vlenString(), scalarSpace(), vlenRef(3, coll, 1)))))
			return bd.bytes()
		}},
		{name: "global heap object overruns", attr: ErrMalformed, text: "overruns", file: func(*testing.T) []byte {
			bd := newBuilder()
			g := gcolBytes([]byte("abc"))
			binary.LittleEndian.PutUint64(g[16+8:], 1<<40)
			coll := bd.put(g)
			bd.setRoot(bd.put(ohdr(attrMsg("a", vlenString(), scalarSpace(), vlenRef(3, coll, 1)))))
			return bd.bytes()
		}},
		{name: "shared datatype loop", attr: ErrLimit, file: func(*testing.T) []byte {
			// a committed datatype whose datatype message is shared and
			// points to its own object header
			bd := newBuilder()
			ref := le64([]byte{3, 2}, 0)
			n := len(ohdr(msg{typ: msgDatatype, flags: mflagShared, data: ref}))
			self := bd.reserve(n)
			ref = le64([]byte{3, 2}, self)
			bd.patch(self, ohdr(msg{typ: msgDatatype, flags: mflagShared, data: ref}))
			a := attrMsg("a", ref, scalarSpace(), make([]byte, 4))
			a.data[1] = 1 // datatype shared
			bd.setRoot(bd.put(ohdr(a)))
			return bd.bytes()
		}},
		{name: "shared in SOHM without table", attr: ErrMalformed, text: "no shared message table", file: func(*testing.T) []byte {
			a := attrMsg("a", append([]byte{3, 1}, make([]byte, 8)...), scalarSpace(), make([]byte, 4))
			a.data[1] = 1
			return simpleFile(a)
		}},
		{name: "dense: bad heap width", want: ErrMalformed, text: "table width", file: func(*testing.T) []byte {
			return denseFile([][]byte{str("v").data}, func(bd *builder, p *denseParts, at map[string]uint64) {
				p.heap = frhp(at["block"], 0, 3, tStart)
			})
		}},
		{name: "dense: heap ID outside block", attr: ErrMalformed, file: func(*testing.T) []byte {
			return denseFile([][]byte{str("v").data}, func(bd *builder, p *denseParts, at map[string]uint64) {
				id := append([]byte{0}, appendUvar(nil, 400, tOffLen)...)
				id = appendUvar(id, 300, 2)
				p.leaf = btnode(8, [][]byte{attrRecord(id, 0)}, nil)
			})
		}},
		{name: "dense: block of another heap", attr: ErrMalformed, text: "belongs to heap", file: func(*testing.T) []byte {
			return denseFile([][]byte{str("v").data}, func(bd *builder, p *denseParts, at map[string]uint64) {
				binary.LittleEndian.PutUint64(p.block[5:], 12345)
			})
		}},
		{name: "dense: huge object not indexed", attr: ErrMalformed, text: "not in the fractal heap", file: func(*testing.T) []byte {
			return denseFile([][]byte{str("v").data}, func(bd *builder, p *denseParts, at map[string]uint64) {
				// huge IDs of an 8-byte heap ID are B-tree keys; the
				// heap has no huge-object B-tree
				p.leaf = btnode(8, [][]byte{attrRecord([]byte{0x10, 1, 0, 0, 0, 0, 0, 0}, 0)}, nil)
			})
		}},
		{name: "dense: B-tree node cycle", want: ErrMalformed, text: "reached twice", file: func(*testing.T) []byte {
			return denseFile([][]byte{str("v").data}, func(bd *builder, p *denseParts, at map[string]uint64) {
				ptr := le64(nil, at["leaf"])
				ptr = append(ptr, 1) // records in child (1 byte: 29 at most)
				in := btnode(8, [][]byte{p.records[0]}, append(ptr, ptr...))
				p.leaf = in // the "leaf" slot holds an internal node pointing to itself
				p.tree = bthd(8, 17, 1, at["leaf"], 1, 3)
			})
		}},
		{name: "dense: B-tree too many records", want: ErrMalformed, text: "claims", file: func(*testing.T) []byte {
			return denseFile([][]byte{str("v").data}, func(bd *builder, p *denseParts, at map[string]uint64) {
				p.tree = bthd(8, 17, 0, at["leaf"], 500, 500)
			})
		}},
		{name: "dense: B-tree deeper than limit", want: ErrLimit, file: func(*testing.T) []byte {
			return denseFile([][]byte{str("v").data}, func(bd *builder, p *denseParts, at map[string]uint64) {
				p.tree = bthd(8, 17, 1000, at["leaf"], 1, 1)
			})
		}},
		{name: "dense: B-tree node checksum", want: ErrChecksum, file: func(*testing.T) []byte {
			return denseFile([][]byte{str("v").data}, func(bd *builder, p *denseParts, at map[string]uint64) {
				p.leaf[7] ^= 1
			})
		}},
		{name: "dense: filtered heap", attr: ErrUnsupported, text: "filters", file: func(*testing.T) []byte {
			return denseFile([][]byte{str("v").data}, func(bd *builder, p *denseParts, at map[string]uint64) {
				h := p.heap[:len(p.heap)-4]
				binary.LittleEndian.PutUint16(h[7:], 4) // I/O filter info length
				h = le64(h, 512)
				h = le32b(h, 0)
				h = append(h, 1, 2, 3, 4)
				p.heap = le32b(h, lookup3(h, 0))
			})
		}},
		{name: "soft link loop", want: ErrLimit, text: "soft-link", file: func(*testing.T) []byte {
			l := []byte{1, 0x08, 1, 1, 'a'}
			l = le16(l, 3)
			l = append(l, "/a/"...)
			return simpleFile(msg{typ: msgLink, data: l})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.file(t)
			var err error
			var attrErrs []error
			allocs := heapAllocs()
			start := time.Now()
			if c.name == "soft link loop" {
				var f *File
				f, err = Open(bytes.NewReader(b), int64(len(b)), Limits{})
				if err == nil {
					_, err = f.Attrs("/a/x")
				}
			} else {
				err, attrErrs = result(b, Limits{})
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			if a := heapAllocs() - allocs; a > 32<<20 {
				t.Errorf("allocated %d bytes", a)
			}
			var got error
			if c.want != nil {
				got = err
				if !errors.Is(err, c.want) {
					t.Fatalf("error %v, want %v", err, c.want)
				}
			} else {
				if err != nil {
					t.Fatalf("call error %v, want an attribute error %v", err, c.attr)
				}
				if len(attrErrs) != 1 || !errors.Is(attrErrs[0], c.attr) {
					t.Fatalf("attribute errors %v, want %v", attrErrs, c.attr)
				}
				got = attrErrs[0]
			}
			if c.text != "" && !strings.Contains(got.Error(), c.text) {
				t.Errorf("%q does not mention %q", got, c.text)
			}
		})
	}
}

// TestMutatedFixtures corrupts real files: offsets past EOF, loops in old
// style group B-trees and continuation chains, huge local heaps.
func TestMutatedFixtures(t *testing.T) {
	orig := readFixture(t, "earliest.h5")
	le := binary.LittleEndian
	root := le.Uint64(orig[64:]) // root symbol table entry: object header
	btree := le.Uint64(orig[80:])
	lheap := le.Uint64(orig[88:])
	// the first message of the root header (after the 16-byte prefix) is a
	// continuation in this file
	if le.Uint16(orig[root+16:]) != msgContinuation {
		t.Fatalf("fixture layout changed: no continuation first in the root header")
	}
	contData := root + 16 + 8
	cases := []struct {
		name   string
		mutate func(b []byte)
		links  bool
		want   error
	}{
		{"continuation to itself", func(b []byte) { le.PutUint64(b[contData:], root+16) }, false, ErrMalformed},
		{"continuation past EOF", func(b []byte) { le.PutUint64(b[contData:], 1<<40) }, false, ErrMalformed},
		{"continuation length huge", func(b []byte) { le.PutUint64(b[contData+8:], 1<<40) }, false, ErrLimit},
		{"header size huge", func(b []byte) { le.PutUint32(b[root+8:], 0xFFFFFFF0) }, false, ErrLimit},
		{"header size past EOF", func(b []byte) { le.PutUint32(b[root+8:], 0x00FFFFF0) }, false, ErrMalformed},
		{"group B-tree self loop", func(b []byte) {
			b[btree+5] = 1                      // level 1: children are B-tree nodes
			le.PutUint64(b[btree+24+8:], btree) // first child: this node
		}, true, ErrMalformed},
		{"local heap huge", func(b []byte) { le.PutUint64(b[lheap+8:], 1<<50) }, true, ErrLimit},
		{"local heap data past EOF", func(b []byte) { le.PutUint64(b[lheap+24:], 1<<40) }, true, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := append([]byte(nil), orig...)
			c.mutate(b)
			f := mustOpen(t, b)
			var err error
			if c.links {
				_, err = f.Links("/")
			} else {
				_, err = f.Attrs("/")
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
}

// TestTruncated cuts fixtures at many lengths: every call returns quickly,
// and a value it does return is the value of the whole file (truncation
// can make attributes unreadable, never different).
func TestTruncated(t *testing.T) {
	for _, name := range []string{"earliest.h5", "latest.h5", "keras_like.h5", "sohm.h5", "dense.h5"} {
		full := readFixture(t, name)
		f := mustOpen(t, full)
		want, err := f.Attrs("/")
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]Attr{}
		for _, a := range want {
			byName[a.Name] = a
		}
		step := max(1, len(full)/400)
		errs := 0
		for n := 0; n < len(full); n += step {
			b := full[:n]
			g, err := Open(bytes.NewReader(b), int64(n), Limits{})
			if err != nil {
				errs++
				continue
			}
			attrs, err := g.Attrs("/")
			if err != nil {
				errs++
			}
			for _, a := range attrs {
				if a.Err != nil {
					continue
				}
				w, ok := byName[a.Name]
				if !ok || w.Str != a.Str || len(w.Strs) != len(a.Strs) || len(w.Ints) != len(a.Ints) || len(w.Floats) != len(a.Floats) {
					t.Errorf("%s cut at %d: %s = %+v, whole file: %+v", name, n, a.Name, a, w)
				}
			}
		}
		if errs == 0 {
			t.Errorf("%s: no truncation gave an error", name)
		}
	}
}

// heapAllocs returns the cumulative bytes allocated by the process.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestHeapIndirect reads an object through two levels of indirect blocks:
// width 2, 512-byte blocks, direct blocks of at most 512 bytes, so rows 0-1
// of the root are direct and row 2 holds indirect blocks of one row.
func TestHeapIndirect(t *testing.T) {
	build := func(childOf func(root, child uint64) uint64) []byte {
		bd := newBuilder()
		heap := bd.reserve(len(frhp(0, 0, 2, 512)))
		root := bd.reserve(len(fhib(0, 0, make([]uint64, 6)...)))
		child := bd.reserve(len(fhib(0, 0, 0, 0)))
		block, ids := fhdb(heap, 2560, 512, []byte("deep object"))
		dblock := bd.put(block)
		bd.patch(heap, frhpMax(root, 3, 2, 512, 512))
		bd.patch(root, fhib(heap, 0, undef, undef, undef, undef, childOf(root, child), undef))
		bd.patch(child, fhib(heap, 2048, undef, dblock))
		bd.put(ids[0]) // the heap ID, at the end of the file
		return bd.bytes()
	}
	read := func(b []byte) ([]byte, error) {
		f := mustOpen(t, b)
		w := f.walker()
		heap := uint64(48)
		h, err := w.heap(heap)
		if err != nil {
			return nil, err
		}
		return w.heapObject(h, b[len(b)-8:], 0)
	}
	got, err := read(build(func(root, child uint64) uint64 { return child }))
	if err != nil || string(got) != "deep object" {
		t.Fatalf("%q %v", got, err)
	}
	// the row-2 entry pointing back at the root block
	_, err = read(build(func(root, child uint64) uint64 { return root }))
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("loop: %v", err)
	}
}
