package ggufmt

import "fmt"

// ggmlType is one tensor type of ggml: how many elements a block holds and
// how many bytes a block takes.
type ggmlType struct {
	name    string
	block   uint64
	size    uint64
	removed bool // once written to GGUF files, refused by current llama.cpp
}

// ggmlTypes lists the tensor types by id (ggml.h, gguf-py constants.py).
// Ids 4 and 5 (Q4_2, Q4_3) were removed before GGUF existed and are
// unknown here.
var ggmlTypes = map[uint32]ggmlType{
	0:  {"F32", 1, 4, false},
	1:  {"F16", 1, 2, false},
	2:  {"Q4_0", 32, 18, false},
	3:  {"Q4_1", 32, 20, false},
	6:  {"Q5_0", 32, 22, false},
	7:  {"Q5_1", 32, 24, false},
	8:  {"Q8_0", 32, 34, false},
	9:  {"Q8_1", 32, 36, false},
	10: {"Q2_K", 256, 84, false},
	11: {"Q3_K", 256, 110, false},
	12: {"Q4_K", 256, 144, false},
	13: {"Q5_K", 256, 176, false},
	14: {"Q6_K", 256, 210, false},
	15: {"Q8_K", 256, 292, false},
	16: {"IQ2_XXS", 256, 66, false},
	17: {"IQ2_XS", 256, 74, false},
	18: {"IQ3_XXS", 256, 98, false},
	19: {"IQ1_S", 256, 50, false},
	20: {"IQ4_NL", 32, 18, false},
	21: {"IQ3_S", 256, 110, false},
	22: {"IQ2_S", 256, 82, false},
	23: {"IQ4_XS", 256, 136, false},
	24: {"I8", 1, 1, false},
	25: {"I16", 1, 2, false},
	26: {"I32", 1, 4, false},
	27: {"I64", 1, 8, false},
	28: {"F64", 1, 8, false},
	29: {"IQ1_M", 256, 56, false},
	30: {"BF16", 1, 2, false},
	31: {"Q4_0_4_4", 32, 18, true},
	32: {"Q4_0_4_8", 32, 18, true},
	33: {"Q4_0_8_8", 32, 18, true},
	34: {"TQ1_0", 256, 54, false},
	35: {"TQ2_0", 256, 66, false},
	36: {"IQ4_NL_4_4", 32, 18, true},
	37: {"IQ4_NL_4_8", 32, 18, true},
	38: {"IQ4_NL_8_8", 32, 18, true},
	39: {"MXFP4", 32, 17, false},
	40: {"NVFP4", 64, 36, false},
	41: {"Q1_0", 128, 18, false},
	42: {"Q2_0", 64, 18, false},
}

func typeName(id uint32) string {
	if t, ok := ggmlTypes[id]; ok {
		return fmt.Sprintf("%s (%d)", t.name, id)
	}
	return fmt.Sprintf("%d", id)
}

// Metadata value types.
const (
	vUint8   = 0
	vInt8    = 1
	vUint16  = 2
	vInt16   = 3
	vUint32  = 4
	vInt32   = 5
	vFloat32 = 6
	vBool    = 7
	vString  = 8
	vArray   = 9
	vUint64  = 10
	vInt64   = 11
	vFloat64 = 12
)

// valueSize is the width of a fixed-size value type, 0 for the others.
func valueSize(t uint32) int64 {
	switch t {
	case vUint8, vInt8, vBool:
		return 1
	case vUint16, vInt16:
		return 2
	case vUint32, vInt32, vFloat32:
		return 4
	case vUint64, vInt64, vFloat64:
		return 8
	}
	return 0
}

var valueNames = [...]string{"UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32", "BOOL", "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64"}

func valueName(t uint32) string {
	if int(t) < len(valueNames) {
		return valueNames[t]
	}
	return fmt.Sprintf("type %d", t)
}
