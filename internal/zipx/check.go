package zipx

import (
	"cmp"
	"slices"
	"strings"
)

// check runs the cross-member checks once every local header is read:
// unsafe names, duplicates, overlapping data and bytes before the archive.
func (z *Reader) check(size, cdStart, cdEnd int64) {
	first := make(map[string]*Member, len(z.Members))
	flagged := make(map[*Member]bool)
	for _, m := range z.Members {
		checkName(m, m.Name, "")
		if m.LocalName != "" && m.LocalName != m.Name {
			checkName(m, m.LocalName, "local ")
		}
		f, dup := first[m.Name]
		if !dup {
			first[m.Name] = m
			continue
		}
		m.add(KindDuplicateName, "name %q also at central directory index %d", m.Name, f.Index)
		if !flagged[f] {
			flagged[f] = true
			f.add(KindDuplicateName, "name %q appears again at index %d", m.Name, m.Index)
		}
	}
	z.checkOverlap(size, cdStart, cdEnd)
	z.checkEOCDs()

	z.Prefix = cdStart
	for _, m := range z.Members {
		if m.DataOffset >= 0 {
			z.Prefix = min(z.Prefix, m.HeaderOffset)
		}
	}
	if z.Prefix > 0 {
		z.add(KindDataBefore, "%d bytes before the first local header (stored offsets shifted by %d)", z.Prefix, z.Base)
	}
}

// checkName records archive-slip style anomalies; the raw name is kept.
func checkName(m *Member, name, which string) {
	if name == "" {
		m.add(KindEmptyName, "empty %sname", which)
		return
	}
	if strings.IndexByte(name, 0) >= 0 {
		m.add(KindNulInName, "%sname %q contains a NUL byte", which, name)
	}
	if strings.IndexByte(name, '\\') >= 0 {
		m.add(KindBackslash, "%sname %q contains a backslash", which, name)
	}
	if name[0] == '/' || name[0] == '\\' || (len(name) >= 2 && name[1] == ':' && isLetter(name[0])) {
		m.add(KindAbsolutePath, "%sname %q is absolute", which, name)
	}
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			m.add(KindDotDotPath, "%sname %q has a '..' component", which, name)
			break
		}
	}
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// checkOverlap flags members whose [local header, end of data) ranges
// overlap each other or the central directory ("overlapping files" bombs,
// hidden members sharing data).
func (z *Reader) checkOverlap(size, cdStart, cdEnd int64) {
	type span struct {
		start, end int64
		m          *Member
	}
	var spans []span
	for _, m := range z.Members {
		if m.DataOffset < 0 {
			continue
		}
		end := size
		if m.CompressedSize < uint64(size-m.DataOffset) {
			end = m.DataOffset + int64(m.CompressedSize)
		}
		spans = append(spans, span{m.HeaderOffset, end, m})
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.start != b.start {
			return cmp.Compare(a.start, b.start)
		}
		return cmp.Compare(a.end, b.end)
	})
	var owner *Member
	maxEnd, count := int64(-1), 0
	for _, s := range spans {
		switch {
		case s.start < maxEnd:
			s.m.add(KindOverlap, "data overlaps member %d (%q)", owner.Index, owner.Name)
			count++
		case s.start < cdEnd && s.end > cdStart:
			s.m.add(KindOverlap, "data overlaps the central directory")
			count++
		}
		if s.end > maxEnd {
			maxEnd, owner = s.end, s.m
		}
	}
	if count > 0 {
		z.add(KindOverlap, "%d members overlap another member or the central directory", count)
	}
}

// checkEOCDs flags end-of-central-directory signatures other than the one
// used that lie outside every member's data. Inside a member they belong to
// what it holds (a stored zip, or chance bytes of compressed data) and
// every reader agrees on them; outside, a reader that picks another end
// record (Python's zipfile takes the last signature, even inside the
// comment) sees another archive.
func (z *Reader) checkEOCDs() {
	if len(z.otherEOCDs) == 0 {
		return
	}
	outside := 0
	var first int64 = -1
	for _, at := range z.otherEOCDs {
		in := false
		for _, m := range z.Members {
			if m.DataOffset >= 0 && at >= m.DataOffset && uint64(at-m.DataOffset)+lenEOCD <= m.CompressedSize {
				in = true
				break
			}
		}
		if !in {
			outside++
			if first < 0 || at < first {
				first = at
			}
		}
	}
	if outside > 0 {
		z.add(KindMultipleEOCD, "%d more end-of-central-directory signature(s) in the last %d bytes outside member data (one at offset %d)",
			outside, z.eocdScan, first)
	}
}
