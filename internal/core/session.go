package core

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"
)

// Blob is one stream to scan: a file on disk, an archive member, a
// decompressed stream or a nested pickle. Handlers read it only through R;
// nothing is ever extracted to disk.
type Blob struct {
	Source string      // display path: "dir/model.pt:archive/data.pkl"
	Name   string      // innermost name (file or member path), a hint only
	R      io.ReaderAt // the bytes
	Size   int64       // number of bytes readable from R
	Depth  int         // 0 for a file given by the user, +1 per nesting level
	// Dormant marks a stream the real loader never deserializes (a pickle
	// member of a PyTorch archive other than data.pkl, a literal that merely
	// looks like a pickle). Findings in it are reported one severity lower.
	Dormant bool
	// Role tells a handler how the container uses this stream, e.g.
	// RoleTorchStorage for a tensor blob under data/ that is never unpickled.
	Role string
	// Quiet blobs are probed, not expected to be models: when no handler
	// recognises them nothing is recorded (no skip entry).
	Quiet bool
}

// Roles a container can assign to a member.
const (
	RoleTorchStorage = "torch-storage" // raw tensor bytes of a PyTorch archive
	RoleTorchPickle  = "torch-pickle"  // data.pkl: unpickled by torch.load with persistent ids
	RoleNestedPickle = "nested-pickle" // bytes handed to a deserializer inside a pickle
	// RoleChatTemplate marks text that a model runtime renders as a Jinja
	// chat template (a GGUF tokenizer.chat_template value, the chat_template
	// of tokenizer_config.json).
	RoleChatTemplate = "chat-template"
	// RoleKerasConfig marks a Keras model configuration as JSON (the
	// model_config attribute of an .h5 file, a layer's metadata in
	// keras_metadata.pb).
	RoleKerasConfig = "keras-config"
)

// Child derives a nested blob: its source is "parent:name", it is one level
// deeper and inherits dormancy.
func (b *Blob) Child(name string, r io.ReaderAt, size int64) *Blob {
	return &Blob{Source: b.Source + ":" + name, Name: name, R: r, Size: size, Depth: b.Depth + 1, Dormant: b.Dormant}
}

// Base returns the last path element of the blob name.
func (b *Blob) Base() string { return path.Base(strings.ReplaceAll(b.Name, "\\", "/")) }

// Ext returns the lower-cased extension of the blob name, with the dot.
func (b *Blob) Ext() string { return strings.ToLower(path.Ext(b.Base())) }

// Limits are the budgets that keep a scan bounded. A limit that is hit
// produces a MEDIUM scan-incomplete finding and an error, never a silent stop.
type Limits struct {
	MaxDepth        int   // nesting of containers and nested pickles
	MaxOpcodes      int64 // opcodes per pickle stream (all pickles in it)
	MaxMemo         int   // memo entries per pickle
	MaxStack        int   // stack + mark-stack depth per pickle
	MaxMembers      int   // members per archive
	MaxStringBytes  int   // bytes kept from one text-opcode argument line
	MaxNestedPickle int64 // bytes of one nested pickle literal to scan
	MaxDecompressed int64 // decompressed bytes per input file (all members and streams)
	MaxRatio        int64 // decoded/compressed bytes of one stream (after 16 MiB)
}

// DefaultLimits are the built-in budgets.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:        16,
		MaxOpcodes:      500_000_000,
		MaxMemo:         50_000_000,
		MaxStack:        1_000_000,
		MaxMembers:      100_000,
		MaxStringBytes:  64 << 20,
		MaxNestedPickle: 256 << 20,
		MaxDecompressed: 4 << 30,
		MaxRatio:        1000,
	}
}

// Handler scans one kind of stream. Handlers never open files; they read the
// blob they are given and hand nested streams back through Session.Scan.
type Handler interface {
	// Name is a stable identifier, e.g. "pickle" or "pytorch-zip".
	Name() string
	// Match reports whether the handler recognises the blob. head holds the
	// first bytes of the blob (up to HeadSize); the name is only a hint.
	Match(head []byte, b *Blob) bool
	// Scan analyses the blob, reporting into s. A returned error is recorded
	// as a problem for the blob; findings reported before it are kept.
	Scan(s *Session, b *Blob) error
}

// HeadSize is how many leading bytes are passed to Handler.Match.
const HeadSize = 512

// Dispatcher routes a blob to the handler that recognises it.
type Dispatcher func(s *Session, b *Blob) error

// Session collects everything found while scanning one input file,
// including every nested stream inside it.
type Session struct {
	Ctx      context.Context
	Limits   Limits
	dispatch Dispatcher

	Findings []Finding
	Problems []Problem
	Skips    []Skip
	Scanned  []string // sources that a handler analysed

	decompressed int64
}

// DecompressBudget returns how many decompressed bytes this input file may
// still produce.
func (s *Session) DecompressBudget() int64 { return s.Limits.MaxDecompressed - s.decompressed }

// ChargeDecompressed records n decompressed bytes against the budget.
func (s *Session) ChargeDecompressed(n int64) { s.decompressed += n }

// NewSession starts the collection for one input file.
func NewSession(ctx context.Context, lim Limits, d Dispatcher) *Session {
	return &Session{Ctx: ctx, Limits: lim, dispatch: d}
}

// Add records a finding found in b. Source defaults to b.Source, and a
// finding in a dormant blob is lowered one step and says so.
func (s *Session) Add(b *Blob, f Finding) {
	if f.Source == "" && b != nil {
		f.Source = b.Source
	}
	if b != nil && b.Dormant && f.Severity > Low {
		f.Severity = f.Severity.Lower()
		f.Description += " (dormant: the loader does not deserialize this stream)"
	}
	s.Findings = append(s.Findings, f)
}

// Fail records a scan error for b.
func (s *Session) Fail(b *Blob, category string, err error) {
	src := ""
	if b != nil {
		src = b.Source
	}
	s.Problems = append(s.Problems, Problem{Category: category, Source: src, Description: err.Error()})
}

// Skip records that b was not scanned.
func (s *Session) Skip(b *Blob, category, why string) {
	s.Skips = append(s.Skips, Skip{Category: category, Source: b.Source, Description: why})
}

// MarkScanned records that a handler analysed b.
func (s *Session) MarkScanned(b *Blob) { s.Scanned = append(s.Scanned, b.Source) }

// Scan routes a nested blob (archive member, nested pickle, decompressed
// stream) through content sniffing, enforcing the depth budget.
func (s *Session) Scan(b *Blob) error {
	if b.Depth > s.Limits.MaxDepth {
		err := fmt.Errorf("nesting depth %d exceeds the limit of %d", b.Depth, s.Limits.MaxDepth)
		s.Budget(b, "max_depth", err)
		return nil
	}
	if err := s.Ctx.Err(); err != nil {
		return err
	}
	return s.dispatch(s, b)
}

// Budget records that a budget stopped the analysis of b: a MEDIUM
// scan-incomplete finding naming the budget plus an error.
func (s *Session) Budget(b *Blob, name string, err error) {
	s.Add(b, Finding{
		Rule:        "scan-incomplete",
		Severity:    Medium,
		Description: fmt.Sprintf("Scan incomplete: budget %s exhausted", name),
		Evidence:    err.Error(),
		Offset:      -1,
	})
	s.Fail(b, CatBudget, err)
}
