#!/usr/bin/python3
"""Generate SMALL, BENIGN container fixtures for modelscan's container tests.

Run through gen.sh (which also runs the gzip/bzip2/xz/zstd/lz4 CLIs):

    cd testdata/containers && ./gen.sh

Modes:
    gen.py python     write base.pkl and every file made by a Python library
    gen.py manifest   write manifest.json describing every file present

Nothing here is malicious: the hostile variants (payload pickles, bombs,
self-referencing zips) are built in Go by the tests, never committed.

Files written by Python:
  base.pkl                        plain protocol-4 pickle of a dict (no imports)
  py/                             base.pkl through the stdlib gzip, bz2, lzma
                                  (xz and FORMAT_ALONE) and zlib modules
  pandas/                         DataFrame.to_pickle(compression=gzip, bz2, xz,
                                  zstd, zip)
  joblib/                         joblib.dump(compress=3, ('zlib',3), ('gzip',3),
                                  ('bz2',3), ('lzma',3), ('xz',3), ('lz4',3))
  nest/torch_ckpt.tar.gz          torch.save zip checkpoint inside a tar.gz
  nest/npz_in_zip.tar             .npz inside a .zip inside a .tar
  zip/stored_deflated.zip         zip with stored and deflated pickle members
  multi/two_members.pkl.gz        a pickle split across two concatenated gzip
                                  members (a reader that stops after the first
                                  member sees a truncated pickle)
"""

import os
import sys

if os.environ.get("PYTHONHASHSEED") != "0" or os.environ.get("OMP_NUM_THREADS") != "1":
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ["OMP_NUM_THREADS"] = "1"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import bz2
import gzip
import io
import json
import lzma
import pickle
import tarfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

BASE = {
    "name": "benign",
    "weights": [0.5, -1.25, 3.0, 4.75],
    "shape": (2, 2),
    "labels": ["a", "b", "c"],
    "blob": b"\x00\x01\x02" * 8,
    "nested": {"ok": True, "none": None, "n": 12345678901234},
}


def write(rel, data):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def gz(data, name=""):
    bio = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=bio, mtime=0) as g:
        g.write(data)
    return bio.getvalue()


def tar_bytes(members):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), 0, 0o644
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            t.addfile(ti, io.BytesIO(data))
    return bio.getvalue()


def zip_bytes(members):
    """members: (name, data, compress_type)"""
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as z:
        for name, data, ct in members:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = ct
            z.writestr(zi, data)
    return bio.getvalue()


def fix_zip_times(path):
    """Set every DOS time/date field of a zip to 1980-01-01 00:00."""
    if not os.path.exists(path):
        return
    with open(path, "rb") as f:
        data = bytearray(f.read())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        infos = z.infolist()
    for zi in infos:
        o = zi.header_offset
        assert data[o:o + 4] == b"PK\x03\x04"
        data[o + 10:o + 14] = b"\x00\x00\x21\x00"
    o = data.find(b"PK\x01\x02")
    while o >= 0:
        data[o + 12:o + 16] = b"\x00\x00\x21\x00"
        o = data.find(b"PK\x01\x02", o + 4)
    with open(path, "wb") as f:
        f.write(bytes(data))


def gen_python():
    base = pickle.dumps(BASE, protocol=4)
    write("base.pkl", base)

    # stdlib compression modules
    write("py/base_gzip.pkl.gz", gz(base))
    write("py/base_bz2.pkl.bz2", bz2.compress(base, 9))
    write("py/base_lzma_xz.pkl.xz", lzma.compress(base, format=lzma.FORMAT_XZ))
    write("py/base_lzma_alone.pkl.lzma", lzma.compress(base, format=lzma.FORMAT_ALONE))
    write("py/base_zlib.pkl.zlib", zlib.compress(base, 6))

    # pandas
    import numpy as np
    import pandas as pd

    df = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5], "c": ["x", "y", "z"]})
    os.makedirs(os.path.join(HERE, "pandas"), exist_ok=True)
    for comp, ext in [("gzip", ".gz"), ("bz2", ".bz2"), ("xz", ".xz"), ("zstd", ".zst"), ("zip", ".zip")]:
        try:
            if comp == "gzip":
                opts = {"method": "gzip", "mtime": 0}
            else:
                opts = {"method": comp}
            df.to_pickle(os.path.join(HERE, "pandas", "df_%s.pkl%s" % (comp, ext)), compression=opts)
        except Exception as e:  # zstandard missing, for instance
            print("pandas %s: skipped (%s)" % (comp, e), file=sys.stderr)

    # pandas stamps the zip member with the current time: make it reproducible
    fix_zip_times(os.path.join(HERE, "pandas", "df_zip.pkl.zip"))

    # joblib
    import joblib

    obj = {"coef": np.arange(12, dtype=np.float64).reshape(3, 4), "ints": np.arange(5), "meta": ["m", 1]}
    os.makedirs(os.path.join(HERE, "joblib"), exist_ok=True)
    cases = [("compress3", 3), ("zlib3", ("zlib", 3)), ("gzip3", ("gzip", 3)), ("bz2_3", ("bz2", 3)),
             ("lzma3", ("lzma", 3)), ("xz3", ("xz", 3))]
    try:
        import lz4  # noqa: F401
        cases.append(("lz4_3", ("lz4", 3)))
    except ImportError:
        print("joblib lz4: skipped (no lz4 module)", file=sys.stderr)
    for name, comp in cases:
        joblib.dump(obj, os.path.join(HERE, "joblib", name + ".joblib"), compress=comp)
    # joblib's gzip writer stores the current time: make it reproducible
    p = os.path.join(HERE, "joblib", "gzip3.joblib")
    with open(p, "rb") as f:
        data = bytearray(f.read())
    data[4:8] = b"\x00\x00\x00\x00"
    with open(p, "wb") as f:
        f.write(bytes(data))

    # torch checkpoint inside a tar.gz
    import torch

    torch.manual_seed(0)
    bio = io.BytesIO()
    torch.save({"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "step": 7}, bio)
    write("nest/torch_ckpt.tar.gz", gz(tar_bytes([("ckpt/model.pt", bio.getvalue())])))

    # .npz inside a .zip inside a .tar
    bio = io.BytesIO()
    np.savez(bio, a=np.arange(4, dtype=np.int32), b=np.ones((2, 2)))
    inner_zip = zip_bytes([("arrays.npz", bio.getvalue(), zipfile.ZIP_STORED)])
    write("nest/npz_in_zip.tar", tar_bytes([("bundle/arrays.zip", inner_zip)]))

    # a zip with stored and deflated members
    write("zip/stored_deflated.zip", zip_bytes([
        ("stored.pkl", base, zipfile.ZIP_STORED),
        ("deflated.pkl", base, zipfile.ZIP_DEFLATED),
        ("README.txt", b"benign notes\n" * 4, zipfile.ZIP_DEFLATED),
    ]))

    # a pickle split over two gzip members
    half = len(base) // 2
    write("multi/two_members.pkl.gz", gz(base[:half]) + gz(base[half:]))


WHAT = {
    "base.pkl": "plain protocol-4 pickle (the payload of the compressed fixtures)",
    "cli/base.pkl.gz": "gzip -n -9 base.pkl",
    "cli/base.pkl.bz2": "bzip2 -9 base.pkl",
    "cli/base.pkl.xz": "xz base.pkl",
    "cli/base.pkl.lzma": "xz --format=lzma base.pkl (lzma-alone)",
    "cli/base.pkl.zst": "zstd -19 base.pkl",
    "cli/base.pkl.lz4": "lz4 base.pkl (lz4 frame)",
    "py/base_gzip.pkl.gz": "python gzip.GzipFile(mtime=0)",
    "py/base_bz2.pkl.bz2": "python bz2.compress",
    "py/base_lzma_xz.pkl.xz": "python lzma.compress(FORMAT_XZ)",
    "py/base_lzma_alone.pkl.lzma": "python lzma.compress(FORMAT_ALONE)",
    "py/base_zlib.pkl.zlib": "python zlib.compress",
    "pandas/df_gzip.pkl.gz": "pandas DataFrame.to_pickle(compression='gzip')",
    "pandas/df_bz2.pkl.bz2": "pandas DataFrame.to_pickle(compression='bz2')",
    "pandas/df_xz.pkl.xz": "pandas DataFrame.to_pickle(compression='xz')",
    "pandas/df_zstd.pkl.zst": "pandas DataFrame.to_pickle(compression='zstd')",
    "pandas/df_zip.pkl.zip": "pandas DataFrame.to_pickle(compression='zip'): one member df_zip.pkl",
    "joblib/compress3.joblib": "joblib.dump(compress=3) (zlib)",
    "joblib/zlib3.joblib": "joblib.dump(compress=('zlib', 3))",
    "joblib/gzip3.joblib": "joblib.dump(compress=('gzip', 3))",
    "joblib/bz2_3.joblib": "joblib.dump(compress=('bz2', 3))",
    "joblib/lzma3.joblib": "joblib.dump(compress=('lzma', 3)) (lzma-alone)",
    "joblib/xz3.joblib": "joblib.dump(compress=('xz', 3))",
    "joblib/lz4_3.joblib": "joblib.dump(compress=('lz4', 3))",
    "nest/torch_ckpt.tar.gz": "torch.save zip checkpoint as ckpt/model.pt in a tar.gz",
    "nest/npz_in_zip.tar": "np.savez .npz, stored in bundle/arrays.zip, inside a tar",
    "zip/stored_deflated.zip": "zip: stored.pkl (stored), deflated.pkl (deflated), README.txt",
    "multi/two_members.pkl.gz": "base.pkl split in two halves, each its own gzip member, concatenated",
}

# Sources that must be analysed (Session.Scanned), relative to the file name;
# "needs" names a handler the file depends on beyond compression and zip.
SCANNED = {
    "nest/torch_ckpt.tar.gz": (["{f}:ckpt/model.pt", "{f}:ckpt/model.pt:archive/data.pkl"], "tar"),
    "nest/npz_in_zip.tar": (["{f}:bundle/arrays.zip", "{f}:bundle/arrays.zip:arrays.npz",
                             "{f}:bundle/arrays.zip:arrays.npz:a.npy"], "tar"),
    "zip/stored_deflated.zip": (["{f}:stored.pkl", "{f}:deflated.pkl"], ""),
    "pandas/df_zip.pkl.zip": (["{f}:df_zip.pkl"], ""),
}


def gen_manifest():
    out = []
    for root, _, files in os.walk(HERE):
        for fn in files:
            rel = os.path.relpath(os.path.join(root, fn), HERE)
            if rel in ("gen.py", "gen.sh", "manifest.json", "README.md"):
                continue
            if rel not in WHAT:
                sys.exit("no description for %s" % rel)
            base = os.path.basename(rel)
            scanned, needs = SCANNED.get(rel, (["{f}"], ""))
            out.append({
                "path": rel,
                "what": WHAT[rel],
                "expected": "clean",
                "scanned": [s.format(f=base) for s in scanned],
                "needs": needs,
                "size": os.path.getsize(os.path.join(HERE, rel)),
            })
    out.sort(key=lambda e: e["path"])
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("%d files, %d bytes" % (len(out), sum(e["size"] for e in out)))


if __name__ == "__main__":
    {"python": gen_python, "manifest": gen_manifest}[sys.argv[1]]()
