package pickle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
)

// step executes one opcode, as the C unpickler's load loop does.

func (m *machine) step(op byte) error {
	r := m.r
	switch op {
	case opMark:
		if len(m.stack)+len(m.marks) >= m.cfg.MaxStack {
			return &BudgetError{Budget: "max_stack", Limit: int64(m.cfg.MaxStack), Off: m.opOff}
		}
		m.marks = append(m.marks, len(m.stack))
		m.fence = len(m.stack)
		return nil
	case opPop:
		if len(m.marks) > 0 && m.marks[len(m.marks)-1] == len(m.stack) {
			_, err := m.marker()
			return err
		}
		_, err := m.pop()
		return err
	case opPopMark:
		k, err := m.marker()
		if err != nil {
			return err
		}
		_, err = m.popItems(k)
		return err
	case opDup:
		v, err := m.top()
		if err != nil {
			return err
		}
		return m.push(v)

	case opNone:
		return m.push(NoneV{})
	case opNewTrue:
		return m.push(Bool(true))
	case opNewFalse:
		return m.push(Bool(false))
	case opBinInt:
		b, err := r.read(4)
		if err != nil {
			return err
		}
		return m.push(mkInt(int64(int32(binary.LittleEndian.Uint32(b)))))
	case opBinInt1:
		b, err := r.readByte()
		if err != nil {
			return err
		}
		return m.push(mkInt(int64(b)))
	case opBinInt2:
		b, err := r.read(2)
		if err != nil {
			return err
		}
		return m.push(mkInt(int64(binary.LittleEndian.Uint16(b))))
	case opInt:
		if m.cfg.Mode == FramePython {
			return m.pushParsed(parseINTPython)
		}
		return m.pushParsed(parseINT)
	case opLong:
		if m.cfg.Mode == FramePython {
			return m.pushParsed(parseLONGPython)
		}
		return m.pushParsed(parseLONG)
	case opLong1, opLong4:
		n, err := m.lengthArg(op == opLong1, "LONG")
		if err != nil {
			return err
		}
		if n > 1<<20 {
			// A huge integer literal: skip it, its value is irrelevant.
			if err := r.skip(n); err != nil {
				return err
			}
			return m.push(&BigInt{V: big.NewInt(0)})
		}
		buf := make([]byte, n)
		if err := r.readInto(buf); err != nil {
			return err
		}
		return m.push(decodeLong(buf))
	case opFloat:
		if m.cfg.Mode == FramePython {
			return m.pushParsed(parseFLOATPython)
		}
		return m.pushParsed(parseFLOAT)
	case opBinFloat:
		b, err := r.read(8)
		if err != nil {
			return err
		}
		return m.push(Float(math.Float64frombits(binary.BigEndian.Uint64(b))))

	case opString:
		off := r.pos
		line, long, err := m.readLine()
		if err != nil {
			return err
		}
		if long {
			v := &Str{S: latin1(line), Long: &LongRef{Len: -1, Off: off}}
			return m.push(v)
		}
		raw, err := unquoteSTRING(line)
		if err != nil {
			return err
		}
		// pickle.load decodes STRING with encoding='ASCII' by default;
		// loaders pass 'latin1' or 'bytes'. Latin-1 keeps every byte.
		v := &Str{S: latin1(raw)}
		m.noteLiteral(v)
		return m.push(v)
	case opBinString, opShortBinString:
		n, err := m.lengthArg(op == opShortBinString, "BINSTRING")
		if err != nil {
			return err
		}
		data, head, off, err := m.payload(n)
		if err != nil {
			return err
		}
		var v *Str
		if data != nil {
			v = &Str{S: latin1(data)}
		} else {
			v = &Str{S: latin1(head), Long: &LongRef{Len: n, Off: off}}
		}
		m.noteLiteral(v)
		return m.push(v)
	case opUnicode:
		off := r.pos
		line, long, err := m.readLine()
		if err != nil {
			return err
		}
		if long {
			return m.push(&Str{S: latin1(line), Long: &LongRef{Len: -1, Off: off}})
		}
		s, err := decodeRawUnicodeEscape(line[:len(line)-1])
		if err != nil {
			return err
		}
		v := &Str{S: s}
		m.noteLiteral(v)
		return m.push(v)
	case opBinUnicode:
		n, err := m.binsize(4)
		if err != nil {
			return err
		}
		return m.pushUnicode(n)
	case opShortBinUnicode:
		n, err := m.binsize(1)
		if err != nil {
			return err
		}
		return m.pushUnicode(n)
	case opBinUnicode8:
		n, err := m.binsize(8)
		if err != nil {
			return err
		}
		return m.pushUnicode(n)
	case opBinBytes:
		n, err := m.binsize(4)
		if err != nil {
			return err
		}
		return m.pushBytes(n, false)
	case opShortBinBytes:
		n, err := m.binsize(1)
		if err != nil {
			return err
		}
		return m.pushBytes(n, false)
	case opBinBytes8:
		n, err := m.binsize(8)
		if err != nil {
			return err
		}
		return m.pushBytes(n, false)
	case opByteArray8:
		n, err := m.binsize(8)
		if err != nil {
			return err
		}
		return m.pushBytes(n, true)
	case opNextBuffer:
		// pickle.load without buffers= fails here; loaders that pass
		// buffers get an out-of-band object.
		return m.push(&Buffer{Off: m.opOff})
	case opReadonlyBuffer:
		_, err := m.top()
		return err

	case opEmptyTuple:
		return m.push(&Seq{Kind: KTuple})
	case opEmptyList:
		return m.push(&Seq{Kind: KList})
	case opEmptyDict:
		return m.push(newDict())
	case opEmptySet:
		return m.push(&Seq{Kind: KSet})
	case opTuple, opList, opFrozenSet:
		k, err := m.marker()
		if err != nil {
			return err
		}
		items, err := m.popItems(k)
		if err != nil {
			return err
		}
		kind := KTuple
		if op == opList {
			kind = KList
		} else if op == opFrozenSet {
			kind = KFrozenSet
			for _, it := range items {
				if err := hashable(it); err != nil {
					return err
				}
			}
		}
		return m.push(newSeq(kind, items))
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		k := len(m.stack) - n
		if k < m.fence || k < 0 {
			return m.underflow()
		}
		t := newSmallTuple(m.stack[k:])
		m.truncate(k)
		return m.push(t)
	case opDict:
		k, err := m.marker()
		if err != nil {
			return err
		}
		if k < m.fence || k > len(m.stack) {
			return m.underflow()
		}
		items := m.stack[k:]
		if len(items)%2 != 0 {
			return errors.New("odd number of items for DICT")
		}
		d := newDict()
		d.grow(len(items) / 2)
		for i := 0; i < len(items); i += 2 {
			if err := hashable(items[i]); err != nil {
				return err
			}
			d.set(items[i], items[i+1])
		}
		m.truncate(k)
		return m.push(d)

	case opAppend:
		if len(m.stack)-2 < m.fence {
			return m.underflow()
		}
		return m.extend(len(m.stack) - 1)
	case opAppends:
		k, err := m.marker()
		if err != nil {
			return err
		}
		return m.extend(k)
	case opSetItem:
		if len(m.stack)-3 < m.fence {
			return m.underflow()
		}
		return m.setItems(len(m.stack) - 2)
	case opSetItems:
		k, err := m.marker()
		if err != nil {
			return err
		}
		return m.setItems(k)
	case opAddItems:
		k, err := m.marker()
		if err != nil {
			return err
		}
		return m.addItems(k)

	case opGet, opBinGet, opLongBinGet:
		var idx int64
		switch op {
		case opGet:
			line, _, err := m.readLine()
			if err != nil {
				return err
			}
			if idx, err = m.memoIndex(line); err != nil {
				return err
			}
		case opBinGet:
			b, err := r.readByte()
			if err != nil {
				return err
			}
			idx = int64(b)
		default:
			b, err := r.read(4)
			if err != nil {
				return err
			}
			idx = int64(binary.LittleEndian.Uint32(b))
		}
		v, err := m.memoGet(idx)
		if err != nil {
			return err
		}
		return m.push(v)
	case opPut, opBinPut, opLongBinPut, opMemoize:
		var idx int64
		switch op {
		case opPut:
			line, _, err := m.readLine()
			if err != nil {
				return err
			}
			if idx, err = m.memoIndex(line); err != nil {
				return err
			}
		case opBinPut:
			b, err := r.readByte()
			if err != nil {
				return err
			}
			idx = int64(b)
		case opLongBinPut:
			b, err := r.read(4)
			if err != nil {
				return err
			}
			idx = int64(binary.LittleEndian.Uint32(b))
		default:
			idx = int64(m.nmemo)
		}
		v, err := m.top()
		if err != nil {
			return err
		}
		return m.memoPut(idx, v)

	case opProto:
		b, err := r.readByte()
		if err != nil {
			return err
		}
		if int(b) > highestProtocol {
			return fmt.Errorf("unsupported pickle protocol: %d", b)
		}
		m.proto = int(b)
		return nil
	case opFrame:
		n, err := m.binsize(8)
		if err != nil {
			return err
		}
		if m.frameAt >= 0 && m.opOff < m.frameAt && m.cfg.Mode == FrameLinear {
			m.res.Straddled = true
			m.emit(&Event{Kind: EvFrameStraddle, Op: op, Off: m.opOff, Detail: fmt.Sprintf("FRAME at offset %d starts before the previous frame ends at offset %d", m.opOff, m.frameAt)})
		}
		if err := r.startFrame(n); err != nil {
			return err
		}
		m.frameAt = r.pos + n
		return nil

	case opGlobal, opInst:
		return m.global(op)
	case opStackGlobal:
		return m.stackGlobal()
	case opExt1, opExt2, opExt4:
		n := map[byte]int{opExt1: 1, opExt2: 2, opExt4: 4}[op]
		b, err := r.read(n)
		if err != nil {
			return err
		}
		code := int64(le(b))
		if op == opExt4 {
			code = int64(int32(uint32(code)))
		}
		return m.ext1(code)

	case opReduce:
		args, err := m.pop()
		if err != nil {
			return err
		}
		fn, err := m.pop()
		if err != nil {
			return err
		}
		return m.call(fn, args, nil)
	case opNewObj:
		args, err := m.pop()
		if err != nil {
			return err
		}
		if isLiteral(args) && !isTuple(args) && m.cfg.Mode != FramePython {
			return errors.New("NEWOBJ expected an arg tuple.")
		}
		cls, err := m.pop()
		if err != nil {
			return err
		}
		return m.call(cls, args, nil)
	case opNewObjEx:
		kw, err := m.pop()
		if err != nil {
			return err
		}
		args, err := m.pop()
		if err != nil {
			return err
		}
		cls, err := m.pop()
		if err != nil {
			return err
		}
		if isLiteral(args) && !isTuple(args) && m.cfg.Mode != FramePython {
			return errors.New("NEWOBJ_EX args argument must be a tuple")
		}
		if isLiteral(kw) {
			d, ok := kw.(*Dict)
			if !ok {
				return errors.New("NEWOBJ_EX kwargs argument must be a dict")
			}
			for _, k := range d.Keys {
				if _, isStr := k.(*Str); !isStr {
					return errors.New("keywords must be strings")
				}
			}
		}
		return m.call(cls, args, kw)
	case opObj:
		k, err := m.marker()
		if err != nil {
			return err
		}
		if len(m.stack)-k < 1 {
			return m.underflow()
		}
		args, err := m.popItems(k + 1)
		if err != nil {
			return err
		}
		cls, err := m.pop()
		if err != nil {
			return err
		}
		return m.call(cls, newSeq(KTuple, args), nil)
	case opBuild:
		return m.build()

	case opPersID:
		line, _, err := m.readLine()
		if err != nil {
			return err
		}
		if !isASCII(string(line)) {
			return errors.New("persistent IDs in protocol 0 must be ASCII strings")
		}
		pid := &Str{S: latin1(line[:len(line)-1])}
		m.emit(&Event{Kind: EvPersistentID, Op: op, Off: m.opOff, Value: pid})
		return m.push(&Pers{ID: pid, Off: m.opOff})
	case opBinPersID:
		pid, err := m.pop()
		if err != nil {
			return err
		}
		m.emit(&Event{Kind: EvPersistentID, Op: op, Off: m.opOff, Value: pid})
		return m.push(&Pers{ID: pid, Off: m.opOff})
	}
	return fmt.Errorf("invalid load key, '\\x%02x'", op)
}
