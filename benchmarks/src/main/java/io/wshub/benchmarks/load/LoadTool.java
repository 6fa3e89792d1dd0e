package io.wshub.benchmarks.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * End-to-end load over loopback: N subscriber connections and P publisher connections to one broadcast server, driven
 * by one NIO selector thread that parses frame headers and the first 32 payload bytes only (never decodes payloads as
 * strings), so it costs the shared 2 cores less than the server does.
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
 * as a table on stdout and as JSON with {@code --json}.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.wshub.benchmarks.load.LoadTool --url ws://127.0.0.1:8080/ws \
 *     --subscribers 1000 --publishers 1 --size 64 --rate 0 --duration 15s --json out.json
 * </pre>
 *
 * <p>Thread-safety: single-threaded; a main program.
 */
public final class LoadTool implements Conn.Sink {

    private static final long MAX_LATENCY_US = TimeUnit.SECONDS.toMicros(120);
    private static final int MAX_FRAMES_PER_WRITE = 64;
    private static final int MAX_PENDING_CONNECTS = 128;
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final Options o;
    private final Selector selector;
    private final InetSocketAddress address;
    private final byte[] request;
    private final ByteBuffer readBuf = ByteBuffer.allocateDirect(256 * 1024);
    private final List<Conn> subs = new ArrayList<>();
    private final List<Conn> pubs = new ArrayList<>();
    private final Histogram latency = new Histogram(MAX_LATENCY_US, 3);

    private int open;
    private int connecting;
    private int openSubscribers;
    private int connectFailures;
    private int serverCloses;
    private int protocolErrors;
    private long malformed;

    // Per publisher.
    private long[] sent;
    private long[] completed;
    private int[][] ring;
    private byte[][] template;
    private ByteBuffer[] out;
    private long[] notSent;
    private long[] scheduled;

    private boolean measuring;
    private long measuredDeliveries;
    private long measuredSent;
    private long received;
    private long gaps;
    private long reordered;
    private long stalls;
    private long lastProgressNanos;
    private long lastReceiveNanos;

    private LoadTool(Options o) throws IOException {
        this.o = o;
        this.selector = Selector.open();
        URI u = o.url;
        if (!"ws".equals(u.getScheme()) || u.getPort() < 0) {
            throw new IllegalArgumentException("--url must be ws://host:port/path, got " + u);
        }
        this.address = new InetSocketAddress(u.getHost(), u.getPort());
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        this.request = ("GET " + path + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Runs the load tool.
     *
     * @param args the options; {@code --help} lists them
     * @throws Exception if the run fails
     */
    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Result r;
        LoadTool tool = new LoadTool(o);
        try {
            r = tool.run();
        } finally {
            tool.closeAll();
        }
        System.out.println(r.table());
        if (o.json != null) {
            Path p = Path.of(o.json);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            Files.writeString(p, r.json());
        }
    }

    private Result run() throws IOException {
        int p = o.idle ? 0 : o.publishers;
        sent = new long[p];
        completed = new long[p];
        ring = new int[p][o.window];
        template = new byte[p][];
        out = new ByteBuffer[p];
        notSent = new long[p];
        scheduled = new long[p];
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        connect(o.subscribers, p);
        long connectNanos = System.nanoTime() - t0;
        log("connected %d of %d in %.1f s (%d failed)", open, o.subscribers + p, connectNanos / 1e9, connectFailures);
        if (o.readyFile != null) {
            Files.writeString(Path.of(o.readyFile), "connected " + open + "\n");
        }
        if (o.idle) {
            pump(System.nanoTime() + o.durationNanos);
            Result r = result(0, 0, processCpuNanos() - cpu0);
            r.connectSeconds = connectNanos / 1e9;
            return r;
        }
        for (int i = 0; i < p; i++) {
            template[i] = frameTemplate(i, o.size);
            out[i] = ByteBuffer.allocate(template[i].length * MAX_FRAMES_PER_WRITE);
        }
        // Let the server finish its joins before the first message.
        pump(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000));

        long start = System.nanoTime();
        long measureStart = start + o.warmupNanos;
        long measureEnd = measureStart + o.durationNanos;
        lastProgressNanos = start;
        long cpuMeasureStart = -1;
        long cpuMeasureEnd = -1;
        long serverCpuStart = -1;
        long serverCpuEnd = -1;
        while (true) {
            long now = System.nanoTime();
            if (!measuring && now >= measureStart && cpuMeasureStart < 0) {
                measuring = true;
                cpuMeasureStart = processCpuNanos();
                serverCpuStart = serverCpuTicks();
                measuredSent = -totalSent();
            }
            if (now >= measureEnd) {
                measuring = false;
                cpuMeasureEnd = processCpuNanos();
                serverCpuEnd = serverCpuTicks();
                measuredSent += totalSent();
                break;
            }
            if (open == 0) {
                log("every connection closed; stopping");
                break;
            }
            sendDue(now, start);
            long wait = o.rate > 0 ? Math.max(0, nextDueNanos(start) - now) : 1_000_000L;
            selectOnce(Math.min(wait, measureEnd - now));
        }
        long drainStart = System.nanoTime();
        long drainEnd = drainStart + o.drainNanos;
        lastReceiveNanos = drainStart;
        while (System.nanoTime() < drainEnd && received < expectedTotal() && open > 0
                && System.nanoTime() - lastReceiveNanos < TimeUnit.SECONDS.toNanos(2)) {
            selectOnce(TimeUnit.MILLISECONDS.toNanos(10));
        }
        Result r = result(measureEnd - measureStart, System.nanoTime() - drainStart,
                cpuMeasureEnd >= 0 && cpuMeasureStart >= 0 ? cpuMeasureEnd - cpuMeasureStart : -1);
        r.connectSeconds = connectNanos / 1e9;
        r.serverCpuSeconds = serverCpuStart >= 0 && serverCpuEnd >= 0 ? (serverCpuEnd - serverCpuStart) / 100.0 : -1;
        return r;
    }

    /** The server's user + system CPU time in clock ticks (USER_HZ, 100 on Linux), or -1 if unknown. */
    private long serverCpuTicks() {
        if (o.serverPid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + o.serverPid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After the command: state is field 3, utime field 14, stime field 15 (1-based in proc(5)).
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private long totalSent() {
        long s = 0;
        for (long x : sent) {
            s += x;
        }
        return s;
    }

    private long expectedTotal() {
        return totalSent() * openSubscribers;
    }

    // ---------------------------------------------------------------- connecting

    private void connect(int subscribers, int publishers) throws IOException {
        int total = subscribers + publishers;
        int opened = 0;
        long deadline = System.nanoTime() + o.connectTimeoutNanos;
        while ((opened < total || connecting > 0) && System.nanoTime() < deadline) {
            while (opened < total && connecting < MAX_PENDING_CONNECTS) {
                boolean isPub = opened >= subscribers;
                SocketChannel ch = SocketChannel.open();
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Conn c = new Conn(opened, isPub, ch, Math.max(1, publishers == 0 ? 1 : publishers));
                (isPub ? pubs : subs).add(c);
                opened++;
                connecting++;
                try {
                    if (ch.connect(address)) {
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
        ByteBuffer req = ByteBuffer.wrap(request);
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
                log("connection %d failed: %s", c.index, e);
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

    private void closeAll() throws IOException {
        for (Conn c : subs) {
            close(c);
        }
        for (Conn c : pubs) {
            close(c);
        }
        selector.close();
    }

    // ---------------------------------------------------------------- the loop

    private void pump(long until) throws IOException {
        long now;
        while ((now = System.nanoTime()) < until) {
            selectOnce(Math.min(until - now, TimeUnit.MILLISECONDS.toNanos(100)));
        }
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
        if (pub < 0 || pub >= sent.length) {
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
        if (measuring) {
            measuredDeliveries++;
            long us = Math.max(0, (now - ts) / 1000);
            latency.recordValue(Math.min(us, MAX_LATENCY_US));
        }
        if (o.rate == 0) {
            long done = completed[pub];
            if (seq >= done && seq < done + o.window) {
                int[] r = ring[pub];
                r[(int) (seq % o.window)]++;
                advance(pub, now);
            }
        }
    }

    private void advance(int pub, long now) {
        int[] r = ring[pub];
        while (completed[pub] < sent[pub] && r[(int) (completed[pub] % o.window)] >= openSubscribers) {
            r[(int) (completed[pub] % o.window)] = 0;
            completed[pub]++;
            lastProgressNanos = now;
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
            log("server closed connection %d with %d", c.index, code);
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

    private static byte[] frameTemplate(int pub, int size) {
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
        putHex(f, p, 4, pub);
        return f;
    }

    private static void putHex(byte[] b, int off, int n, long v) {
        for (int i = off + n - 1; i >= off; i--) {
            b[i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
    }

    private static void putHex(ByteBuffer b, int off, int n, long v) {
        for (int i = off + n - 1; i >= off; i--) {
            b.put(i, HEX[(int) (v & 0xF)]);
            v >>>= 4;
        }
    }

    private void sendDue(long now, long start) throws IOException {
        for (int i = 0; i < pubs.size(); i++) {
            Conn c = pubs.get(i);
            if (c.state != Conn.State.OPEN) {
                continue;
            }
            int n;
            if (o.rate > 0) {
                long due = (long) ((now - start) / o.intervalNanos()) + 1 - scheduled[i];
                if (due <= 0) {
                    continue;
                }
                scheduled[i] += due;
                if (c.pending != null && c.pending.hasRemaining()) {
                    notSent[i] += due;
                    continue;
                }
                if (due > MAX_FRAMES_PER_WRITE) {
                    notSent[i] += due - MAX_FRAMES_PER_WRITE;
                    due = MAX_FRAMES_PER_WRITE;
                }
                n = (int) due;
            } else {
                if (sent[i] - completed[i] >= o.window && now - lastProgressNanos > STALL_NANOS) {
                    // A message not every subscriber received (loss, or a closed subscriber): stop waiting for it.
                    stalls++;
                    ring[i][(int) (completed[i] % o.window)] = 0;
                    completed[i]++;
                    advance(i, now);
                    lastProgressNanos = now;
                }
                if (c.pending != null && c.pending.hasRemaining()) {
                    continue;
                }
                n = (int) Math.min(MAX_FRAMES_PER_WRITE, completed[i] + o.window - sent[i]);
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

    private long nextDueNanos(long start) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < scheduled.length; i++) {
            min = Math.min(min, start + (long) (scheduled[i] * o.intervalNanos()));
        }
        return min;
    }

    // ---------------------------------------------------------------- results

    private Result result(long measuredNanos, long drainNanos, long cpuNanos) {
        Result r = new Result();
        r.label = o.label;
        r.url = o.url.toString();
        r.mode = o.idle ? "idle" : o.rate > 0 ? "rate" : "saturate";
        r.subscribers = o.subscribers;
        r.publishers = o.idle ? 0 : o.publishers;
        r.size = o.size;
        r.rate = o.rate;
        r.window = o.window;
        r.seconds = measuredNanos / 1e9;
        r.connected = open;
        r.connectedSubscribers = openSubscribers;
        r.connectFailures = connectFailures;
        r.serverCloses = serverCloses;
        r.protocolErrors = protocolErrors;
        r.malformed = malformed;
        r.sent = totalSent();
        r.sentMeasured = measuredSent;
        long notSentTotal = 0;
        for (long x : notSent) {
            notSentTotal += x;
        }
        r.notSent = notSentTotal;
        r.delivered = measuredDeliveries;
        r.deliveredPerSec = measuredNanos > 0 ? measuredDeliveries / (measuredNanos / 1e9) : 0;
        r.received = received;
        long missing = 0;
        for (Conn c : subs) {
            if (c.state != Conn.State.OPEN) {
                continue;
            }
            for (int i = 0; i < sent.length; i++) {
                missing += Math.max(0, sent[i] - c.received[i]);
            }
        }
        r.lost = missing;
        r.gaps = gaps;
        r.reordered = reordered;
        r.stalls = stalls;
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
