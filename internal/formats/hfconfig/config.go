package hfconfig

// Reading a config document: a JSON object whose top-level keys auto_map,
// custom_pipelines and chat_template (and, in a diffusers model_index.json,
// _class_name and the components) matter. Every occurrence of a repeated
// key is read (Python keeps the last one, other readers the first).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/modelscan-go/modelscan/internal/pyjson"
)

// MaxJSONBytes bounds the config documents that are read.
const MaxJSONBytes = 16 << 20

// maxReferences bounds the references kept from one document.
const maxReferences = 4096

// ErrTooManyReferences is returned (with the first maxReferences
// references) when a document names more code than is kept.
var ErrTooManyReferences = fmt.Errorf("more than %d class references", maxReferences)

// Config is what Parse learnt from a config document.
type Config struct {
	References   []Reference // in document order
	ChatTemplate bool        // a top-level chat_template key is present
}

// Parse reads a config document; modelIndex selects the reading of a
// diffusers model_index.json (pipeline class and components). It returns
// what it found before the first error together with that error, and
// keeps going past malformed entries (the error names the first one).
func Parse(data []byte, modelIndex bool) (Config, error) {
	var c Config
	if len(data) > MaxJSONBytes {
		return c, fmt.Errorf("JSON document is %d bytes, more than the limit of %d", len(data), MaxJSONBytes)
	}
	p := &parser{cfg: &c}
	entries, err := pyjson.Members(pyjson.Normalize(data))
	for _, e := range entries {
		switch {
		case e.Key == "auto_map":
			p.autoMap(e.Raw)
		case e.Key == "custom_pipelines":
			p.customPipelines(e.Raw)
		case e.Key == "chat_template":
			c.ChatTemplate = true
		case modelIndex && e.Key == "_class_name":
			p.diffusersClass(e.Raw)
		case modelIndex && !strings.HasPrefix(e.Key, "_"):
			p.component(e.Key, e.Raw)
		}
	}
	if err == nil {
		err = p.err
	}
	if len(c.References) > maxReferences {
		c.References = c.References[:maxReferences]
		if err == nil {
			err = ErrTooManyReferences
		}
	}
	return c, err
}

type parser struct {
	cfg *Config
	err error // the first malformed entry
}

func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
}

func (p *parser) add(r Reference) {
	if len(p.cfg.References) <= maxReferences {
		p.cfg.References = append(p.cfg.References, r)
	}
}

// autoMap reads auto_map: {"AutoModel": "module.Class", "AutoTokenizer":
// ["module.Slow", null], ...}.
func (p *parser) autoMap(raw json.RawMessage) {
	if isNull(raw) {
		return
	}
	entries, err := pyjson.Members(raw)
	if err != nil {
		p.fail("auto_map: %v", err)
	}
	for _, e := range entries {
		name := fmt.Sprintf("auto_map[%s]", strconv.Quote(e.Key))
		var s string
		var list []json.RawMessage
		switch {
		case isNull(e.Raw):
		case json.Unmarshal(e.Raw, &s) == nil:
			if s != "" {
				p.add(parseClassRef(KindAutoMap, name, s))
			}
		case json.Unmarshal(e.Raw, &list) == nil:
			for i, it := range list {
				if isNull(it) {
					continue // a tokenizer without a slow (or fast) class
				}
				if json.Unmarshal(it, &s) != nil {
					p.fail("%s[%d] is not a class reference", name, i)
					continue
				}
				if s != "" {
					p.add(parseClassRef(KindAutoMap, fmt.Sprintf("%s[%d]", name, i), s))
				}
			}
		default:
			p.fail("%s is neither a class reference nor a list of them", name)
		}
	}
}

// customPipelines reads custom_pipelines: {"task": {"impl":
// "module.Class", "pt": [...], ...}}.
func (p *parser) customPipelines(raw json.RawMessage) {
	if isNull(raw) {
		return
	}
	entries, err := pyjson.Members(raw)
	if err != nil {
		p.fail("custom_pipelines: %v", err)
	}
	for _, e := range entries {
		name := fmt.Sprintf("custom_pipelines[%s]", strconv.Quote(e.Key))
		var task struct {
			Impl *string `json:"impl"`
		}
		if err := json.Unmarshal(e.Raw, &task); err != nil {
			p.fail("%s is not an object with an impl class", name)
			continue
		}
		if task.Impl != nil && *task.Impl != "" {
			p.add(parseClassRef(KindCustomPipeline, name+".impl", *task.Impl))
		}
	}
}

// diffusersClass reads _class_name: a diffusers class name, or [module,
// Class] for a custom pipeline in module.py next to model_index.json.
func (p *parser) diffusersClass(raw json.RawMessage) {
	var s string
	if isNull(raw) || json.Unmarshal(raw, &s) == nil {
		return
	}
	mod, class, ok := pair(raw)
	if !ok {
		p.fail("_class_name is neither a class name nor a [module, class] pair")
		return
	}
	if mod == "" {
		return
	}
	p.add(Reference{Kind: KindDiffusersClass, Entry: "_class_name", Value: compact(raw), File: mod + ".py", Class: class})
}

// component reads a pipeline component: [library, Class] (a third
// element, as modular pipelines write, is ignored). A library that is not
// a known one is custom code in <component>/<library>.py.
func (p *parser) component(name string, raw json.RawMessage) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return // a setting such as "requires_safety_checker": true
	}
	lib, class, ok := pair(raw)
	if !ok {
		p.fail("component %q is not a [library, class] pair", name)
		return
	}
	if lib == "" || knownLibraries[lib] {
		return
	}
	p.add(Reference{Kind: KindComponent, Entry: strconv.Quote(name), Value: compact(raw),
		File: name + "/" + lib + ".py", Class: class})
}

// pair reads [a, b, ...] whose first two elements are strings or nulls.
func pair(raw json.RawMessage) (a, b string, ok bool) {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil || len(list) < 2 {
		return "", "", false
	}
	for i, dst := range []*string{&a, &b} {
		if !isNull(list[i]) && json.Unmarshal(list[i], dst) != nil {
			return "", "", false
		}
	}
	return a, b, true
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// compact renders a small JSON value on one line, shortened for evidence.
func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	s := b.String()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
