#!/bin/sh
# Regenerates the binary fixtures of this directory from the text-format
# sources in src/ with protoc (Debian: apt-get install protobuf-compiler)
# and the schema subsets in proto/. Nothing is loaded or executed: protoc
# only encodes text to the protobuf wire format.
set -eu
cd "$(dirname "$0")"

enc() { # message type, schema file, output, source in src/
	mkdir -p "$(dirname "$3")"
	protoc -Iproto --encode="$1" "$2" <"src/$4" >"$3"
}

SM=tensorflow/core/protobuf/saved_model.proto
enc tensorflow.SavedModel "$SM" benign_keras/saved_model.pb benign_keras.txtpb
enc tensorflow.FingerprintDef tensorflow/core/protobuf/fingerprint.proto benign_keras/fingerprint.pb fingerprint.txtpb
enc tensorflow.SavedModel "$SM" readfile_function/saved_model.pb readfile_function.txtpb
enc tensorflow.SavedModel "$SM" pyfunc/saved_model.pb pyfunc.txtpb
enc tensorflow.SavedModel "$SM" custom_op/saved_model.pb custom_op.txtpb
enc tensorflow.SavedModel "$SM" keras_objgraph/saved_model.pb keras_objgraph_metadata.txtpb
enc tensorflow.GraphDef tensorflow/core/framework/graph.proto frozen/frozen_graph.pb frozen_graph.txtpb
enc tensorflow.MetaGraphDef tensorflow/core/protobuf/meta_graph.proto tf1/model.ckpt.meta tf1_meta.txtpb
enc third_party.py.tf_keras.protobuf.SavedMetadata tf_keras/protobuf/saved_metadata.proto \
	keras_lambda/keras_metadata.pb keras_metadata_lambda.txtpb
