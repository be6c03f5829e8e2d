// Package scan is the modelscan library: it decides, without executing,
// importing or loading anything, whether model files would run code or touch
// the system when their framework loads them.
//
//	s, err := scan.New(scan.Options{})
//	res, err := s.Scan(ctx, "model.pt")
//	for _, f := range res.Findings { fmt.Println(f.Severity, f.Source, f.Description) }
//
// # Results
//
// A [Result] lists the Findings (highest severity first), the Errors (what
// could not be fully analysed: a file with errors is not known to be safe),
// the Skipped files and the Scanned sources. Its order never depends on
// timing or on Options.Jobs: a scan with one worker and one with eight give
// equal results. A [Finding] carries a stable rule id (Rule; the CLI lists
// them with `modelscan rules`), a [Severity], the Source ("dir/model.pt" or,
// inside an archive, "dir/model.pt:archive/data.pkl"), the Python ModelScan
// scanner name it maps to, the Evidence (what would run) and a byte Offset
// (-1 when none). [Error] and [Skip] have a Category, a Source and a
// Description.
//
// # Cancellation and progress
//
// Cancelling the context passed to [Scanner.Scan] stops the scan cleanly:
// files not finished are reported as errors of category "CANCELLED" and
// Result.Interrupted is set; findings made so far are kept. An [Observer]
// set in Options is told the number and size of the files once, then about
// each finished file; the command line's progress bar is one. This package
// draws nothing and imports no terminal code.
//
// The command-line tool (cmd/modelscan) is a thin layer over this package.
package scan

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/engine"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// Severity ranks a finding: Low, Medium, High, Critical.
type Severity = core.Severity

// Severities.
const (
	Low      = core.Low
	Medium   = core.Medium
	High     = core.High
	Critical = core.Critical
)

// ParseSeverity reads "LOW", "MEDIUM", "HIGH" or "CRITICAL".
func ParseSeverity(s string) (Severity, error) { return core.ParseSeverity(s) }

// Finding is one issue: what would run or what hides content, where. Its
// fields: Rule (stable rule id), Severity, Description (one sentence),
// Module and Operator (the imported name as written, for pickles), Source,
// Scanner (the Python ModelScan scanner name), Evidence and Offset (byte
// offset in the innermost stream, -1 if none).
type Finding = core.Finding

// Error is a file or member that could not be fully analysed: Category
// (for example "PICKLE_GENOPS", "PATH", "BUDGET", "CANCELLED"), Source and
// Description.
type Error = core.Problem

// Skip is a file that was not scanned, with the reason: Category (for
// example "SCAN_NOT_SUPPORTED"), Source and Description.
type Skip = core.Skip

// Limits are the scan budgets.
type Limits = core.Limits

// DefaultLimits returns the built-in budgets.
func DefaultLimits() Limits { return core.DefaultLimits() }

// Observer follows a scan's progress (the CLI's progress bar implements it).
// Methods are called from the scanning goroutines; implementations must be
// safe for concurrent use.
type Observer interface {
	// Planned is called once with the number of files and their total
	// size, when the walk has listed them all. Scanning starts while the
	// walk runs, so Done calls may come before it.
	Planned(files int, bytes int64)
	// Done is called after each file.
	Done(source string, bytes int64)
}

// Global names a pickle global as module and qualified name.
type Global struct{ Module, Name string }

// Options configure a Scanner. The zero value uses the built-in defaults.
type Options struct {
	Limits      Limits        // zero value: DefaultLimits()
	Jobs        int           // parallel files; 0: number of CPUs
	FileTimeout time.Duration // per-file time budget; 0: none
	Observer    Observer
	// ExtraDenied adds denylist entries: Name "*" covers a whole module.
	ExtraDenied map[Severity][]Global
	// ExtraAllowed allowlists globals (for example a team's own classes).
	ExtraAllowed []Global
	// DisabledHandlers turns format handlers off by name.
	DisabledHandlers []string
}

// Scanner scans files. It is safe for concurrent use.
type Scanner struct {
	opts Options
	eng  *engine.Engine
}

// New builds a Scanner.
func New(opts Options) (*Scanner, error) {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits()
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.NumCPU()
	}
	pol := policy.Default()
	if len(opts.ExtraDenied) > 0 || len(opts.ExtraAllowed) > 0 {
		pol = pol.Clone()
		for sev, gs := range opts.ExtraDenied {
			for _, g := range gs {
				pol.AddDeny(g.Module, g.Name, sev, "listed in the settings file")
			}
		}
		for _, g := range opts.ExtraAllowed {
			pol.AddAllow(g.Module, g.Name)
		}
	}
	reg := formats.New(pol)
	for _, name := range opts.DisabledHandlers {
		if err := reg.Disable(name); err != nil {
			return nil, err
		}
	}
	return &Scanner{opts: opts, eng: &engine.Engine{Reg: reg, Limits: opts.Limits, Timeout: opts.FileTimeout}}, nil
}

// HandlerNames lists the format handlers in routing order.
func (s *Scanner) HandlerNames() []string { return s.eng.Reg.Names() }

// Result is the outcome of a scan. Slices are sorted; nothing depends on
// map order or timing.
type Result struct {
	Inputs      []string  // paths as given
	Scanned     []string  // sources a format handler analysed
	Skipped     []Skip    // files not scanned
	Findings    []Finding // highest severity first
	Errors      []Error   // what could not be analysed
	Interrupted bool      // the context was cancelled before every file was scanned
}

// MaxSeverity returns the highest finding severity (zero if none).
func (r *Result) MaxSeverity() Severity {
	var m Severity
	for _, f := range r.Findings {
		if f.Severity > m {
			m = f.Severity
		}
	}
	return m
}

// Scan scans files and directories. A cancelled context stops the scan
// cleanly: files done so far are reported and Interrupted is set.
func (s *Scanner) Scan(ctx context.Context, paths ...string) (*Result, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no path to scan")
	}
	res := &Result{Inputs: append([]string(nil), paths...)}
	q := &queue{}
	q.more = sync.NewCond(&q.mu)
	// Workers scan files while the walk is still listing them: a large
	// tree's listing then costs no wall time of its own. A worker takes the
	// next file under the queue's lock and stops taking files once the
	// context is cancelled.
	var wg sync.WaitGroup
	for w := 0; w < s.opts.Jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, f, ok := q.take(ctx)
				if !ok {
					return
				}
				fr := s.eng.ScanFile(ctx, f.path, f.source, f.size)
				q.finish(i, fr)
				if s.opts.Observer != nil {
					s.opts.Observer.Done(f.source, f.size)
				}
			}
		}()
	}
	seen := map[string]bool{}
	var total int64
	for _, p := range paths {
		skips, errs := walkEach(p, len(paths) > 1, func(f file) {
			// a file named twice (or inside a directory also given) is
			// scanned once, under its first name
			key := f.path
			if abs, err := filepath.Abs(key); err == nil {
				key = abs
			}
			if seen[key] {
				return
			}
			seen[key] = true
			total += f.size
			q.add(f)
		})
		res.Skipped = append(res.Skipped, skips...)
		res.Errors = append(res.Errors, errs...)
	}
	q.close()
	if s.opts.Observer != nil {
		s.opts.Observer.Planned(len(q.files), total)
	}
	wg.Wait()
	for i, fr := range q.results {
		if fr == nil {
			res.Interrupted = true
			res.Errors = append(res.Errors, Error{Category: core.CatCancelled, Source: q.files[i].source, Description: "not scanned: the scan was interrupted"})
			continue
		}
		if ctx.Err() != nil && hasCancel(*fr) {
			res.Interrupted = true
		}
		res.Findings = append(res.Findings, fr.Findings...)
		res.Errors = append(res.Errors, fr.Problems...)
		res.Skipped = append(res.Skipped, fr.Skips...)
		res.Scanned = append(res.Scanned, fr.Scanned...)
	}
	engine.SortFindings(res.Findings)
	sortResult(res)
	return res, nil
}

// queue holds the files the walk has listed and their results: the walk
// adds, workers take them in order and finish them. results[i] stays nil
// for a file no worker scanned (the scan was interrupted).
type queue struct {
	mu      sync.Mutex
	more    *sync.Cond // a file was added, or the walk ended
	files   []file
	results []*engine.FileResult
	next    int
	closed  bool
}

func (q *queue) add(f file) {
	q.mu.Lock()
	q.files = append(q.files, f)
	q.results = append(q.results, nil)
	q.mu.Unlock()
	q.more.Signal()
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.more.Broadcast()
}

// take returns the next file to scan; ok is false when there is none left
// or ctx is done.
func (q *queue) take(ctx context.Context) (i int, f file, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.next >= len(q.files) && !q.closed && ctx.Err() == nil {
		q.more.Wait()
	}
	if q.next >= len(q.files) || ctx.Err() != nil {
		return 0, file{}, false
	}
	i = q.next
	q.next++
	return i, q.files[i], true
}

func (q *queue) finish(i int, fr engine.FileResult) {
	q.mu.Lock()
	q.results[i] = &fr
	q.mu.Unlock()
}

func hasCancel(fr engine.FileResult) bool {
	for _, p := range fr.Problems {
		if p.Category == core.CatCancelled {
			return true
		}
	}
	return false
}

// ScanReader scans one stream held by the caller (for example an upload),
// naming it name in the result.
func (s *Scanner) ScanReader(ctx context.Context, name string, r io.ReaderAt, size int64) *Result {
	fr := s.eng.ScanBlob(ctx, &core.Blob{Source: name, Name: name, R: r, Size: size})
	res := &Result{Inputs: []string{name}, Findings: fr.Findings, Errors: fr.Problems, Skipped: fr.Skips, Scanned: fr.Scanned}
	sortResult(res)
	return res
}
