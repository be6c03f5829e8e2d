#!/usr/bin/python3
"""Writes the valid safetensors fixtures of this directory.

No safetensors library is packaged for Debian, so the files are written to
the format as the reference serializer (huggingface/safetensors,
safetensors/src/tensor.rs) lays them out: an 8-byte little-endian header
length, the JSON header padded with spaces to a multiple of 8 bytes, then
the tensor bytes in header order, tensors sorted by descending dtype width
and then by name. Some files deliberately differ where the format allows it
(no padding, no __metadata__, an empty file, names needing JSON escapes).

Run from this directory: /usr/bin/python3 gen.py
"""
import json
import struct

import numpy as np

# element width in bits, as in the reference Dtype enum
BITS = {
    "BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8,
    "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16,
    "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "C64": 64,
    "F64": 64, "I64": 64, "U64": 64,
}


def nbytes(dtype, shape):
    n = 1
    for d in shape:
        n *= d
    bits = n * BITS[dtype]
    assert bits % 8 == 0, (dtype, shape)
    return bits // 8


def write(path, tensors, metadata=None, pad=True, order=None):
    """tensors: list of (name, dtype, shape, raw bytes)."""
    if order is None:
        tensors = sorted(tensors, key=lambda t: (-BITS[t[1]], t[0]))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = b""
    for name, dtype, shape, raw in tensors:
        assert len(raw) == nbytes(dtype, shape), name
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data)


rng = np.random.default_rng(7)

# several common dtypes, metadata, padded header
f32 = rng.standard_normal((2, 3)).astype("<f4")
write("basic.safetensors", [
    ("layer.weight", "F32", (2, 3), f32.tobytes()),
    ("layer.bias", "F16", (3,), np.array([0.5, -1, 2], "<f2").tobytes()),
    ("bf16", "BF16", (2,), (f32.ravel()[:2].view("<u4") >> 16).astype("<u2").tobytes()),
    ("steps", "I64", (1,), np.array([1000], "<i8").tobytes()),
    ("ids", "I32", (2, 2), np.arange(4, dtype="<i4").tobytes()),
    ("mask", "BOOL", (3,), np.array([1, 0, 1], "u1").tobytes()),
    ("bytes", "U8", (5,), bytes(range(5))),
    ("small", "I8", (2,), np.array([-1, 1], "i1").tobytes()),
    ("u16", "U16", (1,), np.array([65535], "<u2").tobytes()),
    ("i16", "I16", (1,), np.array([-2], "<i2").tobytes()),
    ("u32", "U32", (1,), np.array([7], "<u4").tobytes()),
    ("u64", "U64", (1,), np.array([9], "<u8").tobytes()),
    ("f64", "F64", (2,), np.array([3.5, -0.25], "<f8").tobytes()),
], metadata={"format": "pt", "note": "fixture"})

# a scalar (shape []), empty tensors (a zero dimension) sharing offsets
write("empty_and_scalar.safetensors", [
    ("scalar", "F64", (), np.array(2.5, "<f8").tobytes()),
    ("empty", "F32", (0,), b""),
    ("empty2d", "I32", (2, 0), b""),
    ("vec", "F32", (2,), np.array([1, 2], "<f4").tobytes()),
], metadata={"format": "np"})

# sub-byte and 8-bit float formats, complex64
write("narrow_types.safetensors", [
    ("f4", "F4", (2, 2), bytes([0x12, 0x34])),
    ("f6a", "F6_E2M3", (4,), bytes([1, 2, 3])),
    ("f6b", "F6_E3M2", (8,), bytes(6)),
    ("e4m3", "F8_E4M3", (3,), bytes([0x38, 0x40, 0xb8])),
    ("e5m2", "F8_E5M2", (2,), bytes([0x3c, 0xbc])),
    ("e8m0", "F8_E8M0", (2,), bytes([127, 128])),
    ("c64", "C64", (1,), np.array([1 + 2j], "<c8").tobytes()),
])

# no __metadata__, no padding (older writers), names that need JSON escapes
write("unpadded.safetensors", [
    ("model.\u00e9t\u00e9/weight \"quoted\"", "F32", (1, 2), np.array([[1, 2]], "<f4").tobytes()),
    ("zeta", "F16", (1,), np.array([1], "<f2").tobytes()),
], pad=False)

# no tensors at all
write("empty.safetensors", [], metadata={"format": "pt"})
