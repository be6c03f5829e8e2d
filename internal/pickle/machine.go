package pickle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"unicode/utf8"
)

// Config bounds and tunes a run of the machine.
type Config struct {
	Mode       FrameMode
	MaxOps     int64 // opcodes, over all pickles of the stream
	MaxMemo    int   // memo entries
	MaxStack   int   // stack items plus marks
	MaxLine    int   // bytes kept from one text argument line
	MaxPickles int   // stop after this many pickles (0: until the data ends)
	// Joblib makes the machine step over the raw array bytes that joblib
	// writes after each NumpyArrayWrapper (and read the inline pickle of
	// object arrays), as joblib's NumpyUnpickler does.
	Joblib bool
	// Interrupt, when set, is polled every few thousand opcodes; a non-nil
	// error stops the run (time budgets, cancellation).
	Interrupt func() error
}

// DefaultConfig returns the built-in budgets.
func DefaultConfig() Config {
	return Config{MaxOps: 500_000_000, MaxMemo: 50_000_000, MaxStack: 1_000_000, MaxLine: 64 << 20}
}

// Result summarises a run.
type Result struct {
	Pickles   int   // pickles that reached STOP
	Ops       int64 // opcodes executed
	End       int64 // offset where analysis stopped
	Straddled bool  // some opcode crossed a FRAME boundary
	Trailing  bool  // bytes after the last pickle were not a pickle
	FrameErr  bool  // the stream failed on a FRAME (its length runs past the data)
	Values    []Value
}

// ParseError is a failure the real unpickler would also hit (or one that
// stops analysis): everything observed before it stands.
type ParseError struct {
	Off   int64 // offset of the opcode
	Op    byte
	Index int // pickle number in the stream
	Err   error
}

func (e *ParseError) Error() string {
	name := OpName(e.Op)
	if name == "" {
		name = fmt.Sprintf("0x%02x", e.Op)
	}
	return fmt.Sprintf("pickle parse error at offset %d (opcode %s): %v", e.Off, name, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// BudgetError reports that a budget stopped the analysis.
type BudgetError struct {
	Budget string
	Limit  int64
	Off    int64
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("budget %s (%d) exhausted at offset %d", e.Budget, e.Limit, e.Off)
}

// inlineLimit is the largest payload the machine copies into memory; larger
// ones are skipped and keep a head plus a reference to their bytes.
const (
	inlineLimit = 4096
	headLimit   = 256
)

type machine struct {
	r   *reader
	src io.ReaderAt
	cfg Config
	obs Observer

	stack  []Value
	marks  []int
	fence  int
	memo   []Value
	sparse map[int64]Value
	nmemo  int
	reads  *indexSet // memo indices the stream reads (nil: keep every entry)
	filled *indexSet // occupied indices, when reads is set

	proto   int
	ops     int64
	index   int
	events  int
	op      byte
	opOff   int64
	frameAt int64 // declared end of the current frame (for reporting), -1 none
	drops   int   // reader frame drops already reported

	derived  int64 // budget left for pure decoders
	ext      map[int64][2]string
	embedded []*Event
	pending  []func() error // work that must run after the current opcode
	res      Result
}

// Run analyses the pickle stream src[start:end] and reports to obs. It keeps
// going after each STOP until the data ends; a tail that does not parse as a
// pickle is reported as EvTrailing. On error, everything already reported
// stands and the returned Result says how far the analysis got.
func Run(src io.ReaderAt, start, end int64, cfg Config, obs Observer) (Result, error) {
	d := DefaultConfig()
	if cfg.MaxOps <= 0 {
		cfg.MaxOps = d.MaxOps
	}
	if cfg.MaxMemo <= 0 {
		cfg.MaxMemo = d.MaxMemo
	}
	if cfg.MaxStack <= 0 {
		cfg.MaxStack = d.MaxStack
	}
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = d.MaxLine
	}
	m := &machine{r: newReader(src, start, end, cfg.Mode), src: src, cfg: cfg, obs: obs, frameAt: -1, derived: derivedBudget}
	if !cfg.Joblib && end-start >= prescanMin {
		m.reads, m.filled = prescanReads(src, start, end, cfg), &indexSet{}
	}
	err := m.runStream()
	var pe *ParseError
	if errors.As(err, &pe) && pe.Op == opFrame {
		m.res.FrameErr = true
	}
	m.flushEmbedded()
	m.res.Ops = m.ops
	m.res.End = m.r.pos
	return m.res, err
}

func (m *machine) emit(ev *Event) {
	ev.Index = m.index
	switch ev.Kind {
	case EvImport, EvUnresolvedImport, EvCall, EvMutation, EvDunderState, EvPersistentID:
		m.events++
	}
	if m.obs != nil {
		m.obs.Observe(ev)
	}
}

func (m *machine) runStream() error {
	for m.r.remaining() > 0 {
		begin := m.r.pos
		before := m.events
		v, err := m.runOne()
		if err != nil {
			var be *BudgetError
			if m.index > 0 && m.events == before && !errors.As(err, &be) {
				m.res.Trailing = true
				m.emit(&Event{Kind: EvTrailing, Off: begin, Detail: fmt.Sprintf("%d bytes after pickle %d do not form a pickle (%v)", m.r.end-begin, m.index, err)})
				m.r.pos = begin
				return nil
			}
			return err
		}
		m.res.Pickles++
		if len(m.res.Values) < 8 {
			m.res.Values = append(m.res.Values, v)
		}
		m.emit(&Event{Kind: EvStop, Off: m.r.pos - 1, Value: v})
		m.index++
		if m.cfg.MaxPickles > 0 && m.res.Pickles >= m.cfg.MaxPickles {
			return nil
		}
	}
	return nil
}

// RunOne analyses exactly one pickle starting at start and returns the
// offset just after its STOP. It is used where a format embeds a single
// pickle in other data (joblib object arrays, legacy PyTorch).
func RunOne(src io.ReaderAt, start, end int64, cfg Config, obs Observer) (next int64, v Value, err error) {
	cfg.MaxPickles = 1
	res, err := Run(src, start, end, cfg, obs)
	if len(res.Values) > 0 {
		v = res.Values[0]
	}
	return res.End, v, err
}

func (m *machine) fail(err error) error {
	return &ParseError{Off: m.opOff, Op: m.op, Index: m.index, Err: err}
}

func (m *machine) failf(format string, args ...any) error {
	return m.fail(fmt.Errorf(format, args...))
}

// runOne executes one pickle up to STOP, as CPython's load() does: the
// stack, marks and protocol are reset; the memo is kept (it belongs to the
// Unpickler object).
func (m *machine) runOne() (Value, error) {
	m.stack = m.stack[:0]
	m.marks = m.marks[:0]
	m.fence = 0
	m.proto = 0
	m.frameAt = -1
	r := m.r
	if m.cfg.Mode == FramePython {
		r.dropFrame() // each load() starts a fresh frame reader
	}
	for {
		if m.ops >= m.cfg.MaxOps {
			return nil, &BudgetError{Budget: "max_opcodes", Limit: m.cfg.MaxOps, Off: r.pos}
		}
		if m.ops&0x3fff == 0 && m.cfg.Interrupt != nil {
			if err := m.cfg.Interrupt(); err != nil {
				return nil, err
			}
		}
		if r.frameEnd >= 0 {
			// frame semantics may move the position before the opcode
			if err := r.prepare(1); err != nil {
				m.opOff, m.op = r.pos, 0
				return nil, m.fail(err)
			}
		}
		m.opOff = r.pos
		op, err := r.readByte()
		if err != nil {
			m.op = 0
			if err == errTruncated {
				return nil, m.fail(errors.New("pickle exhausted before seeing STOP"))
			}
			return nil, m.fail(err)
		}
		m.op = op
		m.ops++
		if op == opStop {
			v, err := m.pop()
			if err != nil {
				return nil, err
			}
			m.afterOp()
			return v, nil
		}
		if err := m.step(op); err != nil {
			if _, ok := err.(*ParseError); ok {
				return nil, err
			}
			if _, ok := err.(*BudgetError); ok {
				return nil, err
			}
			if err == errTruncated {
				err = errors.New("pickle data was truncated")
			}
			return nil, m.fail(err)
		}
		if m.r.drops != m.drops || m.frameAt >= 0 {
			m.afterOp()
		}
		for len(m.pending) > 0 {
			f := m.pending[0]
			m.pending = m.pending[1:]
			if err := f(); err != nil {
				return nil, err
			}
		}
	}
}

// afterOp reports frame boundary anomalies for the opcode just executed.
func (m *machine) afterOp() {
	if m.r.drops != m.drops {
		m.drops = m.r.drops
		m.res.Straddled = true
		m.emit(&Event{Kind: EvFrameStraddle, Op: m.op, Off: m.opOff, Detail: "an opcode or its argument crosses the end of a FRAME; the rest of the frame is skipped by file-based unpicklers"})
	}
	if m.frameAt >= 0 {
		if m.opOff < m.frameAt && m.r.pos > m.frameAt && m.cfg.Mode == FrameLinear {
			m.res.Straddled = true
			m.emit(&Event{Kind: EvFrameStraddle, Op: m.op, Off: m.opOff, Detail: fmt.Sprintf("%s at offset %d crosses the FRAME end at offset %d", OpName(m.op), m.opOff, m.frameAt)})
		}
		if m.r.pos >= m.frameAt {
			m.frameAt = -1
		}
	}
}

func (m *machine) push(v Value) error {
	if len(m.stack)+len(m.marks) >= m.cfg.MaxStack {
		return &BudgetError{Budget: "max_stack", Limit: int64(m.cfg.MaxStack), Off: m.opOff}
	}
	m.stack = append(m.stack, v)
	return nil
}

func (m *machine) underflow() error {
	if len(m.marks) > 0 {
		return m.fail(errors.New("unexpected MARK found"))
	}
	return m.fail(errors.New("unpickling stack underflow"))
}

func (m *machine) pop() (Value, error) {
	if len(m.stack) <= m.fence {
		return nil, m.underflow()
	}
	v := m.stack[len(m.stack)-1]
	m.stack[len(m.stack)-1] = nil
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

func (m *machine) top() (Value, error) {
	if len(m.stack) <= m.fence {
		return nil, m.underflow()
	}
	return m.stack[len(m.stack)-1], nil
}

// marker pops the top mark, as CPython's marker() does.
func (m *machine) marker() (int, error) {
	if len(m.marks) == 0 {
		return 0, m.fail(errors.New("could not find MARK"))
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	m.fence = 0
	if len(m.marks) > 0 {
		m.fence = m.marks[len(m.marks)-1]
	}
	return k, nil
}

// popItems removes stack[start:] and returns a copy of it.
func (m *machine) popItems(start int) ([]Value, error) {
	if start < m.fence || start > len(m.stack) {
		return nil, m.underflow()
	}
	items := make([]Value, len(m.stack)-start)
	copy(items, m.stack[start:])
	for i := start; i < len(m.stack); i++ {
		m.stack[i] = nil
	}
	m.stack = m.stack[:start]
	return items, nil
}

// truncate drops stack[k:] (already consumed in place).
func (m *machine) truncate(k int) {
	for i := k; i < len(m.stack); i++ {
		m.stack[i] = nil
	}
	m.stack = m.stack[:k]
}

func (m *machine) memoGet(idx int64) (Value, error) {
	if idx >= 0 && idx < int64(len(m.memo)) && m.memo[idx] != nil {
		return m.memo[idx], nil
	}
	if v, ok := m.sparse[idx]; ok {
		return v, nil
	}
	if m.filled != nil && m.filled.has(idx) {
		// the pre-pass did not see this read: never expected, fail closed
		return nil, m.failf("memo value at index %d was not retained (internal inconsistency)", idx)
	}
	return nil, m.failf("Memo value not found at index %d", idx)
}

// memoIndex parses a GET/PUT line the way the unpickler in use does.
func (m *machine) memoIndex(line []byte) (int64, error) {
	if m.cfg.Mode == FramePython {
		return parseMemoIndexPython(line[:len(line)-1])
	}
	return parseMemoIndex(line)
}

func (m *machine) memoPut(idx int64, v Value) error {
	if m.isFilled(idx) {
		if m.reads == nil || m.reads.has(idx) {
			m.store(idx, v)
		}
		return nil
	}
	m.nmemo++
	if m.nmemo > m.cfg.MaxMemo {
		return &BudgetError{Budget: "max_memo", Limit: int64(m.cfg.MaxMemo), Off: m.opOff}
	}
	if m.reads != nil {
		m.filled.add(idx)
		if !m.reads.has(idx) {
			return nil // never read back: nothing to keep
		}
	}
	m.store(idx, v)
	return nil
}

// isFilled reports whether memo slot idx was set before (MEMOIZE numbers
// slots by how many are filled).
func (m *machine) isFilled(idx int64) bool {
	if m.filled != nil {
		return m.filled.has(idx)
	}
	if idx >= 0 && idx < int64(len(m.memo)) {
		return m.memo[idx] != nil
	}
	_, ok := m.sparse[idx]
	return ok
}

// store keeps a memo entry (used when the pre-pass selected it).
func (m *machine) store(idx int64, v Value) {
	switch {
	case idx < 0:
		if m.sparse == nil {
			m.sparse = make(map[int64]Value)
		}
		m.sparse[idx] = v
	case idx < int64(len(m.memo)):
		m.memo[idx] = v
	case idx < int64(len(m.memo))+4096 && idx < 1<<31:
		for int64(len(m.memo)) < idx {
			m.memo = append(m.memo, nil)
		}
		m.memo = append(m.memo, v)
	default:
		if m.sparse == nil {
			m.sparse = make(map[int64]Value)
		}
		m.sparse[idx] = v
	}
}

// readLine reads a text argument line, bounded by MaxLine.
func (m *machine) readLine() ([]byte, bool, error) {
	line, long, err := m.r.readLine(m.cfg.MaxLine)
	if err != nil {
		return nil, false, err
	}
	return line, long, nil
}

// payload reads or skips an n-byte argument. Small payloads are copied;
// large ones keep their head and absolute offset.
func (m *machine) payload(n int64) (data, head []byte, off int64, err error) {
	if n <= inlineLimit {
		if err := m.r.prepare(n); err != nil {
			return nil, nil, 0, err
		}
		off = m.r.pos
		buf := make([]byte, n)
		if err := m.r.readInto(buf); err != nil {
			return nil, nil, 0, err
		}
		return buf, nil, off, nil
	}
	off, err = m.r.claim(n)
	if err != nil {
		return nil, nil, 0, err
	}
	head = make([]byte, headLimit)
	k, _ := m.src.ReadAt(head, off)
	return nil, head[:k], off, nil
}

func (m *machine) pushBytes(n int64, bytearray bool) error {
	// The C unpickler reads bytes payloads with _Unpickler_ReadInto: what is
	// left of a frame buffer, then the file after it. No frame rest is lost.
	m.r.leaveFrameFor(n)
	data, head, off, err := m.payload(n)
	if err != nil {
		return err
	}
	b := &Bytes{Data: data, Head: head, Len: n, Off: off, Src: m.src, ByteArray: bytearray}
	m.noteLiteral(b)
	return m.push(b)
}

func (m *machine) pushUnicode(n int64) error {
	if n <= inlineLimit {
		// read straight from the reader's buffer: one allocation
		b, err := m.r.read(int(n))
		if err != nil {
			return err
		}
		var s string
		if utf8.Valid(b) {
			s = string(b)
		} else if s, err = decodeUTF8Surrogatepass(b); err != nil {
			return err
		}
		v := &Str{S: s}
		m.noteLiteral(v)
		return m.push(v)
	}
	data, head, off, err := m.payload(n)
	if err != nil {
		return err
	}
	if data != nil {
		s, err := decodeUTF8Surrogatepass(data)
		if err != nil {
			return err
		}
		v := &Str{S: s}
		m.noteLiteral(v)
		return m.push(v)
	}
	v := &Str{S: validPrefix(head), Long: &LongRef{Len: n, Off: off, Src: m.src}}
	m.noteLiteral(v)
	return m.push(v)
}

func validPrefix(p []byte) string {
	for len(p) > 0 {
		if s, err := decodeUTF8Surrogatepass(p); err == nil {
			return s
		}
		p = p[:len(p)-1]
	}
	return ""
}

// pushParsed reads a text argument line and pushes parse(line).
func (m *machine) pushParsed(parse func([]byte) (Value, error)) error {
	line, _, err := m.readLine()
	if err != nil {
		return err
	}
	v, err := parse(line)
	if err != nil {
		return err
	}
	return m.push(v)
}

// lengthArg reads the 1-byte (short) or signed 4-byte length of LONG1/LONG4
// and SHORT_BINSTRING/BINSTRING; a negative 4-byte length is an error.
func (m *machine) lengthArg(short bool, name string) (int64, error) {
	if short {
		b, err := m.r.readByte()
		return int64(b), err
	}
	b, err := m.r.read(4)
	if err != nil {
		return 0, err
	}
	n := int64(int32(binary.LittleEndian.Uint32(b)))
	if n < 0 {
		return 0, fmt.Errorf("%s pickle has negative byte count", name)
	}
	return n, nil
}

// binsize reads an n-byte little-endian size (n = 1, 4 or 8), as
// calc_binsize does: 8-byte sizes above the signed maximum are an error.
func (m *machine) binsize(n int) (int64, error) {
	b, err := m.r.read(n)
	if err != nil {
		return 0, err
	}
	v := le(b)
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("%s exceeds system's maximum size", OpName(m.op))
	}
	return int64(v), nil
}

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

func decodeLong(b []byte) Value {
	if len(b) == 0 {
		return mkInt(0)
	}
	if len(b) <= 8 {
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		shift := uint(64 - 8*len(b))
		return mkInt(int64(v<<shift) >> shift)
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	v := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return bigOrInt(v)
}

// isLiteral reports whether v is plain data whose Python type is known.
func isLiteral(v Value) bool {
	switch v.(type) {
	case NoneV, Bool, Int, *BigInt, Float, *Str, *Bytes, *Seq, *Dict:
		return true
	}
	return false
}

func isTuple(v Value) bool {
	s, ok := v.(*Seq)
	return ok && s.Kind == KTuple
}

func le(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}
