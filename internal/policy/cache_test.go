package policy

import (
	"fmt"
	"sync"
	"testing"
)

// TestCacheBounded: classifying many distinct names, from several
// goroutines at once, keeps at most MaxCached verdicts, and a name past the
// bound gets the same verdict as a cached one.
func TestCacheBounded(t *testing.T) {
	p := Default()
	const workers, each = 8, MaxCached / 2
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				p.Classify(fmt.Sprintf("pkg%d.mod", w), fmt.Sprintf("Class%d", i))
			}
		}()
	}
	wg.Wait()
	if n, c := p.cachedLen(), p.cached.Load(); n > MaxCached || int64(n) != c {
		t.Fatalf("cache holds %d verdicts (counter %d), bound %d", n, c, MaxCached)
	}
	if n := p.cachedLen(); n < MaxCached {
		t.Fatalf("cache holds %d verdicts after %d distinct names: the bound was never reached", n, workers*each)
	}
	// the cache is full: these are classified afresh every time
	for _, name := range [][2]string{{"os", "system"}, {"collections", "OrderedDict"}, {"mypkg", "Net"}} {
		fresh := Default().Classify(name[0], name[1])
		for i := 0; i < 2; i++ {
			if got := p.Classify(name[0], name[1]); got != fresh {
				t.Errorf("%s.%s with a full cache: %+v, want %+v", name[0], name[1], got, fresh)
			}
		}
	}
	if n := p.cachedLen(); n > MaxCached {
		t.Fatalf("cache grew past the bound: %d", n)
	}
}

// TestCacheHit: a cached verdict is returned as computed.
func TestCacheHit(t *testing.T) {
	p := Default()
	first := p.Classify("posix", "system")
	if p.cachedLen() != 1 {
		t.Fatalf("cache holds %d verdicts after one name", p.cachedLen())
	}
	if again := p.Classify("posix", "system"); again != first || p.cachedLen() != 1 {
		t.Fatalf("second lookup: %+v (cache %d), want %+v", again, p.cachedLen(), first)
	}
}
