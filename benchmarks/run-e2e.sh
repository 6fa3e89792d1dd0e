#!/usr/bin/env bash
# End-to-end broadcast benchmark over loopback: starts each server in turn on 127.0.0.1, runs the load tool against
# it, stops it, and writes JSON results plus a summary (summary.md, chart.svg) into benchmarks/results/<run>/.
#
# Builds nothing but the Node peer's dependencies (npm ci). Build the jar first:
#   cd /work/main && mvn -q -pl benchmarks package      (other modules from ~/.m2)
#
# Usage:
#   benchmarks/run-e2e.sh [--duration 15s] [--warmup 3s] [--hold 20s]
#                         [--servers "wshub-undertow wshub-java-websocket java-websocket undertow netty node-ws"]
#                         [--cases "sat-100-64 sat-100-1024 sat-1000-64 sat-1000-1024 lat-1000 overload-1000 idle-10000"]
#                         [--out benchmarks/results/NAME] [--jfr] [--server-heap 2g] [--policy disconnect]
#                         [--server-jar PATH] [--rounds 1] [--readers 2]
#
# Cases:
#   sat-N-S        1 publisher, saturating (closed loop, window 256), N subscribers, S-byte messages
#   lat-1000       100 msg/s (fixed rate) to 1000 subscribers, 64 bytes: latency percentiles
#   overload-1000  2000 msg/s (fixed rate) to 1000 subscribers, 64 bytes: peak server RSS, live heap after a full
#                  GC in the middle and one second before the end of the measured window (Java servers), and drop
#                  accounting; with a --duration of 2 minutes or more, also the live heap every minute ("heapSeries":
#                  "seconds into the window:KiB,...")
#   idle-10000     10,000 idle connections held for --hold: heap and RSS per connection
# --jfr records a JFR profile of the wshub servers during sat-1000-64 and during lat-1000 (separate runs after the
# measured ones).
# --server-heap sets -Xmx of every Java server; --policy sets the wshub servers' SlowConsumerPolicy (disconnect,
# drop_newest, drop_oldest). A server that dies during a case (an OutOfMemoryError, say) is reported as such.
# --server-jar starts the Java servers from another build of benchmarks.jar (the load tool and the report still come
# from benchmarks/target); benchmarks/ab-e2e.sh uses it to compare two builds.
# --rounds R runs each case R times with the servers interleaved (A B C A B C ...); each run writes
# SERVER__CASE__rN.json (load tool) and SERVER__CASE__rN.server.json (server side, with the 1/5/15-minute load
# average read from /proc/loadavg just before the server was started), and the summary gives each server's median and
# range (min-max) per case. --readers sets the load tool's selector threads; a run whose busiest load-tool thread was
# above 85% of a core is marked client-bound and left out of medians and ratios.
#
# Every server is started fresh for every case and stopped with SIGTERM (SIGKILL after 15 s); no process is left.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JAR="$ROOT/benchmarks/target/benchmarks.jar"
DURATION=15s
WARMUP=3s
HOLD=20s
SERVERS="wshub-undertow wshub-java-websocket java-websocket undertow netty node-ws"
CASES="sat-100-64 sat-100-1024 sat-1000-64 sat-1000-1024 lat-1000 overload-1000 idle-10000"
OUT="$ROOT/benchmarks/results/$(date -u +%Y%m%dT%H%M%SZ)"
JFR=0
SERVER_HEAP=2g
SERVER_JAR=""
POLICY=""
ROUNDS=1
READERS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --hold) HOLD="$2"; shift 2 ;;
    --servers) SERVERS="$2"; shift 2 ;;
    --cases) CASES="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --jfr) JFR=1; shift ;;
    --server-heap) SERVER_HEAP="$2"; shift 2 ;;
    --policy) POLICY="$2"; shift 2 ;;
    --server-jar) SERVER_JAR="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --readers) READERS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

case "$ROUNDS" in ''|*[!0-9]*|0) echo "--rounds must be a positive integer, got '$ROUNDS'" >&2; exit 2 ;; esac
[ -f "$JAR" ] || { echo "missing $JAR: build it with 'mvn -q -pl benchmarks package'" >&2; exit 1; }
SERVER_JAR="${SERVER_JAR:-$JAR}"
[ -f "$SERVER_JAR" ] || { echo "missing $SERVER_JAR" >&2; exit 1; }
mkdir -p "$OUT"
# 10,000 connections need 10,000+ descriptors on each side.
ulimit -n "$(ulimit -Hn)" || true
echo "ulimit -n: $(ulimit -n)" >&2

SERVER_JVM=("-Xmx$SERVER_HEAP" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError)
WSHUB_ARGS=()
[ -n "$POLICY" ] && WSHUB_ARGS=(--policy "$POLICY")
LOAD_JVM=(-Xmx1g -XX:+UseParallelGC)
PORT=19100
SERVER_PID=""
SAMPLER_PID=""

if echo "$SERVERS" | grep -qw node-ws; then
  (cd "$ROOT/benchmarks/node" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

{
  echo "date: $(date -u +%FT%TZ)"
  echo "nproc: $(nproc)"
  echo "mem: $(free -m | awk '/Mem:/ {print $2 " MiB"}')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "java: $(java -version 2>&1 | head -2 | tr '\n' ' ')"
  echo "node: $(node --version 2>/dev/null || echo none)"
  echo "loadavg-at-start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "duration: $DURATION warmup: $WARMUP hold: $HOLD"
  echo "server JVM: ${SERVER_JVM[*]}; wshub policy: ${POLICY:-default (disconnect)}"
  echo "servers: $SERVERS"
  echo "cases: $CASES"
  echo "rounds: $ROUNDS (servers interleaved per round); load tool readers: $READERS"
  echo "benchmarks.jar: $(date -u -r "$JAR" +%FT%TZ) sha256 $(sha256sum "$JAR" | cut -c1-16)"
  [ "$SERVER_JAR" != "$JAR" ] && echo "servers from: $SERVER_JAR $(date -u -r "$SERVER_JAR" +%FT%TZ) sha256 $(sha256sum "$SERVER_JAR" | cut -c1-16)"
  for m in hub-disruptor transport-undertow transport-javawebsocket; do
    f="$HOME/.m2/repository/io/wshub/$m/0.1.0-SNAPSHOT/$m-0.1.0-SNAPSHOT.jar"
    if [ -f "$f" ]; then echo "$m in ~/.m2 (the jar holds the copy installed before its build): $(date -u -r "$f" +%FT%TZ)"; fi
  done
} > "$OUT/machine.txt"

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

start_server() { # name port log [extra jvm args...]
  local name="$1" port="$2" log="$3"; shift 3
  local extra=("$@")
  local stats="$OUT/.stats.json"
  rm -f "$stats"
  case "$name" in
    wshub-undertow) java "${SERVER_JVM[@]}" "${extra[@]}" -cp "$SERVER_JAR" io.wshub.benchmarks.server.BenchServer \
        --transport undertow --port "$port" --stats-file "$stats" "${WSHUB_ARGS[@]}" > "$log" 2>&1 & ;;
    wshub-java-websocket) java "${SERVER_JVM[@]}" "${extra[@]}" -cp "$SERVER_JAR" io.wshub.benchmarks.server.BenchServer \
        --transport java-websocket --port "$port" --stats-file "$stats" "${WSHUB_ARGS[@]}" > "$log" 2>&1 & ;;
    java-websocket) java "${SERVER_JVM[@]}" -cp "$SERVER_JAR" io.wshub.benchmarks.peers.JavaWebSocketPeer "$port" > "$log" 2>&1 & ;;
    undertow) java "${SERVER_JVM[@]}" -cp "$SERVER_JAR" io.wshub.benchmarks.peers.UndertowPeer "$port" > "$log" 2>&1 & ;;
    netty) java "${SERVER_JVM[@]}" -cp "$SERVER_JAR" io.wshub.benchmarks.peers.NettyPeer "$port" > "$log" 2>&1 & ;;
    node-ws) node "$ROOT/benchmarks/node/server.js" "$port" > "$log" 2>&1 & ;;
    *) echo "unknown server $name" >&2; return 1 ;;
  esac
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if grep -q '^LISTENING' "$log"; then
      break
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "server $name exited; log:" >&2; cat "$log" >&2; SERVER_PID=""; return 1
    fi
    sleep 0.1
  done
  grep -q '^LISTENING' "$log" || { echo "server $name did not start in 30 s" >&2; stop_server; return 1; }
  # Peak RSS sampler (every 200 ms) for as long as the server lives.
  local peak="$OUT/.rss-peak"
  echo 0 > "$peak"
  ( p=0; while kill -0 "$SERVER_PID" 2>/dev/null; do
      r=$(rss_kb "$SERVER_PID"); r=${r:-0}
      if [ "$r" -gt "$p" ]; then p=$r; echo "$p" > "$peak"; fi
      sleep 0.2
    done ) &
  SAMPLER_PID=$!
}

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 150); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "server $SERVER_PID did not stop in 15 s; SIGKILL" >&2
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$SAMPLER_PID" ]; then
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  SAMPLER_PID=""
}
trap stop_server EXIT INT TERM

heap_used_kb() { # pid: after a full GC, the used heap in KiB (Java servers only)
  jcmd "$1" GC.run > /dev/null 2>&1 || { echo -1; return; }
  sleep 0.5
  jcmd "$1" GC.heap_info 2>/dev/null | grep -o 'used [0-9]*K' | head -1 | tr -dc '0-9' || echo -1
}

run_load() { # json label args...
  local json="$1" label="$2"; shift 2
  # Bounded: the measured window, its warm-up, the hold or drain, and five minutes to spare.
  timeout $(( $(seconds "$DURATION") + $(seconds "$WARMUP") + $(seconds "$HOLD") + 300 )) java "${LOAD_JVM[@]}" -cp "$JAR" io.wshub.benchmarks.load.LoadTool \
    --url "ws://127.0.0.1:$PORT/ws" --label "$label" --json "$json" --server-pid "$SERVER_PID" \
    --readers "$READERS" "$@"
}

write_server_json() { # file name case rssStart rssEnd heapBefore heapAfter connected [died [heapMid [heapSeries]]]; uses ROUND, LOADAVG
  local f="$1"
  local stats="null"
  [ -f "$OUT/.stats.json" ] && stats="$(cat "$OUT/.stats.json")"
  printf '{"server": "%s", "case": "%s", "round": %s, "loadavgBefore": "%s", "rssStartKb": %s, "rssPeakKb": %s, "rssEndKb": %s, "heapBeforeKb": %s, "heapAfterKb": %s, "connected": %s, "died": %s, "heapMidKb": %s, "heapSeries": "%s", "hub": %s}\n' \
    "$2" "$3" "$ROUND" "$LOADAVG" "$4" "$(cat "$OUT/.rss-peak" 2>/dev/null || echo 0)" "$5" "$6" "$7" "$8" "${9:-false}" \
    "${10:--1}" "${11:-}" "$stats" > "$f"
}

seconds() { # "15s", "500ms" or "2m" -> whole seconds (at least 1)
  case "$1" in
    *ms) echo $(( ${1%ms} / 1000 > 0 ? ${1%ms} / 1000 : 1 )) ;;
    *s) echo "${1%s}" ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *) echo "$1" ;;
  esac
}

for case in $CASES; do
  for ROUND in $(seq 1 "$ROUNDS"); do
    for server in $SERVERS; do
      PORT=$((PORT + 1))
      base="$OUT/${server}__${case}__r${ROUND}"
      LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg)"
      echo "=== $case on $server, round $ROUND of $ROUNDS (port $PORT, load average $LOADAVG) $(date -u +%T)" >&2
      if ! start_server "$server" "$PORT" "$base.server.log"; then
        echo "skipping $case on $server" >&2
        continue
      fi
      rss0=$(rss_kb "$SERVER_PID")
      heap0=-1; heap1=-1; connected=-1
      case "$case" in
        sat-*)
          n=$(echo "$case" | cut -d- -f2); s=$(echo "$case" | cut -d- -f3)
          run_load "$base.json" "$server" --subscribers "$n" --publishers 1 --size "$s" --rate 0 \
            --duration "$DURATION" --warmup "$WARMUP" > "$base.txt" 2>&1 || echo "load tool failed: $base.txt" >&2 ;;
        lat-1000)
          run_load "$base.json" "$server" --subscribers 1000 --publishers 1 --size 64 --rate 100 \
            --duration "$DURATION" --warmup "$WARMUP" > "$base.txt" 2>&1 || echo "load tool failed: $base.txt" >&2 ;;
        overload-1000)
          [ "$server" != node-ws ] && heap0=$(heap_used_kb "$SERVER_PID")
          run_load "$base.json" "$server" --subscribers 1000 --publishers 1 --size 64 --rate 2000 \
            --duration "$DURATION" --warmup "$WARMUP" --drain 5s > "$base.txt" 2>&1 &
          LOAD_PID=$!
          # Live heap while still overloaded: a full GC in the middle of the measured window and one second before it
          # ends (each takes about a second); in a window of 2 minutes or more, also every minute. Retained memory that
          # grows with time shows as a later sample above an earlier one.
          heapMid=-1; heap1=-1; series=""
          d=$(seconds "$DURATION"); t0=$SECONDS
          if [ "$d" -ge 120 ]; then points="$(seq 60 60 $(( d - 2 )) | tr '\n' ' ') $(( d - 2 ))"; else points="$(( d / 2 )) $(( d - 2 ))"; fi
          for p in $points; do
            wait_s=$(( t0 + $(seconds "$WARMUP") + p - SECONDS ))
            [ "$wait_s" -gt 0 ] && sleep "$wait_s"
            [ "$server" = node-ws ] && continue
            kill -0 "$SERVER_PID" 2>/dev/null || break
            kb=$(heap_used_kb "$SERVER_PID")
            series="${series:+$series,}$p:$kb"
            [ "$heapMid" = -1 ] && [ "$p" -ge $(( d / 2 )) ] && heapMid=$kb
            heap1=$kb
          done
          wait $LOAD_PID || echo "load tool failed: $base.txt" >&2
          died=false
          kill -0 "$SERVER_PID" 2>/dev/null || died=true
          rss1=$(rss_kb "$SERVER_PID")
          stop_server
          write_server_json "$base.server.json" "$server" "$case" "$rss0" "${rss1:-0}" "$heap0" "$heap1" -1 "$died" \
            "$heapMid" "$series"
          grep -E 'delivered|integrity|latency|client bound' "$base.txt" >&2 || true
          continue ;;
        idle-10000)
          [ "$server" != node-ws ] && heap0=$(heap_used_kb "$SERVER_PID")
          rss0=$(rss_kb "$SERVER_PID")
          ready="$OUT/.ready"; rm -f "$ready"
          run_load "$base.json" "$server" --idle --subscribers 10000 --duration "$HOLD" --ready-file "$ready" \
            > "$base.txt" 2>&1 &
          LOAD_PID=$!
          for _ in $(seq 1 1200); do [ -f "$ready" ] && break; kill -0 $LOAD_PID 2>/dev/null || break; sleep 0.1; done
          sleep 3
          connected=$(tr -dc '0-9' < "$ready" 2>/dev/null || echo -1)
          [ "$server" != node-ws ] && heap1=$(heap_used_kb "$SERVER_PID")
          rss1=$(rss_kb "$SERVER_PID")
          wait $LOAD_PID || echo "load tool failed: $base.txt" >&2
          write_server_json "$base.server.json" "$server" "$case" "$rss0" "$rss1" "$heap0" "$heap1" "${connected:--1}"
          stop_server
          continue ;;
        *) echo "unknown case $case" >&2 ;;
      esac
      rss1=$(rss_kb "$SERVER_PID")
      stop_server
      write_server_json "$base.server.json" "$server" "$case" "$rss0" "$rss1" "$heap0" "$heap1" "$connected"
      grep -E 'delivered|integrity|latency|client bound' "$base.txt" >&2 || true
    done
  done
done

if [ "$JFR" = 1 ]; then
  for server in $SERVERS; do
    case "$server" in wshub-*) ;; *) continue ;; esac
    for profiled in sat-1000-64 lat-1000; do
      PORT=$((PORT + 1))
      base="$OUT/${server}__jfr-${profiled}"
      echo "=== JFR profile of $server, $profiled $(date -u +%T)" >&2
      start_server "$server" "$PORT" "$base.server.log" \
        "-XX:StartFlightRecording=filename=$base.jfr,settings=profile,dumponexit=true" || continue
      rate=0; [ "$profiled" = lat-1000 ] && rate=100
      run_load "$base.json" "$server" --subscribers 1000 --publishers 1 --size 64 --rate "$rate" \
        --duration "$DURATION" --warmup "$WARMUP" > "$base.txt" 2>&1 || true
      stop_server
      "$ROOT/benchmarks/jfr-top.sh" "$base.jfr" 30 > "$base.jfr-top.txt" 2>&1 || true
      jfr summary "$base.jfr" > "$base.jfr-summary.txt" 2>&1 || true
      rm -f "$base.jfr"   # keep the text summaries only; rerun with --jfr for the recording
    done
  done
fi
rm -f "$OUT/.stats.json" "$OUT/.rss-peak" "$OUT/.ready"
java -cp "$JAR" io.wshub.benchmarks.report.Report "$OUT" >&2 || echo "report failed" >&2
echo "results in $OUT" >&2
