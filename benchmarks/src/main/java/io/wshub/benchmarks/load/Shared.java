package io.wshub.benchmarks.load;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the load tool's {@link Reader} threads share, and nothing on their per-message path but single-writer
 * counters: each publisher's count of sent messages (written only by the reader owning that publisher) and, per
 * reader, how far its own subscribers have received each publisher's messages (written only by that reader). The
 * closed loop of a publisher reads the minimum over the readers; everything else a reader counts stays in the reader
 * until the run ends and the main thread merges it.
 *
 * <p>Thread-safety: the atomic arrays and volatile fields are safe to use from any thread; the timing fields are
 * written by the main thread before it sets {@link #go}, and read by the readers only after they saw it set.
 */
final class Shared {

    /** Longs between two publishers' slots, so that two writers never share a cache line. */
    static final int STRIDE = 16;

    /** A server to connect to: its address and the handshake request for it. */
    record Target(URI uri, InetSocketAddress address, byte[] request) {

        static Target of(URI u) {
            String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
            byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            return new Target(u, new InetSocketAddress(u.getHost(), u.getPort()), request);
        }
    }

    final Options o;
    /** Publisher connections (0 when idle). */
    final int publishers;
    final Target[] targets;
    /** Messages sent per publisher, at index {@code pub * STRIDE}; written by the owning reader only. */
    final AtomicLongArray sent;
    /** Every reader, set once before they start. */
    Reader[] readers;
    /** Counted down by each reader once its connections are open (or failed, or the connect timeout passed). */
    final CountDownLatch connected;

    /** The send clock's origin, the measured window's start and end, in {@link System#nanoTime()}. */
    long start;
    long measureStart = Long.MAX_VALUE;
    long measureEnd = Long.MAX_VALUE;
    /** Set once the timing fields above are final: publishers start sending. */
    volatile boolean go;
    /** Set when the run is over (after the drain): the readers return. */
    volatile boolean stop;

    Shared(Options o, List<URI> urls, int readers) {
        this.o = o;
        this.publishers = o.idle ? 0 : o.publishers;
        this.targets = urls.stream().map(Target::of).toArray(Target[]::new);
        this.sent = new AtomicLongArray(Math.max(1, publishers) * STRIDE + STRIDE);
        this.connected = new CountDownLatch(readers);
    }

    long sent(int pub) {
        return sent.get(pub * STRIDE);
    }

    long totalSent() {
        long s = 0;
        for (int i = 0; i < publishers; i++) {
            s += sent(i);
        }
        return s;
    }

    /** The oldest message of {@code pub} that some reader's subscribers have not all received yet. */
    long completed(int pub) {
        long min = Long.MAX_VALUE;
        for (Reader r : readers) {
            min = Math.min(min, r.completedShared(pub));
        }
        return min;
    }
}
