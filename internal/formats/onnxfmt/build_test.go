package onnxfmt

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// Protobuf builders for crafted models. Field numbers are the ones of
// fields.go; the encoding is plain protowire.

func bytesField(num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
}

func strField(num protowire.Number, s string) []byte { return bytesField(num, []byte(s)) }

func varintField(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// mkModel is a ModelProto with ir_version 8, a producer, the graph and
// the default opset, followed by extra top-level fields.
func mkModel(graph []byte, extra ...[]byte) []byte {
	return cat(varintField(mIRVersion, 8), strField(mProducerName, "crafted"), bytesField(mGraph, graph),
		bytesField(mOpsetImport, mkOpset("", 17)), cat(extra...))
}

func mkOpset(domain string, v uint64) []byte {
	return cat(strField(osDomain, domain), varintField(osVersion, v))
}

// mkGraph is a GraphProto with nodes, initializers and one input.
func mkGraph(nodes [][]byte, inits ...[]byte) []byte {
	var g []byte
	for _, n := range nodes {
		g = append(g, bytesField(gNode, n)...)
	}
	g = append(g, strField(gName, "g")...)
	for _, t := range inits {
		g = append(g, bytesField(gInitializer, t)...)
	}
	return append(g, bytesField(gInput, strField(1, "x"))...)
}

// mkNode is a NodeProto; domain "" leaves the field out.
func mkNode(name, op, domain string, attrs ...[]byte) []byte {
	n := cat(strField(nInput, "x"), strField(nOutput, name+"_out"), strField(nName, name), strField(nOpType, op))
	for _, a := range attrs {
		n = append(n, bytesField(nAttribute, a)...)
	}
	if domain != "" {
		n = append(n, strField(nDomain, domain)...)
	}
	return n
}

func attrGraph(name string, g []byte) []byte {
	return cat(strField(aName, name), bytesField(aG, g), varintField(20, 5))
}

func attrGraphs(name string, gs ...[]byte) []byte {
	a := strField(aName, name)
	for _, g := range gs {
		a = append(a, bytesField(aGraphs, g)...)
	}
	return append(a, varintField(20, 10)...)
}

func attrString(name, s string) []byte {
	return cat(strField(aName, name), strField(aS, s), varintField(20, 3))
}

func attrInt(name string, v int64) []byte {
	return cat(strField(aName, name), varintField(aI, uint64(v)), varintField(20, 2))
}

func attrTensor(name string, t []byte) []byte {
	return cat(strField(aName, name), bytesField(aT, t), varintField(20, 4))
}

func entry(k, v string) []byte { return cat(strField(ssKey, k), strField(ssValue, v)) }

// extTensor is a float TensorProto stored externally at location (with
// data_location EXTERNAL when external is set).
func extTensor(name, location string, external bool) []byte {
	t := cat(varintField(1, 2), varintField(1, 2), varintField(2, 1), strField(tName, name),
		bytesField(tExternalData, entry("location", location)), bytesField(tExternalData, entry("offset", "0")),
		bytesField(tExternalData, entry("length", "16")))
	if external {
		t = append(t, varintField(tDataLocation, dataLocationExternal)...)
	}
	return t
}

// rawTensor is a float TensorProto with inline raw data.
func rawTensor(name string, raw []byte) []byte {
	return cat(varintField(1, uint64(len(raw)/4)), varintField(2, 1), strField(tName, name), bytesField(9, raw))
}

// mkFunction is a FunctionProto with nodes.
func mkFunction(domain, name string, nodes ...[]byte) []byte {
	f := cat(strField(fnName, name), strField(4, "a"), strField(5, "out"))
	for _, n := range nodes {
		f = append(f, bytesField(fnNode, n)...)
	}
	return cat(f, bytesField(9, mkOpset("", 17)), strField(fnDomain, domain))
}
