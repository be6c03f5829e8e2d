// Command modelscan scans machine learning model files for code that would
// run when they are loaded. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/modelscan-go/modelscan/internal/cli"
)

func main() {
	// The scanner's live heap is small (memory follows the memo and stack,
	// not the file) while it allocates many short-lived values: collect
	// less often, but keep a soft ceiling. GOGC/GOMEMLIMIT override both.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}
	// MODELSCAN_CPUPROFILE=file writes a CPU profile (for bench/ work).
	if path := os.Getenv("MODELSCAN_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	pprof.StopCPUProfile()
	os.Exit(code)
}
