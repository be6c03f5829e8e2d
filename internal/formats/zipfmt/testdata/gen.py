"""Generate the benign TorchScript and torch.package fixtures of zipfmt.

Run with /usr/bin/python3 (Debian torch 1.13) from this directory:

    /usr/bin/python3 gen.py

Every model here is benign: the fixtures show what real torch.jit.save and
torch.package.PackageExporter archives contain. Malicious archives are built
by the Go tests, never by Python.
"""
import io
import os
import sys
import zipfile

import torch
from torch import nn

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))


class Scale(nn.Module):
    """A custom forward that uses only torch ops."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(3))
        self.k = 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(x * self.w) + self.k
        if y.sum() > 0:
            y = torch.tanh(y)
        return y.clamp(min=0.0)


def save_jit(name, module):
    path = os.path.join(HERE, "torchscript", name)
    torch.jit.save(module, path)
    with zipfile.ZipFile(path) as z:
        print(path, z.namelist())


def torchscript():
    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    save_jit("scripted_sequential.pt", torch.jit.script(seq))
    traced = torch.jit.trace(nn.Sequential(nn.Linear(3, 3), nn.Sigmoid()), torch.randn(1, 3))
    save_jit("traced.pt", traced)
    save_jit("custom_forward.pt", torch.jit.script(Scale()))


def torchpackage():
    # a tiny packaged module with a function and a small object
    src = os.path.join(HERE, "_pkgsrc")
    os.makedirs(os.path.join(src, "tinypkg"), exist_ok=True)
    with open(os.path.join(src, "tinypkg", "__init__.py"), "w") as f:
        f.write("")
    with open(os.path.join(src, "tinypkg", "tiny.py"), "w") as f:
        f.write(
            '"""A tiny packaged module."""\n'
            "import math\n\n\n"
            "def double(x):\n"
            "    # doubles a number\n"
            "    return 2 * x\n\n\n"
            "class Box:\n"
            "    def __init__(self, v):\n"
            "        self.v = v\n"
            "        self.label = 'box of ' + str(math.floor(v))\n"
        )
    sys.path.insert(0, src)
    import tinypkg.tiny as tiny

    path = os.path.join(HERE, "torchpackage", "tiny_package.pt")
    with torch.package.PackageExporter(path) as exp:
        exp.intern("tinypkg.**")
        exp.extern("math")
        exp.save_pickle("tinypkg", "box.pkl", tiny.Box(2.5))
        exp.save_pickle("model", "model.pkl", nn.Linear(2, 2))
        exp.save_text("tinypkg", "notes.txt", "hello")
    with zipfile.ZipFile(path) as z:
        print(path, z.namelist())
    # check it loads
    imp = torch.package.PackageImporter(path)
    print(imp.load_pickle("tinypkg", "box.pkl").label)


if __name__ == "__main__":
    torchscript()
    torchpackage()
