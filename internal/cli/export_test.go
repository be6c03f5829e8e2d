package cli

import (
	"time"

	"github.com/modelscan-go/modelscan/scan"
)

// SetProgressDelay sets how long a scan runs before the progress bar
// appears, for tests; it returns a function restoring the default.
func SetProgressDelay(d time.Duration) (restore func()) {
	old := progressDelay
	progressDelay = d
	return func() { progressDelay = old }
}

// SetObserverHook wraps the scan observer, for tests (a slow observer makes
// a scan last long enough for the progress bar to appear).
func SetObserverHook(h func(scan.Observer) scan.Observer) (restore func()) {
	old := observerHook
	observerHook = h
	return func() { observerHook = old }
}
