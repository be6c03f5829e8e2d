package onnxfmt

import (
	"strings"
	"testing"
)

func TestPathProblem(t *testing.T) {
	cases := map[string]string{
		"weights.bin":            "",
		"data/weights.bin":       "",
		"./w.bin":                "",
		"a/../w.bin":             "",
		"a/b/../../w.bin":        "",
		"model.onnx.data":        "",
		"":                       "",
		"..":                     "climbs out",
		"../w.bin":               "climbs out",
		"a/../../w.bin":          "climbs out",
		`a\..\..\w.bin`:          "climbs out",
		"/etc/passwd":            "is absolute",
		`\Windows\win.ini`:       "is absolute",
		"C:/w.bin":               "drive letter",
		"c:w.bin":                "drive letter",
		`\\server\share\w.bin`:   "UNC",
		"//server/share/w.bin":   "UNC",
		`sub\w.bin`:              "backslashes",
		"w.bin\x00../../x":       "NUL",
		"x/" + "y\x00":           "NUL",
		"weights:stream.bin":     "",
		"~/.ssh/id_rsa":          "",
		"file:///etc/passwd":     "",
		"%USERPROFILE%/w.bin":    "",
		"1:/not/a/drive":         "",
		"a/./../b/./../../c.bin": "climbs out",
	}
	for loc, want := range cases {
		got := pathProblem([]byte(loc), true)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("%q: %q, want %q", loc, got, want)
		}
	}
	if got := pathProblem([]byte("a"), false); !strings.Contains(got, "longer than") {
		t.Errorf("cut location: %q", got)
	}
}
