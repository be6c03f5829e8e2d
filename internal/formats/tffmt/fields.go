package tffmt

// Field numbers of the TensorFlow and Keras messages this package reads.
// They were checked against the .proto files of TensorFlow
// (tensorflow/core/protobuf/{saved_model,meta_graph,saved_object_graph,
// fingerprint}.proto, tensorflow/core/framework/{graph,node_def,function,
// op_def,attr_value,tensor}.proto) and tf-keras
// (tf_keras/protobuf/saved_metadata.proto); testdata/proto holds the
// subsets the fixtures are encoded with.
const (
	// SavedModel
	smSchemaVersion = 1 // int64
	smMetaGraphs    = 2 // repeated MetaGraphDef

	// MetaGraphDef
	mgMetaInfoDef  = 1 // MetaInfoDef
	mgGraphDef     = 2 // GraphDef
	mgSaverDef     = 3 // SaverDef
	mgCollection   = 4 // map<string, CollectionDef>
	mgSignatureDef = 5 // map<string, SignatureDef>
	mgAssetFileDef = 6 // repeated AssetFileDef
	mgObjectGraph  = 7 // SavedObjectGraph

	// AssetFileDef
	assetTensorInfo = 1 // TensorInfo
	assetFilename   = 2 // string

	// SavedObjectGraph / SavedObject / SavedUserObject
	sogNodes      = 1 // repeated SavedObject
	soUserObject  = 4 // SavedUserObject (oneof kind)
	suoIdentifier = 1 // string
	suoMetadata   = 3 // string (deprecated; Keras JSON in TF 2.0-2.4)

	// GraphDef
	gdNode      = 1 // repeated NodeDef
	gdLibrary   = 2 // FunctionDefLibrary
	gdVersion   = 3 // int32 (deprecated)
	gdVersions  = 4 // VersionDef
	gdDebugInfo = 5 // GraphDebugInfo (newer TensorFlow)

	// NodeDef
	ndName   = 1 // string
	ndOp     = 2 // string
	ndInput  = 3 // repeated string
	ndDevice = 4 // string
	ndAttr   = 5 // map<string, AttrValue>
	ndDebug  = 6 // ExperimentalDebugInfo
	ndType   = 7 // FullTypeDef

	// FunctionDefLibrary
	libFunction = 1 // repeated FunctionDef
	libGradient = 2 // repeated GradientDef
	libRegGrad  = 3 // repeated RegisteredGradient

	// FunctionDef
	fdSignature = 1 // OpDef
	fdNodeDef   = 3 // repeated NodeDef

	// OpDef
	opName = 1 // string

	// map entries (key = 1, value = 2)
	mapKey   = 1
	mapValue = 2

	// AttrValue
	avList   = 1  // ListValue
	avS      = 2  // bytes
	avTensor = 8  // TensorProto
	avFunc   = 10 // NameAttrList

	// AttrValue.ListValue
	lvS      = 2 // repeated bytes
	lvTensor = 8 // repeated TensorProto
	lvFunc   = 9 // repeated NameAttrList

	// NameAttrList
	nalName = 1 // string
	nalAttr = 2 // map<string, AttrValue>

	// TensorProto
	tpDtype     = 1 // DataType
	tpStringVal = 8 // repeated bytes

	// Keras SavedMetadata / SavedObject
	kmNodes      = 1 // repeated SavedObject
	ksVersionOld = 1 // VersionDef (early layout; later reserved)
	ksNodeID     = 2 // int32
	ksNodePath   = 3 // string
	ksIdentifier = 4 // string
	ksMetadata   = 5 // string (JSON)
	ksVersion    = 6 // VersionDef

	// FingerprintDef: fields 1-5 are uint64 hashes, 6 a VersionDef, 7 a
	// string uuid.
	fpLastHash = 5
	fpVersion  = 6
	fpUUID     = 7

	// VersionDef
	vdProducer    = 1 // int32
	vdMinConsumer = 2 // int32
	vdBadConsumer = 3 // repeated int32 (packed or not)
)
