·
"serve*2.4.1¹
3
serving_default_input_1Placeholder*
dtype0
v
StatefulPartitionedCallStatefulPartitionedCallserving_default_input_1*)
f$R"
 __inference_signature_wrapper_77‰
†
=
 __inference_signature_wrapper_77
input_1
identity&
IdentityIdentityinput_1*
T0"
identityIdentity:output:0:è
ä
layer-0"Ô
_tf_keras_sequentialµ{"class_name": "Sequential", "name": "sequential", "trainable": true, "config": {"name": "sequential", "layers": [{"class_name": "Dense", "config": {"name": "dense", "units": 2}}]}}
"}
_tf_keras_layerd{"class_name": "Dense", "name": "dense", "trainable": true, "config": {"name": "dense", "units": 2}}