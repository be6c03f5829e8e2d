package tffmt

import (
	"encoding/binary"
	"errors"
	"regexp"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/protowalk"
)

// kind is what a blob was recognised as.
type kind int

const (
	kindNone            kind = iota
	kindSavedModel           // SavedModel (saved_model.pb)
	kindMetaGraph            // MetaGraphDef (TF1 checkpoint .meta)
	kindGraphDef             // GraphDef (frozen graph .pb)
	kindKerasMetadata        // Keras SavedMetadata (keras_metadata.pb)
	kindFingerprint          // FingerprintDef (fingerprint.pb)
	kindCheckpointIndex      // TensorBundle index (variables.index)
	kindCheckpointData       // TensorBundle data shard (variables.data-00000-of-00001)
	kindNamedOnly            // the name says TensorFlow, the content does not parse
)

var kindNames = [...]string{"", "SavedModel", "MetaGraphDef", "GraphDef", "Keras SavedMetadata", "FingerprintDef",
	"checkpoint index", "checkpoint data", "TensorFlow protobuf"}

func (k kind) String() string { return kindNames[k] }

// Sniffing limits: a trial parse decodes at most sniffFields fields and
// checks the first sniffNodes nodes of a graph in depth.
const (
	sniffFields     = 4096
	sniffNodes      = 16
	sniffFunctions  = 4
	sniffMetaGraphs = 4
	maxTopLevel     = 64 // top-level fields of a SavedModel / fingerprint
)

// tableMagic ends every TensorBundle index (the LevelDB table footer
// magic, little-endian), after 40 bytes of block handles.
const tableMagic = 0xdb4775248b80fb57

var dataShard = regexp.MustCompile(`\.data-[0-9]{5}-of-[0-9]{5}$`)

// namedKinds are file names TensorFlow and Keras give these protobufs.
var namedKinds = map[string]kind{
	"saved_model.pb":    kindSavedModel,
	"keras_metadata.pb": kindKerasMetadata,
	"fingerprint.pb":    kindFingerprint,
}

// firstTags are the tag bytes a TensorFlow protobuf written by TensorFlow
// starts with: fields 1-5 as varint or length-delimited.
var firstTags = [256]bool{0x08: true, 0x0a: true, 0x12: true, 0x1a: true, 0x22: true, 0x2a: true}

// hintOf returns the kind the file name suggests, if any. The trial parse
// of that kind then tolerates unknown fields, as protobuf parsers do (they
// skip them), so that a padded file is not hidden from the scan; every
// other kind is parsed strictly.
func hintOf(b *core.Blob) kind {
	if k, ok := namedKinds[strings.ToLower(b.Base())]; ok {
		return k
	}
	switch b.Ext() {
	case ".pb", ".graphdef":
		return kindGraphDef
	case ".meta":
		return kindMetaGraph
	}
	return kindNone
}

// sniff recognises b. It never claims a blob on its name alone, except a
// checkpoint data shard (raw tensor bytes have no structure to check) and
// the fixed file names, which are then reported as unreadable.
func sniff(head []byte, b *core.Blob) kind {
	if b.Size <= 0 || len(head) == 0 {
		return kindNone
	}
	if dataShard.MatchString(b.Name) {
		return kindCheckpointData
	}
	if isTableFile(b) {
		return kindCheckpointIndex
	}
	hint := hintOf(b)
	if hint == kindNone && !firstTags[head[0]] {
		return kindNone
	}
	sn := &sniffer{r: protowalk.NewReader(b.R, b.Size, 0)}
	try := func(c check, strict bool) bool {
		restore := sn.r.Limit(sniffFields)
		defer restore()
		sn.strict = strict
		return c.fn(sn)
	}
	// Strictly first, so that content that is exactly one kind is that
	// kind whatever its name; then the named kind, tolerantly.
	for _, c := range checks {
		if try(c, true) {
			return c.k
		}
	}
	for _, c := range checks {
		if c.k == hint && try(c, false) {
			return c.k
		}
	}
	if _, ok := namedKinds[strings.ToLower(b.Base())]; ok {
		return kindNamedOnly
	}
	return kindNone
}

// check is the trial parse of one kind.
type check struct {
	k  kind
	fn func(*sniffer) bool
}

var checks = []check{
	{kindKerasMetadata, (*sniffer).kerasMetadata},
	{kindSavedModel, (*sniffer).savedModel},
	{kindMetaGraph, (*sniffer).metaGraphFile},
	{kindGraphDef, (*sniffer).graphFile},
	{kindFingerprint, (*sniffer).fingerprint},
}

// isTableFile checks the footer of a TensorBundle index.
func isTableFile(b *core.Blob) bool {
	if b.Size < 48 {
		return false
	}
	var tail [8]byte
	if n, _ := b.R.ReadAt(tail[:], b.Size-8); n != 8 {
		return false
	}
	return binary.LittleEndian.Uint64(tail[:]) == tableMagic
}

// sniffer runs one trial parse.
type sniffer struct {
	r      *protowalk.Reader
	strict bool // unknown fields reject the content
}

// walk runs a trial walk: a malformed field or a read error fails it; the
// budget running out ends it, and what was seen so far is judged.
func (sn *sniffer) walk(sp protowalk.Span, fn func(protowalk.Field) error) bool {
	err := sn.r.Walk(sp, fn)
	return err == nil || errors.Is(err, protowalk.ErrBudget)
}

// errReject ends a trial walk that found a field of the wrong shape.
var errReject = errors.New("not this message")

// field checks a field against the wire type its number must have
// (known[num]): a known field with another wire type always rejects the
// content, a field number that is not known only when strict.
func (sn *sniffer) field(f protowalk.Field, known map[protowire.Number]protowire.Type) error {
	t, ok := known[f.Num]
	if !ok {
		if sn.strict {
			return errReject
		}
		return nil
	}
	if t != f.Type {
		return errReject
	}
	return nil
}

const (
	vt = protowire.VarintType
	bt = protowire.BytesType
)

var (
	savedModelFields = map[protowire.Number]protowire.Type{smSchemaVersion: vt, smMetaGraphs: bt}
	metaGraphFields  = map[protowire.Number]protowire.Type{mgMetaInfoDef: bt, mgGraphDef: bt, mgSaverDef: bt,
		mgCollection: bt, mgSignatureDef: bt, mgAssetFileDef: bt, mgObjectGraph: bt}
	graphFields = map[protowire.Number]protowire.Type{gdNode: bt, gdLibrary: bt, gdVersion: vt, gdVersions: bt,
		gdDebugInfo: bt}
	nodeFields = map[protowire.Number]protowire.Type{ndName: bt, ndOp: bt, ndInput: bt, ndDevice: bt, ndAttr: bt,
		ndDebug: bt, ndType: bt}
	libraryFields  = map[protowire.Number]protowire.Type{libFunction: bt, libGradient: bt, libRegGrad: bt}
	functionFields = map[protowire.Number]protowire.Type{fdSignature: bt, fdNodeDef: bt, 4: bt, 5: bt, 6: bt, 7: bt,
		8: bt}
	kerasNodeFields = map[protowire.Number]protowire.Type{ksVersionOld: bt, ksNodeID: vt, ksNodePath: bt,
		ksIdentifier: bt, ksMetadata: bt, ksVersion: bt}
	fingerprintFields = map[protowire.Number]protowire.Type{1: vt, 2: vt, 3: vt, 4: vt, fpLastHash: vt,
		fpVersion: bt, fpUUID: bt}
)

// savedModel: fields 1 (varint) and 2 (MetaGraphDef) only, at least one
// meta graph, and one of the first ones holds a graph.
func (sn *sniffer) savedModel() bool {
	var metas []protowalk.Span
	n := 0
	ok := sn.walk(sn.r.All(), func(f protowalk.Field) error {
		if n++; n > maxTopLevel && sn.strict {
			return errReject
		}
		if err := sn.field(f, savedModelFields); err != nil {
			return err
		}
		if f.Num == smMetaGraphs && len(metas) < sniffMetaGraphs {
			metas = append(metas, f.Data)
		}
		return nil
	})
	if !ok || len(metas) == 0 {
		return false
	}
	for _, m := range metas {
		if sn.metaGraph(m) {
			return true
		}
	}
	return false
}

// metaGraphFile: a MetaGraphDef as the whole file (TF1 .meta).
func (sn *sniffer) metaGraphFile() bool { return sn.metaGraph(sn.r.All()) }

// metaGraph: every field length-delimited, and a graph_def that holds a
// graph.
func (sn *sniffer) metaGraph(sp protowalk.Span) bool {
	found := false
	ok := sn.walk(sp, func(f protowalk.Field) error {
		if err := sn.field(f, metaGraphFields); err != nil {
			return err
		}
		if f.Num == mgGraphDef && !found {
			found = sn.graph(f.Data)
		}
		return nil
	})
	return ok && found
}

// graphFile: a GraphDef as the whole file (frozen graph); it must have
// nodes.
func (sn *sniffer) graphFile() bool {
	nodes, _, ok := sn.graphCounts(sn.r.All())
	return ok && nodes > 0
}

// graph: nodes with op names, or a library with functions.
func (sn *sniffer) graph(sp protowalk.Span) bool {
	nodes, funcs, ok := sn.graphCounts(sp)
	return ok && (nodes > 0 || funcs > 0)
}

// graphCounts checks a GraphDef: the first nodes must be NodeDefs with an
// op, and at least one op must look like an op or function name; the
// first functions of a library must be FunctionDefs.
func (sn *sniffer) graphCounts(sp protowalk.Span) (nodes, funcs int, ok bool) {
	named := false
	checked := 0
	ok = sn.walk(sp, func(f protowalk.Field) error {
		if err := sn.field(f, graphFields); err != nil {
			return err
		}
		switch f.Num {
		case gdNode:
			if checked < sniffNodes {
				checked++
				good, nameOK := sn.node(f.Data)
				if !good {
					return errReject
				}
				named = named || nameOK
			}
			nodes++
		case gdLibrary:
			n, good := sn.library(f.Data)
			if !good {
				return errReject
			}
			funcs += n
		}
		return nil
	})
	if nodes > 0 && !named {
		return 0, 0, false
	}
	return nodes, funcs, ok
}

// node checks a NodeDef: length-delimited fields only and an op; nameOK
// says the op looks like an op or function name.
func (sn *sniffer) node(sp protowalk.Span) (good, nameOK bool) {
	var op protowalk.Span
	hasOp := false
	ok := sn.walk(sp, func(f protowalk.Field) error {
		if err := sn.field(f, nodeFields); err != nil {
			return err
		}
		if f.Num == ndOp {
			op, hasOp = f.Data, true
		}
		return nil
	})
	if !ok || !hasOp || op.Len == 0 {
		return false, false
	}
	name, whole, err := sn.r.Read(op, maxOpName)
	if err != nil {
		return false, false
	}
	return true, whole && opLike(name)
}

// library checks the first functions of a FunctionDefLibrary.
func (sn *sniffer) library(sp protowalk.Span) (int, bool) {
	n := 0
	ok := sn.walk(sp, func(f protowalk.Field) error {
		if err := sn.field(f, libraryFields); err != nil {
			return err
		}
		if f.Num == libFunction {
			if n < sniffFunctions && !sn.function(f.Data) {
				return errReject
			}
			n++
		}
		return nil
	})
	return n, ok
}

// function checks a FunctionDef: length-delimited fields, a signature.
func (sn *sniffer) function(sp protowalk.Span) bool {
	sig := false
	ok := sn.walk(sp, func(f protowalk.Field) error {
		if err := sn.field(f, functionFields); err != nil {
			return err
		}
		sig = sig || f.Num == fdSignature
		return nil
	})
	return ok && sig
}

// kerasMetadata: repeated field 1 only; nodes shaped like Keras
// SavedObjects, one of them with a _tf_keras identifier (any identifier or
// metadata when the name is a hint).
func (sn *sniffer) kerasMetadata() bool {
	checked, keras := 0, false
	ok := sn.walk(sn.r.All(), func(f protowalk.Field) error {
		if f.Num != kmNodes || f.Type != bt {
			if f.Num == kmNodes || sn.strict {
				return errReject
			}
			return nil
		}
		if checked >= sniffNodes {
			return nil
		}
		checked++
		good, isKeras := sn.kerasNode(f.Data)
		if !good {
			return errReject
		}
		keras = keras || isKeras
		return nil
	})
	return ok && keras
}

func (sn *sniffer) kerasNode(sp protowalk.Span) (good, keras bool) {
	var ident protowalk.Span
	hasIdent, hasMeta := false, false
	ok := sn.walk(sp, func(f protowalk.Field) error {
		if err := sn.field(f, kerasNodeFields); err != nil {
			return err
		}
		switch f.Num {
		case ksIdentifier:
			ident, hasIdent = f.Data, true
		case ksMetadata:
			hasMeta = true
		}
		return nil
	})
	if !ok {
		return false, false
	}
	if hasIdent {
		id, _, err := sn.r.Read(ident, 64)
		if err == nil && strings.HasPrefix(string(id), "_tf_keras") {
			return true, true
		}
	}
	return true, !sn.strict && (hasIdent || hasMeta)
}

// fingerprint: uint64 hashes in fields 1-5, a VersionDef and a uuid; at
// least three hashes unless the name is a hint.
func (sn *sniffer) fingerprint() bool {
	seen := map[protowire.Number]bool{}
	hashes := 0
	ok := sn.walk(sn.r.All(), func(f protowalk.Field) error {
		if len(seen) > maxTopLevel {
			return errReject
		}
		if err := sn.field(f, fingerprintFields); err != nil {
			return err
		}
		if seen[f.Num] && sn.strict {
			return errReject
		}
		seen[f.Num] = true
		switch {
		case f.Num <= fpLastHash:
			hashes++
		case f.Num == fpVersion:
			if !sn.versionDef(f.Data) {
				return errReject
			}
		case f.Num == fpUUID:
			u, _, err := sn.r.Read(f.Data, 64)
			if err != nil || !printable(u) {
				return errReject
			}
		}
		return nil
	})
	if !ok {
		return false
	}
	if sn.strict {
		return hashes >= 3
	}
	return len(seen) > 0
}

// versionDef: producer, min_consumer, bad_consumers (varints, or packed).
func (sn *sniffer) versionDef(sp protowalk.Span) bool {
	return sn.walk(sp, func(f protowalk.Field) error {
		switch {
		case (f.Num == vdProducer || f.Num == vdMinConsumer) && f.Type == vt:
		case f.Num == vdBadConsumer && (f.Type == vt || f.Type == bt):
		default:
			return errReject
		}
		return nil
	})
}

// opLike reports whether s can be an op or function name.
func opLike(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '>' ||
			c == '.' || c == '-' || c == '/') {
			return false
		}
	}
	return true
}

func printable(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
