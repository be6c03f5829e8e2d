package templatefmt

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/modelscan-go/modelscan/internal/pyjson"
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
	members, err := pyjson.Members(pyjson.Normalize(data))
	var out []Named
	seen := 0
	for _, m := range members {
		if m.Key != "chat_template" {
			continue
		}
		seen++
		label := "chat_template"
		if seen > 1 {
			label = fmt.Sprintf("chat_template#%d", seen)
		}
		ts, terr := decodeTemplates(m.Raw, label)
		out = append(out, ts...)
		if err == nil {
			err = terr
		}
	}
	return out, err
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
