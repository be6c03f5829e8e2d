package sevenzipfmt

// substream is where a member's data lies in its folder's decoded stream.
type substream struct {
	folder int
	off    uint64
	size   uint64
	crc    uint32
	hasCRC bool
}

// streamsInfo is a StreamsInfo block: pack streams, folders and the member
// streams inside each folder. Only the first keep folders and member
// streams are kept; per-folder counts of the others are kept compact or
// read again from the header.
type streamsInfo struct {
	packPos   uint64 // relative to the end of the signature header
	packEnd   uint64 // packPos plus all pack sizes
	nFolders  int
	folders   []folder // the first keep
	nPacked   []uint8  // pack streams of every folder
	folderCRC digests
	subRaw    []byte // NumUnpackStream list, nil when every folder holds one
	subs      []substream
	nSubs     int // member streams declared
}

func (r *reader) streamsInfo(keep int) *streamsInfo {
	si := &streamsInfo{}
	var packRaw []byte
	nPack := 0
	id := r.num()
	if id == idPackInfo {
		si.packPos = r.size()
		nPack = r.count("pack streams", r.rem())
		r.expect(idSize, "pack sizes")
		start := r.off
		for range nPack {
			r.size()
		}
		if r.err != nil {
			return si
		}
		packRaw = r.b[start:r.off]
		if id = r.num(); id == idCRC {
			r.digests(nPack)
			id = r.num()
		}
		if id != idEnd {
			r.fail("unexpected id %d in pack info", id)
		}
		id = r.num()
	}
	if id == idUnpackInfo {
		r.unpackInfo(si, keep)
		id = r.num()
	}
	if r.err != nil {
		return si
	}
	pr := &reader{b: packRaw}
	k, off := 0, uint64(0)
	for i := 0; i < si.nFolders; i++ {
		for range si.nPacked[i] {
			if k == nPack {
				r.fail("folders use more pack streams than the %d declared", nPack)
				return si
			}
			sz := pr.size()
			if off += sz; off > maxSize {
				r.fail("pack sizes overflow")
				return si
			}
			if i < len(si.folders) {
				f := &si.folders[i]
				f.packSize += sz
				f.packs = append(f.packs, sz)
			}
			k++
		}
	}
	if k != nPack {
		r.fail("%d pack streams declared, folders use %d", nPack, k)
	}
	si.packEnd = si.packPos + off
	has := id == idSubStreamsInfo
	r.subStreams(si, keep, has)
	if has {
		id = r.num()
	}
	if r.err == nil && id != idEnd {
		r.fail("unexpected id %d in streams info", id)
	}
	return si
}

// streamCounts returns an iterator over the member streams of each folder.
func (si *streamsInfo) streamCounts() func() int {
	sr := &reader{b: si.subRaw}
	return func() int {
		if si.subRaw == nil {
			return 1
		}
		return int(sr.num())
	}
}

// subStreams reads the SubStreamsInfo block (has) or applies its default:
// one member stream per folder.
func (r *reader) subStreams(si *streamsInfo, keep int, has bool) {
	nf := si.nFolders
	id := uint64(idEnd)
	if has {
		id = r.num()
	}
	if id == idNumUnpackStream {
		start := r.off
		for range nf {
			r.count("member streams", len(r.b))
		}
		si.subRaw = r.b[start:r.off]
		id = r.num()
	}
	total, next := 0, si.streamCounts()
	for range nf {
		if total += next(); total > len(r.b) {
			r.fail("%d member streams declared in a %d-byte header", total, len(r.b))
		}
	}
	if r.err != nil {
		return
	}
	si.nSubs = total
	keepN := min(total, keep)
	si.subs = make([]substream, 0, keepN)
	sized := id == idSize
	next = si.streamCounts()
	for i := 0; i < nf && r.err == nil; i++ {
		n, kept, off, unpack := next(), i < len(si.folders), uint64(0), uint64(0)
		if kept {
			unpack = si.folders[i].unpackSize()
		}
		for j := 0; j < n && r.err == nil; j++ {
			sz := unpack - off
			if j < n-1 {
				if !sized {
					r.fail("folder %d holds %d streams but no sizes", i, n)
				}
				if sz = r.size(); kept && sz > unpack-off {
					r.fail("member sizes exceed the size of folder %d", i)
				}
			}
			if kept && len(si.subs) < keepN {
				si.subs = append(si.subs, substream{folder: i, off: off, size: sz})
			}
			off += sz
		}
	}
	if sized {
		id = r.num()
	}
	r.subDigests(si, id)
}

// subDigests reads the member CRCs: a folder holding one member stream
// with a folder CRC has none of its own.
func (r *reader) subDigests(si *streamsInfo, id uint64) {
	nd, next := 0, si.streamCounts()
	for i := 0; i < si.nFolders; i++ {
		if n := next(); n != 1 || !si.folderCRC.def.get(i) {
			nd += n
		}
	}
	var d digests
	if id == idCRC {
		d = r.digests(nd)
		id = r.num()
	}
	g, k, j := 0, 0, 0 // member stream, digest, defined digest
	next = si.streamCounts()
	for i := 0; i < si.nFolders && g < len(si.subs); i++ {
		n := next()
		for range n {
			if g >= len(si.subs) {
				break
			}
			s := &si.subs[g]
			if n == 1 && si.folderCRC.def.get(i) {
				s.crc, s.hasCRC = si.folders[i].crc, si.folders[i].hasCRC
			} else {
				if d.def.get(k) && len(d.vals) >= 4*j+4 {
					s.crc, s.hasCRC = le32(d.vals[4*j:]), true
					j++
				}
				k++
			}
			g++
		}
	}
	if r.err == nil && id != idEnd {
		r.fail("unexpected id %d in substreams info", id)
	}
}
