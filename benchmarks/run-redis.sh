#!/usr/bin/env bash
# Several nodes through Redis against one node, end to end over loopback (issue 12's benchmark). Starts its own
# redis-server (127.0.0.1, a free port, a temporary directory, no persistence) and, per round, four cases, each with
# fresh server processes that are stopped after it:
#
#   single__sat   one BenchServer (undertow, no Redis), 1,000 subscribers, 1 publisher, 64 B, saturating (closed loop,
#                 window 256: run-e2e.sh's sat-1000-64)
#   multi__sat    three BenchServer nodes on the same Redis (--redis; undertow, java-websocket, undertow), the 1,000
#                 subscribers spread round robin over the three (LoadTool --urls), the publisher on the first node;
#                 same load
#   single__lat   as single__sat at 100 msg/s (run-e2e.sh's lat-1000)
#   multi__lat    as multi__sat at 100 msg/s
#   single__hop   3 subscribers at 100 msg/s: the latency of the path itself, with the machine idle (with 1,000
#   multi__hop    subscribers the fan-out's writes keep two cores nearly busy, so the lat case also measures CPU
#                 contention); multi: one subscriber per node
#
# in that order (each shape single then multi, back to back), round after round. The load tool gets every node's pid
# (--server-pid: CPU seconds per node and in total, deliveries per server CPU-second) and, for the three nodes, Redis's
# (--redis-pid: Redis CPU microseconds per publication). Each case writes TOPOLOGY__SHAPE__rN.json (load tool),
# .server.json (nodes' pids, transports, hub and backplane counters, the load average from /proc/loadavg before the
# nodes were started), .txt and .nodeK.log; at the end RedisReport writes summary.md: per round and median, the
# saturating delivered msg/s of three nodes over one (target >= 0.5), the p99 at 100 msg/s of three nodes minus one
# (target <= +2 ms), loss (sent x subscribers - delivered; target 0), Redis CPU per publication, server CPU,
# client-bound flags and load averages.
#
# Builds nothing. Build the jar first: ./mvnw -B -ntp -pl benchmarks -am package -DskipTests
#
# Usage:
#   benchmarks/run-redis.sh [--duration 10s] [--warmup 3s] [--rounds 3] [--out DIR] [--readers 2] [--shapes "sat lat hop"]
#                           [--server-heap 2g] [--redis-server /usr/bin/redis-server]
#
# Every process it starts (redis-server, the nodes, the load tool) is stopped on exit, also on Ctrl-C.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JAR="$ROOT/benchmarks/target/benchmarks.jar"
DURATION=10s
WARMUP=3s
ROUNDS=3
READERS=2
SERVER_HEAP=2g
REDIS_SERVER="$(command -v redis-server || echo /usr/bin/redis-server)"
SHAPES="sat lat hop"
OUT="$ROOT/benchmarks/results/redis-$(date -u +%Y%m%dT%H%M%SZ)"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --readers) READERS="$2"; shift 2 ;;
    --shapes) SHAPES="$2"; shift 2 ;;
    --server-heap) SERVER_HEAP="$2"; shift 2 ;;
    --redis-server) REDIS_SERVER="$2"; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$ROUNDS" in ''|*[!0-9]*|0) echo "--rounds must be a positive integer, got '$ROUNDS'" >&2; exit 2 ;; esac
[ -f "$JAR" ] || { echo "missing $JAR: build it with './mvnw -B -ntp -pl benchmarks -am package -DskipTests'" >&2; exit 1; }
[ -x "$REDIS_SERVER" ] || { echo "no redis-server at '$REDIS_SERVER' (Debian: apt-get install redis-server)" >&2; exit 1; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
ulimit -n "$(ulimit -Hn)" || true

SERVER_JVM=("-Xmx$SERVER_HEAP" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError)
LOAD_JVM=(-Xmx1g -XX:+UseParallelGC)
SUBSCRIBERS=1000
SIZE=64
LAT_RATE=100
MULTI_TRANSPORTS=(undertow java-websocket undertow)

REDIS_PID=""
REDIS_PORT=""
REDIS_DIR=""
NODE_PIDS=()
NODE_TRANSPORTS=()
NODE_PORTS=()
NODE_DIED=()
LOAD_PID=""
NEXT_PORT=$(( 20000 + RANDOM % 20000 ))

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() { # prints a port nothing listens on, from NEXT_PORT upwards (at most 200 tries)
  local p
  for _ in $(seq 1 200); do
    p=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
    if ! port_in_use "$p"; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2; return 1
}

stop_pid() { # pid: SIGTERM, wait up to 15 s, then SIGKILL
  local pid="$1"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "process $pid did not stop in 15 s; SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

stop_nodes() { # SIGTERM to every node at once, then waits for each (the arrays stay for write_server_json)
  local pid
  for pid in "${NODE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${NODE_PIDS[@]}"; do stop_pid "$pid"; done
}

cleanup() {
  stop_pid "$LOAD_PID"; LOAD_PID=""
  stop_nodes
  NODE_PIDS=()
  stop_pid "$REDIS_PID"; REDIS_PID=""
  [ -n "$REDIS_DIR" ] && rm -rf "$REDIS_DIR"
  REDIS_DIR=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_redis() {
  REDIS_DIR="$(mktemp -d)"
  local attempt
  for attempt in 1 2 3 4 5; do
    REDIS_PORT="$(free_port)"
    "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" --save '' --appendonly no \
      --daemonize no --protected-mode yes > "$OUT/redis.log" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 1 100); do
      grep -q 'Ready to accept connections' "$OUT/redis.log" && return 0
      kill -0 "$REDIS_PID" 2>/dev/null || break
      sleep 0.1
    done
    echo "redis-server did not start on port $REDIS_PORT (attempt $attempt):" >&2; tail -5 "$OUT/redis.log" >&2
    stop_pid "$REDIS_PID"; REDIS_PID=""
  done
  echo "cannot start redis-server" >&2; return 1
}

start_node() { # base index transport [redis-prefix]: starts one BenchServer node, waits for LISTENING (60 s)
  local base="$1" k="$2" transport="$3" prefix="${4:-}"
  local port log pid
  port="$(free_port)"
  log="$base.node$k.log"
  local redis_args=()
  [ -n "$prefix" ] && redis_args=(--redis "redis://127.0.0.1:$REDIS_PORT" --redis-prefix "$prefix")
  java "${SERVER_JVM[@]}" -cp "$JAR" io.wshub.benchmarks.server.BenchServer --transport "$transport" --port "$port" \
    --stats-file "$base.node$k.stats.json" "${redis_args[@]}" > "$log" 2>&1 &
  pid=$!
  NODE_PIDS+=("$pid"); NODE_TRANSPORTS+=("$transport"); NODE_PORTS+=("$port")
  for _ in $(seq 1 600); do
    grep -q '^LISTENING' "$log" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "node $k ($transport) exited before listening; its log:" >&2; tail -20 "$log" >&2; return 1
    fi
    sleep 0.1
  done
  echo "node $k ($transport) did not listen within 60 s" >&2; return 1
}

write_server_json() { # file topology shape round loadavg started
  local f="$1" i stats died nodes=""
  for i in "${!NODE_PIDS[@]}"; do
    stats="null"
    [ -s "${f%.server.json}.node$i.stats.json" ] && stats="$(cat "${f%.server.json}.node$i.stats.json")"
    died="${NODE_DIED[$i]:-false}"
    [ -n "$nodes" ] && nodes+=", "
    nodes+="{\"index\": $i, \"transport\": \"${NODE_TRANSPORTS[$i]}\", \"pid\": ${NODE_PIDS[$i]}, \"port\": ${NODE_PORTS[$i]}, \"diedBeforeStop\": $died, \"stats\": $stats}"
  done
  printf '{"topology": "%s", "shape": "%s", "round": %s, "loadavgBefore": "%s", "started": %s, "redisPid": %s, "nodes": [%s]}\n' \
    "$2" "$3" "$4" "$5" "$6" "${REDIS_PID:--1}" "$nodes" > "$f"
}

run_case() { # topology shape round
  local topo="$1" shape="$2" round="$3"
  local base="$OUT/${topo}__${shape}__r${round}"
  local loadavg urls="" pids="" k started=true
  loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "=== round $round: $topo $shape (load average $loadavg) $(date -u +%T)" >&2
  if [ "$topo" = single ]; then
    start_node "$base" 0 undertow || started=false
  else
    for k in "${!MULTI_TRANSPORTS[@]}"; do
      start_node "$base" "$k" "${MULTI_TRANSPORTS[$k]}" "bench-r$round-$shape" || { started=false; break; }
    done
  fi
  if [ "$started" = true ]; then
    for k in "${!NODE_PORTS[@]}"; do
      urls+="${urls:+,}ws://127.0.0.1:${NODE_PORTS[$k]}/ws"
      pids+="${pids:+,}${NODE_PIDS[$k]}"
    done
    local subscribers="$SUBSCRIBERS"
    [ "$shape" = hop ] && subscribers=3
    local load_args=(--urls "$urls" --server-pid "$pids" --subscribers "$subscribers" --publishers 1 --size "$SIZE"
      --duration "$DURATION" --warmup "$WARMUP" --readers "$READERS" --label "$topo-$shape" --json "$base.json")
    [ "$topo" = multi ] && load_args+=(--redis-pid "$REDIS_PID")
    if [ "$shape" = sat ]; then load_args+=(--rate 0); else load_args+=(--rate "$LAT_RATE"); fi
    timeout 600 java "${LOAD_JVM[@]}" -cp "$JAR" io.wshub.benchmarks.load.LoadTool "${load_args[@]}" \
      > "$base.txt" 2>&1 &
    LOAD_PID=$!
    wait "$LOAD_PID" || echo "load tool failed: $base.txt" >&2
    LOAD_PID=""
    grep -E 'connected|delivered|integrity|latency|client bound|server cpu|redis cpu' "$base.txt" >&2 || true
  else
    echo "skipping round $round $topo $shape: a node did not start" >&2
  fi
  # A node that died during the case is noted before stopping; the stats files are final once the nodes stopped.
  NODE_DIED=()
  for k in "${!NODE_PIDS[@]}"; do
    if kill -0 "${NODE_PIDS[$k]}" 2>/dev/null; then NODE_DIED+=(false); else NODE_DIED+=(true); fi
  done
  stop_nodes
  write_server_json "$base.server.json" "$topo" "$shape" "$round" "$loadavg" "$started"
  NODE_PIDS=(); NODE_TRANSPORTS=(); NODE_PORTS=(); NODE_DIED=()
  rm -f "$base".node*.stats.json.tmp
}

start_redis
{
  echo "date: $(date -u +%FT%TZ)"
  echo "nproc: $(nproc)"
  echo "mem: $(free -m | awk '/Mem:/ {print $2 " MiB"}')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "java: $(java -version 2>&1 | head -2 | tr '\n' ' ')"
  echo "redis: $("$REDIS_SERVER" --version) on 127.0.0.1:$REDIS_PORT, pid $REDIS_PID, no persistence"
  echo "loadavg-at-start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "duration: $DURATION warmup: $WARMUP rounds: $ROUNDS load tool readers: $READERS"
  echo "server JVM: ${SERVER_JVM[*]}; load tool JVM: ${LOAD_JVM[*]}"
  echo "single: 1 node undertow, no Redis; multi: ${#MULTI_TRANSPORTS[@]} nodes ${MULTI_TRANSPORTS[*]} on one Redis"
  echo "subscribers: $SUBSCRIBERS, 1 publisher, $SIZE B; sat: closed loop (window 256); lat: $LAT_RATE msg/s;" \
    "hop: 3 subscribers at $LAT_RATE msg/s; shapes: $SHAPES"
  echo "benchmarks.jar: $(date -u -r "$JAR" +%FT%TZ) sha256 $(sha256sum "$JAR" | cut -c1-16)"
} > "$OUT/machine.txt"

for round in $(seq 1 "$ROUNDS"); do
  for shape in $SHAPES; do
    for topo in single multi; do
      run_case "$topo" "$shape" "$round"
    done
  done
done
cleanup
java -cp "$JAR" io.wshub.benchmarks.report.RedisReport "$OUT" >&2 || echo "report failed" >&2
echo "results in $OUT" >&2
