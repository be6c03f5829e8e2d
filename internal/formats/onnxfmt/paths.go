package onnxfmt

import (
	"fmt"
	"path"
	"strings"
)

// maxLocation is the longest location that is checked; a longer one is
// reported as such (paths that long exceed PATH_MAX and are normalised
// differently by each runtime).
const maxLocation = 4096

// pathProblem says why a location (of external data, or of an EPContext
// cache file) can reach outside the directory of the model, or returns ""
// when it cannot. loc holds at most maxLocation bytes; whole is false when
// the location is longer.
func pathProblem(loc []byte, whole bool) string {
	if !whole {
		return fmt.Sprintf("is longer than %d bytes", maxLocation)
	}
	s := string(loc)
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL byte (C APIs cut the path there)"
	case strings.HasPrefix(s, `\\`) || strings.HasPrefix(s, "//"):
		return "is a UNC or network path"
	case len(s) >= 2 && s[1] == ':' && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z'):
		return "starts with a drive letter"
	case strings.HasPrefix(s, "/") || strings.HasPrefix(s, `\`):
		return "is absolute"
	}
	clean := path.Clean(strings.ReplaceAll(s, `\`, "/"))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Sprintf("climbs out of the model's directory (normalised: %q)", clean)
	}
	if strings.Contains(s, `\`) {
		return "uses backslashes (Windows path separators)"
	}
	return ""
}
