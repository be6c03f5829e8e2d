package safetensorsfmt

import (
	"bytes"
	"fmt"
	"io"

	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/zipx"
)

// trialWindow bounds the bytes a pickle trial reads from one region.
const trialWindow = 256 << 10

// sniffRegion reports what other loader would accept the n bytes at off
// (isPickle when it is the pickle module), or "" when none would. It reads
// the first bytes only, and for a pickle runs a bounded trial that must
// reach an import or a call: a few bytes of tensor data that merely
// resemble a pickle header are not reported.
func sniffRegion(r io.ReaderAt, off, n int64) (what string, isPickle bool) {
	var head [8]byte
	k, _ := r.ReadAt(head[:min(n, int64(len(head)))], off)
	h := head[:k]
	switch {
	case bytes.HasPrefix(h, []byte("\x93NUMPY")):
		return "a NumPy .npy file (\\x93NUMPY magic)", false
	case bytes.HasPrefix(h, []byte("PK\x03\x04")):
		return "a zip archive (local file header PK\\x03\\x04)", false
	case len(h) >= 2 && h[0] == 0x80 && h[1] <= 5, len(h) >= 1 && (h[0] == 'c' || h[0] == 'i' || h[0] == '('):
		if what := pickleTrial(r, off, n); what != "" {
			return what, true
		}
	}
	return "", false
}

// pickleTrial runs the pickle machine over the start of a region and
// describes the pickle when it imports or calls something.
func pickleTrial(r io.ReaderAt, off, n int64) string {
	imports, calls := 0, 0
	first := ""
	obs := pickle.ObserverFunc(func(ev *pickle.Event) {
		switch ev.Kind {
		case pickle.EvImport:
			imports++
			if first == "" && ev.Global != nil {
				first = ev.Global.Module + "." + ev.Global.Name
			}
		case pickle.EvUnresolvedImport:
			imports++
			if first == "" {
				first = "a computed name"
			}
		case pickle.EvCall:
			calls++
		}
	})
	cfg := pickle.Config{MaxOps: 20000, MaxPickles: 1, MaxLine: 4096, MaxMemo: 10000, MaxStack: 10000}
	res, _ := pickle.Run(r, off, off+min(n, trialWindow), cfg, obs)
	if imports == 0 && calls == 0 {
		return ""
	}
	what := "a pickle"
	var p [2]byte
	if k, _ := r.ReadAt(p[:], off); k == 2 && p[0] == 0x80 {
		what = fmt.Sprintf("a protocol %d pickle", p[1])
	}
	if first != "" {
		what += " that imports " + truncate(first, 100)
	} else {
		what += " that makes calls"
	}
	if res.Pickles > 0 {
		what += " (reaches STOP)"
	}
	return what
}

// wholeFileZip reports whether the file as a whole is also a zip archive
// (an end-of-central-directory record near its end): torch.load and any
// zip reader would open it as one.
func wholeFileZip(r io.ReaderAt, size int64) bool {
	return zipx.Sniff(nil, r, size)
}
