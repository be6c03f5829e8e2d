#!/usr/bin/python3
"""Differential corpus for internal/pickle: small pickle streams plus what
CPython (3.11, /usr/bin/python3) makes of them in three readings.

    /usr/bin/python3 testdata/differential/gen.py   # rewrites cases.json

Readings (the machine's FrameMode in brackets):

  linear  [FrameLinear]  C unpickler (pickle.Unpickler subclass) over
          io.BufferedReader(io.BytesIO(data)). BufferedReader has peek(), so
          the C unpickler prefetches everything (these streams are far below
          the 64 KiB prefetch and the reader's buffer) and reads it as
          pickle.loads(bytes) does: FRAME only checks that its length is
          available and rewinds, boundaries are ignored. After each load() the
          consumed bytes are skipped on the file, so repeated load() calls read
          the following pickles linearly. pickle.loads itself cannot record
          find_class, so main() checks this reading against pickle.loads on
          every stream that contains no import/persistent-id opcode byte at all
          (such a stream cannot import anything, so plain pickle.loads is safe).
  exact   [FrameExact]   C unpickler over io.BytesIO (no peek).
  python  [FramePython]  pickle._Unpickler (pure Python) over io.BytesIO.

Nothing is ever imported: find_class records (module, name) and returns a
stand-in class; persistent_load returns a stand-in for the id. Stand-ins are
classes (so NEWOBJ/INST accept them) whose instantiation returns another
stand-in describing the call; they accept BUILD, APPEND(S), SETITEM(S) and
ADDITEMS. Only names from ALLOWED may occur: a generated stream that makes any
reading call find_class with another name is discarded.

For each reading load() is called until it raises: the pickles read (imports
in order and a normalised value each) and the final exception (type, message,
imports of the failing pickle) are recorded. A final EOFError raised with no
input left is the clean end of the stream ("err": null). When the default
(encoding='ASCII') run fails with an 'ascii' UnicodeDecodeError, the run with
encoding='latin1' is recorded as well under "latin1".

Normalised values (the Go test renders pickle.Value the same way):
  None True False | int: decimal | float: f:<16 hex digits of the IEEE bits>,
  nan/-nan | str: s'...' bytes: b'...' bytearray: ba'...' where the UTF-8
  (surrogatepass) or raw bytes are shown with printable ASCII except \\ and '
  kept and every other byte as \\xHH | tuple (a,b) list [a,b] dict {k:v,...}
  (insertion order) set set{...} frozenset fset{...} (items sorted) |
  g(module.name) for an imported global, obj(<callee>,<args tuple>[,<kwargs>])
  for a call, pid(<id>) for a persistent reference | <cycle> for a container
  reached again while it is being rendered.
"""
import ctypes
import io
import json
import math
import os
import pickle
import random
import resource
import struct
import sys
import warnings

warnings.simplefilter("ignore")
sys.setrecursionlimit(5000)
# Mutated length fields must fail fast instead of allocating gigabytes.
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

ALLOWED = {
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "list"),
    ("builtins", "dict"), ("builtins", "bytearray"),
    ("collections", "OrderedDict"), ("collections", "deque"),
    ("datetime", "date"), ("datetime", "datetime"),
}

# ---------------------------------------------------------------- stand-ins


class Meta(type):
    def __call__(cls, *args, **kw):
        return mk(("obj", cls, args, kw))

    def __setitem__(cls, k, v):
        pass


def _noop(*a, **k):
    return None


def _new(cls, *args, **kw):
    return mk(("obj", cls, args, kw))


def mk(desc):
    return Meta("StandIn", (), {
        "desc": desc, "__new__": _new, "__setstate__": _noop,
        "append": _noop, "extend": _noop, "add": _noop,
    })


class Recorder:
    def find_class(self, module, name):
        self.calls.append([module, name])
        if (module, name) not in ALLOWED:
            raise Forbidden(module, name)
        return mk(("g", module, name))

    def persistent_load(self, pid):
        return mk(("pid", pid))


class Forbidden(Exception):
    pass


class RecC(Recorder, pickle.Unpickler):
    pass


class RecPy(Recorder, pickle._Unpickler):
    pass


# C UnpicklerObject layout (3.11, 64-bit): input_len and next_read_idx follow
# PyObject_HEAD, stack, memo, memo_size, memo_len, pers_func, pers_func_self
# and a Py_buffer. Checked by check_layout() before use.
OFF_INPUT_LEN, OFF_NEXT_READ = 160, 168


def c_buffered(u):
    n = ctypes.c_ssize_t.from_address(id(u) + OFF_INPUT_LEN).value
    i = ctypes.c_ssize_t.from_address(id(u) + OFF_NEXT_READ).value
    return n - i


def check_layout():
    assert sys.version_info[:2] == (3, 11), sys.version
    f = io.BytesIO(b"\x95\x05\x00\x00\x00\x00\x00\x00\x00N.N.N")
    u = RecC(f)
    u.calls = []
    assert u.load() is None and c_buffered(u) == 3 and f.tell() == 14
    assert u.load() is None and c_buffered(u) == 1
    f = io.BytesIO(b"K\x01.")
    u = RecC(f)
    u.calls = []
    assert u.load() == 1 and c_buffered(u) == 0


# ---------------------------------------------------------------- normalising


def esc(b):
    out = []
    for c in b:
        if 0x20 <= c <= 0x7e and c not in (0x5c, 0x27):
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def norm(v, seen=None):
    if seen is None:
        seen = set()
    if v is None:
        return "None"
    if v is True:
        return "True"
    if v is False:
        return "False"
    t = type(v)
    if t is int:
        return str(v)
    if t is float:
        if math.isnan(v):
            return "-nan" if math.copysign(1, v) < 0 else "nan"
        return "f:" + struct.pack(">d", v).hex()
    if t is str:
        return "s'" + esc(v.encode("utf-8", "surrogatepass")) + "'"
    if t is bytes:
        return "b'" + esc(v) + "'"
    if t is bytearray:
        return "ba'" + esc(bytes(v)) + "'"
    if isinstance(v, Meta):
        d = v.desc
        if d[0] == "g":
            return "g(" + esc(d[1].encode("utf-8", "surrogatepass")) + "." + esc(d[2].encode("utf-8", "surrogatepass")) + ")"
        if d[0] == "pid":
            return "pid(" + norm(d[1], seen) + ")"
        s = "obj(" + norm(d[1], seen) + "," + norm(tuple(d[2]), seen)
        if d[3]:
            s += "," + norm(dict(d[3]), seen)
        return s + ")"
    if t in (tuple, list, dict, set, frozenset):
        if id(v) in seen:
            return "<cycle>"
        seen.add(id(v))
        try:
            if t is tuple:
                return "(" + ",".join(norm(x, seen) for x in v) + ")"
            if t is list:
                return "[" + ",".join(norm(x, seen) for x in v) + "]"
            if t is dict:
                return "{" + ",".join(norm(k, seen) + ":" + norm(x, seen) for k, x in v.items()) + "}"
            items = sorted(norm(x, seen) for x in v)
            return ("set{" if t is set else "fset{") + ",".join(items) + "}"
        finally:
            seen.discard(id(v))
    raise TypeError("cannot normalise %r" % (t,))


# ---------------------------------------------------------------- readings


def run_reading(data, reading, encoding="ASCII", max_pickles=32):
    if reading == "linear":
        f = io.BufferedReader(io.BytesIO(data), buffer_size=max(8192, 2 * len(data)))
        u = RecC(f, encoding=encoding)
    elif reading == "exact":
        f = io.BytesIO(data)
        u = RecC(f, encoding=encoding)
    else:
        f = io.BytesIO(data)
        u = RecPy(f, encoding=encoding)
    res = {"p": [], "err": None}
    for _ in range(max_pickles):
        at_end = f.tell() == len(data) and (reading != "exact" or c_buffered(u) == 0)
        u.calls = []
        try:
            v = u.load()
        except Forbidden:
            raise
        except MemoryError:
            raise
        except RecursionError:
            raise
        except Exception as e:  # noqa: BLE001 - every load failure is data
            if at_end and isinstance(e, EOFError):
                return res
            res["err"] = {"type": type(e).__name__, "msg": str(e)[:200], "imp": u.calls}
            return res
        res["p"].append({"imp": u.calls, "v": norm(v)})
    raise RuntimeError("too many pickles")


def evaluate(data):
    out = {}
    for reading in ("linear", "exact", "python"):
        r = run_reading(data, reading)
        e = r["err"]
        if e and e["type"] == "UnicodeDecodeError" and "'ascii'" in e["msg"]:
            r["latin1"] = run_reading(data, reading, encoding="latin1")
        out[reading] = r
    return out


IMPORT_BYTES = set(b"ci\x93\x82\x83\x84PQ")


def loads_check(data, linear):
    """Compares the linear reading's first pickle with pickle.loads."""
    if set(data) & IMPORT_BYTES:
        return None
    try:
        v = pickle.loads(data)
        got = ("ok", norm(v))
    except Exception as e:  # noqa: BLE001
        got = ("err", type(e).__name__)
    if linear["p"]:
        want = ("ok", linear["p"][0]["v"])
    elif linear["err"]:
        want = ("err", linear["err"]["type"])
    else:
        want = ("err", "EOFError")
    # the C unpickler raises the same exception types from bytes and files
    return got == want


# ---------------------------------------------------------------- templates


def frame(n):
    return b"\x95" + n.to_bytes(8, "little")


def su(s):  # SHORT_BINUNICODE
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def glob(mod, name):
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def sg(mod, name):
    return su(mod) + su(name) + b"\x93"


P2, P4 = b"\x80\x02", b"\x80\x04"
CASES = []


def add(name, data):
    CASES.append((name, data))


def templates():
    # INT (text)
    for a in [b"01", b"00", b"010", b"0x1f", b"0X1F", b"-0", b"+5", b" 5", b"5 ", b"\t5",
              b"5\r", b"0", b"1", b"00\r", b" 01", b"01 ", b"+1", b"-1", b"0o17", b"0b101",
              b"017", b"08", b"0x", b"", b"abc", b"5L", b"-", b"+", b"1_000", b"1__0", b"_1",
              b"0_0", b"000", b"001", b"0x_1f", b"1e5", b"9223372036854775807",
              b"9223372036854775808", b"-9223372036854775808", b"-9223372036854775809",
              b"99999999999999999999999", b"0x7fffffffffffffff", b"0x8000000000000000",
              b"1\x00", b"1\x00junk", b"\x00", b"\x00\x00", b"\xd9\xa1", b"5\x0b", b"\x0c5",
              b"0X", b"-0x10", b"- 5", b"0 1"]:
        add("INT/" + esc(a), b"I" + a + b"\n.")
    add("INT/crlf", b"I5\r\n.")
    add("INT/no-newline", b"I5")
    add("INT/two", b"I01\nI00\n\x86.")
    # LONG (text)
    for a in [b"5", b"5L", b"-5L", b"99999999999999999999L", b"L", b"", b"0x10L", b"010L",
              b"00", b"0L", b" 5 L", b"5 ", b"1_000L", b"5l", b"-0L", b"+7L", b"5\x00junk",
              b"5\x00L", b"0o7L", b"0b1L", b"1__0L", b"5\rL", b"5L\r", b"LL", b"-L"]:
        add("LONG/" + esc(a), b"L" + a + b"\n.")
    # FLOAT (text)
    for a in [b"inf", b"-inf", b"+inf", b"Infinity", b"INF", b"nan", b"-nan", b"NaN", b"1e5",
              b"1E5", b".5", b"5.", b"5", b"-0.0", b"1e500", b"-1e500", b"1e-500", b" 1.5",
              b"1.5 ", b"1_0", b"0x10", b"1e", b"1e+", b"e5", b".", b"", b"1.5\r", b"infinity",
              b"infinit", b"1.5e3x", b"1.5\x00x", b"1,5", b"+.5e-3", b"nan(1)", b"0.1",
              b"1.7976931348623157e308", b"1.7976931348623159e308", b"4.9e-324", b"2.5e-324",
              b"-", b"inFINity", b"+nan", b"1e5\x00"]:
        add("FLOAT/" + esc(a), b"F" + a + b"\n.")
    # STRING (text)
    for a in [b"'abc'", b'"abc"', b"'a\\'b'", b"'\\x41'", b"'\\x4'", b"'\\x4g'", b"'\\101'",
              b"'\\1011'", b"'\\8'", b"'\\777'", b"'\\'", b"'abc", b"'", b"''", b"abc", b"'abc\"",
              b"'a\\nb'", b"'\\a\\b\\f\\v\\t\\r\\0'", b"'\xe9'", b"'\\xe9'", b'"it\'s"', b"'\\u0041'",
              b"'a'\r", b"'\\\\'", b"'\\q'", b"'\\x'", b"'\\x41\\x42'", b"'\\0\\00\\000\\0000'",
              b"'\\X41'", b"'\\N{DASH}'", b"\"'", b"'\"", b"'a\x00b'", b"'\\\r'", b" 'a'"]:
        add("STRING/" + esc(a), b"S" + a + b"\n.")
    # UNICODE (text, raw-unicode-escape)
    for a in [b"abc", b"\\u0041", b"\\\\u0041", b"\\\\\\u0041", b"\\\\\\\\u0041", b"\\U0001F600",
              b"\\U00110000", b"\\u004", b"\\u00g1", b"\\U0001F60", b"\\x41", b"\xe9", b"\\ud800",
              b"\\ud83d\\ude00", b"\\", b"\\u", b"\\U", b"abc\r", b"\\u0041\\\\u0042", b"\\\\",
              b"\\U0010ffff", b"\\uFFFF", b"\\u00e9x", b"\xff\xfe", b"\\\\\\", b"a\\u0041\\",
              b"\\udc00", b"\\u004G", b"\\U0000004"]:
        add("UNICODE/" + esc(a), b"V" + a + b"\n.")
    add("UNICODE/no-newline", b"Vabc")
    # SHORT_BINSTRING / BINSTRING
    add("SBS/ascii", b"U\x03abc.")
    add("SBS/non-ascii", b"U\x02\xe9\xff.")
    add("SBS/empty", b"U\x00.")
    add("SBS/truncated", b"U\x05ab.")
    add("BS/ascii", b"T\x03\x00\x00\x00abc.")
    add("BS/negative", b"T\xff\xff\xff\xffabc.")
    add("BS/non-ascii", b"T\x01\x00\x00\x00\x80.")
    add("BS/truncated-len", b"T\x01\x00")
    # BINUNICODE family
    for name, b in [("ascii", b"abc"), ("bad", b"\xc3("), ("surrogate", b"\xed\xa0\x80"),
                    ("surrogate-pair", b"\xed\xa0\xbd\xed\xb8\x80"), ("overlong", b"\xc0\x80"),
                    ("above-max", b"\xf4\x90\x80\x80"), ("trunc-seq", b"\xe2\x82"),
                    ("emoji", "\U0001F600".encode()), ("lone-cont", b"\x80"),
                    ("low-surrogate", b"\xed\xb0\x80"), ("nul", b"a\x00b"),
                    ("latin1", b"\xe9")]:
        add("BINUNICODE/" + name, b"X" + len(b).to_bytes(4, "little") + b + b".")
        add("SBU/" + name, b"\x8c" + bytes([len(b)]) + b + b".")
    add("BINUNICODE8/ascii", b"\x8d" + (3).to_bytes(8, "little") + b"abc.")
    add("BINUNICODE8/huge", b"\x8d" + (1 << 63).to_bytes(8, "little") + b"abc.")
    add("BINUNICODE/truncated", b"X\x05\x00\x00\x00abc")
    add("BINBYTES/ok", b"B\x03\x00\x00\x00\x00\xff\x80.")
    add("SBB/ok", b"C\x02\xfe\xff.")
    add("BINBYTES8/ok", b"\x8e" + (2).to_bytes(8, "little") + b"ab.")
    add("BYTEARRAY8/ok", b"\x96" + (2).to_bytes(8, "little") + b"ab.")
    add("BYTEARRAY8/extend", b"\x96" + (1).to_bytes(8, "little") + b"a(K\x62K\x63e.")
    add("BYTEARRAY8/setitem", b"\x96" + (1).to_bytes(8, "little") + b"aK\x00K\x41s.")
    # LONG1 / LONG4
    for name, b in [("zero", b""), ("m1", b"\xff"), ("127", b"\x7f"), ("m128", b"\x80"),
                    ("m32768", b"\x00\x80"), ("255", b"\xff\x00"), ("max64", b"\xff" * 7 + b"\x7f"),
                    ("min64", b"\x00" * 7 + b"\x80"), ("2^63", b"\x00" * 8 + b"\x00\x80\x00"[:1]),
                    ("big-neg", b"\x01" + b"\x00" * 8 + b"\xff"), ("big", b"\xff" * 9 + b"\x00"),
                    ("nonminimal", b"\x01\x00\x00")]:
        add("LONG1/" + name, b"\x8a" + bytes([len(b)]) + b + b".")
        add("LONG4/" + name, b"\x8b" + len(b).to_bytes(4, "little") + b + b".")
    add("LONG4/negative", b"\x8b\xff\xff\xff\xff.")
    add("LONG1/truncated", b"\x8a\x04\x01\x02")
    # binary ints / floats
    add("BININT/neg", b"J\xff\xff\xff\xff.")
    add("BININT2/max", b"M\xff\xff.")
    add("BINFLOAT/nan", b"G\x7f\xf8\x00\x00\x00\x00\x00\x01.")
    add("BINFLOAT/negnan", b"G\xff\xf8\x00\x00\x00\x00\x00\x00.")
    add("BINFLOAT/negzero", b"G\x80\x00\x00\x00\x00\x00\x00\x00.")
    add("BINFLOAT/truncated", b"G\x00\x00.")
    # memo
    add("MEMO/memoize-after-sparse-binput", b"K\x01q\x05K\x02\x94h\x01h\x05\x86.")
    add("MEMO/memoize-twice", b"K\x01\x94\x94h\x00h\x01\x86.")
    add("MEMO/memoize-overwrite", b"K\x01q\x01K\x02\x94h\x01.")
    add("MEMO/memoize-overwrite-get0", b"K\x01q\x01K\x02\x94h\x00.")
    add("MEMO/get-missing", b"h\x00.")
    add("MEMO/text-get-missing", b"g0\n.")
    add("MEMO/text-get-neg", b"K\x01p0\ng-1\n.")
    add("MEMO/text-get-space", b"K\x01p0\ng 0\n.")
    add("MEMO/text-get-hex", b"K\x01p0\ng0x0\n.")
    add("MEMO/text-get-00", b"K\x01p0\ng00\n.")
    add("MEMO/text-get-underscore", b"K\x01p10\ng1_0\n.")
    add("MEMO/text-get-nul", b"K\x01p1\ng1\x00x\n.")
    add("MEMO/text-put-nul", b"K\x01p1\x00x\ng1\n.")
    add("MEMO/text-put-crlf", b"K\x01p0\r\ng0\r\n.")
    add("MEMO/text-put-plus", b"K\x01p+3\ng3\n.")
    add("MEMO/text-put-empty", b"K\x01p\ng0\n.")
    add("MEMO/put-empty-stack", b"p0\nN.")
    add("MEMO/put-after-mark", b"N(p0\n.")
    add("MEMO/binput-empty", b"q\x00N.")
    add("MEMO/memoize-empty", b"\x94N.")
    add("MEMO/memoize-after-mark", b"N(\x94.")
    add("MEMO/put-negative", b"K\x01p-1\n.")
    add("MEMO/put-huge", b"K\x01p99999999999999999999\n.")
    add("MEMO/longbinput", b"K\x01r\x00\x00\x01\x00j\x00\x00\x01\x00.")
    add("MEMO/longbinget-missing", b"j\x00\x00\x00\x80.")
    add("MEMO/across-pickles", b"K\x07q\x00.h\x00.")
    add("MEMO/memoize-across-pickles", b"K\x07\x94.K\x08\x94h\x01h\x00\x86.")
    add("MEMO/shared-list", b"]q\x00h\x00K\x01a\x86.")
    add("MEMO/self-list", b"]q\x00h\x00a.")
    add("MEMO/get-across-mark", b"K\x01q\x00(h\x00t.")
    # marks and fence
    for name, d in [("mark-reduce", b"(R."), ("none-mark-reduce", b"N(R."), ("nn-mark-reduce", b"NN(R."),
                    ("mark-pop", b"(0."), ("none-mark-pop", b"N(0."), ("mark-none-pop", b"N(N0."),
                    ("mark-stop", b"(."), ("mark-tuple", b"(t."), ("tuple1-fence", b"N(\x85."),
                    ("tuple2-fence", b"NN(N\x86."), ("tuple3-fence", b"NNN(NN\x87."),
                    ("popmark-nomark", b"1N."), ("popmark", b"N(NN1."), ("nested-tuple", b"((tt."),
                    ("dup-fence", b"N(2."), ("append-fence", b"](a."), ("append-fence2", b"]N(a."),
                    ("setitem-fence", b"}K\x01(K\x02s."), ("dict-empty", b"(d."),
                    ("dict-odd", b"(K\x01d."), ("dict-odd3", b"(K\x01K\x02K\x03d."),
                    ("dict-dupkeys", b"(K\x01K\x02K\x01K\x03d."), ("dict-numkeys", b"(\x88K\x01K\x01K\x02d."),
                    ("setitems-odd", b"}(K\x01u."), ("setitems-empty", b"}(u."),
                    ("setitems-nomark", b"}u."), ("appends-empty", b"](e."), ("appends-underflow", b"(e."),
                    ("appends-int-empty", b"K\x01(e."), ("appends-int", b"K\x01(K\x02e."),
                    ("setitems-int-empty", b"K\x01(u."), ("setitem-list", b"]K\x00K\x01s."),
                    ("setitem-list-ok", b"]K\x05aK\x00K\x01s."),
                    ("additems-empty", b"\x8f(\x90."), ("additems-dup", b"\x8f(K\x01K\x01\x90."),
                    ("additems-int-empty", b"K\x01(\x90."), ("additems-list", b"](K\x01\x90."),
                    ("frozenset", b"(K\x01K\x02K\x01\x91."), ("frozenset-empty", b"(\x91."),
                    ("set-unhashable", b"\x8f(]\x90."), ("dict-unhashable", b"(]K\x01d."),
                    ("build-list-none", b"]Nb."), ("build-list-emptydict", b"]}b."),
                    ("build-list-nonenone", b"]NN\x86b."), ("build-list-int", b"]K\x01b."),
                    ("build-int-none", b"K\x01Nb."), ("build-fence", b"](Nb."),
                    ("stop-above-mark", b"N(N."), ("stop-on-mark", b"N(."), ("pop-empty", b"0N."),
                    ("marks-deep", b"((((N1111."), ("list-mark", b"(K\x01K\x02l."),
                    ("pop-two-marks", b"((00N."), ("tuple-after-popmark", b"N(N1\x85.")]:
        add("MARK/" + name, d)
    # STACK_GLOBAL
    add("SG/ok", sg("collections", "OrderedDict") + b".")
    add("SG/call", P4 + sg("collections", "OrderedDict") + b")R.")
    add("SG/int-module", su("set").join([b"K\x01", b"\x93."]))
    add("SG/int-name", su("builtins") + b"K\x01\x93.")
    add("SG/none-module", b"N" + su("set") + b"\x93.")
    add("SG/bytes-module", b"C\x08builtins" + su("set") + b"\x93.")
    add("SG/string-module", b"S'builtins'\n" + su("set") + b"\x93.")
    add("SG/sbs-module", b"U\x08builtinsU\x03set\x93.")
    add("SG/underflow", su("builtins") + b"\x93.")
    add("SG/mark", b"(" + sg("builtins", "set") + b".")
    add("SG/across-mark", su("builtins") + b"(" + su("set") + b"\x93.")
    add("SG/memoized", su("builtins") + b"\x94" + su("set") + b"\x94\x93h\x00h\x01\x87.")
    add("SG/binunicode", b"X\x08\x00\x00\x00builtinsX\x03\x00\x00\x00set\x93.")
    add("SG/unicode", b"Vbuiltins\nVset\n\x93.")
    add("SG/tuple-module", b")" + su("set") + b"\x93.")
    # GLOBAL / INST / OBJ / REDUCE / NEWOBJ
    add("GLOBAL/ok", glob("builtins", "set") + b".")
    add("GLOBAL/no-newline", b"cbuiltins\nset")
    add("GLOBAL/reduce", glob("builtins", "set") + b")R.")
    add("GLOBAL/reduce-args", glob("datetime", "date") + b"M\xe8\x07K\x01K\x02\x87R.")
    add("GLOBAL/reduce-int-args", glob("builtins", "set") + b"K\x01R.")
    add("GLOBAL/reduce-list-args", glob("builtins", "set") + b"]R.")
    add("GLOBAL/reduce-none-args", glob("builtins", "set") + b"NR.")
    add("GLOBAL/reduce-on-result", glob("builtins", "set") + b")R)R.")
    add("GLOBAL/reduce-int", b"K\x01)R.")
    add("GLOBAL/reduce-str", su("x") + b")R.")
    add("GLOBAL/build-state", glob("collections", "OrderedDict") + b")R}\x8c\x01aK\x01sb.")
    add("GLOBAL/build-on-global", glob("collections", "OrderedDict") + b"}b.")
    add("GLOBAL/appends-on-result", glob("collections", "deque") + b")R(K\x01K\x02e.")
    add("GLOBAL/setitems-on-result", glob("collections", "OrderedDict") + b")R(K\x01K\x02u.")
    add("GLOBAL/setitems-on-result-odd", glob("collections", "OrderedDict") + b")R(K\x01u.")
    add("GLOBAL/as-dict-key", b"}" + glob("builtins", "set") + b"K\x01s.")
    add("GLOBAL/utf8-bad", b"cbuil\xfftins\nset\n.")
    add("GLOBAL/crlf", b"cbuiltins\r\nset\r\n.")
    add("GLOBAL/empty-module", b"c\nset\n.")
    add("GLOBAL/empty-name", b"cbuiltins\n\n.")
    add("INST/ok", b"(icollections\nOrderedDict\n.")
    add("INST/args", b"(K\x01K\x02ibuiltins\nset\n.")
    add("INST/nomark", b"icollections\nOrderedDict\n.")
    add("INST/non-ascii", b"(ibuiltins\nset\xe9\n.")
    add("OBJ/ok", b"(" + glob("builtins", "set") + b"o.")
    add("OBJ/args", b"(" + glob("builtins", "set") + b"K\x01o.")
    add("OBJ/empty", b"(o.")
    add("OBJ/int-cls", b"(K\x01o.")
    add("NEWOBJ/ok", P2 + glob("builtins", "set") + b")\x81.")
    add("NEWOBJ/int-args", P2 + glob("builtins", "set") + b"K\x01\x81.")
    add("NEWOBJ/list-args", P2 + glob("builtins", "set") + b"]\x81.")
    add("NEWOBJ/int-cls", P2 + b"K\x01)\x81.")
    add("NEWOBJ/on-result", P2 + glob("builtins", "set") + b")R)\x81.")
    add("NEWOBJ_EX/ok", P4 + sg("builtins", "set") + b")}\x92.")
    add("NEWOBJ_EX/kwargs", P4 + sg("collections", "OrderedDict") + b")}" + su("a") + b"K\x01s\x92.")
    add("NEWOBJ_EX/list-args", P4 + sg("builtins", "set") + b"]}\x92.")
    add("NEWOBJ_EX/list-kwargs", P4 + sg("builtins", "set") + b")]\x92.")
    add("NEWOBJ_EX/intkey-kwargs", P4 + sg("builtins", "set") + b")}K\x01K\x01s\x92.")
    # persistent ids
    add("PERSID/ok", b"Pabc\n.")
    add("PERSID/empty", b"P\n.")
    add("PERSID/non-ascii", b"P\xe9\n.")
    add("PERSID/crlf", b"Pabc\r\n.")
    add("PERSID/no-newline", b"Pabc")
    add("BINPERSID/int", b"K\x01Q.")
    add("BINPERSID/tuple", su("a") + b"K\x01\x86Q.")
    add("BINPERSID/empty", b"Q.")
    add("BINPERSID/mark", b"(Q.")
    add("PERSID/build", b"Pabc\n}b.")
    # multiple pickles, protocols
    for name, d in [("two", b"K\x01.K\x02."), ("truncated-second", b"K\x01.K"), ("junk-second", b"K\x01.\x00"),
                    ("stop-stop", b"K\x01.."), ("protos", b"\x80\x02K\x01.\x80\x04K\x02."),
                    ("proto6", b"K\x01.\x80\x06N."), ("proto6-first", b"\x80\x06N."), ("proto5", b"\x80\x05N."),
                    ("proto255", b"\x80\xffN."), ("proto-twice", b"\x80\x02\x80\x05N."),
                    ("proto-truncated", b"\x80"), ("empty-stop", b"."), ("three", b"N.\x88.\x89."),
                    ("global-in-second", b"N." + glob("builtins", "set") + b")R."),
                    ("memo-global", glob("builtins", "set") + b"q\x00.h\x00)R."),
                    ("truncated-global-second", b"N." + glob("builtins", "set")),
                    ("mark-in-first", b"(N.N."), ("newline-junk", b"N.\n"),
                    ("ten", b"K\x01." * 10), ("stop-in-second", b"N.(.")]:
        add("MULTI/" + name, d)
    # FRAME layouts
    f = frame
    for name, d in [
        ("exact", P4 + f(2) + b"N."),
        ("exact-proto-inside", f(4) + P4 + b"N."),
        ("longer-than-data", P4 + f(16) + b"N."),
        ("shorter", P4 + f(1) + b"N."),
        ("zero", P4 + f(0) + b"N."),
        ("zero-at-end", b"N." + f(0)),
        ("huge-len", P4 + b"\x95" + b"\xff" * 8 + b"N."),
        ("len-2^63", P4 + b"\x95" + (1 << 63).to_bytes(8, "little") + b"N."),
        ("truncated-len", P4 + b"\x95\x01\x00"),
        ("two-frames", P4 + f(3) + b"K\x01" + b"\x94" + f(3) + b"K\x02\x86" + f(1) + b"."),
        ("straddle-binint", P4 + f(3) + b"J\x01\x02" + b"\x03\x04\x05\x06."),
        ("straddle-binint-linear-ok", P4 + f(3) + b"J\x01\x02" + b"\x03\x04."),
        ("straddle-binint2", P4 + f(2) + b"M\x01" + b"\x02\x03."),
        ("straddle-binfloat", P4 + f(5) + b"G\x3f\xf0\x00\x00" + b"\x00\x00\x00\x00\x3f\xf0\x00\x00."),
        ("straddle-sbu-len", P4 + f(1) + b"\x8c" + b"\x03abc."),
        ("straddle-sbu-payload", P4 + f(3) + b"\x8c\x04ab" + b"cdefgh."),
        ("straddle-sbu-payload-linear", P4 + f(3) + b"\x8c\x04ab" + b"cd."),
        ("straddle-binunicode-len", P4 + f(3) + b"X\x02\x00" + b"\x00\x00\x02\x00\x00\x00xy."),
        ("straddle-binbytes", P4 + f(3) + b"B\x04\x00" + b"\x00\x00abcd."),
        ("straddle-binbytes-payload", P4 + f(7) + b"B\x04\x00\x00\x00ab" + b"cdef."),
        ("straddle-binbytes-payload2", P4 + f(7) + b"B\x04\x00\x00\x00ab" + b"cd."),
        ("straddle-sbb-payload", P4 + f(4) + b"C\x04ab" + b"cd."),
        ("straddle-sbb-payload2", P4 + f(4) + b"C\x04ab" + b"cdef."),
        ("straddle-binbytes8-payload", P4 + f(11) + b"\x8e" + (4).to_bytes(8, "little") + b"ab" + b"cd."),
        ("straddle-bytearray8-payload", P4 + f(11) + b"\x96" + (4).to_bytes(8, "little") + b"ab" + b"cd."),
        ("straddle-bytearray8-payload2", P4 + f(11) + b"\x96" + (4).to_bytes(8, "little") + b"ab" + b"cdef."),
        ("straddle-long1", P4 + f(3) + b"\x8a\x02\x01" + b"\x02\x03."),
        ("straddle-long4", P4 + f(4) + b"\x8b\x02\x00\x00" + b"\x00\x01\x02."),
        ("straddle-binstring", P4 + f(4) + b"T\x02\x00\x00" + b"\x00ab."),
        ("straddle-sbs-payload", P4 + f(3) + b"U\x03a" + b"bcxyz."),
        ("straddle-longbinput", P4 + b"K\x01" + f(3) + b"r\x00\x00" + b"\x00\x00h\x00."),
        ("straddle-longbinget", P4 + b"K\x01\x94" + f(3) + b"j\x00\x00" + b"\x00\x00."),
        ("straddle-frame-len", P4 + f(4) + b"N\x95\x01\x00" + b"\x00\x00\x00\x00\x00\x00." ),
        ("nested-inside", P4 + f(12) + b"N" + f(1) + b"." + b"..."),
        ("nested-past", P4 + f(11) + b"N" + f(3) + b"0" + b"N."),
        ("nested-at-end", P4 + f(10) + b"N" + f(1) + b"."),
        ("readline-int", P4 + f(3) + b"I12" + b"3\n."),
        ("readline-int-exact", P4 + f(4) + b"I12\n" + b"."),
        ("readline-int-at-end", P4 + f(1) + b"I" + b"12\n."),
        ("readline-long", P4 + f(3) + b"L12" + b"3L\n."),
        ("readline-float", P4 + f(4) + b"F1.5" + b"25\n."),
        ("readline-string", P4 + f(4) + b"S'ab" + b"'cd'\n."),
        ("readline-unicode", P4 + f(3) + b"Vab" + b"cd\n."),
        ("readline-get", P4 + b"K\x07\x94" + f(2) + b"g1" + b"0\n."),
        ("readline-put", P4 + b"K\x07" + f(2) + b"p1" + b"0\ng0\n."),
        ("readline-persid", P4 + f(3) + b"Pab" + b"cd\n."),
        ("readline-global-name", P4 + f(16) + b"cbuiltins\nfrozen" + b"set\n."),
        ("readline-global-module", P4 + f(10) + b"cbuiltins\n" + b"set\n."),
        ("readline-no-nl-in-frame", P4 + f(3) + b"I12" + b"."),
        ("stop-inside-frame", P4 + f(4) + b"K\x01.K" + b"\x02."),
        ("stop-inside-frame2", P4 + f(5) + b"K\x01.K\x02" + b".N."),
        ("second-pickle-frame", P4 + f(2) + b"N." + P4 + f(2) + b"N."),
        ("frame-spans-pickles", P4 + f(6) + b"K\x01.K\x02." + b"K\x03."),
        ("frame-then-straddle-next", P4 + f(5) + b"K\x01.J\x01" + b"\x02\x03\x04\x05\x06."),
        ("opcode-at-frame-end", P4 + f(2) + b"K\x01" + b"."),
        ("frame-inside-line", P4 + f(2) + b"I1" + b"\x95\x01\n."),
        ("frame-covers-global-sg", P4 + f(22) + sg("collections", "OrderedDict") + b"." + b""),
        ("frame-covers-half-sg", P4 + f(14) + sg("collections", "OrderedDict") + b"."),
        ("frame-proto0-int", f(3) + b"I5\n" + b"."),
        ("empty-frame-then-data", P4 + f(0) + f(0) + b"K\x05."),
        ("straddle-opcode-chain", P4 + f(5) + b"K\x01K\x02K" + b"\x03\x87."),
        ("straddle-then-frame", P4 + f(3) + b"J\x01\x02" + b"\x03\x04" + f(1) + b"."),
        ("exhausted-then-read", P4 + f(2) + b"K\x09" + b"\x85."),
    ]:
        add("FRAME/" + name, d)


# ---------------------------------------------------------------- mutations

ATOMS = [b"N", b"(", b"0", b"1", b"2", b"t", b")", b"]", b"}", b"K\x01", b"K\x02", b"\x94", b"h\x00",
         b"h\x01", b"q\x01", b".", b"a", b"e", b"s", b"u", b"d", b"l", b"\x85", b"\x86", b"\x87", b"b",
         b"R", b"\x95\x03\x00\x00\x00\x00\x00\x00\x00", b"\x95\x01\x00\x00\x00\x00\x00\x00\x00",
         b"\x8c\x01a", b"I1\n", b"Vx\n", b"S'x'\n", b"\x8f", b"\x90", b"\x91", b"\x88", b"\x89",
         b"L5\n", b"F.5\n", b"g0\n", b"p0\n", b"\x80\x04", b"\x80\x02", b"Q", b"\x93", b"\x81"]
TEXTCH = b"0123456789abxXL \r\n\\'\"+-._uU\x00\xe9"


def mutate(rnd, data, pool):
    d = bytearray(data)
    for _ in range(rnd.randint(1, 3)):
        k = rnd.randrange(7)
        if k == 0 and len(d) > 1:
            del d[rnd.randrange(1, len(d)):]
        elif k == 1 and len(d) > 1:
            del d[rnd.randrange(len(d))]
        elif k == 2:
            i = rnd.randrange(len(d) + 1)
            d[i:i] = rnd.choice(ATOMS)
        elif k == 3 and d:
            d[rnd.randrange(len(d))] = rnd.choice(TEXTCH)
        elif k == 4:
            d += rnd.choice(pool)[1]
        elif k == 5:
            i = d.find(b"\x95")
            if i >= 0 and i + 9 <= len(d):
                d[i + 1:i + 9] = rnd.randrange(0, 24).to_bytes(8, "little")
            else:
                i = rnd.randrange(len(d) + 1)
                d[i:i] = frame(rnd.randrange(0, 12))
        elif k == 6 and len(d) > 2:
            i = rnd.randrange(len(d))
            j = rnd.randrange(i, min(len(d), i + 6)) + 1
            d[j:j] = d[i:j]
    return bytes(d)


# ---------------------------------------------------------------- main


def accept(results):
    for r in results.values():
        for rr in (r, r.get("latin1")):
            if rr is None:
                continue
            for p in rr["p"]:
                for m, n in p["imp"]:
                    if (m, n) not in ALLOWED:
                        return False
    return True


def main(out):
    check_layout()
    templates()
    seen, cases, dropped = set(), [], 0

    def take(name, data):
        nonlocal dropped
        if data in seen:
            return False
        seen.add(data)
        try:
            res = evaluate(data)
        except (Forbidden, MemoryError, RecursionError):
            dropped += 1
            return False
        if not accept(res):
            dropped += 1
            return False
        cases.append({"name": name, "hex": data.hex(), "r": res})
        return True

    for name, data in CASES:
        take(name, data)
    n_templates = len(cases)
    rnd = random.Random(20240611)
    i = 0
    while i < 120:
        base = rnd.choice(CASES)
        data = mutate(rnd, base[1], CASES)
        if len(data) == 0 or len(data) > 200:
            continue
        if take("rand/%03d<%s" % (i, base[0]), data):
            i += 1

    checked = agree = 0
    for c in cases:
        ok = loads_check(bytes.fromhex(c["hex"]), c["r"]["linear"])
        if ok is None:
            continue
        checked += 1
        if ok:
            agree += 1
        else:
            print("linear reading differs from pickle.loads:", c["name"], file=sys.stderr)
    meta = {
        "python": sys.version.split()[0],
        "cases": len(cases), "templates": n_templates, "dropped": dropped,
        "loads_check": {"compared": checked, "agree": agree},
    }
    with open(out, "w") as fh:
        fh.write('{"meta": ' + json.dumps(meta) + ',\n"cases": [\n')
        fh.write(",\n".join(json.dumps(c, ensure_ascii=True, separators=(",", ":")) for c in cases))
        fh.write("\n]}\n")
    print(json.dumps(meta))
    if agree != checked:
        sys.exit(1)


if __name__ == "__main__":
    main(os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json"))
