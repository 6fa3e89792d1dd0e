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
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Turns one run directory of {@code run-e2e.sh} into {@code summary.md} (one table per case, with the ratio of each
 * wshub server to every peer measured in the same run) and SVG charts ({@code chart-throughput.svg},
 * {@code chart-latency.svg}), without any dependency.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.wshub.benchmarks.report.Report benchmarks/results/RUN}
 *
 * <p>Thread-safety: a main program.
 */
public final class Report {

    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f"};

    private final Path dir;
    private final List<String> servers = new ArrayList<>();
    private final List<String> cases = new ArrayList<>();
    /** case → server → load-tool result. */
    private final Map<String, Map<String, Map<String, Object>>> load = new LinkedHashMap<>();
    /** case → server → server-side measurements. */
    private final Map<String, Map<String, Map<String, Object>>> side = new LinkedHashMap<>();

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
                String server = stem.substring(0, stem.indexOf("__"));
                String kase = stem.substring(stem.indexOf("__") + 2);
                if (kase.startsWith("jfr-")) {
                    continue; // profiling runs are not measurements
                }
                Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readString(p));
                (serverSide ? side : load).computeIfAbsent(kase, k -> new LinkedHashMap<>()).put(server, json);
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

    private void saturate(StringBuilder b, String c) {
        b.append("## ").append(c).append(": 1 publisher, saturating\n\n");
        b.append("| server | delivered msg/s | lost | gaps | reordered | stalls | server closes | p50 µs | p99 µs "
                + "| p99.9 µs | max µs | client CPU s | server CPU s | deliveries per server CPU-s "
                + "| server peak RSS MiB |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        Map<String, Map<String, Object>> eff = new LinkedHashMap<>();
        for (String s : servers) {
            Map<String, Object> r = get(load, c, s);
            if (r == null) {
                continue;
            }
            Map<String, Object> lat = sub(r, "latencyUs");
            b.append(String.format(Locale.ROOT, "| %s | %,.0f | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d "
                            + "| %.2f | %.2f | %s | %s |%n", s, num(r, "deliveredPerSec"), lng(r, "lost"),
                    lng(r, "gaps"), lng(r, "reordered"), lng(r, "stalls"), lng(r, "serverCloses"), lng(lat, "p50"),
                    lng(lat, "p99"),
                    lng(lat, "p999"), lng(lat, "max"), num(r, "clientCpuSeconds"), num(r, "serverCpuSeconds"),
                    perCpu(r) > 0 ? String.format(Locale.ROOT, "%,.0f", perCpu(r)) : "n/a",
                    mib(get(side, c, s), "rssPeakKb")));
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("perCpu", perCpu(r));
            eff.put(s, e);
        }
        ratios(b, c, "delivered msg/s, wshub ÷ peer (above 1: wshub delivers more)", load, "deliveredPerSec", null);
        Map<String, Map<String, Map<String, Object>>> wrap = new LinkedHashMap<>();
        wrap.put(c, eff);
        ratios(b, c, "deliveries per server CPU-second, wshub ÷ peer (above 1: wshub is cheaper per delivery)", wrap,
                "perCpu", null);
    }

    private void latency(StringBuilder b, String c) {
        b.append("## ").append(c).append(": fixed rate, latency\n\n");
        b.append("| server | rate msg/s | delivered msg/s | lost | reordered | p50 µs | p90 µs | p99 µs | p99.9 µs "
                + "| max µs | mean µs |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String s : servers) {
            Map<String, Object> r = get(load, c, s);
            if (r == null) {
                continue;
            }
            Map<String, Object> lat = sub(r, "latencyUs");
            b.append(String.format(Locale.ROOT,
                    "| %s | %.0f | %,.0f | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %.0f |%n", s, num(r, "rate"),
                    num(r, "deliveredPerSec"), lng(r, "lost"), lng(r, "reordered"),
                    lng(lat, "p50"), lng(lat, "p90"), lng(lat, "p99"), lng(lat, "p999"), lng(lat, "max"),
                    num(lat, "mean")));
        }
        ratios(b, c, "p99 latency, wshub ÷ peer (below 1: wshub is faster)", load, "p99", "latencyUs");
    }

    private void overload(StringBuilder b, String c) {
        b.append("## ").append(c).append(": fixed rate above capacity: memory and drop accounting\n\n");
        b.append("| server | rate msg/s | sent | not sent on time | delivered msg/s | missing at subscribers "
                + "| server closes | server peak RSS MiB | live heap MiB: before | middle of window | end of window "
                + "| hub accepted | hub refused (endpoint) | hub dropped | slow-consumer disconnects |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String s : servers) {
            Map<String, Object> r = get(load, c, s);
            if (r == null) {
                continue;
            }
            Map<String, Object> sv = get(side, c, s);
            Map<String, Object> hub = sv == null ? null : sub(sv, "hub");
            String accepted = hub == null ? "n/a" : String.format(Locale.ROOT, "%,d", lng(hub, "accepted"));
            String refused = hub == null ? "n/a" : String.format(Locale.ROOT, "%,d", lng(hub, "endpointRejected"));
            String dropped = hub == null ? "n/a" : String.format(Locale.ROOT, "%,d", lng(hub, "droppedNewest")
                    + lng(hub, "droppedOldest") + lng(hub, "droppedDisconnect") + lng(hub, "droppedClosed"));
            String slow = hub == null ? "n/a" : String.format(Locale.ROOT, "%,d", lng(hub, "slowDisconnects"));
            boolean died = sv != null && Boolean.TRUE.equals(sv.get("died"));
            String name = died ? s + " (**died**: see its server log)" : s;
            b.append(String.format(Locale.ROOT,
                    "| %s | %.0f | %,d | %,d | %,.0f | %,d | %,d | %s | %s | %s | %s | %s | %s | %s | %s |%n", name,
                    num(r, "rate"), lng(r, "sent"), lng(r, "notSent"), num(r, "deliveredPerSec"), lng(r, "lost"),
                    lng(r, "serverCloses"), mib(sv, "rssPeakKb"), mib(sv, "heapBeforeKb"), mib(sv, "heapMidKb"),
                    mib(sv, "heapAfterKb"), accepted, refused, dropped, slow));
        }
        ratios(b, c, "server peak RSS, wshub ÷ peer (below 1: wshub uses less)", side, "rssPeakKb", null);
    }

    private void idle(StringBuilder b, String c) {
        b.append("## ").append(c).append(": idle connections: memory per connection\n\n");
        b.append("| server | connected | RSS before MiB | RSS after MiB | RSS per connection KiB | heap before MiB "
                + "| heap after MiB | heap per connection KiB |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        Map<String, Map<String, Object>> derived = new LinkedHashMap<>();
        for (String s : servers) {
            Map<String, Object> sv = get(side, c, s);
            if (sv == null) {
                continue;
            }
            double n = num(sv, "connected");
            double rssPer = n > 0 ? (num(sv, "rssEndKb") - num(sv, "rssStartKb")) / n : Double.NaN;
            double h0 = num(sv, "heapBeforeKb");
            double h1 = num(sv, "heapAfterKb");
            double heapPer = n > 0 && h0 >= 0 && h1 >= 0 ? (h1 - h0) / n : Double.NaN;
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("rssPerConn", rssPer);
            d.put("heapPerConn", heapPer);
            derived.put(s, d);
            b.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %s | %s | %s | %s | %s |%n", s, n,
                    mib(sv, "rssStartKb"), mib(sv, "rssEndKb"), fmt(rssPer), h0 >= 0 ? mib(sv, "heapBeforeKb") : "n/a",
                    h1 >= 0 ? mib(sv, "heapAfterKb") : "n/a", fmt(heapPer)));
        }
        Map<String, Map<String, Map<String, Object>>> wrap = new LinkedHashMap<>();
        wrap.put(c, derived);
        ratios(b, c, "RSS per connection, wshub ÷ peer (below 1: wshub uses less)", wrap, "rssPerConn", null);
        ratios(b, c, "heap per connection, wshub ÷ peer (below 1: wshub uses less)", wrap, "heapPerConn", null);
    }

    private void ratios(StringBuilder b, String c, String title, Map<String, Map<String, Map<String, Object>>> src,
                        String key, String nested) {
        List<String> ours = new ArrayList<>();
        List<String> peers = new ArrayList<>();
        for (String s : servers) {
            if (get(src, c, s) == null) {
                continue;
            }
            (s.startsWith("wshub-") ? ours : peers).add(s);
        }
        if (ours.isEmpty() || peers.isEmpty()) {
            b.append('\n');
            return;
        }
        b.append("\nRatio: ").append(title).append("\n\n| wshub \\ peer |");
        for (String p : peers) {
            b.append(' ').append(p).append(" |");
        }
        b.append("\n|---|");
        b.append("---:|".repeat(peers.size()));
        b.append('\n');
        for (String o : ours) {
            b.append("| ").append(o).append(" |");
            double mine = value(get(src, c, o), key, nested);
            for (String p : peers) {
                double theirs = value(get(src, c, p), key, nested);
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
                Map<String, Object> r = get(load, sat.get(i), servers.get(j));
                v[i][j] = r == null ? 0 : num(r, "deliveredPerSec");
            }
        }
        return bars("Delivered messages per second, 1 publisher saturating (higher is better)", sat, v, "msg/s", false);
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
                Map<String, Object> r = c == null ? null : get(load, c, servers.get(j));
                v[i][j] = r == null ? 0 : num(sub(r, "latencyUs"), groups.get(i)) / 1000.0;
            }
        }
        return bars("Latency at 100 msg/s to 1000 subscribers, ms, log scale (lower is better)"
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

    private static double perCpu(Map<String, Object> r) {
        double cpu = num(r, "serverCpuSeconds");
        return cpu > 0 ? num(r, "delivered") / cpu : -1;
    }

    private static Map<String, Object> get(Map<String, Map<String, Map<String, Object>>> src, String c, String s) {
        Map<String, Map<String, Object>> m = src.get(c);
        return m == null ? null : m.get(s);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sub(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof Map ? (Map<String, Object>) v : null;
    }

    private static double value(Map<String, Object> m, String key, String nested) {
        return num(nested == null ? m : sub(m, nested), key);
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
