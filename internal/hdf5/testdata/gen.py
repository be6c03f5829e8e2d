#!/usr/bin/python3
"""Builds the HDF5 fixtures of package internal/hdf5 with h5py (Debian
python3-h5py 3.7, HDF5 1.10.8) and writes expected.json: for every file, the
attributes of some objects as h5py reads them back, in h5py's iteration order,
and the child links of the root group.

Run from this directory:  /usr/bin/python3 gen.py

Files (all small):
  earliest.h5    libver earliest: superblock 0, v1 object headers, symbol tables
  sb1.h5         superblock 1 (non-default indexed-storage K)
  v108.h5        libver v108: superblock 2, v2 object headers
  latest.h5      libver latest: superblock 3, v2 object headers, link messages
  dense.h5       latest + track_order: 30 attributes and one of 70 KB (dense
                 storage: fractal heap with indirect blocks and a huge object,
                 v2 B-trees with internal nodes)
  keras_like.h5  Keras 2 save_model layout (default libver)
  userblock.h5   512-byte user block, libver earliest
  userblock_latest.h5  1024-byte user block, libver latest
  sohm.h5        shared object header messages (SOHM table, via ctypes)
"""

import ctypes
import hashlib
import json
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = ctypes.CDLL("libhdf5_serial.so.103")  # the libhdf5 h5py is linked with


def path(name):
    return os.path.join(HERE, name)


def low_string_attr(obj, name, value, size, pad, cset=h5py.h5t.CSET_ASCII):
    """A scalar fixed-length string attribute with the given padding."""
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(size)
    tid.set_strpad(pad)
    tid.set_cset(cset)
    space = h5py.h5s.create(h5py.h5s.SCALAR)
    aid = h5py.h5a.create(obj.id, name.encode(), tid, space)
    # written from h5py's usual NULL-padded memory type: libhdf5 converts
    # the padding to the file type's
    aid.write(np.array(value, dtype="S%d" % size))


def common_attrs(obj, f):
    """The attribute set written to the root of earliest/latest/v108/sb1."""
    a = obj.attrs
    a["fixed_ascii"] = np.bytes_(b"hello fixed")
    a.create("fixed_utf8", "h\u00e9llo \u2603".encode("utf-8"), dtype=h5py.string_dtype("utf-8", 20))
    a["vlen_utf8"] = "caf\u00e9 \u2615 vlen"
    a.create("vlen_ascii", b"plain ascii vlen", dtype=h5py.string_dtype("ascii"))
    a["vlen_empty"] = ""
    a["str_array"] = np.array([b"conv2d", b"dense_1", b"x"])
    a.create("vlen_array", ["alpha", "\u03b2eta", ""], dtype=h5py.string_dtype())
    a["int_scalar"] = np.int64(-42)
    a["uint8_array"] = np.array([0, 1, 255], dtype=np.uint8)
    a["int16_be"] = np.array([-2, 300], dtype=">i2")
    a["int32_2d"] = np.arange(6, dtype=np.int32).reshape(2, 3)
    a["uint64_big"] = np.array([2**64 - 1], dtype=np.uint64)
    a["float64"] = 3.5
    a["float32_array"] = np.array([1.5, -0.25, 1e10], dtype=np.float32)
    a["float64_be"] = np.array([2.0, -1.0], dtype=">f8")
    a["float16"] = np.array([0.5, -2.0, 65504.0], dtype=np.float16)
    a["bool"] = True
    a["empty"] = h5py.Empty("f4")
    a["compound"] = np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")])
    low_string_attr(obj, "spacepad", b"padded  ", 12, h5py.h5t.STR_SPACEPAD)
    low_string_attr(obj, "nullterm", b"term", 8, h5py.h5t.STR_NULLTERM)
    low_string_attr(obj, "embedded_nul", b"ab\x00cd", 6, h5py.h5t.STR_NULLPAD)
    # a committed (named) datatype shared by an attribute
    f["committed_str"] = np.dtype("S9")
    a.create("shared_type", np.bytes_(b"committed"), dtype=f["committed_str"])
    # a group with attributes and a subgroup, and a small dataset
    g = f.create_group("grp")
    g.attrs["note"] = "in a group"
    g.attrs["level"] = 1
    sub = g.create_group("sub")
    sub.attrs["deep"] = b"deeper"
    d = f.create_dataset("data", data=np.arange(4, dtype=np.int16))
    d.attrs["units"] = "counts"
    f["soft"] = h5py.SoftLink("/grp")
    # many links: several symbol table nodes under a two-level B-tree
    # (earliest), dense link storage (latest); soft links keep it small
    many = f.create_group("many")
    for i in range(300):
        many["link%03d" % i] = h5py.SoftLink("/grp")


def write_earliest():
    with h5py.File(path("earliest.h5"), "w", libver="earliest") as f:
        common_attrs(f, f)


def write_latest():
    with h5py.File(path("latest.h5"), "w", libver="latest") as f:
        common_attrs(f, f)


def write_v108():
    with h5py.File(path("v108.h5"), "w", libver=("v108", "v108")) as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["backend"] = "tensorflow"
        f.create_group("model_weights").attrs["backend"] = "tensorflow"


def write_sb1():
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    if LIB.H5Pset_istore_k(ctypes.c_int64(fcpl.id), 64) < 0:
        raise SystemExit("H5Pset_istore_k failed")
    fid = h5py.h5f.create(path("sb1.h5").encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        f.attrs["keras_version"] = "2.4.0"
        f.attrs["model_config"] = b'{"class_name": "Sequential"}'


def write_dense():
    with h5py.File(path("dense.h5"), "w", libver="latest", track_order=True) as f:
        for i in range(30):
            f.attrs["attr_%02d" % (29 - i)] = "value number %d" % i
        big = json.dumps({"class_name": "Functional", "config": {"layers": [
            {"class_name": "Dense", "config": {"name": "dense_%d" % i, "units": i}}
            for i in range(1400)]}})
        assert len(big) > 70000
        f.attrs["model_config"] = big.encode()
        f.attrs["fixed_big"] = np.bytes_(b"F" * 5000)
        f.attrs["ints"] = np.arange(10)
        # dense, name-ordered (no creation order), enough for a two-level
        # v2 B-tree
        g = f.create_group("model_weights", track_order=False)
        for i in range(60):
            g.attrs["w%03d" % i] = i * 10


def write_keras_like():
    layers = []
    for i in range(40):
        layers.append({"class_name": "Dense", "config": {
            "name": "dense_%d" % i, "trainable": True, "dtype": "float32", "units": 4,
            "activation": "relu", "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}}})
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}
    training = {"loss": "mse", "metrics": None, "optimizer_config": {
        "class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.001}}}
    with h5py.File(path("keras_like.h5"), "w") as f:
        f.attrs["backend"] = "tensorflow".encode("utf8")
        f.attrs["keras_version"] = "2.13.1".encode("utf8")
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        f.attrs["training_config"] = json.dumps(training).encode("utf8")
        mw = f.create_group("model_weights")
        names = [l["config"]["name"] for l in layers[:3]]
        mw.attrs["layer_names"] = np.array([n.encode("utf8") for n in names])
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = b"2.13.1"
        for n in names:
            g = mw.create_group(n)
            wn = [("%s/kernel:0" % n).encode(), ("%s/bias:0" % n).encode()]
            g.attrs["weight_names"] = np.array(wn)
            sub = g.create_group(n)
            sub.create_dataset("kernel:0", data=np.ones((2, 2), dtype=np.float32))
            sub.create_dataset("bias:0", data=np.zeros(2, dtype=np.float32))
        opt = f.create_group("optimizer_weights")
        opt.attrs["weight_names"] = np.array([b"Adam/iter:0"])


def write_userblock():
    with h5py.File(path("userblock.h5"), "w", userblock_size=512, libver="earliest") as f:
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["model_config"] = b'{"class_name": "Model"}'
    with open(path("userblock.h5"), "r+b") as fh:
        fh.write(b"user block text, not HDF5\n")
    with h5py.File(path("userblock_latest.h5"), "w", userblock_size=1024, libver="latest") as f:
        f.attrs["backend"] = "theano"
        f.create_group("model_weights").attrs["layer_names"] = np.array([b"a", b"b"])


def write_sohm():
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    # index 0 shares dataspace, datatype, fill value, filter pipeline and
    # attribute messages (H5O_SHMESG_ALL_FLAG) of one byte or more
    every = (1 << 1) | (1 << 3) | (1 << 5) | (1 << 11) | (1 << 12)
    if LIB.H5Pset_shared_mesg_nindexes(ctypes.c_int64(fcpl.id), 1) < 0:
        raise SystemExit("H5Pset_shared_mesg_nindexes failed")
    if LIB.H5Pset_shared_mesg_index(ctypes.c_int64(fcpl.id), 0, every, 1) < 0:
        raise SystemExit("H5Pset_shared_mesg_index failed")
    fid = h5py.h5f.create(path("sohm.h5").encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        f.attrs["model_config"] = '{"class_name": "Sequential", "shared": true}'
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["n"] = np.arange(5)
        g = f.create_group("model_weights")
        g.attrs["keras_version"] = "2.13.1"
        g.attrs["n"] = np.arange(5)


# --- expected values, as h5py reads them back --------------------------------

def text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    return str(v)


def describe(attrs, name):
    aid = attrs.get_id(name)
    tid = aid.get_type()
    cls = tid.get_class()
    space = aid.get_space()
    out = {"name": name}
    if space.get_simple_extent_type() == h5py.h5s.NULL:
        out["kind"] = "empty"
        return out
    out["dims"] = list(space.shape)
    if cls not in (h5py.h5t.STRING, h5py.h5t.INTEGER, h5py.h5t.FLOAT, h5py.h5t.ENUM) and not (
            cls == h5py.h5t.VLEN and tid.is_variable_str()):
        out["kind"] = "error"
        return out
    v = np.asarray(attrs[name]).reshape(-1)
    if cls == h5py.h5t.STRING or cls == h5py.h5t.VLEN:
        out["kind"] = "str"
        vals = [text(x) for x in v.tolist()]
        if any(len(s.encode("utf-8")) > 512 for s in vals):
            # long values are compared by length and SHA-256 of their UTF-8
            out["strs_sha256"] = [hashlib.sha256(s.encode("utf-8")).hexdigest() for s in vals]
            out["strs_len"] = [len(s.encode("utf-8")) for s in vals]
        else:
            out["strs"] = vals
        return out
    if cls == h5py.h5t.FLOAT:
        out["kind"] = "float"
        out["floats"] = [float(x) for x in v.tolist()]
        return out
    out["kind"] = "int"
    out["ints"] = [str(int(x)) for x in v.astype(object).tolist()]
    return out


def snapshot(name, objects, groups=()):
    with h5py.File(path(name), "r") as f:
        entry = {"children": sorted(f.keys()), "objects": {}, "links": {}}
        for p in groups:
            entry["links"][p] = sorted(f[p].keys())
        for p in objects:
            obj = f[p]
            entry["objects"][p] = [describe(obj.attrs, n) for n in obj.attrs]
        return entry


def main():
    write_earliest()
    write_sb1()
    write_v108()
    write_latest()
    write_dense()
    write_keras_like()
    write_userblock()
    write_sohm()
    expected = {
        "earliest.h5": snapshot("earliest.h5", ["/", "/grp", "/grp/sub", "/data"], ["/many", "/grp"]),
        "sb1.h5": snapshot("sb1.h5", ["/"]),
        "v108.h5": snapshot("v108.h5", ["/", "/model_weights"]),
        "latest.h5": snapshot("latest.h5", ["/", "/grp", "/grp/sub", "/data"], ["/many", "/grp"]),
        "dense.h5": snapshot("dense.h5", ["/", "/model_weights"]),
        "keras_like.h5": snapshot("keras_like.h5", ["/", "/model_weights", "/model_weights/dense_1"]),
        "userblock.h5": snapshot("userblock.h5", ["/"]),
        "userblock_latest.h5": snapshot("userblock_latest.h5", ["/", "/model_weights"]),
        "sohm.h5": snapshot("sohm.h5", ["/", "/model_weights"]),
    }
    with open(path("expected.json"), "w") as fh:
        json.dump(expected, fh, indent=1, sort_keys=True, ensure_ascii=False)
        fh.write("\n")


if __name__ == "__main__":
    main()
