// Package npy parses the header of a NumPy .npy file without loading it.
//
// A .npy file is the magic "\x93NUMPY", a major and a minor version byte
// (1.0, 2.0 or 3.0), a little-endian header length (uint16 for 1.0, uint32
// otherwise) and a Python dict literal such as
//
//	{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
//
// which numpy reads with ast.literal_eval (latin-1 text for 1.0/2.0, UTF-8
// for 3.0). If the dtype holds Python objects anywhere, np.load(...,
// allow_pickle=True) unpickles whatever follows the header; otherwise the
// data is prod(shape)*itemsize raw bytes.
//
// The parser accepts the literal subset numpy writes (dicts, tuples, lists,
// strings, ints, True/False/None) and fails closed on anything else. It
// follows numpy where a difference could hide a pickle: duplicate dict keys
// keep the last value, the shape of an object array is not range-checked
// (numpy unpickles before looking at it) and an 'O' anywhere in descr,
// padding fields included, sets HasObject. Every length is bounded and
// checked against the file size before anything is allocated.
package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Magic starts every .npy file.
const Magic = "\x93NUMPY"

const (
	// MaxHeaderLen bounds the header text. numpy's default limit for
	// untrusted files is 10000, but allow_pickle=True lifts it.
	MaxHeaderLen = 1 << 20
	maxDims      = 32 // NPY_MAXDIMS in numpy 1.x
)

// ErrTrailingData is returned (wrapped) by CheckData when a non-object array
// is followed by bytes np.load ignores.
var ErrTrailingData = errors.New("npy: data: trailing bytes after array data")

// Header is a parsed .npy header.
type Header struct {
	Major, Minor int
	HeaderLen    int64 // length of the dict text
	DataOffset   int64 // where the data (raw bytes or pickle) starts
	Descr        Dtype
	FortranOrder bool
	Shape        []int64 // may hold negative dims when HasObject
	HasObject    bool    // an object dtype anywhere: a pickle follows
	ItemSize     int64   // bytes per element, 0 if HasObject
	DataSize     int64   // prod(Shape)*ItemSize, -1 if HasObject
}

// Dtype is a parsed descr. Kind is the typestr as written ('<f8', '|O',
// '<U3', 'M8[ns]'...) for plain types and "|V<itemsize>" for structured and
// subarray types, as numpy's dtype.str.
type Dtype struct {
	Kind     string
	Fields   []Field // non-nil for a structured dtype; padding is left out
	Sub      *Dtype  // base type of a subarray dtype
	SubShape []int64
}

// Field is one named field of a structured dtype. Titles are dropped.
type Field struct {
	Name string
	Type Dtype
}

// Sniff reports whether head starts with the .npy magic.
func Sniff(head []byte) bool {
	return len(head) >= len(Magic) && string(head[:len(Magic)]) == Magic
}

func errAt(off int64, format string, args ...any) error {
	return fmt.Errorf("npy: header: %s at offset %d", fmt.Sprintf(format, args...), off)
}

func readAt(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("npy: header: read %d bytes at offset %d: %w", len(b), off, err)
}

// ReadHeader reads and validates the header of a .npy file of the given size.
func ReadHeader(r io.ReaderAt, size int64) (*Header, error) {
	if size < 10 {
		return nil, errAt(0, "file too short (%d bytes)", size)
	}
	pre := make([]byte, min(size, 12))
	if err := readAt(r, pre, 0); err != nil {
		return nil, err
	}
	if !Sniff(pre) {
		return nil, errAt(0, "bad magic %q", pre[:len(Magic)])
	}
	h := &Header{Major: int(pre[6]), Minor: int(pre[7])}
	if h.Minor != 0 || h.Major < 1 || h.Major > 3 {
		return nil, errAt(6, "unsupported format version %d.%d", h.Major, h.Minor)
	}
	start := int64(10)
	if h.Major == 1 {
		h.HeaderLen = int64(binary.LittleEndian.Uint16(pre[8:]))
	} else {
		if len(pre) < 12 {
			return nil, errAt(8, "file too short for a version %d header length", h.Major)
		}
		h.HeaderLen = int64(binary.LittleEndian.Uint32(pre[8:]))
		start = 12
	}
	if h.HeaderLen > MaxHeaderLen {
		return nil, errAt(8, "header length %d exceeds limit %d", h.HeaderLen, MaxHeaderLen)
	}
	h.DataOffset = start + h.HeaderLen
	if h.DataOffset > size {
		return nil, errAt(8, "header length %d runs past end of file (size %d)", h.HeaderLen, size)
	}
	buf := make([]byte, h.HeaderLen)
	if err := readAt(r, buf, start); err != nil {
		return nil, err
	}
	if h.Major == 3 {
		for i := 0; i < len(buf); {
			c, n := utf8.DecodeRune(buf[i:])
			if c == utf8.RuneError && n == 1 {
				return nil, errAt(start+int64(i), "invalid UTF-8")
			}
			i += n
		}
	}
	v, err := parseLiteral(buf, start, h.Major < 3)
	if err != nil {
		return nil, err
	}
	if err := h.interpret(&v); err != nil {
		return nil, err
	}
	return h, nil
}

// interpret checks the dict the way numpy's _read_array_header does.
func (h *Header) interpret(v *value) error {
	if v.kind != kDict {
		return errAt(v.off, "header is a %s, not a dict", v.kind)
	}
	var descr, fortran, shape *value
	for i := 0; i+1 < len(v.items); i += 2 {
		k, val := &v.items[i], &v.items[i+1]
		if k.kind != kStr {
			return errAt(k.off, "unexpected %s key", k.kind)
		}
		switch k.str { // a repeated key keeps its last value, as in Python
		case "descr":
			descr = val
		case "fortran_order":
			fortran = val
		case "shape":
			shape = val
		default:
			return errAt(k.off, "unexpected key %q", k.str)
		}
	}
	for _, m := range []struct {
		v    *value
		name string
	}{{descr, "descr"}, {fortran, "fortran_order"}, {shape, "shape"}} {
		if m.v == nil {
			return errAt(v.off, "missing key %q", m.name)
		}
	}
	if shape.kind != kTuple {
		return errAt(shape.off, "shape is a %s, not a tuple", shape.kind)
	}
	h.Shape = make([]int64, len(shape.items))
	for i, d := range shape.items {
		if d.kind != kInt && d.kind != kBool { // bool is an int in Python
			return errAt(d.off, "shape element is a %s, not an int", d.kind)
		}
		h.Shape[i] = d.num
	}
	if fortran.kind != kBool {
		return errAt(fortran.off, "fortran_order is a %s, not a bool", fortran.kind)
	}
	h.FortranOrder = fortran.num != 0
	dt, itemSize, obj, err := dtypeOf(descr)
	if err != nil {
		return err
	}
	h.Descr, h.HasObject = dt, obj
	if obj {
		h.DataSize = -1
		return nil
	}
	h.ItemSize = itemSize
	if len(h.Shape) > maxDims {
		return errAt(shape.off, "%d dimensions, numpy allows %d", len(h.Shape), maxDims)
	}
	count, err := shapeProduct(h.Shape, shape.items)
	if err != nil {
		return err
	}
	if count != 0 && itemSize > (1<<63-1)/count {
		return errAt(shape.off, "data size overflows int64")
	}
	h.DataSize = count * itemSize
	return nil
}

// shapeProduct multiplies non-negative dims; any zero dim makes it 0.
func shapeProduct(dims []int64, lits []value) (int64, error) {
	count := int64(1)
	for i, d := range dims {
		if d < 0 {
			return 0, errAt(lits[i].off, "negative dimension %d", d)
		}
		if d == 0 {
			count = 0
		}
	}
	for _, d := range dims {
		if count == 0 {
			break
		}
		if count > (1<<63-1)/d {
			return 0, errAt(lits[0].off, "element count overflows int64")
		}
		count *= d
	}
	return count, nil
}

// CheckData compares the bytes after the header with h.DataSize. It returns
// nil for object arrays (the data is a pickle), an error wrapping
// ErrTrailingData if there are extra bytes (np.load ignores them) and another
// error if the data is short (np.load fails).
func CheckData(h *Header, fileSize int64) error {
	if h.HasObject {
		return nil
	}
	have := fileSize - h.DataOffset
	switch {
	case have < h.DataSize:
		return fmt.Errorf("npy: data: truncated: %d bytes at offset %d, shape and dtype need %d", have, h.DataOffset, h.DataSize)
	case have > h.DataSize:
		return fmt.Errorf("%w: %d extra bytes at offset %d", ErrTrailingData, have-h.DataSize, h.DataOffset+h.DataSize)
	}
	return nil
}
