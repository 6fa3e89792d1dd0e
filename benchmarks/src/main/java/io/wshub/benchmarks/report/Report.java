package io.wshub.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns one run directory of {@code run-e2e.sh} into {@code summary.md} (one table per case, with the ratio of each
 * wshub server to every peer measured in the same run) and SVG charts ({@code chart-throughput.svg},
 * {@code chart-latency.svg}), without any dependency.
 *
 * <p>A run directory may hold several rounds of each server and case ({@code SERVER__CASE__rN.json}; a file without
 * the {@code __rN} suffix, from before rounds existed, is round 1). Each case's table lists every run with the load
 * average recorded before it; with more than one round a second table gives each server's median and range
 * (min–max). A run whose load tool was the bottleneck ({@code clientBound}: its busiest reader thread used more than
 * 85% of a core) is marked and left out of the medians, the ratios and the charts.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.wshub.benchmarks.report.Report benchmarks/results/RUN}
 *
 * <p>Thread-safety: a main program.
 */
public final class Report {

    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f"};
    private static final Pattern ROUND = Pattern.compile("(.*)__r(\\d+)");

    /** One server's run of one case in one round: the load tool's result and the script's server-side file. */
    private static final class Run {
        final int round;
        Map<String, Object> load;
        Map<String, Object> side;

        Run(int round) {
            this.round = round;
        }

        boolean clientBound() {
            return load != null && Boolean.TRUE.equals(load.get("clientBound"));
        }

        String loadavg() {
            Object v = side == null ? null : side.get("loadavgBefore");
            if (v == null && load != null) {
                v = load.get("loadavgAtStart");
            }
            return v == null || v.toString().isEmpty() ? "n/a" : v.toString();
        }
    }

    private final Path dir;
    private final List<String> servers = new ArrayList<>();
    private final List<String> cases = new ArrayList<>();
    /** case → server → round → run. */
    private final Map<String, Map<String, TreeMap<Integer, Run>>> runs = new LinkedHashMap<>();
    private int rounds = 1;

    private Report(Path dir) {
        this.dir = dir;
    }

    /**
     * Writes the summary and charts for a run directory.
     *
     * @param args the run directory
     * @throws IOException if the files cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Report RUN_DIRECTORY");
            System.exit(2);
        }
        Report r = new Report(Path.of(args[0]));
        r.read();
        Files.writeString(r.dir.resolve("summary.md"), r.markdown());
        Files.writeString(r.dir.resolve("chart-throughput.svg"), r.throughputChart());
        Files.writeString(r.dir.resolve("chart-latency.svg"), r.latencyChart());
        System.err.println("wrote " + r.dir.resolve("summary.md") + " and charts");
    }

    @SuppressWarnings("unchecked")
    private void read() throws IOException {
        Path machine = dir.resolve("machine.txt");
        List<String> order = new ArrayList<>();
        List<String> caseOrder = new ArrayList<>();
        if (Files.exists(machine)) {
            for (String line : Files.readAllLines(machine)) {
                if (line.startsWith("servers: ")) {
                    order.addAll(Arrays.asList(line.substring(9).trim().split("\\s+")));
                } else if (line.startsWith("cases: ")) {
                    caseOrder.addAll(Arrays.asList(line.substring(7).trim().split("\\s+")));
                }
            }
        }
        TreeSet<String> seenServers = new TreeSet<>();
        TreeSet<String> seenCases = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                String name = p.getFileName().toString();
                if (!name.endsWith(".json") || !name.contains("__")) {
                    continue;
                }
                boolean serverSide = name.endsWith(".server.json");
                String stem = name.substring(0, name.length() - (serverSide ? ".server.json" : ".json").length());
                int round = 1;
                Matcher m = ROUND.matcher(stem);
                if (m.matches()) {
                    stem = m.group(1);
                    round = Integer.parseInt(m.group(2));
                }
                String server = stem.substring(0, stem.indexOf("__"));
                String kase = stem.substring(stem.indexOf("__") + 2);
                if (kase.startsWith("jfr-")) {
                    continue; // profiling runs are not measurements
                }
                Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readString(p));
                int r = round;
                Run run = runs.computeIfAbsent(kase, k -> new LinkedHashMap<>())
                        .computeIfAbsent(server, k -> new TreeMap<>()).computeIfAbsent(r, Run::new);
                if (serverSide) {
                    run.side = json;
                } else {
                    run.load = json;
                }
                rounds = Math.max(rounds, round);
                seenServers.add(server);
                seenCases.add(kase);
            }
        }
        for (String s : order) {
            if (seenServers.remove(s)) {
                servers.add(s);
            }
        }
        servers.addAll(seenServers);
        for (String c : caseOrder) {
            if (seenCases.remove(c)) {
                cases.add(c);
            }
        }
        cases.addAll(seenCases);
    }

    // ---------------------------------------------------------------- markdown

    private String markdown() throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# End-to-end results: ").append(dir.getFileName()).append("\n\n");
        Path machine = dir.resolve("machine.txt");
        if (Files.exists(machine)) {
            b.append("```\n").append(Files.readString(machine)).append("```\n\n");
        }
        b.append("A run marked **client-bound** had a load-tool reader thread above 85% of a core in the measured "
                + "window: the tool, not the server, may have set the pace. Such runs are left out of medians, ratios "
                + "and charts.");
        if (rounds > 1) {
            b.append(" Each server ran ").append(rounds).append(" rounds per case, interleaved with the other "
                    + "servers (A B C A B C ...); ratios compare medians.");
        }
        b.append("\n\n");
        for (String c : cases) {
            if (c.startsWith("sat-")) {
                saturate(b, c);
            } else if (c.startsWith("lat-")) {
                latency(b, c);
            } else if (c.startsWith("overload-")) {
                overload(b, c);
            } else if (c.startsWith("idle-")) {
                idle(b, c);
            }
        }
        return b.toString();
    }

    /** The runs of a case in table order: server by server, round by round. */
    private List<Run> rows(String c, String s) {
        Map<String, TreeMap<Integer, Run>> m = runs.get(c);
        TreeMap<Integer, Run> t = m == null ? null : m.get(s);
        return t == null ? List.of() : new ArrayList<>(t.values());
    }

    private String rowName(String s, Run r) {
        String name = rounds > 1 ? s + " r" + r.round : s;
        return r.clientBound() ? name + " **client-bound** (excluded)" : name;
    }

    private void saturate(StringBuilder b, String c) {
        b.append("## ").append(c).append(": 1 publisher, saturating\n\n");
        b.append("| server | load avg before | delivered msg/s | lost | gaps | reordered | stalls | server closes "
                + "| p50 µs | p99 µs | p99.9 µs | max µs | client CPU s | busiest load-tool thread, % of a core "
                + "| server CPU s | deliveries per server CPU-s | server peak RSS MiB |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String s : servers) {
            for (Run run : rows(c, s)) {
                Map<String, Object> r = run.load;
                if (r == null) {
                    continue;
                }
                Map<String, Object> lat = sub(r, "latencyUs");
                b.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d "
                                + "| %,d | %.2f | %s | %.2f | %s | %s |%n", rowName(s, run), run.loadavg(),
                        num(r, "deliveredPerSec"), lng(r, "lost"), lng(r, "gaps"), lng(r, "reordered"),
                        lng(r, "stalls"), lng(r, "serverCloses"), lng(lat, "p50"), lng(lat, "p99"), lng(lat, "p999"),
                        lng(lat, "max"), num(r, "clientCpuSeconds"), busiest(r), num(r, "serverCpuSeconds"),
                        perCpu(r) > 0 ? String.format(Locale.ROOT, "%,.0f", perCpu(r)) : "n/a",
                        mib(run.side, "rssPeakKb")));
            }
        }
        b.append('\n');
        medians(b, c, new String[] {"delivered msg/s", "deliveries per server CPU-s", "p99 µs"},
                List.of(x -> num(x.load, "deliveredPerSec"), x -> perCpu(x.load),
                        x -> num(sub(x.load, "latencyUs"), "p99")));
        ratios(b, c, "delivered msg/s, wshub ÷ peer (above 1: wshub delivers more)", x -> num(x.load,
                "deliveredPerSec"));
        ratios(b, c, "deliveries per server CPU-second, wshub ÷ peer (above 1: wshub is cheaper per delivery)",
                x -> perCpu(x.load));
    }

    private void latency(StringBuilder b, String c) {
        b.append("## ").append(c).append(": fixed rate, latency\n\n");
        b.append("| server | load avg before | rate msg/s | delivered msg/s | lost | reordered | p50 µs | p90 µs "
                + "| p99 µs | p99.9 µs | max µs | mean µs | busiest load-tool thread, % of a core "
                + "| deliveries per server CPU-s |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String s : servers) {
            for (Run run : rows(c, s)) {
                Map<String, Object> r = run.load;
                if (r == null) {
                    continue;
                }
                Map<String, Object> lat = sub(r, "latencyUs");
                b.append(String.format(Locale.ROOT,
                        "| %s | %s | %.0f | %,.0f | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %.0f | %s | %s |%n",
                        rowName(s, run), run.loadavg(), num(r, "rate"), num(r, "deliveredPerSec"), lng(r, "lost"),
                        lng(r, "reordered"), lng(lat, "p50"), lng(lat, "p90"), lng(lat, "p99"), lng(lat, "p999"),
                        lng(lat, "max"), num(lat, "mean"), busiest(r),
                        perCpu(r) > 0 ? String.format(Locale.ROOT, "%,.0f", perCpu(r)) : "n/a"));
            }
        }
        b.append('\n');
        medians(b, c, new String[] {"p50 µs", "p99 µs", "p99.9 µs"},
                List.of(x -> num(sub(x.load, "latencyUs"), "p50"), x -> num(sub(x.load, "latencyUs"), "p99"),
                        x -> num(sub(x.load, "latencyUs"), "p999")));
        ratios(b, c, "p99 latency, wshub ÷ peer (below 1: wshub is faster)", x -> num(sub(x.load, "latencyUs"),
                "p99"));
    }

    private void overload(StringBuilder b, String c) {
        b.append("## ").append(c).append(": fixed rate above capacity: memory and drop accounting\n\n");
        b.append("| server | load avg before | rate msg/s | sent | not sent on time | delivered msg/s "
                + "| missing at subscribers | server closes | server peak RSS MiB | live heap MiB: before "
                + "| middle of window | end of window | hub accepted | hub refused (endpoint) | hub dropped "
                + "| slow-consumer disconnects |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String s : servers) {
            for (Run run : rows(c, s)) {
                Map<String, Object> r = run.load;
                if (r == null) {
                    continue;
                }
                Map<String, Object> sv = run.side;
                Map<String, Object> hub = sv == null ? null : sub(sv, "hub");
                String accepted = hub == null ? "n/a" : String.format(Locale.ROOT, "%,d", lng(hub, "accepted"));
                String refused = hub == null ? "n/a" : String.format(Locale.ROOT, "%,d",
                        lng(hub, "endpointRejected"));
                String dropped = hub == null ? "n/a" : String.format(Locale.ROOT, "%,d", lng(hub, "droppedNewest")
                        + lng(hub, "droppedOldest") + lng(hub, "droppedDisconnect") + lng(hub, "droppedClosed"));
                String slow = hub == null ? "n/a" : String.format(Locale.ROOT, "%,d", lng(hub, "slowDisconnects"));
                boolean died = sv != null && Boolean.TRUE.equals(sv.get("died"));
                String name = died ? rowName(s, run) + " (**died**: see its server log)" : rowName(s, run);
                b.append(String.format(Locale.ROOT,
                        "| %s | %s | %.0f | %,d | %,d | %,.0f | %,d | %,d | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        name, run.loadavg(), num(r, "rate"), lng(r, "sent"), lng(r, "notSent"),
                        num(r, "deliveredPerSec"), lng(r, "lost"), lng(r, "serverCloses"), mib(sv, "rssPeakKb"),
                        mib(sv, "heapBeforeKb"), mib(sv, "heapMidKb"), mib(sv, "heapAfterKb"), accepted, refused,
                        dropped, slow));
            }
        }
        b.append('\n');
        medians(b, c, new String[] {"delivered msg/s", "server peak RSS MiB"},
                List.of(x -> num(x.load, "deliveredPerSec"), x -> kibToMib(num(x.side, "rssPeakKb"))));
        ratios(b, c, "server peak RSS, wshub ÷ peer (below 1: wshub uses less)", x -> num(x.side, "rssPeakKb"));
    }

    private void idle(StringBuilder b, String c) {
        b.append("## ").append(c).append(": idle connections: memory per connection\n\n");
        b.append("| server | load avg before | connected | RSS before MiB | RSS after MiB | RSS per connection KiB "
                + "| heap before MiB | heap after MiB | heap per connection KiB |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String s : servers) {
            for (Run run : rows(c, s)) {
                Map<String, Object> sv = run.side;
                if (sv == null) {
                    continue;
                }
                double h0 = num(sv, "heapBeforeKb");
                double h1 = num(sv, "heapAfterKb");
                b.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %s | %s | %s | %s | %s | %s |%n",
                        rowName(s, run), run.loadavg(), num(sv, "connected"), mib(sv, "rssStartKb"),
                        mib(sv, "rssEndKb"), fmt(rssPerConn(run)), h0 >= 0 ? mib(sv, "heapBeforeKb") : "n/a",
                        h1 >= 0 ? mib(sv, "heapAfterKb") : "n/a", fmt(heapPerConn(run))));
            }
        }
        b.append('\n');
        medians(b, c, new String[] {"RSS per connection KiB", "heap per connection KiB"},
                List.of(Report::rssPerConn, Report::heapPerConn));
        ratios(b, c, "RSS per connection, wshub ÷ peer (below 1: wshub uses less)", Report::rssPerConn);
        ratios(b, c, "heap per connection, wshub ÷ peer (below 1: wshub uses less)", Report::heapPerConn);
    }

    private static double rssPerConn(Run run) {
        double n = num(run.side, "connected");
        return n > 0 ? (num(run.side, "rssEndKb") - num(run.side, "rssStartKb")) / n : Double.NaN;
    }

    private static double heapPerConn(Run run) {
        double n = num(run.side, "connected");
        double h0 = num(run.side, "heapBeforeKb");
        double h1 = num(run.side, "heapAfterKb");
        return n > 0 && h0 >= 0 && h1 >= 0 ? (h1 - h0) / n : Double.NaN;
    }

    /** With more than one round: per server, the median and range of each value over its eligible runs. */
    private void medians(StringBuilder b, String c, String[] titles, List<ToDoubleFunction<Run>> values) {
        if (rounds <= 1) {
            return;
        }
        b.append("Over the rounds: median (min–max), client-bound runs left out\n\n| server | rounds used |");
        for (String t : titles) {
            b.append(' ').append(t).append(" |");
        }
        b.append("\n|---|---:|").append("---:|".repeat(titles.length)).append('\n');
        for (String s : servers) {
            List<Run> all = rows(c, s);
            if (all.isEmpty()) {
                continue;
            }
            List<Run> used = eligible(all);
            b.append("| ").append(s).append(" | ").append(used.size()).append(" of ").append(all.size()).append(" |");
            for (ToDoubleFunction<Run> f : values) {
                double[] v = used.stream().mapToDouble(f).filter(x -> x >= 0 && !Double.isNaN(x)).sorted().toArray();
                b.append(v.length == 0 ? " n/a |" : String.format(Locale.ROOT, " %s (%s–%s) |", big(median(v)),
                        big(v[0]), big(v[v.length - 1])));
            }
            b.append('\n');
        }
        b.append('\n');
    }

    private static List<Run> eligible(List<Run> all) {
        List<Run> out = new ArrayList<>();
        for (Run r : all) {
            if (!r.clientBound()) {
                out.add(r);
            }
        }
        return out;
    }

    /** The median over a server's runs of a case that were not client-bound, or -1 if none has the value. */
    private double value(String c, String s, ToDoubleFunction<Run> f) {
        double[] v = eligible(rows(c, s)).stream().mapToDouble(f).filter(x -> x >= 0 && !Double.isNaN(x)).sorted()
                .toArray();
        return v.length == 0 ? -1 : median(v);
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private void ratios(StringBuilder b, String c, String title, ToDoubleFunction<Run> f) {
        List<String> ours = new ArrayList<>();
        List<String> peers = new ArrayList<>();
        for (String s : servers) {
            if (rows(c, s).isEmpty()) {
                continue;
            }
            (s.startsWith("wshub-") ? ours : peers).add(s);
        }
        if (ours.isEmpty() || peers.isEmpty()) {
            b.append('\n');
            return;
        }
        b.append("Ratio").append(rounds > 1 ? " of medians" : "").append(": ").append(title)
                .append("\n\n| wshub \\ peer |");
        for (String p : peers) {
            b.append(' ').append(p).append(" |");
        }
        b.append("\n|---|");
        b.append("---:|".repeat(peers.size()));
        b.append('\n');
        for (String o : ours) {
            b.append("| ").append(o).append(" |");
            double mine = value(c, o, f);
            for (String p : peers) {
                double theirs = value(c, p, f);
                b.append(theirs > 0 && mine >= 0 ? String.format(Locale.ROOT, " %.2f× |", mine / theirs) : " n/a |");
            }
            b.append('\n');
        }
        b.append('\n');
    }

    // ---------------------------------------------------------------- charts

    private String throughputChart() {
        List<String> sat = new ArrayList<>();
        for (String c : cases) {
            if (c.startsWith("sat-")) {
                sat.add(c);
            }
        }
        double[][] v = new double[sat.size()][servers.size()];
        for (int i = 0; i < sat.size(); i++) {
            for (int j = 0; j < servers.size(); j++) {
                v[i][j] = Math.max(0, value(sat.get(i), servers.get(j), x -> num(x.load, "deliveredPerSec")));
            }
        }
        return bars("Delivered messages per second, 1 publisher saturating" + (rounds > 1 ? ", median of rounds" : "")
                + " (higher is better)", sat, v, "msg/s", false);
    }

    private String latencyChart() {
        String c = null;
        for (String k : cases) {
            if (k.startsWith("lat-")) {
                c = k;
            }
        }
        List<String> groups = List.of("p50", "p99", "p999");
        double[][] v = new double[groups.size()][servers.size()];
        for (int i = 0; i < groups.size(); i++) {
            for (int j = 0; j < servers.size(); j++) {
                String g = groups.get(i);
                v[i][j] = c == null ? 0 : Math.max(0, value(c, servers.get(j), x -> num(sub(x.load, "latencyUs"), g)))
                        / 1000.0;
            }
        }
        return bars("Latency at 100 msg/s to 1000 subscribers, ms, log scale" + (rounds > 1 ? ", median of rounds" : "")
                + " (lower is better)"
                + (c == null ? ": not run" : ""), groups, v, "ms", true);
    }

    private String bars(String title, List<String> groups, double[][] v, String unit, boolean log) {
        int width = 900;
        int height = 420;
        int left = 90;
        int right = 180;
        int top = 50;
        int bottom = 60;
        double max = 0;
        for (double[] row : v) {
            for (double x : row) {
                max = Math.max(max, x);
            }
        }
        double scale = niceCeil(max);
        double min = max;
        for (double[] row : v) {
            for (double x : row) {
                if (x > 0) {
                    min = Math.min(min, x);
                }
            }
        }
        int lo = log && min > 0 ? (int) Math.floor(Math.log10(min)) : 0;
        int hi = log && max > 0 ? Math.max(lo + 1, (int) Math.ceil(Math.log10(max))) : 0;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"25\" font-size=\"15\">%s</text>%n", left, esc(title)));
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        int ticks = log ? hi - lo : 5;
        for (int t = 0; t <= ticks; t++) {
            double val = log ? Math.pow(10, lo + t) : scale * t / 5;
            int y = top + plotH - (int) Math.round(plotH * t / (double) ticks);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>%n",
                    left, y, left + plotW, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", left - 6,
                    y + 4, esc(axis(val, unit))));
        }
        int n = Math.max(1, groups.size());
        double groupW = (double) plotW / n;
        int k = Math.max(1, servers.size());
        double barW = groupW * 0.8 / k;
        for (int i = 0; i < groups.size(); i++) {
            double gx = left + i * groupW + groupW * 0.1;
            for (int j = 0; j < servers.size(); j++) {
                double h;
                if (log) {
                    h = v[i][j] > 0 ? plotH * (Math.log10(v[i][j]) - lo) / (hi - lo) : 0;
                } else {
                    h = scale > 0 ? plotH * v[i][j] / scale : 0;
                }
                double x = gx + j * barW;
                double y = top + plotH - h;
                s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        + "fill=\"%s\"><title>%s %s: %s</title></rect>%n", x, y, Math.max(1, barW - 2), h,
                        COLORS[j % COLORS.length], esc(servers.get(j)), esc(groups.get(i)), esc(axis(v[i][j], unit))));
            }
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    gx + groupW * 0.4, top + plotH + 20, esc(groups.get(i))));
        }
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left,
                top + plotH, left + plotW, top + plotH));
        for (int j = 0; j < servers.size(); j++) {
            int y = top + 10 + j * 20;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
                    left + plotW + 15, y, COLORS[j % COLORS.length]));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", left + plotW + 32, y + 11,
                    esc(servers.get(j))));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static double niceCeil(double max) {
        if (max <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(max)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= max) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String axis(double v, String unit) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.1fM %s", v / 1e6, unit);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.0fk %s", v / 1e3, unit);
        }
        return String.format(Locale.ROOT, "%.1f %s", v, unit);
    }

    // ---------------------------------------------------------------- helpers

    /** Deliveries in the window per server CPU-second (all servers of the run), or -1 if unknown. */
    private static double perCpu(Map<String, Object> r) {
        double v = num(r, "deliveriesPerServerCpuSecond");
        if (v > 0) {
            return v;
        }
        double cpu = num(r, "serverCpuSeconds");
        return cpu > 0 ? num(r, "delivered") / cpu : -1;
    }

    /** The load tool's busiest reader thread as a percentage of one core, or n/a (files from before readers). */
    private static String busiest(Map<String, Object> r) {
        double f = num(r, "busiestThreadCoreFraction");
        return f < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * f);
    }

    private static double kibToMib(double kb) {
        return kb < 0 ? -1 : kb / 1024;
    }

    private static String big(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sub(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof Map ? (Map<String, Object>) v : null;
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof Number ? ((Number) v).doubleValue() : -1;
    }

    private static long lng(Map<String, Object> m, String key) {
        return (long) num(m, key);
    }

    private static String mib(Map<String, Object> m, String key) {
        double kb = num(m, key);
        return kb < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", kb / 1024);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
