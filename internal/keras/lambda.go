package keras

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Lambda functions. Keras stores the function of a Lambda layer as
//   - Keras 2 (H5, keras_metadata.pb): function_type "lambda" and function
//     [base64(marshal(code)), defaults, closure] (in keras_metadata.pb the
//     list is {"class_name": "__tuple__", "items": [...]}); function_type
//     "function" and a function name looked up in "module"; function_type
//     "raw" and the value itself;
//   - Keras 3: {"class_name": "__lambda__", "config": {"code": ...,
//     "defaults": ..., "closure": ...}} (or "value" instead of "code"), or a
//     serialized named function {"module": m, "class_name": "function",
//     "config": name}.
// Keras 2's func_load base64-decodes the code string and falls back to its
// raw_unicode_escape bytes when that fails; both are tried here. Strings
// that are neither are read as Python source text.

// funcInfo is what the functions of one Lambda layer were found to use.
type funcInfo struct {
	forms  []string
	names  []string
	consts []string
	errs   []string
	danger dangerSet
	seen   map[string]bool
}

func (fi *funcInfo) note(list *[]string, prefix, s string) {
	if fi.seen == nil {
		fi.seen = map[string]bool{}
	}
	if fi.seen[prefix+s] || len(*list) >= maxCollected {
		return
	}
	fi.seen[prefix+s] = true
	*list = append(*list, s)
}

func (fi *funcInfo) form(s string)  { fi.note(&fi.forms, "f:", s) }
func (fi *funcInfo) name(s string)  { fi.note(&fi.names, "n:", s) }
func (fi *funcInfo) konst(s string) { fi.note(&fi.consts, "c:", s) }
func (fi *funcInfo) fail(s string)  { fi.note(&fi.errs, "e:", s) }

// function decodes one stored function value. ftype is the Keras 2
// function_type ("" when absent), module the Keras 2 module key. Every
// node read is marked in consumed.
func (fi *funcInfo) function(v *value, ftype, module string, consumed map[*value]bool) {
	if v == nil {
		return
	}
	consumed[v] = true
	switch v.kind {
	case jNull:
		return
	case jString:
		if ftype == "function" {
			fi.reference(module, v.str)
			return
		}
		fi.code(v.str)
	case jArray:
		fi.codeList(v.items, consumed)
	case jObject:
		cls := v.getText("class_name")
		switch cls {
		case "__tuple__":
			if it := v.get("items"); it != nil && it.kind == jArray {
				consumed[it] = true
				fi.codeList(it.items, consumed)
			}
		case "__lambda__":
			cfg := v.get("config")
			consumed[cfg] = true
			code := cfg.get("code")
			if code == nil {
				code = cfg.get("value")
			}
			fi.function(code, "lambda", "", consumed)
			for _, k := range []string{"defaults", "closure"} {
				fi.constants(cfg.get(k), consumed, 0)
			}
		case "function":
			name, _ := v.get("config").text()
			fi.reference(v.getText("module"), name)
			markAll(v, consumed, 0)
		case "":
			fi.constants(v, consumed, 0)
		default:
			// a callable object (a custom class instance)
			fi.reference(v.getText("module"), cls)
		}
	default:
		fi.form("non-callable " + v.str)
	}
}

// codeList reads [code, defaults, closure].
func (fi *funcInfo) codeList(items []*value, consumed map[*value]bool) {
	if len(items) == 0 {
		fi.fail("empty function list")
		return
	}
	consumed[items[0]] = true
	if s, ok := items[0].text(); ok {
		fi.code(s)
	} else {
		fi.fail("function code is not a string")
	}
	for _, it := range items[1:] {
		fi.constants(it, consumed, 0)
	}
}

// constants adds the strings of defaults, closures and arguments.
func (fi *funcInfo) constants(v *value, consumed map[*value]bool, depth int) {
	if v == nil || depth > 32 {
		return
	}
	consumed[v] = true
	switch v.kind {
	case jString:
		fi.konst(clip(v.str, maxConstLen))
		fi.danger.checkString(v.str)
	case jArray:
		for _, it := range v.items {
			fi.constants(it, consumed, depth+1)
		}
	case jObject:
		for _, it := range v.vals {
			fi.constants(it, consumed, depth+1)
		}
	}
}

// markAll marks a subtree as read.
func markAll(v *value, consumed map[*value]bool, depth int) {
	if v == nil || depth > 64 {
		return
	}
	consumed[v] = true
	for _, it := range v.items {
		markAll(it, consumed, depth+1)
	}
	for _, it := range v.vals {
		markAll(it, consumed, depth+1)
	}
}

// reference records a function named by module and name.
func (fi *funcInfo) reference(module, name string) {
	full := name
	if module != "" {
		full = module + "." + name
	}
	fi.form("reference to " + quote(full))
	fi.name(full)
	fi.danger.checkName(module)
	fi.danger.checkName(name)
}

// code reads a code string: base64 of marshal data, the raw bytes of
// marshal data, or Python source.
func (fi *funcInfo) code(s string) {
	if raw, ok := base64Text(s); ok {
		if len(raw) > 0 && looksLikeMarshal(raw) {
			fi.marshal(raw)
			return
		}
		fi.fail("base64 text that is not marshalled code")
		return
	}
	if raw, ok := latin1(s); ok && looksLikeMarshal(raw) {
		fi.marshal(raw)
		return
	}
	fi.form("Python source text")
	si := scanSource(s)
	for _, id := range si.idents {
		if pyKeywords[id] {
			continue
		}
		fi.name(id)
		fi.danger.checkName(id)
	}
	for _, lit := range si.strings {
		fi.konst(clip(lit, maxConstLen))
		fi.danger.checkString(lit)
	}
}

func (fi *funcInfo) marshal(raw []byte) {
	o, err := decodeMarshal(raw)
	if err != nil {
		fi.fail(err.Error())
		// still list what the bytes spell out
		fi.form("marshalled data (unparsable; byte scan)")
		for _, id := range identifiers(string(raw), maxCollected) {
			if strongNames[id] {
				fi.name(id)
				fi.danger.add(id)
			}
		}
		return
	}
	sum := summarize(o)
	if sum.layout != "" {
		fi.form("marshalled bytecode (" + sum.layout + ")")
	} else {
		fi.form("marshalled data without code")
	}
	for _, n := range sum.names {
		fi.name(n)
		fi.danger.checkName(n)
	}
	for _, c := range sum.consts {
		fi.konst(c)
		fi.danger.checkString(c)
	}
}

// looksLikeMarshal: a code object, or a tuple whose first item is one.
func looksLikeMarshal(b []byte) bool {
	if looksLikeMarshalCode(b) {
		return true
	}
	t := b[0] &^ mFlagRef
	return (t == '(' && len(b) > 5 && looksLikeMarshalCode(b[5:])) || (t == ')' && len(b) > 2 && looksLikeMarshalCode(b[2:]))
}

// summary renders what was found, for evidence.
func (fi *funcInfo) summary() string {
	var parts []string
	if len(fi.forms) > 0 {
		parts = append(parts, strings.Join(fi.forms, ", "))
	}
	if len(fi.names) > 0 {
		parts = append(parts, "names: "+joinClip(fi.names, 24))
	}
	if len(fi.consts) > 0 {
		q := make([]string, 0, len(fi.consts))
		for _, c := range fi.consts {
			q = append(q, quote(clip(c, 80)))
		}
		parts = append(parts, "constants: "+joinClip(q, 12))
	}
	if len(fi.danger.list) > 0 {
		parts = append(parts, "dangerous: "+strings.Join(fi.danger.list, ", "))
	}
	if len(fi.errs) > 0 {
		parts = append(parts, "could not decode: "+joinClip(fi.errs, 3))
	}
	return strings.Join(parts, "; ")
}

var pyKeywords = setOf("lambda", "def", "return", "and", "or", "not", "if", "else", "elif", "for", "in", "is",
	"None", "True", "False", "while", "with", "as", "yield", "pass", "r", "b", "f", "u", "rb", "br", "fr", "rf")

// base64Text decodes s when it is made of base64 characters and
// whitespace only, leniently like binascii.a2b_base64: padding and what
// follows it end the data, a dangling character is dropped.
func base64Text(s string) ([]byte, bool) {
	t := strings.TrimSpace(s)
	if len(t) < 8 {
		return nil, false
	}
	clean := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '=':
			i = len(t) // padding ends the data
		case c == '\n', c == '\r', c == ' ', c == '\t':
		default:
			return nil, false
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out := make([]byte, 0, len(clean)*3/4)
	var acc uint32
	bits := 0
	for _, c := range clean {
		acc = acc<<6 | uint32(b64val(c))
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	return out, true
}

func b64val(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A'
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26
	case c >= '0' && c <= '9':
		return c - '0' + 52
	case c == '+':
		return 62
	}
	return 63
}

// latin1 returns the bytes of s when every character is below U+0100 (the
// bytes raw_unicode_escape encoding gives for such text).
func latin1(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, len(out) > 0
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// joinClip joins at most n items and says how many were left out.
func joinClip(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s, … (%d more)", strings.Join(items[:n], ", "), len(items)-n)
}
