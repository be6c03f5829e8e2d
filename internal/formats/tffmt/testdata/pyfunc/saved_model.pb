ý
"serve*2.13.0é
-
serving_default_xPlaceholder*
dtype0
U
PartitionedCallPartitionedCallserving_default_x*
fR
__inference_py_step_7Ù
Ö
/
__inference_py_step_7
x
identityˆO
EagerPyFuncEagerPyFuncx*
Tin
2*
Tout
2*
token
pyfunc_03
IdentityIdentityEagerPyFunc:output:0*
T0"
identityIdentity:output:0"Ê