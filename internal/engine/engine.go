// Package engine scans one input file: it opens it, routes it through the
// format registry inside a session, and returns everything found, sorted and
// de-duplicated. A panic in a handler becomes an error for that file only.
package engine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"time"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats"
)

// smallFile is the size up to which a file is read into memory at once.
const smallFile = 256 << 10

// Engine scans files with a registry and limits.
type Engine struct {
	Reg     *formats.Registry
	Limits  core.Limits
	Timeout time.Duration // per file, 0 for none
}

// FileResult is everything found in one input file.
type FileResult struct {
	Source   string
	Size     int64
	Findings []core.Finding
	Problems []core.Problem
	Skips    []core.Skip
	Scanned  []string
}

// ScanFile scans the file at path, naming it source in reports. sizeHint
// is the size the caller saw when listing the file (-1 if unknown): small
// files are read whole with the fewest system calls.
func (e *Engine) ScanFile(ctx context.Context, path, source string, sizeHint int64) (fr FileResult) {
	fr.Source = source
	fail := func(err error) FileResult {
		fr.Problems = append(fr.Problems, core.Problem{Category: core.CatPath, Source: source, Description: err.Error()})
		return fr
	}
	name := filepath.Base(path)
	if sizeHint >= 0 && sizeHint <= smallFile {
		data, whole, err := readSmall(path, smallFile, sizeHint)
		if err != nil {
			return fail(err)
		}
		if whole {
			// read once: every handler's probes then cost no system calls
			return e.ScanBlob(ctx, &core.Blob{Source: source, Name: name, R: bytes.NewReader(data), Size: int64(len(data))})
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	return e.ScanBlob(ctx, &core.Blob{Source: source, Name: name, R: f, Size: st.Size()})
}

// ScanBlob scans an already opened blob (used by ScanFile and by library
// callers that hold the bytes themselves).
func (e *Engine) ScanBlob(ctx context.Context, b *core.Blob) (fr FileResult) {
	fr.Source, fr.Size = b.Source, b.Size
	if e.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.Timeout)
		defer cancel()
	}
	s := core.NewSession(ctx, e.Limits, e.Reg.Dispatch)
	defer func() {
		if r := recover(); r != nil {
			s.Fail(b, core.CatModelScan, fmt.Errorf("internal error while scanning (please report): %v\n%s", r, debug.Stack()))
		}
		fr = collect(s, fr)
	}()
	if err := s.Scan(b); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			s.Budget(b, "max_seconds_per_file", fmt.Errorf("scan of %s took longer than %s", b.Source, e.Timeout))
		} else if ctx.Err() != nil {
			s.Fail(b, core.CatCancelled, fmt.Errorf("scan interrupted: %w", ctx.Err()))
		} else {
			s.Fail(b, core.CatModelScan, err)
		}
	}
	return fr
}

func collect(s *core.Session, fr FileResult) FileResult {
	fr.Findings = Dedupe(s.Findings)
	fr.Problems = append(fr.Problems, s.Problems...)
	fr.Skips = append(fr.Skips, s.Skips...)
	fr.Scanned = append(fr.Scanned, s.Scanned...)
	sort.SliceStable(fr.Problems, func(i, j int) bool { return problemLess(fr.Problems[i], fr.Problems[j]) })
	sort.SliceStable(fr.Skips, func(i, j int) bool { return fr.Skips[i].Source < fr.Skips[j].Source })
	sort.Strings(fr.Scanned)
	fr.Scanned = uniqStrings(fr.Scanned)
	return fr
}

// Dedupe merges findings with the same source, rule, module and operator,
// keeping the highest severity (and its evidence) and the first offset, and
// returns them sorted.
func Dedupe(in []core.Finding) []core.Finding {
	idx := map[string]int{}
	var out []core.Finding
	for _, f := range in {
		k := f.Source + "\x00" + f.Rule + "\x00" + f.Module + "\x00" + f.Operator
		if i, ok := idx[k]; ok {
			o := &out[i]
			if f.Severity > o.Severity {
				o.Severity, o.Description, o.Evidence = f.Severity, f.Description, f.Evidence
			}
			if f.Offset >= 0 && (o.Offset < 0 || f.Offset < o.Offset) {
				o.Offset = f.Offset
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, f)
	}
	SortFindings(out)
	return out
}

// SortFindings orders findings: highest severity first, then by source,
// rule, module, operator and offset.
func SortFindings(fs []core.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Module != b.Module {
			return a.Module < b.Module
		}
		if a.Operator != b.Operator {
			return a.Operator < b.Operator
		}
		return a.Offset < b.Offset
	})
}

func problemLess(a, b core.Problem) bool {
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	if a.Category != b.Category {
		return a.Category < b.Category
	}
	return a.Description < b.Description
}

func uniqStrings(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}
