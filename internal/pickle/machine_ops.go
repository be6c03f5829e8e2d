package pickle

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// global handles GLOBAL ('c') and INST ('i'). GLOBAL decodes its two lines
// as UTF-8, INST as ASCII, both strictly.
func (m *machine) global(op byte) error {
	mark := -1
	// The C unpickler pops the mark before reading INST's arguments; the
	// pure-Python one imports first and pops the mark when instantiating.
	if op == opInst && m.cfg.Mode != FramePython {
		k, err := m.marker()
		if err != nil {
			return err
		}
		mark = k
	}
	modLine, _, err := m.readLine()
	if err != nil {
		return err
	}
	if len(modLine) < 2 {
		return errTruncated
	}
	nameLine, _, err := m.readLine()
	if err != nil {
		return err
	}
	if len(nameLine) < 2 {
		return errTruncated
	}
	mod, name := string(modLine[:len(modLine)-1]), string(nameLine[:len(nameLine)-1])
	if op == opInst {
		if !isASCII(mod) || !isASCII(name) {
			return errors.New("INST module or class name is not ASCII")
		}
	} else if !utf8.ValidString(mod) || !utf8.ValidString(name) {
		return errors.New("GLOBAL module or name is not valid UTF-8")
	}
	g := &Global{Module: mod, Name: name, Op: op, Off: m.opOff, Proto: m.proto}
	m.emit(&Event{Kind: EvImport, Op: op, Off: m.opOff, Global: g})
	if op == opGlobal {
		return m.push(g)
	}
	if mark < 0 {
		k, err := m.marker()
		if err != nil {
			return err
		}
		mark = k
	}
	args, err := m.popItems(mark)
	if err != nil {
		return err
	}
	return m.call(g, newSeq(KTuple, args), nil)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// stackGlobal handles STACK_GLOBAL: both operands must be str at run time.
// Literal non-strings make the real load fail; anything computed is an
// import the scanner cannot resolve.
func (m *machine) stackGlobal() error {
	name, err := m.pop()
	if err != nil {
		return err
	}
	mod, err := m.pop()
	if err != nil {
		return err
	}
	ms, mok := mod.(*Str)
	ns, nok := name.(*Str)
	if mok && nok && ms.Long == nil && ns.Long == nil {
		g := &Global{Module: ms.S, Name: ns.S, Op: opStackGlobal, Off: m.opOff, Proto: m.proto}
		m.emit(&Event{Kind: EvImport, Op: opStackGlobal, Off: m.opOff, Global: g})
		return m.push(g)
	}
	if (isLiteral(mod) && !mok) || (isLiteral(name) && !nok) {
		// CPython refuses the load here; no real pickle does this, so the
		// attempt itself is reported before the error
		why := fmt.Sprintf("STACK_GLOBAL operands are not strings: module=%s name=%s", Render(mod, 80), Render(name, 80))
		m.emit(&Event{Kind: EvUnresolvedImport, Op: opStackGlobal, Off: m.opOff, Target: mod, Value: name, Detail: why})
		return errors.New("STACK_GLOBAL requires str")
	}
	why := fmt.Sprintf("STACK_GLOBAL operands are not literal strings: module=%s name=%s", Render(mod, 80), Render(name, 80))
	m.emit(&Event{Kind: EvUnresolvedImport, Op: opStackGlobal, Off: m.opOff, Target: mod, Value: name, Detail: why})
	return m.push(&Unresolved{Why: why, Off: m.opOff})
}

// ext1 handles EXT1/EXT2/EXT4: the copyreg extension registry. CPython's
// registry is empty unless something registered codes; a code registered
// earlier in this stream (copyreg.add_extension) resolves to its target.
func (m *machine) ext1(code int64) error {
	if code <= 0 {
		return errors.New("EXT specifies code <= 0")
	}
	if t, ok := m.ext[code]; ok {
		g := &Global{Module: t[0], Name: t[1], Op: m.op, Off: m.opOff, Proto: m.proto, Ext: code}
		m.emit(&Event{Kind: EvImport, Op: m.op, Off: m.opOff, Global: g})
		return m.push(g)
	}
	why := fmt.Sprintf("%s code %d is not registered in this stream: it imports whatever the loading process registered", OpName(m.op), code)
	m.emit(&Event{Kind: EvUnresolvedImport, Op: m.op, Off: m.opOff, Value: mkInt(code), Detail: why})
	return m.push(&Unresolved{Why: why, Off: m.opOff})
}

// call records a call of fn with args (and kwargs) and pushes its result.
func (m *machine) call(fn, args, kw Value) error {
	if isLiteral(fn) {
		switch fn.(type) {
		case *Str, *Bytes, NoneV, Bool, Int, *BigInt, Float, *Dict, *Seq:
			return fmt.Errorf("%s: %s object is not callable", OpName(m.op), typeName(fn))
		}
	}
	var tup *Seq
	switch a := args.(type) {
	case *Seq:
		if a.Kind != KTuple && m.cfg.Mode != FramePython {
			return errors.New("argument list must be a tuple")
		}
		tup = a
		if a.Kind != KTuple { // pickle._Unpickler calls func(*args): any iterable
			tup = newSeq(KTuple, append([]Value(nil), a.Items...))
		}
	case *Dict:
		if m.cfg.Mode != FramePython {
			return errors.New("argument list must be a tuple")
		}
		tup = newSeq(KTuple, append([]Value(nil), a.Keys...))
	default:
		if isLiteral(args) {
			return errors.New("argument list must be a tuple")
		}
		// computed arguments: unknown at scan time
		tup = &Seq{Kind: KTuple, Items: []Value{args}, N: 1, Interesting: true}
	}
	c := &Call{Func: fn, Args: tup, Kwargs: kw, Op: m.op, Off: m.opOff}
	c.Result = evalPure(c, &m.derived)
	m.noteRegistration(c)
	m.emit(&Event{Kind: EvCall, Op: m.op, Off: m.opOff, Call: c})
	return m.push(c)
}

// noteRegistration remembers copyreg.add_extension(module, name, code) so a
// later EXT opcode resolves like it would in the loading process.
func (m *machine) noteRegistration(c *Call) {
	g, ok := c.Func.(*Global)
	if !ok || g.Name != "add_extension" || (g.Module != "copyreg" && g.Module != "copy_reg") || len(c.Args.Items) != 3 {
		return
	}
	mod, ok1 := StrValue(c.Args.Items[0])
	name, ok2 := StrValue(c.Args.Items[1])
	code, ok3 := IntValue(c.Args.Items[2])
	if ok1 && ok2 && ok3 {
		if m.ext == nil {
			m.ext = make(map[int64][2]string)
		}
		m.ext[code] = [2]string{mod, name}
	}
}

func typeName(v Value) string {
	switch x := v.(type) {
	case NoneV:
		return "'NoneType'"
	case Bool:
		return "'bool'"
	case Int, *BigInt:
		return "'int'"
	case Float:
		return "'float'"
	case *Str:
		return "'str'"
	case *Bytes:
		if x.ByteArray {
			return "'bytearray'"
		}
		return "'bytes'"
	case *Dict:
		return "'dict'"
	case *Seq:
		return [...]string{"'tuple'", "'list'", "'set'", "'frozenset'"}[x.Kind]
	}
	return "object"
}

// build handles BUILD: state is popped, the instance stays on the stack.
func (m *machine) build() error {
	if len(m.stack)-2 < m.fence {
		return m.underflow()
	}
	state, err := m.pop()
	if err != nil {
		return err
	}
	inst := m.stack[len(m.stack)-1]
	switch x := inst.(type) {
	case *Global:
		m.emit(&Event{Kind: EvMutation, Op: opBuild, Off: m.opOff, Target: x, Value: state, Detail: "BUILD"})
		return nil
	case *Call:
		if f, ok := x.Attrs["__setstate__"]; ok {
			// __setstate__ injected by an earlier BUILD: this BUILD calls it.
			c := &Call{Func: f, Args: newSeq(KTuple, []Value{state}), Op: opBuild, Off: m.opOff}
			m.emit(&Event{Kind: EvCall, Op: opBuild, Off: m.opOff, Call: c})
			return nil
		}
		if f, ok := x.Attrs[computedState]; ok {
			// an earlier BUILD applied state the scanner could not see: this
			// BUILD may call a __setstate__ it injected
			m.emit(&Event{Kind: EvDunderState, Op: opBuild, Off: m.opOff, Target: x, Value: f, Detail: "__setstate__ (from state computed at load time)"})
		}
		m.applyState(x, state)
		if g, ok := x.Func.(*Global); ok && g.Name == "dtype" {
			x.State = state
		}
		if isJoblibWrapper(x) {
			m.emit(&Event{Kind: EvJoblibArray, Op: opBuild, Off: m.opOff, Target: x})
		}
		if m.cfg.Joblib && isJoblibWrapper(x) {
			// The array data is read after the BUILD opcode itself.
			m.pending = append(m.pending, func() error {
				if err := m.joblibArray(x, state); err != nil {
					return m.fail(err)
				}
				return nil
			})
		}
		return nil
	case *Pers, *Unresolved, *Buffer, *Opaque:
		m.applyState(nil, state)
		return nil
	}
	// a builtin value without __setstate__: a None state leaves it as it
	// is; the pure-Python unpickler also skips any false state and slot state
	if _, ok := state.(NoneV); ok {
		return nil
	}
	if m.cfg.Mode == FramePython {
		st, slot := state, Value(NoneV{})
		if t, ok := state.(*Seq); ok && t.Kind == KTuple && t.N == 2 && len(t.Items) == 2 {
			st, slot = t.Items[0], t.Items[1]
		}
		if falsy(st) && falsy(slot) {
			return nil
		}
	}
	return fmt.Errorf("BUILD on a %s object: state cannot be applied", typeName(inst))
}

// applyState inspects a BUILD state: dict, or (dict|None, slotstate dict).
// Dunder keys are reported; injected __setstate__ is remembered on obj.
func (m *machine) applyState(obj *Call, state Value) {
	var dicts []*Dict
	asDict := func(v Value) {
		switch x := v.(type) {
		case *Dict:
			dicts = append(dicts, x)
		case *Call:
			if d, ok := x.Result.(*Dict); ok {
				dicts = append(dicts, d)
			} else if obj != nil && Interesting(x) {
				// state computed at load time: its keys are unknown
				if obj.Attrs == nil {
					obj.Attrs = make(map[string]Value)
				}
				obj.Attrs[computedState] = x
			}
		}
	}
	switch s := state.(type) {
	case *Seq:
		if s.Kind == KTuple && s.N == 2 && len(s.Items) == 2 {
			for _, it := range s.Items {
				asDict(it)
			}
		}
	default:
		asDict(s)
	}
	for _, d := range dicts {
		for i, k := range d.Keys {
			key, ok := StrValue(k)
			if !ok || !IsDunder(key) {
				continue
			}
			var tgt Value = NoneV{}
			if obj != nil {
				tgt = obj
				if obj.Attrs == nil {
					obj.Attrs = make(map[string]Value)
				}
				obj.Attrs[key] = d.Vals[i]
			}
			m.emit(&Event{Kind: EvDunderState, Op: opBuild, Off: m.opOff, Target: tgt, Value: d.Vals[i], Detail: key})
		}
	}
}

// computedState marks an object whose BUILD state was computed at load time.
const computedState = "\x00computed-state"

// falsy reports whether a literal is false in Python (None, False, 0, 0.0,
// empty str/bytes/containers).
func falsy(v Value) bool {
	switch x := v.(type) {
	case NoneV:
		return true
	case Bool:
		return !bool(x)
	case Int:
		return x == 0
	case Float:
		return x == 0
	case *Str:
		return x.S == "" && x.Long == nil
	case *Bytes:
		return x.Len == 0
	case *Seq:
		return x.N == 0
	case *Dict:
		return x.N == 0
	}
	return false
}

// hashable reports the TypeError Python raises for an unhashable dict key
// or set item (lists, dicts, sets, bytearrays, tuples holding them).
func hashable(v Value) error {
	switch x := v.(type) {
	case *Dict:
		return errors.New("unhashable type: 'dict'")
	case *Bytes:
		if x.ByteArray {
			return errors.New("unhashable type: 'bytearray'")
		}
	case *Seq:
		switch x.Kind {
		case KList, KSet:
			return fmt.Errorf("unhashable type: %s", typeName(x))
		case KTuple:
			for _, it := range x.Items {
				if err := hashable(it); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// IsDunder reports whether name looks like __name__.
func IsDunder(name string) bool {
	return len(name) > 4 && strings.HasPrefix(name, "__") && strings.HasSuffix(name, "__")
}

// extend handles APPEND/APPENDS: stack[k:] are appended to stack[k-1].
func (m *machine) extend(k int) error {
	if k <= 0 || k > len(m.stack) || k < m.fence {
		return m.underflow()
	}
	items := m.stack[k:]
	defer m.truncate(k)
	if len(items) == 0 && m.cfg.Mode != FramePython {
		return nil // C: nothing to do, whatever the target
	}
	switch t := m.stack[k-1].(type) {
	case *Seq:
		if t.Kind != KList {
			return fmt.Errorf("%s object has no attribute 'append'", typeName(t))
		}
		t.appendAll(items)
	case *Bytes:
		if !t.ByteArray {
			return fmt.Errorf("%s object has no attribute 'append'", typeName(t))
		}
		return t.extend(items)
	case *Global:
		m.emit(&Event{Kind: EvMutation, Op: m.op, Off: m.opOff, Target: t, Value: newSeq(KList, append([]Value(nil), items...)), Detail: OpName(m.op)})
	case *Call, *Pers, *Unresolved, *Opaque, *Buffer:
		// list-like object of some class: its extend/append method runs.
	default:
		return fmt.Errorf("%s object has no attribute 'append'", typeName(t))
	}
	return nil
}

// setItems handles SETITEM/SETITEMS: pairs stack[k:] go into stack[k-1].
func (m *machine) setItems(k int) error {
	if k <= 0 || k > len(m.stack) || k < m.fence {
		return m.underflow()
	}
	items := m.stack[k:]
	defer m.truncate(k)
	if len(items) == 0 {
		return nil // nothing to do, whatever the target
	}
	if len(items)%2 != 0 {
		return errors.New("odd number of items for SETITEMS")
	}
	switch t := m.stack[k-1].(type) {
	case *Dict:
		t.grow(len(items) / 2)
		for i := 0; i < len(items); i += 2 {
			if err := hashable(items[i]); err != nil {
				return err
			}
			t.set(items[i], items[i+1])
		}
	case *Global:
		d := &Dict{}
		for i := 0; i < len(items); i += 2 {
			d.set(items[i], items[i+1])
		}
		m.emit(&Event{Kind: EvMutation, Op: m.op, Off: m.opOff, Target: t, Value: d, Detail: OpName(m.op)})
	case *Seq:
		if t.Kind != KList {
			return fmt.Errorf("%s object does not support item assignment", typeName(t))
		}
		for i := 0; i < len(items); i += 2 {
			if err := t.assign(items[i], items[i+1]); err != nil {
				return err
			}
		}
	case *Bytes:
		if !t.ByteArray {
			return fmt.Errorf("%s object does not support item assignment", typeName(t))
		}
		for i := 0; i < len(items); i += 2 {
			if err := t.assign(items[i], items[i+1]); err != nil {
				return err
			}
		}
	case *Call, *Pers, *Unresolved, *Opaque, *Buffer:
	default:
		return fmt.Errorf("%s object does not support item assignment", typeName(t))
	}
	return nil
}

// addItems handles ADDITEMS: stack[k:] are added to the set at stack[k-1].
func (m *machine) addItems(k int) error {
	if k <= 0 || k > len(m.stack) {
		return m.underflow()
	}
	items, err := m.popItems(k)
	if err != nil {
		return err
	}
	if len(items) == 0 && m.cfg.Mode != FramePython {
		return nil
	}
	switch t := m.stack[k-1].(type) {
	case *Seq:
		if t.Kind != KSet {
			return fmt.Errorf("%s object has no attribute 'add'", typeName(t))
		}
		for _, it := range items {
			if err := hashable(it); err != nil {
				return err
			}
		}
		t.appendAll(items)
	case *Global:
		m.emit(&Event{Kind: EvMutation, Op: m.op, Off: m.opOff, Target: t, Value: newSeq(KSet, items), Detail: OpName(m.op)})
	case *Call, *Pers, *Unresolved, *Opaque, *Buffer:
	default:
		return fmt.Errorf("%s object has no attribute 'add'", typeName(t))
	}
	return nil
}
