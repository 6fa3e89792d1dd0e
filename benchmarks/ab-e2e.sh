#!/usr/bin/env bash
# A/B comparison of two builds of benchmarks.jar on one end-to-end case, for judging a change to our own servers on a
# noisy machine: runs run-e2e.sh's case sat-N-S (or --case lat-1000) against our server on one transport, started from
# jar A, then from jar B, in turn (A B A B ...), and prints per run delivered msg/s (saturating) or the p99 latency in
# microseconds (lat-1000), and the ratio of B's median to A's. The load tool always comes from benchmarks/target. Each
# run's results go to OUT/A-1, OUT/B-1, ...
#
#   benchmarks/ab-e2e.sh A.jar B.jar OUT [--transport java-websocket] [--subscribers 1000] [--size 64]
#                        [--rounds 3] [--duration 10s] [--warmup 3s] [--case lat-1000]
#   cp benchmarks/target/benchmarks.jar /tmp/before.jar   # then change the code, rebuild, and:
#   benchmarks/ab-e2e.sh /tmp/before.jar benchmarks/target/benchmarks.jar /tmp/ab --transport java-websocket
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,10p' "$0"; exit 2; }
A="$(realpath "$1")" B="$(realpath "$2")" OUT="$(realpath -m "$3")"; shift 3
TRANSPORT=java-websocket SUBS=1000 SIZE=64 ROUNDS=3 DURATION=10s WARMUP=3s CASE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --transport) TRANSPORT="$2"; shift 2 ;;
    --subscribers) SUBS="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --case) CASE="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
HERE="$(cd "$(dirname "$0")" && pwd)"
CASE="${CASE:-sat-$SUBS-$SIZE}"
SERVER="wshub-$TRANSPORT"
mkdir -p "$OUT"
case "$CASE" in lat-*) UNIT="us p99" ;; *) UNIT="msg/s" ;; esac

run() { # label jar round: prints delivered msg/s
  local dir="$OUT/$1-$3"
  "$HERE/run-e2e.sh" --server-jar "$2" --servers "$SERVER" --cases "$CASE" --duration "$DURATION" \
    --warmup "$WARMUP" --out "$dir" > "$dir.log" 2>&1 || { echo "run $1-$3 failed; see $dir.log" >&2; exit 1; }
  local json="$dir/${SERVER}__${CASE}__r1.json"
  case "$CASE" in
    lat-*) python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["latencyUs"]["p99"])' "$json" ;;
    *) grep -o '"deliveredPerSec": *[0-9.]*' "$json" | grep -o '[0-9.]*$' ;;
  esac
}

echo "A=$A B=$B server=$SERVER case=$CASE rounds=$ROUNDS duration=$DURATION" \
  "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/ab.txt"
a=() b=()
for r in $(seq 1 "$ROUNDS"); do
  x=$(run A "$A" "$r"); a+=("$x"); echo "round $r A: $x $UNIT" | tee -a "$OUT/ab.txt"
  y=$(run B "$B" "$r"); b+=("$y"); echo "round $r B: $y $UNIT" | tee -a "$OUT/ab.txt"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
ma=$(median "${a[@]}") mb=$(median "${b[@]}")
echo "median A $ma, B $mb, B/A $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", b / a}')" | tee -a "$OUT/ab.txt"
