#!/usr/bin/env bash
# Heap per idle connection from class histograms: starts a server from benchmarks.jar on 127.0.0.1, takes a live-heap
# histogram (jcmd GC.class_histogram forces a full GC), connects N idle clients with the load tool, takes another,
# and prints the difference per connection, largest classes first. Stops everything it started.
#
#   benchmarks/idle-heap.sh OUT_DIR PORT N -- SERVER_MAIN [ARGS...]
#   benchmarks/idle-heap.sh /tmp/ut 9101 5000 -- io.wshub.benchmarks.server.BenchServer --transport undertow --port 9101
#   benchmarks/idle-heap.sh /tmp/peer 9102 5000 -- io.wshub.benchmarks.peers.UndertowPeer 9102
set -euo pipefail
[ $# -ge 5 ] && [ "$4" = "--" ] || { sed -n '2,8p' "$0"; exit 2; }
out=$1 port=$2 n=$3; shift 4
here=$(cd "$(dirname "$0")" && pwd)
jar="$here/target/benchmarks.jar"
mkdir -p "$out"
java -Xmx2g -cp "$jar" "$@" > "$out/server.log" 2>&1 &
server=$!
load=
trap 'kill $load $server 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
sleep 2
jcmd "$server" GC.class_histogram > "$out/before.txt"
rm -f "$out/ready"
java -cp "$jar" io.wshub.benchmarks.load.LoadTool --url "ws://127.0.0.1:$port/ws" --idle --subscribers "$n" \
    --duration 30s --ready-file "$out/ready" > "$out/load.log" 2>&1 &
load=$!
for _ in $(seq 1 1200); do [ -f "$out/ready" ] && break; kill -0 "$load" 2>/dev/null || break; sleep 0.1; done
sleep 3
jcmd "$server" GC.class_histogram > "$out/after.txt"
python3 "$here/histogram-diff.py" "$out/before.txt" "$out/after.txt" "$n" | tee "$out/diff.txt" | head -30
