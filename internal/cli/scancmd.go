package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/modelscan-go/modelscan/internal/report"
	"github.com/modelscan-go/modelscan/internal/settings"
	"github.com/modelscan-go/modelscan/scan"
)

type scanFlags struct {
	paths        []string
	format       string
	output       string
	showSkipped  bool
	settingsFile string
	log          string
	version      bool
	failOn       string
	jobs         int
	noProgress   bool
	listRules    bool
}

func newScanCmd(stdout, stderr io.Writer, code *int) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan [-p PATH]... [PATH]...",
		Short: "[Default] Scan a model file or directory for ability to execute suspicious actions",
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.version {
				fmt.Fprintf(stdout, "modelscan, version %s\n", Version)
				return nil
			}
			if f.listRules {
				return listRules(stdout)
			}
			c, err := runScan(cmd, f, args, stdout, stderr)
			*code = c
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.paths, "path", "p", nil, "Path to the file or folder to scan (repeatable; positional paths are accepted too)")
	fl.StringVarP(&f.format, "reporting-format", "r", "console", "Format of the output: console, json or sarif (SARIF 2.1.0, for code scanning); custom: the reporting module from the settings file")
	fl.StringVarP(&f.output, "output-file", "o", "", "Write the report to this file instead of standard output")
	fl.BoolVar(&f.showSkipped, "show-skipped", false, "Print a list of files that were skipped during the scan")
	fl.StringVar(&f.settingsFile, "settings-file", "", "Specify a settings file to use for the scan (nothing is loaded implicitly)")
	fl.StringVarP(&f.log, "log", "l", "INFO", "Level of log messages on standard error: CRITICAL, ERROR, WARNING, INFO, DEBUG")
	fl.BoolVarP(&f.version, "version", "v", false, "Show the version and exit")
	fl.StringVar(&f.failOn, "fail-on", "", "Exit 1 only for issues of at least this severity: LOW, MEDIUM, HIGH, CRITICAL (default LOW, or fail_on from the settings)")
	fl.IntVarP(&f.jobs, "jobs", "j", 0, "Files scanned in parallel (default: number of CPUs, or jobs from the settings)")
	fl.BoolVar(&f.noProgress, "no-progress", false, "Do not draw the progress bar (shown on a terminal, outside CI, for scans longer than about a second)")
	fl.BoolVar(&f.listRules, "list-rules", false, "List the rule ids findings carry and exit (same as 'modelscan rules')")
	return cmd
}

func runScan(cmd *cobra.Command, f scanFlags, args []string, stdout, stderr io.Writer) (int, error) {
	log, err := newLogger(stderr, f.log)
	if err != nil {
		return ExitUsage, err
	}
	paths := append(append([]string(nil), f.paths...), args...)
	if len(paths) == 0 {
		return ExitUsage, usagef("command line must include a path")
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return ExitUsage, usagef("invalid value for '-p' / '--path': path %q does not exist", p)
		}
	}
	st := settings.Default()
	if f.settingsFile != "" {
		st, err = settings.Load(f.settingsFile)
		if err != nil {
			return ExitUsage, usagef("%v", err)
		}
		log.Info("using settings file", "path", f.settingsFile)
	} else if _, err := os.Stat(defaultSettings); err == nil {
		log.Warn("ignoring " + defaultSettings + " in the current directory: modelscan loads settings only from --settings-file")
	}
	format := strings.ToLower(f.format)
	switch format {
	case "console", "json", "sarif":
	case "custom":
		format = "console"
		if strings.HasSuffix(st.Reporting.Module, "JSONReport") {
			format = "json"
		}
		if f.output == "" {
			f.output = st.Reporting.OutputFile
		}
	default:
		return ExitUsage, usagef("invalid value for '-r' / '--reporting-format': %q is not one of 'console', 'json', 'sarif', 'custom'", f.format)
	}
	failOn := st.FailOn
	if f.failOn != "" {
		failOn = f.failOn
	}
	threshold, err := scan.ParseSeverity(failOn)
	if err != nil {
		return ExitUsage, usagef("--fail-on: %v", err)
	}
	if f.jobs < 0 {
		return ExitUsage, usagef("invalid value for '-j' / '--jobs': %d is negative", f.jobs)
	}
	var out *os.File
	if f.output != "" {
		// open it now: a report that cannot be written must not cost a scan
		if out, err = os.Create(f.output); err != nil {
			return ExitUsage, usagef("invalid value for '-o' / '--output-file': %v", err)
		}
		defer out.Close()
	}
	opts, err := scanOptions(st, f.jobs)
	if err != nil {
		return ExitUsage, usagef("settings: %v", err)
	}
	files := &fileList{}
	bar := newProgress(f, format, out, stderr)
	opts.Observer = observers{files, bar}
	if observerHook != nil {
		opts.Observer = observerHook(opts.Observer)
	}
	scanner, err := scan.New(opts)
	if err != nil {
		return ExitUsage, usagef("%v", err)
	}
	bar.Start()
	start := time.Now()
	res, err := scanner.Scan(cmd.Context(), paths...)
	bar.Stop()
	if err != nil {
		return ExitUsage, usagef("%v", err)
	}
	log.Info("scan finished", "files", len(res.Scanned), "issues", len(res.Findings), "errors", len(res.Errors), "elapsed", time.Since(start).Round(time.Millisecond))
	if res.Interrupted {
		log.Warn("scan interrupted: the report is incomplete")
	}
	root := absoluteRoot(paths)
	meta := report.Meta{InputPath: strings.Join(paths, ", "), AbsolutePath: root, Version: Version, Timestamp: time.Now(),
		ShowSkipped: f.showSkipped, Files: files.sorted(), SARIFRoot: sarifRoot(root)}
	if err := writeReport(format, out, stdout, res, meta); err != nil {
		return ExitErrors, err
	}
	return exitCode(res, threshold), nil
}

// exitCode: 1 when an issue at or above the threshold was found, else 2 when
// some file could not be analysed, else 3 when nothing was scanned.
func exitCode(res *scan.Result, threshold scan.Severity) int {
	if res.MaxSeverity() >= threshold && len(res.Findings) > 0 {
		return ExitIssues
	}
	if len(res.Errors) > 0 || res.Interrupted {
		return ExitErrors
	}
	if len(res.Scanned) == 0 {
		return ExitNothing
	}
	return ExitClean
}

func writeReport(format string, out *os.File, stdout io.Writer, res *scan.Result, meta report.Meta) error {
	w := stdout
	color := false
	if out != nil {
		w = out
	} else if fh, ok := stdout.(*os.File); ok {
		color = term.IsTerminal(int(fh.Fd())) && os.Getenv("NO_COLOR") == ""
	}
	switch format {
	case "json":
		return report.JSON(w, res, meta)
	case "sarif":
		return report.SARIF(w, res, meta)
	}
	return report.Console(w, res, meta, color)
}

// absoluteRoot is what Python ModelScan reports as absolute_path: the input
// directory, or the directory holding an input file.
func absoluteRoot(paths []string) string {
	if len(paths) != 1 {
		wd, _ := os.Getwd()
		return wd
	}
	abs, err := filepath.Abs(paths[0])
	if err != nil {
		return paths[0]
	}
	if st, err := os.Stat(abs); err == nil && !st.IsDir() {
		return filepath.Dir(abs)
	}
	return abs
}
