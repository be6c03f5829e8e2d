#!/usr/bin/python3
"""Writes the valid GGUF fixtures of this directory.

No GGUF library is packaged for Debian, so the files are written to the
specification (ggml docs/gguf.md) the way gguf-py's GGUFWriter lays them
out: header, metadata pairs, tensor infos, zero padding to the alignment,
then each tensor's bytes padded to the alignment. Version 1 uses 32-bit
counts, lengths and dimensions; versions 2 and 3 use 64-bit ones. A
big-endian file writes every number big-endian.

Run from this directory: /usr/bin/python3 gen.py
"""
import struct

import numpy as np

# value types
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
FMT = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f",
       BOOL: "?", U64: "Q", I64: "q", F64: "d"}

# ggml types: id -> (block size, type size)
GGML = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q4_1": (3, 32, 20),
        "Q5_0": (6, 32, 22), "Q8_0": (8, 32, 34), "Q2_K": (10, 256, 84),
        "Q4_K": (12, 256, 144), "Q6_K": (14, 256, 210), "IQ4_NL": (20, 32, 18),
        "I8": (24, 1, 1), "I32": (26, 1, 4), "BF16": (30, 1, 2), "MXFP4": (39, 32, 17)}

TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n"
            "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}")
TOOL_TEMPLATE = "{% for t in tools %}{{ t | tojson }}{% endfor %}{{ messages[-1]['content'] }}"


class Writer:
    def __init__(self, version=3, big=False, align=32):
        self.v, self.e, self.align = version, ">" if big else "<", align
        self.out = bytearray()

    def num(self, fmt, v):
        self.out += struct.pack(self.e + fmt, v)

    def count(self, n):
        self.num("I" if self.v == 1 else "Q", n)

    def string(self, s):
        b = s.encode("utf-8")
        self.count(len(b))
        self.out += b

    def value(self, t, v):
        if t == STR:
            self.string(v)
        elif t == ARR:
            et, items = v
            self.num("I", et)
            self.count(len(items))
            for item in items:
                self.value(et, item)
        else:
            self.num(FMT[t], v)

    def kv(self, key, t, v):
        self.string(key)
        self.num("I", t)
        self.value(t, v)

    def pad(self):
        self.out += b"\0" * ((self.align - len(self.out) % self.align) % self.align)


def write(path, kvs, tensors, version=3, big=False, align=32):
    """kvs: list of (key, type, value); tensors: list of (name, ggml type, dims)."""
    w = Writer(version, big, align)
    w.out += b"GGUF"
    w.num("I", version)
    w.count(len(tensors))
    w.count(len(kvs))
    for key, t, v in kvs:
        w.kv(key, t, v)
    rng = np.random.default_rng(len(path))
    blobs, offset = [], 0
    for name, typ, dims in tensors:
        tid, block, size = GGML[typ]
        n = 1
        for d in dims:
            n *= d
        assert not dims or dims[0] % block == 0
        nbytes = n // block * size
        w.string(name)
        w.num("I", len(dims))
        for d in dims:
            w.num("I" if version == 1 else "Q", d)
        w.num("I", tid)
        w.num("Q", offset)
        blobs.append(rng.integers(0, 256, nbytes, dtype=np.uint8).tobytes())
        offset += nbytes + (align - nbytes % align) % align
    w.pad()
    for blob in blobs:
        w.out += blob
        w.pad()
    with open(path, "wb") as f:
        f.write(bytes(w.out))


def every_value(version):
    kvs = [
        ("general.architecture", STR, "llama"),
        ("general.name", STR, "fixture \u00e9"),
        ("general.quantization_version", U32, 2),
        ("test.u8", U8, 255), ("test.i8", I8, -128), ("test.u16", U16, 65535),
        ("test.i16", I16, -32768), ("test.i32", I32, -7), ("test.f32", F32, 0.5),
        ("test.bool", BOOL, True), ("test.f64", F64, -2.25),
        ("tokenizer.ggml.tokens", ARR, (STR, ["<s>", "</s>", "a", "", "\u4e2d"])),
        ("tokenizer.ggml.scores", ARR, (F32, [0.0, -1.0, -2.5, 0.0, 1.0])),
        ("tokenizer.ggml.token_type", ARR, (I32, [3, 3, 1, 1, 1])),
        ("test.bools", ARR, (BOOL, [True, False, True])),
        ("test.empty", ARR, (U8, [])),
        ("test.nested", ARR, (ARR, [(U16, [1, 2]), (STR, ["x", "y"]), (ARR, [(I8, [-1])])])),
        ("tokenizer.chat_template", STR, TEMPLATE),
        ("tokenizer.chat_templates", ARR, (STR, ["tool_use"])),
        ("tokenizer.chat_template.tool_use", STR, TOOL_TEMPLATE),
    ]
    if version > 1:
        kvs += [("test.u64", U64, 2**64 - 1), ("test.i64", I64, -2**63)]
    return kvs


TENSORS = [
    ("token_embd.weight", "F32", (8, 4)),
    ("blk.0.attn_q.weight", "F16", (16, 2)),
    ("blk.0.ffn_up.weight", "Q4_0", (64, 2)),
    ("blk.0.ffn_down.weight", "Q8_0", (32, 3)),
    ("output_norm.weight", "F32", (8,)),
    ("scalar", "I32", ()),
]

for version in (1, 2, 3):
    write(f"v{version}.gguf", every_value(version), TENSORS, version=version)
write("v3_big_endian.gguf", every_value(3), TENSORS, big=True)

# custom alignment and more tensor types
write("align64_types.gguf",
      [("general.architecture", STR, "llama"), ("general.alignment", U32, 64)],
      [("q4k", "Q4_K", (256, 1)), ("q6k", "Q6_K", (256,)), ("q2k", "Q2_K", (512,)),
       ("bf16", "BF16", (3, 5)), ("iq4nl", "IQ4_NL", (32, 2)), ("mxfp4", "MXFP4", (64,)),
       ("q41", "Q4_1", (32,)), ("q50", "Q5_0", (32,)), ("i8", "I8", (7,)),
       ("zero_rows", "F32", (0,))],
      align=64)

# metadata only, no tensors
write("no_tensors.gguf", [("general.architecture", STR, "clip"), ("tokenizer.chat_template", STR, TEMPLATE)], [])
