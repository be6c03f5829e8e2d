package streams

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
)

// zeros is an endless (or n-byte) source of zero bytes that never
// allocates the stream.
type zeros struct{ n int64 } // n < 0: endless

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	if z.n > 0 && int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	if z.n > 0 {
		z.n -= int64(len(p))
	}
	return len(p), nil
}

// counted is an opener over fixed bytes that counts how often it was
// called.
type counted struct {
	data  []byte
	opens int
	fail  error // returned by open when set
}

func (c *counted) open() (io.Reader, error) {
	c.opens++
	if c.fail != nil {
		return nil, c.fail
	}
	return bytes.NewReader(c.data), nil
}

func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	return p
}

func readAll(t *testing.T, r io.ReaderAt, size int64) []byte {
	t.Helper()
	out, err := io.ReadAll(io.NewSectionReader(r, 0, size))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func budgetName(err error) string {
	var be *BudgetError
	if errors.As(err, &be) {
		return be.Budget
	}
	return ""
}

func TestDecodeSmallInMemory(t *testing.T) {
	src := &counted{data: pattern(1000)}
	d, err := Decode(src.open, 100, 1<<20, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if d.Size != 1000 || d.Err != nil {
		t.Fatalf("size %d err %v", d.Size, d.Err)
	}
	if _, ok := d.R.(*bytes.Reader); !ok {
		t.Errorf("small stream not kept in memory: %T", d.R)
	}
	if !bytes.Equal(readAll(t, d.R, d.Size), src.data) {
		t.Error("content differs")
	}
	if src.opens != 1 {
		t.Errorf("opened %d times", src.opens)
	}
}

func TestDecodeBudget(t *testing.T) {
	open := func() (io.Reader, error) { return &zeros{n: 1 << 20}, nil }
	// exactly the budget is fine
	if d, err := Decode(open, 0, 1<<20, 0); err != nil || d.Size != 1<<20 || d.Stop != nil {
		t.Fatalf("at the budget: %v %+v", err, d)
	}
	// one byte over: the bytes before the stop are kept, the stop is said
	d, err := Decode(open, 0, 1<<20-1, 0)
	if err != nil || d == nil || d.Stop == nil || budgetName(d.Stop) != "max_decompressed_bytes" || d.Size != 1<<20-1 {
		t.Fatalf("one byte over: %+v %v", d, err)
	}
	if !strings.Contains(d.Stop.Error(), "max_decompressed_bytes") {
		t.Errorf("error does not name the budget: %v", d.Stop)
	}
	if got := readAll(t, d.R, d.Size); len(got) != 1<<20-1 {
		t.Errorf("kept %d bytes", len(got))
	}
	// an endless stream stops at the budget
	d, err = Decode(func() (io.Reader, error) { return &zeros{n: -1}, nil }, 0, 4<<20, 0)
	if err != nil || d.Stop == nil || budgetName(d.Stop) != "max_decompressed_bytes" || d.Size != 4<<20 {
		t.Fatalf("endless: %+v %v", d, err)
	}
}

func TestDecodeRatio(t *testing.T) {
	endless := func() (io.Reader, error) { return &zeros{n: -1}, nil }
	// 1 KiB compressed, ratio 1000: stops just past max(grace, 1000 KiB)
	d, err := Decode(endless, 1024, 1<<40, 1000)
	if err != nil || d.Stop == nil || budgetName(d.Stop) != "max_compression_ratio" || d.Size != ratioGrace {
		t.Fatalf("want max_compression_ratio: %+v %v", d, err)
	}
	// the grace: 16 MiB from 1 byte is fine
	if d, err := Decode(func() (io.Reader, error) { return &zeros{n: ratioGrace}, nil }, 1, 1<<40, 1000); err != nil || d.Stop != nil {
		t.Errorf("within the grace: %v %+v", err, d)
	}
	// past the grace but within the ratio
	if d, err := Decode(func() (io.Reader, error) { return &zeros{n: ratioGrace + 1}, nil }, 1<<20, 1<<40, 1000); err != nil || d.Stop != nil {
		t.Errorf("within the ratio: %v %+v", err, d)
	}
	// compressed <= 0 or ratio 0 disables the check
	for _, c := range []struct{ comp, ratio int64 }{{0, 1000}, {-1, 1000}, {1, 0}} {
		if d, err := Decode(func() (io.Reader, error) { return &zeros{n: 20 << 20}, nil }, c.comp, 1<<40, c.ratio); err != nil || d.Stop != nil {
			t.Errorf("compressed %d ratio %d: %v %+v", c.comp, c.ratio, err, d)
		}
	}
}

// errAfter returns data then a decode error.
type errAfter struct {
	r   io.Reader
	err error
}

func (e *errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, e.err
	}
	return n, err
}

func TestDecodeErrorKeepsData(t *testing.T) {
	bad := errors.New("corrupt block")
	data := pattern(5000)
	d, err := Decode(func() (io.Reader, error) { return &errAfter{bytes.NewReader(data), bad}, nil }, 10, 1<<20, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(d.Err, bad) || d.Size != 5000 || !bytes.Equal(readAll(t, d.R, d.Size), data) {
		t.Errorf("size %d err %v", d.Size, d.Err)
	}
	// an error before any byte
	d, err = Decode(func() (io.Reader, error) { return &errAfter{bytes.NewReader(nil), bad}, nil }, 10, 1<<20, 1000)
	if err != nil || d.Size != 0 || !errors.Is(d.Err, bad) {
		t.Errorf("empty: %v %+v", err, d)
	}
	// the opener fails
	src := &counted{fail: bad}
	if _, err := Decode(src.open, 10, 1<<20, 1000); !errors.Is(err, bad) {
		t.Errorf("open error: %v", err)
	}
}

// A stream larger than InMemory is not kept: it is decoded again on demand.
func TestDecodeSpills(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 16 MiB twice")
	}
	n := int64(InMemory + 1000)
	opens := 0
	open := func() (io.Reader, error) {
		opens++
		return io.MultiReader(&zeros{n: n - 4}, bytes.NewReader([]byte("tail"))), nil
	}
	d, err := Decode(open, 0, 1<<40, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.R.(*redecoder); !ok || d.Size != n {
		t.Fatalf("%T size %d", d.R, d.Size)
	}
	buf := make([]byte, 4)
	if k, err := d.R.ReadAt(buf, n-4); k != 4 || err != nil || string(buf) != "tail" {
		t.Errorf("tail: %d %v %q", k, err, buf)
	}
	if k, err := d.R.ReadAt(buf, 0); k != 4 || err != nil || !bytes.Equal(buf, make([]byte, 4)) {
		t.Errorf("head: %d %v %q", k, err, buf)
	}
	// the head and the tail are kept from the first decode: reading them
	// (sniffing, a zip's end records) does not decode the stream again
	if opens != 1 {
		t.Errorf("%d opens, want 1 (head and tail cached)", opens)
	}
	// the middle is decoded again
	if k, err := d.R.ReadAt(buf, n/2); k != 4 || err != nil {
		t.Errorf("middle: %d %v", k, err)
	}
	if opens != 2 {
		t.Errorf("%d opens after a read in the middle, want 2", opens)
	}
	if !Sequential(d.R) || !Sequential(io.NewSectionReader(d.R, 10, 100)) || Sequential(bytes.NewReader(nil)) {
		t.Error("Sequential does not recognise a redecoder")
	}
}

// A stream over the budget keeps the bytes before the stop, also when it
// spilled.
func TestDecodeStopSpilled(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 16 MiB")
	}
	data := pattern(InMemory + 3<<20)
	d, err := Decode(func() (io.Reader, error) { return bytes.NewReader(data), nil }, 0, InMemory+1<<20, 0)
	if err != nil || d.Stop == nil || d.Size != InMemory+1<<20 {
		t.Fatalf("%+v %v", d, err)
	}
	if !bytes.Equal(readAll(t, d.R, d.Size), data[:d.Size]) {
		t.Error("content differs")
	}
	buf := make([]byte, 10)
	if k, err := d.R.ReadAt(buf, d.Size-5); k != 5 || err != io.EOF || !bytes.Equal(buf[:5], data[d.Size-5:d.Size]) {
		t.Errorf("end: %d %v", k, err)
	}
}

// counting is a decoder that reports the compressed bytes it consumed: one
// per perByte decoded bytes.
type counting struct {
	zeros
	perByte, out int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.zeros.Read(p)
	c.out += int64(n)
	return n, err
}

func (c *counting) Consumed() int64 { return 1 + c.out/c.perByte }

// The ratio divides by the compressed bytes the decoder consumed, not by the
// size of the whole input: trailing bytes do not dilute it.
func TestDecodeRatioConsumed(t *testing.T) {
	bomb := func() (io.Reader, error) { return &counting{zeros: zeros{n: 64 << 20}, perByte: 2000}, nil }
	d, err := Decode(bomb, 1<<30, 1<<40, 1000)
	if err != nil || d.Stop == nil || budgetName(d.Stop) != "max_compression_ratio" || d.Size > ratioGrace+1<<20 {
		t.Fatalf("ratio 2000 with a 1 GiB input: %+v %v", d, err)
	}
	fine := func() (io.Reader, error) { return &counting{zeros: zeros{n: 64 << 20}, perByte: 500}, nil }
	if d, err := Decode(fine, 1, 1<<40, 1000); err != nil || d.Stop != nil || d.Size != 64<<20 {
		t.Fatalf("ratio 500 with a 1-byte input: %+v %v", d, err)
	}
}

func TestRedecoder(t *testing.T) {
	data := pattern(10000)
	src := &counted{data: data}
	// keep: a recent-bytes cache smaller than the distance read back
	z := &redecoder{open: src.open, size: int64(len(data)), keep: 64}
	buf := make([]byte, 100)
	// forward reads reuse the decoder
	for _, off := range []int64{0, 100, 5000, 9900} {
		k, err := z.ReadAt(buf, off)
		if k != 100 || err != nil || !bytes.Equal(buf, data[off:off+100]) {
			t.Fatalf("at %d: %d %v", off, k, err)
		}
	}
	if src.opens != 1 {
		t.Errorf("forward reads opened %d times", src.opens)
	}
	// backward read restarts
	if k, err := z.ReadAt(buf, 50); k != 100 || err != nil || !bytes.Equal(buf, data[50:150]) {
		t.Fatalf("backward: %d %v", k, err)
	}
	if src.opens != 2 || z.restarts != 2 {
		t.Errorf("opens %d restarts %d", src.opens, z.restarts)
	}
	// a short read at the end
	k, err := z.ReadAt(buf, 9950)
	if k != 50 || err != io.EOF || !bytes.Equal(buf[:50], data[9950:]) {
		t.Errorf("end: %d %v", k, err)
	}
	// at and past the end
	for _, off := range []int64{10000, 20000} {
		if k, err := z.ReadAt(buf, off); k != 0 || err != io.EOF {
			t.Errorf("past end %d: %d %v", off, k, err)
		}
	}
	// a zero-length read inside the stream
	if k, err := z.ReadAt(nil, 10); k != 0 || err != nil {
		t.Errorf("empty read: %d %v", k, err)
	}
}

func TestRedecoderRestartCap(t *testing.T) {
	data := pattern(1000)
	src := &counted{data: data}
	z := &redecoder{open: src.open, size: int64(len(data)), keep: 16}
	buf := make([]byte, 10)
	var err error
	i := 0
	for ; i < 10*maxRestarts; i++ {
		z.ReadAt(buf, 500)
		if _, err = z.ReadAt(buf, 0); err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "backward") {
		t.Fatalf("no restart cap after %d backward reads: %v", i, err)
	}
	if src.opens > maxRestarts {
		t.Errorf("%d opens, cap is %d", src.opens, maxRestarts)
	}
	// forward reads still work after the cap
	if k, err := z.ReadAt(buf, 990); k != 10 || err != nil {
		t.Errorf("forward after cap: %d %v", k, err)
	}
}

// Reads just behind the decoder's position (a header re-read, members
// read slightly out of order) are served from the recent bytes, with no
// restart; so are the head and the tail kept by the first decode.
func TestRedecoderCaches(t *testing.T) {
	data := pattern(100000)
	src := &counted{data: data}
	z := &redecoder{open: src.open, size: int64(len(data)), keep: 4096, head: data[:1000], tail: data[len(data)-1000:]}
	buf := make([]byte, 100)
	for _, off := range []int64{50000, 48000, 49900, 100, 99950, 51000, 50500} {
		k, err := z.ReadAt(buf, off)
		want := data[off:min(off+100, int64(len(data)))]
		if k != len(want) || !bytes.Equal(buf[:k], want) || (err != nil && err != io.EOF) {
			t.Fatalf("at %d: %d %v", off, k, err)
		}
	}
	if src.opens != 1 {
		t.Errorf("%d opens, want 1", src.opens)
	}
	// a read spanning the recent bytes and what comes after them
	if k, err := z.ReadAt(buf[:100], 51050); k != 100 || err != nil || !bytes.Equal(buf, data[51050:51150]) {
		t.Fatalf("spanning: %d %v", k, err)
	}
	if src.opens != 1 {
		t.Errorf("%d opens, want 1", src.opens)
	}
}

// Concurrent readers (a handler reading members in parallel) get the right
// bytes.
func TestRedecoderConcurrent(t *testing.T) {
	data := pattern(200000)
	src := &counted{data: data}
	z := &redecoder{open: func() (io.Reader, error) { return bytes.NewReader(data), nil }, size: int64(len(data)), keep: 1024}
	_ = src
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			buf := make([]byte, 333)
			for i := 0; i < 20; i++ {
				off := int64((g*7919 + i*15013) % (len(data) - 333))
				if k, err := z.ReadAt(buf, off); k != 333 || err != nil || !bytes.Equal(buf, data[off:off+333]) {
					errs <- fmt.Errorf("goroutine %d at %d: %d %v", g, off, k, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if strings.Contains(err.Error(), "backward") {
			continue // the restart cap may refuse some reads; never wrong bytes
		}
		t.Error(err)
	}
}

// A redecode that yields less than the first decode (a non-deterministic
// source) is a short read, not a panic or a hang.
func TestRedecoderShrunk(t *testing.T) {
	calls := 0
	open := func() (io.Reader, error) {
		calls++
		if calls == 1 {
			return bytes.NewReader(pattern(1000)), nil
		}
		return bytes.NewReader(pattern(500)), nil
	}
	z := &redecoder{open: open, size: 1000}
	buf := make([]byte, 100)
	if k, err := z.ReadAt(buf, 0); k != 100 || err != nil {
		t.Fatal(k, err)
	}
	z.r = nil // force a reopen
	k, err := z.ReadAt(buf, 450)
	if k != 50 || err == nil {
		t.Errorf("shrunk: %d %v", k, err)
	}
	// the opener failing on a restart
	z = &redecoder{open: func() (io.Reader, error) { return nil, fmt.Errorf("gone") }, size: 10}
	if _, err := z.ReadAt(buf, 0); err == nil || err.Error() != "gone" {
		t.Errorf("open error: %v", err)
	}
}

// A decode error past the known size is not part of the stream.
func TestRedecoderErrorPastSize(t *testing.T) {
	data := pattern(100)
	open := func() (io.Reader, error) { return &errAfter{bytes.NewReader(data), errors.New("bad crc")}, nil }
	z := &redecoder{open: open, size: 100}
	buf := make([]byte, 100)
	if k, err := z.ReadAt(buf, 0); k != 100 || err != nil {
		t.Errorf("%d %v", k, err)
	}
}

// ---- Child: the session side ----

func session(lim core.Limits) *core.Session {
	return core.NewSession(context.Background(), lim, func(*core.Session, *core.Blob) error { return nil })
}

func parent() *core.Blob { return &core.Blob{Source: "x.tar.gz", Name: "x.tar.gz"} }

func budgetFinding(s *core.Session, budget string) bool {
	for _, f := range s.Findings {
		if f.Rule == "scan-incomplete" && f.Severity == core.Medium && strings.Contains(f.Description, budget) {
			for _, p := range s.Problems {
				if p.Category == core.CatBudget && strings.Contains(p.Description, budget) {
					return true
				}
			}
		}
	}
	return false
}

func TestChildChargesBudget(t *testing.T) {
	lim := core.DefaultLimits()
	lim.MaxDecompressed = 2500
	s := session(lim)
	data := pattern(1000)
	open := func() (io.Reader, error) { return bytes.NewReader(data), nil }
	for i := 0; i < 2; i++ {
		c, d := Child(s, parent(), fmt.Sprint("m", i), open, 100)
		if c == nil || d == nil || c.Size != 1000 || c.Source != fmt.Sprintf("x.tar.gz:m%d", i) || c.Depth != 1 {
			t.Fatalf("child %d: %+v", i, c)
		}
	}
	if got := s.DecompressBudget(); got != 500 {
		t.Errorf("budget left %d, want 500", got)
	}
	// the third member needs 1000 of the 500 left: its first 500 bytes are
	// scanned (a payload before a bomb is found), the stop is reported and
	// the partial decode is charged
	c, d := Child(s, parent(), "m2", open, 100)
	if c == nil || c.Size != 500 || d.Stop == nil || !bytes.Equal(readAll(t, c.R, c.Size), data[:500]) {
		t.Fatalf("third child: %+v %+v", c, d)
	}
	if !budgetFinding(s, "max_decompressed_bytes") {
		t.Errorf("no budget finding: %+v %+v", s.Findings, s.Problems)
	}
	if s.Findings[0].Source != "x.tar.gz:m2" {
		t.Errorf("budget finding source %q", s.Findings[0].Source)
	}
	if got := s.DecompressBudget(); got != 0 {
		t.Errorf("budget left %d after the stop, want 0", got)
	}
	// once exhausted, the next child is refused without decoding, and the
	// refusal is folded into the finding of the same budget
	calls := 0
	c, _ = Child(s, parent(), "m3", func() (io.Reader, error) { calls++; return bytes.NewReader(nil), nil }, 1)
	if c != nil || calls != 0 {
		t.Errorf("exhausted budget still decodes (calls %d)", calls)
	}
	if len(s.Findings) != 1 || len(s.Problems) != 1 {
		t.Fatalf("want one budget finding and one error: %+v %+v", s.Findings, s.Problems)
	}
	if !strings.Contains(s.Findings[0].Evidence, "x.tar.gz:m3") || !strings.Contains(s.Problems[0].Description, "x.tar.gz:m3") {
		t.Errorf("the later stop is not in the evidence: %+v %+v", s.Findings, s.Problems)
	}
}

// After a max_decompressed_bytes stop the file's budget is spent: the next
// member must not decode the remainder again (a zip of N overlapping
// members would otherwise cost N times the remainder, with N findings).
func TestChildBudgetStopIsFinal(t *testing.T) {
	lim := core.DefaultLimits()
	lim.MaxDecompressed = 2500
	s := session(lim)
	opens := 0
	open := func() (io.Reader, error) { opens++; return bytes.NewReader(pattern(1000)), nil }
	for i := 0; i < 10; i++ {
		Child(s, parent(), fmt.Sprint("m", i), open, 100)
	}
	if opens > 3 {
		t.Errorf("%d decodes for 10 members of 1000 bytes with a 2500-byte budget, want 3 (two fit, the third stops)", opens)
	}
	if len(s.Findings) > 1 {
		t.Errorf("%d budget findings for one exhausted budget", len(s.Findings))
	}
}

func TestChildRatio(t *testing.T) {
	s := session(core.DefaultLimits())
	c, d := Child(s, parent(), "bomb", func() (io.Reader, error) { return &zeros{n: -1}, nil }, 10)
	if c == nil || d.Stop == nil || c.Size != ratioGrace || !budgetFinding(s, "max_compression_ratio") {
		t.Errorf("child %+v, findings %+v problems %+v", c, s.Findings, s.Problems)
	}
	// the partial decode is charged
	if got := s.DecompressBudget(); got != s.Limits.MaxDecompressed-ratioGrace {
		t.Errorf("budget left %d, want %d", got, s.Limits.MaxDecompressed-ratioGrace)
	}
	// a second stream over the ratio is folded into the same finding
	Child(s, parent(), "bomb2", func() (io.Reader, error) { return &zeros{n: -1}, nil }, 10)
	if len(s.Findings) != 1 || len(s.Problems) != 1 || !strings.Contains(s.Findings[0].Evidence, "bomb2") {
		t.Errorf("findings %+v problems %+v", s.Findings, s.Problems)
	}
}

// The per-file ratio: the decoded bytes of all streams of an input file
// are bounded by MaxFileRatio times its size (after FileRatioGrace).
func TestChildFileRatio(t *testing.T) {
	lim := core.DefaultLimits()
	lim.MaxFileRatio = 100
	s := session(lim)
	top := &core.Blob{Source: "x.zip", Name: "x.zip", R: bytes.NewReader(make([]byte, 1<<20)), Size: 1 << 20}
	if err := s.Scan(top); err != nil {
		t.Fatal(err)
	}
	if s.InputSize() != 1<<20 {
		t.Fatalf("input size %d", s.InputSize())
	}
	allow := lim.MaxFileRatio << 20
	if name, _ := s.DecompressLimit(); name != "max_file_compression_ratio" || s.DecompressBudget() != allow {
		t.Fatalf("limit %s, budget %d", name, s.DecompressBudget())
	}
	// streams of ratio 500 each (under MaxRatio): the file's total stops them
	var got int64
	for i := 0; i < 10; i++ {
		c, _ := Child(s, top, fmt.Sprint("m", i), func() (io.Reader, error) {
			return &counting{zeros: zeros{n: 40 << 20}, perByte: 500}, nil
		}, 1<<20)
		if c != nil {
			got += c.Size
		}
	}
	if got != allow || !budgetFinding(s, "max_file_compression_ratio") || len(s.Findings) != 1 {
		t.Errorf("decoded %d, want %d: %+v", got, allow, s.Findings)
	}
}

func TestChildErrors(t *testing.T) {
	s := session(core.DefaultLimits())
	if c, _ := Child(s, parent(), "m", (&counted{fail: errors.New("bad header")}).open, 10); c != nil {
		t.Fatal("child for a stream that cannot be opened")
	}
	if len(s.Problems) != 1 || s.Problems[0].Category != core.CatNestedZip || len(s.Findings) != 0 {
		t.Errorf("%+v %+v", s.Findings, s.Problems)
	}
	// a corrupt tail keeps the data and reports it
	s = session(core.DefaultLimits())
	data := pattern(300)
	c, d := Child(s, parent(), "m", func() (io.Reader, error) {
		return &errAfter{bytes.NewReader(data), errors.New("unexpected EOF")}, nil
	}, 10)
	if c == nil || c.Size != 300 || d.Err == nil || !bytes.Equal(readAll(t, c.R, c.Size), data) {
		t.Fatalf("corrupt tail: %+v", c)
	}
	if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Description, "after 300 decoded bytes") {
		t.Errorf("%+v", s.Problems)
	}
	if s.DecompressBudget() != s.Limits.MaxDecompressed-300 {
		t.Errorf("not charged")
	}
}

// A dormant parent's children stay dormant.
func TestChildInheritsDormancy(t *testing.T) {
	s := session(core.DefaultLimits())
	p := parent()
	p.Dormant, p.Depth = true, 3
	c, _ := Child(s, p, "m", (&counted{data: []byte("x")}).open, 1)
	if c == nil || !c.Dormant || c.Depth != 4 {
		t.Errorf("%+v", c)
	}
}

func BenchmarkDecodeInMemory(b *testing.B) {
	data := pattern(8 << 20)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		if _, err := Decode(func() (io.Reader, error) { return bytes.NewReader(data), nil }, 1<<20, 1<<40, 1000); err != nil {
			b.Fatal(err)
		}
	}
}

// A cancelled session (the per-file time budget, an interrupt) ends a
// long decode; the engine reports the cancellation, not the stream.
func TestChildCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := core.NewSession(ctx, core.DefaultLimits(), func(*core.Session, *core.Blob) error { return nil })
	reads := 0
	open := func() (io.Reader, error) {
		return readerFunc(func(p []byte) (int, error) {
			if reads++; reads == 10 {
				cancel()
			}
			clear(p)
			return len(p), nil
		}), nil
	}
	c, _ := Child(s, parent(), "m", open, 0)
	if c != nil || len(s.Problems) > 0 || reads > 12 {
		t.Errorf("child %+v after %d reads, problems %+v", c, reads, s.Problems)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
