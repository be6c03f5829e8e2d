// Package zipx is a small, bounded ZIP reader for scanning untrusted model
// archives (PyTorch .pt/.pth/.bin checkpoints, NumPy .npz).
//
// It differs from archive/zip in ways that matter to a scanner:
//
//   - every central-directory record is returned, duplicates included, in
//     directory order, so the caller can reason about which copy a given
//     loader (miniz in PyTorch, zipfile in Python, ...) would pick;
//   - local headers are read and compared with the central directory;
//   - quirks that some loader tolerates (encryption flag bits, bad CRCs,
//     prepended data, overlapping members, unsafe names) are recorded as
//     Anomaly values instead of being fatal;
//   - offsets and lengths are validated against the file size before use and
//     no buffer is ever sized by a declared member size;
//   - stored members can be read in place (Member.ReaderAt), so opening a
//     multi-gigabyte checkpoint touches only the tail of the file, the
//     central directory and the local headers.
//
// PyTorch builds miniz with MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS, so CRC
// errors are reported, never enforced unless the caller asks (DataReader).
package zipx

import "errors"

// Errors returned by Open and Member.Open. They may be wrapped; test with
// errors.Is.
var (
	// ErrFormat means no usable end-of-central-directory record or central
	// directory was found.
	ErrFormat = errors.New("zipx: not a valid zip archive")
	// ErrTooManyMembers is returned by Open, together with a usable Reader
	// holding the first Limits.MaxMembers members, when the central
	// directory holds more records than allowed.
	ErrTooManyMembers = errors.New("zipx: too many members")
	// ErrTooLarge is returned by DataReader.Read once a member's data would
	// exceed the maxBytes given to Member.Open.
	ErrTooLarge = errors.New("zipx: member data exceeds limit")
	// ErrUnsupportedMethod is returned by Member.Open for methods other
	// than stored (0) and deflate (8).
	ErrUnsupportedMethod = errors.New("zipx: unsupported compression method")
	// ErrBadLocalHeader is returned by Member.Open when the member's local
	// header is missing or unreadable (Member.DataOffset == -1).
	ErrBadLocalHeader = errors.New("zipx: bad local header")
	// ErrTruncated is returned by Member.Open when the member's compressed
	// data extends past the end of the file.
	ErrTruncated = errors.New("zipx: member data extends past end of file")
	// ErrCRC reports that the data read does not match the central
	// directory CRC-32 (see DataReader.Mismatch and DataReader.Strict).
	ErrCRC = errors.New("zipx: CRC-32 mismatch")
	// ErrSizeMismatch reports that the data read does not have the central
	// directory's uncompressed size (see DataReader.Mismatch).
	ErrSizeMismatch = errors.New("zipx: uncompressed size mismatch")
)

// Anomaly kinds. Kind strings are stable and meant to be mapped to findings.
const (
	KindEncrypted         = "encrypted-flag"      // bit 0 or 6 of the flags set
	KindBadCRC            = "bad-crc"             // not set by Open (needs the data): for callers, see DataReader.Mismatch
	KindNameMismatch      = "name-mismatch"       // local header name differs from central directory name (Python's zipfile refuses)
	KindDuplicateName     = "duplicate-name"      // same central name more than once
	KindDataBefore        = "data-before-archive" // bytes before the first local header (polyglot, self-extractor)
	KindLocalMissing      = "local-header-missing"
	KindSizeMismatch      = "size-mismatch"      // local vs central sizes, or stored with compressed != uncompressed
	KindHeaderMismatch    = "header-mismatch"    // local vs central method, flags or CRC differ
	KindUnsupportedMethod = "unsupported-method" // method other than 0 and 8
	KindAbsolutePath      = "absolute-path"      // '/x', '\x', 'C:x', '\\server'
	KindDotDotPath        = "dotdot-path"        // a '..' component
	KindBackslash         = "backslash-path"     // backslash in name
	KindNulInName         = "nul-in-name"        // NUL byte in name (C tools truncate)
	KindEmptyName         = "empty-name"
	KindSymlink           = "symlink"            // Unix mode says symbolic link
	KindUnicodePathExtra  = "unicode-path-extra" // Info-ZIP 0x7075 extra: some tools use another name
	KindZip64             = "zip64"              // member has a ZIP64 extra (informational; normal above 4 GiB)
	KindZip64Mismatch     = "zip64-mismatch"     // ZIP64 record disagrees with non-saturated 32-bit fields
	KindBadZip64          = "bad-zip64"          // ZIP64 locator without a usable ZIP64 record
	KindBadExtra          = "bad-extra"          // malformed extra field
	KindTruncatedCD       = "truncated-central-directory"
	KindExtraBytesAfter   = "extra-bytes-after"  // bytes after the EOCD record and its comment
	KindBadComment        = "bad-comment-length" // comment length runs past end of file
	KindMultipleEOCD      = "multiple-eocd"      // another EOCD signature in the tail, outside every member's data
	KindBadCDOffset       = "bad-cd-offset"      // stored CD offset/size inconsistent with its actual position
	KindCDSizeMismatch    = "cd-size-mismatch"   // walked central directory size differs from EOCD
	KindCountMismatch     = "entry-count-mismatch"
	KindMultiDisk         = "multi-disk" // disk numbers non-zero (miniz refuses)
	KindOverlap           = "overlapping-members"
	KindDataPastEOF       = "data-past-eof" // member data extends past end of file
)

// Anomaly is a structural oddity. Detail is human-readable and unstable.
type Anomaly struct {
	Kind   string
	Detail string
}

// Limits bounds the work done by Open. Zero fields take the defaults.
type Limits struct {
	// MaxMembers is the maximum number of central-directory records read.
	MaxMembers int
	// MaxCommentScan is how many bytes at the end of the file are searched
	// for the end-of-central-directory record (at most 65535+22 are useful).
	MaxCommentScan int64
}

// DefaultLimits returns the limits used for zero fields of Limits.
func DefaultLimits() Limits {
	return Limits{MaxMembers: 100_000, MaxCommentScan: maxEOCDScan}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMembers <= 0 {
		l.MaxMembers = d.MaxMembers
	}
	if l.MaxCommentScan <= 0 || l.MaxCommentScan > d.MaxCommentScan {
		l.MaxCommentScan = d.MaxCommentScan
	}
	l.MaxCommentScan = max(l.MaxCommentScan, lenEOCD)
	return l
}

// Reader is an opened archive: its central directory and what was found
// wrong with it. It holds no reference to the underlying io.ReaderAt.
type Reader struct {
	Members   []*Member // every central-directory record, in order
	Anomalies []Anomaly // archive-level anomalies
	// Prefix is the number of bytes before the archive proper: the smallest
	// local header offset (or the central directory offset when there are
	// no members). Non-zero for self-extractors and polyglots.
	Prefix int64
	// Base is the amount added to every stored offset, computed like
	// archive/zip does when data was prepended without fixing offsets.
	Base    int64
	Comment string // EOCD comment (clamped to the file)
	Zip64   bool   // a ZIP64 end-of-central-directory record was used

	otherEOCDs []int64 // offsets of the other end-record signatures in the tail
	eocdScan   int64   // how many tail bytes were searched
}

// Member is one central-directory record plus what its local header says.
type Member struct {
	Name      string // central directory name, raw bytes
	LocalName string // local header name ("" if unreadable)
	Method    uint16
	Flags     uint16
	CRC32     uint32 // central directory CRC-32
	// Sizes from the central directory (ZIP64 extra applied).
	CompressedSize, UncompressedSize uint64
	HeaderOffset                     int64 // local header offset as stored + Reader.Base
	DataOffset                       int64 // absolute offset of the data, -1 if the local header is bad
	ExternalAttrs                    uint32
	CreatorOS                        uint8 // high byte of "version made by"
	Index                            int   // position in the central directory
	Anomalies                        []Anomaly

	truncated bool // data runs past end of file
}

// HasAnomaly reports whether the archive or any member has an anomaly of
// the given kind.
func (z *Reader) HasAnomaly(kind string) bool {
	if hasKind(z.Anomalies, kind) {
		return true
	}
	for _, m := range z.Members {
		if m.HasAnomaly(kind) {
			return true
		}
	}
	return false
}

// Find returns every member whose central name is exactly name, in
// central-directory order. Loaders disagree on which duplicate wins:
// Python's zipfile takes the last, archive/zip the first, miniz either.
func (z *Reader) Find(name string) []*Member {
	var out []*Member
	for _, m := range z.Members {
		if m.Name == name {
			out = append(out, m)
		}
	}
	return out
}

// HasAnomaly reports whether the member has an anomaly of the given kind.
func (m *Member) HasAnomaly(kind string) bool { return hasKind(m.Anomalies, kind) }

func hasKind(as []Anomaly, kind string) bool {
	for _, a := range as {
		if a.Kind == kind {
			return true
		}
	}
	return false
}

func (m *Member) add(kind, format string, args ...any) {
	m.Anomalies = append(m.Anomalies, anomaly(kind, format, args...))
}

func (z *Reader) add(kind, format string, args ...any) {
	z.Anomalies = append(z.Anomalies, anomaly(kind, format, args...))
}
