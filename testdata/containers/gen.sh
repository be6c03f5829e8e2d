#!/bin/bash
# Regenerate the BENIGN container fixtures (see gen.py for the list).
# Needs /usr/bin/python3 with the Debian numpy/pandas/joblib/torch packages
# and the gzip, bzip2, xz, zstd and lz4 command-line tools.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf cli py pandas joblib nest zip multi base.pkl manifest.json
/usr/bin/python3 gen.py python

mkdir -p cli
gzip -n -9 -c base.pkl >cli/base.pkl.gz
bzip2 -9 -c base.pkl >cli/base.pkl.bz2
xz -6 -c base.pkl >cli/base.pkl.xz
xz --format=lzma -6 -c base.pkl >cli/base.pkl.lzma
zstd -q -19 -c base.pkl >cli/base.pkl.zst
lz4 -q -c base.pkl >cli/base.pkl.lz4

/usr/bin/python3 gen.py manifest
