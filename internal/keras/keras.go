// Package keras analyses Keras model configurations statically: the
// model_config and training_config attributes of an .h5 file, the
// config.json of a Keras 3 .keras archive and the layer metadata of a
// tf.keras SavedModel (keras_metadata.pb). Nothing is imported, loaded or
// run: the JSON is parsed by a bounded reader that accepts what Python's
// json.loads accepts, and the whole document is walked, whatever nests
// where (nested Functional and Sequential models, wrappers, compile and
// training configs, optimizer, losses and metrics, custom objects).
//
// It reports
//   - Lambda layers (and any __lambda__ function anywhere), with the names
//     and constants their marshalled bytecode or source uses: MEDIUM, or
//     CRITICAL when those names reach process execution, eval/exec,
//     imports by name, files or the network;
//   - objects whose module/class_name/registered_name is not a built-in
//     Keras or TensorFlow object (CVE-2025-1550: Keras imports the module
//     named in the config): judged with the pickle policy, HIGH or CRITICAL
//     for standard-library and denylisted callables, MEDIUM for custom
//     classes and functions, LOW for Keras ecosystem libraries;
//   - keras.config.enable_unsafe_deserialization (CVE-2025-9906), file,
//     download and loader functions such as keras.utils.get_file
//     (CVE-2025-8747);
//   - lookup layers whose vocabulary is a path or URL (CVE-2025-12058),
//     TFSMLayer and tensorflow_hub KerasLayer paths;
//   - TorchModuleWrapper layers, whose pickled module is handed back to the
//     caller to be scanned.
package keras

import (
	"errors"
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// Format says where a configuration comes from; it picks the Python
// ModelScan scanner name of the findings.
type Format uint8

// Formats.
const (
	FormatH5         Format = iota // model_config/training_config of an HDF5 file
	FormatKeras                    // config.json of a .keras archive, or a model JSON file
	FormatSavedModel               // layer metadata of keras_metadata.pb
)

// Python ModelScan scanner names.
const (
	ScannerH5         = "modelscan.scanners.H5LambdaDetectScan"
	ScannerKeras      = "modelscan.scanners.KerasLambdaDetectScan"
	ScannerSavedModel = "modelscan.scanners.SavedModelLambdaDetectScan"
)

// Scanner returns the Python ModelScan scanner name for the format.
func (f Format) Scanner() string {
	switch f {
	case FormatKeras:
		return ScannerKeras
	case FormatSavedModel:
		return ScannerSavedModel
	}
	return ScannerH5
}

// Default limits.
const (
	DefaultMaxBytes  = 64 << 20
	DefaultMaxDepth  = 512
	DefaultMaxValues = 4_000_000
	maxFindings      = 500 // distinct findings per document
	maxEmbedded      = 64  // embedded streams per document
)

// Options configure Analyze. Zero limits take the defaults.
type Options struct {
	Format Format
	// Policy judges module+name pairs the way the pickle engine does.
	// Nil means policy.Default().
	Policy    *policy.Policy
	MaxBytes  int64 // size of the document
	MaxDepth  int   // nesting of JSON containers
	MaxValues int   // JSON values in the document
}

// Embedded is a stream stored inside the configuration that a loader
// deserializes, such as the torch.save pickle of a TorchModuleWrapper
// layer. The caller scans it.
type Embedded struct {
	Name string // where it is, e.g. "config.layers[1].config.module"
	Data []byte
}

// Result is what Analyze found.
type Result struct {
	// Findings have Rule, Severity, Description, Module, Operator,
	// Scanner, Evidence and Offset (the byte offset of the object in the
	// document, -1 when the document had to be transcoded) set; Source is
	// left to the caller.
	Findings []core.Finding
	Embedded []Embedded
	// Model is the class_name of the top-level object, "" if none.
	Model string
}

// Analyze parses a configuration document and reports what loading it
// would run or touch. doc may be UTF-8, or UTF-16/32 as json.loads detects
// them. An error wraps ErrSyntax or ErrLimit; the findings made on the
// part read before it are returned with it.
func Analyze(doc []byte, opt Options) (*Result, error) {
	if opt.Policy == nil {
		opt.Policy = policy.Default()
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = DefaultMaxDepth
	}
	if opt.MaxValues <= 0 {
		opt.MaxValues = DefaultMaxValues
	}
	res := &Result{}
	if int64(len(doc)) > opt.MaxBytes {
		return res, fmt.Errorf("%w: configuration of %d bytes is over the %d-byte limit", ErrLimit, len(doc), opt.MaxBytes)
	}
	text := toUTF8(doc)
	transcoded := len(text) != len(doc) || (len(doc) > 0 && &text[0] != &doc[0])
	root, perr := parseJSON(text, opt.MaxDepth, opt.MaxValues)
	if root == nil {
		return res, perr
	}
	w := newWalker(opt, res)
	w.walk(root)
	w.flush(transcoded)
	if root.kind == jObject {
		res.Model = root.getText("class_name")
	}
	return res, perr
}

// IsSyntax reports whether err means the document is not valid JSON.
func IsSyntax(err error) bool { return errors.Is(err, ErrSyntax) }

// IsLimit reports whether err means a limit stopped the analysis.
func IsLimit(err error) bool { return errors.Is(err, ErrLimit) }

// Sniff reports whether head (the first bytes of a document, possibly
// cut anywhere) is a JSON object whose top-level members include
// "class_name" with a string value and "config" or "module": the shape of
// a serialized Keras model. Transformers-style config.json files have no
// such pair and are not matched.
func Sniff(head []byte) bool {
	keys := topKeys(head)
	return keys["class_name"] == jString+1 && (keys["config"] != 0 || keys["module"] != 0)
}

// SniffMetadata reports whether head is the metadata.json of a .keras
// archive (top-level keras_version and date_saved, no class_name).
func SniffMetadata(head []byte) bool {
	keys := topKeys(head)
	return keys["keras_version"] != 0 && keys["date_saved"] != 0 && keys["class_name"] == 0
}

// topKeys lists the top-level keys of a JSON object readable in head,
// with the kind of their value (+1, so that 0 means absent).
func topKeys(head []byte) map[string]kind {
	b := toUTF8(head)
	p := &parser{b: b, maxDepth: 64, maxNodes: 1 << 20}
	p.ws()
	if p.pos >= len(b) || b[p.pos] != '{' {
		return nil
	}
	p.pos++
	keys := map[string]kind{}
	for {
		p.ws()
		if p.pos >= len(b) || b[p.pos] != '"' {
			return keys
		}
		key, err := p.string()
		if err != nil {
			return keys
		}
		p.ws()
		if p.pos >= len(b) || b[p.pos] != ':' {
			return keys
		}
		p.pos++
		p.ws()
		if p.pos >= len(b) {
			return keys
		}
		// the value may be cut by the end of head: record its kind from
		// its first byte, then try to skip it
		switch c := b[p.pos]; {
		case c == '"':
			keys[key] = jString + 1
		case c == '{':
			keys[key] = jObject + 1
		case c == '[':
			keys[key] = jArray + 1
		case c == 'n':
			keys[key] = jNull + 1
		default:
			keys[key] = jNumber + 1
		}
		if _, err := p.value(); err != nil {
			return keys
		}
		p.ws()
		if p.pos >= len(b) || b[p.pos] != ',' {
			return keys
		}
		p.pos++
	}
}

// location renders a path in the document, e.g. config.layers[3].config.
func location(segs []seg) string {
	var b strings.Builder
	for _, s := range segs {
		if s.idx >= 0 {
			fmt.Fprintf(&b, "[%d]", s.idx)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	if b.Len() == 0 {
		return "the top level"
	}
	return b.String()
}

// seg is one step of a path: an object key (idx < 0) or an array index.
type seg struct {
	key string
	idx int
}
