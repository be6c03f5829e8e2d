// Command modelscan scans machine learning model files for code that would
// run when they are loaded. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/modelscan-go/modelscan/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
