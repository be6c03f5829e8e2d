package rules

import "github.com/modelscan-go/modelscan/internal/core"

// Rule ids of the tensor-only formats: safetensors and GGUF.
const (
	SafetensorsMalformed    = "safetensors-malformed"
	SafetensorsTrailingData = "safetensors-trailing-data"
	SafetensorsPolyglot     = "safetensors-polyglot"
	GGUFMalformed           = "gguf-malformed"
	GGUFTrailingData        = "gguf-trailing-data"
	GGUFRemovedType         = "gguf-removed-type"
)

var safetensorsRules = []Rule{
	{SafetensorsMalformed, core.High,
		"safetensors header or layout violates the format",
		"The 8-byte header length, the JSON header (duplicate keys, unknown dtype, bad shape or offsets, metadata " +
			"that is not string to string, unknown fields) or the tensor layout (gaps, overlaps, data past the end of " +
			"the file) is not what the safetensors library accepts. Readers disagree on such files and hand-written " +
			"parsers have had memory bugs on them. Every violation found is reported; bytes no tensor covers are scanned."},
	{SafetensorsTrailingData, core.High,
		"Bytes after the last tensor of a safetensors file",
		"The tensors do not cover the data section up to the end of the file. The safetensors library refuses such a " +
			"file, other tools ignore the tail; it is a place to hide a second payload. The trailing bytes are scanned " +
			"by content (a pickle or archive there is reported with its own findings)."},
	{SafetensorsPolyglot, core.High,
		"Part of a safetensors file is also a pickle, zip or NumPy file",
		"The whole file or the bytes of a tensor start with content another loader accepts (a pickle that imports " +
			"something, a zip local header or end record, the NumPy magic). Loading the file, or the extracted tensor, " +
			"with that loader runs it. The region is scanned by content and its findings are reported."},
}

var ggufRules = []Rule{
	{GGUFMalformed, core.High,
		"GGUF header, metadata or tensor table violates the format",
		"A count, string length, array length, dimension, tensor type, alignment or offset is out of range or " +
			"inconsistent (duplicate keys or tensor names, more than 4 dimensions, element counts that overflow, " +
			"tensors past the end of the file or not where llama.cpp expects them). llama.cpp and its ports had " +
			"memory-safety bugs on exactly these fields; the file is refused by current loaders."},
	{GGUFTrailingData, core.High,
		"Bytes after the tensor data of a GGUF file",
		"The file continues past the last tensor and its alignment padding. Loaders never read the tail; it is a " +
			"place to hide a second payload. The trailing bytes are scanned by content."},
	{GGUFRemovedType, core.Low,
		"GGUF tensor uses a type removed from ggml",
		"Types such as Q4_0_4_4 or IQ4_NL_4_4 were removed from GGUF files (runtime repacking replaced them); " +
			"current llama.cpp refuses the file. Noted, not dangerous."},
}
