package pyjson

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"a": 1}`, `{"a": 1}`},
		{"\xef\xbb\xbf{\"a\": 1}", `{"a": 1}`},
		{`{"a": NaN, "b": Infinity, "c": -Infinity}`, `{"a": 0  , "b": 0       , "c": 0        }`},
		// inside strings, escaped quotes included, nothing changes
		{`{"NaN": "Infinity \" -Infinity", "x": [NaN]}`, `{"NaN": "Infinity \" -Infinity", "x": [0  ]}`},
		{`{"s": "\\", "n": NaN}`, `{"s": "\\", "n": 0  }`},
	}
	for _, c := range cases {
		in := []byte(c.in)
		got := Normalize(in)
		if string(got) != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
		if string(in) != c.in {
			t.Errorf("Normalize(%q) modified its input", c.in)
		}
	}
}

func TestMembers(t *testing.T) {
	ms, err := Members([]byte(` {"a": 1, "b": {"c": [2]}, "a": "x"} `))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Key+"="+string(m.Raw))
	}
	if want := `a=1 b={"c": [2]} a="x"`; strings.Join(got, " ") != want {
		t.Errorf("members %q, want %s", got, want)
	}

	errs := []struct {
		in   string
		kept int // members returned with the error
		msg  string
	}{
		{``, 0, "JSON: EOF"},
		{`[1]`, 0, "JSON value is not an object"},
		{`"s"`, 0, "JSON value is not an object"},
		{`{"a": 1, "b": }`, 1, `JSON value of "b"`},
		{`{"a": 1, "b": 2`, 2, "JSON: "},
		{`{"a": 1} {}`, 1, "JSON: data after the top-level object"},
		{`{"a": 1 "b": 2}`, 1, "JSON: "},
	}
	for _, c := range errs {
		ms, err := Members([]byte(c.in))
		if err == nil || !strings.HasPrefix(err.Error(), c.msg) || len(ms) != c.kept {
			t.Errorf("Members(%q) = %d members, %v; want %d members and an error starting %q", c.in, len(ms), err, c.kept, c.msg)
		}
	}
}

// FuzzMembers: Normalize keeps offsets (only a BOM goes) and its input;
// Members succeeds exactly on a valid JSON object, and every member it
// returns is valid JSON.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{"a": NaN, "b": "Infinity\"", "c": [-Infinity]}`, "\xef\xbb\xbf{}", `{"a": 1} x`, `[1]`, `{"a": {"b": [1, 2, {"c": null}]}, "a": true}`, `{"a": 1,}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		n := Normalize(data)
		if !bytes.Equal(data, orig) {
			t.Fatal("input modified")
		}
		if len(n) != len(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))) {
			t.Fatalf("length %d from %d", len(n), len(data))
		}
		ms, err := Members(n)
		object := json.Valid(n) && bytes.TrimLeft(n, " \t\r\n")[0] == '{'
		if (err == nil) != object {
			t.Fatalf("%q: error %v, valid object %v", n, err, object)
		}
		for _, m := range ms {
			if !json.Valid(m.Raw) {
				t.Fatalf("member %q: invalid value %q", m.Key, m.Raw)
			}
		}
	})
}
