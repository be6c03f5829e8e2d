package settings

// DefaultTOML returns the settings file that `modelscan create-settings-file`
// writes: Python ModelScan's default settings, laid out as Python
// ModelScan's tomlkit output, followed by the commented [modelscan] table.
// Parse(DefaultTOML()) equals Default().
func DefaultTOML() string { return defaultTOML }

const defaultTOML = `# ModelScan settings file

# Extensions opened as zip archives. modelscan also recognises archives by
# content, whatever their name.
supported_zip_extensions = [".zip", ".npz"]

# Python ModelScan's scanners. Custom scanner classes are not supported:
# settings never load code.
[scanners]
[scanners."modelscan.scanners.H5LambdaDetectScan"]
enabled = true
supported_extensions = [".h5"]

[scanners."modelscan.scanners.KerasLambdaDetectScan"]
enabled = true
supported_extensions = [".keras"]

[scanners."modelscan.scanners.SavedModelLambdaDetectScan"]
enabled = true
supported_extensions = [".pb"]

[scanners."modelscan.scanners.SavedModelLambdaDetectScan".unsafe_keras_operators]
Lambda = "MEDIUM"

[scanners."modelscan.scanners.SavedModelTensorflowOpScan"]
enabled = true
supported_extensions = [".pb"]

[scanners."modelscan.scanners.SavedModelTensorflowOpScan".unsafe_tf_operators]
ReadFile = "HIGH"
WriteFile = "HIGH"

[scanners."modelscan.scanners.NumpyUnsafeOpScan"]
enabled = true
supported_extensions = [".npy"]

[scanners."modelscan.scanners.PickleUnsafeOpScan"]
enabled = true
supported_extensions = [".pkl", ".pickle", ".joblib", ".dill", ".dat", ".data"]

[scanners."modelscan.scanners.PyTorchUnsafeOpScan"]
enabled = true
supported_extensions = [".bin", ".pt", ".pth", ".ckpt"]

# Pickle globals reported at each severity: module = "*" for every name in
# the module, or a list of names. An entry here replaces the built-in entry
# for the same module.
[unsafe_globals]
[unsafe_globals.CRITICAL]
__builtin__ = ["eval", "compile", "getattr", "apply", "exec", "open", "breakpoint", "__import__"]
builtins = ["eval", "compile", "getattr", "apply", "exec", "open", "breakpoint", "__import__"]
runpy = "*"
os = "*"
nt = "*"
posix = "*"
socket = "*"
subprocess = "*"
sys = "*"
operator = ["attrgetter"]
pty = "*"
pickle = "*"
_pickle = "*"
bdb = "*"
pdb = "*"
shutil = "*"
asyncio = "*"

[unsafe_globals.HIGH]
webbrowser = "*"
httplib = "*"
"requests.api" = "*"
"aiohttp.client" = "*"

[unsafe_globals.MEDIUM]

[unsafe_globals.LOW]

# module is "modelscan.reports.ConsoleReport" or
# "modelscan.reports.JSONReport"; with the JSON report, settings may set
# output_file = "report.json". Custom report modules are not supported.
[reporting]
module = "modelscan.reports.ConsoleReport"

[reporting.settings]

# modelscan's own settings (Python ModelScan has no such table).
[modelscan]
# Exit with status 1 when an issue of at least this severity is found:
# "LOW", "MEDIUM", "HIGH" or "CRITICAL".
fail_on = "LOW"
# Files scanned in parallel; 0 means the number of CPUs.
jobs = 0
# Extra allowlist entries "module:qualname" for pickle globals that are safe
# to load, e.g. "my_pkg.models:MyNet". Dunder names cannot be allowlisted.
allowed_globals = []

# Scan budgets. A budget that runs out is reported (MEDIUM issue and an
# error), never silently ignored.
[modelscan.limits]
# Nesting of archives and nested pickles (at least 1).
max_depth = 16
# Pickle opcodes executed per stream.
max_opcodes = 500000000
# Memo entries per pickle.
max_memo = 50000000
# Stack plus mark-stack depth per pickle.
max_stack = 1000000
# Members read per archive.
max_members = 100000
# Bytes kept from one text-opcode argument.
max_string_bytes = 67108864
# Bytes of one nested pickle literal to scan.
max_nested_pickle_bytes = 268435456
# Decompressed bytes read from one input file (all archive members and
# compressed streams in it).
max_decompressed_bytes = 4294967296
# Largest ratio of decoded to compressed bytes of one stream (checked after
# the first 16 MiB): stops decompression bombs early.
max_compression_ratio = 1000
# Largest ratio of the decoded bytes of all streams of one input file (every
# layer and archive member) to its size, checked after the first 64 MiB:
# stops nested and overlapping bombs whose every stream stays under
# max_compression_ratio. 0 turns it off.
max_file_compression_ratio = 1000
# Seconds allowed per file (all its members and layers); 0 means no limit.
# A scan stopped by it reports a MEDIUM scan-incomplete finding.
max_seconds_per_file = 300
`
