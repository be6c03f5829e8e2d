package keras

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestParseJSONLikePython(t *testing.T) {
	ok := []string{
		`{}`, `[]`, ` {"a": [1, -2.5e3, 0, NaN, Infinity, -Infinity, true, false, null]} `,
		`"\u00e9\ud83d\ude00\ud800x"`, `{"a":1,"a":2}`, `1.`[:1], `[1e5, 1E-2, 0.5]`,
	}
	for _, doc := range ok {
		if _, err := parseJSON([]byte(doc), 64, 1000); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
	bad := []string{
		``, `{`, `{"a"}`, `{"a":1,}`, `[1,]`, `{'a': 1}`, `{"a": 1} x`, "\"a\x01\"", `"\x"`, `[01x]`,
		`-`, `[nan]`, `tru`, `{"a":"\u12"}`, `[1 2]`, `"unterminated`,
	}
	for _, doc := range bad {
		if _, err := parseJSON([]byte(doc), 64, 1000); !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: %v, want a syntax error", doc, err)
		}
	}
}

func TestParseJSONValues(t *testing.T) {
	v, err := parseJSON([]byte(`{"a": "x", "b": [1, {"c": "\u00e9\ud800"}], "a": "y"}`), 64, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.getText("a"); got != "y" {
		t.Errorf("duplicate key: %q, want the last one (Python dict)", got)
	}
	if len(v.keys) != 3 {
		t.Errorf("keys %q: every member must be kept", v.keys)
	}
	if got := v.get("b").items[1].getText("c"); got != "é\uFFFD" {
		t.Errorf("escapes: %q", got)
	}
	if off := v.get("b").off; off != 16 {
		t.Errorf("offset %d, want 16", off)
	}
}

func TestParseJSONLimits(t *testing.T) {
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	if _, err := parseJSON([]byte(deep), 50, 1000); !errors.Is(err, ErrLimit) {
		t.Errorf("depth: %v", err)
	}
	many := "[" + strings.Repeat("1,", 200) + "1]"
	if _, err := parseJSON([]byte(many), 50, 100); !errors.Is(err, ErrLimit) {
		t.Errorf("values: %v", err)
	}
	// a document cut short still yields what was read
	v, err := parseJSON([]byte(`{"class_name": "Lambda", "config": {"name": "x", "function": "lambda`), 50, 100)
	if !errors.Is(err, ErrSyntax) || v == nil || v.getText("class_name") != "Lambda" || v.get("config").getText("name") != "x" {
		t.Errorf("partial tree: %v %+v", err, v)
	}
}

func utf16le(s string, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xff, 0xfe)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func utf32be(s string) []byte {
	var out []byte
	for _, r := range s {
		out = append(out, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
	}
	return out
}

func TestEncodings(t *testing.T) {
	doc := `{"class_name": "Sequential", "config": {"name": "é"}}`
	for name, b := range map[string][]byte{
		"utf-8": []byte(doc), "utf-8 bom": append([]byte{0xef, 0xbb, 0xbf}, doc...),
		"utf-16-le": utf16le(doc, false), "utf-16 bom": utf16le(doc, true), "utf-32-be": utf32be(doc),
	} {
		if got := string(toUTF8(b)); got != doc {
			t.Errorf("%s: %q", name, got)
		}
		if !Sniff(b) {
			t.Errorf("%s: not sniffed", name)
		}
	}
}
