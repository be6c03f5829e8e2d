#!/usr/bin/python3
"""Builds the benign tar fixtures of the tarfmt tests with Python's tarfile
(ustar, GNU and pax formats; long names, symlinks, a hard link, a FIFO) and
GNU tar (sparse members).

Run from anywhere: /usr/bin/python3 internal/formats/tarfmt/testdata/gen.py
Output is deterministic (fixed mtime, owner, mode) except the pid GNU tar
puts in the ustar name of a pax sparse member ("GNUSparseFile.<pid>/").
Every member comes from testdata/real (pickles and .npy files written by the
real libraries) or is plain text, except the sparse fixtures: GNU tar
--sparse (old GNU and pax 1.0 sparse headers) of a mostly-zero float32 .npy
written by numpy.save whose zero blocks are punched out as holes, plus a
pickle. Malicious members, slip paths and the legacy PyTorch tar are
built in Go by the tests (torch.save never writes the tar format; torch can
only load it).
"""
import gzip
import io
import os
import subprocess
import tarfile
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.join(HERE, "..", "..", "..", "..", "testdata", "real")
LONG = "dir/" + "a_rather_long_directory_name_" * 4 + "/" + "and_a_long_file_name_" * 3 + ".pkl"
NONASCII = "dir/donn\u00e9es_\u00e9t\u00e9.pkl"


def real(rel):
    with open(os.path.join(REAL, rel), "rb") as f:
        return f.read()


def info(name, size=0, kind=tarfile.REGTYPE, link=""):
    ti = tarfile.TarInfo(name)
    ti.type, ti.size, ti.linkname = kind, size, link
    ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = 0, 0, 0, "", ""
    ti.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    return ti


def add(tar, name, data):
    tar.addfile(info(name, len(data)), io.BytesIO(data))


def build(fmt, long_names):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        tar.addfile(info("dir/", kind=tarfile.DIRTYPE))
        add(tar, "dir/model.pkl", real("pickle/plain_data_v2.pkl"))
        add(tar, "dir/refs.pkl", real("pickle/shared_refs_v4.pkl"))
        add(tar, "dir/weights.npy", real("numpy/float32_2d.npy"))
        add(tar, "README.txt", b"benign fixture\n")
        add(tar, "empty.txt", b"")
        # a symlink and a hardlink that stay inside the archive
        tar.addfile(info("dir/link.pkl", kind=tarfile.SYMTYPE, link="model.pkl"))
        tar.addfile(info("dir/hard.pkl", kind=tarfile.LNKTYPE, link="dir/model.pkl"))
        tar.addfile(info("dir/sub/up.npy", kind=tarfile.SYMTYPE, link="../weights.npy"))
        tar.addfile(info("fifo", kind=tarfile.FIFOTYPE))
        if long_names:
            add(tar, LONG, real("pickle/stdlib_types_v4.pkl"))
            tar.addfile(info("dir/long_link.pkl", kind=tarfile.SYMTYPE, link="../" + LONG))
            if fmt == tarfile.PAX_FORMAT:
                add(tar, NONASCII, real("pickle/shared_refs_v2.pkl"))
    return buf.getvalue()


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


write("ustar.tar", build(tarfile.USTAR_FORMAT, False))
write("gnu.tar", build(tarfile.GNU_FORMAT, True))
pax = build(tarfile.PAX_FORMAT, True)
write("pax.tar", pax)
write("pax.tar.gz", gzip.compress(pax, mtime=0))


def sparse(fmt):
    """GNU tar's sparse member: a zero .npy array stored as a hole."""
    with tempfile.TemporaryDirectory() as tmp:
        arr = os.path.join(tmp, "zeros.npy")
        np.save(arr, np.zeros(1 << 18, dtype="<f4"))
        with open(arr, "rb") as f:
            head = f.read(4096)
        size = os.path.getsize(arr)
        with open(arr, "wb") as f:  # same bytes, zeros after 4 KiB as a hole
            f.write(head)
            f.truncate(size)
        with open(os.path.join(tmp, "model.pkl"), "wb") as f:
            f.write(real("pickle/plain_data_v2.pkl"))
        out = os.path.join(HERE, "sparse_%s.tar" % fmt)
        opts = []
        if fmt == "pax":  # no access/change times, no pid in names
            opts = ["--pax-option=delete=atime,delete=ctime,exthdr.name=%d/PaxHeaders/%f"]
        subprocess.run(["tar", "--sparse", "--format=" + fmt, "--owner=0", "--group=0",
                        "--numeric-owner", "--mtime=@0"] + opts + ["-C", tmp, "-cf", out,
                        "zeros.npy", "model.pkl"], check=True)


sparse("gnu")
sparse("pax")
