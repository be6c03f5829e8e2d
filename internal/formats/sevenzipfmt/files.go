package sevenzipfmt

import (
	"fmt"
	"unicode/utf16"
)

// member is one entry of the FilesInfo block.
type member struct {
	name    string
	stream  bool // has data (else a directory, an empty file or an anti-item)
	dir     bool
	anti    bool
	attrib  uint32
	hasAttr bool
	sub     substream // where the data is, for a member with a stream
}

// header is a parsed 7z header. An encoded (packed) header only has si,
// which says where the real header is and how to decode it.
type header struct {
	si      *streamsInfo
	encoded bool
	members []member // the first keep entries
	nFiles  int      // entries declared
}

// parseHeader validates a header and keeps at most keep members and
// folders in memory: every declared count is checked against the bytes
// that must describe it before anything is allocated.
func parseHeader(buf []byte, keep int) (*header, error) {
	r := &reader{b: buf}
	h := &header{}
	switch id := r.num(); id {
	case idEncodedHeader:
		h.encoded = true
		h.si = r.streamsInfo(1)
	case idHeader:
		r.plain(h, keep)
	default:
		r.fail("unknown header id %d", id)
	}
	if r.err == nil && r.rem() != 0 {
		r.fail("%d bytes after the end of the header", r.rem())
	}
	return h, r.err
}

func (r *reader) plain(h *header, keep int) {
	id := r.num()
	if id == idArchiveProperties {
		for r.err == nil && r.num() != idEnd {
			r.take(r.num())
		}
		id = r.num()
	}
	if id == idAdditionalStreamsInfo {
		r.fail("additional streams (external header data) are not supported")
		return
	}
	if id == idMainStreamsInfo {
		h.si = r.streamsInfo(keep)
		id = r.num()
	}
	if id == idFilesInfo {
		r.files(h, keep)
		id = r.num()
	}
	if r.err == nil && id != idEnd {
		r.fail("unexpected id %d in header", id)
	}
}

func (r *reader) files(h *header, keep int) {
	n := r.count("files", len(r.b))
	h.nFiles = n
	var empty, emptyFile, anti, attrDef bitvec
	var names, attrs []byte
	nEmpty, hasNames := 0, false
	for r.err == nil {
		t := r.num()
		if t == idEnd {
			break
		}
		p := &reader{b: r.take(r.num())}
		switch t {
		case idEmptyStream:
			empty = p.bits(n)
			nEmpty, emptyFile, anti = empty.ones(n), bitvec{}, bitvec{}
		case idEmptyFile:
			emptyFile = p.bits(nEmpty)
		case idAnti:
			anti = p.bits(nEmpty)
		case idName:
			if p.byte() != 0 {
				p.fail("external names are not supported")
			}
			names, hasNames = p.take(uint64(p.rem())), true
		case idWinAttributes:
			var k int
			attrDef, k = p.optBits(n)
			if p.byte() != 0 {
				p.fail("external attributes are not supported")
			}
			attrs = p.take(4 * uint64(k))
		default: // times, start positions, padding, comments: not needed
			p.off = len(p.b)
		}
		if p.err == nil && p.rem() != 0 {
			p.fail("%d unexpected bytes", p.rem())
		}
		if p.err != nil && r.err == nil {
			r.err = fmt.Errorf("7z file property %d: %w", t, p.err)
		}
	}
	subs := 0
	if h.si != nil {
		subs = h.si.nSubs
	}
	if r.err == nil && n-nEmpty != subs {
		r.fail("%d files have data but the folders hold %d streams", n-nEmpty, subs)
	}
	if r.err != nil {
		return
	}
	keepN := min(n, keep)
	var list []string
	if hasNames {
		if list, r.err = decodeNames(names, n, keepN); r.err != nil {
			return
		}
	}
	h.members = make([]member, keepN)
	si, ei, ai := 0, 0, 0
	for i := range h.members {
		m := &h.members[i]
		if hasNames {
			m.name = list[i]
		}
		if attrDef.get(i) && len(attrs) >= 4*ai+4 {
			m.attrib, m.hasAttr = le32(attrs[4*ai:]), true
			ai++
		}
		if !empty.get(i) {
			if si == len(h.si.subs) { // in a folder beyond the budget
				h.members = h.members[:i]
				break
			}
			m.stream, m.sub = true, h.si.subs[si]
			si++
		} else {
			m.dir, m.anti = !emptyFile.get(ei), anti.get(ei)
			ei++
		}
	}
}

// decodeNames splits the UTF-16LE, NUL-terminated names, checking that
// there is one per file, and decodes the first keep.
func decodeNames(p []byte, n, keep int) ([]string, error) {
	if len(p)%2 != 0 {
		return nil, fmt.Errorf("7z names: odd length %d", len(p))
	}
	out := make([]string, 0, keep)
	start, count := 0, 0
	for i := 0; i+1 < len(p); i += 2 {
		if p[i] != 0 || p[i+1] != 0 {
			continue
		}
		if count < keep {
			u := make([]uint16, (i-start)/2)
			for j := range u {
				u[j] = uint16(p[start+2*j]) | uint16(p[start+2*j+1])<<8
			}
			out = append(out, string(utf16.Decode(u)))
		}
		count, start = count+1, i+2
	}
	if start != len(p) || count != n {
		return nil, fmt.Errorf("7z names: %d names for %d files", count, n)
	}
	return out, nil
}
