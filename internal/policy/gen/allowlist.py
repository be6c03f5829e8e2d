#!/usr/bin/python3
"""Generate the pickle-import allowlist (internal/policy/data/allowlist.txt).

The scanner's pickle policy is default-deny: every global a pickle imports (module + qualified name,
from GLOBAL, INST and STACK_GLOBAL) is safe (allowlist), dangerous (denylist) or unknown.  This script
derives the allowlist from the libraries installed on the machine that runs it:

  (a) class:<lib>          CLASSES defined in torch, numpy, sklearn, xgboost and pandas.  Each package is
                           walked module by module (excluded subpackages are never imported, every import
                           is guarded).  A class is listed under the module that defines it
                           (cls.__module__, cls.__qualname__, nested classes included) and under every public
                           package (__init__) or module __all__ of the same library that re-exports it
                           (sklearn.linear_model.LogisticRegression).  Every entry must resolve (import
                           module, getattr chain) to that very class; what does not import is skipped.
  (b) observed:<lib>       everything (functions too) that real pickles of real objects import.  A broad set of
      stdlib-type          objects from each library (and Python stdlib data types) is serialised with
                           pickle.dumps protocols 0..5, torch.save (zip and legacy formats, protocols 2..5)
                           and joblib.dump, and the imports are collected STATICALLY with pickletools.genops
                           and a symbolic stack (STACK_GLOBAL operands followed through the memo).  Nothing is
                           ever unpickled.  Names are normalised with CPython's _compat_pickle mapping
                           (copy_reg -> copyreg, __builtin__ -> builtins), as pickle.Unpickler does for
                           protocol < 3; the scanner must apply the same mapping before looking names up.
                           <lib> is the top-level package of the imported module; names from stdlib modules
                           are tagged stdlib-type.
  (c) torch-weights-only   every key of /work/shared/data/torch-weights-only-allowlist.txt (the default
                           allowlist of torch.load(weights_only=True), from upstream torch main).
  (d) numpy2-alias         every numpy.core[.*] entry again under numpy._core[.*] (numpy >= 2 pickles).

EXCLUSIONS (data at the top of this file) are applied to all sources; nothing they match is written,
even if it was observed.  For classes the rules are also checked on the defining module, on the source
file the methods come from (numpy.memmap claims __module__ 'numpy'), on torch._C bindings re-exported
as 'torch.X' (PyTorchFileWriter), and on every base class; so a re-export or subclass of an excluded
class (pandas.HDFStore, xgboost.QuantileDMatrix) is excluded too.

Output: '#' comment header, then sorted unique lines  module<TAB>qualname<TAB>why .  A name reached by
several sources gets ONE tag, by priority: torch-weights-only > observed:<lib> > stdlib-type >
class:<lib> > numpy2-alias.  The output is deterministic for a given set of installed libraries.

Library versions of the committed output: see its header (Debian python3 3.11 packages: torch 1.13,
numpy 1.24, scikit-learn 1.2.1, pandas 1.5.3, xgboost 1.7.4, joblib 1.2.0, scipy 1.10).  Names that
exist only in other versions (e.g. sklearn.linear_model.logistic from sklearn < 0.22, torch 2.x names)
are not enumerated, except through the torch weights-only list.

Rerun (from the repository root, /work/main):
    /usr/bin/python3 internal/policy/gen/allowlist.py > internal/policy/data/allowlist.txt
A summary (counts per tag and library, removals per exclusion rule, weights-only names that do not
import here, failed object builders, constructor parameters that look like paths for review) goes to
stderr (ALLOWLIST_GEN_VERBOSE=1 also logs every object built).  Takes about two minutes: it imports
most of torch/sklearn/pandas, and pickles each object in a forked child because some objects crash the
interpreter when pickled with protocol 0/1.  Needs no network and writes nothing but stdout/stderr.
"""

import importlib
import inspect
import io
import json
import os
import pickle
import pickletools
import pkgutil
import re
import sys
import warnings
from collections import Counter, defaultdict

WEIGHTS_ONLY_FILE = "/work/shared/data/torch-weights-only-allowlist.txt"
COMPAT_FILE = "/work/shared/data/python-compat-mapping.json"
LIBS = ("torch", "numpy", "sklearn", "xgboost", "pandas", "scipy")
# Packages whose classes are enumerated. scipy is large: only the parts whose
# objects end up inside models (sparse matrices in vectorizers, frozen
# distributions in hyper-parameter searches, KD-trees, interpolators).
WALK_ROOTS = ("torch", "numpy", "sklearn", "xgboost", "pandas",
              "scipy.sparse", "scipy.stats", "scipy.spatial", "scipy.interpolate")
PROTOCOLS = range(0, pickle.HIGHEST_PROTOCOL + 1)

# =====================================================================================================
# EXCLUSION RULES.  Never on the allowlist, whatever the source.  One-line reason each.
# =====================================================================================================

# Structural rules (implemented in rule_for_path / main; listed here for the record).
STRUCTURAL_RULES = {
    "dunder": "a module or qualname component is __x__ (copyreg.__newobj__, __builtin__ py2 names are mapped first)",
    "local-name": "qualname contains '<' or 'locals' (not importable, lambda/closure artefacts)",
    "qualname-through-module": "observed dotted qualname walks through a module attribute (x.torch.y): "
                               "pickle whichmodule artefact, such paths can reach anything",
    "not-an-identifier": "submodule file names that are not identifiers (scripts such as pyinstaller-smoke)",
}

# Exact (module, qualname) names that stay allowed although a broader rule below matches them.
ALLOW_EXCEPTIONS = {
    ("_codecs", "encode"): "how protocol<3 pickles write bytes; torch weights-only allows it",
    ("copyreg", "_reconstructor"): "protocol 0/1 object reconstruction (object.__new__ + base init)",
    ("torch.serialization", "_get_layout"): "on the torch weights-only list; maps a layout name to torch.layout",
}

# Exact names.  (module, qualname) -> reason.
EXCLUDE_NAMES = {
    ("builtins", "getattr"): "attribute-access trampoline (reaches os.system via a module/class)",
    ("builtins", "setattr"): "mutates arbitrary objects/modules",
    ("builtins", "delattr"): "mutates arbitrary objects/modules",
    ("builtins", "hasattr"): "runs attribute lookups (properties, __getattr__) by computed name",
    ("builtins", "eval"): "code execution",
    ("builtins", "exec"): "code execution",
    ("builtins", "compile"): "builds code objects",
    ("builtins", "open"): "file access",
    ("builtins", "globals"): "exposes module namespaces",
    ("builtins", "locals"): "exposes frame namespaces",
    ("builtins", "vars"): "exposes namespaces (__dict__)",
    ("builtins", "type"): "3-arg type() creates classes",
    ("builtins", "super"): "proxy to arbitrary base-class attributes",
    ("builtins", "input"): "reads stdin (blocks)",
    ("builtins", "print"): "writes to stdout/files",
    ("builtins", "breakpoint"): "starts a debugger",
    ("builtins", "help"): "starts pydoc (pager subprocess)",
    ("builtins", "exit"): "terminates the process",
    ("builtins", "quit"): "terminates the process",
    ("functools", "partial"): "call trampoline (binds arbitrary callables/arguments)",
    ("functools", "partialmethod"): "call trampoline",
    ("functools", "reduce"): "call trampoline (calls a callable repeatedly)",
    ("functools", "update_wrapper"): "setattr gadget",
    ("functools", "wraps"): "setattr gadget",
    ("itertools", "starmap"): "call trampoline",
    ("numpy.core", "_ufunc_reconstruct"): "__import__(module) + getattr(name): imports anything (os.system)",
    ("torch.storage", "_load_from_bytes"): "torch.load(BytesIO(b)) without weights_only: nested unrestricted unpickle",
    ("torch.torch_version", "_LazyImport"): "__call__ does getattr(packaging.version, <name>)(...): call by name",
    ("torch.monitor", "TensorboardEventHandler"): "forwards events to a tensorboard SummaryWriter (file writer)",
    ("numpy.ma.core", "_frommethod"): "__call__ calls a method/numpy function chosen by name "
                                      "(ndarray.dump writes files)",
    ("numpy.ma.core", "_convert2ma"): "wraps a numpy function chosen by name",
    ("numpy.ma.extras", "_fromnxfunction"): "calls a numpy function chosen by name",
    ("numpy.ma.extras", "_fromnxfunction_single"): "calls a numpy function chosen by name",
    ("numpy.ma.extras", "_fromnxfunction_seq"): "calls a numpy function chosen by name",
    ("numpy.ma.extras", "_fromnxfunction_args"): "calls a numpy function chosen by name",
    ("numpy.ma.extras", "_fromnxfunction_allargs"): "calls a numpy function chosen by name",
    ("pandas.core.groupby.groupby", "GroupByPlot"): "__call__ plots through a backend imported by name",
    ("sklearn.utils.deprecation", "deprecated"): "decorator: replaces __new__/__init__ of the class it is applied to",
    ("torch", "ScriptObject"): "TorchScript custom-class object: __setstate__ runs registered C++ code; "
                               "plain unpickling aborts the interpreter",
}

# Whole modules (the module itself and all submodules).  module -> reason.
EXCLUDE_MODULES = {
    # --- stdlib: process, file system, code execution, interpreter internals
    "os": "process/file-system access", "posix": "os implementation", "nt": "os implementation",
    "sys": "interpreter state", "subprocess": "runs processes", "socket": "network", "_socket": "network",
    "importlib": "imports arbitrary modules", "pickle": "nested unpickling", "_pickle": "nested unpickling",
    "marshal": "loads code objects", "ctypes": "raw memory / native calls", "_ctypes": "raw memory / native calls",
    "shutil": "file-system changes", "tempfile": "creates files", "io": "file objects", "_io": "file objects",
    "codecs": "file openers (codecs.open), codec lookup", "_codecs": "codec machinery (except _codecs.encode)",
    "runpy": "runs modules", "code": "interactive interpreter", "codeop": "compiles code", "pdb": "debugger",
    "bdb": "debugger", "pty": "spawns processes", "multiprocessing": "processes",
    "_multiprocessing": "processes", "asyncio": "event loop, subprocesses, sockets", "threading": "threads",
    "_thread": "threads", "signal": "signal handlers", "operator": "attrgetter/methodcaller trampolines",
    "_operator": "attrgetter/methodcaller trampolines", "copyreg": "pickle machinery (except _reconstructor)",
    "types": "FunctionType/CodeType build code", "webbrowser": "runs a browser", "urllib": "network",
    "http.client": "network", "http.server": "network", "ftplib": "network", "smtplib": "network",
    "telnetlib": "network", "xmlrpc": "network", "socketserver": "network", "ssl": "network",
    "select": "fd polling", "selectors": "fd polling", "mmap": "file mapping", "fcntl": "fd control",
    "resource": "process limits", "zipfile": "opens/creates archives", "tarfile": "opens/extracts archives",
    "gzip": "opens files", "bz2": "opens files", "lzma": "opens files", "shelve": "opens pickle databases",
    "dbm": "opens databases", "sqlite3": "opens databases", "_sqlite3": "opens databases",
    "logging": "handlers open files/sockets", "atexit": "registers callbacks", "gc": "interpreter internals",
    "weakref": "finalize() registers callbacks", "inspect": "frame/source introspection", "site": "path setup",
    "sysconfig": "interpreter config", "platform": "runs subprocesses", "pydoc": "locate() imports by name",
    "timeit": "compiles/executes statement strings", "trace": "executes code", "profile": "executes code",
    "cProfile": "executes code", "doctest": "executes code", "unittest": "test runner", "venv": "creates envs",
    "ensurepip": "installs packages", "zipimport": "imports code", "pkgutil": "imports by name",
    "imp": "imports code", "glob": "file-system listing", "fileinput": "opens files",
    "linecache": "reads files", "tokenize": "opens files",
    # --- third-party serialisers / process pools
    "dill": "serialises code objects", "cloudpickle": "serialises code objects",
    "joblib.parallel": "process/thread pools", "joblib.memory": "on-disk cache directories",
    "joblib._parallel_backends": "process pools", "joblib.pool": "process pools",
    "joblib.executor": "process pools", "joblib.externals": "loky process pools, cloudpickle",
    # --- torch
    "torch.fx": "GraphModule reconstruction exec()s generated Python source",
    "torch.utils.data.datapipes": "file openers/listers, HTTP readers",
    "torch.utils.data.dataloader": "iterators spawn worker processes / pin-memory threads",
    "torch.utils.data._utils": "worker-process and pin-memory-thread loops",
    "torch.utils.benchmark": "Timer compiles/executes statement strings; valgrind subprocess",
    "torch.utils.file_baton": "creates lock files",
    "torch.utils.show_pickle": "pickle machinery",
    "torch.utils.hipify": "rewrites source files",
    "torch.utils.model_zoo": "downloads (torch.hub)",
    "torch.utils.throughput_benchmark": "runs modules in benchmark threads",
    "torch.library": "registers operator kernels in the global dispatcher",
    "torch._ops": "op namespaces resolved by name; load_library loads shared objects",
    "torch._classes": "torchbind class namespaces; load_library loads shared objects",
    "torch.classes": "torchbind class namespaces; load_library loads shared objects",
    "torch.profiler": "profilers write trace files / run background collection",
    "torch.autograd.profiler": "profilers write trace files",
    "torch.autograd.profiler_legacy": "profilers write trace files",
    "torch.autograd.profiler_util": "profiler event export to files",
    "torch._weights_only_unpickler": "pickle machinery",
    "torch._deploy": "torch.package/deploy glue (pickle machinery)",
    "torch._lazy": "lazy-tensor runtime (closure-handler threads, compiled graphs)",
    "torch._python_dispatcher": "constructor registers library fragments in the global dispatcher",
    "torch.utils._freeze": "freezes modules to bytecode and writes source files (build tool)",
    "torch.utils.data.communication": "datapipe worker-process queues and protocols",
    "torch.utils.data.dataloader_experimental": "DataLoader2 spawns worker threads/processes",
    "torch.utils._cpp_extension_versioner": "cpp_extension build machinery (hashes source files)",
    "torch.utils.bundled_inputs": "format strings compiled as TorchScript",
    "torch._prims.nvfuser_executor": "executes fx graphs through nvFuser",
    # --- numpy
    "numpy.lib.npyio": "NpzFile/DataSource open files and URLs",
    "numpy.lib._datasource": "DataSource/Repository open files and URLs",
    "numpy.core.memmap": "numpy.memmap creates/truncates files",
    "numpy._pytesttester": "PytestTester runs pytest",
    "numpy._pyinstaller": "PyInstaller hooks; the smoke-test script runs on import",
    "numpy.ma.timer_comparison": "benchmark script",
    # --- pandas
    "pandas.core.computation": "expression evaluation (eval/query engines)",
    "pandas.compat.pickle_compat": "pickle machinery",
    "pandas._config": "global option state (setters run callbacks)",
    "pandas.util._tester": "runs pytest",
    "pandas._libs.parsers": "CSV parser engine (pandas.io readers)",
    "pandas.util._decorators": "decorators rewrite the __doc__ of / wrap the callables they are applied to",
    "pandas.util._test_decorators": "test helpers",
    # --- sklearn
    "sklearn.utils.estimator_checks": "test helpers",
    "sklearn.utils._mocking": "test helpers",
    "sklearn.utils._joblib": "joblib re-exports (Parallel, Memory)",
    "sklearn.utils.parallel": "joblib Parallel: process pools, calls (func, args) tuples",
    # --- xgboost
    "xgboost.callback": "callbacks (TrainingCheckPoint writes files)",
    "xgboost.tracker": "RabitTracker opens sockets",
    "xgboost.rabit": "network collective",
    "xgboost.collective": "network collective",
    "xgboost.federated": "network collective",
    "xgboost.dask": "distributed (network)",
    "xgboost.spark": "distributed (Spark)",
}

# Any dotted component of the module path equal to one of these.  component -> (reason, enumerated_only)
# enumerated_only=True: applies to enumerated classes only (observed / weights-only names are kept).
EXCLUDE_COMPONENTS = {
    "testing": ("test helpers", False), "tests": ("test suites", False), "_testing": ("test helpers", False),
    "conftest": ("pytest config", False), "hub": ("downloads and runs repositories", False),
    "package": ("torch.package importers run code", False), "_dynamo": ("compiler internals", False),
    "_inductor": ("compiler internals (codegen)", False), "jit": ("TorchScript compile/load", False),
    "distributed": ("network / process groups", False), "multiprocessing": ("processes", False),
    "cpp_extension": ("compiles and loads native code", False), "tensorboard": ("SummaryWriter writes files", False),
    "bottleneck": ("runs profilers on scripts", False), "collect_env": ("runs subprocesses", False),
    "onnx": ("exporters write files", False),
    "_C": ("private native bindings (kept only if observed or weights-only)", True),
    "io": ("file readers/writers (pandas.io)", False), "plotting": ("plotting backends", False),
    "f2py": ("compiles Fortran", False), "distutils": ("build tooling (compilers, subprocesses)", False),
    "lib2to3": ("source rewriting", False), "backends": ("global backend flags / native libs", False),
    "compiler": ("compiler tooling", False), "_config_module": ("global config patching", False),
    "serialization": ("file openers and loaders (torch.serialization)", False),
    "fx": ("torch.fx graph code generation / exec", False),
}

# Classes implemented in torch's C extension (attributes of torch._C or its submodules) are re-exported
# under 'torch' with __module__ == 'torch' (PyTorchFileWriter, ScriptModule, Graph, ...).  They count as
# torch._C (rule component:_C) unless listed here; observed and weights-only names are kept anyway.
TORCH_C_KEEP = {
    "Size": "tensor shapes", "dtype": "dtype objects", "device": "devices", "layout": "layouts",
    "memory_format": "memory formats", "qscheme": "quantization schemes", "finfo": "dtype info",
    "iinfo": "dtype info", "Generator": "RNG state holder", "Stream": "stream handle",
    "LinAlgError": "exception",
}

# Any dotted component (module path or qualname) CONTAINING one of these substrings.
EXCLUDE_SUBSTRINGS = {
    "jit": "TorchScript / JIT compilation (torch._jit_internal, torch.cuda.jiterator)",
    "ctypes": "raw memory access through ctypes (numpy.ctypeslib, numpy.core._internal._ctypes)",
    "_tests": "test-only extension modules (numpy.core._rational_tests, _umath_tests)",
}

# Classes that are, or derive from, one of these.  "module:qualname" -> reason.
EXCLUDE_BASES = {
    "pickle:Pickler": "pickle machinery", "pickle:Unpickler": "pickle machinery",
    "pickle:_Pickler": "pickle machinery", "pickle:_Unpickler": "pickle machinery",
    "io:IOBase": "file objects", "threading:Thread": "starts threads",
    "multiprocessing.process:BaseProcess": "starts processes", "multiprocessing.pool:Pool": "process pools",
    "concurrent.futures:Executor": "thread/process pools", "subprocess:Popen": "runs processes",
    "socket:socket": "network", "socketserver:BaseServer": "network servers",
    "logging:Handler": "log handlers open files/sockets", "zipfile:ZipFile": "opens/creates archives",
    "tarfile:TarFile": "opens/creates archives", "sqlite3:Connection": "opens databases",
    "tempfile:TemporaryDirectory": "creates directories", "types:ModuleType": "module objects",
    "weakref:finalize": "registers callbacks", "ctypes:_SimpleCData": "raw memory (ctypes)",
    "ctypes:_Pointer": "raw memory (ctypes)", "ctypes:Structure": "raw memory (ctypes)",
    "ctypes:Union": "raw memory (ctypes)", "ctypes:Array": "raw memory (ctypes)",
    "builtins:type": "metaclasses: calling one with (name, bases, dict) creates classes, like type()",
    "joblib.parallel:Parallel": "process pools; calls (func, args) tuples",
    "numpy:memmap": "constructor creates/truncates/maps files",
    "numpy:DataSource": "opens local files and URLs",
    "xgboost.core:DMatrix": "constructor reads data files / URIs",
    "xgboost.core:DataIter": "external-memory iterators write cache files",
}

# Source tokens that, in a kept class's __init__/__new__/__call__/__setstate__/... , are printed for review.
REVIEW_SOURCE_RE = re.compile(
    r"import_module|__import__|\bgetattr\(|\beval\(|\bexec\(|\bopen\(|subprocess|"
    r"\bos\.(system|popen|remove|unlink|makedirs|mkdir|spawn|exec)|\bcompile\(|Popen|socket|load_library|"
    r"ctypes|\bThread\(|Process\(|shutil|tempfile|urlopen")
REVIEW_METHODS = ("__init__", "__new__", "__call__", "__setstate__", "__setattr__", "__setitem__", "__del__",
                  "__set_name__", "__init_subclass__", "__class_getitem__", "__get__", "__set__", "append", "extend")

# Constructor parameter names that suggest file/process/network access: printed for review only.
REVIEW_PARAM_RE = re.compile(
    r"(^|_)(path|paths|file|files|fname|filename|filepath|dir|dirname|directory|url|uri|host|port|"
    r"socket|cmd|command|shell|location|logdir|log_dir|fd|fid|fh|addr|address|executable)($|_)")

# =====================================================================================================

LOG = sys.stderr
VERBOSE = bool(os.environ.get("ALLOWLIST_GEN_VERBOSE"))


def log(*a):
    print(*a, file=LOG)


def is_dunder(s):
    return len(s) > 4 and s.startswith("__") and s.endswith("__")


def in_module(module, prefix):
    return module == prefix or module.startswith(prefix + ".")


def stdlib_top(module):
    return module.split(".")[0] in sys.stdlib_module_names


# ---------------------------------------------------------------- compat mapping (py2 names)

with open(COMPAT_FILE) as _f:
    _COMPAT = json.load(_f)
IMPORT_MAPPING = _COMPAT["IMPORT_MAPPING"]
NAME_MAPPING = {tuple(e["from"]): tuple(e["to"]) for e in _COMPAT["NAME_MAPPING"]}


def compat(module, name):
    """pickle.Unpickler.find_class's protocol<3 mapping."""
    if (module, name) in NAME_MAPPING:
        return NAME_MAPPING[(module, name)]
    if module in IMPORT_MAPPING:
        return IMPORT_MAPPING[module], name
    return module, name


# ---------------------------------------------------------------- exclusion matching

_BASE_CLASSES = None


def base_classes():
    global _BASE_CLASSES
    if _BASE_CLASSES is None:
        _BASE_CLASSES = []
        for key, reason in EXCLUDE_BASES.items():
            mod, qn = key.split(":")
            try:
                obj = importlib.import_module(mod)
                for p in qn.split("."):
                    obj = getattr(obj, p)
                _BASE_CLASSES.append((obj, "base:" + key))
            except Exception:
                log("note: exclusion base %s not importable here" % key)
    return _BASE_CLASSES


def rule_for_path(module, qualname, source):
    """First exclusion rule id matching module.qualname, or None."""
    if (module, qualname) in ALLOW_EXCEPTIONS:
        return None
    parts = module.split(".")
    qparts = qualname.split(".")
    if any(is_dunder(p) for p in parts + qparts):
        return "dunder"
    if "<" in qualname or "locals" in qualname or "<" in module:
        return "local-name"
    if (module, qualname) in EXCLUDE_NAMES:
        return "name:%s.%s" % (module, qualname)
    # qualname prefixes (e.g. a method of an excluded class)
    for i in range(1, len(qparts)):
        if (module, ".".join(qparts[:i])) in EXCLUDE_NAMES:
            return "name:%s.%s" % (module, ".".join(qparts[:i]))
    for m in sorted(EXCLUDE_MODULES, key=len, reverse=True):
        if in_module(module, m):
            return "module:" + m
    for p in parts:
        if p in EXCLUDE_COMPONENTS:
            reason, enumerated_only = EXCLUDE_COMPONENTS[p]
            if enumerated_only and source != "class":
                continue
            return "component:" + p
    for p in parts + qparts:
        for s in EXCLUDE_SUBSTRINGS:
            if s in p:
                return "substring:" + s
    return None


def rule_for(module, qualname, source, obj=None):
    module, qualname = compat(module, qualname)
    r = rule_for_path(module, qualname, source)
    if r is not None:
        return r
    if isinstance(obj, type):
        # the defining path of a re-exported class counts too
        dm, dq = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if isinstance(dm, str) and isinstance(dq, str) and (dm, dq) != (module, qualname):
            r = rule_for_path(dm, dq, source)
            if r is not None and not r.startswith("component:_C"):
                return r
        # the file the class's methods were compiled from (classes whose __module__ was rewritten,
        # e.g. numpy.memmap -> 'numpy' although it lives in numpy/core/memmap.py)
        if id(obj) in torch_c_class_ids() and obj.__name__ not in TORCH_C_KEEP:
            return "component:_C"
        fm = defining_file_module(obj)
        if fm is not None:
            r = rule_for_path(fm, obj.__qualname__, source)
            if r is not None and not r.startswith("component:_C"):
                return r
        for base, rid in base_classes():
            try:
                if issubclass(obj, base):
                    return rid
            except Exception:
                pass
        # a class inherits the hazards of its bases (subclasses of fx.Interpreter, datapipes, threading.local...)
        for b in getattr(obj, "__mro__", ())[1:]:
            bm, bq = getattr(b, "__module__", None), getattr(b, "__qualname__", None)
            if isinstance(bm, str) and isinstance(bq, str) and bm != "builtins":
                r = rule_for_path(bm, bq, "inherited")
                if r is not None and r not in ("dunder", "local-name"):
                    return "inherits:" + r
    return None


_FILE_TO_MODULE = {}
_TORCH_C_IDS = None


def torch_c_class_ids():
    """ids of the classes that are attributes of torch._C and its submodules."""
    global _TORCH_C_IDS
    if _TORCH_C_IDS is None:
        _TORCH_C_IDS = set()
        for name, m in list(sys.modules.items()):
            if in_module(name, "torch._C") and m is not None:
                for v in list(vars(m).values()):
                    if isinstance(v, type):
                        _TORCH_C_IDS.add(id(v))
    return _TORCH_C_IDS


def defining_file_module(cls):
    """Module whose source file defines cls's methods, or None."""
    files = set()
    try:
        members = list(vars(cls).values())
    except TypeError:
        return None
    for v in members:
        f = getattr(v, "__func__", v)
        code = getattr(f, "__code__", None)
        if code is not None and getattr(f, "__qualname__", "").startswith(cls.__qualname__ + "."):
            files.add(os.path.realpath(code.co_filename))
    if len(files) != 1:
        return None
    path = files.pop()
    if not _FILE_TO_MODULE or path not in _FILE_TO_MODULE:
        for name, m in list(sys.modules.items()):
            mf = getattr(m, "__file__", None)
            if isinstance(mf, str):
                _FILE_TO_MODULE.setdefault(os.path.realpath(mf), name)
    return _FILE_TO_MODULE.get(path)


def module_excluded_for_walk(modname):
    r = rule_for_path(modname, "x", "class")
    return r


# ---------------------------------------------------------------- static import collection

_MARK = object()
_UNKNOWN = object()
_STRING_OPS = {"STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE",
               "BINUNICODE8"}


def imports_in(stream, out, unresolved):
    """Add the (module, name) pairs one pickle in `stream` imports to `out`.  Static only: genops +
    a symbolic stack whose string values are followed through the memo.  Raises on malformed data
    after recording what it saw."""
    stack, memo = [], {}

    def pop():
        return stack.pop() if stack else _UNKNOWN

    def pop_mark():
        while stack:
            if stack.pop() is _MARK:
                return

    for op, arg, _pos in pickletools.genops(stream):
        name = op.name
        if name in _STRING_OPS:
            stack.append(arg)
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(memo.get(arg, _UNKNOWN))
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1] if stack else _UNKNOWN
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1] if stack else _UNKNOWN
        elif name == "DUP":
            stack.append(stack[-1] if stack else _UNKNOWN)
        elif name in ("GLOBAL", "INST"):
            mod, _, qn = arg.partition(" ")
            out.add((mod, qn))
            if name == "INST":
                pop_mark()
            stack.append(_UNKNOWN)
        elif name == "STACK_GLOBAL":
            qn, mod = pop(), pop()
            if isinstance(mod, str) and isinstance(qn, str):
                out.add((mod, qn))
            else:
                unresolved.append("STACK_GLOBAL with non-literal operands")
            stack.append(_UNKNOWN)
        elif name == "STOP":
            return
        else:
            before, after = op.stack_before, op.stack_after
            if pickletools.markobject in before:
                pop_mark()
                for _ in range(before.index(pickletools.markobject)):
                    pop()
            else:
                for _ in before:
                    pop()
            for s in after:
                stack.append(_MARK if s is pickletools.markobject else _UNKNOWN)


def imports_in_bytes(data, out, unresolved, count=1, tolerant=False):
    f = io.BytesIO(data)
    for _ in range(count):
        try:
            imports_in(f, out, unresolved)
        except Exception:
            if not tolerant:
                raise
            return


# ---------------------------------------------------------------- object sets

def _torch_objects():
    import torch
    import torch.nn as nn
    torch.manual_seed(0)
    objs = []
    add = lambda label, f: objs.append((label, f))
    dtypes = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.complex64, torch.complex128,
              torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool]
    for n in ("complex32", "chalf", "uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e5m2"):
        if hasattr(torch, n) and isinstance(getattr(torch, n), torch.dtype):
            dtypes.append(getattr(torch, n))
    for dt in dtypes:
        add("tensor-%s" % dt, lambda dt=dt: torch.ones(2, 3).to(dt))
        add("dtype-%s" % dt, lambda dt=dt: dt)
    add("tensor-noncontig", lambda: torch.arange(12.).reshape(3, 4).t())
    add("tensor-channels-last", lambda: torch.ones(1, 2, 3, 3).to(memory_format=torch.channels_last))
    add("tensor-requires-grad", lambda: torch.ones(3, requires_grad=True))
    add("tensor-view", lambda: torch.arange(10)[2:5])
    add("tensor-empty", lambda: torch.empty(0))
    add("tensor-scalar", lambda: torch.tensor(3.5))
    add("tensor-meta", lambda: torch.empty(2, 3, device="meta"))
    add("sparse-coo", lambda: torch.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2)))
    add("sparse-csr", lambda: torch.eye(3).to_sparse_csr())
    add("sparse-csc", lambda: torch.eye(3).to_sparse_csc())
    add("sparse-bsr", lambda: torch.eye(4).to_sparse_bsr((2, 2)))
    add("quant-per-tensor-quint8", lambda: torch.quantize_per_tensor(torch.rand(4), 0.1, 10, torch.quint8))
    add("quant-per-tensor-qint8", lambda: torch.quantize_per_tensor(torch.rand(4), 0.1, 0, torch.qint8))
    add("quant-per-tensor-qint32", lambda: torch.quantize_per_tensor(torch.rand(4), 0.1, 0, torch.qint32))
    add("quant-per-tensor-quint4x2", lambda: torch.quantize_per_tensor(torch.rand(4), 0.1, 0, torch.quint4x2))
    add("quant-per-channel", lambda: torch.quantize_per_channel(
        torch.rand(2, 3), torch.tensor([0.1, 0.2]), torch.tensor([0, 1]), 0, torch.quint8))
    add("quant-per-channel-float-qparams", lambda: torch.quantize_per_channel(
        torch.rand(2, 3), torch.tensor([0.1, 0.2]), torch.tensor([0.0, 1.0]), 0, torch.quint8))
    add("nested-tensor", lambda: torch.nested.nested_tensor([torch.ones(2), torch.ones(3)]))
    add("parameter", lambda: nn.Parameter(torch.ones(2, 2)))
    add("parameter-nograd", lambda: nn.Parameter(torch.ones(2), requires_grad=False))
    add("size", lambda: torch.Size([2, 3]))
    add("device", lambda: torch.device("cpu"))
    add("device-cuda", lambda: torch.device("cuda", 0))
    add("layouts", lambda: [torch.strided, torch.sparse_coo, getattr(torch, "sparse_csr", None)])
    add("memory-formats", lambda: [torch.contiguous_format, torch.channels_last, torch.preserve_format,
                                   torch.channels_last_3d])
    add("qschemes", lambda: [torch.per_tensor_affine, torch.per_tensor_symmetric, torch.per_channel_affine,
                             torch.per_channel_symmetric, torch.per_channel_affine_float_qparams])
    add("storage-untyped", lambda: torch.ones(3).untyped_storage() if hasattr(torch.Tensor, "untyped_storage")
        else torch.ones(3).storage().untyped())
    add("storage-typed", lambda: torch.ones(3).storage())
    add("legacy-FloatStorage", lambda: torch.FloatStorage(3))
    add("generator-state", lambda: torch.Generator().get_state())
    add("rng-state", lambda: torch.get_rng_state())
    add("return-types", lambda: torch.max(torch.ones(2, 2), 0))

    def modules():
        layers = [
            nn.Linear(3, 4), nn.Bilinear(2, 2, 2), nn.Identity(), nn.Flatten(), nn.Unflatten(1, (2, 2)),
            nn.Conv1d(2, 2, 3), nn.Conv2d(2, 2, 3), nn.Conv3d(2, 2, 3), nn.ConvTranspose1d(2, 2, 3),
            nn.ConvTranspose2d(2, 2, 3), nn.ConvTranspose3d(2, 2, 3), nn.LazyLinear(3),
            nn.BatchNorm1d(2), nn.BatchNorm2d(2), nn.BatchNorm3d(2), nn.SyncBatchNorm(2), nn.LayerNorm(2),
            nn.GroupNorm(1, 2), nn.InstanceNorm1d(2), nn.InstanceNorm2d(2), nn.LocalResponseNorm(2),
            nn.Embedding(5, 2), nn.EmbeddingBag(5, 2), nn.RNN(2, 2), nn.LSTM(2, 2), nn.GRU(2, 2),
            nn.RNNCell(2, 2), nn.LSTMCell(2, 2), nn.GRUCell(2, 2),
            nn.Transformer(d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8),
            nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 1), nn.MultiheadAttention(4, 2),
            nn.Dropout(), nn.Dropout2d(), nn.AlphaDropout(), nn.ReLU(), nn.ReLU6(), nn.LeakyReLU(), nn.PReLU(),
            nn.ELU(), nn.SELU(), nn.CELU(), nn.GELU(), nn.SiLU(), nn.Mish(), nn.Sigmoid(), nn.Tanh(),
            nn.Softmax(dim=1), nn.LogSoftmax(dim=1), nn.Softplus(), nn.Hardswish(), nn.Hardtanh(),
            nn.MaxPool1d(2), nn.MaxPool2d(2), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.AdaptiveMaxPool1d(1),
            nn.Upsample(scale_factor=2), nn.PixelShuffle(2), nn.ZeroPad2d(1), nn.ReflectionPad1d(1),
            nn.CrossEntropyLoss(), nn.MSELoss(), nn.BCEWithLogitsLoss(), nn.NLLLoss(), nn.L1Loss(),
            nn.SmoothL1Loss(), nn.KLDivLoss(), nn.CosineSimilarity(), nn.PairwiseDistance(),
            nn.ModuleList([nn.Linear(1, 1)]), nn.ModuleDict({"a": nn.Linear(1, 1)}),
            nn.ParameterList([nn.Parameter(torch.ones(1))]), nn.ParameterDict({"p": nn.Parameter(torch.ones(1))}),
        ]
        return nn.Sequential(*layers[:3]), layers

    add("nn-modules", lambda: modules())
    add("packed-sequence", lambda: nn.utils.rnn.pack_padded_sequence(torch.ones(3, 2, 1), [3, 2]))
    add("distributions", lambda: [torch.distributions.Normal(0.0, 1.0), torch.distributions.Categorical(
        probs=torch.ones(3) / 3)])
    add("nn-state-dict", lambda: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.LSTM(4, 4)).state_dict())
    add("nn-weight-norm", lambda: nn.utils.weight_norm(nn.Linear(3, 3)))
    add("nn-spectral-norm", lambda: nn.utils.spectral_norm(nn.Linear(3, 3)))

    def pruned():
        import torch.nn.utils.prune as prune
        m = nn.Linear(4, 4)
        prune.l1_unstructured(m, "weight", amount=0.5)
        prune.random_unstructured(m, "bias", amount=0.5)
        return m
    add("nn-pruned", pruned)

    def quant_dynamic():
        return torch.quantization.quantize_dynamic(nn.Sequential(nn.Linear(4, 4), nn.LSTM(4, 4)),
                                                   {nn.Linear, nn.LSTM}, dtype=torch.qint8)
    add("quantized-dynamic", quant_dynamic)

    def quant_static():
        m = nn.Sequential(torch.quantization.QuantStub(), nn.Conv2d(1, 1, 1), nn.ReLU(), nn.Linear(2, 2),
                          torch.quantization.DeQuantStub())
        m.qconfig = torch.quantization.get_default_qconfig("fbgemm")
        torch.quantization.prepare(m, inplace=True)
        m(torch.rand(1, 1, 2, 2))
        return torch.quantization.convert(m)
    add("quantized-static", quant_static)

    def quant_prepared():
        m = nn.Sequential(torch.quantization.QuantStub(), nn.Linear(2, 2), torch.quantization.DeQuantStub())
        m.qconfig = torch.quantization.get_default_qat_qconfig("fbgemm")
        m.train()
        return torch.quantization.prepare_qat(m).state_dict()
    add("quantized-qat-prepared", quant_prepared)

    def optim_states():
        out = []
        for cls, kw in [(torch.optim.SGD, dict(lr=0.1, momentum=0.9)), (torch.optim.Adam, {}),
                        (torch.optim.AdamW, {}), (torch.optim.RMSprop, {}), (torch.optim.Adagrad, {}),
                        (torch.optim.Adadelta, {}), (torch.optim.Adamax, {}), (torch.optim.NAdam, {}),
                        (torch.optim.RAdam, {}), (torch.optim.ASGD, {}), (torch.optim.Rprop, {}),
                        (torch.optim.LBFGS, {})]:
            m = nn.Linear(2, 1)
            opt = cls(m.parameters(), **kw)

            def closure():
                opt.zero_grad()
                loss = m(torch.ones(1, 2)).sum()
                loss.backward()
                return loss
            opt.step(closure)
            out.append(opt.state_dict())
            out.append(opt)
        e = nn.Embedding(4, 2, sparse=True)
        so = torch.optim.SparseAdam(e.parameters())
        e(torch.tensor([1])).sum().backward()
        so.step()
        out += [so.state_dict(), so]
        return out
    add("optimizers", optim_states)

    from torch.optim import lr_scheduler as L
    sched_makers = [
        ("StepLR", lambda o: L.StepLR(o, 2)), ("MultiStepLR", lambda o: L.MultiStepLR(o, [1, 2])),
        ("ExponentialLR", lambda o: L.ExponentialLR(o, 0.9)),
        ("CosineAnnealingLR", lambda o: L.CosineAnnealingLR(o, 5)),
        ("ReduceLROnPlateau", lambda o: L.ReduceLROnPlateau(o)),
        ("OneCycleLR", lambda o: L.OneCycleLR(o, 1.0, total_steps=10)), ("CyclicLR", lambda o: L.CyclicLR(o, 0.1, 1.0)),
        ("CosineAnnealingWarmRestarts", lambda o: L.CosineAnnealingWarmRestarts(o, 3)),
        ("LambdaLR", lambda o: L.LambdaLR(o, lambda e: 0.9 ** e)),
        ("MultiplicativeLR", lambda o: L.MultiplicativeLR(o, lambda e: 0.9)), ("LinearLR", lambda o: L.LinearLR(o)),
        ("ConstantLR", lambda o: L.ConstantLR(o)), ("PolynomialLR", lambda o: L.PolynomialLR(o)),
        ("SequentialLR", lambda o: L.SequentialLR(o, [L.ConstantLR(o), L.ExponentialLR(o, 0.9)], milestones=[2])),
        ("ChainedScheduler", lambda o: L.ChainedScheduler([L.ConstantLR(o), L.ExponentialLR(o, 0.9)])),
    ]

    def sched_state(mk):
        o = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
        s = mk(o)
        o.step()
        s.step(1.0) if isinstance(s, L.ReduceLROnPlateau) else s.step()
        return s.state_dict()
    for name, mk in sched_makers:
        add("lr-scheduler-%s" % name, lambda mk=mk: sched_state(mk))
    add("grad-scaler", lambda: torch.cuda.amp.GradScaler(enabled=False).state_dict())
    add("swa", lambda: torch.optim.swa_utils.AveragedModel(nn.Linear(2, 2)).state_dict())
    add("checkpoint-dict", lambda: {"epoch": 3, "model": nn.Linear(2, 2).state_dict(),
                                    "optimizer": torch.optim.Adam(nn.Linear(2, 2).parameters()).state_dict(),
                                    "args": {"lr": 0.1, "betas": (0.9, 0.99)}})
    return objs


def _numpy_objects():
    import numpy as np
    objs = []
    add = lambda label, f: objs.append((label, f))
    codes = "?bhilqpBHILQPefdgFDGSUVOMm"
    for c in codes:
        add("array-%s" % c, lambda c=c: np.zeros(3, dtype=np.dtype(c) if c not in "Mm" else c + "8[s]"))
        add("dtype-%s" % c, lambda c=c: np.dtype(c if c not in "Mm" else c + "8[ns]"))
    for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
              np.float16, np.float32, np.float64, np.longdouble, np.complex64, np.complex128, np.clongdouble,
              np.intc, np.uintc, np.longlong, np.ulonglong):
        add("scalar-%s" % t.__name__, lambda t=t: t(1))
        add("type-%s" % t.__name__, lambda t=t: t)
    add("scalar-str", lambda: np.str_("x"))
    add("scalar-bytes", lambda: np.bytes_(b"x"))
    add("scalar-void", lambda: np.zeros(1, dtype="i4,f8")[0])
    add("scalar-datetime64", lambda: np.datetime64("2020-01-02T03:04:05", "s"))
    add("scalar-timedelta64", lambda: np.timedelta64(5, "ms"))
    add("scalar-nat", lambda: np.datetime64("NaT"))
    add("array-object", lambda: np.array([1, "a", None, 2.5, (1, 2)], dtype=object))
    add("array-structured", lambda: np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8", (2,)), ("c", "S3"),
                                                         ("d", [("e", "u1")])]))
    add("array-aligned", lambda: np.zeros(2, dtype=np.dtype([("a", "u1"), ("b", "<f8")], align=True)))
    add("dtype-metadata", lambda: np.dtype(float, metadata={"k": "v"}))
    add("array-fortran", lambda: np.asfortranarray(np.ones((2, 3))))
    add("array-big-endian", lambda: np.ones(3, dtype=">f8"))
    add("array-0d", lambda: np.array(5))
    add("array-large", lambda: np.arange(100000, dtype=np.float64))
    add("matrix", lambda: np.matrix([[1, 2], [3, 4]]))
    add("recarray", lambda: np.rec.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]))
    add("record", lambda: np.rec.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")])[0])
    add("chararray", lambda: np.char.array(["a", "bc"]))
    add("masked-array", lambda: np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]))
    add("masked-constant", lambda: np.ma.masked)
    add("masked-records", lambda: importlib.import_module("numpy.ma.mrecords").fromarrays([[1, 2], [3.0, 4.0]]))
    add("poly1d", lambda: np.poly1d([1, 2, 3]))
    add("polynomial", lambda: [np.polynomial.Polynomial([1, 2]), np.polynomial.Chebyshev([1, 2]),
                               np.polynomial.Legendre([1]), np.polynomial.Hermite([1]),
                               np.polynomial.HermiteE([1]), np.polynomial.Laguerre([1])])
    add("ufuncs", lambda: [np.add, np.log1p, np.sqrt])
    add("random-state", lambda: np.random.RandomState(0))
    add("random-state-legacy", lambda: np.random.mtrand._rand)
    add("random-generator", lambda: np.random.default_rng(0))
    for bg in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
        add("bitgen-%s" % bg, lambda bg=bg: getattr(np.random, bg)(0))
        add("generator-%s" % bg, lambda bg=bg: np.random.Generator(getattr(np.random, bg)(0)))
    add("seed-sequence", lambda: np.random.SeedSequence(0))
    add("finfo", lambda: np.finfo(np.float32))
    add("iinfo", lambda: np.iinfo(np.int32))
    add("nditer-index", lambda: [np.s_[1:2], np.index_exp[::2]])
    return objs


def _sklearn_objects():
    import numpy as np
    import scipy.sparse as sp
    from sklearn import (calibration, cluster, compose, cross_decomposition, decomposition, discriminant_analysis,
                         dummy, ensemble, feature_extraction, feature_selection, gaussian_process, impute,
                         isotonic, kernel_approximation, kernel_ridge, linear_model, manifold, mixture,
                         model_selection, multiclass, multioutput, naive_bayes, neighbors, neural_network,
                         pipeline, preprocessing, random_projection, semi_supervised, svm, tree)
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    rng = np.random.RandomState(0)
    X = rng.rand(40, 4)
    y = (X[:, 0] > 0.5).astype(int)
    y3 = rng.randint(0, 3, 40)
    yr = X @ [1.0, 2.0, 0.5, -1.0]
    Xpos = np.abs(X)
    texts = ["the cat sat", "a dog ran", "the dog sat on the cat", "cats and dogs"] * 3
    ytext = [0, 1, 1, 0] * 3
    objs = []

    def fit(label, make, Xa=None, ya=None):
        def f():
            est = make()
            Xf = X if Xa is None else Xa
            if ya == "none":
                est.fit(Xf)
            else:
                est.fit(Xf, y if ya is None else ya)
            return est
        objs.append((label, f))

    C, R = "clf", "reg"
    fit("LogisticRegression", lambda: linear_model.LogisticRegression())
    fit("LogisticRegression-multi", lambda: linear_model.LogisticRegression(), ya=y3)
    fit("LogisticRegressionCV", lambda: linear_model.LogisticRegressionCV(cv=2))
    fit("LinearRegression", lambda: linear_model.LinearRegression(), ya=yr)
    fit("Ridge", lambda: linear_model.Ridge(), ya=yr)
    fit("RidgeCV", lambda: linear_model.RidgeCV(), ya=yr)
    fit("RidgeClassifier", lambda: linear_model.RidgeClassifier())
    fit("Lasso", lambda: linear_model.Lasso(), ya=yr)
    fit("LassoCV", lambda: linear_model.LassoCV(cv=2), ya=yr)
    fit("ElasticNet", lambda: linear_model.ElasticNet(), ya=yr)
    fit("SGDClassifier", lambda: linear_model.SGDClassifier())
    fit("SGDRegressor", lambda: linear_model.SGDRegressor(), ya=yr)
    fit("Perceptron", lambda: linear_model.Perceptron())
    fit("PassiveAggressive", lambda: linear_model.PassiveAggressiveClassifier())
    fit("BayesianRidge", lambda: linear_model.BayesianRidge(), ya=yr)
    fit("HuberRegressor", lambda: linear_model.HuberRegressor(), ya=yr)
    fit("RANSAC", lambda: linear_model.RANSACRegressor(), ya=yr)
    fit("PoissonRegressor", lambda: linear_model.PoissonRegressor(), ya=np.abs(yr))
    fit("TweedieRegressor", lambda: linear_model.TweedieRegressor(), ya=np.abs(yr))
    fit("QuantileRegressor", lambda: linear_model.QuantileRegressor(alpha=0.0, solver="highs"), ya=yr)
    fit("SVC", lambda: svm.SVC(probability=True))
    fit("SVR", lambda: svm.SVR(), ya=yr)
    fit("NuSVC", lambda: svm.NuSVC())
    fit("LinearSVC", lambda: svm.LinearSVC())
    fit("LinearSVR", lambda: svm.LinearSVR(), ya=yr)
    fit("OneClassSVM", lambda: svm.OneClassSVM(), ya="none")
    fit("SVC-sparse", lambda: svm.SVC(), Xa=sp.csr_matrix(X))
    for algo in ("kd_tree", "ball_tree", "brute"):
        fit("KNN-%s" % algo, lambda algo=algo: neighbors.KNeighborsClassifier(3, algorithm=algo))
    fit("KNNReg", lambda: neighbors.KNeighborsRegressor(3), ya=yr)
    fit("RadiusNeighbors", lambda: neighbors.RadiusNeighborsClassifier(radius=2.0))
    fit("NearestNeighbors", lambda: neighbors.NearestNeighbors(metric="minkowski"), ya="none")
    fit("NearestNeighbors-haversine", lambda: neighbors.NearestNeighbors(metric="haversine",
                                                                         algorithm="ball_tree"),
        Xa=X[:, :2], ya="none")
    fit("NearestCentroid", lambda: neighbors.NearestCentroid())
    fit("KernelDensity", lambda: neighbors.KernelDensity(), ya="none")
    fit("LOF", lambda: neighbors.LocalOutlierFactor(novelty=True), ya="none")
    fit("NCA", lambda: neighbors.NeighborhoodComponentsAnalysis(max_iter=5))
    objs.append(("KDTree", lambda: neighbors.KDTree(X)))
    objs.append(("BallTree", lambda: neighbors.BallTree(X, metric="manhattan")))
    fit("DecisionTreeClassifier", lambda: tree.DecisionTreeClassifier())
    fit("DecisionTreeRegressor", lambda: tree.DecisionTreeRegressor(), ya=yr)
    fit("ExtraTreeClassifier", lambda: tree.ExtraTreeClassifier())
    fit("RandomForestClassifier", lambda: ensemble.RandomForestClassifier(n_estimators=3))
    fit("RandomForestRegressor", lambda: ensemble.RandomForestRegressor(n_estimators=3), ya=yr)
    fit("ExtraTreesClassifier", lambda: ensemble.ExtraTreesClassifier(n_estimators=3))
    fit("GradientBoostingClassifier", lambda: ensemble.GradientBoostingClassifier(n_estimators=3))
    fit("GradientBoostingClassifier-multi", lambda: ensemble.GradientBoostingClassifier(n_estimators=3), ya=y3)
    fit("GradientBoostingRegressor", lambda: ensemble.GradientBoostingRegressor(n_estimators=3,
                                                                                loss="huber"), ya=yr)
    fit("HistGradientBoostingClassifier", lambda: ensemble.HistGradientBoostingClassifier(max_iter=3))
    fit("HistGradientBoostingClassifier-multi",
        lambda: ensemble.HistGradientBoostingClassifier(max_iter=3), ya=y3)
    fit("HistGradientBoostingRegressor", lambda: ensemble.HistGradientBoostingRegressor(
        max_iter=3, loss="poisson"), ya=np.abs(yr))
    fit("AdaBoostClassifier", lambda: ensemble.AdaBoostClassifier(n_estimators=3))
    fit("AdaBoostRegressor", lambda: ensemble.AdaBoostRegressor(n_estimators=3), ya=yr)
    fit("BaggingClassifier", lambda: ensemble.BaggingClassifier(n_estimators=3))
    fit("IsolationForest", lambda: ensemble.IsolationForest(n_estimators=3), ya="none")
    fit("RandomTreesEmbedding", lambda: ensemble.RandomTreesEmbedding(n_estimators=3), ya="none")
    fit("VotingClassifier", lambda: ensemble.VotingClassifier(
        [("lr", linear_model.LogisticRegression()), ("nb", naive_bayes.GaussianNB())], voting="soft"))
    fit("StackingClassifier", lambda: ensemble.StackingClassifier(
        [("lr", linear_model.LogisticRegression()), ("dt", tree.DecisionTreeClassifier())], cv=2))
    fit("StackingRegressor", lambda: ensemble.StackingRegressor(
        [("r", linear_model.Ridge())], cv=2), ya=yr)
    fit("GaussianNB", lambda: naive_bayes.GaussianNB())
    fit("MultinomialNB", lambda: naive_bayes.MultinomialNB(), Xa=Xpos)
    fit("BernoulliNB", lambda: naive_bayes.BernoulliNB())
    fit("ComplementNB", lambda: naive_bayes.ComplementNB(), Xa=Xpos)
    fit("CategoricalNB", lambda: naive_bayes.CategoricalNB(), Xa=(X * 3).astype(int))
    fit("LDA", lambda: discriminant_analysis.LinearDiscriminantAnalysis())
    fit("QDA", lambda: discriminant_analysis.QuadraticDiscriminantAnalysis())
    fit("DummyClassifier", lambda: dummy.DummyClassifier())
    fit("DummyRegressor", lambda: dummy.DummyRegressor(), ya=yr)
    fit("MLPClassifier-adam", lambda: neural_network.MLPClassifier((5,), max_iter=5))
    fit("MLPClassifier-sgd", lambda: neural_network.MLPClassifier((5,), solver="sgd", max_iter=5))
    fit("MLPClassifier-lbfgs", lambda: neural_network.MLPClassifier((5,), solver="lbfgs", max_iter=5))
    fit("MLPRegressor", lambda: neural_network.MLPRegressor((5,), max_iter=5), ya=yr)
    fit("BernoulliRBM", lambda: neural_network.BernoulliRBM(n_iter=1), ya="none")
    fit("GaussianProcessClassifier", lambda: gaussian_process.GaussianProcessClassifier())
    fit("GaussianProcessRegressor", lambda: gaussian_process.GaussianProcessRegressor(
        kernel=gaussian_process.kernels.RBF() + gaussian_process.kernels.WhiteKernel(), alpha=1e-2), ya=yr)
    objs.append(("gp-kernels", lambda: [
        gaussian_process.kernels.RBF() * gaussian_process.kernels.ConstantKernel()
        + gaussian_process.kernels.Matern() + gaussian_process.kernels.RationalQuadratic()
        + gaussian_process.kernels.DotProduct() + gaussian_process.kernels.ExpSineSquared() ** 2,
        gaussian_process.kernels.PairwiseKernel(), gaussian_process.kernels.Exponentiation(
            gaussian_process.kernels.RBF(), 2)]))
    fit("KernelRidge", lambda: kernel_ridge.KernelRidge(kernel="rbf"), ya=yr)
    fit("IsotonicRegression", lambda: isotonic.IsotonicRegression(), Xa=X[:, 0], ya=yr)
    fit("CalibratedClassifierCV", lambda: calibration.CalibratedClassifierCV(cv=2))
    fit("CalibratedClassifierCV-isotonic", lambda: calibration.CalibratedClassifierCV(cv=2, method="isotonic"))
    fit("OneVsRest", lambda: multiclass.OneVsRestClassifier(linear_model.LogisticRegression()), ya=y3)
    fit("OneVsOne", lambda: multiclass.OneVsOneClassifier(svm.LinearSVC()), ya=y3)
    fit("OutputCode", lambda: multiclass.OutputCodeClassifier(linear_model.LogisticRegression(),
                                                              random_state=0), ya=y3)
    fit("MultiOutputRegressor", lambda: multioutput.MultiOutputRegressor(linear_model.Ridge()),
        ya=np.c_[yr, yr])
    fit("ClassifierChain", lambda: multioutput.ClassifierChain(linear_model.LogisticRegression()),
        ya=np.c_[y, 1 - y])
    fit("PLSRegression", lambda: cross_decomposition.PLSRegression(), ya=yr)
    fit("CCA", lambda: cross_decomposition.CCA(n_components=1), ya=yr)
    fit("LabelSpreading", lambda: semi_supervised.LabelSpreading())
    fit("SelfTraining", lambda: semi_supervised.SelfTrainingClassifier(svm.SVC(probability=True)),
        ya=np.where(np.arange(40) % 3 == 0, -1, y))
    # unsupervised / transformers
    for label, make in [
        ("PCA", lambda: decomposition.PCA(2)), ("IncrementalPCA", lambda: decomposition.IncrementalPCA(2)),
        ("KernelPCA", lambda: decomposition.KernelPCA(2, kernel="rbf")),
        ("TruncatedSVD", lambda: decomposition.TruncatedSVD(2)), ("NMF", lambda: decomposition.NMF(2, max_iter=5)),
        ("FastICA", lambda: decomposition.FastICA(2, max_iter=5)),
        ("FactorAnalysis", lambda: decomposition.FactorAnalysis(2)),
        ("LDA-topic", lambda: decomposition.LatentDirichletAllocation(2, max_iter=2)),
        ("SparsePCA", lambda: decomposition.SparsePCA(2, max_iter=2)),
        ("DictionaryLearning", lambda: decomposition.MiniBatchDictionaryLearning(2, n_iter=2)),
        ("KMeans", lambda: cluster.KMeans(2, n_init=2)),
        ("MiniBatchKMeans", lambda: cluster.MiniBatchKMeans(2, n_init=2)),
        ("BisectingKMeans", lambda: cluster.BisectingKMeans(2)),
        ("DBSCAN", lambda: cluster.DBSCAN()), ("OPTICS", lambda: cluster.OPTICS(min_samples=3)),
        ("Agglomerative", lambda: cluster.AgglomerativeClustering()), ("Birch", lambda: cluster.Birch()),
        ("MeanShift", lambda: cluster.MeanShift()), ("SpectralClustering", lambda: cluster.SpectralClustering(2)),
        ("AffinityPropagation", lambda: cluster.AffinityPropagation()),
        ("FeatureAgglomeration", lambda: cluster.FeatureAgglomeration(2)),
        ("GaussianMixture", lambda: mixture.GaussianMixture(2)),
        ("BayesianGaussianMixture", lambda: mixture.BayesianGaussianMixture(n_components=2)),
        ("Isomap", lambda: manifold.Isomap(n_components=2)), ("TSNE", lambda: manifold.TSNE(2, perplexity=5)),
        ("LLE", lambda: manifold.LocallyLinearEmbedding(n_components=2)),
        ("GaussianRandomProjection", lambda: random_projection.GaussianRandomProjection(2)),
        ("SparseRandomProjection", lambda: random_projection.SparseRandomProjection(2)),
        ("RBFSampler", lambda: kernel_approximation.RBFSampler()),
        ("Nystroem", lambda: kernel_approximation.Nystroem(n_components=5)),
        ("StandardScaler", lambda: preprocessing.StandardScaler()),
        ("MinMaxScaler", lambda: preprocessing.MinMaxScaler()),
        ("MaxAbsScaler", lambda: preprocessing.MaxAbsScaler()),
        ("RobustScaler", lambda: preprocessing.RobustScaler()), ("Normalizer", lambda: preprocessing.Normalizer()),
        ("Binarizer", lambda: preprocessing.Binarizer()),
        ("QuantileTransformer", lambda: preprocessing.QuantileTransformer(n_quantiles=10)),
        ("PowerTransformer", lambda: preprocessing.PowerTransformer()),
        ("PolynomialFeatures", lambda: preprocessing.PolynomialFeatures()),
        ("SplineTransformer", lambda: preprocessing.SplineTransformer()),
        ("KBinsDiscretizer", lambda: preprocessing.KBinsDiscretizer(3)),
        ("FunctionTransformer", lambda: preprocessing.FunctionTransformer(np.log1p, inverse_func=np.expm1)),
        ("SimpleImputer", lambda: impute.SimpleImputer()), ("KNNImputer", lambda: impute.KNNImputer()),
        ("IterativeImputer", lambda: impute.IterativeImputer(max_iter=2)),
        ("MissingIndicator", lambda: impute.MissingIndicator(missing_values=0.0, features="all")),
        ("VarianceThreshold", lambda: feature_selection.VarianceThreshold()),
    ]:
        fit(label, make, ya="none")
    for label, make in [
        ("SelectKBest", lambda: feature_selection.SelectKBest(k=2)),
        ("SelectKBest-chi2", lambda: feature_selection.SelectKBest(feature_selection.chi2, k=2)),
        ("SelectKBest-mi", lambda: feature_selection.SelectKBest(feature_selection.mutual_info_classif, k=2)),
        ("SelectPercentile", lambda: feature_selection.SelectPercentile()),
        ("SelectFromModel", lambda: feature_selection.SelectFromModel(linear_model.LogisticRegression())),
        ("RFE", lambda: feature_selection.RFE(linear_model.LogisticRegression(), n_features_to_select=2)),
        ("RFECV", lambda: feature_selection.RFECV(linear_model.LogisticRegression(), cv=2)),
        ("SequentialFeatureSelector", lambda: feature_selection.SequentialFeatureSelector(
            linear_model.LogisticRegression(), n_features_to_select=2, cv=2)),
    ]:
        fit(label, make, Xa=Xpos)
    cats = np.array([["a", "x"], ["b", "y"], ["a", "z"], ["c", "x"]] * 10, dtype=object)
    fit("OneHotEncoder", lambda: preprocessing.OneHotEncoder(handle_unknown="ignore"), Xa=cats, ya="none")
    fit("OneHotEncoder-dense", lambda: preprocessing.OneHotEncoder(sparse_output=False, drop="first"),
        Xa=cats, ya="none")
    fit("OrdinalEncoder", lambda: preprocessing.OrdinalEncoder(), Xa=cats, ya="none")
    objs.append(("LabelEncoder", lambda: preprocessing.LabelEncoder().fit(["a", "b", "c"])))
    objs.append(("LabelBinarizer", lambda: preprocessing.LabelBinarizer().fit([0, 1, 2])))
    objs.append(("MultiLabelBinarizer", lambda: preprocessing.MultiLabelBinarizer().fit([["a"], ["b", "c"]])))
    objs.append(("CountVectorizer", lambda: feature_extraction.text.CountVectorizer().fit(texts)))
    objs.append(("CountVectorizer-char", lambda: feature_extraction.text.CountVectorizer(
        analyzer="char_wb", ngram_range=(1, 2)).fit(texts)))
    objs.append(("TfidfVectorizer", lambda: feature_extraction.text.TfidfVectorizer(
        stop_words="english").fit(texts)))
    objs.append(("TfidfTransformer", lambda: feature_extraction.text.TfidfTransformer().fit(
        feature_extraction.text.CountVectorizer().fit_transform(texts))))
    objs.append(("HashingVectorizer", lambda: feature_extraction.text.HashingVectorizer(n_features=16)))
    objs.append(("DictVectorizer", lambda: feature_extraction.DictVectorizer().fit([{"a": 1, "b": 2}])))
    objs.append(("FeatureHasher", lambda: feature_extraction.FeatureHasher(8)))
    objs.append(("text-pipeline", lambda: pipeline.Pipeline([
        ("tfidf", feature_extraction.text.TfidfVectorizer()),
        ("clf", linear_model.LogisticRegression())]).fit(texts, ytext)))
    fit("Pipeline", lambda: pipeline.make_pipeline(preprocessing.StandardScaler(), decomposition.PCA(2),
                                                   svm.SVC()))
    fit("FeatureUnion", lambda: pipeline.make_union(decomposition.PCA(1), preprocessing.StandardScaler()),
        ya="none")
    fit("TransformedTargetRegressor", lambda: compose.TransformedTargetRegressor(
        linear_model.LinearRegression(), func=np.log1p, inverse_func=np.expm1), ya=np.abs(yr))

    def coltrans():
        import pandas as pd
        df = pd.DataFrame({"num": X[:, 0], "cat": ["a", "b"] * 20, "txt": texts * 3 + texts[:4]})
        ct = compose.ColumnTransformer([
            ("num", preprocessing.StandardScaler(), ["num"]),
            ("cat", preprocessing.OneHotEncoder(), compose.make_column_selector(dtype_include=object,
                                                                                 pattern="cat")),
            ("txt", feature_extraction.text.CountVectorizer(), "txt")], remainder="drop")
        return pipeline.Pipeline([("ct", ct), ("lr", linear_model.LogisticRegression())]).fit(df, y)
    objs.append(("ColumnTransformer", coltrans))
    fit("GridSearchCV", lambda: model_selection.GridSearchCV(svm.SVC(), {"C": [0.1, 1.0]}, cv=2))
    fit("GridSearchCV-scoring", lambda: model_selection.GridSearchCV(
        linear_model.LogisticRegression(), {"C": [0.1, 1.0]}, cv=2, scoring=["accuracy", "roc_auc"],
        refit="accuracy"))
    fit("RandomizedSearchCV", lambda: model_selection.RandomizedSearchCV(
        tree.DecisionTreeClassifier(), {"max_depth": [1, 2, 3]}, n_iter=2, cv=2))
    fit("HalvingGridSearchCV", lambda: model_selection.HalvingGridSearchCV(
        tree.DecisionTreeClassifier(), {"max_depth": [1, 2]}, cv=2))
    objs.append(("cv-splitters", lambda: [model_selection.KFold(3), model_selection.StratifiedKFold(3),
                                          model_selection.ShuffleSplit(), model_selection.TimeSeriesSplit(),
                                          model_selection.GroupKFold(2)]))
    objs.append(("scorers", lambda: __import__("sklearn.metrics", fromlist=["x"]).get_scorer("roc_auc")))
    objs.append(("scipy-sparse", lambda: [sp.csr_matrix(X), sp.csc_matrix(X), sp.coo_matrix(X),
                                          sp.lil_matrix(X), sp.dok_matrix(X), sp.bsr_matrix(X),
                                          sp.dia_matrix(np.eye(3)), sp.csr_array(X)]))
    objs.append(("bunch", lambda: __import__("sklearn.utils", fromlist=["x"]).Bunch(a=1)))
    return objs


def _xgboost_objects():
    import numpy as np
    import xgboost as xgb
    rng = np.random.RandomState(0)
    X = rng.rand(40, 4)
    y = (X[:, 0] > 0.5).astype(int)
    objs = [
        ("XGBClassifier", lambda: xgb.XGBClassifier(n_estimators=3).fit(X, y)),
        ("XGBClassifier-multi", lambda: xgb.XGBClassifier(n_estimators=3).fit(X, rng.randint(0, 3, 40))),
        ("XGBRegressor", lambda: xgb.XGBRegressor(n_estimators=3).fit(X, X[:, 1])),
        ("XGBRFClassifier", lambda: xgb.XGBRFClassifier(n_estimators=3).fit(X, y)),
        ("XGBRanker", lambda: xgb.XGBRanker(n_estimators=3).fit(X, y, qid=np.repeat([0, 1], 20))),
        ("XGBClassifier-unfitted", lambda: xgb.XGBClassifier()),
        ("Booster", lambda: xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(X, label=y), 3)),
        ("Booster-raw", lambda: xgb.XGBClassifier(n_estimators=2).fit(X, y).get_booster().save_raw()),
    ]
    return objs


def _pandas_objects():
    import datetime
    import zoneinfo
    import numpy as np
    import pandas as pd
    import pytz
    objs = []
    add = lambda label, f: objs.append((label, f))
    n = 6

    def frame():
        return pd.DataFrame({
            "i": np.arange(n), "f": np.linspace(0, 1, n), "b": [True, False] * 3, "o": list("abcdef"),
            "c": pd.Categorical(list("xyxyxz")), "co": pd.Categorical(list("abcabc"), ordered=True),
            "dt": pd.date_range("2020-01-01", periods=n), "dt_utc": pd.date_range("2020", periods=n, tz="UTC"),
            "dt_pytz": pd.date_range("2020", periods=n, tz="US/Eastern"),
            "dt_zi": pd.date_range("2020", periods=n, tz=zoneinfo.ZoneInfo("Europe/Paris")),
            "dt_fixed": pd.date_range("2020", periods=n, tz=datetime.timezone(datetime.timedelta(hours=2))),
            "dt_pytz_fixed": pd.date_range("2020", periods=n, tz=pytz.FixedOffset(60)),
            "td": pd.to_timedelta(np.arange(n), unit="s"), "p": pd.period_range("2020-01", periods=n, freq="M"),
            "iv": pd.interval_range(0, n), "sp": pd.arrays.SparseArray([0, 1, 0, 0, 2, 0]),
            "spf": pd.arrays.SparseArray([0.0, np.nan, 1.0, 0, 0, 0]),
            "I64": pd.array([1, None, 3, 4, 5, 6], dtype="Int64"), "U8": pd.array([1, 2, 3, 4, 5, 6], dtype="UInt8"),
            "F64": pd.array([1.5, None, 3, 4, 5, 6], dtype="Float64"),
            "B": pd.array([True, None, False, True, True, False], dtype="boolean"),
            "s": pd.array(list("abcde") + [None], dtype="string"),
            "cplx": np.arange(n) * 1j, "u": np.arange(n, dtype=np.uint16), "f32": np.ones(n, np.float32),
            "bytes": [b"x"] * n,
        })
    add("DataFrame-all-dtypes", frame)
    add("DataFrame-attrs-flags", lambda: pd.DataFrame({"a": [1]}).set_flags(allows_duplicate_labels=False))
    add("Series", lambda: pd.Series([1.0, 2.0], index=["a", "b"], name="s"))
    add("Series-cat", lambda: pd.Series(pd.Categorical(["a", "b"])))
    add("RangeIndex", lambda: pd.RangeIndex(5))
    add("Int64Index", lambda: pd.Index([3, 1, 2]))
    add("UInt64Index", lambda: pd.Index(np.array([3, 1], dtype=np.uint64)))
    add("Float64Index", lambda: pd.Index([1.5, 2.5]))
    add("Index-object", lambda: pd.Index(["a", "b"]))
    add("Index-bool", lambda: pd.Index([True, False], dtype=object))
    add("Index-Int64-ea", lambda: pd.Index(pd.array([1, 2], dtype="Int64")))
    add("DatetimeIndex-freq", lambda: pd.date_range("2020", periods=3, freq="B"))
    for fq in ("D", "H", "T", "S", "L", "W-MON", "M", "MS", "Q", "A", "BM", "SM", "CBMS", "BH"):
        add("DatetimeIndex-%s" % fq, lambda fq=fq: pd.date_range("2020", periods=3, freq=fq))
    add("TimedeltaIndex", lambda: pd.timedelta_range("1 day", periods=3))
    add("PeriodIndex", lambda: pd.period_range("2020Q1", periods=3, freq="Q"))
    add("CategoricalIndex", lambda: pd.CategoricalIndex(["a", "b", "a"]))
    add("IntervalIndex", lambda: pd.IntervalIndex.from_breaks([0, 1, 2], closed="left"))
    add("MultiIndex", lambda: pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["x", "y"]))
    add("MultiIndex-frame", lambda: pd.DataFrame(np.ones((4, 2)),
                                                 index=pd.MultiIndex.from_product([["a", "b"], [1, 2]])))
    add("scalars", lambda: [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-01", tz="UTC"),
                            pd.Timestamp("2020-01-01", tz="Asia/Tokyo"), pd.Timedelta("1h"),
                            pd.Period("2020-01", "M"), pd.Interval(0, 1), pd.NaT, pd.NA])
    add("offsets", lambda: [pd.offsets.Day(2), pd.offsets.BDay(), pd.offsets.MonthEnd(), pd.offsets.Week(weekday=0),
                            pd.offsets.CustomBusinessDay(holidays=["2020-01-01"]), pd.offsets.DateOffset(months=1),
                            pd.offsets.Hour(), pd.offsets.QuarterBegin(), pd.offsets.YearEnd(), pd.offsets.Minute(),
                            pd.offsets.FY5253(weekday=0, startingMonth=1), pd.offsets.Easter()])
    add("dtypes", lambda: [pd.CategoricalDtype(["a"]), pd.DatetimeTZDtype(tz="UTC"), pd.PeriodDtype("D"),
                           pd.IntervalDtype("int64"), pd.SparseDtype("float"), pd.StringDtype(),
                           pd.Int64Dtype(), pd.BooleanDtype(), pd.Float32Dtype()])
    add("arrays", lambda: [pd.array(pd.date_range("2020", periods=2)), pd.array(pd.timedelta_range("1d", periods=2)),
                           pd.arrays.PandasArray(np.ones(2)), pd.array([1, 2], dtype="Int32")])
    add("Categorical", lambda: pd.Categorical(["a", "b"], categories=["b", "a"], ordered=True))
    add("DataFrame-sparse-accessor", lambda: pd.DataFrame.sparse.from_spmatrix(
        __import__("scipy.sparse", fromlist=["x"]).eye(3)))
    add("DataFrame-mixed-blocks", lambda: pd.concat([frame(), frame()], axis=1))
    add("groupby-result", lambda: frame().groupby("o").agg({"f": "mean"}))
    add("pivot", lambda: frame().pivot_table(index="o", columns="b", values="f"))
    add("resampled", lambda: pd.Series(np.arange(n), index=pd.date_range("2020", periods=n, freq="H"))
        .resample("2H").sum())
    add("tz-objects", lambda: [pytz.timezone("US/Eastern"), pytz.UTC, pytz.FixedOffset(30)])
    add("dateutil-tz", lambda: [pd.Timestamp("2020", tz="dateutil/Europe/London")])
    return objs


def _stdlib_objects():
    import array
    import collections
    import datetime
    import decimal
    import enum
    import fractions
    import ipaddress
    import pathlib
    import re as re_
    import uuid
    import zoneinfo
    objs = []
    add = lambda label, f: objs.append((label, f))
    add("datetime", lambda: [datetime.datetime(2020, 1, 2, 3, 4, 5, 6), datetime.date(2020, 1, 2),
                             datetime.time(1, 2, 3), datetime.timedelta(1, 2, 3),
                             datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=-3), "X"),
                             datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)])
    add("zoneinfo", lambda: [zoneinfo.ZoneInfo("UTC"), datetime.datetime(2020, 1, 1,
                                                                         tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))])
    add("decimal", lambda: [decimal.Decimal("1.10"), decimal.Decimal("NaN"), decimal.Context(prec=5)])
    add("fraction", lambda: fractions.Fraction(1, 3))
    add("collections", lambda: [collections.OrderedDict(a=1), collections.defaultdict(list, a=[1]),
                                collections.defaultdict(int), collections.defaultdict(dict),
                                collections.deque([1, 2], maxlen=5), collections.Counter("abca"),
                                collections.ChainMap({"a": 1}), collections.UserDict(a=1),
                                collections.UserList([1]), collections.UserString("x")])
    add("uuid", lambda: [uuid.UUID(int=1), uuid.uuid5(uuid.NAMESPACE_DNS, "x")])
    add("pathlib", lambda: [pathlib.PurePosixPath("/a/b"), pathlib.PureWindowsPath("c:/a"),
                            pathlib.PurePath("x"), pathlib.Path("/a/b"), pathlib.PosixPath("rel/x")])
    add("ipaddress", lambda: [ipaddress.ip_address("1.2.3.4"), ipaddress.ip_address("::1"),
                              ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fe80::/64"),
                              ipaddress.ip_interface("10.0.0.1/8"), ipaddress.ip_interface("::1/64")])
    for tc in "bBhHiIlLqQfdu":
        add("array-%s" % tc, lambda tc=tc: array.array(tc, "ab" if tc == "u" else [1, 2]))
    add("builtins-values", lambda: [1 + 2j, {1, 2}, frozenset([1]), bytearray(b"ab"), b"", b"xy",
                                    range(1, 10, 2), slice(1, 5, 2), slice(None), Ellipsis, NotImplemented,
                                    float("inf"), float("nan"), 10 ** 30, set(), frozenset(), bytearray()])
    add("builtins-types", lambda: [int, float, complex, bool, str, bytes, bytearray, list, dict, tuple, set,
                                   frozenset, object, range, slice])
    # pure builtin functions (no callable arguments, no side effects): pickled by reference
    add("builtins-pure-functions", lambda: [len, abs, all, any, ascii, bin, callable, chr, divmod, format, hash,
                                            hex, id, isinstance, issubclass, oct, ord, pow, repr, round, sum])
    # exception instances end up in pickled results and histories
    add("builtins-exceptions", lambda: [ValueError("x"), KeyError("k"), TypeError(), RuntimeError(), StopIteration(),
                                        Exception(), Warning(), UserWarning(), DeprecationWarning(), FutureWarning(),
                                        AssertionError(), IndexError(), NotImplementedError(), ArithmeticError(),
                                        ZeroDivisionError(), OverflowError(), AttributeError(), LookupError(),
                                        FloatingPointError(), MemoryError(), RecursionError(), TimeoutError(),
                                        UnicodeDecodeError("utf-8", b"x", 0, 1, "r"), RuntimeWarning()])
    add("enum-members", lambda: [re_.IGNORECASE, re_.RegexFlag.MULTILINE | re_.RegexFlag.DOTALL,
                                 uuid.SafeUUID.safe, uuid.SafeUUID.unknown, enum.Enum, enum.IntEnum])
    add("re-pattern", lambda: [re_.compile(r"(?u)\b\w\w+\b"), re_.compile(b"ab", re_.I)])
    add("named-tuple-types", lambda: [datetime.datetime(2020, 1, 1).utctimetuple()])
    add("simple-namespace", lambda: __import__("types").SimpleNamespace(a=1))
    add("stdlib-enums", lambda: [__import__("http").HTTPStatus.OK, __import__("http").HTTPMethod.GET
                                 if hasattr(__import__("http"), "HTTPMethod") else None,
                                 enum.Flag, enum.IntFlag])
    add("argparse-namespace", lambda: __import__("argparse").Namespace(lr=0.1, arch="x"))
    return objs


def _joblib_stream_objects():
    """(label, thunk) whose thunk returns bytes written by joblib.dump (scanned tolerantly: joblib writes raw
    array bytes inside the pickle stream, after the NumpyArrayWrapper that announces them)."""
    import joblib
    import numpy as np

    def dump(obj, **kw):
        buf = io.BytesIO()
        joblib.dump(obj, buf, **kw)
        return buf.getvalue()
    return [
        ("joblib-array", lambda: dump(np.arange(5.0))),
        ("joblib-object-array", lambda: dump(np.array([1, "a"], dtype=object))),
        ("joblib-dict", lambda: dump({"a": np.ones(3), "b": [np.zeros(2, dtype="i4")]})),
        ("joblib-sklearn", lambda: dump(__import__("sklearn.linear_model", fromlist=["x"])
                                        .LogisticRegression().fit(np.eye(4), [0, 1, 0, 1]))),
        ("joblib-proto2", lambda: dump(np.arange(3), protocol=2)),
        ("joblib-matrix", lambda: dump(np.matrix(np.eye(2)))),
    ]


OBJECT_SETS = [
    ("stdlib", _stdlib_objects),
    ("numpy", _numpy_objects),
    ("torch", _torch_objects),
    ("sklearn", _sklearn_objects),
    ("xgboost", _xgboost_objects),
    ("pandas", _pandas_objects),
]


def isolated(fn):
    """Run fn() -> bytes in a forked child: some objects crash the interpreter when pickled with old
    protocols (torch ScriptObject packed params abort in C++).  Nothing is ever unpickled."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            payload = b"OK" + fn()
        except BaseException as e:  # noqa: report everything to the parent
            payload = b"ER" + repr(e)[:300].encode("utf-8", "replace")
        with os.fdopen(w, "wb") as f:
            f.write(payload)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        payload = f.read()
    _, status = os.waitpid(pid, 0)
    if not payload:
        raise RuntimeError("pickling crashed the process (wait status %d)" % status)
    if payload[:2] == b"ER":
        raise RuntimeError(payload[2:].decode("utf-8", "replace"))
    return payload[2:]


def _torch_save_bytes(obj, proto, zipped):
    import torch
    buf = io.BytesIO()
    torch.save(obj, buf, pickle_protocol=proto, _use_new_zipfile_serialization=zipped)
    return buf.getvalue()


def observe():
    """Return {(module, name): set(object-set labels)}, failures list, unresolved list."""
    seen = defaultdict(set)
    failures, unresolved = [], []

    def scan(group, label, data, count=1, tolerant=False):
        names = set()
        try:
            imports_in_bytes(data, names, unresolved, count=count, tolerant=tolerant)
        except Exception as e:
            failures.append("%s/%s: scan: %r" % (group, label, e))
        for n in names:
            seen[n].add(group)

    for group, maker in OBJECT_SETS:
        try:
            thunks = maker()
        except Exception as e:
            failures.append("%s: object set: %r" % (group, e))
            continue
        for label, thunk in thunks:
            if VERBOSE:
                log("build %s/%s" % (group, label))
            try:
                obj = thunk()
            except Exception as e:
                failures.append("%s/%s: build: %s" % (group, label, repr(e)[:150]))
                continue
            for proto in PROTOCOLS:
                try:
                    data = isolated(lambda: pickle.dumps(obj, protocol=proto))
                except Exception as e:
                    failures.append("%s/%s: pickle proto %d: %s" % (group, label, proto, repr(e)[:150]))
                    continue
                scan(group, label, data)
            if group == "torch":
                for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
                    for zipped in (True, False):
                        try:
                            raw = isolated(lambda: _torch_save_bytes(obj, proto, zipped))
                        except Exception as e:
                            failures.append("%s/%s: torch.save proto %d zip=%s: %s"
                                            % (group, label, proto, zipped, repr(e)[:150]))
                            continue
                        if zipped:
                            import zipfile
                            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                                for member in zf.namelist():
                                    if member.endswith(".pkl"):
                                        scan(group, label + ":" + member, zf.read(member))
                        else:
                            # magic, protocol, sys_info, object, storage keys
                            scan(group, label + ":legacy", raw, count=5, tolerant=True)
    try:
        for label, thunk in _joblib_stream_objects():
            try:
                scan("joblib", label, thunk(), count=1, tolerant=True)
            except Exception as e:
                failures.append("joblib/%s: %r" % (label, e))
    except Exception as e:
        failures.append("joblib: %r" % e)
    return seen, failures, unresolved


# ---------------------------------------------------------------- class enumeration

def resolve(module, qualname):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def through_module(module, qualname):
    """True if a dotted qualname passes through a module object (torch._utils / torch.channels_last):
    pickle's whichmodule artefact; such a path can reach anything the module imports."""
    parts = qualname.split(".")
    try:
        obj = importlib.import_module(module)
        for p in parts[:-1]:
            obj = getattr(obj, p)
            if inspect.ismodule(obj):
                return True
    except Exception:
        return False
    return False


def walk_library(lib, skipped, import_failures):
    mods = {}
    try:
        top = importlib.import_module(lib)
    except Exception as e:
        import_failures.append("%s: %r" % (lib, e))
        return mods
    mods[lib] = top
    queue = [top]
    while queue:
        pkg = queue.pop(0)
        path = getattr(pkg, "__path__", None)
        if not path:
            continue
        try:
            infos = sorted(pkgutil.iter_modules(path), key=lambda i: i.name)
        except Exception:
            continue
        for info in infos:
            full = pkg.__name__ + "." + info.name
            if not info.name.isidentifier():
                skipped["not-an-identifier"] += 1
                continue
            rid = module_excluded_for_walk(full)
            if rid is not None:
                skipped[rid] += 1
                continue
            try:
                m = importlib.import_module(full)
            except BaseException as e:  # noqa: some submodules raise SystemExit / ImportError / RuntimeError
                if isinstance(e, KeyboardInterrupt):
                    raise
                import_failures.append("%s: %s" % (full, repr(e)[:120]))
                continue
            mods[full] = m
            if info.ispkg:
                queue.append(m)
    # modules created dynamically (C submodules, aliases registered in sys.modules)
    for name in sorted(k for k in list(sys.modules) if in_module(k, lib)):
        m = sys.modules.get(name)
        if name not in mods and m is not None and module_excluded_for_walk(name) is None:
            mods[name] = m
    return mods


def enumerate_classes(excluded_counter, review):
    """Return {(module, qualname): lib} for classes of LIBS."""
    found = {}
    skipped = Counter()
    import_failures = []
    all_mods = {}
    for lib in WALK_ROOTS:
        all_mods.update(walk_library(lib, skipped, import_failures))
    log("walk: %d modules imported, %d submodules skipped by exclusion rules, %d failed to import"
        % (len(all_mods), sum(skipped.values()), len(import_failures)))
    for rid, n in sorted(skipped.items()):
        log("  walk-skip %-45s %d" % (rid, n))
    for f in import_failures:
        log("  import-fail " + f)

    candidates = {}  # (module, qualname) -> class

    def consider_defined(cls):
        todo = [cls]
        while todo:
            c = todo.pop()
            mod, qn = getattr(c, "__module__", None), getattr(c, "__qualname__", None)
            if not isinstance(mod, str) or not isinstance(qn, str) or mod.split(".")[0] not in LIBS:
                continue
            if (mod, qn) in candidates:
                continue
            candidates[(mod, qn)] = c
            try:
                items = list(vars(c).items())
            except TypeError:
                items = []
            for k, v in items:
                if isinstance(v, type) and getattr(v, "__qualname__", "") == qn + "." + k \
                        and getattr(v, "__module__", None) == mod:
                    todo.append(v)

    for modname in sorted(all_mods):
        m = all_mods[modname]
        try:
            items = sorted(vars(m).items(), key=lambda kv: kv[0])
        except TypeError:
            continue
        # public re-export: a public package (__init__) or a name the module lists in __all__
        public = not any(p.startswith("_") for p in modname.split("."))
        is_pkg = hasattr(m, "__path__")
        exported = getattr(m, "__all__", None)
        exported = set(exported) if isinstance(exported, (list, tuple)) else set()
        for attr, val in items:
            if not isinstance(val, type):
                continue
            consider_defined(val)
            vmod = getattr(val, "__module__", None)
            if public and (is_pkg or attr in exported) and isinstance(vmod, str) \
                    and vmod.split(".")[0] == modname.split(".")[0] and not attr.startswith("__"):
                candidates.setdefault((modname, attr), val)

    unresolvable = 0
    for (mod, qn), cls in sorted(candidates.items(), key=lambda kv: kv[0]):
        rid = rule_for(mod, qn, "class", cls)
        if rid is not None:
            excluded_counter[(rid, "class")] += 1
            continue
        try:
            if resolve(mod, qn) is not cls:
                unresolvable += 1
                continue
        except Exception:
            unresolvable += 1
            continue
        found[(mod, qn)] = mod.split(".")[0]
        try:
            params = inspect.signature(cls).parameters
        except Exception:
            params = {}
        hits = [p for p in params if REVIEW_PARAM_RE.search(p.lower())]
        if hits:
            review.append("%s.%s: constructor parameters %s" % (mod, qn, ", ".join(hits)))
        if mod == cls.__module__ and qn == cls.__qualname__:
            for meth in REVIEW_METHODS:
                f = cls.__dict__.get(meth)
                f = getattr(f, "__func__", f)
                if f is None:
                    continue
                try:
                    src = inspect.getsource(f)
                except Exception:
                    continue
                toks = sorted(set(t.group(0) for t in REVIEW_SOURCE_RE.finditer(src)))
                if toks:
                    review.append("%s.%s.%s uses %s" % (mod, qn, meth, " ".join(toks)))
    log("classes: %d candidates, %d kept, %d not importable under that path (e.g. numpy.dtype[float64])"
        % (len(candidates), len(found), unresolvable))
    return found


# ---------------------------------------------------------------- weights-only list

def weights_only_names():
    names = []
    with open(WEIGHTS_ONLY_FILE) as f:
        for line in f:
            line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
            if not line:
                continue
            key = line.split("\t")[0].strip()
            mod, _, name = key.rpartition(".")
            names.append((mod, name))
    return names


# Pure functions and plain data types from modules excluded as a whole above. Each is
# checked to exist here; the reason says why it is safe to import and call with any arguments
# (no side effects, no callable arguments, no name resolution).
CURATED_PURE = {
    ("types", "SimpleNamespace"): "attribute bag (a BUILD that injects dunders is reported separately)",
    ("operator", "or_"): "re.RegexFlag combinations pickle as operator.or_(a, b)",
    ("pathlib", "WindowsPath"): "concrete path class (pickled paths from Windows); constructing touches nothing",
    ("zoneinfo", "ZoneInfo._unpickle"): "ZoneInfo pickles as getattr(ZoneInfo, '_unpickle')(key, from_cache): "
                                        "a zone lookup by name",
}
for _name in ("abs add and_ concat contains countOf eq floordiv ge getitem gt index indexOf inv invert is_ is_not "
              "le lshift lt matmul mod mul ne neg not_ pos pow rshift sub truediv truth xor length_hint").split():
    CURATED_PURE[("operator", _name)] = "arithmetic or comparison on its arguments"
for _mod in ("math", "cmath"):
    for _name in sorted(dir(__import__(_mod))):
        if not _name.startswith("_") and callable(getattr(__import__(_mod), _name)):
            CURATED_PURE[(_mod, _name)] = "pure numeric function"


# ---------------------------------------------------------------- main

TAG_PRIORITY = ("torch-weights-only", "observed:", "stdlib-type", "stdlib-pure", "class:", "numpy2-alias")


def tag_rank(tag):
    for i, p in enumerate(TAG_PRIORITY):
        if tag == p or (p.endswith(":") and tag.startswith(p)):
            return i
    return len(TAG_PRIORITY)


def main(out):
    warnings.simplefilter("ignore")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    entries = defaultdict(set)       # (module, qualname) -> tags
    excluded = Counter()             # (rule, source) -> count
    excluded_names = defaultdict(set)

    def exclude(rid, source, key):
        excluded[(rid, source)] += 1
        excluded_names[rid].add("%s.%s" % key)

    # (b) observed -- first, before the walk imports everything (keeps pickle's whichmodule lookups stable)
    seen, failures, unresolved = observe()
    observed_functions = []
    for (mod, name) in sorted(seen):
        m2, n2 = compat(mod, name)
        rid = rule_for(mod, name, "observed")
        if rid is not None:
            exclude(rid, "observed", (mod, name))
            continue
        if through_module(m2, n2):
            exclude("qualname-through-module", "observed", (m2, n2))
            continue
        tag = "stdlib-type" if stdlib_top(m2) else "observed:" + m2.split(".")[0]
        entries[(m2, n2)].add(tag)
        try:
            obj = resolve(m2, n2)
            if not isinstance(obj, type):
                observed_functions.append("%s.%s (%s)" % (m2, n2, type(obj).__name__))
        except Exception:
            observed_functions.append("%s.%s (unresolvable here)" % (m2, n2))

    # (a) classes
    review = []
    for key, lib in enumerate_classes(excluded, review).items():
        entries[key].add("class:" + lib)

    # (c) torch weights-only
    not_importable = []
    for key in weights_only_names():
        rid = rule_for(key[0], key[1], "weights-only")
        if rid is not None:
            exclude(rid, "weights-only", key)
            continue
        entries[key].add("torch-weights-only")
        try:
            resolve(*key)
        except Exception:
            not_importable.append("%s.%s" % key)

    # (c2) curated pure functions from modules excluded as a whole
    for key in sorted(CURATED_PURE):
        resolve(*key)  # must exist (qualnames resolve attribute by attribute)
        entries[key].add("stdlib-pure")

    # (d) numpy 2 aliases
    for (mod, qn) in list(entries):
        if in_module(mod, "numpy.core"):
            alias = ("numpy._core" + mod[len("numpy.core"):], qn)
            rid = rule_for(alias[0], alias[1], "numpy2-alias")
            if rid is not None:
                exclude(rid, "numpy2-alias", alias)
                continue
            entries[alias].add("numpy2-alias")

    final = {}
    for key, tags in entries.items():
        final[key] = sorted(tags, key=lambda t: (tag_rank(t), t))[0]

    # ----- output
    import numpy
    versions = [("python", "%d.%d.%d" % sys.version_info[:3])]
    for lib in ("torch", "numpy", "sklearn", "pandas", "xgboost", "joblib", "scipy", "pytz", "dateutil"):
        try:
            versions.append((lib, importlib.import_module(lib).__version__))
        except Exception:
            pass
    del numpy
    w = out.write
    w("# GENERATED FILE - DO NOT EDIT.  Pickle-import allowlist for modelscan.\n")
    w("# Generator: internal/policy/gen/allowlist.py (see its docstring); rerun from the repository root with\n")
    w("#   /usr/bin/python3 internal/policy/gen/allowlist.py > internal/policy/data/allowlist.txt\n")
    w("# Library versions: %s\n" % ", ".join("%s %s" % v for v in versions))
    w("# Plus: %s (torch weights_only=True default allowlist, upstream main).\n"
      % os.path.basename(WEIGHTS_ONLY_FILE))
    w("# Format: module<TAB>qualname<TAB>why, sorted, one line per (module, qualname).  qualname may be dotted\n")
    w("#   (nested classes).  Attributes reached through builtins.getattr (enum members, ZoneInfo._unpickle)\n")
    w("#   are not listed: protocol 0-5 pickles write them as getattr(<listed class>, '<name>').\n")
    w("# Names are Python 3 names: apply CPython's _compat_pickle NAME_MAPPING/IMPORT_MAPPING (copy_reg,\n")
    w("#   __builtin__, ...) before lookup, as pickle.Unpickler does for protocol < 3.\n")
    w("# why: class:<lib> (class defined/re-exported by lib), observed:<lib> (imported by real pickles of lib\n")
    w("#   objects), stdlib-type (stdlib name imported by real pickles), torch-weights-only, numpy2-alias\n")
    w("#   (numpy.core.* entry repeated as numpy._core.*).  One tag per line, by priority:\n")
    w("#   torch-weights-only > observed:<lib> > stdlib-type > class:<lib> > numpy2-alias.\n")
    w("# Exclusion rules (dunders, trampolines, file/process/network/code-exec modules and classes) are listed\n")
    w("#   with reasons at the top of the generator; nothing they match appears here.\n")
    w("# entries: %d\n" % len(final))
    for (mod, qn) in sorted(final):
        w("%s\t%s\t%s\n" % (mod, qn, final[(mod, qn)]))

    # ----- summary (stderr)
    log("")
    log("=== allowlist summary: %d entries" % len(final))
    by_tag = Counter(final.values())
    for t, n in sorted(by_tag.items()):
        log("  tag %-24s %6d" % (t, n))
    by_lib = Counter(k[0].split(".")[0] for k in final)
    for lib, n in sorted(by_lib.items(), key=lambda kv: (-kv[1], kv[0])):
        log("  top-level %-20s %6d" % (lib, n))
    log("=== excluded (rule, source): count  [names, up to 12]")
    for (rid, src), n in sorted(excluded.items()):
        log("  %-50s %-13s %5d" % (rid, src, n))
    log("=== excluded observed / weights-only names (all)")
    for rid in sorted(excluded_names):
        obs = sorted(n for n in excluded_names[rid])
        if excluded[(rid, "observed")] or excluded[(rid, "weights-only")]:
            log("  %s: %s" % (rid, ", ".join(obs[:40])))
    observed_functions = sorted(set(observed_functions))
    log("=== observed functions / non-class objects (%d)" % len(observed_functions))
    for f in observed_functions:
        log("  " + f)
    log("=== weights-only names not importable with this torch (%d)" % len(not_importable))
    for n in not_importable:
        log("  " + n)
    log("=== object builders / pickling that failed (%d)" % len(failures))
    for f in failures:
        log("  " + f)
    if unresolved:
        log("=== unresolved STACK_GLOBAL operands: %d" % len(unresolved))
    log("=== REVIEW (manual): kept classes with path/url-like constructor parameters or getattr/open/... "
        "in their construction/call methods (%d)" % len(review))
    for r in sorted(review):
        log("  " + r)


if __name__ == "__main__":
    # Library imports and object builders may print; keep the real stdout (fd 1) for the allowlist only.
    _real_stdout = os.fdopen(os.dup(1), "w")
    sys.stdout.flush()
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        main(_real_stdout)
    finally:
        _real_stdout.close()
