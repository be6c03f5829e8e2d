package pickle

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// joblib's NumpyUnpickler (joblib/numpy_pickle.py) overrides BUILD: when the
// built object is a NumpyArrayWrapper, the array data follows in the stream.
// For object arrays it is a separate pickle read with pickle.load; otherwise
// an optional alignment padding (1 length byte + padding) and then
// prod(shape)*itemsize raw bytes. The wrapper is replaced by the array.

func isJoblibWrapper(c *Call) bool {
	g, ok := c.Func.(*Global)
	return ok && g.Name == "NumpyArrayWrapper" && strings.HasSuffix(g.Module, "numpy_pickle")
}

var errJoblibSize = errors.New("cannot determine the size of the array data that follows a joblib NumpyArrayWrapper")

func (m *machine) joblibArray(w *Call, state Value) error {
	d, ok := state.(*Dict)
	if !ok {
		return errJoblibSize
	}
	dt, ok := DictGet(d, "dtype")
	if !ok {
		return errJoblibSize
	}
	itemsize, hasObject, ok := dtypeInfo(dt)
	if !ok {
		return errJoblibSize
	}
	shapeV, ok := DictGet(d, "shape")
	if !ok {
		return errJoblibSize
	}
	shape, ok := shapeV.(*Seq)
	if !ok || shape.Dropped {
		return errJoblibSize
	}
	count := int64(1)
	for _, it := range shape.Items {
		n, ok := IntValue(it)
		if !ok || n < 0 {
			return errJoblibSize
		}
		if n != 0 && count > math.MaxInt64/n {
			return errors.New("joblib array shape overflows")
		}
		count *= n
	}
	// The wrapper is replaced by the array it describes.
	replace := func(v Value) { m.stack[len(m.stack)-1] = v }
	if hasObject {
		// Object arrays: a complete pickle follows, loaded by pickle.load
		// (a fresh C unpickler) from the same file position.
		sub := &machine{r: m.r, src: m.src, cfg: m.cfg, obs: m.obs, frameAt: -1, index: m.index, ops: m.ops, derived: m.derived}
		sub.cfg.MaxPickles = 1
		sub.cfg.Joblib = false
		v, err := sub.runOne()
		m.ops, m.derived = sub.ops, sub.derived
		m.events += sub.events
		m.embedded = append(m.embedded, sub.embedded...)
		if err != nil {
			return err
		}
		replace(v)
		return nil
	}
	if count != 0 && itemsize > math.MaxInt64/count {
		return errors.New("joblib array size overflows")
	}
	if a, ok := DictGet(d, "numpy_array_alignment_bytes"); ok {
		if _, isNone := a.(NoneV); !isNone {
			pad, err := m.r.readByte()
			if err != nil {
				return err
			}
			if err := m.r.skip(int64(pad)); err != nil {
				return err
			}
		}
	}
	if err := m.r.skip(count * itemsize); err != nil {
		return errors.New("joblib array data is truncated")
	}
	replace(&Opaque{What: "ndarray"})
	return nil
}

// dtypeInfo reads itemsize and hasobject from a numpy.dtype(...) call value
// and the BUILD state kept on it: (version, byteorder, subarray, names,
// fields, elsize, alignment, flags). elsize is -1 for fixed-size types.
func dtypeInfo(v Value) (itemsize int64, hasObject bool, ok bool) {
	c, isCall := v.(*Call)
	if !isCall || len(c.Args.Items) == 0 {
		return 0, false, false
	}
	g, isG := c.Func.(*Global)
	if !isG || g.Name != "dtype" {
		return 0, false, false
	}
	spec, isStr := StrValue(c.Args.Items[0])
	if !isStr {
		return 0, false, false
	}
	spec = strings.TrimLeft(spec, "<>|=")
	kind := strings.TrimRight(spec, "0123456789")
	if kind == "O" {
		return 8, true, true
	}
	if st, ok := c.State.(*Seq); ok && len(st.Items) >= 8 {
		if flags, ok := IntValue(st.Items[7]); ok && flags&1 != 0 {
			hasObject = true
		}
		if el, ok := IntValue(st.Items[5]); ok && el > 0 {
			return el, hasObject, true
		}
	}
	n, err := strconv.ParseInt(spec[len(kind):], 10, 64)
	if err != nil {
		switch kind {
		case "?", "b", "B":
			return 1, hasObject, true
		}
		return 0, false, false
	}
	if kind == "U" && strings.HasPrefix(spec, "U") && n%4 != 0 {
		return 0, false, false
	}
	return n, hasObject, true
}
