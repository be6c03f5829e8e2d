package pickle

import (
	"errors"
	"fmt"
	"io"
	"math/big"
)

// Value is a symbolic value on the pickle machine's stack or in its memo.
// Literals carry their real content (large payloads only a head and a
// reference to where the bytes are); containers keep a bounded number of
// items; globals, call results and persistent references are kept whole.
type Value interface{ isValue() }

// None is Python's None.
type NoneV struct{}

// Bool is a Python bool.
type Bool bool

// Int is a Python int that fits in int64.
type Int int64

// BigInt is a Python int that does not fit in int64.
type BigInt struct{ V *big.Int }

// Float is a Python float.
type Float float64

// Str is a Python str. A long string keeps only its head in S; Long then
// says where the whole argument is.
type Str struct {
	S    string   // the text, or its head when Long is set
	Long *LongRef // nil for strings held whole
}

// LongRef locates the encoded argument of a long string. Src is set when
// the argument is raw UTF-8 (BINUNICODE*) and can be re-read.
type LongRef struct {
	Len int64 // bytes of the encoded argument, -1 if unknown (text opcodes)
	Off int64 // absolute offset of the argument
	Src io.ReaderAt
}

// Bytes is a Python bytes or bytearray. Data holds the content when it is
// small or was decoded; large payloads keep Head and can be re-read from
// Src[Off:Off+Len].
type Bytes struct {
	Data      []byte      // full content, nil when only Head is kept
	Head      []byte      // first bytes when Data is nil
	Len       int64       // total length
	Off       int64       // absolute offset in Src, -1 for derived bytes
	Src       io.ReaderAt // where the payload lives, nil for derived bytes
	ByteArray bool        // bytearray rather than bytes
	From      *Call       // set when produced by a decoder call (base64, codecs…)
}

// extend is bytearray.extend(items): every item must be an int in 0..255.
func (b *Bytes) extend(items []Value) error {
	for _, it := range items {
		n, ok := IntValue(it)
		if !ok {
			return fmt.Errorf("'%s' object cannot be interpreted as an integer", typeName(it)[1:len(typeName(it))-1])
		}
		if n < 0 || n > 255 {
			return errors.New("byte must be in range(0, 256)")
		}
		if b.Full() {
			b.Data = append(b.Data, byte(n))
		}
		b.Len++
	}
	return nil
}

// assign is bytearray[idx] = v.
func (b *Bytes) assign(idx, v Value) error {
	i, ok := IntValue(idx)
	if !ok {
		return fmt.Errorf("bytearray indices must be integers or slices, not %s", typeName(idx))
	}
	n, ok := IntValue(v)
	if !ok {
		return fmt.Errorf("'%s' object cannot be interpreted as an integer", typeName(v)[1:len(typeName(v))-1])
	}
	if n < 0 || n > 255 {
		return errors.New("byte must be in range(0, 256)")
	}
	if i < 0 {
		i += b.Len
	}
	if i < 0 || i >= b.Len {
		return errors.New("bytearray index out of range")
	}
	if b.Data != nil {
		b.Data[i] = byte(n)
	}
	return nil
}

// Full reports whether the whole content is held in Data.
func (b *Bytes) Full() bool { return b.Data != nil || b.Len == 0 }

// Prefix returns the known leading bytes.
func (b *Bytes) Prefix() []byte {
	if b.Data != nil {
		return b.Data
	}
	return b.Head
}

// SeqKind tells tuples, lists, sets and frozensets apart.
type SeqKind uint8

// Sequence kinds.
const (
	KTuple SeqKind = iota
	KList
	KSet
	KFrozenSet
)

// maxKeptItems bounds how many plain items a container keeps for rendering
// and analysis. Interesting items (globals, calls, …) are kept up to
// maxKeptInteresting.
const (
	maxKeptItems       = 16
	maxKeptInteresting = 4096
)

// Seq is a tuple, list, set or frozenset.
type Seq struct {
	Kind        SeqKind
	Items       []Value // the first items, plus every interesting one
	N           int64   // real number of items
	Interesting bool    // holds (transitively) a global, call or reference
	Dropped     bool    // some items were not kept
}

// Dict is a Python dict. Keys and Vals are parallel.
type Dict struct {
	Keys, Vals  []Value
	N           int64
	Interesting bool
	Dropped     bool
}

// Global is the object a GLOBAL, STACK_GLOBAL, INST or EXT opcode imports.
// Module and Name are as written in the stream (before renames).
type Global struct {
	Module, Name string
	Op           byte  // opcode that imported it
	Off          int64 // offset of that opcode
	Proto        int   // protocol in force (fix_imports applies below 3)
	Ext          int64 // EXT code when imported through the copyreg registry
}

// Call is the object produced by calling Func. Op is the opcode that made
// the call (REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST or BUILD for __setstate__).
type Call struct {
	Func   Value
	Args   *Seq // positional arguments (a tuple)
	Kwargs Value
	Op     byte
	Off    int64
	// Result is set for pure decoders (base64, codecs, binascii, …) whose
	// output the machine computed: it holds the decoded Bytes or Str.
	Result Value
	// Attrs records attributes set on the object by BUILD (only dunder and
	// callable-valued ones are kept, for __setstate__ injection).
	Attrs map[string]Value
	// State is the BUILD state, kept only for numpy.dtype objects (joblib
	// needs their itemsize).
	State Value
}

// Pers is the object returned by the loader's persistent_load for ID.
type Pers struct {
	ID  Value
	Off int64
}

// Unresolved is an import whose target could not be determined statically.
type Unresolved struct {
	Why string
	Off int64
}

// Buffer is an out-of-band buffer (NEXT_BUFFER).
type Buffer struct{ Off int64 }

// Opaque stands for a plain container that was dropped from the memo to
// keep memory bounded; it only remembers its kind.
type Opaque struct{ What string }

func (NoneV) isValue()       {}
func (Bool) isValue()        {}
func (Int) isValue()         {}
func (*BigInt) isValue()     {}
func (Float) isValue()       {}
func (*Str) isValue()        {}
func (*Bytes) isValue()      {}
func (*Seq) isValue()        {}
func (*Dict) isValue()       {}
func (*Global) isValue()     {}
func (*Call) isValue()       {}
func (*Pers) isValue()       {}
func (*Unresolved) isValue() {}
func (*Buffer) isValue()     {}
func (*Opaque) isValue()     {}

// Interesting reports whether v is, or contains, something other than plain
// data: an import, a call result, a persistent reference.
func Interesting(v Value) bool {
	switch x := v.(type) {
	case *Global, *Call, *Pers, *Unresolved, *Buffer:
		return true
	case *Seq:
		return x.Interesting
	case *Dict:
		return x.Interesting
	}
	return false
}

// StrValue returns the text of a literal str (not a computed one).
func StrValue(v Value) (string, bool) {
	if s, ok := v.(*Str); ok && s.Long == nil {
		return s.S, true
	}
	return "", false
}

// IntValue returns the value of a literal int or bool.
func IntValue(v Value) (int64, bool) {
	switch x := v.(type) {
	case Int:
		return int64(x), true
	case Bool:
		if x {
			return 1, true
		}
		return 0, true
	case *BigInt:
		if x.V.IsInt64() {
			return x.V.Int64(), true
		}
	}
	return 0, false
}

// DictGet returns the value stored under a literal string key.
func DictGet(d *Dict, key string) (Value, bool) {
	for i, k := range d.Keys {
		if s, ok := StrValue(k); ok && s == key {
			return d.Vals[i], true
		}
	}
	return nil, false
}

var smallInts [1024 + 5]Value

func init() {
	for i := range smallInts {
		smallInts[i] = Int(i - 5)
	}
}

// mkInt boxes an int64, reusing preallocated values for small ones.
func mkInt(v int64) Value {
	if v >= -5 && v < 1024 {
		return smallInts[v+5]
	}
	return Int(v)
}

// tuple3 and dict4 hold small containers and their items in one allocation.
type tuple3 struct {
	Seq
	arr [3]Value
}

type dict4 struct {
	Dict
	arr [8]Value
}

// newSmallTuple builds a tuple of up to three items copied from items.
func newSmallTuple(items []Value) *Seq {
	t := &tuple3{}
	t.Kind = KTuple
	n := copy(t.arr[:], items)
	t.Items, t.N = t.arr[:n:n], int64(n)
	for _, v := range t.Items {
		if Interesting(v) {
			t.Interesting = true
			break
		}
	}
	return &t.Seq
}

// newDict returns an empty dict with room for four pairs.
func newDict() *Dict {
	d := &dict4{}
	d.Keys, d.Vals = d.arr[0:0:4], d.arr[4:4:8]
	return &d.Dict
}

// newSeq builds a container from items, taking ownership of the slice.
func newSeq(kind SeqKind, items []Value) *Seq {
	s := &Seq{Kind: kind}
	if len(items) <= maxKeptItems {
		s.Items, s.N = items, int64(len(items))
		for _, v := range items {
			if Interesting(v) {
				s.Interesting = true
				break
			}
		}
		return s
	}
	s.appendAll(items)
	return s
}

func (s *Seq) add(v Value) {
	s.N++
	in := Interesting(v)
	if in {
		s.Interesting = true
	}
	if len(s.Items) < maxKeptItems || (in && len(s.Items) < maxKeptInteresting) {
		s.Items = append(s.Items, v)
	} else {
		s.Dropped = true
	}
}

// assign is list[idx] = v: the index must be an int within the list.
func (s *Seq) assign(idx, v Value) error {
	i, ok := IntValue(idx)
	if !ok {
		return fmt.Errorf("list indices must be integers or slices, not %s", typeName(idx))
	}
	if i < 0 {
		i += s.N
	}
	if i < 0 || i >= s.N {
		return errors.New("list assignment index out of range")
	}
	if i < int64(len(s.Items)) {
		s.Items[i] = v
		if Interesting(v) {
			s.Interesting = true
		}
	}
	return nil
}

func (s *Seq) appendAll(items []Value) {
	for _, v := range items {
		s.add(v)
	}
}

// grow reserves room for n more kept pairs.
func (d *Dict) grow(n int) {
	if room := maxKeptItems - len(d.Keys); room > 0 && cap(d.Keys)-len(d.Keys) < n {
		n = min(n, room)
		d.Keys = append(make([]Value, 0, len(d.Keys)+n), d.Keys...)
		d.Vals = append(make([]Value, 0, len(d.Vals)+n), d.Vals...)
	}
}

func (d *Dict) set(k, v Value) {
	d.N++
	in := Interesting(k) || Interesting(v)
	if in {
		d.Interesting = true
	}
	if len(d.Keys) < maxKeptItems || (in && len(d.Keys) < maxKeptInteresting) {
		d.Keys = append(d.Keys, k)
		d.Vals = append(d.Vals, v)
	} else {
		d.Dropped = true
	}
}
