package io.wshub.benchmarks.load;

import java.net.URI;
import java.util.Locale;

/** The load tool's command line. Thread-safety: effectively immutable after parsing. */
final class Options {

    URI url = URI.create("ws://127.0.0.1:8080/ws");
    int subscribers = 100;
    int publishers = 1;
    int size = 64;
    double rate;
    int window = 256;
    long durationNanos = seconds(15);
    long warmupNanos = seconds(3);
    long drainNanos = seconds(10);
    long connectTimeoutNanos = seconds(120);
    boolean idle;
    String json;
    String label = "";
    String readyFile;
    long serverPid = -1;

    static final String USAGE = String.join("\n",
            "usage: LoadTool --url ws://127.0.0.1:PORT/ws [options]",
            "  --subscribers N     subscriber connections (default 100)",
            "  --publishers P      publisher connections (default 1); they also receive and discard",
            "  --size BYTES        message size, at least 32 (default 64)",
            "  --rate R            total msg/s over all publishers, open loop; 0 = saturate, closed loop (default 0)",
            "  --window W          saturate: messages per publisher not yet received by every subscriber (default 256)",
            "  --duration D        measured time, e.g. 15s or 500ms (default 15s); with --idle, how long to hold",
            "  --warmup D          sending before measuring (default 3s)",
            "  --drain D           after sending stops, wait at most this long for deliveries (default 10s)",
            "  --connect-timeout D (default 120s)",
            "  --idle              connect --subscribers connections, hold them for --duration, send nothing",
            "  --ready-file F      write 'connected N' to F once connected",
            "  --label L           a name for the results",
            "  --server-pid PID    also report the server's CPU time (/proc/PID/stat) during the measured window",
            "  --json F            write the results as JSON to F");

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (a.equals("--idle")) {
                o.idle = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + a + "\n" + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--url" -> o.url = URI.create(v);
                case "--subscribers" -> o.subscribers = positive(a, Integer.parseInt(v));
                case "--publishers" -> o.publishers = positive(a, Integer.parseInt(v));
                case "--size" -> o.size = Integer.parseInt(v);
                case "--rate" -> o.rate = Double.parseDouble(v);
                case "--window" -> o.window = positive(a, Integer.parseInt(v));
                case "--duration" -> o.durationNanos = duration(v);
                case "--warmup" -> o.warmupNanos = duration(v);
                case "--drain" -> o.drainNanos = duration(v);
                case "--connect-timeout" -> o.connectTimeoutNanos = duration(v);
                case "--ready-file" -> o.readyFile = v;
                case "--label" -> o.label = v;
                case "--server-pid" -> o.serverPid = Long.parseLong(v);
                case "--json" -> o.json = v;
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (o.size < Conn.PREFIX) {
            throw new IllegalArgumentException("--size must be at least " + Conn.PREFIX);
        }
        if (o.publishers > 0xFFFF) {
            throw new IllegalArgumentException("--publishers must be at most 65535");
        }
        if (o.rate < 0) {
            throw new IllegalArgumentException("--rate must be 0 or more");
        }
        return o;
    }

    double intervalNanos() {
        return 1e9 * publishers / rate;
    }

    private static int positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
        return v;
    }

    private static long seconds(long s) {
        return s * 1_000_000_000L;
    }

    static long duration(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ms")) {
            return Long.parseLong(s.substring(0, s.length() - 2)) * 1_000_000L;
        }
        if (s.endsWith("s")) {
            return (long) (Double.parseDouble(s.substring(0, s.length() - 1)) * 1e9);
        }
        if (s.endsWith("m")) {
            return (long) (Double.parseDouble(s.substring(0, s.length() - 1)) * 60e9);
        }
        return (long) (Double.parseDouble(s) * 1e9);
    }
}
