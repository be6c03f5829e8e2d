package keras

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Errors returned by Analyze. They are wrapped with details; test with
// errors.Is.
var (
	// ErrSyntax means the document is not JSON as Python's json.loads
	// reads it (Keras refuses such a configuration).
	ErrSyntax = errors.New("keras: invalid JSON")
	// ErrLimit means a bound (size, nesting, values) was exceeded; what was
	// read before the bound is still analysed.
	ErrLimit = errors.New("keras: limit exceeded")
)

// kind is the type of a JSON value.
type kind uint8

const (
	jNull kind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

// value is one parsed JSON value. Objects keep every member in document
// order, duplicate keys included; lookups take the last one, as Python's
// dict does.
type value struct {
	kind  kind
	str   string   // string value, number text, "true"/"false"
	items []*value // array elements
	keys  []string // object keys
	vals  []*value // object values
	off   int      // byte offset of the value in the document
}

// get returns the last member named key of an object, or nil.
func (v *value) get(key string) *value {
	if v == nil || v.kind != jObject {
		return nil
	}
	for i := len(v.keys) - 1; i >= 0; i-- {
		if v.keys[i] == key {
			return v.vals[i]
		}
	}
	return nil
}

// text returns the string of a string value and whether it is one.
func (v *value) text() (string, bool) {
	if v == nil || v.kind != jString {
		return "", false
	}
	return v.str, true
}

// getText returns the string member key of an object, "" otherwise.
func (v *value) getText(key string) string {
	s, _ := v.get(key).text()
	return s
}

// parser reads JSON the way Python's json.loads does: NaN, Infinity and
// -Infinity are numbers, control characters inside strings are refused,
// lone surrogates are accepted (they become U+FFFD here), and nothing but
// whitespace may follow the document.
type parser struct {
	b        []byte
	pos      int
	depth    int
	maxDepth int
	nodes    int
	maxNodes int
}

// parseJSON parses doc. On an error it returns the part of the tree built
// before it (open containers are kept with the members read so far), so
// that a caller can still look at it.
func parseJSON(doc []byte, maxDepth, maxNodes int) (*value, error) {
	p := &parser{b: doc, maxDepth: maxDepth, maxNodes: maxNodes}
	p.ws()
	root, err := p.value()
	if err != nil {
		return root, err
	}
	p.ws()
	if p.pos != len(p.b) {
		return root, p.errf("extra data after the document")
	}
	return root, nil
}

func (p *parser) errf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d", ErrSyntax, fmt.Sprintf(format, args...), p.pos)
}

func (p *parser) ws() {
	for p.pos < len(p.b) {
		switch p.b[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) node(k kind) (*value, error) {
	p.nodes++
	if p.nodes > p.maxNodes {
		return nil, fmt.Errorf("%w: more than %d JSON values", ErrLimit, p.maxNodes)
	}
	return &value{kind: k, off: p.pos}, nil
}

func (p *parser) value() (*value, error) {
	if p.pos >= len(p.b) {
		return nil, p.errf("unexpected end of the document")
	}
	switch c := p.b[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		v, err := p.node(jString)
		if err != nil {
			return nil, err
		}
		v.str, err = p.string()
		if err != nil {
			return nil, err
		}
		return v, nil
	case c == 't':
		return p.literal("true", jBool)
	case c == 'f':
		return p.literal("false", jBool)
	case c == 'n':
		return p.literal("null", jNull)
	case c == 'N':
		return p.literal("NaN", jNumber)
	case c == 'I':
		return p.literal("Infinity", jNumber)
	case c == '-' && p.pos+1 < len(p.b) && p.b[p.pos+1] == 'I':
		return p.literal("-Infinity", jNumber)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, p.errf("unexpected character %q", p.b[p.pos])
}

func (p *parser) literal(word string, k kind) (*value, error) {
	if len(p.b)-p.pos < len(word) || string(p.b[p.pos:p.pos+len(word)]) != word {
		return nil, p.errf("unexpected character %q", p.b[p.pos])
	}
	v, err := p.node(k)
	if err != nil {
		return nil, err
	}
	v.str = word
	p.pos += len(word)
	return v, nil
}

// number accepts the JSON number grammar (Python's NUMBER_RE).
func (p *parser) number() (*value, error) {
	start := p.pos
	i := p.pos
	if p.b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(p.b) && p.b[i] >= '0' && p.b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(p.b) && p.b[i] == '0' {
		i++
	} else if digits() == 0 {
		return nil, p.errf("malformed number")
	}
	if i < len(p.b) && p.b[i] == '.' {
		j := i
		i++
		if digits() == 0 {
			i = j // Python stops before a '.' with no digits after it
		}
	}
	if i < len(p.b) && (p.b[i] == 'e' || p.b[i] == 'E') {
		j := i
		i++
		if i < len(p.b) && (p.b[i] == '+' || p.b[i] == '-') {
			i++
		}
		if digits() == 0 {
			i = j
		}
	}
	v, err := p.node(jNumber)
	if err != nil {
		return nil, err
	}
	v.str = string(p.b[start:i])
	p.pos = i
	return v, nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > p.maxDepth {
		return fmt.Errorf("%w: JSON nested deeper than %d levels", ErrLimit, p.maxDepth)
	}
	return nil
}

func (p *parser) array() (*value, error) {
	v, err := p.node(jArray)
	if err != nil {
		return nil, err
	}
	if err := p.enter(); err != nil {
		return v, err
	}
	defer func() { p.depth-- }()
	p.pos++
	p.ws()
	if p.pos < len(p.b) && p.b[p.pos] == ']' {
		p.pos++
		return v, nil
	}
	for {
		p.ws()
		item, err := p.value()
		if item != nil {
			v.items = append(v.items, item)
		}
		if err != nil {
			return v, err
		}
		p.ws()
		if p.pos >= len(p.b) {
			return v, p.errf("unterminated array")
		}
		switch p.b[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return v, nil
		default:
			return v, p.errf("expected ',' or ']'")
		}
	}
}

func (p *parser) object() (*value, error) {
	v, err := p.node(jObject)
	if err != nil {
		return nil, err
	}
	if err := p.enter(); err != nil {
		return v, err
	}
	defer func() { p.depth-- }()
	p.pos++
	p.ws()
	if p.pos < len(p.b) && p.b[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	for {
		p.ws()
		if p.pos >= len(p.b) || p.b[p.pos] != '"' {
			return v, p.errf("expected a property name in double quotes")
		}
		key, err := p.string()
		if err != nil {
			return v, err
		}
		p.ws()
		if p.pos >= len(p.b) || p.b[p.pos] != ':' {
			return v, p.errf("expected ':'")
		}
		p.pos++
		p.ws()
		val, err := p.value()
		if val != nil {
			v.keys = append(v.keys, key)
			v.vals = append(v.vals, val)
		}
		if err != nil {
			return v, err
		}
		p.ws()
		if p.pos >= len(p.b) {
			return v, p.errf("unterminated object")
		}
		switch p.b[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return v, nil
		default:
			return v, p.errf("expected ',' or '}'")
		}
	}
}

// string reads a string literal starting at the opening quote.
func (p *parser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// fast path: no escapes
	for i := p.pos; i < len(p.b); i++ {
		c := p.b[i]
		if c == '"' {
			s := p.b[start:i]
			p.pos = i + 1
			if utf8.Valid(s) {
				return string(s), nil
			}
			return string([]rune(string(s))), nil // invalid bytes become U+FFFD
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			p.pos = i
			return "", p.errf("invalid control character in a string")
		}
	}
	var out []byte
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		switch {
		case c == '"':
			p.pos++
			if !utf8.Valid(out) {
				return string([]rune(string(out))), nil
			}
			return string(out), nil
		case c < 0x20:
			return "", p.errf("invalid control character in a string")
		case c != '\\':
			out = append(out, c)
			p.pos++
			continue
		}
		// escape
		if p.pos+1 >= len(p.b) {
			break
		}
		e := p.b[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) && r < 0xdc00 && p.pos+1 < len(p.b) && p.b[p.pos] == '\\' && p.b[p.pos+1] == 'u' {
				save := p.pos
				p.pos += 2
				r2, err := p.hex4()
				if err != nil {
					return "", err
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
				} else {
					p.pos = save
				}
			}
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default:
			p.pos -= 2
			return "", p.errf("invalid escape")
		}
	}
	return "", p.errf("unterminated string starting at byte %d", start-1)
}

func (p *parser) hex4() (rune, error) {
	if len(p.b)-p.pos < 4 {
		return 0, p.errf("invalid \\u escape")
	}
	n, err := strconv.ParseUint(string(p.b[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, p.errf("invalid \\u escape")
	}
	p.pos += 4
	return rune(n), nil
}
