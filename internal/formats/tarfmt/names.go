package tarfmt

import (
	"archive/tar"
	"fmt"
	"path"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Anomaly kinds: the Operator of the finding.
const (
	kindAbsolute     = "absolute-path"
	kindDotDot       = "dotdot-path"
	kindBackslash    = "backslash-path"
	kindSymlink      = "symlink-escape"
	kindHardlink     = "hardlink-escape"
	kindThroughLink  = "path-through-symlink"
	kindDuplicate    = "duplicate-name"
	kindNameMismatch = "pax-name-mismatch"
	kindLinkMismatch = "pax-linkname-mismatch"
	kindSizeMismatch = "pax-size-mismatch"
	kindGlobalPAX    = "pax-global-override"
	kindSparse       = "sparse-member"
	kindAfterEnd     = "data-after-end"
)

// severity of each anomaly, and the rule it belongs to.
var anomalyRules = map[string]struct {
	rule string
	sev  core.Severity
}{
	kindAbsolute:     {rules.ArchiveTraversal, core.High},
	kindDotDot:       {rules.ArchiveTraversal, core.High},
	kindSymlink:      {rules.ArchiveTraversal, core.High},
	kindHardlink:     {rules.ArchiveTraversal, core.High},
	kindThroughLink:  {rules.ArchiveTraversal, core.High},
	kindBackslash:    {rules.ArchiveTraversal, core.Medium},
	kindDuplicate:    {rules.ArchiveDuplicate, core.Medium},
	kindNameMismatch: {rules.ArchiveStructure, core.Medium},
	kindLinkMismatch: {rules.ArchiveStructure, core.Medium},
	kindSizeMismatch: {rules.ArchiveStructure, core.High},
	kindGlobalPAX:    {rules.ArchiveStructure, core.High},
	kindSparse:       {rules.ArchiveAnomaly, core.Low},
	kindAfterEnd:     {rules.ArchiveAnomaly, core.Low},
}

func (w *walker) anomaly(kind, member, detail string) {
	r := anomalyRules[kind]
	src := w.b.Source
	if member != "" {
		src += ":" + member
	}
	w.s.Add(w.b, core.Finding{Rule: r.rule, Severity: r.sev, Source: src, Scanner: "modelscan.scanners.TarScan",
		Description: "Tar archive anomaly: " + kind, Module: "tar", Operator: kind, Evidence: detail, Offset: -1})
}

// isAbs: a POSIX or Windows absolute path, a drive-relative path or UNC.
func isAbs(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return true
	}
	return len(p) >= 2 && p[1] == ':' && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z')
}

func slashed(p string) string { return strings.ReplaceAll(p, `\`, "/") }

func hasDotDot(p string) bool {
	for _, c := range strings.Split(slashed(p), "/") {
		if c == ".." {
			return true
		}
	}
	return false
}

// escapes reports whether a relative path leaves the root once cleaned.
func escapes(p string) bool {
	c := path.Clean(slashed(p))
	return c == ".." || strings.HasPrefix(c, "../")
}

// extractPath is where an extractor writes the entry, relative to the root.
func extractPath(name string) string { return strings.TrimPrefix(path.Clean("/"+slashed(name)), "/") }

// check reports what the header of entry number i shows: archive slip,
// links out of the root, duplicates and disagreeing extension headers.
func (w *walker) check(e *entry, i int, hdr *tar.Header, blk []byte) {
	if e.flag == tar.TypeXGlobalHeader {
		// Python's tarfile applies global records to every later member,
		// archive/tar (and this scan) does not.
		for _, k := range []string{"path", "linkpath", "size"} {
			if v, ok := hdr.PAXRecords[k]; ok {
				w.anomaly(kindGlobalPAX, e.name, fmt.Sprintf("global pax header sets %s=%q for the members after it", k, v))
			}
		}
		return
	}
	name := e.name
	switch {
	case isAbs(name):
		w.anomaly(kindAbsolute, name, fmt.Sprintf("member name %q is absolute", name))
	case hasDotDot(name):
		w.anomaly(kindDotDot, name, fmt.Sprintf("member name %q has a '..' component", name))
	case strings.Contains(name, `\`):
		w.anomaly(kindBackslash, name, fmt.Sprintf("member name %q uses backslashes (separators on Windows)", name))
	}
	switch e.flag {
	case tar.TypeSymlink:
		dir := path.Dir(slashed(name))
		if isAbs(e.link) || escapes(dir+"/"+e.link) {
			w.anomaly(kindSymlink, name, fmt.Sprintf("symlink %q points to %q, outside the archive root", name, e.link))
		}
	case tar.TypeLink:
		if isAbs(e.link) || escapes(e.link) {
			w.anomaly(kindHardlink, name, fmt.Sprintf("hard link %q points to %q, outside the archive root", name, e.link))
		}
	}
	p := extractPath(name)
	if len(w.symlinks) > 0 {
		for j := strings.IndexByte(p, '/'); j > 0; j = next(p, j) {
			if w.symlinks[p[:j]] {
				w.anomaly(kindThroughLink, name, fmt.Sprintf("member %q is written through the symlink %q", name, p[:j]))
				break
			}
		}
	}
	if e.flag == tar.TypeSymlink {
		w.symlinks[p] = true
	}
	if e.flag != tar.TypeDir && p != "" {
		if j, ok := w.seen[p]; ok {
			w.anomaly(kindDuplicate, name, fmt.Sprintf("entries %d and %d both extract to %q; the later one overwrites the earlier", j+1, i+1, p))
		}
		w.seen[p] = i
	}
	if e.sparse {
		w.anomaly(kindSparse, name, "GNU sparse member: readers without sparse support see the raw chunks and map; scanned expanded")
		return
	}
	w.extensions(e, hdr, blk)
}

func next(p string, j int) int {
	k := strings.IndexByte(p[j+1:], '/')
	if k < 0 {
		return -1
	}
	return j + 1 + k
}

// extensions compares the entry with its own header block blk (the one
// just before the data; nil if unknown): a reader that ignores pax and GNU long-name headers must see the
// same name, link target and size, up to the truncation writers apply.
func (w *walker) extensions(e *entry, hdr *tar.Header, blk []byte) {
	if blk == nil || !checksumOK(blk) {
		return
	}
	if raw := rawName(blk); !sameName(strings.TrimSuffix(raw, "/"), strings.TrimSuffix(e.name, "/"), offMode) {
		w.anomaly(kindNameMismatch, e.name, fmt.Sprintf("the extension header names the member %q, its ustar header %q", e.name, raw))
	}
	if raw := rawLink(blk); !sameName(raw, e.link, offMagic-offLinkname) {
		w.anomaly(kindLinkMismatch, e.name, fmt.Sprintf("the extension header links to %q, the ustar header to %q", e.link, raw))
	}
	if _, ok := hdr.PAXRecords["size"]; ok {
		if raw := parseSize(blk[offSize : offSize+12]); raw > 0 && raw != hdr.Size {
			w.anomaly(kindSizeMismatch, e.name, fmt.Sprintf("the pax header gives %d bytes, the ustar header %d: readers disagree on where members start", hdr.Size, raw))
		}
	}
}
