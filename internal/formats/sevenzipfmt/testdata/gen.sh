#!/usr/bin/env bash
# Regenerates the benign 7z fixtures of this directory with the 7z command
# (Debian package p7zip-full) from the benign files of testdata/real.
# Output is byte-identical across runs except encrypted*.7z (random AES IV).
# Malicious archives are never committed: tests build them in a temporary
# directory when the 7z command is available.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
real=$here/../../../../testdata/real
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tree=$work/model
mkdir -p "$tree/sub/deep" "$tree/emptydir"
cp "$real/pickle/plain_data_v4.pkl" "$tree/data.pkl"
cp "$real/numpy/int64_1d.npy" "$tree/sub/weights.npy"
cp "$real/numpy/arrays.npz" "$tree/sub/deep/arrays.npz"
cp "$real/torch/pytorch_model.bin" "$tree/sub/pytorch_model.bin"
: >"$tree/empty.txt"
find "$tree" -exec touch -h -d '2020-01-01 00:00:00 UTC' {} +

z() {
	local out=$1
	shift
	rm -f "$here/$out"
	(cd "$work" && 7z a -bd -bso0 -bsp0 "$@" "$here/$out" model)
}

z lzma.7z -m0=LZMA                      # solid LZMA, LZMA-packed header
z lzma2.7z -m0=LZMA2 -ms=off -mhc=off   # one folder per file, plain header
z ppmd.7z -m0=PPMd                      # a method the library does not decode
z bzip2.7z -m0=BZip2 -ms=off
z deflate.7z -m0=Deflate
z copy.7z -m0=Copy -mhc=off             # stored, plain header
z bcj2.7z -m0=BCJ2 -m1=LZMA -m2=LZMA -m3=LZMA -mb0:1 -mb0s1:2 -mb0s2:3
z encrypted.7z -pmodelscan              # AES data, names readable
z encrypted_header.7z -pmodelscan -mhe=on

# an archive without entries: every entry deleted
cp "$here/copy.7z" "$here/empty.7z"
7z d -bd -bso0 -bsp0 "$here/empty.7z" -r '*'
