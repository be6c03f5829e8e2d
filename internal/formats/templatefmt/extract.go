package templatefmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Named is one chat template found in a JSON config.
type Named struct {
	// Name is the entry name of the list form ({"name": "tool_use",
	// "template": ...}); empty for the plain string form.
	Name string
	// Label names the template inside its file: "chat_template",
	// "chat_template[tool_use]"; a repeated chat_template key gets "#2", ...
	Label    string
	Template string
}

// ExtractTemplates returns the chat templates of a tokenizer_config.json,
// chat_template.json or processor_config.json document: the top-level
// "chat_template" value, either a string or a list of {"name", "template"}
// objects. Every occurrence of a repeated key is returned (Python keeps the
// last one, other readers the first). Templates found before an error are
// returned with it.
func ExtractTemplates(data []byte) ([]Named, error) {
	if len(data) > MaxJSONBytes {
		return nil, fmt.Errorf("JSON document is %d bytes, more than the limit of %d", len(data), MaxJSONBytes)
	}
	data = pythonJSON(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("JSON document is not an object")
	}
	var out []Named
	seen := 0
	var firstErr error
	keep := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
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
		if key != "chat_template" {
			continue
		}
		seen++
		label := "chat_template"
		if seen > 1 {
			label = fmt.Sprintf("chat_template#%d", seen)
		}
		ts, err := decodeTemplates(raw, label)
		out = append(out, ts...)
		if err != nil {
			keep(err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return out, fmt.Errorf("JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return out, errors.New("JSON: data after the top-level object")
	}
	return out, firstErr
}

func decodeTemplates(raw json.RawMessage, label string) ([]Named, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case bytes.Equal(raw, []byte("null")):
		return nil, nil
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		return []Named{{Label: label, Template: s}}, nil
	case len(raw) > 0 && raw[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		var out []Named
		var firstErr error
		for i, it := range items {
			var entry map[string]json.RawMessage
			if err := json.Unmarshal(it, &entry); err != nil || entry == nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("%s[%d] is not an object with a name and a template", label, i)
				}
				continue
			}
			var name, tpl string
			nameOK := json.Unmarshal(entry["name"], &name) == nil && name != ""
			if err := json.Unmarshal(entry["template"], &tpl); err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("%s[%d]: template is not a string", label, i)
				}
				continue
			}
			l := fmt.Sprintf("%s[#%d]", label, i)
			if nameOK {
				l = fmt.Sprintf("%s[%s]", label, name)
			}
			out = append(out, Named{Name: name, Label: l, Template: tpl})
		}
		return out, firstErr
	}
	return nil, fmt.Errorf("%s is neither a string nor a list of templates", label)
}

// pythonJSON makes the extensions Python's json module accepts (NaN,
// Infinity, -Infinity as bare values) acceptable to encoding/json by
// turning them into 0, so that a file transformers loads is never an error
// here. Strings are left alone.
func pythonJSON(data []byte) []byte {
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
