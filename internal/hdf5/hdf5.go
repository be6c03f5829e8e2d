// Package hdf5 is a small, bounded, read-only HDF5 reader written from the
// HDF5 File Format Specification. It reads what a model scanner needs from
// files written by h5py/libhdf5 (Keras .h5 models and weights): the
// attributes of the root group or of any group reached by a path, and the
// links of a group. It never reads dataset contents.
//
// Supported: superblock versions 0-3, found at offset 0 or after a user
// block (512, 1024, 2048, ...); object headers version 1 and 2 with their
// continuation blocks; old-style groups (symbol table, version 1 B-tree,
// local heap) and new-style groups (link messages, dense link storage);
// compact attributes (attribute message versions 1-3) and dense attributes
// (attribute info message, fractal heap with direct and indirect blocks,
// managed, tiny and unfiltered huge objects, version 2 B-trees); shared
// messages, both committed datatypes and the shared-message table (SOHM);
// scalar, simple and null dataspaces; fixed and variable-length strings
// (global heap), integers, enums (as their integer values) and floats.
//
// Everything is bounded: offsets and lengths are checked against the file
// size before anything is read, no buffer is sized by a declared length
// before that length has been checked against the bytes that remain and a
// Limits value, structures reached twice (continuation chains, B-tree nodes,
// heap blocks) are detected, and every call has budgets for nesting depth,
// structures visited and bytes read. Checksums of version-2 structures are
// verified; a mismatch is an error (ErrChecksum), as it is for libhdf5.
//
// A File is safe for concurrent use: every call keeps its own state.
package hdf5

import (
	"errors"
	"fmt"
	"io"
)

// Errors. Returned errors wrap one of these; test with errors.Is.
var (
	// ErrNotHDF5 means no HDF5 signature was found where the format puts it.
	ErrNotHDF5 = errors.New("hdf5: not an HDF5 file")
	// ErrMalformed means a structure is truncated, points outside the file,
	// has a bad signature or an impossible field.
	ErrMalformed = errors.New("hdf5: malformed file")
	// ErrChecksum means a structure's stored checksum does not match its
	// bytes (libhdf5 refuses such metadata).
	ErrChecksum = errors.New("hdf5: checksum mismatch")
	// ErrUnsupported means the file uses a feature this reader does not
	// implement; the message names it.
	ErrUnsupported = errors.New("hdf5: unsupported feature")
	// ErrLimit means a Limits value was exceeded.
	ErrLimit = errors.New("hdf5: limit exceeded")
	// ErrNotFound means a path names no object.
	ErrNotFound = errors.New("hdf5: no such object")
)

// Limits bound the work done by one call (Open, Attrs, Links). Zero fields
// take the value of DefaultLimits.
type Limits struct {
	// MaxDepth bounds nesting: B-tree levels, fractal heap indirect
	// levels, path components and soft-link hops, shared-message chains
	// and nested datatypes.
	MaxDepth int
	// MaxObjects bounds the structures visited by one call: object header
	// chunks and messages, B-tree nodes and records, heap blocks and
	// objects, links and attributes.
	MaxObjects int64
	// MaxAttrBytes bounds the decoded value of one attribute (raw data
	// plus the variable-length strings it refers to).
	MaxAttrBytes int64
	// MaxBlockBytes bounds one metadata block read into memory at once
	// (object header chunk, B-tree node, heap block, local heap).
	MaxBlockBytes int64
	// MaxTotalBytes bounds all bytes read into memory by one call.
	MaxTotalBytes int64
}

// DefaultLimits returns the limits used for zero fields: generous for any
// real model file, small enough that a crafted one cannot exhaust memory.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:      32,
		MaxObjects:    200_000,
		MaxAttrBytes:  64 << 20,
		MaxBlockBytes: 16 << 20,
		MaxTotalBytes: 256 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxObjects <= 0 {
		l.MaxObjects = d.MaxObjects
	}
	if l.MaxAttrBytes <= 0 {
		l.MaxAttrBytes = d.MaxAttrBytes
	}
	if l.MaxBlockBytes <= 0 {
		l.MaxBlockBytes = d.MaxBlockBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	return l
}

// Kind says which value fields of an Attr are set.
type Kind uint8

// Attribute value kinds.
const (
	KindUnknown Kind = iota // not decoded: Err says why
	KindString              // Str, Strs
	KindInt                 // Ints (enums too, as their integer values)
	KindFloat               // Floats
	KindEmpty               // null dataspace: the attribute has no value
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindEmpty:
		return "empty"
	}
	return "unknown"
}

// Attr is one attribute. When its value could not be decoded, Err is set
// (and Kind is KindUnknown); such an attribute is still returned, never
// dropped. Name may be empty if even the name could not be read.
type Attr struct {
	Name string
	Kind Kind
	// Dims is the dataspace shape: nil for a scalar.
	Dims []uint64
	// Str is the value of a string attribute holding exactly one element.
	Str string
	// Strs holds every element of a string attribute, in storage order.
	// Fixed-length strings lose their trailing padding (NULs, or spaces
	// for space-padded types); everything before it is kept, embedded NULs
	// included (see NUL).
	Strs []string
	// Ints holds integer and enum values. When Unsigned is set they are
	// uint64 bit patterns.
	Ints     []int64
	Unsigned bool
	// Floats holds floating-point values.
	Floats []float64
	// UTF8 is set when the string type declares UTF-8 (otherwise ASCII).
	UTF8 bool
	// VarLen is set for variable-length strings (stored in the global heap).
	VarLen bool
	// NUL is set when a string value contains a NUL byte before its end.
	// libhdf5's C-string conversions (variable-length strings, and
	// fixed-length ones it converts) stop at the first NUL, so a loader may
	// see only the text before it, while Strs keeps all of it.
	NUL bool
	// Dense is set when the attribute was stored in dense storage (a
	// fractal heap) rather than in the object header.
	Dense bool
	// Err is set when the value could not be decoded.
	Err error
}

// LinkType is the kind of a group link.
type LinkType uint8

// Link types.
const (
	LinkHard     LinkType = 0
	LinkSoft     LinkType = 1
	LinkExternal LinkType = 64
)

// Link is one entry of a group.
type Link struct {
	Name   string
	Type   LinkType
	Addr   uint64 // object header address (relative to the base), hard links
	Target string // soft link path, or "file\x00path" for external links
}

// File is an opened HDF5 file.
type File struct {
	r        io.ReaderAt
	size     int64
	base     uint64 // absolute offset of the superblock; addresses are relative to it
	lim      Limits
	version  int
	offSize  int
	lenSize  int
	root     uint64 // root group object header address
	rootSTab *stab  // superblock 0/1 root symbol table entry cache, if any
	ext      uint64 // superblock extension address
	sohm     []sohmIndex
}

// SuperblockVersion returns the superblock version (0-3).
func (f *File) SuperblockVersion() int { return f.version }

// UserBlockSize returns the number of bytes before the superblock.
func (f *File) UserBlockSize() int64 { return int64(f.base) }

// Sniff reports whether head starts with the HDF5 signature. HDF5 also
// allows a user block before the superblock (the signature is then at 512,
// 1024, 2048, ...): Open finds those; Sniff checks the signature at every
// such offset head covers.
func Sniff(head []byte) bool {
	for off := 0; off+len(signature) <= len(head); {
		if string(head[off:off+len(signature)]) == signature {
			return true
		}
		if off == 0 {
			off = 512
		} else {
			off *= 2
		}
	}
	return false
}

const signature = "\x89HDF\r\n\x1a\n"

// errf wraps kind with a formatted message.
func errf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}
