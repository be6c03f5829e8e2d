// Package sevenzipfmt scans 7z archives member by member, routing each
// member by its content.
//
// The header is parsed and validated here, every declared count checked
// against the bytes that must describe it and the members budget, before
// anything is allocated: github.com/bodgit/sevenzip allocates by declared
// counts (a 42-byte file can make it request terabytes, a fatal
// out-of-memory error no recover() catches) and panics on inconsistent
// headers. The library only ever parses a canonical header written here from
// validated values (each folder presented as one file) and is used for its
// decoders; members are cut from the decoded folder streams here. LZMA
// dictionaries are bounded, encrypted or undecodable members are skipped
// with an error, and every call into the library runs under recover().
package sevenzipfmt

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/streams"
)

// SkipEncrypted is the skip category of encrypted members and archives.
const SkipEncrypted = "ENCRYPTED"

// Handler scans 7z content.
type Handler struct{}

// Name implements core.Handler.
func (h *Handler) Name() string { return "7z" }

// Match implements core.Handler: the 7z signature at offset 0.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return bytes.HasPrefix(head, signature) }

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	keep := max(s.Limits.MaxMembers, 0)
	var a *archive
	err := safe(func() (err error) {
		a, err = open(b, keep)
		return err
	})
	switch {
	case errors.Is(err, errBound):
		incomplete(s, b, "7z header above the size limit", err)
		return nil
	case errors.Is(err, errEncrypted):
		s.Skip(b, SkipEncrypted, err.Error())
		s.Fail(b, core.CatNestedZip, err)
		return nil
	case err != nil:
		s.Fail(b, core.CatNestedZip, err)
		return nil
	}
	s.MarkScanned(b)
	if a.h.nFiles > len(a.h.members) {
		s.Budget(b, "max_members", fmt.Errorf("7z archive has %d members, only the first %d are scanned (limit %d)", a.h.nFiles, len(a.h.members), keep))
	}
	if si := a.h.si; si != nil && si.packEnd > a.avail {
		s.Fail(b, core.CatNestedZip, fmt.Errorf("7z: packed data ends at byte %d, past the end of the %d-byte file: the archive is truncated", 32+si.packEnd, b.Size))
	} else if si != nil && si.packEnd > a.hdrOff {
		anomaly(s, b, "", rules.ArchiveStructure, core.Medium, "data-overlaps-header",
			fmt.Sprintf("packed data ends at byte %d, the header starts at byte %d", 32+si.packEnd, 32+a.hdrOff))
	}
	return h.members(s, b, a)
}

func (h *Handler) members(s *core.Session, b *core.Blob, a *archive) error {
	cur := &cursor{s: s, a: a, failed: map[int]uint64{}}
	defer cur.close()
	seen := map[string]int{}
	var nEnc, nBad, nBound int
	var lastBad error
	for i := range a.h.members {
		if err := s.Ctx.Err(); err != nil {
			return err
		}
		m := &a.h.members[i]
		name := m.name
		if name == "" {
			name = "[unnamed]"
		}
		checkName(s, b, m, name, seen)
		if !m.stream {
			continue // directory, empty file or anti-item (a deletion marker)
		}
		f := &a.h.si.folders[m.sub.folder]
		switch {
		case f.encrypted:
			nEnc++
			s.Skip(b.Child(name, nil, 0), SkipEncrypted, "member is encrypted (7z AES): its content cannot be scanned without the password")
			continue
		case errors.Is(f.bad, errBound):
			nBound, lastBad = nBound+1, f.bad
			s.Skip(b.Child(name, nil, 0), core.SkipNotSupp, f.bad.Error())
			continue
		case f.bad != nil:
			nBad, lastBad = nBad+1, f.bad
			s.Skip(b.Child(name, nil, 0), core.SkipNotSupp, "cannot decode the member: "+f.bad.Error())
			continue
		}
		child, d := streams.Child(s, b, name, cur.opener(m.sub), int64(f.packSize))
		if child == nil {
			continue
		}
		if cr, ok := d.First.(*crcReader); ok && d.Err == nil && m.sub.hasCRC && cr.n == m.sub.size && cr.h != m.sub.crc {
			anomaly(s, b, name, rules.ArchiveAnomaly, core.Low, "bad-crc",
				fmt.Sprintf("CRC-32 %08x, header says %08x", cr.h, m.sub.crc))
		}
		if err := s.Scan(child); err != nil {
			s.Fail(child, core.CatModelScan, err)
		}
	}
	if nEnc > 0 {
		s.Fail(b, core.CatNestedZip, fmt.Errorf("7z: %d encrypted member(s) could not be scanned", nEnc))
	}
	if nBad > 0 {
		s.Fail(b, core.CatNestedZip, fmt.Errorf("7z: %d member(s) could not be decoded: %w", nBad, lastBad))
	}
	if nBound > 0 {
		incomplete(s, b, "7z decoder memory above the limit", fmt.Errorf("%d member(s) not scanned: %w", nBound, lastBad))
	}
	return nil
}

// checkName reports member names that escape the extraction directory,
// symbolic links and duplicate names.
func checkName(s *core.Session, b *core.Blob, m *member, name string, seen map[string]int) {
	n := m.name
	if strings.HasPrefix(n, "/") || strings.HasPrefix(n, "\\") || len(n) >= 2 && n[1] == ':' && isLetter(n[0]) {
		anomaly(s, b, name, rules.ArchiveTraversal, core.High, "absolute-path", fmt.Sprintf("member name %q is absolute", n))
	}
	switch {
	case hasDotDot(n, "/"):
		anomaly(s, b, name, rules.ArchiveTraversal, core.High, "dotdot-path", fmt.Sprintf("member name %q has a '..' component", n))
	case hasDotDot(n, "/\\"):
		anomaly(s, b, name, rules.ArchiveTraversal, core.High, "backslash-dotdot-path", fmt.Sprintf("member name %q has a '..' component between backslashes", n))
	}
	if m.hasAttr && (m.attrib&0x8000 != 0 && (m.attrib>>16)&0xF000 == 0xA000 || m.attrib&0x400 != 0) {
		anomaly(s, b, name, rules.ArchiveTraversal, core.High, "symlink", fmt.Sprintf("member %q is a symbolic link", n))
	}
	key := path.Clean(strings.ReplaceAll(n, "\\", "/"))
	if m.dir {
		key += "/"
	}
	if seen[key]++; seen[key] == 2 {
		anomaly(s, b, name, rules.ArchiveDuplicate, core.Medium, "duplicate-name", fmt.Sprintf("more than one member is named %q", n))
	}
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func hasDotDot(name, seps string) bool {
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if part == ".." {
			return true
		}
	}
	return false
}

func anomaly(s *core.Session, b *core.Blob, member, rule string, sev core.Severity, kind, detail string) {
	src := b.Source
	if member != "" {
		src += ":" + member
	}
	s.Add(b, core.Finding{Rule: rule, Severity: sev, Source: src, Description: "7z archive anomaly: " + kind,
		Module: "7z", Operator: kind, Evidence: detail, Offset: -1})
}

// incomplete records that a bound of this handler stopped part of the scan.
func incomplete(s *core.Session, b *core.Blob, what string, err error) {
	s.Add(b, core.Finding{Rule: rules.ScanIncomplete, Severity: core.Medium, Description: "Scan incomplete: " + what,
		Module: "7z", Evidence: err.Error(), Offset: -1})
	s.Fail(b, core.CatBudget, err)
}
