package io.wshub.benchmarks.load;

import java.util.Locale;

/** One load-tool run's results, printed as a table and as flat JSON. Thread-safety: not thread-safe. */
final class Result {
    String label;
    String url;
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
    double serverCpuSeconds = -1;
    long p50 = -1;
    long p90 = -1;
    long p99 = -1;
    long p999 = -1;
    long max = -1;
    double mean = -1;

    String json() {
        return String.format(Locale.ROOT, "{\n"
                + "  \"label\": \"%s\",\n  \"url\": \"%s\",\n  \"mode\": \"%s\",\n"
                + "  \"subscribers\": %d,\n  \"publishers\": %d,\n  \"size\": %d,\n  \"rate\": %.1f,\n"
                + "  \"window\": %d,\n  \"seconds\": %.3f,\n  \"connectSeconds\": %.3f,\n  \"connected\": %d,\n"
                + "  \"connectedSubscribers\": %d,\n  \"connectFailures\": %d,\n  \"serverCloses\": %d,\n"
                + "  \"protocolErrors\": %d,\n  \"malformed\": %d,\n  \"sent\": %d,\n  \"sentMeasured\": %d,\n"
                + "  \"notSent\": %d,\n  \"delivered\": %d,\n  \"deliveredPerSec\": %.1f,\n  \"received\": %d,\n"
                + "  \"lost\": %d,\n  \"gaps\": %d,\n  \"reordered\": %d,\n  \"stalls\": %d,\n"
                + "  \"drainSeconds\": %.3f,\n  \"clientCpuSeconds\": %.3f,\n  \"serverCpuSeconds\": %.3f,\n"
                + "  \"latencyUs\": {\"p50\": %d, \"p90\": %d, \"p99\": %d, \"p999\": %d, \"max\": %d, "
                + "\"mean\": %.1f}\n"
                + "}\n",
                esc(label), esc(url), mode, subscribers, publishers, size, rate, window, seconds, connectSeconds,
                connected, connectedSubscribers, connectFailures, serverCloses, protocolErrors, malformed, sent,
                sentMeasured, notSent, delivered, deliveredPerSec, received, lost, gaps, reordered, stalls,
                drainSeconds, clientCpuSeconds, serverCpuSeconds, p50, p90, p99, p999, max, mean);
    }

    String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-22s %s%n", "label", label));
        b.append(String.format(Locale.ROOT, "%-22s %s, %d subscribers, %d publishers, %d bytes, rate %s%n", "case",
                mode, subscribers, publishers, size, rate > 0 ? String.format(Locale.ROOT, "%.0f msg/s", rate)
                        : "saturate (window " + window + ")"));
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
            b.append(String.format(Locale.ROOT, "%-22s client %.2f s, server %.2f s, during the measured window%n",
                    "cpu", clientCpuSeconds, serverCpuSeconds));
        }
        return b.toString();
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
