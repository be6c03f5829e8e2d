package cli

import (
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/term"

	"github.com/modelscan-go/modelscan/internal/progress"
	"github.com/modelscan-go/modelscan/scan"
)

// Test hooks: how long a scan runs before the bar appears, and a wrapper
// around the scan observer (tests slow the scan down with it).
var (
	progressDelay = progress.DefaultDelay
	observerHook  func(scan.Observer) scan.Observer
)

// fileList records the sources of the top-level files a scan opened; the
// SARIF report uses them to split "outer:member" sources.
type fileList struct {
	mu    sync.Mutex
	files []string
}

func (l *fileList) Planned(int, int64) {}

func (l *fileList) Done(source string, _ int64) {
	l.mu.Lock()
	l.files = append(l.files, source)
	l.mu.Unlock()
}

func (l *fileList) sorted() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]string(nil), l.files...)
	sort.Strings(out)
	return out
}

// observers passes every event to each observer that is set.
type observers []scan.Observer

func (o observers) Planned(files int, bytes int64) {
	for _, x := range o {
		if x != nil {
			x.Planned(files, bytes)
		}
	}
}

func (o observers) Done(source string, bytes int64) {
	for _, x := range o {
		if x != nil {
			x.Done(source, bytes)
		}
	}
}

// progressBar is the terminal progress bar, or nothing (nil) when it must
// not be drawn.
type progressBar struct{ bar *progress.Bar }

func (p *progressBar) Planned(files int, bytes int64) {
	if p != nil {
		p.bar.Planned(files, bytes)
	}
}

func (p *progressBar) Done(source string, bytes int64) {
	if p != nil {
		p.bar.Done(source, bytes)
	}
}

func (p *progressBar) Start() {
	if p != nil {
		p.bar.Start()
	}
}

func (p *progressBar) Stop() {
	if p != nil {
		p.bar.Stop()
	}
}

// newProgress returns a progress bar on stderr, or nil when none is wanted:
// with --no-progress, in CI (CI=true or 1), when stderr is not a terminal
// (or a dumb one), when the report itself goes to stderr, and when a json
// or sarif report goes to standard output (whoever reads it is a program).
// Colours follow NO_COLOR (https://no-color.org).
func newProgress(f scanFlags, format string, out *os.File, stderr io.Writer) *progressBar {
	if f.noProgress {
		return nil
	}
	if ci := strings.ToLower(os.Getenv("CI")); ci == "true" || ci == "1" {
		return nil
	}
	fh, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(fh.Fd())) || os.Getenv("TERM") == "dumb" {
		return nil
	}
	if out == nil && (format == "json" || format == "sarif") {
		return nil
	}
	if out != nil && sameFile(out, fh) {
		return nil
	}
	fd := int(fh.Fd())
	return &progressBar{progress.New(fh, progress.Options{
		Delay: progressDelay,
		Color: os.Getenv("NO_COLOR") == "",
		Width: func() int {
			w, _, err := term.GetSize(fd)
			if err != nil {
				return 0
			}
			return w
		},
	})}
}

func sameFile(a, b *os.File) bool {
	sa, err := a.Stat()
	if err != nil {
		return false
	}
	sb, err := b.Stat()
	return err == nil && os.SameFile(sa, sb)
}

// sarifRoot is the directory SARIF URIs are made relative to: the working
// directory when the scanned root lies inside it, so that `modelscan -p
// models -r sarif` run from a repository's top yields "models/x.pkl" as
// code scanning expects; otherwise the scanned root itself.
func sarifRoot(root string) string {
	wd, err := os.Getwd()
	if err != nil {
		return root
	}
	if rel, err := filepath.Rel(wd, root); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return wd
	}
	return root
}
