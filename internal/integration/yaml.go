package integration

import (
	"fmt"
	"strings"
)

// ParseYAML reads a YAML document written in a small subset of YAML:
//
//   - block mappings ("key: value", "key:" followed by an indented block)
//   - block sequences ("- item", "- key: value" starting a mapping)
//   - literal block scalars ("|" and "|-")
//   - plain, 'single-quoted' and "double-quoted" scalars on one line
//   - flow sequences of scalars on one line ("[a, 'b c']")
//   - comments and a leading "---"
//
// Mappings are map[string]any, sequences []any and scalars string (no type
// resolution: true and 3 stay "true" and "3"). Anchors, aliases, tags, flow
// mappings, tabs for indentation, multi-line plain or quoted scalars and
// several documents are rejected with an error naming the line.
func ParseYAML(src string) (any, error) {
	p := &yamlParser{}
	for i, raw := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n") {
		p.lines = append(p.lines, yamlLine{no: i + 1, raw: raw})
	}
	p.skipBlank()
	if p.pos < len(p.lines) && strings.TrimRight(p.lines[p.pos].raw, " ") == "---" {
		p.pos++
		p.skipBlank()
	}
	if p.pos >= len(p.lines) {
		return nil, fmt.Errorf("yaml: empty document")
	}
	ind, err := p.indent()
	if err != nil {
		return nil, err
	}
	v, err := p.block(ind)
	if err != nil {
		return nil, err
	}
	p.skipBlank()
	if p.pos < len(p.lines) {
		return nil, p.errf("unexpected content (indentation?)")
	}
	return v, nil
}

type yamlLine struct {
	no  int
	raw string
}

type yamlParser struct {
	lines []yamlLine
	pos   int
}

func (p *yamlParser) errf(format string, a ...any) error {
	no := 0
	if p.pos < len(p.lines) {
		no = p.lines[p.pos].no
	}
	return fmt.Errorf("yaml: line %d: %s", no, fmt.Sprintf(format, a...))
}

// blank: empty or only a comment.
func blank(s string) bool {
	t := strings.TrimLeft(s, " ")
	return t == "" || strings.HasPrefix(t, "#")
}

func (p *yamlParser) skipBlank() {
	for p.pos < len(p.lines) && blank(p.lines[p.pos].raw) {
		p.pos++
	}
}

// indent of the current line; tabs in indentation are an error.
func (p *yamlParser) indent() (int, error) {
	s := p.lines[p.pos].raw
	n := len(s) - len(strings.TrimLeft(s, " "))
	if strings.HasPrefix(s[n:], "\t") {
		return 0, p.errf("tab in indentation")
	}
	return n, nil
}

// block parses the mapping or sequence whose lines start at column ind.
func (p *yamlParser) block(ind int) (any, error) {
	text := p.lines[p.pos].raw[ind:]
	if text == "-" || strings.HasPrefix(text, "- ") {
		return p.sequence(ind)
	}
	return p.mapping(ind, "")
}

// sequence parses "- item" lines at column ind.
func (p *yamlParser) sequence(ind int) ([]any, error) {
	out := []any{}
	for {
		p.skipBlank()
		if p.pos >= len(p.lines) {
			return out, nil
		}
		n, err := p.indent()
		if err != nil {
			return nil, err
		}
		text := p.lines[p.pos].raw[n:]
		isItem := text == "-" || strings.HasPrefix(text, "- ")
		if n < ind || (n == ind && !isItem) {
			return out, nil // the parent goes on (or the caller reports it)
		}
		if n > ind {
			return nil, p.errf("expected a sequence item at column %d", ind+1)
		}
		rest := strings.TrimLeft(text[1:], " ")
		switch {
		case rest == "" || strings.HasPrefix(rest, "#"):
			// the item is the indented block below
			p.pos++
			p.skipBlank()
			if p.pos >= len(p.lines) {
				out = append(out, "")
				return out, nil
			}
			ci, err := p.indent()
			if err != nil {
				return nil, err
			}
			if ci <= ind {
				out = append(out, "")
				continue
			}
			v, err := p.block(ci)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		case isKeyLine(rest):
			// "- key: value": a mapping whose keys sit at the column of key
			col := n + (len(text) - len(rest))
			v, err := p.mapping(col, rest)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		default:
			v, err := p.inlineValue(rest, ind)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
}

// isKeyLine: "key:" or "key: value" with a plain key.
func isKeyLine(s string) bool {
	k, _, ok := cutKey(s)
	return ok && k != ""
}

// cutKey splits "key: rest" (or "key:") on the first ": " outside quotes;
// keys are plain.
func cutKey(s string) (key, rest string, ok bool) {
	if s == "" || strings.ContainsAny(s[:1], "'\"[{&*!|>%@`") {
		return "", "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == ':' && (i+1 == len(s) || s[i+1] == ' ') {
			return strings.TrimRight(s[:i], " "), strings.TrimLeft(s[i+1:], " "), true
		}
		if s[i] == '#' && i > 0 && s[i-1] == ' ' {
			return "", "", false
		}
	}
	return "", "", false
}

// mapping parses "key: value" lines at column ind. first, when set, is
// the text of the first line after a sequence dash.
func (p *yamlParser) mapping(ind int, first string) (map[string]any, error) {
	out := map[string]any{}
	for {
		var text string
		if first != "" {
			text, first = first, ""
		} else {
			p.skipBlank()
			if p.pos >= len(p.lines) {
				return out, nil
			}
			n, err := p.indent()
			if err != nil {
				return nil, err
			}
			if n < ind {
				return out, nil
			}
			if n > ind {
				return nil, p.errf("unexpected indentation")
			}
			text = p.lines[p.pos].raw[n:]
			if text == "-" || strings.HasPrefix(text, "- ") {
				return out, nil // a sequence at the parent's level
			}
		}
		key, rest, ok := cutKey(text)
		if !ok || key == "" {
			return nil, p.errf("expected \"key: value\", got %q", text)
		}
		if _, dup := out[key]; dup {
			return nil, p.errf("duplicate key %q", key)
		}
		if rest == "" || strings.HasPrefix(rest, "#") {
			p.pos++
			p.skipBlank()
			if p.pos >= len(p.lines) {
				out[key] = ""
				return out, nil
			}
			ci, err := p.indent()
			if err != nil {
				return nil, err
			}
			ctext := p.lines[p.pos].raw[ci:]
			isSeq := ctext == "-" || strings.HasPrefix(ctext, "- ")
			// a sequence may sit at the key's own column
			if ci > ind || (ci == ind && isSeq) {
				v, err := p.block(ci)
				if err != nil {
					return nil, err
				}
				out[key] = v
			} else {
				out[key] = ""
			}
			continue
		}
		v, err := p.inlineValue(rest, ind)
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
}

// inlineValue parses the value after "key: " or "- " on the current line
// (and, for block scalars, the lines below, indented more than parent),
// and moves past it.
func (p *yamlParser) inlineValue(s string, parent int) (any, error) {
	switch s[0] {
	case '|':
		return p.blockScalar(s, parent)
	case '&', '*', '!', '{', '%', '@', '`', '>':
		return nil, p.errf("unsupported YAML (%q)", s[:1])
	case '[':
		v, err := flowSeq(s)
		if err != nil {
			return nil, p.errf("%v", err)
		}
		p.pos++
		return v, nil
	}
	v, rest, err := scalar(s)
	if err != nil {
		return nil, p.errf("%v", err)
	}
	if rest != "" && !strings.HasPrefix(rest, "#") {
		return nil, p.errf("unexpected %q after a value", rest)
	}
	p.pos++
	// a plain scalar continued on the next line is not supported
	if p.pos < len(p.lines) && !blank(p.lines[p.pos].raw) {
		if n, err := p.indent(); err == nil && n > parent {
			t := p.lines[p.pos].raw[n:]
			if !(t == "-" || strings.HasPrefix(t, "- ")) && !isKeyLine(t) {
				return nil, p.errf("multi-line scalars are not supported")
			}
		}
	}
	return v, nil
}

// scalar reads one scalar from s and returns the rest of the line (after
// spaces).
func scalar(s string) (string, string, error) {
	switch s[0] {
	case '\'':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				return b.String(), strings.TrimLeft(s[i+1:], " "), nil
			}
			b.WriteByte(s[i])
		}
		return "", "", fmt.Errorf("unterminated single-quoted scalar")
	case '"':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '"':
				return b.String(), strings.TrimLeft(s[i+1:], " "), nil
			case '\\':
				if i+1 >= len(s) {
					return "", "", fmt.Errorf("unterminated double-quoted scalar")
				}
				i++
				switch s[i] {
				case '"', '\\', '/':
					b.WriteByte(s[i])
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					return "", "", fmt.Errorf("unsupported escape \\%c", s[i])
				}
			default:
				b.WriteByte(s[i])
			}
		}
		return "", "", fmt.Errorf("unterminated double-quoted scalar")
	}
	// plain: up to " #" (a comment)
	v := s
	if i := strings.Index(s, " #"); i >= 0 {
		v = s[:i]
	}
	v = strings.TrimRight(v, " ")
	if strings.Contains(v, ": ") || strings.HasSuffix(v, ":") {
		return "", "", fmt.Errorf("plain scalar %q holds \": \" (quote it)", v)
	}
	return v, strings.TrimLeft(s[len(v):], " "), nil
}

// flowSeq reads "[a, 'b', "c"]" (scalars only) from one line.
func flowSeq(s string) ([]any, error) {
	out := []any{}
	rest := strings.TrimLeft(s[1:], " ")
	if strings.HasPrefix(rest, "]") {
		rest = strings.TrimLeft(rest[1:], " ")
		if rest != "" && !strings.HasPrefix(rest, "#") {
			return nil, fmt.Errorf("unexpected %q after a flow sequence", rest)
		}
		return out, nil
	}
	for {
		if rest == "" {
			return nil, fmt.Errorf("unterminated flow sequence")
		}
		var v string
		switch rest[0] {
		case '\'', '"':
			var err error
			if v, rest, err = scalar(rest); err != nil {
				return nil, err
			}
		case '[', '{', '&', '*', '!':
			return nil, fmt.Errorf("unsupported item in a flow sequence: %q", rest)
		default:
			i := strings.IndexAny(rest, ",]")
			if i < 0 {
				return nil, fmt.Errorf("unterminated flow sequence")
			}
			v, rest = strings.TrimRight(rest[:i], " "), rest[i:]
			if strings.Contains(v, ": ") || strings.Contains(v, " #") {
				return nil, fmt.Errorf("unsupported item in a flow sequence: %q", v)
			}
		}
		out = append(out, v)
		rest = strings.TrimLeft(rest, " ")
		switch {
		case strings.HasPrefix(rest, ","):
			rest = strings.TrimLeft(rest[1:], " ")
		case strings.HasPrefix(rest, "]"):
			rest = strings.TrimLeft(rest[1:], " ")
			if rest != "" && !strings.HasPrefix(rest, "#") {
				return nil, fmt.Errorf("unexpected %q after a flow sequence", rest)
			}
			return out, nil
		default:
			return nil, fmt.Errorf("expected , or ] in a flow sequence, got %q", rest)
		}
	}
}

// blockScalar reads a literal block scalar ("|" or "|-"): the lines below
// indented more than parent, up to the first line indented less than the
// first content line.
func (p *yamlParser) blockScalar(header string, parent int) (string, error) {
	h := header
	if i := strings.Index(h, " #"); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimRight(h, " ")
	if h != "|" && h != "|-" {
		return "", p.errf("unsupported block scalar header %q (only | and |-)", h)
	}
	p.pos++
	var lines []string
	ind := -1
	for p.pos < len(p.lines) {
		raw := p.lines[p.pos].raw
		t := strings.TrimLeft(raw, " ")
		n := len(raw) - len(t)
		if t == "" {
			lines = append(lines, "")
			p.pos++
			continue
		}
		if ind < 0 {
			if n <= parent {
				break
			}
			if strings.HasPrefix(t, "\t") {
				return "", p.errf("tab in indentation")
			}
			ind = n
		}
		if n < ind {
			break
		}
		lines = append(lines, raw[ind:])
		p.pos++
	}
	// trailing empty lines are not part of the scalar (clip or strip)
	end := len(lines)
	for end > 0 && lines[end-1] == "" {
		end--
	}
	p.pos -= len(lines) - end
	lines = lines[:end]
	if len(lines) == 0 {
		return "", nil
	}
	body := strings.Join(lines, "\n")
	if h == "|" {
		body += "\n"
	}
	return body, nil
}
