package ggufmt

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

const (
	maxDims         = 4       // GGML_MAX_DIMS
	maxLoaderString = 1 << 30 // GGUF_MAX_STRING_LENGTH in llama.cpp
	maxLoaderArray  = 1 << 30 // GGUF_MAX_ARRAY_ELEMENTS in llama.cpp
	maxArrayDepth   = 8       // nesting of arrays followed
	maxKeep         = 4096    // bytes kept of a key or tensor name
	maxKVs          = 1 << 20 // metadata pairs analysed per file
	maxTensors      = 1 << 20 // tensors analysed per file
	maxTemplates    = 64      // chat templates handed on per file
	defaultAlign    = 32
	maxViolations   = 16
)

// errBudget marks a count beyond what the scanner analyses.
var errBudget = errors.New("budget")

// violation is one departure from the format.
type violation struct {
	off int64
	msg string
}

// template is a chat template string found in the metadata.
type template struct {
	key    string
	off    int64
	n      uint64
	keyOff int64
}

// tinfo is one tensor-info record.
type tinfo struct {
	name      string
	at        int64  // offset of the record
	offset    uint64 // declared offset within the data section
	nbytes    uint64 // size in bytes when known
	sizeKnown bool
}

// file is what the parser learnt.
type file struct {
	version    uint32
	bigEndian  bool
	nTensors   uint64
	nKV        uint64
	align      uint64
	infoEnd    int64 // end of the tensor-info table
	dataStart  int64
	tensors    []tinfo
	templates  []template
	removed    map[string]string // removed type name -> first tensor using it
	viol       []violation
	nviol      int
	fatal      error // the parse stopped here
	budget     error // a scanner budget stopped the parse
	alignSet   bool
	alignValid bool
}

func (f *file) add(off int64, format string, args ...any) {
	f.nviol++
	if len(f.viol) < maxViolations {
		f.viol = append(f.viol, violation{off, fmt.Sprintf(format, args...)})
	}
}

// stop records a violation that ends the parse.
func (f *file) stop(off int64, err error) {
	f.fatal = err
	f.add(off, "%v", err)
}

// parser walks a GGUF file.
type parser struct {
	r    *reader
	f    *file
	keys map[[sha256.Size]byte]bool
}

// parse reads the header, the metadata and the tensor infos of the size
// bytes in src, then checks the data layout.
func parse(src io.ReaderAt, size int64) *file {
	p := &parser{r: newReader(src, size), f: &file{align: defaultAlign, removed: map[string]string{}}, keys: map[[sha256.Size]byte]bool{}}
	p.run()
	return p.f
}

func (p *parser) run() {
	r, f := p.r, p.f
	magic, err := r.fixed(4)
	if err != nil || string(magic) != "GGUF" {
		f.stop(0, fmt.Errorf("no GGUF magic"))
		return
	}
	raw, err := r.fixed(4)
	if err != nil {
		f.stop(4, err)
		return
	}
	le, be := binary.LittleEndian.Uint32(raw), binary.BigEndian.Uint32(raw)
	switch {
	case le >= 1 && le <= 3:
		f.version = le
	case be >= 1 && be <= 3:
		f.version, f.bigEndian, r.order = be, true, binary.BigEndian
	default:
		f.stop(4, fmt.Errorf("unsupported GGUF version %d (bytes % x); versions 1 to 3 exist", le, raw))
		return
	}
	r.v1 = f.version == 1
	tcAt := r.pos
	if f.nTensors, err = p.header("tensor count"); err != nil {
		return
	}
	kvAt := r.pos
	if f.nKV, err = p.header("metadata count"); err != nil {
		return
	}
	// the smallest KV is a key length, a type and a one-byte value; the
	// smallest tensor info a name length, n_dims, a type and an offset
	minKV, minTI := r.countSize()+4+1, r.countSize()+4+4+8
	if !p.fits(f.nKV, minKV, "metadata key-value pairs", kvAt) || !p.fits(f.nTensors, minTI, "tensor infos", tcAt) {
		return
	}
	if f.nKV > maxKVs || f.nTensors > maxTensors {
		f.budget = fmt.Errorf("%d metadata pairs and %d tensors exceed the scanner's limits (%d, %d)", f.nKV, f.nTensors, maxKVs, maxTensors)
		return
	}
	for i := uint64(0); i < f.nKV; i++ {
		if err := p.kv(); err != nil {
			f.stop(r.pos, err)
			return
		}
	}
	if f.alignSet && !f.alignValid {
		f.align = defaultAlign
	}
	names := map[[sha256.Size]byte]bool{}
	for i := uint64(0); i < f.nTensors; i++ {
		if err := p.tensorInfo(names); err != nil {
			f.stop(r.pos, err)
			return
		}
	}
	f.infoEnd = r.pos
	f.dataStart = alignUp(r.pos, f.align)
	p.checkData()
}

// header reads one of the two counts of the header. v1 counts are 32 bits,
// later ones 64 bits that llama.cpp reads as signed.
func (p *parser) header(what string) (uint64, error) {
	at := p.r.pos
	n, err := p.r.count()
	if err != nil {
		p.f.stop(at, err)
		return 0, err
	}
	if n > math.MaxInt64 {
		err := fmt.Errorf("%s %d is negative as the signed 64-bit integer loaders read", what, int64(n))
		p.f.stop(at, err)
		return 0, err
	}
	return n, nil
}

// fits checks that n records, each taking at least least bytes, fit in what is
// left of the file.
func (p *parser) fits(n uint64, least int64, what string, countAt int64) bool {
	if left := uint64(p.r.remaining()); n > left/uint64(least) {
		p.f.stop(countAt, fmt.Errorf("%d %s cannot fit in the %d bytes left in the file (each takes at least %d)", n, what, left, least))
		return false
	}
	return true
}

// kv reads one metadata pair.
func (p *parser) kv() error {
	r, f := p.r, p.f
	at := r.pos
	key, err := r.str(maxKeep, true)
	if err != nil {
		return err
	}
	name := string(key.head)
	if key.n == 0 {
		f.add(at, "metadata key %d is empty (llama.cpp aborts on an empty key)", len(p.keys))
	}
	if key.n > maxLoaderString {
		f.add(at, "metadata key length %d exceeds llama.cpp's limit of %d", key.n, maxLoaderString)
	}
	if p.keys[key.sum] {
		f.add(at, "duplicate metadata key %s", quote(name))
	}
	p.keys[key.sum] = true
	t, err := r.u32()
	if err != nil {
		return err
	}
	vat := r.pos
	switch {
	case t == vArray:
		et, err := r.u32()
		if err != nil {
			return err
		}
		n, err := r.count()
		if err != nil {
			return err
		}
		if name == "general.alignment" {
			f.alignSet = true
			f.add(at, "general.alignment is an array of %s, not a UINT32", valueName(et))
		}
		return p.array(name, et, n, 1, vat)
	case t == vString:
		s, err := r.str(0, false)
		if err != nil {
			return err
		}
		if s.n > maxLoaderString {
			f.add(vat, "value of %s: string length %d exceeds llama.cpp's limit of %d", quote(name), s.n, maxLoaderString)
		}
		if name == "general.alignment" {
			f.alignSet = true
			f.add(at, "general.alignment is a STRING, not a UINT32")
		}
		if isTemplateKey(name) && key.n <= maxKeep && len(f.templates) < maxTemplates {
			f.templates = append(f.templates, template{key: name, off: s.off, n: s.n, keyOff: at})
		}
		return nil
	case valueSize(t) > 0:
		v, err := r.fixed(int(valueSize(t)))
		if err != nil {
			return err
		}
		if t == vBool && v[0] > 1 {
			f.add(vat, "value of %s is a BOOL holding %d (only 0 and 1 are valid)", quote(name), v[0])
		}
		if name == "general.alignment" {
			f.alignSet = true
			if t != vUint32 {
				f.add(at, "general.alignment is a %s, not a UINT32 (llama.cpp aborts)", valueName(t))
				return nil
			}
			a := uint64(r.order.Uint32(v))
			if a == 0 || a&(a-1) != 0 {
				f.add(vat, "general.alignment %d is not a power of two", a)
				return nil
			}
			f.align, f.alignValid = a, true
		}
		return nil
	}
	return fmt.Errorf("metadata %s has unknown value type %d", quote(name), t)
}

// array skips an array value of n elements of type t, checking each count
// and length against the bytes left.
func (p *parser) array(key string, t uint32, n uint64, depth int, at int64) error {
	r, f := p.r, p.f
	if depth > maxArrayDepth {
		return fmt.Errorf("metadata %s nests arrays deeper than %d levels", quote(key), maxArrayDepth)
	}
	if n > maxLoaderArray {
		f.add(at, "metadata %s: array of %d elements exceeds llama.cpp's limit of %d", quote(key), n, maxLoaderArray)
	}
	var least int64
	switch {
	case t == vString:
		least = r.countSize()
	case t == vArray:
		least = 4 + r.countSize()
	case valueSize(t) > 0:
		least = valueSize(t)
	default:
		return fmt.Errorf("metadata %s: array of unknown value type %d", quote(key), t)
	}
	if left := uint64(r.remaining()); n > left/uint64(least) {
		return fmt.Errorf("metadata %s: array of %d %s elements cannot fit in the %d bytes left", quote(key), n, valueName(t), left)
	}
	switch t {
	case vString:
		for i := uint64(0); i < n; i++ {
			s, err := r.str(0, false)
			if err != nil {
				return err
			}
			if s.n > maxLoaderString {
				f.add(s.off, "metadata %s: element %d is a string of %d bytes, over llama.cpp's limit", quote(key), i, s.n)
			}
		}
		return nil
	case vArray:
		for i := uint64(0); i < n; i++ {
			eat := r.pos
			et, err := r.u32()
			if err != nil {
				return err
			}
			en, err := r.count()
			if err != nil {
				return err
			}
			if err := p.array(key, et, en, depth+1, eat); err != nil {
				return err
			}
		}
		return nil
	case vBool:
		return p.bools(key, n)
	}
	return r.skip(int64(n) * least)
}

// bools checks that every element of a BOOL array is 0 or 1.
func (p *parser) bools(key string, n uint64) error {
	r := p.r
	for n > 0 {
		step := min(n, 4096)
		buf, err := r.br.Peek(int(step))
		if uint64(len(buf)) < step {
			return fmt.Errorf("at offset %d: read: %v", r.pos, err)
		}
		for i, v := range buf {
			if v > 1 {
				p.f.add(r.pos+int64(i), "metadata %s: BOOL array element holds %d (only 0 and 1 are valid)", quote(key), v)
				return r.skip(int64(n))
			}
		}
		if err := r.skip(int64(step)); err != nil {
			return err
		}
		n -= step
	}
	return nil
}

// tensorInfo reads one tensor-info record and computes the tensor's size.
func (p *parser) tensorInfo(names map[[sha256.Size]byte]bool) error {
	r, f := p.r, p.f
	at := r.pos
	nm, err := r.str(maxKeep, true)
	if err != nil {
		return err
	}
	ti := tinfo{name: string(nm.head), at: at}
	if nm.n > maxLoaderString {
		f.add(at, "tensor name length %d exceeds llama.cpp's limit of %d", nm.n, maxLoaderString)
	}
	if names[nm.sum] {
		f.add(at, "duplicate tensor name %s", quote(ti.name))
	}
	names[nm.sum] = true
	nd, err := r.u32()
	if err != nil {
		return err
	}
	dsize := int64(8)
	if r.v1 {
		dsize = 4
	}
	if int64(nd) > r.remaining()/dsize {
		return fmt.Errorf("tensor %s declares %d dimensions, more than the file holds", quote(ti.name), nd)
	}
	if nd > maxDims {
		f.add(at, "tensor %s has %d dimensions, more than GGML_MAX_DIMS (%d)", quote(ti.name), nd, maxDims)
	}
	ne := [maxDims]uint64{1, 1, 1, 1}
	dimsOK := nd <= maxDims
	var shown []string
	for j := uint32(0); j < nd; j++ {
		var d uint64
		if r.v1 {
			v, err := r.u32()
			if err != nil {
				return err
			}
			d = uint64(v)
		} else if d, err = r.u64(); err != nil {
			return err
		}
		if int64(d) < 0 {
			f.add(at, "tensor %s: dimension %d is %d, negative", quote(ti.name), j, int64(d))
			dimsOK = false
		} else if d == 0 && j > 0 && j < maxDims {
			f.add(at, "tensor %s: dimension %d is 0 (llama.cpp's element-count check divides by it)", quote(ti.name), j)
		}
		if j < maxDims {
			ne[j] = d
		}
		if j < 8 {
			shown = append(shown, strconv.FormatInt(int64(d), 10))
		}
	}
	shape := "[" + strings.Join(shown, ", ") + "]"
	tt, err := r.u32()
	if err != nil {
		return err
	}
	if ti.offset, err = r.u64(); err != nil {
		return err
	}
	typ, known := ggmlTypes[tt]
	switch {
	case !known:
		f.add(at, "tensor %s has unknown ggml type %d", quote(ti.name), int32(tt))
	case typ.removed:
		if _, seen := f.removed[typ.name]; !seen {
			f.removed[typ.name] = ti.name
		}
	}
	if dimsOK {
		elems, ok := elements(ne)
		switch {
		case !ok:
			f.add(at, "tensor %s: shape %s has more elements than a signed 64-bit count holds", quote(ti.name), shape)
		case known && ne[0]%typ.block != 0:
			f.add(at, "tensor %s: %d elements per row is not a multiple of the %s block size %d", quote(ti.name), ne[0], typ.name, typ.block)
		case known:
			hi, lo := bits.Mul64(elems/typ.block, typ.size)
			if hi != 0 || lo > math.MaxInt64 {
				f.add(at, "tensor %s: %s x %s overflows a 64-bit byte count", quote(ti.name), typ.name, shape)
			} else {
				ti.nbytes, ti.sizeKnown = lo, true
			}
		}
	}
	f.tensors = append(f.tensors, ti)
	return nil
}

// elements multiplies the dimensions as llama.cpp checks them: the
// product must stay below INT64_MAX.
func elements(ne [maxDims]uint64) (uint64, bool) {
	prod := uint64(1)
	for _, d := range ne {
		if d == 0 {
			return 0, true
		}
		hi, lo := bits.Mul64(prod, d)
		if hi != 0 || lo >= math.MaxInt64 {
			return 0, false
		}
		prod = lo
	}
	return prod, true
}

// checkData checks each tensor's offset and extent: aligned, where the
// previous tensor's padded end puts it (llama.cpp requires that), and
// inside the file.
func (p *parser) checkData() {
	f, size := p.f, p.r.size
	expect, expectKnown := uint64(0), true
	for _, t := range f.tensors {
		if t.offset%f.align != 0 {
			f.add(t.at, "tensor %s: offset %d is not a multiple of the alignment %d", quote(t.name), t.offset, f.align)
		}
		if expectKnown && t.offset != expect {
			f.add(t.at, "tensor %s: offset %d, expected %d after the previous tensor (llama.cpp refuses the file)", quote(t.name), t.offset, expect)
		}
		if !t.sizeKnown {
			expectKnown = false
			continue
		}
		end, carry := bits.Add64(uint64(f.dataStart), t.offset, 0)
		end, carry2 := bits.Add64(end, t.nbytes, 0)
		if carry != 0 || carry2 != 0 || end > uint64(size) {
			f.add(t.at, "tensor %s: %d bytes at data offset %d run past the end of the file (%d bytes of data after offset %d)",
				quote(t.name), t.nbytes, t.offset, max(size-f.dataStart, 0), f.dataStart)
			expectKnown = false
			continue
		}
		expect, expectKnown = alignUp64(t.offset+t.nbytes, f.align), true
	}
}

// dataEnd is where the file should end: after the last tensor and its
// padding, or after the tensor infos and their padding when there are
// none. ok is false when a tensor's size is unknown.
func (f *file) dataEnd() (int64, bool) {
	end := uint64(f.dataStart)
	for _, t := range f.tensors {
		if !t.sizeKnown {
			return 0, false
		}
		e := uint64(f.dataStart) + t.offset + t.nbytes
		if e < uint64(f.dataStart) || e > math.MaxInt64 {
			return 0, false
		}
		end = max(end, alignUp64(e, f.align))
	}
	return int64(end), true
}

func alignUp(v int64, a uint64) int64 { return int64(alignUp64(uint64(v), a)) }

func alignUp64(v, a uint64) uint64 {
	if a == 0 {
		return v
	}
	r := v % a
	if r == 0 {
		return v
	}
	if v > math.MaxUint64-(a-r) {
		return math.MaxUint64
	}
	return v + (a - r)
}

func isTemplateKey(k string) bool {
	return k == "tokenizer.chat_template" || strings.HasPrefix(k, "tokenizer.chat_template.")
}

// quote renders a name for evidence: quoted and bounded.
func quote(s string) string {
	if len(s) > 120 {
		return strconv.Quote(s[:120]) + "..."
	}
	return strconv.Quote(s)
}
