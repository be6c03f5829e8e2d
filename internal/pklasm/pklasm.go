// Package pklasm assembles pickle byte streams opcode by opcode. Tests use it
// to build crafted (including malicious) pickles without ever running Python
// or loading anything.
package pklasm

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// A is a pickle under construction. Methods append one opcode and return
// the receiver so calls chain.
type A struct{ b []byte }

// New starts an empty stream.
func New() *A { return &A{} }

// Bytes returns the assembled stream.
func (a *A) Bytes() []byte { return append([]byte(nil), a.b...) }

// Len is the current length (the offset of the next opcode).
func (a *A) Len() int { return len(a.b) }

// Raw appends bytes verbatim.
func (a *A) Raw(p ...byte) *A { a.b = append(a.b, p...); return a }

// RawString appends a string verbatim.
func (a *A) RawString(s string) *A { a.b = append(a.b, s...); return a }

func (a *A) op(c byte, arg ...byte) *A { a.b = append(append(a.b, c), arg...); return a }

func u32(n int) []byte { var p [4]byte; binary.LittleEndian.PutUint32(p[:], uint32(n)); return p[:] }
func u64(n int) []byte { var p [8]byte; binary.LittleEndian.PutUint64(p[:], uint64(n)); return p[:] }

// Proto emits PROTO n.
func (a *A) Proto(n byte) *A { return a.op(0x80, n) }

// Frame emits FRAME with the given length.
func (a *A) Frame(n int) *A { return a.op(0x95, u64(n)...) }

// Stop emits STOP.
func (a *A) Stop() *A { return a.op('.') }

// Mark emits MARK.
func (a *A) Mark() *A { return a.op('(') }

// Pop emits POP.
func (a *A) Pop() *A { return a.op('0') }

// PopMark emits POP_MARK.
func (a *A) PopMark() *A { return a.op('1') }

// Dup emits DUP.
func (a *A) Dup() *A { return a.op('2') }

// None emits NONE.
func (a *A) None() *A { return a.op('N') }

// Bool emits NEWTRUE or NEWFALSE.
func (a *A) Bool(v bool) *A {
	if v {
		return a.op(0x88)
	}
	return a.op(0x89)
}

// Int emits the shortest binary int opcode for v.
func (a *A) Int(v int) *A {
	switch {
	case v >= 0 && v < 256:
		return a.op('K', byte(v))
	case v >= 0 && v < 65536:
		return a.op('M', byte(v), byte(v>>8))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return a.op('J', u32(v)...)
	}
	return a.Long1(int64(v))
}

// TextInt emits INT with a raw argument line (without the newline).
func (a *A) TextInt(s string) *A { return a.op('I', append([]byte(s), '\n')...) }

// TextLong emits LONG with a raw argument line.
func (a *A) TextLong(s string) *A { return a.op('L', append([]byte(s), '\n')...) }

// TextFloat emits FLOAT with a raw argument line.
func (a *A) TextFloat(s string) *A { return a.op('F', append([]byte(s), '\n')...) }

// Long1 emits LONG1 with v in two's complement little-endian.
func (a *A) Long1(v int64) *A {
	var p []byte
	for {
		p = append(p, byte(v))
		if (v >= -128 && v < 128) && ((v < 0) == (byte(v)&0x80 != 0)) {
			break
		}
		v >>= 8
	}
	return a.op(0x8a, append([]byte{byte(len(p))}, p...)...)
}

// BinFloat emits BINFLOAT.
func (a *A) BinFloat(f float64) *A {
	var p [8]byte
	binary.BigEndian.PutUint64(p[:], math.Float64bits(f))
	return a.op('G', p[:]...)
}

// Str emits the protocol-appropriate binary str opcode (SHORT_BINUNICODE or
// BINUNICODE).
func (a *A) Str(s string) *A {
	if len(s) < 256 {
		return a.op(0x8c, append([]byte{byte(len(s))}, s...)...)
	}
	return a.op('X', append(u32(len(s)), s...)...)
}

// BinUnicode emits BINUNICODE.
func (a *A) BinUnicode(s string) *A { return a.op('X', append(u32(len(s)), s...)...) }

// BinUnicode8 emits BINUNICODE8.
func (a *A) BinUnicode8(s string) *A { return a.op(0x8d, append(u64(len(s)), s...)...) }

// Unicode emits protocol-0 UNICODE with a raw (already escaped) line.
func (a *A) Unicode(raw string) *A { return a.op('V', append([]byte(raw), '\n')...) }

// String emits protocol-0 STRING, quoting s with Python's repr rules.
func (a *A) String(s string) *A {
	return a.op('S', append([]byte(strconv.Quote(s)), '\n')...)
}

// StringRaw emits STRING with a raw argument line.
func (a *A) StringRaw(line string) *A { return a.op('S', append([]byte(line), '\n')...) }

// BinString emits BINSTRING.
func (a *A) BinString(s string) *A { return a.op('T', append(u32(len(s)), s...)...) }

// ShortBinString emits SHORT_BINSTRING.
func (a *A) ShortBinString(s string) *A {
	return a.op('U', append([]byte{byte(len(s))}, s...)...)
}

// BinBytes emits SHORT_BINBYTES or BINBYTES.
func (a *A) BinBytes(p []byte) *A {
	if len(p) < 256 {
		return a.op('C', append([]byte{byte(len(p))}, p...)...)
	}
	return a.op('B', append(u32(len(p)), p...)...)
}

// BinBytes8 emits BINBYTES8.
func (a *A) BinBytes8(p []byte) *A { return a.op(0x8e, append(u64(len(p)), p...)...) }

// ByteArray8 emits BYTEARRAY8.
func (a *A) ByteArray8(p []byte) *A { return a.op(0x96, append(u64(len(p)), p...)...) }

// Global emits GLOBAL module\nname\n.
func (a *A) Global(module, name string) *A {
	return a.op('c', []byte(module+"\n"+name+"\n")...)
}

// Inst emits INST module\nname\n (a MARK and the arguments come before).
func (a *A) Inst(module, name string) *A {
	return a.op('i', []byte(module+"\n"+name+"\n")...)
}

// StackGlobal emits STACK_GLOBAL.
func (a *A) StackGlobal() *A { return a.op(0x93) }

// SG pushes module and name strings and emits STACK_GLOBAL.
func (a *A) SG(module, name string) *A { return a.Str(module).Str(name).StackGlobal() }

// EmptyTuple, Tuple, Tuple1..3, EmptyList, List, Append, Appends,
// EmptyDict, Dict, SetItem, SetItems, EmptySet, AddItems, FrozenSet emit the
// container opcodes of the same names.
func (a *A) EmptyTuple() *A { return a.op(')') }
func (a *A) Tuple() *A      { return a.op('t') }
func (a *A) Tuple1() *A     { return a.op(0x85) }
func (a *A) Tuple2() *A     { return a.op(0x86) }
func (a *A) Tuple3() *A     { return a.op(0x87) }
func (a *A) EmptyList() *A  { return a.op(']') }
func (a *A) List() *A       { return a.op('l') }
func (a *A) Append() *A     { return a.op('a') }
func (a *A) Appends() *A    { return a.op('e') }
func (a *A) EmptyDict() *A  { return a.op('}') }
func (a *A) Dict() *A       { return a.op('d') }
func (a *A) SetItem() *A    { return a.op('s') }
func (a *A) SetItems() *A   { return a.op('u') }
func (a *A) EmptySet() *A   { return a.op(0x8f) }
func (a *A) AddItems() *A   { return a.op(0x90) }
func (a *A) FrozenSet() *A  { return a.op(0x91) }

// Reduce, Build, NewObj, NewObjEx and Obj emit the call opcodes.
func (a *A) Reduce() *A   { return a.op('R') }
func (a *A) Build() *A    { return a.op('b') }
func (a *A) NewObj() *A   { return a.op(0x81) }
func (a *A) NewObjEx() *A { return a.op(0x92) }
func (a *A) Obj() *A      { return a.op('o') }

// Memo opcodes.
func (a *A) Put(i int) *A        { return a.op('p', []byte(strconv.Itoa(i)+"\n")...) }
func (a *A) BinPut(i byte) *A    { return a.op('q', i) }
func (a *A) LongBinPut(i int) *A { return a.op('r', u32(i)...) }
func (a *A) Memoize() *A         { return a.op(0x94) }
func (a *A) Get(i int) *A        { return a.op('g', []byte(strconv.Itoa(i)+"\n")...) }
func (a *A) BinGet(i byte) *A    { return a.op('h', i) }
func (a *A) LongBinGet(i int) *A { return a.op('j', u32(i)...) }

// Persistent ids.
func (a *A) PersID(s string) *A { return a.op('P', []byte(s+"\n")...) }
func (a *A) BinPersID() *A      { return a.op('Q') }

// Extension registry.
func (a *A) Ext1(c byte) *A { return a.op(0x82, c) }
func (a *A) Ext2(c int) *A  { return a.op(0x83, byte(c), byte(c>>8)) }
func (a *A) Ext4(c int) *A  { return a.op(0x84, u32(c)...) }

// Out-of-band buffers.
func (a *A) NextBuffer() *A     { return a.op(0x97) }
func (a *A) ReadonlyBuffer() *A { return a.op(0x98) }

// Call emits module.name(*args) with STACK_GLOBAL (protocol 4 style) when
// the stream has a protocol >= 4 header, else GLOBAL; args are strings.
func (a *A) Call(module, name string, args ...string) *A {
	a.Global(module, name)
	a.Mark()
	for _, s := range args {
		a.Str(s)
	}
	return a.Tuple().Reduce()
}

// System returns a complete protocol-2 pickle of posix.system(cmd).
func System(cmd string) []byte {
	return New().Proto(2).Global("posix", "system").Str(cmd).Tuple1().Reduce().Stop().Bytes()
}

// Hex formats a stream for test failure messages.
func Hex(p []byte) string { return fmt.Sprintf("% x", p) }
