// Package cli is the modelscan command line: Python ModelScan's flags and
// exit codes over the scan library.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes, as in Python ModelScan. Issues are never masked: 1 wins over
// 2, and 2 over 3.
const (
	ExitClean       = 0 // scan completed, no issues at or above --fail-on
	ExitIssues      = 1 // issues found
	ExitErrors      = 2 // some file could not be fully analysed
	ExitNothing     = 3 // no supported files were scanned
	ExitUsage       = 4 // invalid or incomplete options
	defaultSettings = "modelscan-settings.toml"
)

// Version is the modelscan version (set at build time with -ldflags).
var Version = "0.1.0"

// usageError marks errors that exit with ExitUsage.
type usageError struct{ error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// Run executes the command line and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	code := ExitClean
	root := newRoot(ctx, stdout, stderr, &code)
	root.SetArgs(withDefaultCommand(root, args))
	if err := root.Execute(); err != nil {
		var ue usageError
		if errors.As(err, &ue) || isCobraUsage(err) {
			fmt.Fprintf(stderr, "Error: %v\nRun 'modelscan scan --help' for usage.\n", err)
			return ExitUsage
		}
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return ExitErrors
	}
	return code
}

// withDefaultCommand makes "scan" the default command, as Python
// ModelScan's DefaultGroup does: `modelscan -p x` is `modelscan scan -p x`.
func withDefaultCommand(root *cobra.Command, args []string) []string {
	if len(args) == 0 {
		return []string{"scan"}
	}
	switch args[0] {
	case "-h", "--help", "help", "completion":
		return args
	}
	for _, c := range root.Commands() {
		if c.Name() == args[0] {
			return args
		}
	}
	return append([]string{"scan"}, args...)
}

func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, s := range []string{"unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument", "unknown command", "accepts", "required flag"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func newRoot(ctx context.Context, stdout, stderr io.Writer, code *int) *cobra.Command {
	root := &cobra.Command{
		Use:   "modelscan",
		Short: "Detect machine learning model files that perform suspicious actions",
		Long: `modelscan detects machine learning model files that perform suspicious actions.

To scan a model file or directory, point it at the path:
  modelscan -p /path/to/model_file.pt

Scanning is the default action; see 'modelscan scan --help' for its options.
A settings file can be written with 'modelscan create-settings-file'.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetContext(ctx)
	root.AddCommand(newScanCmd(stdout, stderr, code), newCreateSettingsCmd(stderr), newRulesCmd(stdout))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	return root
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	switch strings.ToUpper(level) {
	case "CRITICAL", "ERROR":
		l = slog.LevelError
	case "WARNING", "WARN":
		l = slog.LevelWarn
	case "INFO", "":
		l = slog.LevelInfo
	case "DEBUG":
		l = slog.LevelDebug
	default:
		return nil, usagef("invalid value for '-l' / '--log': %q is not one of CRITICAL, ERROR, WARNING, INFO, DEBUG", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
