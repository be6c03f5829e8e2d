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
#   REFERENCE    1 (default): also time the two references below; 0: do not
#   INPUT        scan this existing directory instead (for example $BENCH_DIR/many,
#                the 5,000 files bench/gen.py writes with the real libraries)
#
# The files are written by bench/jobsgen (Go, no Python): copies of the
# benign fixtures in testdata/real taken in turn, alternating with small
# plain-data pickles. Each round runs every -j value once (and the
# references), in an order that alternates between rounds, so that load from
# other processes on a shared machine falls on all of them alike. Reported:
# median and minimum wall time, median CPU time (user + system), and the
# speed-up of each over the first -j value (ratio of medians, and median of
# the per-round ratios); for the pure-CPU reference, how much faster two
# copies at once get through twice the work.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/modelscan-bench}
FILES=${FILES:-5000}
COMPRESSED=${COMPRESSED:-1}
RUNS=${RUNS:-15}
JOBS=${JOBS:-"1 2"}
REFERENCE=${REFERENCE:-1}

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

# References (REFERENCE=1): the same files split in two halves, each scanned
# by its own -j 1 process, both at once (the most any in-process
# parallelism can give: no shared heap, queue or walk); and a pure-CPU
# program (bench/cpuref), one copy against two at once (what the machine
# gives to parallel work at all).
if [ "$REFERENCE" = 1 ]; then
  HALVES="$BENCH_DIR/halves-$(basename "$DIR")"
  if [ ! -d "$HALVES" ]; then
    echo "== split $DIR in two halves ($HALVES)" >&2
    mkdir -p "$HALVES.tmp/a" "$HALVES.tmp/b"
    # by size, then name, dealt in turn: each half gets every kind of file
    find "$DIR" -maxdepth 1 -type f -printf '%s\t%f\n' | sort -k1,1n -k2,2 | cut -f2 |
      while IFS= read -r f; do
        half=a; [ "${turn:-0}" = 1 ] && half=b
        turn=$((1 - ${turn:-0}))
        ln "$DIR/$f" "$HALVES.tmp/$half/$f" 2>/dev/null || cp "$DIR/$f" "$HALVES.tmp/$half/$f"
      done
    mv "$HALVES.tmp" "$HALVES"
  fi
  (cd "$ROOT" && go build -o "$BENCH_DIR/bin/cpuref" ./bench/cpuref)
fi

# timed CMD...: run the commands at once, print the wall and CPU time
# (user + system of all of them) in seconds
TIMEFORMAT='%R %U %S'
timed() {
  local t real user sys
  if ! t=$( { time "$@" >/dev/null 2>"$WORK/stderr"; } 2>&1 ); then
    cat "$WORK/stderr" >&2
    exit 1
  fi
  read -r real user sys <<<"$t"
  echo "$real $(echo "$user + $sys" | bc)"
}
# scan DIR J OUT: one scan; the files are benign, anything but exit 0 fails
scan() {
  local rc=0
  "$BIN" -p "$1" -r json -o "$3" -j "$2" 2>"$3.err" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "modelscan -j $2 -p $1: exit $rc (want 0 on benign files)" >&2
    tail -5 "$3.err" >&2
    return 1
  fi
}
halves() { scan "$HALVES/a" 1 "$WORK/half-a.json" & scan "$HALVES/b" 1 "$WORK/half-b.json" || return 1; wait $! ; }
cpuref2() { "$BENCH_DIR/bin/cpuref" & "$BENCH_DIR/bin/cpuref"; wait $!; }
one() {
  case $1 in
    halves) timed halves ;;
    cpuref1) timed "$BENCH_DIR/bin/cpuref" ;;
    cpuref2) timed cpuref2 ;;
    *) timed scan "$DIR" "$1" "$WORK/out-$1.json" ;;
  esac >>"$WORK/$1.tsv"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

read -r -a jobs <<<"$JOBS"
cases=("${jobs[@]}")
[ "$REFERENCE" = 1 ] && cases+=(halves cpuref1 cpuref2)
echo "== $nfiles files, $size bytes; -j $JOBS; $RUNS rounds; load average $(load)" >&2
for c in "${cases[@]}"; do one "$c"; : >"$WORK/$c.tsv"; done # warm-up
load_before=$(load)
for r in $(seq "$RUNS"); do
  if [ $((r % 2)) -eq 1 ]; then order=("${cases[@]}"); else order=($(printf '%s\n' "${cases[@]}" | tac)); fi
  for c in "${order[@]}"; do one "$c"; done
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
# speedup A B [F]: median over rounds of F * wall(A) / wall(B)
speedup() {
  paste -d' ' <(cut -d' ' -f1 "$WORK/$1.tsv") <(cut -d' ' -f1 "$WORK/$2.tsv") |
    awk -v f="${3:-1}" '{printf "%.4f\n", f * $1 / $2}' | median
}

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(go version | cut -d' ' -f3), $nfiles files ($mixname), $size bytes, $RUNS rounds"
echo "load average (1/5/15 min) before: $load_before, after: $load_after"
echo
echo "| run | wall median | wall min | CPU median (user+sys) | speed-up (medians) | speed-up (median of rounds) |"
echo "|---|---|---|---|---|---|"
base_med=$(cut -d' ' -f1 "$WORK/$first.tsv" | median)
row() { # row CASE LABEL
  local med mn cpu
  med=$(cut -d' ' -f1 "$WORK/$1.tsv" | median)
  mn=$(cut -d' ' -f1 "$WORK/$1.tsv" | minimum)
  cpu=$(cut -d' ' -f2 "$WORK/$1.tsv" | median)
  printf '| %s | %.0f ms | %.0f ms | %.0f ms | %.2f× | %.2f× |\n' "$2" \
    "$(echo "$med * 1000" | bc)" "$(echo "$mn * 1000" | bc)" "$(echo "$cpu * 1000" | bc)" \
    "$(echo "scale=2; $base_med / $med" | bc)" "$(speedup "$first" "$1")"
}
for j in "${jobs[@]}"; do row "$j" "-j $j"; done
if [ "$REFERENCE" = 1 ]; then
  row halves "two -j $first processes, half the files each"
  echo
  printf 'Pure-CPU reference (bench/cpuref): two copies at once get through their work %.2f× as\n' "$(speedup cpuref1 cpuref2 2)"
  echo "fast as one copy alone (median of rounds; 2.00× is a machine that gives parallel work two"
  echo "whole CPUs)."
fi
