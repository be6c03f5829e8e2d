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

// Bytes reads the whole blob; the caller bounds Size first. A short read
// returns what was read and an error (io.ErrUnexpectedEOF when the reader
// ended early).
func (b *Blob) Bytes() ([]byte, error) {
	data := make([]byte, b.Size)
	n, err := b.R.ReadAt(data, 0)
	if int64(n) < b.Size {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return data[:n], err
	}
	return data, nil
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
	MaxRatio        int64 // decoded bytes of one stream per compressed byte it consumed (after 16 MiB)
	// MaxFileRatio bounds the decoded bytes of all streams of one input
	// file (every layer and member) to this many times the file's size,
	// once they pass FileRatioGrace. It stops nested and overlapping bombs
	// whose every stream stays under MaxRatio. 0 disables it.
	MaxFileRatio int64
}

// FileRatioGrace is how many decoded bytes an input file may produce
// before Limits.MaxFileRatio applies.
const FileRatioGrace = 64 << 20

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
		MaxFileRatio:    1000,
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

	decompressed int64                  // decoded bytes charged so far
	inputSize    int64                  // size of the input file (the depth-0 blob)
	stops        map[string]*budgetStop // BudgetOnce records, by budget name
}

// budgetStop is the finding and problem BudgetOnce recorded for a budget,
// and the later stops folded into them.
type budgetStop struct {
	finding, problem int    // indexes in Findings and Problems
	evidence, desc   string // as first recorded
	more             int    // later stops of the same budget
	examples         []string
}

// DecompressBudget returns how many decompressed bytes this input file may
// still produce: what is left of MaxDecompressed or of the MaxFileRatio
// allowance, whichever is smaller (never negative).
func (s *Session) DecompressBudget() int64 {
	allow, _, _ := s.decompressAllowance()
	return max(allow-s.decompressed, 0)
}

// DecompressLimit names the per-file budget that bounds DecompressBudget:
// its settings key and configured value.
func (s *Session) DecompressLimit() (name string, limit int64) {
	_, name, limit = s.decompressAllowance()
	return name, limit
}

// decompressAllowance is the total number of decoded bytes the input file
// may produce, and which budget sets it.
func (s *Session) decompressAllowance() (int64, string, int64) {
	allow, name, limit := s.Limits.MaxDecompressed, "max_decompressed_bytes", s.Limits.MaxDecompressed
	if r := s.Limits.MaxFileRatio; r > 0 && s.inputSize > 0 {
		byRatio := int64(FileRatioGrace)
		if s.inputSize <= (1<<62)/r {
			byRatio = max(byRatio, r*s.inputSize)
		} else {
			byRatio = 1 << 62
		}
		if byRatio < allow {
			allow, name, limit = byRatio, "max_file_compression_ratio", r
		}
	}
	return allow, name, limit
}

// ChargeDecompressed records n decompressed bytes against the budget.
func (s *Session) ChargeDecompressed(n int64) { s.decompressed += n }

// Decompressed returns the decoded bytes charged to this input file.
func (s *Session) Decompressed() int64 { return s.decompressed }

// InputSize returns the size of the input file (0 before Scan saw it).
func (s *Session) InputSize() int64 { return s.inputSize }

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
	if b.Depth == 0 && s.inputSize == 0 {
		s.inputSize = b.Size // the input file: the base of MaxFileRatio
	}
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

// BudgetOnce records a budget stop like Budget, but only the first stop of
// each budget in this input file adds a finding and an error: later stops
// of the same budget (members not decoded after the file's budget is spent,
// other streams over the ratio) are counted into them, so an archive of a
// thousand bomb members yields one finding that says how many were cut.
func (s *Session) BudgetOnce(b *Blob, name string, err error) {
	if st := s.stops[name]; st != nil {
		st.more++
		if len(st.examples) < 3 && b != nil {
			st.examples = append(st.examples, b.Source)
		}
		more := fmt.Sprintf("; the same budget stopped %d more stream(s): %s", st.more, strings.Join(st.examples, ", "))
		if st.more > len(st.examples) {
			more += ", ..."
		}
		s.Findings[st.finding].Evidence = st.evidence + more
		s.Problems[st.problem].Description = st.desc + more
		return
	}
	if s.stops == nil {
		s.stops = map[string]*budgetStop{}
	}
	s.Budget(b, name, err)
	s.stops[name] = &budgetStop{finding: len(s.Findings) - 1, problem: len(s.Problems) - 1,
		evidence: err.Error(), desc: err.Error()}
}
