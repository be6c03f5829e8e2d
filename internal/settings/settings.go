// Package settings reads modelscan's TOML settings file.
//
// The format is a superset of Python ModelScan's settings file: a file
// written by `modelscan create-settings-file` of Python ModelScan loads
// unchanged, and the keys it has keep their meaning. modelscan's own options
// live in a [modelscan] table that Python ModelScan does not have.
//
// Settings are data only. Python ModelScan names report and scanner classes
// by module path and imports them; modelscan never loads code, so only the
// built-in report modules and scanner names in Python ModelScan's own
// namespace are accepted.
package settings

import (
	"fmt"
	"os"

	"github.com/modelscan-go/modelscan/internal/core"
)

// Settings is a parsed settings file merged over the defaults.
type Settings struct {
	// SupportedZipExtensions are the file extensions Python ModelScan opens
	// as zip archives (supported_zip_extensions).
	SupportedZipExtensions []string
	// Scanners holds the [scanners] table, keyed by Python scanner name such
	// as "modelscan.scanners.PickleUnsafeOpScan".
	Scanners map[string]Scanner
	// UnsafeGlobals is the [unsafe_globals] denylist: severity name
	// ("CRITICAL", "HIGH", "MEDIUM", "LOW") -> module -> names. A whole
	// module ("*" in the file) is []string{"*"}.
	UnsafeGlobals map[string]map[string][]string
	// Reporting is the [reporting] table.
	Reporting Reporting

	// ModelScanVersion is the modelscan_version key that Python ModelScan
	// 0.7 and later write; informational only.
	ModelScanVersion string
	// FormatExtensions is the format -> extensions table of Python
	// ModelScan's middlewares."modelscan.middlewares.FormatViaExtensionMiddleware".formats.
	// It is accepted for compatibility; modelscan recognises formats by content.
	FormatExtensions map[string][]string

	// FailOn is the lowest severity ("LOW".."CRITICAL") that makes the
	// command exit with status 1 (modelscan.fail_on).
	FailOn string
	// Jobs is the number of files scanned in parallel; 0 means the number
	// of CPUs (modelscan.jobs).
	Jobs int
	// AllowedGlobals are extra allowlist entries "module:qualname"
	// (modelscan.allowed_globals).
	AllowedGlobals []string
	// Limits are the scan budgets (modelscan.limits).
	Limits Limits
}

// Scanner is one entry of the [scanners] table.
type Scanner struct {
	Enabled             bool
	SupportedExtensions []string
	// UnsafeKerasOperators maps a Keras layer to a severity name
	// (unsafe_keras_operators). Nil when the scanner has none.
	UnsafeKerasOperators map[string]string
	// UnsafeTFOperators maps a TensorFlow op to a severity name
	// (unsafe_tf_operators). Nil when the scanner has none.
	UnsafeTFOperators map[string]string
}

// Reporting is the [reporting] table.
type Reporting struct {
	// Module is ConsoleModule or JSONModule.
	Module string
	// OutputFile is reporting.settings.output_file: where the JSON report
	// is also written ("" for none).
	OutputFile string
}

// The report modules a settings file may name.
const (
	ConsoleModule = "modelscan.reports.ConsoleReport"
	JSONModule    = "modelscan.reports.JSONReport"
)

// Limits are the scan budgets of [modelscan.limits]. Their types match
// core.Limits.
type Limits struct {
	MaxDepth             int   // nesting of containers and nested pickles (>= 1)
	MaxOpcodes           int64 // opcodes per pickle stream
	MaxMemo              int   // memo entries per pickle
	MaxStack             int   // stack + mark-stack depth per pickle
	MaxMembers           int   // members per archive
	MaxStringBytes       int   // bytes kept from one text-opcode argument
	MaxNestedPickleBytes int64 // bytes of one nested pickle literal to scan
	MaxDecompressedBytes int64 // decompressed bytes per input file
	MaxCompressionRatio  int64 // decoded/compressed bytes of one stream
	// MaxFileCompressionRatio bounds the decoded bytes of all streams of an
	// input file to this many times its size (after 64 MiB); 0 turns it off.
	MaxFileCompressionRatio int64
	MaxSecondsPerFile       int // per-file time budget in seconds; 0 = none
}

// Scanner names of Python ModelScan's default settings.
const (
	H5LambdaDetectScan         = "modelscan.scanners.H5LambdaDetectScan"
	KerasLambdaDetectScan      = "modelscan.scanners.KerasLambdaDetectScan"
	SavedModelLambdaDetectScan = "modelscan.scanners.SavedModelLambdaDetectScan"
	SavedModelTensorflowOpScan = "modelscan.scanners.SavedModelTensorflowOpScan"
	NumpyUnsafeOpScan          = "modelscan.scanners.NumpyUnsafeOpScan"
	PickleUnsafeOpScan         = "modelscan.scanners.PickleUnsafeOpScan"
	PyTorchUnsafeOpScan        = "modelscan.scanners.PyTorchUnsafeOpScan"
)

// Default returns the built-in settings: Python ModelScan's defaults plus
// modelscan's own. Every call returns fresh maps and slices.
func Default() Settings {
	builtins := func() []string {
		return []string{"eval", "compile", "getattr", "apply", "exec", "open", "breakpoint", "__import__"}
	}
	all := func() []string { return []string{"*"} }
	return Settings{
		SupportedZipExtensions: []string{".zip", ".npz"},
		Scanners: map[string]Scanner{
			H5LambdaDetectScan:    {Enabled: true, SupportedExtensions: []string{".h5"}},
			KerasLambdaDetectScan: {Enabled: true, SupportedExtensions: []string{".keras"}},
			SavedModelLambdaDetectScan: {Enabled: true, SupportedExtensions: []string{".pb"},
				UnsafeKerasOperators: map[string]string{"Lambda": "MEDIUM"}},
			SavedModelTensorflowOpScan: {Enabled: true, SupportedExtensions: []string{".pb"},
				UnsafeTFOperators: map[string]string{"ReadFile": "HIGH", "WriteFile": "HIGH"}},
			NumpyUnsafeOpScan:   {Enabled: true, SupportedExtensions: []string{".npy"}},
			PickleUnsafeOpScan:  {Enabled: true, SupportedExtensions: []string{".pkl", ".pickle", ".joblib", ".dill", ".dat", ".data"}},
			PyTorchUnsafeOpScan: {Enabled: true, SupportedExtensions: []string{".bin", ".pt", ".pth", ".ckpt"}},
		},
		UnsafeGlobals: map[string]map[string][]string{
			"CRITICAL": {
				"__builtin__": builtins(),
				"builtins":    builtins(),
				"runpy":       all(), "os": all(), "nt": all(), "posix": all(),
				"socket": all(), "subprocess": all(), "sys": all(),
				"operator": {"attrgetter"},
				"pty":      all(), "pickle": all(), "_pickle": all(),
				"bdb": all(), "pdb": all(), "shutil": all(), "asyncio": all(),
			},
			"HIGH": {
				"webbrowser": all(), "httplib": all(), "requests.api": all(), "aiohttp.client": all(),
			},
			"MEDIUM": {},
			"LOW":    {},
		},
		Reporting:      Reporting{Module: ConsoleModule},
		FailOn:         "LOW",
		Jobs:           0,
		AllowedGlobals: []string{},
		Limits:         defaultLimits(),
	}
}

// DefaultSecondsPerFile is the CLI's default time budget per input file: far
// above what any file within the other budgets needs, so it only stops a
// pathological input (a hub scanning uploads must not hang on one).
const DefaultSecondsPerFile = 300

// defaultLimits are the scanner's built-in budgets (core.DefaultLimits).
func defaultLimits() Limits {
	c := core.DefaultLimits()
	return Limits{
		MaxDepth: c.MaxDepth, MaxOpcodes: c.MaxOpcodes, MaxMemo: c.MaxMemo, MaxStack: c.MaxStack,
		MaxMembers: c.MaxMembers, MaxStringBytes: c.MaxStringBytes, MaxNestedPickleBytes: c.MaxNestedPickle,
		MaxDecompressedBytes: c.MaxDecompressed, MaxCompressionRatio: c.MaxRatio, MaxFileCompressionRatio: c.MaxFileRatio,
		MaxSecondsPerFile: DefaultSecondsPerFile,
	}
}

// Load reads and parses a settings file. A missing file is an error.
func Load(path string) (Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, fmt.Errorf("settings: %w", err)
	}
	s, err := Parse(data)
	if err != nil {
		return Settings{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
