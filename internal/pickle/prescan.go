package pickle

import (
	"encoding/binary"
	"io"
)

// The memo of an ordinary pickle holds one entry per container and string,
// but few are ever read back (GET/BINGET/LONG_BINGET). Keeping every entry
// makes memory grow with the file. Before a large stream is analysed, a
// pre-pass reads the opcodes exactly the way the machine does (same reader,
// same frame mode, same argument sizes) without building values, and
// records which memo indices are read. The machine then keeps only those;
// the others still count for MEMOIZE numbering and the memo budget.
//
// The pre-pass cannot follow joblib streams (array sizes depend on values),
// so they keep every entry.

// prescanMin is the stream size from which the pre-pass pays off.
const prescanMin = 1 << 20

// indexSet is a set of memo indices: a bitmap for small ones, a map above.
type indexSet struct {
	bits []uint64
	big  map[int64]bool
}

const denseIndexLimit = 1 << 26 // 8 MiB of bitmap at most

func (s *indexSet) add(i int64) {
	if i >= 0 && i < denseIndexLimit {
		w := int(i >> 6)
		for len(s.bits) <= w {
			s.bits = append(s.bits, 0)
		}
		s.bits[w] |= 1 << (uint(i) & 63)
		return
	}
	if s.big == nil {
		s.big = map[int64]bool{}
	}
	s.big[i] = true
}

func (s *indexSet) has(i int64) bool {
	if i >= 0 && i < denseIndexLimit {
		w := int(i >> 6)
		return w < len(s.bits) && s.bits[w]&(1<<(uint(i)&63)) != 0
	}
	return s.big[i]
}

// argSize is the fixed argument length of an opcode, or -1 when the
// argument is a line, a length-prefixed payload or absent (0).
var argSize = [256]int8{
	opBinInt1: 1, opBinGet: 1, opBinPut: 1, opProto: 1, opExt1: 1,
	opBinInt2: 2, opExt2: 2,
	opBinInt: 4, opLongBinGet: 4, opLongBinPut: 4, opExt4: 4,
	opBinFloat: 8,
}

// prescanReads returns the memo indices the stream reads.
func prescanReads(src io.ReaderAt, start, end int64, cfg Config) *indexSet {
	r := newReader(src, start, end, cfg.Mode)
	reads := &indexSet{}
	var ops int64
	pickles := 0
	for r.remaining() > 0 && ops < cfg.MaxOps {
		if r.prepare(1) != nil {
			return reads
		}
		op, err := r.readByte()
		if err != nil {
			return reads
		}
		ops++
		if !prescanArg(r, op, reads, cfg.MaxLine, cfg.Mode) {
			return reads
		}
		if op == opStop {
			pickles++
			if cfg.MaxPickles > 0 && pickles >= cfg.MaxPickles {
				return reads
			}
		}
	}
	return reads
}

// prescanArg consumes the argument of op as the machine would and records
// memo reads. It returns false when the stream cannot be followed further.
func prescanArg(r *reader, op byte, reads *indexSet, maxLine int, mode FrameMode) bool {
	if n := argSize[op]; n > 0 {
		b, err := r.read(int(n))
		if err != nil {
			return false
		}
		switch op {
		case opBinGet:
			reads.add(int64(b[0]))
		case opLongBinGet:
			reads.add(int64(binary.LittleEndian.Uint32(b)))
		}
		return true
	}
	switch op {
	case opInt, opLong, opFloat, opString, opUnicode, opPut, opPersID:
		_, _, err := r.readLine(maxLine)
		return err == nil
	case opGet:
		line, _, err := r.readLine(maxLine)
		if err != nil {
			return false
		}
		idx, err := parseMemoIndex(line)
		if mode == FramePython {
			idx, err = parseMemoIndexPython(line[:len(line)-1])
		}
		if err == nil {
			reads.add(idx)
		}
		return true
	case opGlobal, opInst:
		for i := 0; i < 2; i++ {
			if _, _, err := r.readLine(maxLine); err != nil {
				return false
			}
		}
		return true
	case opLong1, opShortBinString, opShortBinUnicode, opShortBinBytes:
		b, err := r.readByte()
		return err == nil && r.skip(int64(b)) == nil
	case opLong4, opBinString:
		b, err := r.read(4)
		if err != nil {
			return false
		}
		n := int64(int32(binary.LittleEndian.Uint32(b)))
		return n >= 0 && r.skip(n) == nil
	case opBinUnicode, opBinBytes:
		b, err := r.read(4)
		return err == nil && r.skip(int64(binary.LittleEndian.Uint32(b))) == nil
	case opBinUnicode8, opBinBytes8, opByteArray8, opFrame:
		b, err := r.read(8)
		if err != nil {
			return false
		}
		n := binary.LittleEndian.Uint64(b)
		if n > 1<<62 {
			return false
		}
		if op == opFrame {
			return r.startFrame(int64(n)) == nil
		}
		return r.skip(int64(n)) == nil
	}
	return IsOpcode(op)
}
