package pickle

import "errors"

// Stack, marks and memo of the machine, with CPython's underflow rules.

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
