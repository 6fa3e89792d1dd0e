package io.wshub.benchmarks.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * End-to-end load over loopback: N subscriber connections and P publisher connections to one broadcast server (or to
 * several, {@code --urls}: subscriber j on URL j mod n, publisher i on URL i mod n), driven by {@code --readers} NIO
 * selector threads ({@link Reader}, default 2; connection k belongs to reader k mod readers) that parse frame headers
 * and the first 32 payload bytes only (never decode payloads as strings), so the tool costs the shared cores less than
 * the server does. Each reader keeps its own counters and latency histogram; they are merged after the run.
 *
 * <p>Each message is a text frame whose payload starts with 4 hex digits of publisher id, 12 of sequence number and
 * 16 of {@link System#nanoTime()} at send (same machine), padded with {@code 'x'} to {@code --size} bytes. Client
 * frames use an all-zero mask key, which RFC 6455 allows and which makes masking free.
 *
 * <p>Modes: {@code --rate 0} (default) saturates with a closed loop: each publisher keeps at most {@code --window}
 * messages that not every subscriber has received yet. {@code --rate R} sends R msg/s in total, open loop (overload
 * and latency cases). {@code --idle} only connects {@code --subscribers} connections and holds them for
 * {@code --duration} (memory case), answering pings.
 *
 * <p>Reports delivered messages per second during the measured window, loss (messages sent but not received by a
 * subscriber once drained), gaps and reordering per publisher, and latency percentiles (HdrHistogram, microseconds),
 * as a table on stdout and as JSON with {@code --json}. It also reports its own CPU time per reader thread over the
 * measured window and marks the run {@code clientBound} when the busiest reader used more than 85% of a core (the
 * tool, not the server, may then have set the pace); with {@code --server-pid P1,P2,...} each server's CPU time from
 * {@code /proc/PID/stat}, their total and deliveries per server CPU-second; with {@code --redis-pid} Redis's CPU time
 * and its CPU microseconds per publication (messages the publishers sent in the window).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.wshub.benchmarks.load.LoadTool --url ws://127.0.0.1:8080/ws \
 *     --subscribers 1000 --publishers 1 --size 64 --rate 0 --duration 15s --json out.json
 * </pre>
 *
 * <p>Thread-safety: a main program; the main thread starts the readers, sets the clock, samples CPU times at the
 * window's edges, and merges the readers' results after joining them.
 */
public final class LoadTool {

    /** The busiest reader's share of one core above which a run counts as limited by the load tool. */
    static final double CLIENT_BOUND_CORE_FRACTION = 0.85;

    private LoadTool() {
    }

    /**
     * Runs the load tool.
     *
     * @param args the options; {@code --help} lists them
     * @throws Exception if the run fails
     */
    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Result r = run(o);
        System.out.println(r.table());
        if (o.json != null) {
            Path p = Path.of(o.json);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            Files.writeString(p, r.json());
        }
    }

    /** CPU times at one edge of the measured window. */
    private record Sample(long nanos, long processCpu, long[] threadCpu, long[] serverTicks, long redisTicks) {
    }

    static Result run(Options o) throws IOException, InterruptedException {
        int connections = o.subscribers + (o.idle ? 0 : o.publishers);
        int n = Math.max(1, Math.min(o.readers, connections));
        Shared shared = new Shared(o, o.urls, n);
        Reader[] readers = new Reader[n];
        Thread[] threads = new Thread[n];
        for (int i = 0; i < n; i++) {
            readers[i] = new Reader(i, n, shared);
        }
        shared.readers = readers;
        String loadavg = ProcStat.loadAverage();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            threads[i] = new Thread(readers[i], "load-reader-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        try {
            if (!shared.connected.await(o.connectTimeoutNanos + TimeUnit.SECONDS.toNanos(10), TimeUnit.NANOSECONDS)) {
                log("readers still connecting after the connect timeout; going on");
            }
            long connectNanos = System.nanoTime() - t0;
            int open = sumOpen(readers);
            log("connected %d of %d in %.1f s (%d failed) with %d reader thread(s)", open, connections,
                    connectNanos / 1e9, sum(readers, r -> r.connectFailures), n);
            if (o.readyFile != null) {
                Files.writeString(Path.of(o.readyFile), "connected " + open + "\n");
            }
            Result r;
            if (o.idle) {
                sleepUntil(System.nanoTime() + o.durationNanos, readers);
                shared.stop = true;
                join(threads);
                r = result(o, shared, readers, 0, 0, processCpuNanos() - cpu0, null, null);
            } else {
                // Let the server finish its joins before the first message.
                sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000), readers);
                long start = System.nanoTime();
                shared.start = start;
                shared.measureStart = start + o.warmupNanos;
                shared.measureEnd = shared.measureStart + o.durationNanos;
                shared.go = true;
                boolean alive = sleepUntil(shared.measureStart, readers);
                Sample a = sample(o, threads);
                if (alive) {
                    alive = sleepUntil(shared.measureEnd, readers);
                }
                Sample b = sample(o, threads);
                if (!alive) {
                    log("every connection closed; stopping");
                }
                long drainStart = System.nanoTime();
                long drainEnd = drainStart + o.drainNanos;
                while (System.nanoTime() < drainEnd && sumOpen(readers) > 0
                        && received(readers) < shared.totalSent() * openSubscribers(readers)
                        && System.nanoTime() - lastReceive(readers, drainStart) < TimeUnit.SECONDS.toNanos(2)) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
                shared.stop = true;
                join(threads);
                r = result(o, shared, readers, b.nanos - a.nanos, System.nanoTime() - drainStart,
                        a.processCpu >= 0 && b.processCpu >= 0 ? b.processCpu - a.processCpu : -1, a, b);
                r.threads = new ArrayList<>();
                double window = (b.nanos - a.nanos) / 1e9;
                for (int i = 0; i < n; i++) {
                    double cpu = a.threadCpu[i] >= 0 && b.threadCpu[i] >= 0 ? (b.threadCpu[i] - a.threadCpu[i]) / 1e9
                            : -1;
                    r.threads.add(new Result.ThreadCpu(threads[i].getName(), cpu, cpu >= 0 && window > 0
                            ? cpu / window : -1));
                }
                r.busiestThreadCoreFraction = r.threads.stream().mapToDouble(Result.ThreadCpu::coreFraction).max()
                        .orElse(-1);
                r.clientBound = r.busiestThreadCoreFraction > CLIENT_BOUND_CORE_FRACTION;
            }
            r.connectSeconds = connectNanos / 1e9;
            r.loadavgAtStart = loadavg;
            for (Reader x : readers) {
                if (x.failure != null) {
                    throw new IOException("reader " + x.id + " failed", x.failure);
                }
            }
            return r;
        } finally {
            shared.stop = true;
            join(threads);
        }
    }

    private static Sample sample(Options o, Thread[] threads) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] cpu = new long[threads.length];
        for (int i = 0; i < threads.length; i++) {
            cpu[i] = mx.isThreadCpuTimeSupported() ? mx.getThreadCpuTime(threads[i].getId()) : -1;
        }
        long[] server = new long[o.serverPids.size()];
        for (int i = 0; i < server.length; i++) {
            server[i] = ProcStat.cpuTicks(o.serverPids.get(i));
        }
        return new Sample(System.nanoTime(), processCpuNanos(), cpu, server, ProcStat.cpuTicks(o.redisPid));
    }

    /** Sleeps until {@code deadline}; returns early, with false, once every connection of every reader is closed. */
    private static boolean sleepUntil(long deadline, Reader[] readers) {
        long now;
        while ((now = System.nanoTime()) < deadline) {
            if (sumOpen(readers) == 0) {
                return false;
            }
            LockSupport.parkNanos(Math.min(deadline - now, TimeUnit.MILLISECONDS.toNanos(20)));
        }
        return true;
    }

    private static void join(Thread[] threads) throws InterruptedException {
        for (Thread t : threads) {
            if (t != null) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
    }

    private static int sumOpen(Reader[] readers) {
        int s = 0;
        for (Reader r : readers) {
            s += r.openSnapshot;
        }
        return s;
    }

    private static long openSubscribers(Reader[] readers) {
        long s = 0;
        for (Reader r : readers) {
            s += r.openSubscribersSnapshot;
        }
        return s;
    }

    private static long received(Reader[] readers) {
        long s = 0;
        for (Reader r : readers) {
            s += r.receivedSnapshot;
        }
        return s;
    }

    private static long lastReceive(Reader[] readers, long floor) {
        long last = floor;
        for (Reader r : readers) {
            last = Math.max(last, r.lastReceiveSnapshot);
        }
        return last;
    }

    private static long sum(Reader[] readers, java.util.function.ToLongFunction<Reader> f) {
        long s = 0;
        for (Reader r : readers) {
            s += f.applyAsLong(r);
        }
        return s;
    }

    // ---------------------------------------------------------------- results

    private static Result result(Options o, Shared shared, Reader[] readers, long measuredNanos, long drainNanos,
                                 long cpuNanos, Sample a, Sample b) {
        Result r = new Result();
        r.label = o.label;
        r.urls = o.urls.stream().map(URI::toString).collect(Collectors.toList());
        r.url = String.join(",", r.urls);
        r.readers = readers.length;
        r.mode = o.idle ? "idle" : o.rate > 0 ? "rate" : "saturate";
        r.subscribers = o.subscribers;
        r.publishers = shared.publishers;
        r.size = o.size;
        r.rate = o.rate;
        r.window = o.window;
        r.seconds = measuredNanos / 1e9;
        Histogram latency = new Histogram(Reader.MAX_LATENCY_US, 3);
        for (Reader x : readers) {
            r.connected += x.openAtEnd;
            r.connectedSubscribers += x.openSubscribersAtEnd;
            r.connectFailures += x.connectFailures;
            r.serverCloses += x.serverCloses;
            r.protocolErrors += x.protocolErrors;
            r.malformed += x.malformed;
            r.sentMeasured += x.measuredSent;
            r.notSent += x.notSent;
            r.delivered += x.measuredDeliveries;
            r.received += x.received;
            r.lost += x.missing();
            r.gaps += x.gaps;
            r.reordered += x.reordered;
            r.stalls += x.stalls;
            latency.add(x.latency);
        }
        r.sent = shared.totalSent();
        r.deliveredPerSec = measuredNanos > 0 ? r.delivered / (measuredNanos / 1e9) : 0;
        r.drainSeconds = drainNanos / 1e9;
        r.clientCpuSeconds = cpuNanos / 1e9;
        if (latency.getTotalCount() > 0) {
            r.p50 = latency.getValueAtPercentile(50);
            r.p90 = latency.getValueAtPercentile(90);
            r.p99 = latency.getValueAtPercentile(99);
            r.p999 = latency.getValueAtPercentile(99.9);
            r.max = latency.getMaxValue();
            r.mean = latency.getMean();
        }
        if (a != null && b != null) {
            double total = 0;
            boolean known = !o.serverPids.isEmpty();
            for (int i = 0; i < a.serverTicks.length; i++) {
                double s = a.serverTicks[i] >= 0 && b.serverTicks[i] >= 0
                        ? (b.serverTicks[i] - a.serverTicks[i]) / ProcStat.TICKS_PER_SECOND : -1;
                r.servers.add(new Result.ServerCpu(o.serverPids.get(i), s));
                if (s < 0) {
                    known = false;
                } else {
                    total += s;
                }
            }
            r.serverCpuSeconds = known ? total : -1;
            r.deliveriesPerServerCpuSecond = known && total > 0 ? r.delivered / total : -1;
            if (o.redisPid > 0) {
                r.redisPid = o.redisPid;
                r.redisCpuSeconds = a.redisTicks >= 0 && b.redisTicks >= 0
                        ? (b.redisTicks - a.redisTicks) / ProcStat.TICKS_PER_SECOND : -1;
                r.redisCpuUsPerPublication = r.redisCpuSeconds >= 0 && r.sentMeasured > 0
                        ? r.redisCpuSeconds * 1e6 / r.sentMeasured : -1;
            }
        }
        return r;
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return -1;
    }

    static void log(String fmt, Object... args) {
        System.err.println("[load] " + String.format(Locale.ROOT, fmt, args));
    }
}
