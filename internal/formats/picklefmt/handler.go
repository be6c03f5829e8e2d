package picklefmt

import (
	"errors"
	"regexp"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// Handler scans raw pickle streams: pickle, dill, cloudpickle and
// uncompressed joblib files, whatever their name.
type Handler struct{ Pol *policy.Policy }

// Name implements core.Handler.
func (h *Handler) Name() string { return "pickle" }

// Extensions that announce a pickle (a hint only).
var pickleExts = map[string]bool{
	".pkl": true, ".pickle": true, ".joblib": true, ".dill": true, ".dat": true, ".data": true,
	".p": true, ".pck": true, ".pcl": true, ".sav": true, ".cpkl": true, ".pkl3": true,
}

// IsPickleExt reports whether ext names a pickle file.
func IsPickleExt(ext string) bool { return pickleExts[strings.ToLower(ext)] }

// Match recognises a pickle by content: a protocol 2+ header, or for
// protocol 0/1 a trial run that reaches STOP or makes a call.
func (h *Handler) Match(head []byte, b *core.Blob) bool {
	if b.Role == core.RoleNestedPickle {
		return true
	}
	return Sniff(head, b)
}

// Sniff reports whether the blob's content is a pickle stream.
func Sniff(head []byte, b *core.Blob) bool {
	if len(head) == 0 {
		return false
	}
	if head[0] == 0x80 && len(head) >= 2 && head[1] <= 5 {
		return len(head) == 2 || pickle.IsOpcode(head[2])
	}
	if !pickle.IsOpcode(head[0]) || head[0] == '.' {
		return false
	}
	return trial(b)
}

// trial runs the machine over the start of a blob (a bounded number of
// opcodes; long literals are skipped, not read) to tell a protocol 0/1
// pickle from text or binary data that happens to start with an opcode byte.
func trial(b *core.Blob) bool {
	end := b.Size
	calls, imports, ops := 0, 0, 0
	dead := false // an import no loader can resolve: loading stops there
	obs := pickle.ObserverFunc(func(ev *pickle.Event) {
		if dead {
			return
		}
		switch ev.Kind {
		case pickle.EvCall, pickle.EvMutation:
			calls++
		case pickle.EvImport:
			// find_class imports the module by name: a module or
			// attribute name that is not a (dotted) identifier, such as
			// a text line read by a leading 'c', raises there, so nothing
			// after it runs.
			if identifier.MatchString(ev.Global.Module) && identifier.MatchString(ev.Global.Name) {
				imports++
			} else {
				dead = true
			}
		}
	})
	res, err := pickle.Run(b.R, 0, end, pickle.Config{MaxOps: 20000, MaxPickles: 1, MaxLine: 4096}, obs)
	ops = int(res.Ops)
	if err == nil {
		return res.Pickles > 0
	}
	var be *pickle.BudgetError
	if errors.As(err, &be) {
		return ops > 8 // a long pickle: the opcode budget of the trial ran out
	}
	// a parse error (or a truncated stream) after the stream already made
	// a call is still a pickle: the call runs before the loader fails. So is
	// one that imported a well-formed name, when the file is named as one.
	return calls > 0 || (imports > 0 && IsPickleExt(b.Ext()))
}

// identifier matches a dotted Python identifier (Python 3 allows non-ASCII
// letters in names).
var identifier = regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_]*(\.[\p{L}_][\p{L}\p{N}_]*)*$`)

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	s.MarkScanned(b)
	ScanStream(h.Pol, s, b, Options{Scanner: ScannerPickle})
	return nil
}
