package io.wshub.benchmarks.load;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The load tool's command line. Thread-safety: effectively immutable after parsing. */
final class Options {

    /** The servers: subscriber j connects to {@code urls[j mod n]}, publisher i to {@code urls[i mod n]}. */
    List<URI> urls = List.of(URI.create("ws://127.0.0.1:8080/ws"));
    int readers = 2;
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
    /** Server processes whose CPU time is reported over the measured window; empty for none. */
    List<Long> serverPids = List.of();
    long redisPid = -1;

    static final String USAGE = String.join("\n",
            "usage: LoadTool --url ws://127.0.0.1:PORT/ws [options]",
            "  --url U             the server (default ws://127.0.0.1:8080/ws)",
            "  --urls U1,U2,...    several servers instead: subscriber j on U(j mod n), publisher i on U(i mod n)",
            "  --readers N         selector threads; connections are assigned round robin (default 2)",
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
            "  --server-pid P1,P2  also report each server's CPU time (/proc/PID/stat) during the measured window,",
            "                      their total, and deliveries per server CPU-second",
            "  --redis-pid PID     also report Redis's CPU time in the window and its CPU microseconds per publication",
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
                case "--url" -> o.urls = List.of(URI.create(v));
                case "--urls" -> o.urls = urls(v);
                case "--readers" -> o.readers = positive(a, Integer.parseInt(v));
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
                case "--server-pid" -> o.serverPids = pids(v);
                case "--redis-pid" -> o.redisPid = v.isBlank() ? -1 : Long.parseLong(v.trim());
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
        for (URI u : o.urls) {
            if (!"ws".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
                throw new IllegalArgumentException("a server URL must be ws://host:port/path, got " + u);
            }
        }
        return o;
    }

    double intervalNanos() {
        return 1e9 * publishers / rate;
    }

    /** Parses {@code "ws://a/ws,ws://b/ws"}; blanks between commas are ignored. */
    static List<URI> urls(String v) {
        List<URI> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(URI.create(s.trim()));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--urls needs at least one URL");
        }
        return List.copyOf(out);
    }

    /** Parses {@code "12,34"} (an empty list for a blank value, so a script may pass an unset variable). */
    static List<Long> pids(String v) {
        List<Long> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                long pid = Long.parseLong(s.trim());
                if (pid > 0) {
                    out.add(pid);
                }
            }
        }
        return List.copyOf(out);
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
