#!/usr/bin/env bash
# Summarises a JFR recording's CPU samples: top frames (self time), threads, and how many samples include frames of
# some packages (inclusive). Usage: benchmarks/jfr-top.sh recording.jfr [N]
set -eu   # no pipefail: "| head" closes pipes early on purpose
JFR_FILE="$1"; N="${2:-25}"
TMP="$(mktemp)"
trap 'rm -f "$TMP"' EXIT
jfr print --events jdk.ExecutionSample --stack-depth 64 "$JFR_FILE" > "$TMP"
total=$(grep -c 'jdk.ExecutionSample' "$TMP" || true)
echo "samples: $total  ($JFR_FILE)"
echo; echo "-- top frames (self) --"
awk '/stackTrace = \[/ { getline; gsub(/^ +/, ""); sub(/ +line:.*/, ""); top[$0]++; n++ }
     END { for (k in top) printf "%6d %5.1f%%  %s\n", top[k], 100 * top[k] / n, k }' "$TMP" | sort -rn | head -"$N"
echo; echo "-- top stacks (self frame and 5 callers) --"
awk '/stackTrace = \[/ { s = ""; for (i = 0; i < 6; i++) { if ((getline line) <= 0) break; if (line ~ /^ *\]/) break;
       gsub(/^ +/, "", line); sub(/ +line:.*/, "", line); s = s (i ? " <- " : "") line } st[s]++; n++ }
     END { for (k in st) printf "%6d %5.1f%%  %s\n", st[k], 100 * st[k] / n, k }' "$TMP" | sort -rn | head -8 \
  | sed 's/ <- /\n            <- /g'
echo; echo "-- native samples (threads blocked in or running native code, e.g. socket writes), top frames --"
jfr print --events jdk.NativeMethodSample --stack-depth 3 "$JFR_FILE" \
  | awk '/stackTrace = \[/ { getline; gsub(/^ +/, ""); sub(/ +line:.*/, ""); top[$0]++; n++ }
         END { for (k in top) printf "%6d %5.1f%%  %s\n", top[k], 100 * top[k] / n, k }' | sort -rn | head -8
echo; echo "-- threads --"
awk -F'"' '/sampledThread = / { name = $2; gsub(/[0-9]+$/, "N", name); t[name]++; n++ }
     END { for (k in t) printf "%6d %5.1f%%  %s\n", t[k], 100 * t[k] / n, k }' "$TMP" | sort -rn | head -"$N"
echo; echo "-- samples whose stack includes (inclusive) --"
for p in io.wshub.disruptor io.wshub.transport io.wshub.api com.lmax.disruptor io.undertow org.xnio \
         org.java_websocket sun.nio.ch.SocketDispatcher.write sun.nio.ch.SocketDispatcher.read \
         sun.nio.ch.EPoll java.util.concurrent.locks; do
  c=$(awk -v p="$p" '/jdk.ExecutionSample/ { if (hit) n++; hit = 0 } index($0, p) { hit = 1 } END { if (hit) n++; print n + 0 }' "$TMP")
  printf "%6d %5.1f%%  %s\n" "$c" "$(awk -v c="$c" -v t="$total" 'BEGIN { print (t > 0 ? 100 * c / t : 0) }')" "$p"
done
