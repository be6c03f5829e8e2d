package tarfmt

import (
	"archive/tar"
	"encoding/binary"
	"errors"
	"fmt"
	"path"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/picklefmt"
	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// PyTorch's first checkpoint format (torch < 0.4 wrote it; torch.load still
// reads it) is a tar, read by legacy_load inside _legacy_load of
// torch/serialization.py (read in pytorch/pytorch at commit 000a1a54cb9c;
// the 0.x _save writer was read in an older copy). legacy_load opens the
// file with tarfile and reads, in this order:
//
//   - 'storages': pickle_module.load gives num_storages; then per storage a
//     pickle (key, location, storage_type), followed by the raw bytes read
//     by UntypedStorage._new_with_file(f, _element_size(storage_type._dtype)):
//     THPStorage_readFileRaw (torch/csrc/serialization.cpp) reads an int64
//     little-endian element count, then count*element_size bytes (written by
//     storage._write_file); then one more pickle, storage_views (torch 0.1
//     wrote no views and (key, storage_type) pairs);
//   - 'tensors': a pickle num_tensors; per tensor a pickle (key, storage_id,
//     original_tensor_type), then struct '<i' ndim, 4 pad bytes ("legacy
//     encoding treated ndim as 8 bytes"), ndim '<q' sizes, ndim '<q' strides
//     and a '<q' storage offset;
//   - 'pickle': the object, unpickled with persistent_load.
//
// 'sys_info' is written by _save (save_sys_info) but never read by
// legacy_load: it is scanned as dormant. Members are found with
// tarfile.getmember (the last entry of that exact name); extractfile
// follows links to an earlier member.
var legacyRoles = []string{"storages", "tensors", "pickle", "sys_info"}

// elementSizes are the element sizes of the legacy storage classes
// (torch._utils._element_size of their dtype).
var elementSizes = map[string]int64{
	"FloatStorage": 4, "DoubleStorage": 8, "HalfStorage": 2, "BFloat16Storage": 2,
	"LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1,
	"ByteStorage": 1, "BoolStorage": 1, "ComplexFloatStorage": 8, "ComplexDoubleStorage": 16,
	"QInt8Storage": 1, "QUInt8Storage": 1, "QInt32Storage": 4,
}

func isRoleName(name string) bool {
	switch name {
	case "storages", "tensors", "pickle", "sys_info":
		return true
	}
	return false
}

// legacyTar maps each role to the entry holding its bytes.
type legacyTar struct {
	data map[string]int
	own  map[int]bool // entries scanned in their role, not by content
}

func (l *legacyTar) owns(i int) bool { return l != nil && l.own[i] }

// findLegacy recognises a legacy checkpoint: 'storages' plus 'tensors' or
// 'pickle' (legacy_load unpickles 'storages' first).
func findLegacy(entries []*entry) *legacyTar {
	last := map[string]int{}
	for i, e := range entries {
		for _, r := range legacyRoles {
			if e.name == r {
				last[r] = i
			}
		}
	}
	_, st := last["storages"]
	_, te := last["tensors"]
	_, pk := last["pickle"]
	if !st || !(te || pk) {
		return nil
	}
	l := &legacyTar{data: map[string]int{}, own: map[int]bool{}}
	for r, i := range last {
		if j := resolve(entries, i); j >= 0 {
			l.data[r] = j
			if j == i {
				l.own[i] = true
			}
		}
	}
	return l
}

// resolve follows links the way tarfile._find_link_target does: a symlink
// target is relative to the link's directory, a hard link's to the root,
// both normalised and looked up among the entries before the link.
func resolve(entries []*entry, i int) int {
	for hops := 0; hops < 16; hops++ {
		e := entries[i]
		var target string
		switch e.flag {
		case tar.TypeSymlink:
			target = e.link
			if d := path.Dir(e.name); d != "." {
				target = d + "/" + e.link
			}
		case tar.TypeLink:
			target = e.link
		default:
			if hasData(e.flag) {
				return i
			}
			return -1
		}
		if i = earlier(entries, i, path.Clean(target)); i < 0 {
			return -1
		}
	}
	return -1
}

// earlier returns the last entry before i with the given normalised name.
func earlier(entries []*entry, i int, name string) int {
	for i--; i >= 0; i-- {
		if path.Clean(entries[i].name) == name {
			return i
		}
	}
	return -1
}

func (h *Handler) scanLegacy(s *core.Session, b *core.Blob, entries []*entry, l *legacyTar) error {
	for _, role := range legacyRoles {
		i, ok := l.data[role]
		if !ok {
			continue
		}
		if err := s.Ctx.Err(); err != nil {
			return err
		}
		child := open(s, b, entries[i], role)
		if child == nil {
			continue
		}
		s.MarkScanned(child)
		switch role {
		case "pickle":
			h.stream(s, child, 0, 0, true)
		case "storages":
			h.records(s, child, "storage", storageData)
		case "tensors":
			h.records(s, child, "tensor", tensorData)
		default:
			child.Dormant = true
			h.stream(s, child, 0, 0, false)
		}
	}
	return nil
}

// stream scans pickles in b[start:] (one when one is set) the way
// pickle_module.load reads them.
func (h *Handler) stream(s *core.Session, b *core.Blob, start int64, one int, torch bool) (pickle.Result, error) {
	return picklefmt.ScanStream(h.Pol, s, b, picklefmt.Options{Scanner: picklefmt.ScannerTorch,
		Torch: torch, MaxPickles: one, Start: start, End: b.Size})
}

// rawData returns how many raw bytes follow a record's pickle at off.
type rawData func(b *core.Blob, args pickle.Value, off int64) (int64, error)

// records walks 'storages' or 'tensors': a count, then count × (a pickle
// plus raw bytes). A record that cannot be followed stops the walk with an
// error; one whose layout cannot be determined also with a scan-incomplete
// finding.
func (h *Handler) records(s *core.Session, b *core.Blob, what string, raw rawData) {
	res, err := h.stream(s, b, 0, 1, false)
	if err != nil {
		return // reported by ScanStream
	}
	if res.Pickles < 1 {
		s.Fail(b, core.CatPickle, fmt.Errorf("legacy PyTorch %ss member is empty", what))
		return
	}
	n, ok := pickle.IntValue(res.Values[0])
	if !ok {
		incomplete(s, b, 0, fmt.Sprintf("the %s count is not a literal integer: %s", what, pickle.Render(res.Values[0], 80)))
		return
	}
	off := res.End
	for i := int64(0); i < n; i++ {
		if err := s.Ctx.Err(); err != nil {
			s.Fail(b, core.CatCancelled, err)
			return
		}
		if lim := s.Limits.MaxMembers; lim > 0 && i >= int64(lim) {
			s.Budget(b, "max_members", fmt.Errorf("legacy PyTorch %ss declares %d records; the first %d were scanned", what, n, lim))
			return
		}
		if off >= b.Size {
			s.Fail(b, core.CatPickle, fmt.Errorf("legacy PyTorch %ss end after %d of %d records", what, i, n))
			return
		}
		res, err := h.stream(s, b, off, 1, false)
		if err != nil || res.Pickles < 1 {
			return
		}
		skip, err := raw(b, res.Values[0], res.End)
		if err != nil {
			var le *layoutError
			if errors.As(err, &le) {
				incomplete(s, b, res.End, fmt.Sprintf("%s record %d: %v", what, i, err))
			} else {
				s.Fail(b, core.CatPickle, fmt.Errorf("legacy PyTorch %s record %d: %w", what, i, err))
			}
			return
		}
		off = res.End + skip
	}
	if what == "storage" && off < b.Size {
		h.stream(s, b, off, 1, false) // storage_views
	}
}

// layoutError: the raw data size cannot be determined statically.
type layoutError struct{ msg string }

func (e *layoutError) Error() string { return e.msg }

// storageData: int64 element count, then count × element size bytes.
func storageData(b *core.Blob, args pickle.Value, off int64) (int64, error) {
	st := storageType(args)
	es := elementSizes[st]
	if es == 0 {
		return 0, &layoutError{fmt.Sprintf("unknown storage type %q (args %s): its element size, hence where the next record starts, is unknown", st, pickle.Render(args, 80))}
	}
	var p [8]byte
	if n, _ := b.R.ReadAt(p[:], off); n < 8 {
		return 0, fmt.Errorf("element count at offset %d is truncated", off)
	}
	count := int64(binary.LittleEndian.Uint64(p[:]))
	if left := b.Size - off - 8; count < 0 || count > left/es {
		return 0, fmt.Errorf("%d elements of %d bytes at offset %d exceed the %d bytes left", count, es, off, left)
	}
	return 8 + count*es, nil
}

// storageType returns the class name of the last global in the record
// tuple ((key, location, storage_type), or (key, storage_type) in 0.1).
func storageType(args pickle.Value) string {
	seq, ok := args.(*pickle.Seq)
	if !ok || len(seq.Items) == 0 {
		return ""
	}
	if g, ok := seq.Items[len(seq.Items)-1].(*pickle.Global); ok {
		return g.Name
	}
	return ""
}

// tensorData: int32 ndim, 4 pad bytes, ndim sizes, ndim strides, offset.
func tensorData(b *core.Blob, _ pickle.Value, off int64) (int64, error) {
	var p [4]byte
	if n, _ := b.R.ReadAt(p[:], off); n < 4 {
		return 0, fmt.Errorf("ndim at offset %d is truncated", off)
	}
	ndim := int64(int32(binary.LittleEndian.Uint32(p[:])))
	need := 8 + 16*ndim + 8
	if ndim < 0 || need > b.Size-off {
		return 0, fmt.Errorf("tensor metadata of %d dimensions at offset %d exceeds the %d bytes left", ndim, off, b.Size-off)
	}
	return need, nil
}

func incomplete(s *core.Session, b *core.Blob, off int64, why string) {
	s.Add(b, core.Finding{Rule: rules.ScanIncomplete, Severity: core.Medium, Scanner: picklefmt.ScannerTorch,
		Description: "Scan incomplete: a legacy PyTorch tar member cannot be walked to its end",
		Module:      "torch.serialization", Operator: "legacy_load", Evidence: why, Offset: off})
	s.Fail(b, core.CatPickle, errors.New(why))
}
