package pickle

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// Reading opcode arguments: lines, sizes, payloads and literals.

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
