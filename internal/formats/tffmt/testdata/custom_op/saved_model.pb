‹
"serve*2.13.0÷
0
serving_default_textPlaceholder*
dtype0
i
StatefulPartitionedCallStatefulPartitionedCallserving_default_text*
fR
__inference_tokenize_5Ð
Í
3
__inference_tokenize_5
text
identityˆ>
SentencepieceOpSentencepieceOp*
modelspm-model-bytes7
IdentityIdentitySentencepieceOp:handle:0*
T0"
identityIdentity:output:0"Ê