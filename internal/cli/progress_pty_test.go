//go:build linux

package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/modelscan-go/modelscan/internal/cli"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/scan"
)

// openPTY opens a pseudo-terminal pair through /dev/ptmx (no cgo, no
// helper program) with a 100x24 window. The test is skipped where there is
// no pty device.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skipf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("open pty slave: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 100}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// terminal is one pty whose output is collected until the slave closes.
type terminal struct {
	slave *os.File
	out   bytes.Buffer
	done  chan struct{}
}

func newTerminal(t *testing.T) *terminal {
	m, s := openPTY(t)
	term := &terminal{slave: s, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			term.out.Write(buf[:n])
			if err != nil {
				return // EIO once the slave is closed and drained
			}
		}
	}()
	return term
}

// text closes the slave and returns all that was written to it.
func (term *terminal) text(t *testing.T) string {
	t.Helper()
	term.slave.Close()
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		t.Fatal("pty output not drained")
	}
	return term.out.String()
}

// slowObserver delays each finished file so that a small scan lasts long
// enough for the bar to appear.
type slowObserver struct {
	scan.Observer
	delay time.Duration
}

func (o slowObserver) Done(source string, bytes int64) {
	time.Sleep(o.delay)
	o.Observer.Done(source, bytes)
}

// progressDir holds n malicious pickles (built opcode by opcode).
func progressDir(t *testing.T, n int) string {
	dir := t.TempDir()
	for i := 0; i < n; i++ {
		name := filepath.Join(dir, fmt.Sprintf("model-%02d.pkl", i))
		if err := os.WriteFile(name, pklasm.System(fmt.Sprintf("echo %d", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// screen replays a terminal line the way a terminal shows it: '\r' returns
// to column 0, ESC [2K erases the line, ESC [...m sets colours, "\r\n" or
// "\n" ends a line. It returns the lines left on the screen.
func screen(out string) []string {
	var lines []string
	var line []rune
	col := 0
	csi := regexp.MustCompile(`^\x1b\[[0-9;]*[A-Za-z]`)
	for i := 0; i < len(out); {
		if m := csi.FindString(out[i:]); m != "" {
			if strings.HasSuffix(m, "K") {
				line, col = nil, 0 // [2K: whole line (col is reset by \r anyway)
			}
			i += len(m)
			continue
		}
		c := out[i]
		switch c {
		case '\r':
			col = 0
		case '\n':
			lines = append(lines, string(line))
			line, col = nil, 0
		default:
			r := []rune(out[i:])[0]
			for len(line) <= col {
				line = append(line, ' ')
			}
			line[col] = r
			col++
			i += len(string(r))
			continue
		}
		i++
	}
	return append(lines, string(line))
}

var ansiColour = regexp.MustCompile(`\x1b\[[0-9;]*m`)

type ptyRun struct {
	stderr, stdout string
	code           int
}

// runOnPTY runs modelscan with stderr (and, when ttyStdout, stdout) on a
// pseudo-terminal.
func runOnPTY(t *testing.T, ttyStdout bool, args ...string) ptyRun {
	t.Helper()
	errTerm := newTerminal(t)
	var stdout io.Writer = new(bytes.Buffer)
	var outTerm *terminal
	if ttyStdout {
		outTerm = newTerminal(t)
		stdout = outTerm.slave
	}
	code := cli.Run(context.Background(), args, stdout, errTerm.slave)
	r := ptyRun{stderr: errTerm.text(t), code: code}
	if outTerm != nil {
		r.stdout = outTerm.text(t)
	} else {
		r.stdout = stdout.(*bytes.Buffer).String()
	}
	return r
}

func slowScan(t *testing.T, per time.Duration) {
	t.Cleanup(cli.SetProgressDelay(150 * time.Millisecond))
	t.Cleanup(cli.SetObserverHook(func(o scan.Observer) scan.Observer { return slowObserver{o, per} }))
}

// setEnv sets environment variables for the test (an empty value counts
// as unset for CI and NO_COLOR).
func setEnv(t *testing.T, kv ...string) {
	for i := 0; i < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

// TestProgressBarOnTerminal: on a terminal a scan longer than the delay
// draws a bar with files, bytes and the file name, in colour, within the
// terminal width; the bar is erased at the end, before the report.
func TestProgressBarOnTerminal(t *testing.T) {
	setEnv(t, "CI", "", "NO_COLOR", "", "TERM", "xterm")
	dir := progressDir(t, 12)
	slowScan(t, 60*time.Millisecond)
	r := runOnPTY(t, true, "-p", dir, "-j", "1", "-l", "ERROR")
	if r.code != cli.ExitIssues {
		t.Fatalf("exit %d\n%q", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "/12 files") || !strings.Contains(r.stderr, "model-") || !strings.Contains(r.stderr, "B/s") {
		t.Fatalf("no progress bar on the terminal: %q", r.stderr)
	}
	if !ansiColour.MatchString(r.stderr) {
		t.Errorf("bar not coloured without NO_COLOR: %q", r.stderr)
	}
	for _, frame := range strings.Split(r.stderr, "\r") {
		if n := len([]rune(ansiColour.ReplaceAllString(strings.TrimPrefix(frame, "\x1b[2K"), ""))); n >= 100 {
			t.Errorf("frame of %d columns on a 100-column terminal: %q", n, frame)
		}
	}
	if !strings.HasSuffix(r.stderr, "\r\x1b[2K") {
		t.Errorf("bar not erased at the end: %q", r.stderr[max(0, len(r.stderr)-120):])
	}
	if lines := screen(r.stderr); len(lines) != 1 || strings.TrimSpace(lines[0]) != "" {
		t.Errorf("terminal shows %q after the scan, want an empty line", lines)
	}
	// the console report on the terminal is coloured too
	if !strings.Contains(r.stdout, "\x1b[1;31m") || !strings.Contains(r.stdout, "CRITICAL") {
		t.Errorf("console report on a terminal not coloured: %q", r.stdout)
	}
}

// TestProgressNoColor: NO_COLOR keeps every colour code out of the bar and
// the console report, while the bar still works.
func TestProgressNoColor(t *testing.T) {
	setEnv(t, "CI", "", "NO_COLOR", "1", "TERM", "xterm")
	dir := progressDir(t, 8)
	slowScan(t, 60*time.Millisecond)
	r := runOnPTY(t, true, "-p", dir, "-j", "1", "-l", "ERROR")
	if !strings.Contains(r.stderr, "/8 files") {
		t.Fatalf("no progress bar: %q", r.stderr)
	}
	if ansiColour.MatchString(r.stderr) || strings.Contains(r.stderr, "\x1b[3") {
		t.Errorf("colour codes in the bar under NO_COLOR: %q", r.stderr)
	}
	if strings.Contains(r.stdout, "\x1b[") || !strings.Contains(r.stdout, "CRITICAL") {
		t.Errorf("console report under NO_COLOR: %q", r.stdout)
	}
	if !strings.HasSuffix(r.stderr, "\r\x1b[2K") {
		t.Errorf("bar not erased: %q", r.stderr)
	}
}

// TestProgressSilent: nothing is drawn in CI, with --no-progress, when a
// json or sarif report goes to standard output, when the report goes to
// the terminal's stderr itself, or when the scan ends before the delay.
func TestProgressSilent(t *testing.T) {
	dir := progressDir(t, 6)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		slow bool
	}{
		{"CI=true", []string{"CI", "true"}, nil, true},
		{"CI=1", []string{"CI", "1"}, nil, true},
		{"no-progress", nil, []string{"--no-progress"}, true},
		{"json to stdout", nil, []string{"-r", "json"}, true},
		{"sarif to stdout", nil, []string{"-r", "sarif"}, true},
		{"dumb terminal", []string{"TERM", "dumb"}, nil, true},
		{"fast scan", nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t, append([]string{"CI", "", "NO_COLOR", "", "TERM", "xterm"}, tc.env...)...)
			if tc.slow {
				slowScan(t, 60*time.Millisecond)
			}
			r := runOnPTY(t, false, append([]string{"-p", dir, "-j", "1", "-l", "ERROR"}, tc.args...)...)
			if r.code != cli.ExitIssues {
				t.Fatalf("exit %d", r.code)
			}
			if r.stderr != "" {
				t.Errorf("drawn: %q", r.stderr)
			}
		})
	}
	// the report itself goes to the terminal's stderr: -o /dev/stderr is
	// not available in-process, so the pty slave is named by its path
	t.Run("report to stderr", func(t *testing.T) {
		setEnv(t, "CI", "", "NO_COLOR", "", "TERM", "xterm")
		slowScan(t, 60*time.Millisecond)
		errTerm := newTerminal(t)
		code := cli.Run(context.Background(), []string{"-p", dir, "-j", "1", "-l", "ERROR", "-o", errTerm.slave.Name()}, io.Discard, errTerm.slave)
		out := errTerm.text(t)
		if code != cli.ExitIssues || strings.Contains(out, "/6 files") || !strings.Contains(out, "Scanned 6 files") {
			t.Errorf("exit %d, bar drawn over the report: %q", code, out)
		}
	})
	// with -o a json report leaves the terminal free for the bar
	t.Run("json to a file", func(t *testing.T) {
		setEnv(t, "CI", "", "NO_COLOR", "", "TERM", "xterm")
		slowScan(t, 60*time.Millisecond)
		r := runOnPTY(t, false, "-p", dir, "-j", "1", "-l", "ERROR", "-r", "json", "-o", filepath.Join(t.TempDir(), "r.json"))
		if !strings.Contains(r.stderr, "/6 files") {
			t.Errorf("no bar with -r json -o: %q", r.stderr)
		}
	})
}

// TestProgressInterrupted: a cancelled scan still erases its bar.
func TestProgressInterrupted(t *testing.T) {
	setEnv(t, "CI", "", "NO_COLOR", "", "TERM", "xterm")
	dir := progressDir(t, 40)
	slowScan(t, 50*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	errTerm := newTerminal(t)
	code := cli.Run(ctx, []string{"-p", dir, "-j", "1", "-l", "ERROR"}, io.Discard, errTerm.slave)
	out := errTerm.text(t)
	if code != cli.ExitIssues && code != cli.ExitErrors {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(out, "files") || !strings.HasSuffix(out, "\r\x1b[2K") {
		t.Errorf("interrupted scan: bar not drawn then erased: %q", out)
	}
}
