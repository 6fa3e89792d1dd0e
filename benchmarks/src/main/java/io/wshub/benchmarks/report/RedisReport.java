package io.wshub.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns one run directory of {@code run-redis.sh} into {@code summary.md}: per round and as the median over the
 * rounds, three nodes through Redis against one node, for the saturating shape (delivered msg/s, multi ÷ single,
 * target at least 0.5) and the 100 msg/s shape (p99, multi − single, target at most +2 ms), with loss (sent ×
 * subscribers − delivered, target 0), Redis CPU per publication, server CPU, the client-bound flags and the load
 * average before each case. A round in which either run was client-bound, or is missing, is marked and left out of
 * the medians of the comparisons.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.wshub.benchmarks.report.RedisReport DIR}
 *
 * <p>Thread-safety: a main program.
 */
public final class RedisReport {

    private static final Pattern FILE = Pattern.compile("(single|multi)__(sat|lat|hop)__r(\\d+)(\\.server)?\\.json");
    /** The saturating throughput of several nodes over one that issue 12 asks for, at least. */
    static final double TARGET_RATIO = 0.5;
    /** How much higher the p99 at 100 msg/s of several nodes may be than one node's, at most, in ms. */
    static final double TARGET_P99_DELTA_MS = 2.0;

    /** One case's files: the load tool's result and the script's record of the nodes. */
    private static final class Run {
        Map<String, Object> load;
        Map<String, Object> side;
    }

    private final Path dir;
    /** "topology__shape" → round → run. */
    private final Map<String, TreeMap<Integer, Run>> runs = new TreeMap<>();
    private int rounds;

    private RedisReport(Path dir) {
        this.dir = dir;
    }

    /**
     * Writes {@code summary.md} for a run directory of {@code run-redis.sh} and prints it.
     *
     * @param args the run directory
     * @throws IOException if the files cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: RedisReport RUN_DIRECTORY");
            System.exit(2);
        }
        RedisReport r = new RedisReport(Path.of(args[0]));
        r.read();
        String md = r.markdown();
        Files.writeString(r.dir.resolve("summary.md"), md);
        System.out.print(md);
        System.err.println("wrote " + r.dir.resolve("summary.md"));
    }

    @SuppressWarnings("unchecked")
    private void read() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                Matcher m = FILE.matcher(p.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                int round = Integer.parseInt(m.group(3));
                rounds = Math.max(rounds, round);
                Run run = runs.computeIfAbsent(m.group(1) + "__" + m.group(2), k -> new TreeMap<>())
                        .computeIfAbsent(round, k -> new Run());
                Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readString(p));
                if (m.group(4) != null) {
                    run.side = json;
                } else {
                    run.load = json;
                }
            }
        }
    }

    private Run run(String topo, String shape, int round) {
        TreeMap<Integer, Run> t = runs.get(topo + "__" + shape);
        Run r = t == null ? null : t.get(round);
        return r == null || r.load == null ? null : r;
    }

    // ---------------------------------------------------------------- markdown

    private String markdown() throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# Several nodes through Redis: ").append(dir.getFileName()).append("\n\n");
        Path machine = dir.resolve("machine.txt");
        if (Files.exists(machine)) {
            b.append("```\n").append(Files.readString(machine)).append("```\n\n");
        }
        b.append("single: one node (undertow, no Redis). multi: three nodes (undertow, java-websocket, undertow) on one "
                + "Redis, the 1,000 subscribers spread over them, the publisher on the first. Each case ran on fresh "
                + "processes. A run marked **client-bound** had a load-tool thread above 85% of a core; a round with "
                + "a client-bound or missing run is left out of the medians of the comparisons. Loss is sent × "
                + "connected subscribers − delivered, after the drain.\n\n");
        saturating(b);
        latency(b, "lat", "## 100 msg/s, 1,000 subscribers × 64 B: latency\n\n", "100 msg/s");
        if (runs.containsKey("single__hop") || runs.containsKey("multi__hop")) {
            latency(b, "hop", "## 100 msg/s, 3 subscribers × 64 B (multi: one per node): the path itself\n\n"
                    + "With 1,000 subscribers the fan-out's one write per subscriber per message keeps the machine's "
                    + "cores nearly busy even at 100 msg/s (see the server and load-tool CPU above), so the latency "
                    + "case also measures how three JVMs and Redis share them. With three subscribers the machine is "
                    + "idle and the difference is the backplane hop itself.\n\n", "3-subscriber");
        }
        nodes(b);
        return b.toString();
    }

    private void saturating(StringBuilder b) {
        b.append("## Saturating (closed loop, window 256), 1,000 subscribers × 64 B\n\n");
        b.append("| round | load avg before single / multi | single msg/s | multi msg/s | multi ÷ single | loss single "
                + "| loss multi | server CPU s single | server CPU s multi (per node) | deliveries per server CPU-s "
                + "single / multi | Redis CPU µs per publication | busiest load-tool thread single / multi |\n");
        b.append("|---:|---|---:|---:|---:|---:|---:|---:|---|---|---:|---|\n");
        List<Double> ratios = new ArrayList<>();
        List<Double> singles = new ArrayList<>();
        List<Double> multis = new ArrayList<>();
        Tally tally = new Tally();
        for (int round = 1; round <= rounds; round++) {
            Run s = run("single", "sat", round);
            Run m = run("multi", "sat", round);
            double vs = s == null ? -1 : num(s.load, "deliveredPerSec");
            double vm = m == null ? -1 : num(m.load, "deliveredPerSec");
            boolean usable = s != null && m != null && !clientBound(s) && !clientBound(m) && vs > 0;
            if (usable) {
                ratios.add(vm / vs);
                singles.add(vs);
                multis.add(vm);
            }
            tally.add(s, m);
            b.append(String.format(Locale.ROOT, "| %d | %s / %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s "
                            + "/ %s |%n", round, loadavg(s), loadavg(m), count(vs), count(vm),
                    usable ? String.format(Locale.ROOT, "%.2f", vm / vs)
                            : "excluded (" + why(s, m) + ")", lossCell(s), lossCell(m), cpu(s), cpuPerNode(m),
                    perCpu(s), perCpu(m), m == null ? "n/a" : fixed(num(m.load, "redisCpuUsPerPublication"), 1),
                    busiest(s), busiest(m)));
        }
        double median = median(ratios);
        b.append(String.format(Locale.ROOT, "| **median** | | %s | %s | **%s** | | | | | | %s | |%n%n",
                count(median(singles)), count(median(multis)), median < 0 ? "n/a" : String.format(Locale.ROOT,
                        "%.2f", median), tally.redis.isEmpty() ? "n/a" : fixed(median(tally.redis), 1)));
        b.append(String.format(Locale.ROOT, "Target multi ÷ single ≥ %.1f: %s (median of %d usable round(s) of %d). "
                        + "Loss in all saturating runs: %s.%n%n", TARGET_RATIO,
                median < 0 ? "**not measured**" : median >= TARGET_RATIO ? "**met**" : "**missed**", ratios.size(),
                rounds, lossSummary(tally.loss, tally.missing)));
    }

    private void latency(StringBuilder b, String shape, String heading, String runsName) {
        b.append(heading);
        b.append("| round | load avg before single / multi | single p50 / p99 ms | multi p50 / p99 ms "
                + "| p99 multi − single ms | loss single | loss multi | not sent on time single / multi "
                + "| server CPU s single | server CPU s multi (per node) | Redis CPU µs per publication "
                + "| busiest load-tool thread single / multi |\n");
        b.append("|---:|---|---|---|---:|---:|---:|---|---:|---|---:|---|\n");
        List<Double> deltas = new ArrayList<>();
        List<Double> p99s = new ArrayList<>();
        List<Double> p99m = new ArrayList<>();
        Tally tally = new Tally();
        for (int round = 1; round <= rounds; round++) {
            Run s = run("single", shape, round);
            Run m = run("multi", shape, round);
            double ps = s == null ? -1 : p99Ms(s);
            double pm = m == null ? -1 : p99Ms(m);
            boolean usable = s != null && m != null && !clientBound(s) && !clientBound(m) && ps >= 0 && pm >= 0;
            if (usable) {
                deltas.add(pm - ps);
                p99s.add(ps);
                p99m.add(pm);
            }
            tally.add(s, m);
            b.append(String.format(Locale.ROOT, "| %d | %s / %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s "
                            + "| %s / %s |%n", round, loadavg(s), loadavg(m), pct(s), pct(m),
                    usable ? String.format(Locale.ROOT, "%+.2f", pm - ps) : "excluded (" + why(s, m) + ")",
                    lossCell(s), lossCell(m), notSent(s), notSent(m), cpu(s), cpuPerNode(m),
                    m == null ? "n/a" : fixed(num(m.load, "redisCpuUsPerPublication"), 1), busiest(s), busiest(m)));
        }
        double median = median(deltas);
        b.append(String.format(Locale.ROOT, "| **median** | | p99 %s | p99 %s | **%s** | | | | | | %s | |%n%n",
                fixed(median(p99s), 2), fixed(median(p99m), 2),
                deltas.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%+.2f", median),
                tally.redis.isEmpty() ? "n/a" : fixed(median(tally.redis), 1)));
        b.append(String.format(Locale.ROOT, "Target p99 multi − single ≤ +%.0f ms: %s (median of %d usable round(s) of "
                        + "%d). Loss in all %s runs: %s.%n%n", TARGET_P99_DELTA_MS,
                deltas.isEmpty() ? "**not measured**" : median <= TARGET_P99_DELTA_MS ? "**met**" : "**missed**",
                deltas.size(), rounds, runsName, lossSummary(tally.loss, tally.missing)));
    }

    /** What each comparison adds up over its rounds besides its own figure: Redis CPU per publication and loss. */
    private final class Tally {
        final List<Double> redis = new ArrayList<>();
        long loss;
        int missing;

        void add(Run s, Run m) {
            if (m != null && num(m.load, "redisCpuUsPerPublication") >= 0 && !clientBound(m)) {
                redis.add(num(m.load, "redisCpuUsPerPublication"));
            }
            for (long l : new long[] {loss(s), loss(m)}) {
                if (l < 0) {
                    missing++;
                } else {
                    loss += l;
                }
            }
        }
    }

    /** Per case, each node's transport, CPU, hub and backplane counters: where to look when a figure is odd. */
    private void nodes(StringBuilder b) {
        b.append("## Nodes\n\n");
        b.append("| case | node | transport | CPU s in window | hub accepted | hub delivered | hub dropped "
                + "| Redis published | received from Redis | dropped on the way in | publish failed | gaps detected "
                + "/ lost | died |\n");
        b.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
        for (Map.Entry<String, TreeMap<Integer, Run>> e : runs.entrySet()) {
            for (Map.Entry<Integer, Run> r : e.getValue().entrySet()) {
                Run run = r.getValue();
                String name = e.getKey() + "__r" + r.getKey();
                if (run.side == null) {
                    continue;
                }
                if (Boolean.FALSE.equals(run.side.get("started"))) {
                    b.append("| ").append(name).append(" | | | | | | | | | | | | **a node did not start**: see its "
                            + "log |\n");
                }
                List<Object> cpus = run.load == null ? List.of() : list(run.load, "servers");
                List<Object> nodes = list(run.side, "nodes");
                for (int i = 0; i < nodes.size(); i++) {
                    Map<String, Object> n = map(nodes.get(i));
                    Map<String, Object> stats = map(n.get("stats"));
                    Map<String, Object> hub = stats; // the hub's counters are the stats file's top level
                    Map<String, Object> redis = stats == null ? null : map(stats.get("redis"));
                    double cpu = i < cpus.size() ? num(map(cpus.get(i)), "cpuSeconds") : -1;
                    b.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s "
                                    + "|%n", name, i, n.get("transport"), fixed(cpu, 2), count(num(hub, "accepted")),
                            count(num(hub, "delivered")), count(dropped(hub)),
                            redis == null ? "—" : count(num(redis, "published")),
                            redis == null ? "—" : count(num(redis, "received")),
                            redis == null ? "—" : count(num(redis, "inboundDropped")),
                            redis == null ? "—" : count(num(redis, "publishFailed")),
                            redis == null ? "—" : count(num(redis, "gapsDetected")) + " / "
                                    + count(num(redis, "gapsLost")),
                            Boolean.TRUE.equals(n.get("diedBeforeStop")) ? "**yes**" : "no"));
                }
            }
        }
        b.append('\n');
    }

    // ---------------------------------------------------------------- helpers

    private static String lossSummary(long total, int missing) {
        String s = String.format(Locale.ROOT, "%,d", total) + (total == 0 ? missing == 0 ? " (target met)" : ""
                : " (**target 0 missed**)");
        return missing == 0 ? s : s + String.format(Locale.ROOT, " in the runs present; **%d run(s) missing**", missing);
    }

    private static double dropped(Map<String, Object> hub) {
        if (hub == null) {
            return -1;
        }
        return num(hub, "droppedNewest") + num(hub, "droppedOldest") + num(hub, "droppedDisconnect")
                + num(hub, "droppedClosed");
    }

    private static boolean clientBound(Run r) {
        return r != null && Boolean.TRUE.equals(r.load.get("clientBound"));
    }

    private static String why(Run s, Run m) {
        if (s == null || m == null) {
            return s == null && m == null ? "both runs missing" : s == null ? "single missing" : "multi missing";
        }
        return clientBound(s) || clientBound(m) ? "**client-bound**" : "no value";
    }

    /** Sent × connected subscribers − delivered, as the load tool counted it after the drain; -1 if unknown. */
    private static long loss(Run r) {
        return r == null ? -1 : (long) num(r.load, "lost");
    }

    private static String lossCell(Run r) {
        if (r == null) {
            return "n/a";
        }
        long lost = loss(r);
        long subs = (long) num(r.load, "connectedSubscribers");
        long want = (long) num(r.load, "subscribers");
        String s = String.format(Locale.ROOT, "%,d", lost);
        if (subs >= 0 && subs < want) {
            s += String.format(Locale.ROOT, " (only %,d of %,d subscribers connected)", subs, want);
        }
        return lost > 0 ? "**" + s + "**" : s;
    }

    private static String loadavg(Run r) {
        Object v = r == null || r.side == null ? null : r.side.get("loadavgBefore");
        return v == null ? "n/a" : v.toString();
    }

    private static String busiest(Run r) {
        if (r == null) {
            return "n/a";
        }
        double f = num(r.load, "busiestThreadCoreFraction");
        String s = f < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * f);
        return clientBound(r) ? s + " **client-bound**" : s;
    }

    private static String cpu(Run r) {
        return r == null ? "n/a" : fixed(num(r.load, "serverCpuSeconds"), 2);
    }

    private static String cpuPerNode(Run r) {
        if (r == null) {
            return "n/a";
        }
        StringBuilder s = new StringBuilder(fixed(num(r.load, "serverCpuSeconds"), 2)).append(" (");
        List<Object> servers = list(r.load, "servers");
        for (int i = 0; i < servers.size(); i++) {
            s.append(i == 0 ? "" : " + ").append(fixed(num(map(servers.get(i)), "cpuSeconds"), 2));
        }
        return s.append(')').toString();
    }

    private static String perCpu(Run r) {
        return r == null ? "n/a" : count(num(r.load, "deliveriesPerServerCpuSecond"));
    }

    private static String notSent(Run r) {
        return r == null ? "n/a" : count(num(r.load, "notSent"));
    }

    private static double p99Ms(Run r) {
        double us = num(map(r.load.get("latencyUs")), "p99");
        return us < 0 ? -1 : us / 1000.0;
    }

    private static String pct(Run r) {
        if (r == null) {
            return "n/a";
        }
        Map<String, Object> lat = map(r.load.get("latencyUs"));
        return fixed(num(lat, "p50") / 1000.0, 2) + " / " + fixed(num(lat, "p99") / 1000.0, 2);
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return -1;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return Report.median(v);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map ? (Map<String, Object>) o : null;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof List ? (List<Object>) v : List.of();
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof Number ? ((Number) v).doubleValue() : -1;
    }

    private static String count(double v) {
        return v < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String fixed(double v, int decimals) {
        return v < 0 ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
