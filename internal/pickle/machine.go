package pickle

import (
	"errors"
	"fmt"
	"io"
	"math/big"
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
