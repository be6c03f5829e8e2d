// Package pyjson reads JSON documents as the configs of Python tools are
// read: with the values Python's json module accepts beyond the standard
// (NaN, Infinity, -Infinity), and a top-level object taken member by
// member, in document order, a repeated key at each of its occurrences
// (Python keeps the last one, other readers the first).
package pyjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Normalize makes a document that Python's json module loads acceptable to
// encoding/json: it drops a UTF-8 byte order mark and turns NaN, Infinity
// and -Infinity outside strings into 0 padded with spaces. data is not
// modified; it is returned as it is when there is nothing to change.
func Normalize(data []byte) []byte {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !bytes.Contains(data, []byte("NaN")) && !bytes.Contains(data, []byte("Infinity")) {
		return data
	}
	out := bytes.Clone(data)
	inStr := false
	for i := 0; i < len(out); i++ {
		c := out[i]
		if inStr {
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
		case bytes.HasPrefix(out[i:], []byte("NaN")):
			copy(out[i:], "0  ")
			i += 2
		case bytes.HasPrefix(out[i:], []byte("-Infinity")):
			copy(out[i:], "0        ")
			i += 8
		case bytes.HasPrefix(out[i:], []byte("Infinity")):
			copy(out[i:], "0       ")
			i += 7
		}
	}
	return out
}

// Member is one member of a JSON object.
type Member struct {
	Key string
	Raw json.RawMessage
}

// Members splits a JSON object into its members, in order, and checks
// that nothing follows it. The members read before an error are returned
// with it.
func Members(data []byte) ([]Member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("JSON value is not an object")
	}
	var out []Member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return out, fmt.Errorf("JSON: %w", err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return out, fmt.Errorf("JSON value of %q: %w", key, err)
		}
		out = append(out, Member{key, raw})
	}
	if _, err := dec.Token(); err != nil {
		return out, fmt.Errorf("JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return out, errors.New("JSON: data after the top-level object")
	}
	return out, nil
}
