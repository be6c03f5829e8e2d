package safetensorsfmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds the nesting of JSON values the walker follows (a valid
// header nests three deep).
const maxDepth = 32

// maxShapeShown is how many dimensions evidence strings show.
const maxShapeShown = 8

// tensor is one entry of the header.
type tensor struct {
	name      string
	off       int64  // offset of the entry in the file (for evidence)
	dtype     string // "" when missing or not a string
	hasDtype  bool
	hasShape  bool
	hasOffs   bool
	shape     string // shape as written, for evidence (bounded)
	elems     uint64 // product of the dimensions
	overflow  bool   // the product overflowed 64 bits
	begin     uint64
	end       uint64
	offsetsOK bool // data_offsets is a pair of integers
}

// violation is one way the file departs from the format.
type violation struct {
	off int64 // absolute byte offset, -1 when none
	msg string
}

// header is what the walker learnt from the JSON header.
type header struct {
	tensors  []tensor
	metadata [][2]string
	viol     []violation
	nviol    int   // all violations, including those not kept
	fatal    error // the walk stopped here; the layout is unknown
}

func (h *header) add(off int64, format string, args ...any) {
	h.nviol++
	if len(h.viol) < maxViolations {
		h.viol = append(h.viol, violation{off, fmt.Sprintf(format, args...)})
	}
}

// walker reads the JSON header token by token, so that duplicate keys,
// number syntax and nesting are seen exactly as written.
type walker struct {
	dec  *json.Decoder
	base int64 // file offset of the header's first byte
	h    *header
}

// parseHeader checks the header bytes (raw, found at file offset base).
func parseHeader(raw []byte, base int64) *header {
	h := &header{}
	if !utf8.Valid(raw) {
		h.add(base, "header is not valid UTF-8")
	}
	w := &walker{dec: json.NewDecoder(bytes.NewReader(raw)), base: base, h: h}
	w.dec.UseNumber()
	if err := w.top(); err != nil {
		h.fatal = err
		h.add(w.pos(), "%v", err)
		return h
	}
	end := w.dec.InputOffset()
	if rest := bytes.TrimLeft(raw[end:], " \t\r\n"); len(rest) > 0 {
		h.add(base+int64(len(raw)-len(rest)), "header has %d bytes after the JSON object (starting %s); only spaces may pad it",
			len(rest), quote(string(rest[:min(len(rest), 16)])))
	}
	return h
}

func (w *walker) pos() int64 { return w.base + w.dec.InputOffset() }

func (w *walker) token() (json.Token, error) {
	t, err := w.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("header JSON ends early")
		}
		return nil, fmt.Errorf("header is not valid JSON: %v", err)
	}
	return t, nil
}

// top walks the outer object: __metadata__ and the tensors.
func (w *walker) top() error {
	t, err := w.token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		return fmt.Errorf("header is not a JSON object (starts with %s)", tokenKind(t))
	}
	seen := map[string]bool{}
	for w.dec.More() {
		at := w.pos()
		k, err := w.key()
		if err != nil {
			return err
		}
		if seen[k] {
			w.h.add(at, "duplicate key %s in the header (readers keep different copies)", quote(k))
		}
		seen[k] = true
		if k == "__metadata__" {
			err = w.metadata(at)
		} else {
			err = w.tensor(k, at)
		}
		if err != nil {
			return err
		}
	}
	_, err = w.token() // the closing brace
	return err
}

func (w *walker) key() (string, error) {
	t, err := w.token()
	if err != nil {
		return "", err
	}
	k, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("object key is %s, not a string", tokenKind(t))
	}
	return k, nil
}

// metadata checks __metadata__: null or an object of string to string.
func (w *walker) metadata(at int64) error {
	t, err := w.token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil
	}
	if t != json.Delim('{') {
		w.h.add(at, "__metadata__ is %s, not an object of strings", tokenKind(t))
		return w.skip(t, 1)
	}
	seen := map[string]bool{}
	for w.dec.More() {
		kat := w.pos()
		k, err := w.key()
		if err != nil {
			return err
		}
		if seen[k] {
			w.h.add(kat, "duplicate key %s in __metadata__", quote(k))
		}
		seen[k] = true
		t, err := w.token()
		if err != nil {
			return err
		}
		v, ok := t.(string)
		if !ok {
			w.h.add(kat, "__metadata__ value of %s is %s, not a string", quote(k), tokenKind(t))
			if err := w.skip(t, 2); err != nil {
				return err
			}
			continue
		}
		w.h.metadata = append(w.h.metadata, [2]string{k, v})
	}
	_, err = w.token()
	return err
}

// tensor checks one tensor entry {dtype, shape, data_offsets}.
func (w *walker) tensor(name string, at int64) error {
	ts := tensor{name: name, off: at}
	defer func() { w.h.tensors = append(w.h.tensors, ts) }()
	t, err := w.token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		w.h.add(at, "tensor %s is %s, not an object", quote(name), tokenKind(t))
		return w.skip(t, 1)
	}
	seen := map[string]bool{}
	for w.dec.More() {
		fat := w.pos()
		k, err := w.key()
		if err != nil {
			return err
		}
		if seen[k] {
			w.h.add(fat, "tensor %s has a duplicate field %s", quote(name), quote(k))
		}
		seen[k] = true
		switch k {
		case "dtype":
			err = w.dtype(&ts, fat)
		case "shape":
			err = w.shape(&ts, fat)
		case "data_offsets":
			err = w.offsets(&ts, fat)
		default:
			w.h.add(fat, "tensor %s has an unknown field %s (the loader ignores it)", quote(name), quote(k))
			var v json.Token
			if v, err = w.token(); err == nil {
				err = w.skip(v, 2)
			}
		}
		if err != nil {
			return err
		}
	}
	for _, f := range []struct {
		has  bool
		name string
	}{{ts.hasDtype, "dtype"}, {ts.hasShape, "shape"}, {ts.hasOffs, "data_offsets"}} {
		if !f.has {
			w.h.add(at, "tensor %s lacks %s", quote(name), f.name)
		}
	}
	_, err = w.token()
	return err
}

func (w *walker) dtype(ts *tensor, at int64) error {
	t, err := w.token()
	if err != nil {
		return err
	}
	ts.hasDtype = true
	s, ok := t.(string)
	if !ok {
		w.h.add(at, "tensor %s: dtype is %s, not a string", quote(ts.name), tokenKind(t))
		return w.skip(t, 2)
	}
	ts.dtype = s
	if _, known := dtypeBits[s]; !known {
		w.h.add(at, "tensor %s has an unknown dtype %s", quote(ts.name), quote(s))
	}
	return nil
}

func (w *walker) shape(ts *tensor, at int64) error {
	t, err := w.token()
	if err != nil {
		return err
	}
	ts.hasShape = true
	if t != json.Delim('[') {
		w.h.add(at, "tensor %s: shape is %s, not a list", quote(ts.name), tokenKind(t))
		return w.skip(t, 2)
	}
	var shown []string
	ts.elems = 1
	n := 0
	for w.dec.More() {
		t, err := w.token()
		if err != nil {
			return err
		}
		d, ok := w.uint(t, at, ts.name, "shape")
		if !ok {
			if err := w.skip(t, 3); err != nil {
				return err
			}
			ts.overflow = true // unknown size: no size check
			continue
		}
		if n < maxShapeShown {
			shown = append(shown, strconv.FormatUint(d, 10))
		} else if n == maxShapeShown {
			shown = append(shown, "...")
		}
		n++
		hi, lo := bits.Mul64(ts.elems, d)
		if hi != 0 {
			ts.overflow = true
		}
		ts.elems = lo
	}
	ts.shape = "[" + strings.Join(shown, ",") + "]"
	_, err = w.token()
	return err
}

func (w *walker) offsets(ts *tensor, at int64) error {
	t, err := w.token()
	if err != nil {
		return err
	}
	ts.hasOffs = true
	if t != json.Delim('[') {
		w.h.add(at, "tensor %s: data_offsets is %s, not a list", quote(ts.name), tokenKind(t))
		return w.skip(t, 2)
	}
	var vals []uint64
	good, n := true, 0
	for w.dec.More() {
		t, err := w.token()
		if err != nil {
			return err
		}
		n++
		v, ok := w.uint(t, at, ts.name, "data_offsets")
		if !ok {
			good = false
			if err := w.skip(t, 3); err != nil {
				return err
			}
			continue
		}
		if len(vals) < 2 {
			vals = append(vals, v)
		}
	}
	if n != 2 {
		w.h.add(at, "tensor %s: data_offsets has %d entries, want [begin, end]", quote(ts.name), n)
		good = false
	}
	if good {
		ts.begin, ts.end, ts.offsetsOK = vals[0], vals[1], true
	}
	_, err = w.token()
	return err
}

// uint accepts a JSON number written as a plain non-negative integer that
// fits 64 bits, as the reference loader (usize) does.
func (w *walker) uint(t json.Token, at int64, name, field string) (uint64, bool) {
	num, ok := t.(json.Number)
	if !ok {
		w.h.add(at, "tensor %s: %s holds %s, not an integer", quote(name), field, tokenKind(t))
		return 0, false
	}
	s := string(num)
	if !plainUint(s) {
		w.h.add(at, "tensor %s: %s holds %s, not a non-negative integer", quote(name), field, s)
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		w.h.add(at, "tensor %s: %s holds %s, which does not fit 64 bits", quote(name), field, truncate(s, 40))
		return 0, false
	}
	return v, true
}

func plainUint(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// skip consumes the rest of a value whose first token is t; depth is the
// nesting level t sits at.
func (w *walker) skip(t json.Token, depth int) error {
	d, ok := t.(json.Delim)
	if !ok || d == '}' || d == ']' {
		return nil
	}
	open := 1
	for open > 0 {
		if depth+open > maxDepth {
			return fmt.Errorf("header nests deeper than %d levels", maxDepth)
		}
		t, err := w.token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			open++
		case json.Delim('}'), json.Delim(']'):
			open--
		}
	}
	return nil
}

func tokenKind(t json.Token) string {
	switch v := t.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "the number " + truncate(string(v), 40)
	case json.Delim:
		if v == '{' {
			return "an object"
		}
		if v == '[' {
			return "a list"
		}
		return "a stray " + string(v)
	}
	return fmt.Sprintf("%T", t)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// quote renders a name for evidence: quoted and bounded.
func quote(s string) string {
	if len(s) > 120 {
		return strconv.Quote(s[:120]) + "..."
	}
	return strconv.Quote(s)
}
