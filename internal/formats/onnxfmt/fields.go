package onnxfmt

import "google.golang.org/protobuf/encoding/protowire"

// Field numbers of the ONNX messages this package reads, from onnx.proto
// (onnx/onnx-ml.proto of onnx 1.12 as shipped by Debian, plus the fields
// later releases added: ModelProto.configuration, NodeProto.overload,
// metadata_props and device_configurations, FunctionProto.attribute_proto,
// value_info, overload and metadata_props, GraphProto.metadata_props).
const (
	// ModelProto
	mIRVersion       = 1  // int64
	mProducerName    = 2  // string
	mProducerVersion = 3  // string
	mDomain          = 4  // string
	mModelVersion    = 5  // int64
	mDocString       = 6  // string
	mGraph           = 7  // GraphProto
	mOpsetImport     = 8  // repeated OperatorSetIdProto
	mMetadataProps   = 14 // repeated StringStringEntryProto
	mTrainingInfo    = 20 // repeated TrainingInfoProto
	mFunctions       = 25 // repeated FunctionProto
	mConfiguration   = 26 // repeated DeviceConfigurationProto

	// TrainingInfoProto
	tiInitialization = 1 // GraphProto
	tiAlgorithm      = 2 // GraphProto

	// OperatorSetIdProto
	osDomain  = 1 // string
	osVersion = 2 // int64

	// GraphProto
	gNode              = 1  // repeated NodeProto
	gName              = 2  // string
	gInitializer       = 5  // repeated TensorProto
	gDocString         = 10 // string
	gInput             = 11 // repeated ValueInfoProto
	gOutput            = 12 // repeated ValueInfoProto
	gValueInfo         = 13 // repeated ValueInfoProto
	gQuantAnnotation   = 14 // repeated TensorAnnotation
	gSparseInitializer = 15 // repeated SparseTensorProto
	gMetadataProps     = 16 // repeated StringStringEntryProto

	// NodeProto
	nInput         = 1  // repeated string
	nOutput        = 2  // repeated string
	nName          = 3  // string
	nOpType        = 4  // string
	nAttribute     = 5  // repeated AttributeProto
	nDocString     = 6  // string
	nDomain        = 7  // string
	nOverload      = 8  // string
	nMetadataProps = 9  // repeated StringStringEntryProto
	nDeviceConfigs = 10 // repeated NodeDeviceConfigurationProto

	// FunctionProto
	fnName           = 1  // string
	fnNode           = 7  // repeated NodeProto
	fnDomain         = 10 // string
	fnAttributeProto = 11 // repeated AttributeProto (default values)

	// AttributeProto
	aName          = 1  // string
	aI             = 3  // int64
	aS             = 4  // bytes
	aT             = 5  // TensorProto
	aG             = 6  // GraphProto
	aTensors       = 10 // repeated TensorProto
	aGraphs        = 11 // repeated GraphProto
	aSparseTensor  = 22 // SparseTensorProto
	aSparseTensors = 23 // repeated SparseTensorProto

	// TensorProto
	tName         = 8  // string
	tExternalData = 13 // repeated StringStringEntryProto
	tDataLocation = 14 // DataLocation; 1 is EXTERNAL

	// SparseTensorProto
	stValues  = 1 // TensorProto
	stIndices = 2 // TensorProto

	// StringStringEntryProto
	ssKey   = 1 // string
	ssValue = 2 // string

	// TensorProto.DataLocation
	dataLocationExternal = 1
)

const (
	vt = protowire.VarintType
	bt = protowire.BytesType
)

// Wire types of the fields of the messages the recognition checks.
var (
	modelFields = map[protowire.Number]protowire.Type{mIRVersion: vt, mProducerName: bt, mProducerVersion: bt,
		mDomain: bt, mModelVersion: vt, mDocString: bt, mGraph: bt, mOpsetImport: bt, mMetadataProps: bt,
		mTrainingInfo: bt, mFunctions: bt, mConfiguration: bt}
	graphFields = map[protowire.Number]protowire.Type{gNode: bt, gName: bt, gInitializer: bt, gDocString: bt,
		gInput: bt, gOutput: bt, gValueInfo: bt, gQuantAnnotation: bt, gSparseInitializer: bt, gMetadataProps: bt}
	nodeFields = map[protowire.Number]protowire.Type{nInput: bt, nOutput: bt, nName: bt, nOpType: bt,
		nAttribute: bt, nDocString: bt, nDomain: bt, nOverload: bt, nMetadataProps: bt, nDeviceConfigs: bt}
	opsetFields = map[protowire.Number]protowire.Type{osDomain: bt, osVersion: vt}
)
