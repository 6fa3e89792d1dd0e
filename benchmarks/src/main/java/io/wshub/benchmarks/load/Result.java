package io.wshub.benchmarks.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One load-tool run's results, printed as a table and as flat JSON. Thread-safety: not thread-safe. */
final class Result {

    /** One reader thread's CPU time over the measured window, and that as a share of one core. */
    record ThreadCpu(String name, double cpuSeconds, double coreFraction) {
    }

    /** One server process's CPU time over the measured window (-1 if unknown). */
    record ServerCpu(long pid, double cpuSeconds) {
    }

    String label;
    String url;
    List<String> urls = List.of();
    int readers;
    String mode;
    int subscribers;
    int publishers;
    int size;
    double rate;
    int window;
    double seconds;
    double connectSeconds;
    int connected;
    int connectedSubscribers;
    int connectFailures;
    int serverCloses;
    int protocolErrors;
    long malformed;
    long sent;
    long sentMeasured;
    long notSent;
    long delivered;
    double deliveredPerSec;
    long received;
    long lost;
    long gaps;
    long reordered;
    long stalls;
    double drainSeconds;
    double clientCpuSeconds;
    List<ThreadCpu> threads = List.of();
    double busiestThreadCoreFraction = -1;
    boolean clientBound;
    List<ServerCpu> servers = new ArrayList<>();
    double serverCpuSeconds = -1;
    double deliveriesPerServerCpuSecond = -1;
    long redisPid = -1;
    double redisCpuSeconds = -1;
    double redisCpuUsPerPublication = -1;
    String loadavgAtStart = "";
    long p50 = -1;
    long p90 = -1;
    long p99 = -1;
    long p999 = -1;
    long max = -1;
    double mean = -1;

    String json() {
        StringBuilder urlList = new StringBuilder();
        for (String u : urls) {
            urlList.append(urlList.length() == 0 ? "" : ", ").append('"').append(esc(u)).append('"');
        }
        StringBuilder threadList = new StringBuilder();
        for (ThreadCpu t : threads) {
            threadList.append(threadList.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                    "{\"name\": \"%s\", \"cpuSeconds\": %.3f, \"coreFraction\": %.3f}", esc(t.name()),
                    t.cpuSeconds(), t.coreFraction()));
        }
        StringBuilder serverList = new StringBuilder();
        for (ServerCpu s : servers) {
            serverList.append(serverList.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                    "{\"pid\": %d, \"cpuSeconds\": %.3f}", s.pid(), s.cpuSeconds()));
        }
        return String.format(Locale.ROOT, "{\n"
                + "  \"label\": \"%s\",\n  \"url\": \"%s\",\n  \"urls\": [%s],\n  \"readers\": %d,\n"
                + "  \"mode\": \"%s\",\n"
                + "  \"subscribers\": %d,\n  \"publishers\": %d,\n  \"size\": %d,\n  \"rate\": %.1f,\n"
                + "  \"window\": %d,\n  \"seconds\": %.3f,\n  \"connectSeconds\": %.3f,\n  \"connected\": %d,\n"
                + "  \"connectedSubscribers\": %d,\n  \"connectFailures\": %d,\n  \"serverCloses\": %d,\n"
                + "  \"protocolErrors\": %d,\n  \"malformed\": %d,\n  \"sent\": %d,\n  \"sentMeasured\": %d,\n"
                + "  \"notSent\": %d,\n  \"delivered\": %d,\n  \"deliveredPerSec\": %.1f,\n  \"received\": %d,\n"
                + "  \"lost\": %d,\n  \"gaps\": %d,\n  \"reordered\": %d,\n  \"stalls\": %d,\n"
                + "  \"drainSeconds\": %.3f,\n  \"clientCpuSeconds\": %.3f,\n  \"clientThreads\": [%s],\n"
                + "  \"busiestThreadCoreFraction\": %.3f,\n  \"clientBound\": %s,\n"
                + "  \"servers\": [%s],\n  \"serverCpuSeconds\": %.3f,\n  \"deliveriesPerServerCpuSecond\": %.1f,\n"
                + "  \"redisPid\": %d,\n  \"redisCpuSeconds\": %.3f,\n  \"redisCpuUsPerPublication\": %.2f,\n"
                + "  \"loadavgAtStart\": \"%s\",\n"
                + "  \"latencyUs\": {\"p50\": %d, \"p90\": %d, \"p99\": %d, \"p999\": %d, \"max\": %d, "
                + "\"mean\": %.1f}\n"
                + "}\n",
                esc(label), esc(url), urlList, readers, mode, subscribers, publishers, size, rate, window, seconds,
                connectSeconds, connected, connectedSubscribers, connectFailures, serverCloses, protocolErrors,
                malformed, sent, sentMeasured, notSent, delivered, deliveredPerSec, received, lost, gaps, reordered,
                stalls, drainSeconds, clientCpuSeconds, threadList, busiestThreadCoreFraction, clientBound,
                serverList, serverCpuSeconds, deliveriesPerServerCpuSecond, redisPid, redisCpuSeconds,
                redisCpuUsPerPublication, esc(loadavgAtStart), p50, p90, p99, p999, max, mean);
    }

    String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-22s %s%n", "label", label));
        b.append(String.format(Locale.ROOT, "%-22s %s, %d subscribers, %d publishers, %d bytes, rate %s%n", "case",
                mode, subscribers, publishers, size, rate > 0 ? String.format(Locale.ROOT, "%.0f msg/s", rate)
                        : "saturate (window " + window + ")"));
        b.append(String.format(Locale.ROOT, "%-22s %s (%d reader threads), load average at start %s%n", "servers",
                url, readers, loadavgAtStart.isEmpty() ? "unknown" : loadavgAtStart));
        b.append(String.format(Locale.ROOT, "%-22s %d (%d subscribers), %d failed, %.1f s%n", "connected", connected,
                connectedSubscribers, connectFailures, connectSeconds));
        if (!"idle".equals(mode)) {
            b.append(String.format(Locale.ROOT, "%-22s %,.0f msg/s (%,d in %.1f s)%n", "delivered", deliveredPerSec,
                    delivered, seconds));
            b.append(String.format(Locale.ROOT, "%-22s sent %,d (%,d measured), not sent on time %,d%n", "published",
                    sent, sentMeasured, notSent));
            b.append(String.format(Locale.ROOT, "%-22s lost %,d, gaps %,d, reordered %,d, stalls %d, closes %d%n",
                    "integrity", lost, gaps, reordered, stalls, serverCloses));
            b.append(String.format(Locale.ROOT, "%-22s p50 %,d  p90 %,d  p99 %,d  p99.9 %,d  max %,d  mean %.0f%n",
                    "latency (us)", p50, p90, p99, p999, max, mean));
            StringBuilder per = new StringBuilder();
            for (ThreadCpu t : threads) {
                per.append(String.format(Locale.ROOT, ", %s %.2f s (%.0f%%)", t.name(), t.cpuSeconds(),
                        100 * t.coreFraction()));
            }
            b.append(String.format(Locale.ROOT, "%-22s process %.2f s%s, during the measured window%n", "client cpu",
                    clientCpuSeconds, per));
            b.append(String.format(Locale.ROOT, "%-22s %s%n", "client bound", clientBound
                    ? String.format(Locale.ROOT, "YES: the busiest reader used %.0f%% of a core (> %.0f%%); the load "
                    + "tool may have set the pace, do not compare this run", 100 * busiestThreadCoreFraction,
                    100 * LoadTool.CLIENT_BOUND_CORE_FRACTION)
                    : String.format(Locale.ROOT, "no (busiest reader %.0f%% of a core)",
                    100 * busiestThreadCoreFraction)));
            StringBuilder srv = new StringBuilder();
            for (ServerCpu s : servers) {
                srv.append(String.format(Locale.ROOT, "%spid %d %.2f s", srv.length() == 0 ? "" : ", ", s.pid(),
                        s.cpuSeconds()));
            }
            b.append(String.format(Locale.ROOT, "%-22s %s%s%n", "server cpu", servers.isEmpty() ? "not measured"
                    : String.format(Locale.ROOT, "total %.2f s (%s), %s deliveries per server CPU-second",
                    serverCpuSeconds, srv, deliveriesPerServerCpuSecond > 0
                            ? String.format(Locale.ROOT, "%,.0f", deliveriesPerServerCpuSecond) : "n/a"), ""));
            if (redisPid > 0) {
                b.append(String.format(Locale.ROOT, "%-22s pid %d %.2f s, %.1f us per publication%n", "redis cpu",
                        redisPid, redisCpuSeconds, redisCpuUsPerPublication));
            }
        }
        return b.toString();
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
