package sevenzipfmt

// coder is one decoding step of a folder. Every coder has one output.
type coder struct {
	id    []byte // method id
	nIn   int
	props []byte
}

// folder is a chain of coders producing one decoded stream, which holds
// the data of one or more members (a solid block).
type folder struct {
	coders    []coder
	binds     [][2]int // coder input index, coder output index
	packed    []int    // coder input indexes fed by pack streams
	sizes     []uint64 // decoded size of each coder's output
	main      int      // the output that is not bound: the folder's data
	crc       uint32
	hasCRC    bool
	packs     []uint64 // sizes of its pack streams, stored in a row
	packSize  uint64   // their total
	encrypted bool     // set by check
	bad       error    // why it cannot be decoded, set by check
}

func (f *folder) unpackSize() uint64 { return f.sizes[f.main] }

func (r *reader) folder(f *folder) {
	nc := r.count("coders", maxCoders)
	if r.err == nil && nc == 0 {
		r.fail("folder without coders")
	}
	f.coders = resize(f.coders, nc)
	in := 0
	for i := range f.coders {
		c := &f.coders[i]
		flags := r.byte()
		if flags&0xC0 != 0 {
			r.fail("coder flags %#x: alternative methods are not supported", flags)
		}
		c.id, c.nIn = r.take(uint64(flags&0x0F)), 1
		if flags&0x10 != 0 {
			c.nIn = r.count("coder inputs", maxCoderIn)
			if out := r.num(); r.err == nil && out != 1 {
				r.fail("coder with %d outputs is not supported", out)
			}
		}
		if flags&0x20 != 0 {
			c.props = r.take(r.num())
		}
		in += c.nIn
	}
	if r.err == nil && (in > maxFolderIn || in < nc) {
		r.fail("folder with %d coders and %d inputs", nc, in)
	}
	if r.err != nil {
		return
	}
	var usedIn [maxFolderIn]bool
	var usedOut [maxCoders]bool
	f.binds, f.packed = resize(f.binds, nc-1), f.packed[:0]
	for i := range f.binds {
		a, b := r.count("bind input", in-1), r.count("bind output", nc-1)
		if r.err == nil && (usedIn[a] || usedOut[b]) {
			r.fail("stream bound twice")
		}
		f.binds[i] = [2]int{a, b}
		usedIn[a], usedOut[b] = true, true
	}
	if np := in - (nc - 1); np == 1 {
		for i := range in {
			if !usedIn[i] {
				f.packed = append(f.packed, i)
				break
			}
		}
	} else {
		for range np {
			i := r.count("packed input", in-1)
			if r.err == nil && usedIn[i] {
				r.fail("input %d is both bound and packed", i)
			}
			usedIn[i] = true
			f.packed = append(f.packed, i)
		}
	}
	for i, used := range usedOut[:nc] {
		if !used {
			f.main = i
		}
	}
}

// resize returns p with length n, reusing its array when large enough.
func resize[T any](p []T, n int) []T {
	if cap(p) < n {
		return make([]T, n)
	}
	clear(p[:n])
	return p[:n]
}

// unpackInfo reads the folders. Only the first keep are kept; the others
// are parsed and dropped, keeping their coder and pack stream counts.
func (r *reader) unpackInfo(si *streamsInfo, keep int) {
	r.expect(idFolder, "folders")
	nf := r.count("folders", r.rem()/3)
	if r.byte() != 0 {
		r.fail("external folder data is not supported")
	}
	if r.err != nil {
		return
	}
	si.nFolders = nf
	si.folders = make([]folder, min(nf, keep))
	nCoders := make([]uint8, nf)
	si.nPacked = make([]uint8, nf)
	scratch := &folder{}
	for i := 0; i < nf && r.err == nil; i++ {
		f := scratch
		if i < len(si.folders) {
			f = &si.folders[i]
		}
		r.folder(f)
		nCoders[i], si.nPacked[i] = uint8(len(f.coders)), uint8(len(f.packed))
	}
	r.expect(idCodersUnpackSize, "unpack sizes")
	for i := 0; i < nf && r.err == nil; i++ {
		if i >= len(si.folders) {
			for range nCoders[i] {
				r.size()
			}
			continue
		}
		f := &si.folders[i]
		f.sizes = make([]uint64, len(f.coders))
		for j := range f.sizes {
			f.sizes[j] = r.size()
		}
	}
	id := r.num()
	if id == idCRC {
		si.folderCRC = r.digests(nf)
		for i, j := 0, 0; i < len(si.folders); i++ {
			if si.folderCRC.def.get(i) && len(si.folderCRC.vals) >= 4*j+4 {
				si.folders[i].crc, si.folders[i].hasCRC = le32(si.folderCRC.vals[4*j:]), true
				j++
			}
		}
		id = r.num()
	}
	if r.err == nil && id != idEnd {
		r.fail("unexpected id %d in unpack info", id)
	}
}

func le32(p []byte) uint32 {
	return uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
}
