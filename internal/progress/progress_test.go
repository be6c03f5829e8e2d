package progress

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// syncBuffer is a bytes.Buffer safe for the drawing goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var colourRE = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// visible strips colour codes and counts columns as the bar does.
func visible(s string) int {
	n := 0
	for _, r := range colourRE.ReplaceAllString(s, "") {
		n += cols(r)
	}
	return n
}

func TestRender(t *testing.T) {
	st := state{files: 30, done: 12, bytes: 3 << 20, seen: 1 << 20, last: "dir/model.pt", elapsed: 2 * time.Second}
	got := render(st, 100, false)
	want := " 33% [######--------------] 12/30 files  1.0 MiB/3.0 MiB  512.0 KiB/s  dir/model.pt"
	if got != want {
		t.Errorf("render:\n got %q\nwant %q", got, want)
	}
	coloured := render(st, 100, true)
	if !strings.Contains(coloured, green) || colourRE.ReplaceAllString(coloured, "") != want {
		t.Errorf("coloured frame %q does not match the plain one", coloured)
	}
	// no bytes known: files drive the bar, no byte counts
	if got := render(state{files: 4, done: 1}, 80, false); got != " 25% [#####---------------] 1/4 files" {
		t.Errorf("files only: %q", got)
	}
	// done beyond the plan never overflows the bar
	if got := render(state{files: 1, done: 3}, 80, false); !strings.HasPrefix(got, "100% [####################]") {
		t.Errorf("overflow: %q", got)
	}
}

func TestRenderFitsWidth(t *testing.T) {
	long := strings.Repeat("very-long-directory-name/", 20) + "model.pt"
	for _, width := range []int{0, 1, 10, 30, 60, 61, 70, 80, 200} {
		for _, name := range []string{"", "m.pt", long, strings.Repeat("模型/", 40) + "x.pt"} {
			for _, color := range []bool{false, true} {
				st := state{files: 123456, done: 654, bytes: 5 << 40, seen: 3 << 30, last: name, elapsed: time.Second}
				got := render(st, width, color)
				if width > 0 && visible(got) > width-1 {
					t.Errorf("width %d: %d columns: %q", width, visible(got), got)
				}
				if !color && strings.Contains(got, "\x1b") {
					t.Errorf("escape code without colour: %q", got)
				}
				if name == long && width >= 100 && !strings.Contains(got, "...") {
					t.Errorf("long name not cut with an ellipsis: %q", got)
				}
				if strings.Contains(got, "...") && !strings.HasSuffix(got, "model.pt") && strings.HasSuffix(name, "model.pt") {
					t.Errorf("name cut from the wrong end: %q", got)
				}
			}
		}
	}
}

func TestSanitize(t *testing.T) {
	got := render(state{files: 1, last: "a\x1b]0;pwned\x07b\u202ec\xff.pt"}, 120, false)
	if strings.ContainsAny(got, "\x1b\x07\u202e") || !utf8.ValidString(got) {
		t.Errorf("file name reaches the terminal raw: %q", got)
	}
	if !strings.HasSuffix(got, "a?]0;pwned?b?c?.pt") {
		t.Errorf("sanitized name: %q", got)
	}
}

func TestHuman(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536 << 20: "1.5 GiB", 1 << 62: "4096.0 PiB"} {
		if got := human(n); got != want {
			t.Errorf("human(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestQuietBeforeDelay: a scan that ends before the delay draws nothing.
func TestQuietBeforeDelay(t *testing.T) {
	var out syncBuffer
	b := New(&out, Options{Delay: time.Hour})
	b.Start()
	b.Planned(2, 10)
	b.Done("a", 5)
	b.Done("b", 5)
	b.Stop()
	if out.String() != "" {
		t.Errorf("drawn before the delay: %q", out.String())
	}
	New(&out, Options{}).Stop() // never started: returns at once
}

// TestDrawsAndClears: after the delay the bar is drawn, redrawn at most
// once per interval, and erased by Stop.
func TestDrawsAndClears(t *testing.T) {
	var out syncBuffer
	b := New(&out, Options{Delay: 50 * time.Millisecond, Interval: 40 * time.Millisecond, Width: func() int { return 100 }})
	b.Planned(3, 300)
	b.Start()
	b.Done("one.pkl", 100)
	time.Sleep(300 * time.Millisecond)
	b.Done("two.pkl", 100)
	b.Stop()
	b.Stop()
	s := out.String()
	frames := strings.Split(s, clearLine)
	if len(frames) < 3 || !strings.HasSuffix(s, clearLine) {
		t.Fatalf("want frames then a clear, got %q", s)
	}
	// 300ms after a 50ms delay at one frame per 40ms: about 7 frames, never
	// a burst
	if n := len(frames) - 2; n > 9 {
		t.Errorf("%d frames in 300ms at 40ms intervals", n)
	}
	if !strings.Contains(s, "1/3 files") || !strings.Contains(s, "one.pkl") {
		t.Errorf("state not shown: %q", s)
	}
	if strings.Contains(s, "\n") {
		t.Errorf("the bar writes a newline: %q", s)
	}
	if strings.Contains(s, "\x1b[3") {
		t.Errorf("colour without Options.Color: %q", s)
	}
}

// TestConcurrentDone: Done from many goroutines while drawing (run with
// -race).
func TestConcurrentDone(t *testing.T) {
	var out syncBuffer
	b := New(&out, Options{Delay: -1, Interval: time.Millisecond, Color: true})
	b.Planned(800, 800)
	b.Start()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				b.Done("f", 1)
			}
		}()
	}
	wg.Wait()
	time.Sleep(5 * time.Millisecond)
	b.Stop()
	if !strings.Contains(out.String(), "800/800 files") {
		t.Errorf("final count not drawn: %q", out.String()[max(0, len(out.String())-200):])
	}
}

// FuzzRender: whatever the name and counts, a frame fits the width and
// carries no control character besides the bar's own colour codes.
func FuzzRender(f *testing.F) {
	f.Add("dir/model.pt", 80, 3, 1, int64(100), int64(10), true)
	f.Add("a\x1b[31m\u202e\xff", 20, 0, 0, int64(0), int64(0), false)
	f.Add(strings.Repeat("模", 50), 61, 1<<30, 5, int64(-1), int64(1<<62), true)
	f.Fuzz(func(t *testing.T, name string, width, files, done int, total, seen int64, color bool) {
		width = width%400 + 1
		if width < 0 {
			width = -width
		}
		got := render(state{files: files, done: done, bytes: total, seen: seen, last: name, elapsed: time.Second}, width, color)
		plain := colourRE.ReplaceAllString(got, "")
		if visible(got) > max(width-1, 0) {
			t.Fatalf("width %d: %d columns: %q", width, visible(got), got)
		}
		for _, r := range plain {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' {
				t.Fatalf("control character %U in %q", r, got)
			}
		}
	})
}
