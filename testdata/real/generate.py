#!/usr/bin/python3
"""Generate SMALL, BENIGN real-framework model fixtures for modelscan tests.

What it makes (all under testdata/real/):
  pickle/       stdlib pickles for protocols 0..5 (plain data, stdlib types,
                shared/self references), a large framed protocol-4 pickle,
                a protocol-5 pickle with BYTEARRAY8, two pickles in one file
  torch/        torch.save zip files (state_dict, whole module, training
                checkpoint with Adam + OneCycleLR, many dtypes, sparse,
                quantized, numpy inside), legacy (non-zip) files, protocol 2/4
  numpy/        .npy (many dtypes/layouts, object arrays = embedded pickle,
                header versions 1.0/2.0/3.0) and .npz (plain/compressed/object)
  sklearn/      pickle.dump of small fitted estimators
  joblib/       joblib.dump uncompressed (arrays inline in the pickle stream)
  joblib/compressed/  joblib.dump with zlib/gzip/bz2/lzma/xz/lz4
  dill/, cloudpickle/, pandas/, xgboost/
  manifest.json the test oracle (see README.md)

The manifest's "globals" are computed STATICALLY: every pickle stream is walked
with pickletools.genops and a small symbolic stack/memo tracker (never
pickle.load / torch.load / np.load(allow_pickle) / joblib.load).

Run:
    cd testdata/real && /usr/bin/python3 generate.py

The script re-executes itself with PYTHONHASHSEED=0 (set/frozenset/dict-of-set
ordering inside pickles depends on string hashing) and OMP_NUM_THREADS=1.

Library versions used when the committed fixtures were produced (Debian 12):
    Python 3.11.2, torch 1.13.0a0, numpy 1.24.2, scikit-learn 1.2.1,
    joblib 1.2.0, dill 0.3.6, cloudpickle 2.2.0, pandas 1.5.3,
    xgboost 1.7.4, lz4 4.0.2
Only benign objects are serialized; malicious test pickles are built in Go.
"""

import os
import sys

if os.environ.get("PYTHONHASHSEED") != "0" or os.environ.get("OMP_NUM_THREADS") != "1":
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ["OMP_NUM_THREADS"] = "1"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import array
import ast
import bz2
import collections
import datetime
import decimal
import fractions
import gzip
import hashlib
import http
import io
import ipaddress
import json
import lzma
import math
import pathlib
import pickle
import pickletools
import re
import struct
import types
import uuid
import warnings
import zipfile
import zlib

warnings.filterwarnings("ignore")

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(HERE)

ENTRIES = []  # dicts: path, format, description, notes, expect_protocol
VERSIONS = {}


def out(path):
    full = os.path.join(HERE, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full


def register(path, fmt, description, notes=None, expect_protocol=None):
    ENTRIES.append(dict(path=path, format=fmt, description=description,
                        notes=notes, expect_protocol=expect_protocol))


def skipped(path, fmt, description, why):
    ENTRIES.append(dict(path=path, format=fmt, description=description,
                        notes="NOT GENERATED: " + why, missing=True))


# ---------------------------------------------------------------------------
# 1. stdlib pickle
# ---------------------------------------------------------------------------

def plain_data():
    return {
        "str_ascii": "hello",
        "str_unicode": "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \U0001F40D",
        "str_quotes": "single ' double \" both '\"",
        "str_backslash": "C:\\path\\to\\file \\n is not a newline \\u00e9",
        "str_newlines": "line1\nline2\r\nline3\rend",
        "str_control": "\x00\x01\t\x7f",
        "str_empty": "",
        "str_long": "x" * 300,
        "bytes": b"\x00\x01\x02binary\xff\xfe\n\r\\'\"",
        "bytes_empty": b"",
        "bytes_long": b"\xab" * 300,
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -129, 2**31 - 1, 2**31,
                 -2**31 - 1, 2**63, 2**64 + 1, -2**64, 10**40, -(7**100),
                 3**1500],
        "floats": [0.0, -0.0, 1.5, -2.25, 1e300, 5e-324, float("nan"),
                   float("inf"), float("-inf"), 0.1],
        "bools": [True, False],
        "none": None,
        "list": [1, "two", 3.0, [4, [5, []]]],
        "tuple_empty": (),
        "tuple1": (1,),
        "tuple2": (1, "b"),
        "tuple3": (1, "b", None),
        "tuple_long": tuple(range(10)),
        "nested": {"a": {"b": {"c": [{"d": None}]}}},
        "int_keys": {1: "one", -2: "minus two", 2**70: "big"},
        "tuple_key": {(1, "x"): "tuple key"},
    }


def stdlib_types():
    tz = datetime.timezone(datetime.timedelta(hours=5, minutes=30), "IST")
    d = {
        "datetime": datetime.datetime(2023, 1, 2, 3, 4, 5, 678901),
        "datetime_utc": datetime.datetime(2023, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        "datetime_offset": datetime.datetime(2023, 1, 2, 3, 4, 5, tzinfo=tz),
        "date": datetime.date(2020, 2, 29),
        "time": datetime.time(12, 34, 56, 789),
        "timedelta": datetime.timedelta(days=-1, seconds=5, microseconds=7),
        "timezone": tz,
        "decimal": decimal.Decimal("3.14159265358979323846"),
        "decimal_nan": decimal.Decimal("NaN"),
        "fraction": fractions.Fraction(22, 7),
        "complex": complex(1.5, -2.0),
        "set": {1, 2, 3},
        "set_empty": set(),
        "frozenset": frozenset({"a", "b"}),
        "bytearray": bytearray(b"abc\x00\xff"),
        "range": range(1, 10, 2),
        "slice": slice(1, None, 2),
        "ordereddict": collections.OrderedDict([("z", 1), ("a", 2)]),
        "defaultdict": collections.defaultdict(list, {"k": [1]}),
        "deque": collections.deque([1, 2, 3], maxlen=5),
        "counter": collections.Counter("abracadabra"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "purepath": pathlib.PurePosixPath("/tmp/x/y.txt"),
        "ipv4": ipaddress.IPv4Address("192.168.0.1"),
        "ipv6": ipaddress.IPv6Address("2001:db8::1"),
        "http_status": http.HTTPStatus.OK,
        "regex_flag": re.IGNORECASE | re.MULTILINE,
        "array_d": array.array("d", [1.0, 2.5]),
        "array_i": array.array("i", [1, -2, 3]),
        "simplenamespace": types.SimpleNamespace(a=1, b="two"),
        "regex": re.compile(r"^\d+(?P<x>[a-z]*)$", re.IGNORECASE),
        "ellipsis": Ellipsis,
    }
    try:
        import zoneinfo
        d["zoneinfo"] = zoneinfo.ZoneInfo("UTC")
    except Exception:  # pragma: no cover
        pass
    return d


def shared_refs():
    shared = [1, 2, 3]
    shared_str = "shared string value"
    selfref = [0]
    selfref.append(selfref)
    selfdict = {"name": "d"}
    selfdict["self"] = selfdict
    rec_list = []
    rectuple = (rec_list, "t")
    rec_list.append(rectuple)
    return {"a": shared, "b": shared, "c": (shared, shared),
            "s1": shared_str, "s2": shared_str, "selfref": selfref,
            "selfdict": selfdict, "rectuple": rectuple}


def gen_pickle():
    for proto in range(6):
        for name, fn, desc in [
            ("plain_data", plain_data, "nested dict/list/tuple/str/bytes/int/float/bool/None"),
            ("stdlib_types", stdlib_types, "datetime, decimal, fractions, collections, uuid, pathlib, ipaddress, enums, zoneinfo, array, SimpleNamespace, re pattern, ..."),
            ("shared_refs", shared_refs, "shared references, self-referencing list/dict, recursive tuple (memo use)"),
        ]:
            p = f"pickle/{name}_v{proto}.pkl"
            with open(out(p), "wb") as f:
                pickle.dump(fn(), f, protocol=proto)
            register(p, "pickle", f"stdlib pickle.dump protocol {proto}: {desc}",
                     expect_protocol=proto)

    p = "pickle/framed_large_v4.pkl"
    obj = [{"id": i, "name": f"item-{i:05d}", "value": i * 0.5, "tags": ["a", "b"]}
           for i in range(1500)]
    with open(out(p), "wb") as f:
        pickle.dump(obj, f, protocol=4)
    register(p, "pickle", "protocol 4, ~70 KB list of small dicts: more than one FRAME opcode",
             notes="The pickler only closes a frame after 64 KiB (FRAME_SIZE_TARGET), "
                   "so a ~30 KB pickle has a single FRAME; this file is >64 KiB to get 2 frames.",
             expect_protocol=4)

    p = "pickle/bytearray_v5.pkl"
    obj = {"bytearray": bytearray(b"hello\x00world"),
           "bytearray_big": bytearray(range(256)) * 2,
           "picklebuffer_rw": pickle.PickleBuffer(bytearray(b"in-band writable buffer")),
           "picklebuffer_ro": pickle.PickleBuffer(b"in-band readonly buffer")}
    with open(out(p), "wb") as f:
        pickle.dump(obj, f, protocol=5)
    register(p, "pickle", "protocol 5 with bytearrays and in-band PickleBuffers (BYTEARRAY8)",
             expect_protocol=5)

    p = "pickle/two_pickles.pkl"
    with open(out(p), "wb") as f:
        pickle.dump({"first": 1, "when": datetime.date(2024, 1, 1)}, f, protocol=4)
        pickle.dump(["second", 2, collections.OrderedDict(a=1)], f, protocol=2)
    register(p, "pickle", "two pickle.dump calls into one file (protocol 4 then protocol 2)")


# ---------------------------------------------------------------------------
# 2. torch
# ---------------------------------------------------------------------------

def gen_torch():
    import torch
    import torch.nn as nn
    VERSIONS["torch"] = torch.__version__

    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(),
                          nn.Flatten(), nn.Linear(8, 3))
    x = torch.randn(4, 1, 4, 4)
    target = torch.tensor([0, 1, 2, 0])
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    for _ in range(2):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), target)
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    sd = model.state_dict()
    ckpt = {"model": sd, "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(), "epoch": 3}

    def save(path, obj, fmt, desc, notes=None, **kw):
        torch.save(obj, out(path), **kw)
        register(path, fmt, desc, notes=notes,
                 expect_protocol=kw.get("pickle_protocol", 2) if fmt == "pytorch-zip" else None)

    save("torch/state_dict.pt", sd, "pytorch-zip",
         "torch.save(state_dict) of Sequential(Conv2d, BatchNorm2d, ReLU, Flatten, Linear), zip format")
    save("torch/module.pt", model, "pytorch-zip",
         "torch.save of the whole nn.Module (Sequential of Conv2d/BatchNorm2d/ReLU/Flatten/Linear)")
    save("torch/checkpoint.ckpt", ckpt, "pytorch-zip",
         "training checkpoint {'model', 'optimizer': Adam, 'scheduler': OneCycleLR, 'epoch'}",
         notes="OneCycleLR.state_dict() contains the bound method anneal_func, pickled as "
               "builtins.getattr(<OneCycleLR instance>, '_annealing_cos'); that drags the "
               "scheduler object and its Adam optimizer (torch.optim.adam.Adam) into the pickle.")

    torch.manual_seed(1)
    hf = nn.Sequential(nn.Embedding(10, 4), nn.LayerNorm(4), nn.Linear(4, 2))
    save("torch/pytorch_model.bin", hf.state_dict(), "pytorch-zip",
         "HF-style pytorch_model.bin: state_dict of Sequential(Embedding, LayerNorm, Linear)")

    torch.manual_seed(2)
    dtypes = {
        "float32": torch.randn(3),
        "float16": torch.randn(3).half(),
        "bfloat16": torch.randn(3).bfloat16(),
        "float64": torch.randn(3).double(),
        "int8": torch.tensor([-128, 0, 127], dtype=torch.int8),
        "uint8": torch.tensor([0, 128, 255], dtype=torch.uint8),
        "int16": torch.tensor([-1, 2], dtype=torch.int16),
        "int32": torch.tensor([-1, 2], dtype=torch.int32),
        "int64": torch.tensor([-(2**40), 2**40], dtype=torch.int64),
        "bool": torch.tensor([True, False, True]),
        "complex64": torch.tensor([1 + 2j, -3j], dtype=torch.complex64),
        "complex128": torch.tensor([1 + 2j], dtype=torch.complex128),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
    }
    save("torch/tensor_dtypes.pt", dtypes, "pytorch-zip",
         "tensors of dtypes float32/16, bfloat16, float64, int8/16/32/64, uint8, bool, complex64/128, 0-d, empty")

    base = torch.arange(12, dtype=torch.float32)
    special = {
        "parameter": nn.Parameter(torch.ones(2)),
        "requires_grad": torch.ones(2, requires_grad=True),
        "size": torch.Size([2, 3]),
        "device": torch.device("cpu"),
        "dtype": torch.float16,
        "sparse_coo": torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]),
                                              torch.tensor([3.0, 4.0]), (2, 2)),
        "view_offset": base[4:8],
        "transposed": base.view(3, 4).t(),
        "shared_base": base,
    }
    save("torch/special_objects.pt", special, "pytorch-zip",
         "nn.Parameter, requires_grad tensor, torch.Size, torch.device, torch.dtype, sparse COO, views sharing storage")

    try:
        q = {"per_tensor": torch.quantize_per_tensor(torch.tensor([1.0, 2.0, 3.0]), 0.1, 0, torch.quint8),
             "per_channel": torch.quantize_per_channel(torch.tensor([[1.0, 2.0], [3.0, 4.0]]),
                                                       torch.tensor([0.1, 0.2]), torch.tensor([0, 1]),
                                                       0, torch.qint8)}
        save("torch/quantized.pt", q, "pytorch-zip", "quantized tensors (per-tensor quint8, per-channel qint8)")
    except Exception as e:  # pragma: no cover
        skipped("torch/quantized.pt", "pytorch-zip", "quantized tensors", repr(e))

    legacy_note = ("Legacy format = 5 concatenated pickles (magic number, protocol version, sys_info, "
                   "object, storage key list) followed by raw storage bytes. Storage keys are "
                   "str(storage._cdata) (memory addresses), so bytes, size and stream offsets differ on "
                   "every run (manifest deterministic=false).")
    save("torch/legacy_state_dict.pt", sd, "pytorch-legacy",
         "state_dict saved with _use_new_zipfile_serialization=False", notes=legacy_note,
         _use_new_zipfile_serialization=False)
    save("torch/legacy_checkpoint.pth", ckpt, "pytorch-legacy",
         "checkpoint (Adam + OneCycleLR) saved with _use_new_zipfile_serialization=False",
         notes=legacy_note + " Contains builtins.getattr via OneCycleLR.anneal_func.",
         _use_new_zipfile_serialization=False)
    save("torch/state_dict_proto4.pt", sd, "pytorch-zip", "state_dict with pickle_protocol=4",
         pickle_protocol=4)
    save("torch/state_dict_proto2.pt", sd, "pytorch-zip",
         "state_dict with pickle_protocol=2 (same as torch's DEFAULT_PROTOCOL=2; only the archive prefix differs)",
         pickle_protocol=2)
    save("torch/numpy_in_dict.pt",
         {"np_array": np.arange(6, dtype=np.float32).reshape(2, 3),
          "np_scalar": np.float64(1.5), "tensor": torch.ones(2)},
         "pytorch-zip", "torch.save of a dict holding a numpy array, a numpy scalar and a tensor")


# ---------------------------------------------------------------------------
# 3. numpy
# ---------------------------------------------------------------------------

def gen_numpy():
    rng = np.random.default_rng(0)

    def save(path, arr, desc, notes=None, expect=None):
        np.save(out(path), arr, allow_pickle=True)
        register(path, "numpy", desc, notes=notes, expect_protocol=expect)

    save("numpy/float32_2d.npy", rng.standard_normal((3, 4)).astype(np.float32), "float32 2-D (3,4)")
    save("numpy/int64_1d.npy", np.arange(-5, 5, dtype=np.int64), "int64 1-D")
    save("numpy/bool.npy", np.array([True, False, True]), "bool 1-D")
    save("numpy/bigendian_f8.npy", np.arange(4, dtype=">f8"), "big-endian '>f8'")
    save("numpy/fortran_order.npy", np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)),
         "fortran_order: True int32 (2,3)")
    save("numpy/scalar_0d.npy", np.array(42.0), "0-d float64 scalar array")
    save("numpy/zero_size.npy", np.zeros((0, 3), dtype=np.float32), "zero-size (0,3) float32")
    st = np.array([(1.0, 2, "ab"), (3.5, -4, "cd")], dtype=[("x", "<f4"), ("y", "<i2"), ("name", "<U8")])
    save("numpy/structured.npy", st, "structured dtype with named fields x/f4, y/i2, name/U8")
    sto = np.array([(1, {"a": 1}), (2, "text")], dtype=[("id", "<i4"), ("obj", "O")])
    save("numpy/structured_object_field.npy", sto,
         "structured dtype with an object field: np.save writes a protocol-3 pickle after the header",
         expect=3)
    obj = np.array(["str", {"k": [1, 2]}, None, [1, "x"], 3.5, ("t",)], dtype=object)
    save("numpy/object_array.npy", obj,
         "object array of str/dict/None/list/float/tuple: pickle (protocol 3) after the header", expect=3)
    many = np.zeros(1, dtype=[(f"field_{i:05d}", "u1") for i in range(3000)])
    save("numpy/header_v2.npy", many,
         "3000 structured fields: header > 65535 bytes forces .npy format version 2.0",
         notes="> 64 KB by necessity (v2.0 needs a header longer than 65535 bytes)")
    utf = np.array([(1.0, 2)], dtype=[("temp\u00e9rature", "<f8"), ("\u540d\u524d", "<i4")])
    save("numpy/header_v3_utf8.npy", utf,
         "utf-8 (non latin-1) field names force .npy format version 3.0")

    def savez(path, fn, desc, notes=None, **arrays):
        fn(out(path), **arrays)
        register(path, "npz", desc, notes=notes)

    plain = {"a_float32": rng.standard_normal((2, 3)).astype(np.float32),
             "b_int64": np.arange(5), "c_bool": np.array([True, False])}
    savez("numpy/arrays.npz", np.savez, "np.savez (stored zip) of float32/int64/bool arrays", **plain)
    savez("numpy/arrays_compressed.npz", np.savez_compressed,
          "np.savez_compressed (deflate) of float32/int64/bool arrays", **plain)
    savez("numpy/object_array.npz", np.savez,
          "np.savez with an object array member (pickle after the member's .npy header)",
          numbers=np.arange(3), objects=obj)
    savez("numpy/object_array_compressed.npz", np.savez_compressed,
          "np.savez_compressed with an object array member", numbers=np.arange(3), objects=obj)


# ---------------------------------------------------------------------------
# 4/5. sklearn + joblib
# ---------------------------------------------------------------------------

def toy_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def sk_models():
    from sklearn.cluster import KMeans
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import LabelEncoder, StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeRegressor
    X, y = toy_data()
    sents = ["the cat sat on the mat", "the dog ate my homework",
             "cats and dogs", "a model file is just data", "pickle is not data"]
    return {
        "logistic_regression": ("LogisticRegression", LogisticRegression().fit(X, y)),
        "random_forest": ("RandomForestClassifier(n_estimators=3, max_depth=3)",
                          RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y)),
        "pipeline_scaler_svc": ("Pipeline(StandardScaler, SVC)",
                                Pipeline([("scaler", StandardScaler()), ("svc", SVC())]).fit(X, y)),
        "decision_tree_regressor": ("DecisionTreeRegressor(max_depth=3)",
                                    DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, X[:, 2])),
        "kmeans": ("KMeans(n_clusters=2)", KMeans(n_clusters=2, n_init=1, random_state=0).fit(X)),
        "tfidf_vectorizer": ("TfidfVectorizer fit on 5 sentences", TfidfVectorizer().fit(sents)),
        "label_encoder": ("LabelEncoder fit on ['cat','dog','bird']",
                          LabelEncoder().fit(["cat", "dog", "bird", "cat"])),
        "gradient_boosting": ("GradientBoostingClassifier(n_estimators=3, max_depth=2)",
                              GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y)),
        "mlp_classifier": ("MLPClassifier(hidden_layer_sizes=(5,), max_iter=20)",
                           MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(X, y)),
    }


def gen_sklearn():
    import sklearn
    VERSIONS["sklearn"] = sklearn.__version__
    for name, (desc, m) in sk_models().items():
        p = f"sklearn/{name}.pkl"
        with open(out(p), "wb") as f:
            pickle.dump(m, f)
        register(p, "pickle", f"pickle.dump (default protocol {pickle.DEFAULT_PROTOCOL}) of fitted {desc}",
                 expect_protocol=pickle.DEFAULT_PROTOCOL)


JOBLIB_NOTE = ("joblib globals computed statically by a symbolic genops walk: after the BUILD of each "
               "joblib.numpy_pickle.NumpyArrayWrapper the walker reads shape/dtype/"
               "numpy_array_alignment_bytes from the symbolic state, skips the padding byte+padding "
               "and prod(shape)*itemsize raw bytes, or, for object dtypes, walks the inline "
               "protocol-2 pickle, then resumes the outer stream.")


def gen_joblib():
    import joblib
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
    from sklearn.ensemble import RandomForestClassifier
    VERSIONS["joblib"] = joblib.__version__
    X, y = toy_data()
    rf = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y)
    pipe = Pipeline([("scaler", StandardScaler()), ("svc", SVC())]).fit(X, y)
    arrays = {
        "float64": np.linspace(0, 1, 5),
        "int32": np.arange(4, dtype=np.int32),
        "bool": np.array([True, False]),
        "fortran": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "empty": np.zeros((0, 2)),
        "structured": np.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")]),
        "bigendian": np.arange(3, dtype=">i4"),
        "scalar0d": np.array(7),
    }
    objarr = np.array(["a", {"b": 1}, None, [1, 2]], dtype=object)

    def dump(path, obj, desc, fmt="joblib", notes=JOBLIB_NOTE, **kw):
        joblib.dump(obj, out(path), **kw)
        register(path, fmt, desc, notes=notes)

    dump("joblib/random_forest.joblib", rf, "joblib.dump uncompressed RandomForestClassifier(n_estimators=3)")
    dump("joblib/pipeline.joblib", pipe, "joblib.dump uncompressed Pipeline(StandardScaler, SVC)")
    dump("joblib/numpy_dict.joblib", arrays,
         "dict of numpy arrays (float, int, bool, fortran, 0-size, structured, big-endian, 0-d)")
    dump("joblib/object_array.joblib", objarr,
         "object-dtype array: NumpyArrayWrapper followed by an inline protocol-2 pickle")
    dump("joblib/mixed_list.joblib",
         [np.arange(3), "text", {"k": np.ones(2)}, 42, objarr, (1.5, None)],
         "list mixing arrays, an object array and plain data")

    comp_obj = {"model": rf, "arrays": {"f": np.linspace(0, 1, 4), "i": np.arange(3)},
                "objects": objarr}
    cnote = ("Compressed whole-stream; the manifest walker decompresses (zlib/gzip/bz2/lzma/lz4.frame, "
             "detected by magic) and walks the decompressed joblib stream; stream offsets are in "
             "decompressed bytes. " + JOBLIB_NOTE)
    for name, comp in [("zlib_3", 3), ("gzip_3", ("gzip", 3)), ("bz2_3", ("bz2", 3)),
                       ("lzma_3", ("lzma", 3)), ("xz_3", ("xz", 3)), ("lz4_3", ("lz4", 3))]:
        p = f"joblib/compressed/{name}.joblib"
        if name.startswith("lz4"):
            try:
                import lz4  # noqa: F401
                VERSIONS["lz4"] = lz4.__version__
            except ImportError:
                skipped(p, "joblib-compressed", "lz4 compressed joblib", "lz4 module not importable")
                continue
        dump(p, comp_obj, f"joblib.dump(compress={comp!r}) of {{RandomForest, arrays, object array}}",
             fmt="joblib-compressed", notes=cnote, compress=comp)


# ---------------------------------------------------------------------------
# 6-9. dill, cloudpickle, pandas, xgboost
# ---------------------------------------------------------------------------

def numpy_data():
    return {"arr": np.arange(6, dtype=np.float64).reshape(2, 3),
            "ints": np.array([1, 2, 3], dtype=np.int32),
            "scalar": np.int64(3), "name": "numpy data"}


def gen_dill():
    import dill
    VERSIONS["dill"] = dill.__version__
    for name, obj, desc in [("plain_data", plain_data(), "plain nested data"),
                            ("numpy_data", numpy_data(), "numpy arrays and a numpy scalar"),
                            ("math_sqrt", {"fn": math.sqrt, "name": "sqrt"},
                             "reference to the stdlib builtin math.sqrt (no code by value)")]:
        p = f"dill/{name}.pkl"
        with open(out(p), "wb") as f:
            dill.dump(obj, f)
        register(p, "dill", f"dill.dump (default settings): {desc}")


def gen_cloudpickle():
    import cloudpickle
    VERSIONS["cloudpickle"] = cloudpickle.__version__
    for name, obj, desc in [("plain_data", plain_data(), "plain nested data"),
                            ("builtin_len", {"fn": len}, "reference to builtins.len"),
                            ("numpy_data", numpy_data(), "numpy arrays and a numpy scalar")]:
        p = f"cloudpickle/{name}.pkl"
        with open(out(p), "wb") as f:
            cloudpickle.dump(obj, f)
        register(p, "cloudpickle", f"cloudpickle.dump (default protocol {cloudpickle.DEFAULT_PROTOCOL}): {desc}",
                 expect_protocol=cloudpickle.DEFAULT_PROTOCOL)


def gen_pandas():
    import pandas as pd
    VERSIONS["pandas"] = pd.__version__
    df = pd.DataFrame({
        "i": np.arange(5, dtype=np.int64),
        "f": np.linspace(0, 1, 5),
        "s": ["a", "b", "c", "d", "e"],
        "cat": pd.Categorical(["x", "y", "x", "z", "y"]),
        "dt": pd.date_range("2023-01-01", periods=5, freq="D"),
        "dt_utc": pd.date_range("2023-01-01", periods=5, freq="H", tz="UTC"),
        "b": [True, False, True, True, False],
    })
    p = "pandas/dataframe_pickle.pkl"
    with open(out(p), "wb") as f:
        pickle.dump(df, f)
    register(p, "pickle", "pickle.dump of a DataFrame with int/float/str/categorical/datetime/datetime-UTC/bool columns",
             expect_protocol=pickle.DEFAULT_PROTOCOL)
    p = "pandas/dataframe_to_pickle.pkl"
    df.to_pickle(out(p), compression=None)
    register(p, "pickle", "df.to_pickle(compression=None) of the same DataFrame (protocol 5)",
             expect_protocol=5)
    p = "pandas/series_to_pickle.pkl"
    pd.Series([1.5, 2.5, None], index=["a", "b", "c"], name="s").to_pickle(out(p), compression=None)
    register(p, "pickle", "Series.to_pickle(compression=None), float with NaN and string index",
             expect_protocol=5)


def gen_xgboost():
    import xgboost
    VERSIONS["xgboost"] = xgboost.__version__
    X, y = toy_data()
    m = xgboost.XGBClassifier(n_estimators=2, max_depth=2, n_jobs=1, random_state=0,
                              tree_method="exact").fit(X, y)
    p = "xgboost/xgb_classifier.pkl"
    with open(out(p), "wb") as f:
        pickle.dump(m, f)
    register(p, "pickle", "pickle.dump of a fitted XGBClassifier(n_estimators=2, max_depth=2)",
             expect_protocol=pickle.DEFAULT_PROTOCOL)


# ---------------------------------------------------------------------------
# Static analysis (never unpickles anything)
# ---------------------------------------------------------------------------

class Glob:
    def __init__(self, ref):
        self.ref = ref


class Obj:
    def __init__(self, func, args):
        self.func, self.args, self.state = func, args, None


class DictV:
    def __init__(self, pairs=None):
        self.pairs = list(pairs or [])

    def get(self, key, default=None):
        for k, v in self.pairs:
            if isinstance(k, str) and k == key:
                return v
        return default


class Unknown:
    pass


UNK = Unknown()
MARK = object()
UNRESOLVED = "<unresolved>"

PUSH_ARG = {"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "STRING",
            "BINSTRING", "SHORT_BINSTRING", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8",
            "BYTEARRAY8", "UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8",
            "FLOAT", "BINFLOAT"}


class StaticError(Exception):
    pass


def walk_stream(f, hook=None):
    """Walk ONE pickle stream from f's current position with pickletools.genops.

    Returns dict(offset, length, protocol, globals, opcodes, nested). `hook(obj, f)`
    is called after every BUILD and may consume bytes from f (joblib)."""
    start = f.tell()
    stack, memo = [], {}
    globs, opcodes, nested = set(), set(), []
    frames = 0
    proto, maxproto, problems = None, 0, []

    def pop():
        if not stack:
            problems.append("stack underflow")
            return UNK
        return stack.pop()

    def pop_mark():
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is MARK:
                items = stack[i + 1:]
                del stack[i:]
                return items
        problems.append("missing MARK")
        items = stack[:]
        del stack[:]
        return items

    def top():
        return stack[-1] if stack else UNK

    for op, arg, pos in pickletools.genops(f):
        n = op.name
        opcodes.add(n)
        maxproto = max(maxproto, op.proto)
        if n == "PROTO":
            proto = arg
        elif n == "FRAME":
            frames += 1
        elif n in PUSH_ARG:
            stack.append(arg)
        elif n == "NONE":
            stack.append(None)
        elif n == "NEWTRUE":
            stack.append(True)
        elif n == "NEWFALSE":
            stack.append(False)
        elif n in ("NEXT_BUFFER", "EXT1", "EXT2", "EXT4"):
            if n.startswith("EXT"):
                globs.add(UNRESOLVED)
            stack.append(UNK)
        elif n in ("READONLY_BUFFER", "FRAME", "STOP"):
            pass
        elif n == "EMPTY_LIST":
            stack.append([])
        elif n == "EMPTY_TUPLE":
            stack.append(())
        elif n == "EMPTY_DICT":
            stack.append(DictV())
        elif n == "EMPTY_SET":
            stack.append(set())
        elif n == "MARK":
            stack.append(MARK)
        elif n == "POP":
            pop()
        elif n == "POP_MARK":
            pop_mark()
        elif n == "DUP":
            stack.append(top())
        elif n == "APPEND":
            v = pop()
            if isinstance(top(), list):
                top().append(v)
        elif n == "APPENDS":
            items = pop_mark()
            if isinstance(top(), list):
                top().extend(items)
        elif n == "LIST":
            stack.append(pop_mark())
        elif n == "TUPLE":
            stack.append(tuple(pop_mark()))
        elif n in ("TUPLE1", "TUPLE2", "TUPLE3"):
            k = int(n[-1])
            items = [pop() for _ in range(k)][::-1]
            stack.append(tuple(items))
        elif n == "DICT":
            items = pop_mark()
            stack.append(DictV(zip(items[0::2], items[1::2])))
        elif n == "SETITEM":
            v = pop()
            k = pop()
            if isinstance(top(), DictV):
                top().pairs.append((k, v))
        elif n == "SETITEMS":
            items = pop_mark()
            if isinstance(top(), DictV):
                top().pairs.extend(zip(items[0::2], items[1::2]))
        elif n in ("ADDITEMS",):
            pop_mark()
        elif n == "FROZENSET":
            pop_mark()
            stack.append(UNK)
        elif n in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = top()
        elif n == "MEMOIZE":
            memo[len(memo)] = top()
        elif n in ("GET", "BINGET", "LONG_BINGET"):
            if arg not in memo:
                problems.append(f"memo {arg} missing")
            stack.append(memo.get(arg, UNK))
        elif n == "GLOBAL":
            ref = ".".join(arg.split(" ", 1))
            globs.add(ref)
            stack.append(Glob(ref))
        elif n == "STACK_GLOBAL":
            name = pop()
            mod = pop()
            ref = f"{mod}.{name}" if isinstance(mod, str) and isinstance(name, str) else UNRESOLVED
            globs.add(ref)
            stack.append(Glob(ref))
        elif n == "INST":
            ref = ".".join(arg.split(" ", 1))
            globs.add(ref)
            stack.append(Obj(Glob(ref), tuple(pop_mark())))
        elif n == "OBJ":
            items = pop_mark()
            stack.append(Obj(items[0] if items else UNK, tuple(items[1:])))
        elif n in ("REDUCE", "NEWOBJ"):
            args = pop()
            func = pop()
            stack.append(Obj(func, args))
        elif n == "NEWOBJ_EX":
            pop()
            args = pop()
            cls = pop()
            stack.append(Obj(cls, args))
        elif n == "BUILD":
            state = pop()
            t = top()
            if isinstance(t, Obj):
                t.state = state
            if hook:
                r = hook(t, f)
                if r:
                    nested.append(r)
        elif n == "PERSID":
            stack.append(UNK)
        elif n == "BINPERSID":
            pop()
            stack.append(UNK)
        else:
            raise StaticError(f"unhandled opcode {n}")
    if proto is None:
        proto = 1 if maxproto >= 1 else 0
    res = dict(offset=start, length=f.tell() - start, protocol=proto,
               globals=sorted(globs), opcodes=sorted(opcodes))
    if frames:
        res["frames"] = frames
    if problems:
        res["problems"] = sorted(set(problems))
    res["_nested"] = nested
    return res


def dtype_info(d):
    """(itemsize, hasobject) from a symbolic numpy.dtype REDUCE+BUILD."""
    if not (isinstance(d, Obj) and isinstance(d.func, Glob) and d.func.ref == "numpy.dtype"):
        raise StaticError("wrapper dtype is not a numpy.dtype reduce")
    typestr = d.args[0]
    st = d.state
    elsize = st[5] if isinstance(st, tuple) and len(st) > 7 else -1
    flags = st[7] if isinstance(st, tuple) and len(st) > 7 else 0
    hasobject = bool(flags & 1) or typestr.startswith("O")
    if elsize in (-1, None, UNK):
        elsize = np.dtype(typestr).itemsize  # a plain typestring like 'f8'
    return elsize, hasobject


def joblib_hook(obj, f):
    if not (isinstance(obj, Obj) and isinstance(obj.func, Glob)
            and obj.func.ref == "joblib.numpy_pickle.NumpyArrayWrapper"):
        return None
    st = obj.state
    if not isinstance(st, DictV):
        raise StaticError("NumpyArrayWrapper state not a dict")
    itemsize, hasobject = dtype_info(st.get("dtype"))
    if hasobject:
        r = walk_stream(f, joblib_hook)
        r["kind"] = "joblib inline object-array pickle"
        return r
    if st.get("numpy_array_alignment_bytes") is not None:
        pad = f.read(1)[0]
        f.seek(pad, 1)
    count = math.prod(st.get("shape"))
    f.seek(count * itemsize, 1)
    return None


def flatten(res):
    """walk_stream result -> list of stream dicts (outer first, then nested)."""
    nested = res.pop("_nested")
    outl = [res]
    for r in nested:
        outl.extend(flatten(r))
    return outl


def walk_all(data, hook=None, limit=None):
    f = io.BytesIO(data)
    streams = []
    while f.tell() < len(data) and (limit is None or len([s for s in streams if "kind" not in s]) < limit):
        streams.extend(flatten(walk_stream(f, hook)))
    return streams, len(data) - f.tell()


def parse_npy(data):
    """Return (header dict, header_end) of an .npy blob, parsed without np.load."""
    if data[:6] != b"\x93NUMPY":
        raise StaticError("not npy")
    major = data[6]
    if major == 1:
        hlen = struct.unpack("<H", data[8:10])[0]
        start = 10
    else:
        hlen = struct.unpack("<I", data[8:12])[0]
        start = 12
    enc = "utf8" if major >= 3 else "latin1"
    hdr = ast.literal_eval(data[start:start + hlen].decode(enc))
    return hdr, start + hlen, (major, data[7])


def npy_streams(data):
    hdr, end, ver = parse_npy(data)
    dt = np.lib.format.descr_to_dtype(hdr["descr"])
    info = {"npy_version": f"{ver[0]}.{ver[1]}", "header_len": end}
    if not dt.hasobject:
        return [], info
    f = io.BytesIO(data)
    f.seek(end)
    s = flatten(walk_stream(f))
    trailing = len(data) - f.tell()
    if trailing:
        info["trailing_bytes"] = trailing
    return s, info


def decompress_joblib(data):
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data), "gzip"
    if data[:1] == b"\x78":
        return zlib.decompress(data), "zlib"
    if data[:3] == b"BZh":
        return bz2.decompress(data), "bz2"
    if data[:6] == b"\xfd7zXZ\x00":
        return lzma.decompress(data, format=lzma.FORMAT_XZ), "xz"
    if data[:2] == b"\x5d\x00":
        return lzma.decompress(data, format=lzma.FORMAT_ALONE), "lzma"
    if data[:4] == b"\x04\x22\x4d\x18":
        import lz4.frame
        return lz4.frame.decompress(data), "lz4"
    raise StaticError("unknown compression magic")


def analyze(entry):
    path, fmt = entry["path"], entry["format"]
    data = open(path, "rb").read()
    info = {}
    streams = []
    if fmt in ("pickle", "dill", "cloudpickle"):
        streams, trailing = walk_all(data)
    elif fmt == "joblib":
        streams, trailing = walk_all(data, joblib_hook)
    elif fmt == "joblib-compressed":
        raw, comp = decompress_joblib(data)
        info["compression"] = comp
        info["decompressed_size"] = len(raw)
        streams, trailing = walk_all(raw, joblib_hook)
    elif fmt == "pytorch-legacy":
        streams, trailing = walk_all(data, limit=5)
        info["raw_storage_bytes"] = trailing
        trailing = 0
    elif fmt == "numpy":
        streams, info = npy_streams(data)
        trailing = 0
    elif fmt in ("pytorch-zip", "npz"):
        trailing = 0
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info["members"] = z.namelist()
            for name in z.namelist():
                blob = z.read(name)
                if fmt == "pytorch-zip" and name.endswith(".pkl"):
                    ss, t = walk_all(blob)
                elif fmt == "npz" and name.endswith(".npy"):
                    ss, _ = npy_streams(blob)
                else:
                    continue
                for s in ss:
                    s["member"] = name
                streams.extend(ss)
    else:
        raise StaticError(fmt)
    if trailing:
        info["trailing_bytes"] = trailing
    return data, streams, info


def build_manifest():
    manifest = []
    for e in ENTRIES:
        rec = {"path": e["path"], "format": e["format"]}
        if e.get("missing"):
            rec.update(protocol=None, description=e["description"], size=None, sha256=None,
                       pickles=None, globals=None, notes=e["notes"])
            manifest.append(rec)
            continue
        notes = [e["notes"]] if e.get("notes") else []
        try:
            data, streams, info = analyze(e)
        except Exception as ex:  # keep honest: record failure
            data = open(e["path"], "rb").read()
            rec.update(protocol=None, description=e["description"], size=len(data),
                       sha256=hashlib.sha256(data).hexdigest(), pickles=None, globals=None,
                       notes=" ".join(notes + [f"static analysis failed: {ex!r}"]))
            manifest.append(rec)
            continue
        globs, ops = set(), set()
        for s in streams:
            pre = s["member"] + ":" if "member" in s else ""
            globs.update(pre + g for g in s["globals"])
            ops.update(s["opcodes"])
            if s.get("problems"):
                notes.append(f"stream@{s['offset']}: {', '.join(s['problems'])}")
        proto = streams[0]["protocol"] if len(streams) == 1 else None
        if e.get("expect_protocol") is not None and proto != e["expect_protocol"]:
            notes.append(f"WARNING: expected protocol {e['expect_protocol']}, static walk says {proto}")
        if UNRESOLVED in {g.split(":")[-1] for g in globs}:
            notes.append("some STACK_GLOBAL operands could not be resolved statically")
        rec.update(
            protocol=proto,
            description=e["description"],
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            pickles=len(streams),
            globals=sorted(globs),
            opcodes=sorted(ops),
            streams=[{k: s[k] for k in ("member", "kind", "offset", "length", "protocol", "frames") if k in s}
                     for s in streams],
            notes=" ".join(notes) if notes else None,
        )
        rec["deterministic"] = e["format"] != "pytorch-legacy"
        rec.update(info)
        manifest.append(rec)
    manifest.sort(key=lambda r: r["path"])
    return manifest


def main():
    VERSIONS["python"] = sys.version.split()[0]
    VERSIONS["numpy"] = np.__version__
    for gen in (gen_pickle, gen_torch, gen_numpy, gen_sklearn, gen_joblib, gen_dill,
                gen_cloudpickle, gen_pandas, gen_xgboost):
        gen()
    manifest = build_manifest()
    with open("manifest.json", "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    known = {r["path"] for r in manifest}
    for d in sorted({r["path"].split("/")[0] for r in manifest}):
        for root, _, files in os.walk(d):
            for fn in files:
                rel = os.path.relpath(os.path.join(root, fn), HERE)
                if rel not in known:
                    print("WARNING: stray file not in manifest:", rel)
    total = 0
    for r in manifest:
        size = r["size"] or 0
        total += size
        print(f"{r['path']:<45} {r['format']:<18} {size:>8}  pickles={r['pickles']} proto={r['protocol']}")
    print(f"{len(manifest)} files, total {total} bytes; versions: {VERSIONS}")


if __name__ == "__main__":
    main()
