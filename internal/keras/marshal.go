package keras

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// CPython marshal (Python/marshal.c), read only as far as a scanner needs:
// every object is walked, strings are kept, and code objects report the
// names (co_names) and constants they use. Nothing is ever executed.
//
// A code object's fixed fields changed across versions: 4 int32 fields
// in 2.x, 5 in 3.0-3.7, 6 in 3.8-3.10 (posonlyargcount, nlocals), 5 again
// in 3.11+ (nlocals gone), followed by 8 objects, the first line number
// and 1 (up to 3.10) or 2 (3.11+: line and exception tables) objects. The
// stream does not say which version wrote it, so each layout is tried in
// turn and kept only when every field has the type that layout requires.

// Marshal type codes.
const (
	mFlagRef = 0x80
)

// Marshal limits.
const (
	maxMarshalSteps = 200_000 // objects read, retries included
	maxMarshalDepth = 100     // container and code nesting
	maxCollected    = 256     // names/constants kept per decode
	maxConstLen     = 4096    // bytes of one constant kept for analysis
)

var errMarshal = errors.New("marshal")

// mkind is the kind of a decoded marshal object.
type mkind uint8

const (
	mOther mkind = iota // None, numbers, booleans, placeholders
	mBytes              // bytes (str in Python 2)
	mText               // str (unicode in Python 2, interned str)
	mSeq                // tuple, list, set, frozenset, dict items
	mCode               // code object
)

type mobj struct {
	kind  mkind
	b     []byte // string content: a slice of the input, never copied while parsing
	items []*mobj
	code  *mcode
}

// text returns the string content, at most n bytes of it.
func (o *mobj) text(n int) string {
	if len(o.b) > n {
		return string(o.b[:n])
	}
	return string(o.b)
}

var mPlaceholder = &mobj{kind: mOther}

// mcode is one decoded code object.
type mcode struct {
	layout   string
	name     string
	names    []string // co_names
	consts   []string // string and bytes constants, nested tuples flattened
	children []*mcode // code objects among the constants
}

type codeLayout struct {
	name     string
	ints     int  // int32 fields before co_code
	trailing int  // objects after co_firstlineno
	kinds    bool // field 5 is co_localspluskinds (bytes), not co_freevars (tuple)
}

// Tried in this order: a 6-int header is recognised by the byte after it
// (co_code's type); 3.11+ is told from 3.0-3.7 by field 5's type.
var codeLayouts = []codeLayout{
	{"CPython 3.8-3.10", 6, 1, false},
	{"CPython 3.11+", 5, 2, true},
	{"CPython 3.0-3.7", 5, 1, false},
	{"CPython 2", 4, 1, false},
}

type mdec struct {
	b        []byte
	pos      int
	refs     []*mobj
	interned []*mobj // Python 2 interned strings, referenced by 'R'
	steps    int
	depth    int
}

// decodeMarshal reads the first marshalled object of b (marshal.loads
// ignores what follows it).
func decodeMarshal(b []byte) (*mobj, error) {
	d := &mdec{b: b}
	return d.obj()
}

func (d *mdec) errf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d", errMarshal, fmt.Sprintf(format, args...), d.pos)
}

func (d *mdec) need(n int) error {
	if n < 0 || n > len(d.b)-d.pos {
		return d.errf("truncated (need %d bytes, %d left)", n, len(d.b)-d.pos)
	}
	return nil
}

func (d *mdec) u8() (int, error) {
	if err := d.need(1); err != nil {
		return 0, err
	}
	d.pos++
	return int(d.b[d.pos-1]), nil
}

func (d *mdec) i32() (int, error) {
	if err := d.need(4); err != nil {
		return 0, err
	}
	v := int32(binary.LittleEndian.Uint32(d.b[d.pos:]))
	d.pos += 4
	return int(v), nil
}

// size reads an int32 length and checks it against the bytes left, each
// unit taking at least unit bytes.
func (d *mdec) size(unit int) (int, error) {
	n, err := d.i32()
	if err != nil {
		return 0, err
	}
	if n < 0 || n > (len(d.b)-d.pos)/unit {
		return 0, d.errf("length %d exceeds the data left", n)
	}
	return n, nil
}

func (d *mdec) obj() (*mobj, error) {
	d.steps++
	if d.steps > maxMarshalSteps {
		return nil, fmt.Errorf("%w: more than %d objects", ErrLimit, maxMarshalSteps)
	}
	c, err := d.u8()
	if err != nil {
		return nil, err
	}
	idx := -1
	if c&mFlagRef != 0 {
		// containers and code objects are registered before their
		// contents, scalars after: the index is the same either way
		idx = len(d.refs)
		d.refs = append(d.refs, nil)
	}
	v, err := d.body(byte(c &^ mFlagRef))
	if err != nil {
		return nil, err
	}
	if idx >= 0 && idx < len(d.refs) {
		d.refs[idx] = v
	}
	return v, nil
}

func (d *mdec) skip(n int) (*mobj, error) {
	if err := d.need(n); err != nil {
		return nil, err
	}
	d.pos += n
	return mPlaceholder, nil
}

func (d *mdec) str(n int, k mkind) (*mobj, error) {
	if err := d.need(n); err != nil {
		return nil, err
	}
	v := &mobj{kind: k, b: d.b[d.pos : d.pos+n : d.pos+n]}
	d.pos += n
	return v, nil
}

func (d *mdec) body(t byte) (*mobj, error) {
	switch t {
	case 'N', 'F', 'T', 'S', '.':
		return mPlaceholder, nil
	case '0':
		return nil, d.errf("NULL object outside a dict")
	case 'i':
		return d.skip(4)
	case 'I':
		return d.skip(8)
	case 'g':
		return d.skip(8)
	case 'y':
		return d.skip(16)
	case 'l':
		n, err := d.i32()
		if err != nil {
			return nil, err
		}
		if n < 0 {
			n = -n
		}
		if n < 0 || n > (len(d.b)-d.pos)/2 {
			return nil, d.errf("long of %d digits exceeds the data left", n)
		}
		return d.skip(2 * n)
	case 'f':
		n, err := d.u8()
		if err != nil {
			return nil, err
		}
		return d.skip(n)
	case 'x':
		for range 2 {
			n, err := d.u8()
			if err != nil {
				return nil, err
			}
			if _, err := d.skip(n); err != nil {
				return nil, err
			}
		}
		return mPlaceholder, nil
	case 's':
		n, err := d.size(1)
		if err != nil {
			return nil, err
		}
		return d.str(n, mBytes)
	case 't', 'u', 'a', 'A':
		n, err := d.size(1)
		if err != nil {
			return nil, err
		}
		v, err := d.str(n, mText)
		if err == nil && t == 't' {
			d.interned = append(d.interned, v)
		}
		return v, err
	case 'z', 'Z':
		n, err := d.u8()
		if err != nil {
			return nil, err
		}
		return d.str(n, mText)
	case 'R':
		i, err := d.i32()
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(d.interned) {
			return nil, d.errf("string reference %d out of range", i)
		}
		return d.interned[i], nil
	case 'r':
		i, err := d.i32()
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(d.refs) {
			return nil, d.errf("reference %d out of range (%d objects)", i, len(d.refs))
		}
		if d.refs[i] == nil {
			return mPlaceholder, nil // an object still being read
		}
		return d.refs[i], nil
	case '(', '[', '<', '>':
		n, err := d.size(1)
		if err != nil {
			return nil, err
		}
		return d.seq(n)
	case ')':
		n, err := d.u8()
		if err != nil {
			return nil, err
		}
		return d.seq(n)
	case '{':
		return d.dict()
	case ':': // slice (marshal version 5, Python 3.14)
		return d.seq(3)
	case 'c':
		return d.code()
	}
	return nil, d.errf("unknown type code %#x", t)
}

func (d *mdec) enter() error {
	d.depth++
	if d.depth > maxMarshalDepth {
		return fmt.Errorf("%w: marshal objects nested deeper than %d", ErrLimit, maxMarshalDepth)
	}
	return nil
}

func (d *mdec) seq(n int) (*mobj, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	v := &mobj{kind: mSeq}
	for range n {
		it, err := d.obj()
		if err != nil {
			return nil, err
		}
		v.items = append(v.items, it)
	}
	return v, nil
}

func (d *mdec) dict() (*mobj, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	v := &mobj{kind: mSeq}
	for {
		if err := d.need(1); err != nil {
			return nil, err
		}
		if d.b[d.pos] == '0' {
			d.pos++
			return v, nil
		}
		for range 2 {
			it, err := d.obj()
			if err != nil {
				return nil, err
			}
			v.items = append(v.items, it)
		}
	}
}

// code reads a code object, trying each layout from the same position.
func (d *mdec) code() (*mobj, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	start, nrefs, nint := d.pos, len(d.refs), len(d.interned)
	var first error
	for _, lay := range codeLayouts {
		d.pos = start
		clear(d.refs[nrefs:])
		d.refs, d.interned = d.refs[:nrefs], d.interned[:nint]
		c, err := d.codeAs(lay)
		if err == nil {
			return &mobj{kind: mCode, code: c}, nil
		}
		if errors.Is(err, ErrLimit) {
			return nil, err
		}
		if first == nil {
			first = err
		}
	}
	return nil, fmt.Errorf("code object matches no known CPython layout: %w", first)
}

func (d *mdec) codeAs(lay codeLayout) (*mcode, error) {
	if err := d.need(4*lay.ints + 1); err != nil {
		return nil, err
	}
	if t := d.b[d.pos+4*lay.ints] &^ mFlagRef; t != 's' && t != 'r' {
		return nil, d.errf("%s: co_code is not bytes", lay.name)
	}
	d.pos += 4 * lay.ints
	var f [8]*mobj
	for i := range f {
		o, err := d.obj()
		if err != nil {
			return nil, err
		}
		f[i] = o
	}
	if _, err := d.i32(); err != nil { // co_firstlineno
		return nil, err
	}
	for range lay.trailing {
		o, err := d.obj()
		if err != nil {
			return nil, err
		}
		if !isStr(o) { // Python 2 may intern an empty line table
			return nil, d.errf("%s: line table is not bytes", lay.name)
		}
	}
	bad := f[0].kind != mBytes || f[1].kind != mSeq || f[2].kind != mSeq || f[3].kind != mSeq ||
		!isStr(f[6]) || !isStr(f[7])
	if lay.kinds {
		bad = bad || f[4].kind != mBytes || !isStr(f[5])
	} else {
		bad = bad || f[4].kind != mSeq || f[5].kind != mSeq
	}
	if bad {
		return nil, d.errf("%s: field types do not match", lay.name)
	}
	c := &mcode{layout: lay.name, name: f[7].text(256)}
	for _, n := range f[2].items {
		if isStr(n) && len(c.names) < maxCollected {
			c.names = append(c.names, n.text(256))
		}
	}
	c.collectConsts(f[1], map[*mobj]bool{})
	return c, nil
}

func isStr(o *mobj) bool { return o.kind == mText || o.kind == mBytes }

// collectConsts flattens string constants and nested code objects. Each
// container is visited once (references make the objects a graph).
func (c *mcode) collectConsts(o *mobj, seen map[*mobj]bool) {
	if seen[o] || len(seen) > maxMarshalSteps {
		return
	}
	seen[o] = true
	switch o.kind {
	case mText, mBytes:
		if len(c.consts) < maxCollected {
			c.consts = append(c.consts, o.text(maxConstLen))
		}
	case mCode:
		if len(c.children) < maxCollected {
			c.children = append(c.children, o.code)
		}
	case mSeq:
		for _, it := range o.items {
			c.collectConsts(it, seen)
		}
	}
}

// codeSummary is what a decoded function uses, all code objects merged.
type codeSummary struct {
	layout string
	funcs  []string // code object names, e.g. "<lambda>"
	names  []string // co_names: globals and attributes used
	consts []string // string constants
}

// summarize merges a decoded object's code objects, each name once, in
// first-seen order. A non-code object contributes its strings as
// constants.
func summarize(o *mobj) *codeSummary {
	s := &codeSummary{}
	seen := map[string]bool{}
	add := func(list *[]string, prefix, v string) {
		if seen[prefix+v] || len(*list) >= maxCollected {
			return
		}
		seen[prefix+v] = true
		*list = append(*list, v)
	}
	visited := map[*mcode]bool{}
	var walk func(c *mcode, depth int)
	walk = func(c *mcode, depth int) {
		if c == nil || visited[c] || depth > maxMarshalDepth {
			return
		}
		visited[c] = true
		if s.layout == "" {
			s.layout = c.layout
		}
		add(&s.funcs, "f:", c.name)
		for _, n := range c.names {
			add(&s.names, "n:", n)
		}
		for _, k := range c.consts {
			add(&s.consts, "c:", k)
		}
		for _, ch := range c.children {
			walk(ch, depth+1)
		}
	}
	if o.kind == mCode {
		walk(o.code, 0)
	} else {
		tmp := &mcode{}
		tmp.collectConsts(o, map[*mobj]bool{})
		for _, k := range tmp.consts {
			add(&s.consts, "c:", k)
		}
		for _, ch := range tmp.children {
			walk(ch, 0)
		}
	}
	return s
}

// looksLikeMarshalCode reports whether b starts like a marshalled code
// object: type 'c' (with or without FLAG_REF) and a small argument count.
func looksLikeMarshalCode(b []byte) bool {
	return len(b) >= 5 && b[0]&^mFlagRef == 'c' && b[2] == 0 && b[3] == 0 && b[4] == 0
}
