package io.wshub.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the JSON of a {@code FanoutBenchmark} run ({@code -rf json}) into a Markdown table: deliveries per second per
 * implementation, the ratio of each hub-disruptor variant to the best baseline at the same publishers, sessions and
 * payload, and bytes allocated per delivery ({@code gc.alloc.rate.norm} ÷ deliveries per operation) when the GC
 * profiler ran.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.wshub.benchmarks.report.JmhReport jmh.json > jmh.md}
 *
 * <p>Thread-safety: a main program.
 */
public final class JmhReport {

    private static final List<String> KNOWN = List.of("disruptor-1shard", "disruptor-2shards", "lock-loop",
            "queue-per-session");

    private JmhReport() {
    }

    /**
     * Prints the table.
     *
     * @param args the JMH JSON result file
     * @throws IOException if it cannot be read
     */
    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws IOException {
        List<Object> runs = (List<Object>) Json.parse(Files.readString(Path.of(args[0])));
        // key (publishers, sessions, payload) → impl → [deliveries/s, error, bytes per delivery]
        Map<String, Map<String, double[]>> rows = new TreeMap<>((a, b) -> {
            String[] x = a.split(",");
            String[] y = b.split(",");
            for (int i = 0; i < x.length; i++) {
                int c = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        });
        List<String> impls = new ArrayList<>();
        for (Object o : runs) {
            Map<String, Object> run = (Map<String, Object>) o;
            String bench = (String) run.get("benchmark");
            String pubs = bench.endsWith("publishers2") ? "2" : "1";
            Map<String, Object> params = (Map<String, Object>) run.get("params");
            String impl = (String) params.get("impl");
            if (!impls.contains(impl)) {
                impls.add(impl);
            }
            int sessions = Integer.parseInt((String) params.get("sessions"));
            int payload = Integer.parseInt((String) params.get("payload"));
            int burst = Integer.parseInt((String) params.get("burst"));
            Map<String, Object> sec = (Map<String, Object>) run.get("secondaryMetrics");
            Map<String, Object> del = (Map<String, Object>) sec.get("deliveries");
            Map<String, Object> norm = (Map<String, Object>) sec.get("gc.alloc.rate.norm");
            double score = ((Number) del.get("score")).doubleValue();
            Object errObj = del.get("scoreError");
            double err = errObj instanceof Number ? ((Number) errObj).doubleValue() : Double.NaN;
            double perDelivery = norm == null ? Double.NaN
                    : ((Number) norm.get("score")).doubleValue() / ((double) burst * sessions);
            rows.computeIfAbsent(pubs + "," + sessions + "," + payload, k -> new LinkedHashMap<>())
                    .put(impl, new double[] {score, err, perDelivery});
        }
        List<String> cols = new ArrayList<>();
        for (String k : KNOWN) {
            if (impls.contains(k)) {
                cols.add(k);
            }
        }
        for (String k : impls) {
            if (!cols.contains(k)) {
                cols.add(k);
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("| publishers | sessions | payload B |");
        for (String i : cols) {
            b.append(' ').append(i).append(" deliveries/s |");
        }
        b.append(" disruptor-1shard ÷ best baseline | disruptor-2shards ÷ best baseline | max B/delivery |\n");
        b.append("|---:|---:|---:|").append("---:|".repeat(cols.size())).append("---:|---:|---:|\n");
        for (Map.Entry<String, Map<String, double[]>> e : rows.entrySet()) {
            String[] k = e.getKey().split(",");
            Map<String, double[]> m = e.getValue();
            b.append("| ").append(k[0]).append(" | ").append(k[1]).append(" | ").append(k[2]).append(" |");
            for (String i : cols) {
                double[] v = m.get(i);
                b.append(v == null ? " – |" : String.format(Locale.ROOT, " %s ± %s |", si(v[0]), si(v[1])));
            }
            double best = Math.max(score(m, "lock-loop"), score(m, "queue-per-session"));
            for (String d : List.of("disruptor-1shard", "disruptor-2shards")) {
                double s = score(m, d);
                b.append(best > 0 && s > 0 ? String.format(Locale.ROOT, " %.2f× |", s / best) : " – |");
            }
            double maxAlloc = Double.NaN;
            List<Double> allocs = new ArrayList<>();
            for (double[] v : m.values()) {
                if (!Double.isNaN(v[2])) {
                    allocs.add(v[2]);
                }
            }
            for (double a : allocs) {
                maxAlloc = Double.isNaN(maxAlloc) ? a : Math.max(maxAlloc, a);
            }
            b.append(Double.isNaN(maxAlloc) ? " – |" : String.format(Locale.ROOT, " %.4f |", maxAlloc));
            b.append('\n');
        }
        System.out.print(b);
    }

    private static double score(Map<String, double[]> m, String impl) {
        double[] v = m.get(impl);
        return v == null ? -1 : v[0];
    }

    private static String si(double v) {
        if (Double.isNaN(v)) {
            return "?";
        }
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
