package pyrepr

import "testing"

// The expected strings are CPython 3's repr() of the inputs.
func TestStrMatchesPython(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", `''`},
		{"abc", `'abc'`},
		{"it's", `"it's"`},
		{`say "hi"`, `'say "hi"'`},
		{`both ' and "`, `'both \' and "'`},
		{`back\slash`, `'back\\slash'`},
		{"nl\nret\rtab\t", `'nl\nret\rtab\t'`},
		{"\x00\x1f\x7f", `'\x00\x1f\x7f'`},
		{"\u0080\u009f\u00a0\u00ad\u00e9", `'\x80\x9f\xa0\xadé'`},
		{"\u200b\u202e\ufeff", `'\u200b\u202e\ufeff'`},
		{"中文", `'中文'`},
		{"\U0001f600", "'\U0001f600'"},
		{"\U000e0001", `'\U000e0001'`},
		{"\U0010ffff", `'\U0010ffff'`},
	}
	for _, c := range cases {
		if got := Str(c.in); got != c.want {
			t.Errorf("Str(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestClippedStr(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 10, `'abc'`},
		// characters above U+007F are kept as they are
		{"\u202e\u00a0x", 10, "'\u202e\u00a0x'"},
		// writing stops once more than max bytes are written
		{"abcdef", 3, `'abc'`},
		{"a\nbcdef", 2, `'a\n'`},
		{"abc", 0, `''`},
		{"abc", -1, `''`},
		{"it's", 1, `"i"`},
	}
	for _, c := range cases {
		if got := ClippedStr(c.in, c.max); got != c.want {
			t.Errorf("ClippedStr(%q, %d) = %s, want %s", c.in, c.max, got, c.want)
		}
	}
}
