// Package progress draws a one-line progress bar on a terminal for a scan:
// files and bytes done out of the total, the rate and the last file
// finished. It implements the scan.Observer methods (Planned, Done) without
// importing the scan package, so the library stays free of UI code.
//
// The bar appears only once the scan has run for Options.Delay, redraws at
// most once per Options.Interval by returning the carriage to the start of
// the line, and erases itself when stopped, leaving the terminal as it was.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Defaults of Options.
const (
	DefaultDelay    = time.Second
	DefaultInterval = 100 * time.Millisecond
	defaultWidth    = 80
	barCells        = 20
)

// ANSI sequences. Only colour codes depend on Options.Color; erasing the
// line is not a colour.
const (
	clearLine = "\r\x1b[2K"
	green     = "\x1b[32m"
	cyan      = "\x1b[36m"
	reset     = "\x1b[0m"
)

// Options configure a Bar.
type Options struct {
	Delay    time.Duration // nothing is drawn before; 0: DefaultDelay, <0: draw at once
	Interval time.Duration // least time between redraws; 0: DefaultInterval
	Color    bool          // colour the bar with ANSI codes (false under NO_COLOR)
	Width    func() int    // terminal width in columns, read at each redraw; nil or <= 0: 80
}

// Bar is a progress bar. Planned and Done may be called from any
// goroutine; Start and Stop from the one that runs the scan.
type Bar struct {
	w    io.Writer
	opts Options

	mu          sync.Mutex
	files, done int
	bytes, seen int64
	last        string // source of the file finished last

	start    time.Time
	started  bool
	stop     chan struct{}
	finished chan struct{}
	once     sync.Once
	shown    bool // written by the drawing goroutine, read after it ends
}

// New returns a bar that draws on w once started.
func New(w io.Writer, o Options) *Bar {
	if o.Delay == 0 {
		o.Delay = DefaultDelay
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	return &Bar{w: w, opts: o, stop: make(chan struct{}), finished: make(chan struct{})}
}

// Planned records the number of files and bytes to scan.
func (b *Bar) Planned(files int, bytes int64) {
	b.mu.Lock()
	b.files, b.bytes = files, bytes
	b.mu.Unlock()
}

// Done records a finished file.
func (b *Bar) Done(source string, bytes int64) {
	b.mu.Lock()
	b.done++
	b.seen += bytes
	b.last = source
	b.mu.Unlock()
}

// Start begins timing; the bar is drawn after the delay. Call it once.
func (b *Bar) Start() {
	b.start = time.Now()
	b.started = true
	go b.run()
}

// Stop ends drawing and erases the bar if it was drawn. It returns once
// nothing more will be written. Calling it again does nothing.
func (b *Bar) Stop() {
	b.once.Do(func() {
		if !b.started {
			return
		}
		close(b.stop)
		<-b.finished
		if b.shown {
			io.WriteString(b.w, clearLine)
		}
	})
}

func (b *Bar) run() {
	defer close(b.finished)
	if b.opts.Delay > 0 {
		t := time.NewTimer(b.opts.Delay)
		select {
		case <-b.stop:
			t.Stop()
			return
		case <-t.C:
		}
	}
	tick := time.NewTicker(b.opts.Interval)
	defer tick.Stop()
	for {
		b.draw()
		select {
		case <-b.stop:
			return
		case <-tick.C:
		}
	}
}

// draw writes the current state over the previous line.
func (b *Bar) draw() {
	b.mu.Lock()
	st := state{files: b.files, done: b.done, bytes: b.bytes, seen: b.seen, last: b.last, elapsed: time.Since(b.start)}
	b.mu.Unlock()
	width := defaultWidth
	if b.opts.Width != nil {
		if w := b.opts.Width(); w > 0 {
			width = w
		}
	}
	io.WriteString(b.w, clearLine+render(st, width, b.opts.Color))
	b.shown = true
}

// state is what one frame shows.
type state struct {
	files, done int
	bytes, seen int64
	last        string
	elapsed     time.Duration
}

// render lays out one frame in at most width-1 columns (the last column is
// left free so that the terminal never wraps):
//
//	42% [########------------] 12/30 files  1.2 MiB/2.9 MiB  3.4 MiB/s  dir/model.pt
//
// The file name is cut from the left to fit and dropped when there is no
// room; control and invisible formatting characters in it are shown as '?'.
func render(st state, width int, color bool) string {
	frac := 0.0
	switch {
	case st.bytes > 0:
		frac = float64(st.seen) / float64(st.bytes)
	case st.files > 0:
		frac = float64(st.done) / float64(st.files)
	}
	frac = min(max(frac, 0), 1)
	fill := int(frac * barCells)
	counts := fmt.Sprintf(" %d/%d files", st.done, st.files)
	if st.bytes > 0 {
		counts += fmt.Sprintf("  %s/%s", human(st.seen), human(st.bytes))
		if secs := st.elapsed.Seconds(); secs > 0 {
			counts += fmt.Sprintf("  %s/s", human(int64(float64(st.seen)/secs)))
		}
	}
	pct := fmt.Sprintf("%3d%% ", int(frac*100))
	plain := len(pct) + 2 + barCells + len(counts)
	room := width - 1
	if plain > room {
		// too narrow for the bar: counts only, cut to fit
		return cut(strings.TrimSpace(pct+counts), room)
	}
	var b strings.Builder
	b.WriteString(pct)
	b.WriteByte('[')
	if color {
		b.WriteString(green)
	}
	b.WriteString(strings.Repeat("#", fill))
	if color {
		b.WriteString(reset)
	}
	b.WriteString(strings.Repeat("-", barCells-fill))
	b.WriteByte(']')
	if color {
		b.WriteString(cyan + counts + reset)
	} else {
		b.WriteString(counts)
	}
	if name := tailFit(sanitize(st.last), room-plain-2); name != "" {
		b.WriteString("  ")
		b.WriteString(name)
	}
	return b.String()
}

// human formats a byte count with binary units.
func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[i])
}

// sanitize replaces what a terminal would interpret (control characters,
// escape sequences, bidirectional and other invisible formatting
// characters, invalid UTF-8) with '?'.
func sanitize(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if (r == utf8.RuneError && size == 1) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			b.WriteByte('?')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cols is the number of terminal columns r is taken to need: two for
// everything from U+1100 up (wide scripts and emoji), which may
// overestimate but never lets a line wrap.
func cols(r rune) int {
	if r >= 0x1100 {
		return 2
	}
	return 1
}

// tailFit returns the end of s that fits in n columns, with "..." in front
// when cut; "" when fewer than 8 columns are free.
func tailFit(s string, n int) string {
	if n < 8 || s == "" {
		return ""
	}
	total := 0
	for _, r := range s {
		total += cols(r)
	}
	if total <= n {
		return s
	}
	budget := n - 3
	i := len(s)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if cols(r) > budget {
			break
		}
		budget -= cols(r)
		i -= size
	}
	return "..." + s[i:]
}

// cut returns the start of an ASCII string s in at most n columns.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) > n {
		return s[:n]
	}
	return s
}
