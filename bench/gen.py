#!/usr/bin/python3
"""Generate the modelscan benchmark inputs (all BENIGN, made by the real libraries).

    /usr/bin/python3 bench/gen.py [DIR]      # default: $BENCH_DIR or /tmp/modelscan-bench

Idempotent: files (and folders) that already exist are skipped; delete one to
regenerate it. Files are written to a temporary name and renamed when
complete, so an interrupted run never leaves a truncated input behind.
The outputs are large (~1.6 GB in all): keep them out of the repository.

Inputs:
  dicts.pkl          ~100 MB protocol-4 pickle of ~3 M small dicts/tuples (~32 M opcodes)
  forest.pkl         ~420 MB pickled sklearn RandomForestClassifier (protocol 5)
  checkpoint_1g.pt   ~1 GB torch.save zip checkpoint (a few big tensors)
  objects.npy        ~23 MB object-dtype .npy (np.save, allow_pickle)
  small.pkl          one small pickled sklearn LogisticRegression
  many/              5,000 small model files (.pkl, .pt, .npy, .joblib)
  many_1000/, many_2500/  the first 1,000 / 2,500 files of many/ (hard links)
"""
import collections
import os
import pickle
import pickletools
import sys
import time

if os.environ.get("PYTHONHASHSEED") != "0" or os.environ.get("OMP_NUM_THREADS") != "1":
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

OUT = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_DIR", "/tmp/modelscan-bench")


def log(*a):
    print(*a, flush=True)


def target(name):
    path = os.path.join(OUT, name)
    if os.path.exists(path):
        log(f"skip  {name} (exists)")
        return None
    return path


def finish(tmp, path, t0):
    os.replace(tmp, path)
    log(f"wrote {os.path.basename(path)}: {os.path.getsize(path) / 1e6:.1f} MB in {time.time() - t0:.1f}s")


def count_ops(path):
    """Count opcodes of every pickle stream in a plain pickle file (genops stops at STOP)."""
    import io
    with open(path, "rb") as f:
        data = f.read()
    bio = io.BytesIO(data)
    counts = collections.Counter()
    while bio.tell() < len(data):
        for op, _arg, _pos in pickletools.genops(bio):
            counts[op.name] += 1
    return counts


def gen_dicts():
    path = target("dicts.pkl")
    if not path:
        return
    t0 = time.time()
    # 60% dicts {'id','name','v'} and 40% tuples: ~36 B and ~10.8 opcodes per item,
    # memo-heavy (each dict, string and tuple is MEMOIZEd; keys come back via BINGET).
    n = 2_900_000
    obj = [{"id": i, "name": f"n{i}", "v": (i, i * 0.5)} if i % 5 < 3 else (i, f"t{i}", i * 0.25)
           for i in range(n)]
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(obj, f, protocol=4)
    del obj
    c = count_ops(tmp)
    finish(tmp, path, t0)
    total = sum(c.values())
    log(f"      dicts.pkl: {total:,} opcodes (MEMOIZE {c['MEMOIZE']:,}, BINGET {c['BINGET']:,}, FRAME {c['FRAME']:,})")


def gen_forest():
    path = target("forest.pkl")
    if not path:
        return
    t0 = time.time()
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier
    rng = np.random.RandomState(0)
    n = 200_000
    X = rng.rand(n, 8).astype(np.float32)
    y = rng.randint(0, 2, n)  # random labels: trees grow to ~150k nodes (~11 MB) each
    rf = RandomForestClassifier(n_estimators=38, max_features=1, bootstrap=False,
                                random_state=0, n_jobs=-1).fit(X, y)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(rf, f, protocol=5)
    finish(tmp, path, t0)


def gen_checkpoint():
    path = target("checkpoint_1g.pt")
    if not path:
        return
    t0 = time.time()
    import torch
    torch.manual_seed(0)
    # 4 x 64 Mi float32 = 1 GiB of tensor data, plus a little metadata.
    sd = collections.OrderedDict()
    for i in range(4):
        sd[f"layer{i}.weight"] = torch.randn(8192, 8192)
    sd["layer3.bias"] = torch.zeros(8192)
    ckpt = {"epoch": 7, "model_state_dict": sd, "optimizer": {"lr": 1e-3, "betas": (0.9, 0.999)}}
    tmp = path + ".tmp"
    torch.save(ckpt, tmp)
    finish(tmp, path, t0)


def gen_objects():
    path = target("objects.npy")
    if not path:
        return
    t0 = time.time()
    import numpy as np
    n = 940_000
    arr = np.empty(n, dtype=object)
    for i in range(n):
        arr[i] = [i, f"s{i}"] if i % 2 == 0 else f"str{i}"
    tmp = path + ".tmp.npy"
    np.save(tmp, arr, allow_pickle=True)
    finish(tmp, path, t0)


def gen_small():
    path = target("small.pkl")
    if not path:
        return
    t0 = time.time()
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    rng = np.random.RandomState(0)
    X = rng.rand(200, 4)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    m = LogisticRegression(random_state=0).fit(X, y)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(m, f)
    finish(tmp, path, t0)


def gen_many(n=5000):
    path = target("many")
    if not path:
        return
    t0 = time.time()
    import joblib
    import numpy as np
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    rng = np.random.RandomState(0)
    torch.manual_seed(0)
    X = rng.rand(50, 3)
    y = (X[:, 0] > 0.5).astype(int)
    lr = LogisticRegression().fit(X, y)
    sc = StandardScaler().fit(X)
    tmp = path + ".tmp"
    os.makedirs(tmp, exist_ok=True)
    for i in range(n):
        kind = i % 4
        name = os.path.join(tmp, f"m{i:05d}")
        if kind == 0:  # plain pickle: a small config-like dict, or a sklearn model
            obj = {"id": i, "name": f"model{i}", "w": [i * 0.1, i * 0.2], "tags": ("a", "b")}
            if i % 8 == 4:
                obj = lr if i % 16 == 4 else sc
            with open(name + ".pkl", "wb") as f:
                pickle.dump(obj, f, protocol=(2, 4, 5)[i % 3])
        elif kind == 1:  # torch zip
            torch.save({"w": torch.full((4, 4), float(i)), "b": torch.zeros(4), "step": i}, name + ".pt")
        elif kind == 2:  # numpy array
            np.save(name + ".npy", np.arange(i % 97 + 1, dtype=np.float64 if i % 3 else np.int32))
        else:  # joblib
            joblib.dump({"coef": np.full(8, i, dtype=np.float64), "name": f"j{i}"}, name + ".joblib")
    os.replace(tmp, path)
    log(f"wrote many/: {n} files in {time.time() - t0:.1f}s")


def gen_subset(n):
    path = target(f"many_{n}")
    if not path:
        return
    src = os.path.join(OUT, "many")
    tmp = path + ".tmp"
    os.makedirs(tmp, exist_ok=True)
    for name in sorted(os.listdir(src))[:n]:
        s, d = os.path.join(src, name), os.path.join(tmp, name)
        if not os.path.exists(d):
            try:
                os.link(s, d)
            except OSError:
                import shutil
                shutil.copyfile(s, d)
    os.replace(tmp, path)
    log(f"wrote many_{n}/: {n} files")


def main():
    os.makedirs(OUT, exist_ok=True)
    log(f"benchmark inputs in {OUT}")
    gen_small()
    gen_many()
    gen_subset(1000)
    gen_subset(2500)
    gen_objects()
    gen_dicts()
    gen_checkpoint()
    gen_forest()


if __name__ == "__main__":
    main()
