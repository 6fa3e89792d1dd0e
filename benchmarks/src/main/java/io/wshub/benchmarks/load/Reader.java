package io.wshub.benchmarks.load;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;

/**
 * One of the load tool's selector threads: it owns every {@code readers}-th connection (round robin over all
 * connections, subscribers first, then publishers), opens them, reads and parses what they receive, and sends for the
 * publishers among them. Its counts and its latency histogram are its own; the main thread reads them after
 * {@link Thread#join()}.
 *
 * <p>Closed loop across threads: each reader counts, per publisher, how many of its own open subscribers received
 * each message of the window, and publishes how far that is complete ({@link #completedShared}); a publisher's
 * window is bounded by the minimum over all readers ({@link Shared#completed}). A reader with no open subscriber is
 * complete up to what was sent.
 *
 * <p>Thread-safety: confined to its own thread, except the volatile snapshots and {@link #completedShared}, which
 * other threads read.
 */
final class Reader implements Conn.Sink, Runnable {

    static final long MAX_LATENCY_US = TimeUnit.SECONDS.toMicros(120);
    private static final int MAX_FRAMES_PER_WRITE = 64;
    private static final int MAX_PENDING_CONNECTS = 128;
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long SATURATE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    final int id;
    private final Shared shared;
    private final Options o;
    private final int readers;
    private final Selector selector;
    private final ByteBuffer readBuf = ByteBuffer.allocateDirect(256 * 1024);
    final List<Conn> subs = new ArrayList<>();
    final List<Conn> pubs = new ArrayList<>();
    final Histogram latency = new Histogram(MAX_LATENCY_US, 3);

    // Counts, read by the main thread after join.
    int open;
    int connecting;
    int openSubscribers;
    int connectFailures;
    /** {@link #open} and {@link #openSubscribers} when the run ended, before the reader closed everything. */
    int openAtEnd;
    int openSubscribersAtEnd;
    int serverCloses;
    int protocolErrors;
    long malformed;
    long received;
    long measuredDeliveries;
    long measuredSent;
    long gaps;
    long reordered;
    long stalls;
    long notSent;
    /** Failure that ended this reader early, if any. */
    Throwable failure;

    // Snapshots for the main thread while running (drain condition).
    volatile long receivedSnapshot;
    volatile long lastReceiveSnapshot;
    volatile int openSnapshot;
    volatile int openSubscribersSnapshot;

    // Closed loop, per publisher, over this reader's subscribers.
    private final int[][] ring;
    private final long[] completed;
    private final long[] waitingSince;
    /** {@code completed[pub]} at index {@code pub * STRIDE}, for the publishers' owners. */
    private final AtomicLongArray completedShared;

    // The publishers this reader owns, indexed by publisher id (other ids unused).
    private final long[] sent;
    private final long[] scheduled;
    private final byte[][] template;
    private final ByteBuffer[] out;

    private boolean started;
    private long start;
    private long measureStart = Long.MAX_VALUE;
    private long measureEnd = Long.MAX_VALUE;
    private long lastReceiveNanos;

    Reader(int id, int readers, Shared shared) throws IOException {
        this.id = id;
        this.readers = readers;
        this.shared = shared;
        this.o = shared.o;
        this.selector = Selector.open();
        int p = shared.publishers;
        this.ring = new int[p][o.rate == 0 ? o.window : 0];
        this.completed = new long[p];
        this.waitingSince = new long[p];
        this.completedShared = new AtomicLongArray(Math.max(1, p) * Shared.STRIDE + Shared.STRIDE);
        this.sent = new long[p];
        this.scheduled = new long[p];
        this.template = new byte[p][];
        this.out = new ByteBuffer[p];
    }

    long completedShared(int pub) {
        return completedShared.get(pub * Shared.STRIDE);
    }

    @Override
    public void run() {
        try {
            try {
                connect();
            } finally {
                publishSnapshots();
                shared.connected.countDown();
            }
            loop();
            for (Conn c : subs) {
                c.openAtEnd = c.state == Conn.State.OPEN;
            }
            openAtEnd = open;
            openSubscribersAtEnd = openSubscribers;
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
            LoadTool.log("reader %d failed: %s", id, e);
        } finally {
            publishSnapshots();
            closeAll();
        }
    }

    // ---------------------------------------------------------------- connecting

    private void connect() throws IOException {
        int subscribers = o.subscribers;
        int total = subscribers + shared.publishers;
        int maxPending = Math.max(16, MAX_PENDING_CONNECTS / readers);
        int next = id;
        long deadline = System.nanoTime() + o.connectTimeoutNanos;
        while ((next < total || connecting > 0) && System.nanoTime() < deadline && !shared.stop) {
            while (next < total && connecting < maxPending) {
                boolean isPub = next >= subscribers;
                SocketChannel ch = SocketChannel.open();
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Conn c = new Conn(next, isPub, ch, Math.max(1, shared.publishers));
                if (isPub) {
                    c.pub = next - subscribers;
                    c.target = c.pub % shared.targets.length;
                    pubs.add(c);
                } else {
                    c.target = next % shared.targets.length;
                    subs.add(c);
                }
                next += readers;
                connecting++;
                try {
                    if (ch.connect(shared.targets[c.target].address())) {
                        onConnected(c);
                        c.key = ch.register(selector, SelectionKey.OP_READ, c);
                    } else {
                        c.key = ch.register(selector, SelectionKey.OP_CONNECT, c);
                    }
                } catch (IOException e) {
                    fail(c, e);
                }
            }
            selectOnce(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private void onConnected(Conn c) throws IOException {
        ByteBuffer req = ByteBuffer.wrap(shared.targets[c.target].request());
        for (int i = 0; i < 100 && req.hasRemaining(); i++) {
            c.channel.write(req);
        }
        if (req.hasRemaining()) {
            throw new IOException("could not write the handshake request");
        }
        c.state = Conn.State.HANDSHAKING;
    }

    private void fail(Conn c, IOException e) {
        if (c.state == Conn.State.CONNECTING || c.state == Conn.State.HANDSHAKING) {
            connectFailures++;
            if (connectFailures <= 3) {
                LoadTool.log("reader %d: connection %d to %s failed while %s: %s", id, c.index,
                        shared.targets[c.target].uri(), c.state == Conn.State.CONNECTING ? "connecting"
                                : "waiting for the handshake response", e);
            }
        }
        close(c);
    }

    private void close(Conn c) {
        if (c.state == Conn.State.CONNECTING || c.state == Conn.State.HANDSHAKING) {
            connecting--;
        } else if (c.state == Conn.State.OPEN) {
            open--;
            if (!c.publisher) {
                openSubscribers--;
            }
        }
        c.state = Conn.State.CLOSED;
        if (c.key != null) {
            c.key.cancel();
        }
        try {
            c.channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void closeAll() {
        for (Conn c : subs) {
            close(c);
        }
        for (Conn c : pubs) {
            close(c);
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    // ---------------------------------------------------------------- the loop

    private void loop() throws IOException {
        while (!shared.stop) {
            long now = System.nanoTime();
            if (!started && shared.go) {
                start();
            }
            long wait = IDLE_POLL_NANOS;
            if (started && now < measureEnd && !pubs.isEmpty()) {
                sendDue(now);
                wait = o.rate > 0 ? Math.max(0, nextDueNanos() - now) : SATURATE_POLL_NANOS;
                wait = Math.min(wait, measureEnd - now);
            }
            if (started && o.rate == 0) {
                for (int i = 0; i < completed.length; i++) {
                    checkWindow(i, now);
                }
            }
            publishSnapshots();
            selectOnce(Math.min(wait, IDLE_POLL_NANOS));
        }
    }

    private void start() {
        started = true;
        start = shared.start;
        measureStart = shared.measureStart;
        measureEnd = shared.measureEnd;
        lastReceiveNanos = System.nanoTime();
        for (Conn c : pubs) {
            template[c.pub] = frameTemplate(c.pub, o.size);
            out[c.pub] = ByteBuffer.allocate(template[c.pub].length * MAX_FRAMES_PER_WRITE);
        }
        for (int i = 0; i < waitingSince.length; i++) {
            waitingSince[i] = lastReceiveNanos;
        }
    }

    private void publishSnapshots() {
        receivedSnapshot = received;
        lastReceiveSnapshot = lastReceiveNanos;
        openSnapshot = open;
        openSubscribersSnapshot = openSubscribers;
    }

    /** Selects once; a timeout under a millisecond is rounded up so the tool never spins on the shared cores. */
    private void selectOnce(long timeoutNanos) throws IOException {
        if (timeoutNanos <= 0) {
            selector.selectNow(this::onKey);
        } else {
            selector.select(this::onKey, Math.max(1, (timeoutNanos + 999_999) / 1_000_000));
        }
    }

    private void onKey(SelectionKey key) {
        Conn c = (Conn) key.attachment();
        try {
            if (!key.isValid()) {
                return;
            }
            if (key.isConnectable()) {
                if (c.channel.finishConnect()) {
                    onConnected(c);
                    key.interestOps(SelectionKey.OP_READ);
                }
                return;
            }
            if (key.isWritable()) {
                flushPending(c);
            }
            if (key.isReadable()) {
                read(c);
            }
        } catch (IOException e) {
            fail(c, e);
        }
    }

    private void read(Conn c) throws IOException {
        for (int round = 0; round < 4; round++) {
            readBuf.clear();
            int n = c.channel.read(readBuf);
            if (n < 0) {
                close(c);
                return;
            }
            if (n == 0) {
                return;
            }
            readBuf.flip();
            if (c.state == Conn.State.HANDSHAKING && !handshake(c)) {
                return;
            }
            if (c.state == Conn.State.OPEN && readBuf.hasRemaining() && !c.parse(readBuf, this)) {
                protocolErrors++;
                close(c);
                return;
            }
            if (n < readBuf.capacity()) {
                return;
            }
        }
    }

    /** Consumes handshake bytes; returns whether the connection is open. */
    private boolean handshake(Conn c) throws IOException {
        while (readBuf.hasRemaining()) {
            if (c.httpLen == c.http.length) {
                throw new IOException("handshake response too long");
            }
            c.http[c.httpLen++] = readBuf.get();
            int n = c.httpLen;
            if (n >= 4 && c.http[n - 4] == '\r' && c.http[n - 3] == '\n' && c.http[n - 2] == '\r'
                    && c.http[n - 1] == '\n') {
                String head = new String(c.http, 0, n, StandardCharsets.US_ASCII);
                if (!head.startsWith("HTTP/1.1 101") || !head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")) {
                    throw new IOException("handshake refused: " + head.lines().findFirst().orElse(""));
                }
                c.state = Conn.State.OPEN;
                connecting--;
                open++;
                if (!c.publisher) {
                    openSubscribers++;
                }
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- receiving

    @Override
    public void onData(Conn c, byte[] prefix, int len) {
        long now = System.nanoTime();
        lastReceiveNanos = now;
        if (c.publisher) {
            return;
        }
        if (len < Conn.PREFIX) {
            malformed++;
            return;
        }
        int pub = (int) hex(prefix, 0, 4);
        long seq = hex(prefix, 4, 12);
        long ts = hex(prefix, 16, 16);
        if (pub < 0 || pub >= completed.length) {
            malformed++;
            return;
        }
        long exp = c.expected[pub];
        if (seq == exp) {
            c.expected[pub] = seq + 1;
        } else if (seq > exp) {
            gaps += seq - exp;
            c.expected[pub] = seq + 1;
        } else {
            reordered++;
        }
        c.received[pub]++;
        received++;
        if (now >= measureStart && now < measureEnd) {
            measuredDeliveries++;
            long us = Math.max(0, (now - ts) / 1000);
            latency.recordValue(Math.min(us, MAX_LATENCY_US));
        }
        if (o.rate == 0) {
            long done = completed[pub];
            if (seq >= done && seq < done + o.window) {
                ring[pub][(int) (seq % o.window)]++;
                advance(pub, now);
            }
        }
    }

    /** Moves this reader's completion of {@code pub} past every message all its open subscribers received. */
    private void advance(int pub, long now) {
        int[] r = ring[pub];
        long limit = shared.sent(pub);
        long done = completed[pub];
        long before = done;
        while (done < limit && r[(int) (done % o.window)] >= openSubscribers) {
            r[(int) (done % o.window)] = 0;
            done++;
        }
        if (done != before) {
            completed[pub] = done;
            waitingSince[pub] = now;
            completedShared.setRelease(pub * Shared.STRIDE, done);
        }
    }

    /**
     * Once per loop: completes what closed subscribers no longer hold back, and stops waiting for a message not every
     * subscriber received (loss, or a subscriber that closed) after 5 s without progress while the window is full.
     */
    private void checkWindow(int pub, long now) {
        advance(pub, now);
        long limit = shared.sent(pub);
        if (completed[pub] >= limit) {
            waitingSince[pub] = now; // nothing outstanding here: not waiting
            return;
        }
        if (limit - completed[pub] >= o.window && now - waitingSince[pub] > STALL_NANOS) {
            stalls++;
            ring[pub][(int) (completed[pub] % o.window)] = 0;
            completed[pub]++;
            completedShared.setRelease(pub * Shared.STRIDE, completed[pub]);
            waitingSince[pub] = now;
            advance(pub, now);
        }
    }

    @Override
    public void onPing(Conn c, byte[] data, int len) {
        ByteBuffer pong = ByteBuffer.allocate(6 + len);
        pong.put((byte) 0x8A).put((byte) (0x80 | len)).putInt(0).put(data, 0, len).flip();
        enqueue(c, pong);
    }

    @Override
    public void onClose(Conn c, int code) {
        serverCloses++;
        if (serverCloses <= 3) {
            LoadTool.log("reader %d: server closed connection %d with %d", id, c.index, code);
        }
        close(c);
    }

    private static long hex(byte[] b, int off, int n) {
        long v = 0;
        for (int i = off; i < off + n; i++) {
            int ch = b[i];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
            if (d < 0) {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    // ---------------------------------------------------------------- sending

    static byte[] frameTemplate(int pub, int size) {
        int hdr = size < 126 ? 2 : size < 65536 ? 4 : 10;
        byte[] f = new byte[hdr + 4 + size];
        f[0] = (byte) 0x81;
        if (size < 126) {
            f[1] = (byte) (0x80 | size);
        } else if (size < 65536) {
            f[1] = (byte) (0x80 | 126);
            f[2] = (byte) (size >>> 8);
            f[3] = (byte) size;
        } else {
            f[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                f[2 + i] = (byte) ((long) size >>> (56 - 8 * i));
            }
        }
        // mask key: four zero bytes (already zero)
        int p = hdr + 4;
        for (int i = 0; i < size; i++) {
            f[p + i] = 'x';
        }
        for (int i = p + 3, v = pub; i >= p; i--, v >>>= 4) {
            f[i] = HEX[v & 0xF];
        }
        return f;
    }

    private static void putHex(ByteBuffer b, int off, int n, long v) {
        for (int i = off + n - 1; i >= off; i--) {
            b.put(i, HEX[(int) (v & 0xF)]);
            v >>>= 4;
        }
    }

    private void sendDue(long now) throws IOException {
        for (Conn c : pubs) {
            if (c.state != Conn.State.OPEN) {
                continue;
            }
            int i = c.pub;
            int n;
            if (o.rate > 0) {
                long due = (long) ((now - start) / o.intervalNanos()) + 1 - scheduled[i];
                if (due <= 0) {
                    continue;
                }
                scheduled[i] += due;
                if (c.pending != null && c.pending.hasRemaining()) {
                    notSent += due;
                    continue;
                }
                if (due > MAX_FRAMES_PER_WRITE) {
                    notSent += due - MAX_FRAMES_PER_WRITE;
                    due = MAX_FRAMES_PER_WRITE;
                }
                n = (int) due;
            } else {
                if (c.pending != null && c.pending.hasRemaining()) {
                    continue;
                }
                n = (int) Math.min(MAX_FRAMES_PER_WRITE, shared.completed(i) + o.window - sent[i]);
                if (n <= 0) {
                    continue;
                }
            }
            ByteBuffer b = out[i];
            b.clear();
            byte[] t = template[i];
            int payloadOff = t.length - o.size;
            long ts = System.nanoTime();
            for (int k = 0; k < n; k++) {
                int base = b.position();
                b.put(t);
                putHex(b, base + payloadOff + 4, 12, sent[i] + k);
                putHex(b, base + payloadOff + 16, 16, ts);
            }
            sent[i] += n;
            shared.sent.setRelease(i * Shared.STRIDE, sent[i]);
            if (ts >= measureStart && ts < measureEnd) {
                measuredSent += n;
            }
            b.flip();
            c.pending = b;
            flushPending(c);
        }
    }

    private void enqueue(Conn c, ByteBuffer data) {
        if (c.pending != null && c.pending.hasRemaining()) {
            ByteBuffer merged = ByteBuffer.allocate(c.pending.remaining() + data.remaining());
            merged.put(c.pending).put(data).flip();
            c.pending = merged;
        } else {
            c.pending = data;
        }
        try {
            flushPending(c);
        } catch (IOException e) {
            fail(c, e);
        }
    }

    private void flushPending(Conn c) throws IOException {
        ByteBuffer b = c.pending;
        if (b != null && b.hasRemaining()) {
            c.channel.write(b);
        }
        if (c.key == null || !c.key.isValid()) {
            return;
        }
        if (b != null && b.hasRemaining()) {
            c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        } else {
            c.key.interestOps(SelectionKey.OP_READ);
        }
    }

    private long nextDueNanos() {
        long min = Long.MAX_VALUE;
        for (Conn c : pubs) {
            min = Math.min(min, start + (long) (scheduled[c.pub] * o.intervalNanos()));
        }
        return min;
    }

    /**
     * Messages sent but not received, summed over this reader's subscribers still open at the end and every
     * publisher; called by the main thread after {@link Thread#join()}, when every sent count is final.
     */
    long missing() {
        long m = 0;
        for (Conn c : subs) {
            if (!c.openAtEnd) {
                continue;
            }
            for (int i = 0; i < shared.publishers; i++) {
                m += Math.max(0, shared.sent(i) - c.received[i]);
            }
        }
        return m;
    }
}
