#!/usr/bin/env bash
set -euo pipefail
out=/work/main/benchmarks/results/history
NEW=/tmp/benchmarks-new.jar
OLD=/tmp/benchmarks-base.jar
cp /work/main/benchmarks/target/benchmarks.jar $NEW
rm -f $out/*
for round in 1 2 3; do
  for which in old new; do
    jar=$OLD; [ $which = new ] && jar=$NEW
    echo "fanout round $round $which: $(cat /proc/loadavg)" >> $out/load.txt
    java -jar $jar 'FanoutBenchmark.publishers1' -p impl=disruptor-1shard -p payload=64 \
      -p sessions=1,100,1000,10000 -prof gc -rf json -rff $out/fanout-$which-$round.json > $out/fanout-$which-$round.txt 2>&1
  done
done
echo "history: $(cat /proc/loadavg)" >> $out/load.txt
java -jar $NEW 'HistoryBenchmark' -prof gc -rf json -rff $out/history.json > $out/history.txt 2>&1
echo "done: $(cat /proc/loadavg)" >> $out/load.txt
