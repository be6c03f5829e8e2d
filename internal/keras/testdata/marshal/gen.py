#!/usr/bin/python3
"""Builds the marshal fixtures of package keras: for each CPython found, the
marshalled code objects of a few lambdas, as Keras 2's func_dump writes them
(base64 of marshal.dumps(code)), with the names and string constants every
code object in it holds, as CPython itself reports them (co_names, co_consts).

The code objects come from compile("lambda ...", ..., "eval"): they are
compiled and marshalled, never evaluated, called or loaded. The 'system' and
'getattr' samples only name os.system/subprocess with the harmless argument
'id'.

Run from this directory with the Debian interpreter:  /usr/bin/python3 gen.py
It reruns itself under every interpreter it finds (the pyenv versions 2.7 and
3.6-3.13 on the machine that made the committed files) and writes
py<major><minor>.json for each. Each file is written by the interpreter it
describes; this script runs under Python 2.7 too.
"""

import base64
import glob
import json
import marshal
import os
import subprocess
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))

SAMPLES = [
    ("benign", "lambda x: x * 2.0 + 1.0"),
    ("nested", "lambda x: (lambda y: y + 1)(x)"),
    ("genexpr", "lambda x: sum(i * 2 for i in x)"),
    ("strings", "lambda x, s='unit': x if s == 'unit' else -x"),
    ("system", "lambda x: __import__('os').system('id') or x"),
    ("getattr", "lambda x: getattr(__import__('subprocess'), 'check_output')(['id']) and x"),
]


def lambda_code(src):
    top = compile(src, "<fixture>", "eval")
    for c in top.co_consts:
        if isinstance(c, types.CodeType):
            return c
    raise ValueError(src)


def text(s):
    if isinstance(s, bytes):
        return s.decode("latin-1")
    return s


def collect(code, names, consts):
    for n in code.co_names:
        if n not in names:
            names.append(n)
    stack = list(code.co_consts)
    while stack:
        c = stack.pop(0)
        if isinstance(c, types.CodeType):
            collect(c, names, consts)
        elif isinstance(c, (tuple, frozenset)):
            stack.extend(c)
        elif isinstance(c, (str, bytes)) or type(c).__name__ == "unicode":
            if text(c) not in consts:
                consts.append(text(c))


def one():
    out = {"python": sys.version.split()[0], "samples": {}}
    for key, src in SAMPLES:
        code = lambda_code(src)
        names, consts = [], []
        collect(code, names, consts)
        raw = marshal.dumps(code)
        out["samples"][key] = {"source": src, "base64": base64.b64encode(raw).decode("ascii"),
                               "names": names, "consts": consts}
    name = "py%d%d.json" % sys.version_info[:2]
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


def interpreters():
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/*/bin/python")))
    return [sys.executable] + found


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        one()
    else:
        for exe in interpreters():
            subprocess.check_call([exe, os.path.abspath(__file__), "--one"])
