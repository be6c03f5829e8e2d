package pickle

// EventKind says what the machine saw.
type EventKind uint8

// Event kinds.
const (
	// EvImport: an opcode imports Global (GLOBAL, STACK_GLOBAL, INST, EXT).
	EvImport EventKind = iota + 1
	// EvUnresolvedImport: STACK_GLOBAL operands (Target: module, Value: name)
	// are not literal strings, or an EXT code is not registered in-stream.
	EvUnresolvedImport
	// EvCall: Call is invoked (REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST, or BUILD
	// on an object whose __setstate__ was injected).
	EvCall
	// EvMutation: BUILD/SETITEM(S)/APPEND(S)/ADDITEMS applied to Target, an
	// imported object; Value is what is written, Detail the opcode name.
	EvMutation
	// EvDunderState: BUILD state sets dunder attribute Detail on Target to Value.
	EvDunderState
	// EvPersistentID: PERSID/BINPERSID with id Value.
	EvPersistentID
	// EvFrameStraddle: an opcode or argument crosses a FRAME boundary, or a
	// FRAME starts before the previous one ends (Detail says which).
	EvFrameStraddle
	// EvEmbedded: a literal (Value) looks like a pickle in encoding Detail
	// ("raw", "base64", "hex"); it is reported once the stream ends, with
	// Active set when it was handed to a deserializer.
	EvEmbedded
	// EvStop: a pickle ended; Value is its result, Index its position in the
	// stream (0 for the first pickle).
	EvStop
	// EvTrailing: bytes after the last pickle are not a pickle (Detail).
	EvTrailing
	// EvNote: something worth a note that is not an error (Detail).
	EvNote
	// EvJoblibArray: BUILD of a joblib NumpyArrayWrapper; joblib.load reads
	// raw array data after it, pickle.load reads opcodes.
	EvJoblibArray
)

// Event is one fact reported to an Observer. Offsets are absolute within the
// stream being analysed.
type Event struct {
	Kind   EventKind
	Op     byte  // opcode that caused it
	Off    int64 // offset of that opcode
	Index  int   // pickle number within the stream
	Global *Global
	Call   *Call
	Target Value
	Value  Value
	Detail string
	Active bool // EvEmbedded: the literal was passed to a deserializer
}

// Observer receives the machine's events as they happen.
type Observer interface {
	Observe(ev *Event)
}

// ObserverFunc adapts a function to the Observer interface.
type ObserverFunc func(ev *Event)

// Observe calls f(ev).
func (f ObserverFunc) Observe(ev *Event) { f(ev) }
