#!/usr/bin/env bash
# A/B comparison of two builds of benchmarks.jar on one saturating end-to-end case, for judging a change to our own
# servers on a noisy machine: starts our BenchServer from jar A, then from jar B, in turn (A B A B ...), each fresh on
# 127.0.0.1, runs the load tool (always from jar B) against it, stops it, and prints delivered msg/s per run and the
# ratio of B's median to A's. Writes each run's JSON into OUT.
#
#   benchmarks/ab-e2e.sh A.jar B.jar OUT [--transport java-websocket] [--subscribers 1000] [--size 64]
#                        [--rounds 3] [--duration 10s] [--warmup 3s]
#   cp benchmarks/target/benchmarks.jar /tmp/before.jar   # then change the code, rebuild, and:
#   benchmarks/ab-e2e.sh /tmp/before.jar benchmarks/target/benchmarks.jar /tmp/ab --transport java-websocket
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,10p' "$0"; exit 2; }
A="$1" B="$2" OUT="$3"; shift 3
TRANSPORT=java-websocket SUBS=1000 SIZE=64 ROUNDS=3 DURATION=10s WARMUP=3s
while [ $# -gt 0 ]; do
  case "$1" in
    --transport) TRANSPORT="$2"; shift 2 ;;
    --subscribers) SUBS="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
PORT=19300
SERVER_PID=""
stop() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap stop EXIT INT TERM

run() { # label jar round
  local label="$1" jar="$2" round="$3" log="$OUT/$1-$3.server.log"
  PORT=$((PORT + 1))
  java -Xmx2g -XX:+UseG1GC -cp "$jar" io.wshub.benchmarks.server.BenchServer --transport "$TRANSPORT" \
    --port "$PORT" > "$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do grep -q '^LISTENING' "$log" && break; sleep 0.1; done
  grep -q '^LISTENING' "$log" || { echo "server $label did not start; see $log" >&2; exit 1; }
  timeout 600 java -Xmx1g -XX:+UseParallelGC -cp "$B" io.wshub.benchmarks.load.LoadTool \
    --url "ws://127.0.0.1:$PORT/ws" --label "$label" --json "$OUT/$label-$round.json" --server-pid "$SERVER_PID" \
    --subscribers "$SUBS" --publishers 1 --size "$SIZE" --rate 0 --duration "$DURATION" --warmup "$WARMUP" \
    > "$OUT/$label-$round.txt" 2>&1
  stop
  grep -o '"deliveredPerSec": *[0-9.]*' "$OUT/$label-$round.json" | grep -o '[0-9.]*$'
}

echo "A=$A B=$B transport=$TRANSPORT subscribers=$SUBS size=$SIZE rounds=$ROUNDS duration=$DURATION" \
  "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/ab.txt"
a=() b=()
for r in $(seq 1 "$ROUNDS"); do
  x=$(run A "$A" "$r"); a+=("$x"); echo "round $r A: $x msg/s" | tee -a "$OUT/ab.txt"
  y=$(run B "$B" "$r"); b+=("$y"); echo "round $r B: $y msg/s" | tee -a "$OUT/ab.txt"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
ma=$(median "${a[@]}") mb=$(median "${b[@]}")
echo "median A $ma, B $mb, B/A $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", b / a}')" | tee -a "$OUT/ab.txt"
