package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"testing"
)

// pyYAML parses path with PyYAML's safe_load (when /usr/bin/python3 has
// it) and returns the document with every scalar as a string, as
// ParseYAML gives it; ok is false when PyYAML is not available.
func pyYAML(t *testing.T, src string) (v any, ok bool) {
	t.Helper()
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import yaml").Run() != nil {
		return nil, false
	}
	f, err := os.CreateTemp(t.TempDir(), "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(src); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(py, "-c", `import json, sys, yaml
print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))))`, f.Name()).Output()
	if err != nil {
		t.Fatalf("PyYAML cannot read:\n%s\n%v", src, err)
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	return stringify(v), true
}

// stringify turns PyYAML's typed scalars back into their text.
func stringify(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = stringify(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = stringify(e)
		}
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	return v
}

func TestParseYAML(t *testing.T) {
	for _, c := range []struct {
		src  string
		want any
	}{
		{"a: 1\nb: two words\n", map[string]any{"a": "1", "b": "two words"}},
		{"# c\n---\na: x # comment\n\nb: 'it''s'\nc: \"q\\\"d\"\n", map[string]any{"a": "x", "b": "it's", "c": `q"d`}},
		{"- a\n- b\n", []any{"a", "b"}},
		{"k:\n  - x\n  - y: 1\n    z: 2\n  -\n    w: 3\n", map[string]any{"k": []any{"x", map[string]any{"y": "1", "z": "2"}, map[string]any{"w": "3"}}}},
		{"k:\n- 1\n- 2\nn: v\n", map[string]any{"k": []any{"1", "2"}, "n": "v"}},
		{"run: |\n  echo a\n    indented\n\n  echo b\n\nnext: x\n", map[string]any{"run": "echo a\n  indented\n\necho b\n", "next": "x"}},
		{"run: |-\n  one\n  two\nx: y\n", map[string]any{"run": "one\ntwo", "x": "y"}},
		{"args: [--fail-on, 'HIGH', \"a b\"]\nempty: []\n", map[string]any{"args": []any{"--fail-on", "HIGH", "a b"}, "empty": []any{}}},
		{"files: (?i)\\.(pt|pkl)$\nif: always() && x == 'y'\n", map[string]any{"files": `(?i)\.(pt|pkl)$`, "if": "always() && x == 'y'"}},
		{"a:\n  b:\n    c: d\n  e: f\n", map[string]any{"a": map[string]any{"b": map[string]any{"c": "d"}, "e": "f"}}},
		{"url: https://example.com/x#y\n", map[string]any{"url": "https://example.com/x#y"}},
		{"steps:\n  - name: s\n    with:\n      k: ${{ inputs.x }}\n    run: |\n      a\n  - uses: b@v1\n",
			map[string]any{"steps": []any{
				map[string]any{"name": "s", "with": map[string]any{"k": "${{ inputs.x }}"}, "run": "a\n"},
				map[string]any{"uses": "b@v1"}}}},
	} {
		got, err := ParseYAML(c.src)
		if err != nil {
			t.Errorf("ParseYAML(%q): %v", c.src, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseYAML(%q):\n got %#v\nwant %#v", c.src, got, c.want)
		}
		if py, ok := pyYAML(t, c.src); ok && !reflect.DeepEqual(py, c.want) {
			t.Errorf("PyYAML reads %q as %#v; the expectation %#v is wrong", c.src, py, c.want)
		}
	}
}

func TestParseYAMLRejects(t *testing.T) {
	for _, src := range []string{
		"",
		"a: &x 1\nb: *x\n",
		"a: {b: c}\n",
		"a: !!str 1\n",
		"a: >\n  folded\n",
		"a: |+\n  keep\n",
		"a: b\n  c\n",
		"a: 'open\n",
		"a: b: c\n",
		"a: 1\na: 2\n",
		"a:\n\t- x\n",
		"- a\nb: c\n",
		"a: 1\n  b: 2\n",
		"a: [x, [y]]\n",
		"a: \"\\x41\"\n",
	} {
		if v, err := ParseYAML(src); err == nil {
			t.Errorf("ParseYAML(%q) = %#v, want an error", src, v)
		}
	}
}

// FuzzParseYAML: no panic on any input, and whatever the subset reader
// accepts it reads as a value (fmt can print it).
func FuzzParseYAML(f *testing.F) {
	for _, name := range []string{"../../.pre-commit-hooks.yaml", "../../action.yml"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("a:\n  - b: |\n      x\n    c: [d, 'e']\n")
	f.Fuzz(func(t *testing.T, src string) {
		v, err := ParseYAML(src)
		if err == nil {
			_ = fmt.Sprint(v)
		}
	})
}
