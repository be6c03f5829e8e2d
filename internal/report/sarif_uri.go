package report

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/modelscan-go/modelscan/scan"
)

// srcRoot is the uriBaseId of artifact URIs relative to the scanned root.
const srcRoot = "%SRCROOT%"

// splitter separates a source ("dir/model.pt:archive/data.pkl") into the
// file on disk and the member inside it. A file name may itself hold ':',
// so the known top-level file sources decide where the file name ends.
type splitter struct {
	files map[string]bool // top-level file sources (Meta.Files)
	known map[string]bool // every source the result names, for the fallback
}

func newSplitter(res *scan.Result, files []string) splitter {
	sp := splitter{files: map[string]bool{}, known: map[string]bool{}}
	for _, f := range files {
		sp.files[f] = true
	}
	for _, s := range res.Scanned {
		sp.known[s] = true
	}
	for _, s := range res.Skipped {
		sp.known[s.Source] = true
	}
	for _, e := range res.Errors {
		sp.known[e.Source] = true
	}
	for _, f := range res.Findings {
		sp.known[f.Source] = true
	}
	return sp
}

// split returns the outer file and the member path (empty for the file
// itself). The longest top-level file that is src or a prefix of it ending
// at a ':' wins; a source no listed file explains is a file of its own.
// Without a file list (library callers), the shortest ':'-prefix that the
// result names as a source of its own is the file, else the text before
// the first ':' that does not follow a Windows drive letter. The outer file
// is never empty unless src is.
func (sp splitter) split(src string) (outer, member string) {
	for i := len(src); i > 0; i-- {
		if (i == len(src) || src[i] == ':') && sp.files[src[:i]] {
			return src[:i], tail(src, i)
		}
	}
	if len(sp.files) > 0 {
		// not in the scanner's file list: a file that was never opened
		// (interrupted, unreadable), named by itself
		return src, ""
	}
	// a file name is never empty: a ':' in the first byte (or in a
	// Windows drive) belongs to the name, not to a member separator
	start := 1
	if hasDrive(src) && isAbs(src) {
		start = 2
	}
	if start >= len(src) {
		return src, ""
	}
	for i := start; i < len(src); i++ {
		if src[i] == ':' && sp.known[src[:i]] {
			return src[:i], src[i+1:]
		}
	}
	if i := strings.IndexByte(src[start:], ':'); i >= 0 {
		return src[:start+i], src[start+i+1:]
	}
	return src, ""
}

func tail(s string, i int) string {
	if i >= len(s) {
		return ""
	}
	return s[i+1:]
}

// hasDrive reports whether p starts with a Windows drive ("C:").
func hasDrive(p string) bool {
	return len(p) >= 2 && p[1] == ':' && ('a' <= p[0]|0x20 && p[0]|0x20 <= 'z')
}

// isAbs reports whether a slash-separated path is absolute on Unix or
// Windows.
func isAbs(p string) bool {
	return strings.HasPrefix(p, "/") || (hasDrive(p) && len(p) > 2 && p[2] == '/')
}

// locator turns outer file sources into artifact locations: URIs relative
// to base (with uriBaseId %SRCROOT%) when the file lies under it, absolute
// file URIs otherwise.
type locator struct {
	root string // directory relative sources are relative to, slash-separated
	base string // directory %SRCROOT% stands for, slash-separated, cleaned
}

func newLocator(m Meta) locator {
	l := locator{root: slashClean(m.AbsolutePath), base: slashClean(m.SARIFRoot)}
	if l.base == "" {
		l.base = l.root
	}
	return l
}

func slashClean(p string) string {
	if p == "" {
		return ""
	}
	return path.Clean(filepath.ToSlash(p))
}

// artifact returns the location of the file reported as outer.
func (l locator) artifact(outer string) sarifArtifactLocation {
	p := outer
	if !isAbs(p) {
		if l.root == "" {
			return sarifArtifactLocation{URI: encodePath(p), URIBaseID: srcRoot}
		}
		p = path.Join(l.root, p)
	}
	p = path.Clean(p)
	if !isAbs(p) {
		// a root that is not absolute (library callers): keep it relative
		return sarifArtifactLocation{URI: encodePath(strings.TrimPrefix(p, "./")), URIBaseID: srcRoot}
	}
	if l.base != "" {
		prefix := strings.TrimSuffix(l.base, "/") + "/"
		if rel, ok := strings.CutPrefix(p, prefix); ok && rel != "" {
			return sarifArtifactLocation{URI: encodePath(rel), URIBaseID: srcRoot}
		}
	}
	return sarifArtifactLocation{URI: fileURI(p)}
}

// baseURI is the absolute URI %SRCROOT% stands for, ending in '/'; empty
// when the base directory is unknown or not absolute.
func (l locator) baseURI() string {
	if l.base == "" || !isAbs(l.base) {
		return ""
	}
	return strings.TrimSuffix(fileURI(l.base), "/") + "/"
}

// fileURI makes an absolute slash-separated path a file URI.
func fileURI(p string) string {
	if hasDrive(p) {
		return "file:///" + p[:2] + encodePath(p[2:])
	}
	return "file://" + encodePath(p)
}

// encodePath percent-encodes a slash-separated path for use as a URI path
// or relative reference (RFC 3986): unreserved characters, sub-delimiters,
// '@' and '/' stay as they are; everything else, including ':' (which would
// read as a scheme in a first segment), '%', '?', '#', spaces, backslashes
// and every byte of a non-ASCII character, becomes %XX.
func encodePath(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if keepInPath(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func keepInPath(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=@/", c) >= 0
}
