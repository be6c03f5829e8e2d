#!/usr/bin/env bash
# Parallel scanning benchmark: how much faster -j 2 scans a directory of
# 5,000 small model files than -j 1. See docs/benchmarks.md, "Parallel
# scanning (-j)".
#
#   bench/jobs.sh                 # build, generate the files if missing, measure
#
# Environment:
#   BENCH_DIR    where the inputs and the binary go (default /tmp/modelscan-bench)
#   FILES        number of files (default 5000)
#   COMPRESSED   1 (default): include the compressed joblib fixtures; 0: leave them out
#   RUNS         timed pairs (default 15, after one warm-up pair)
#   JOBS         the -j values to compare (default "1 2")
#   INPUT        scan this existing directory instead (for example $BENCH_DIR/many,
#                the 5,000 files bench/gen.py writes with the real libraries)
#
# The files are written by bench/jobsgen (Go, no Python): copies of the
# benign fixtures in testdata/real taken in turn, alternating with small
# plain-data pickles. Each round runs every -j value once, in an order that
# alternates between rounds, so that load from other processes on a shared
# machine falls on all of them alike. Reported: median and minimum wall
# time, median CPU time (user + system), and the speed-up of each -j value
# over the first (ratio of medians, and median of the per-round ratios).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/modelscan-bench}
FILES=${FILES:-5000}
COMPRESSED=${COMPRESSED:-1}
RUNS=${RUNS:-15}
JOBS=${JOBS:-"1 2"}

case "$BENCH_DIR" in
  "$ROOT"|"$ROOT"/*) echo "BENCH_DIR must be outside the repository ($ROOT)" >&2; exit 2 ;;
esac
mixname=all
[ "$COMPRESSED" = 1 ] || mixname=nocompressed
DIR=${INPUT:-"$BENCH_DIR/jobs-$FILES-$mixname"}
[ -z "${INPUT:-}" ] || mixname=$(basename "$INPUT")
BIN="$BENCH_DIR/bin/modelscan-jobs"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== build ($BIN)" >&2
mkdir -p "$(dirname "$BIN")"
(cd "$ROOT" && go build -o "$BIN" ./cmd/modelscan)

if [ ! -d "$DIR" ]; then
  echo "== generate $DIR" >&2
  compressed=true
  [ "$COMPRESSED" = 1 ] || compressed=false
  (cd "$ROOT" && go run ./bench/jobsgen -n "$FILES" -compressed="$compressed" -real testdata/real "$DIR.tmp") >&2
  mv "$DIR.tmp" "$DIR"
fi
nfiles=$(find "$DIR" -type f | wc -l)
size=$(du -sb --apparent-size "$DIR" | cut -f1)

# one J: time one scan with -j J; append "wall cpu" (seconds) to $WORK/jJ.tsv.
# The generated files are benign: anything but exit 0 is a failure.
TIMEFORMAT='%R %U %S'
one() {
  local j=$1 t rc=0 real user sys
  t=$( { time "$BIN" -p "$DIR" -r json -o "$WORK/out-$j.json" -j "$j" >/dev/null 2>"$WORK/err-$j"; } 2>&1 ) || rc=$?
  if [ "$rc" != 0 ]; then
    echo "modelscan -j $j -p $DIR: exit $rc (want 0 on benign files)" >&2
    tail -5 "$WORK/err-$j" >&2
    exit 1
  fi
  read -r real user sys <<<"$t"
  echo "$real $(echo "$user + $sys" | bc)" >>"$WORK/j$j.tsv"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "== $nfiles files, $size bytes; -j $JOBS; $RUNS rounds; load average $(load)" >&2
read -r -a jobs <<<"$JOBS"
for j in "${jobs[@]}"; do one "$j"; : >"$WORK/j$j.tsv"; done # warm-up
load_before=$(load)
for r in $(seq "$RUNS"); do
  if [ $((r % 2)) -eq 1 ]; then order=("${jobs[@]}"); else order=($(printf '%s\n' "${jobs[@]}" | tac)); fi
  for j in "${order[@]}"; do one "$j"; done
done
load_after=$(load)

# identical reports (timestamps aside) for every -j
first=${jobs[0]}
for j in "${jobs[@]}"; do
  if ! diff -q <(grep -v '"timestamp"' "$WORK/out-$first.json") <(grep -v '"timestamp"' "$WORK/out-$j.json") >/dev/null; then
    echo "the -j $j report differs from the -j $first report" >&2
    exit 1
  fi
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
minimum() { sort -g | head -1; }

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(go version | cut -d' ' -f3), $nfiles files ($mixname), $size bytes, $RUNS rounds"
echo "load average (1/5/15 min) before: $load_before, after: $load_after"
echo
echo "| -j | wall median | wall min | CPU median (user+sys) | speed-up (medians) | speed-up (median of rounds) |"
echo "|---|---|---|---|---|---|"
base_med=$(cut -d' ' -f1 "$WORK/j$first.tsv" | median)
for j in "${jobs[@]}"; do
  med=$(cut -d' ' -f1 "$WORK/j$j.tsv" | median)
  mn=$(cut -d' ' -f1 "$WORK/j$j.tsv" | minimum)
  cpu=$(cut -d' ' -f2 "$WORK/j$j.tsv" | median)
  ratio=$(echo "scale=2; $base_med / $med" | bc)
  rounds=$(paste -d' ' <(cut -d' ' -f1 "$WORK/j$first.tsv") <(cut -d' ' -f1 "$WORK/j$j.tsv") |
    awk '{printf "%.4f\n", $1 / $2}' | median)
  printf '| %s | %.0f ms | %.0f ms | %.0f ms | %.2f× | %.2f× |\n' "$j" \
    "$(echo "$med * 1000" | bc)" "$(echo "$mn * 1000" | bc)" "$(echo "$cpu * 1000" | bc)" "$ratio" "$rounds"
done
