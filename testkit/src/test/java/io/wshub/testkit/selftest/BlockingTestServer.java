package io.wshub.testkit.selftest;

import io.wshub.api.CloseCode;
import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.HandshakeVerdict;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Utf8;
import io.wshub.api.spi.AbstractSession;
import io.wshub.api.spi.SessionIds;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A small, simple WebSocket server for the testkit's own tests: blocking sockets, one reader thread and one writer
 * thread per connection. It is correct by default (it passes {@code TransportVerification}) and each
 * {@link Breakage} breaks one rule on purpose, so the kit can prove its rules fail on a broken transport.
 *
 * <p>Thread-safety: every public method may be called from any thread.
 */
public final class BlockingTestServer implements RunningServer {

    /** A deliberate defect. */
    public enum Breakage {
        /** Answers the upgrade with a wrong {@code Sec-WebSocket-Accept}. */
        WRONG_ACCEPT,
        /** Upgrades a request whose {@code Sec-WebSocket-Key} is missing or not 16 bytes. */
        ACCEPT_BAD_KEY,
        /** Upgrades an HTTP/1.0 request. */
        ACCEPT_HTTP10,
        /** Never answers a subprotocol. */
        IGNORE_SUBPROTOCOLS,
        /** Delivers at most 65,535 bytes of a message. */
        TRUNCATE_AT_64K,
        /** Decodes text as ISO-8859-1, mangling multi-byte characters. */
        LATIN1_TEXT,
        /** Answers a wrong version with 400 and no {@code Sec-WebSocket-Version}. */
        NO_426_ON_WRONG_VERSION,
        /** Answers a POST with 500. */
        SERVER_ERROR_ON_POST,
        /** Upgrades despite the policy's rejection. */
        IGNORE_POLICY,
        /** Answers a policy rejection with 404, as Java-WebSocket does. */
        REJECT_WITH_404,
        /** Never answers a non-upgrade GET or a request that is not HTTP (hangs). */
        HANG_ON_PLAIN_GET,
        /** Does not validate UTF-8 in text messages. */
        NO_UTF8_VALIDATION,
        /** Ignores RSV bits. */
        ACCEPT_RSV,
        /** Accepts unmasked client frames. */
        ACCEPT_UNMASKED,
        /** Accepts control frames over 125 bytes and fragmented control frames. */
        LENIENT_CONTROL_FRAMES,
        /** Treats a stray continuation frame as a new binary message. */
        ACCEPT_STRAY_CONTINUATION,
        /** Ignores maxMessageSize. */
        IGNORE_MAX_MESSAGE_SIZE,
        /** Accepts any close code and reason. */
        NO_CLOSE_VALIDATION,
        /** Never answers pings. */
        NO_PONG,
        /** Echoes each fragment as its own message instead of reassembling. */
        NO_REASSEMBLY,
        /** Answers a close but never closes TCP. */
        KEEP_TCP_OPEN,
        /** Closes with 1011 instead of the right code on protocol errors. */
        WRONG_ERROR_CODE,
        /** Drops connections on stop without a close frame. */
        NO_GOING_AWAY_ON_STOP,
        /** Never sends keepalive pings. */
        NO_PINGS,
        /** Never times idle clients out. */
        NO_IDLE_TIMEOUT,
        /** Forgets sessions whose TCP connection drops: no onClose, count never decremented. */
        LEAK_DROPPED_SESSIONS,
        /** The outbound queue has no bound: offer never answers FULL. */
        UNBOUNDED_QUEUE,
        /** Runs the handshake policy on every request, before the RFC checks. */
        POLICY_FIRST,
        /** Accepts every upgrade whatever maxConnections says. */
        IGNORE_CONNECTION_LIMIT,
        /** Drops the TCP connection without a reply to a client's close 1007. */
        NO_REPLY_TO_1007,
        /**
         * Catches only {@link RuntimeException}s from the endpoint, as the Java-WebSocket transport once did: an
         * {@link Error} escapes to the connection's reader thread and ends it, without a 1011.
         */
        ERRORS_ESCAPE,
        /** {@code offer} of a {@link Message.Close} throws instead of closing. */
        OFFER_CLOSE_THROWS,
        /**
         * Reports {@code onClose} when the client's close frame arrives after the server's own close (the handshake
         * looks complete), and again when the connection ends: two {@code onClose}s when the closes cross.
         */
        ON_CLOSE_TWICE_WHEN_CLOSES_CROSS,
        /** Reads a request head of any size (up to 4 MiB, to stay a safe test server) and upgrades it. */
        NO_HEADER_SIZE_LIMIT,
        /** Reads any number of header lines and upgrades the request. */
        NO_HEADER_COUNT_LIMIT,
        /** Answers a head beyond a limit with 400, as Undertow's own limits do, instead of 431. */
        HEADER_LIMITS_ANSWER_400,
        /** Refuses a head of exactly the size limit and one with exactly the header-line limit (off by one). */
        HEADER_LIMITS_OFF_BY_ONE,
        /** Waits for the upgrade request forever. */
        NO_HANDSHAKE_TIMEOUT,
        /** Times out each read of the upgrade request rather than the whole request, so a trickle is never closed. */
        HANDSHAKE_TIMEOUT_PER_READ,
        /** Keeps the handshake timeout after the upgrade: a session quiet for that long is dropped. */
        HANDSHAKE_TIMEOUT_AFTER_UPGRADE,
        /** Sends each offer at once, without waiting for {@code flush()} (offers that schedule themselves). */
        SENDS_WITHOUT_FLUSH,
        /** A flush sends at most 64 of the messages queued before it; the rest waits for another flush. */
        FLUSH_SENDS_ONE_BATCH,
        /** {@code close()} drops what was offered and not flushed instead of sending it before the close frame. */
        CLOSE_DROPS_UNFLUSHED
    }

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final ServerConfig config;
    private final Endpoint endpoint;
    private final HandshakePolicy policy;
    private final Set<Breakage> breakages;
    private final ServerSocket serverSocket;
    private final Thread acceptor;
    private final ScheduledExecutorService timer;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Connection> sessions = ConcurrentHashMap.newKeySet();
    /** Connection slots: accepted upgrades whose connection has not ended, never above maxConnections. */
    private final java.util.concurrent.atomic.AtomicInteger slots = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();

    private BlockingTestServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy,
                               Set<Breakage> breakages) throws IOException {
        this.config = config;
        this.endpoint = endpoint;
        this.policy = policy;
        this.breakages = breakages.isEmpty() ? EnumSet.noneOf(Breakage.class) : EnumSet.copyOf(breakages);
        this.serverSocket = new ServerSocket(config.port(), 200, InetAddress.getByName(config.host()));
        this.acceptor = new Thread(this::acceptLoop, "test-server-acceptor");
        this.acceptor.setDaemon(true);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "test-server-timer");
            t.setDaemon(true);
            return t;
        });
        long tick = 50;
        if (!config.pingInterval().isZero() && !has(Breakage.NO_PINGS)) {
            long ms = config.pingInterval().toMillis();
            timer.scheduleAtFixedRate(this::pingAll, ms, ms, TimeUnit.MILLISECONDS);
        }
        if (!config.idleTimeout().isZero() && !has(Breakage.NO_IDLE_TIMEOUT)) {
            timer.scheduleAtFixedRate(this::checkIdle, tick, tick, TimeUnit.MILLISECONDS);
        }
        acceptor.start();
    }

    /**
     * Starts a correct server, or one broken as asked.
     *
     * @param config the config; not null
     * @param endpoint the endpoint; not null
     * @param policy the handshake policy; not null
     * @param breakages the defects to build in; not null, empty for a correct server
     * @return the running server
     * @throws IOException if it cannot bind
     */
    public static BlockingTestServer start(ServerConfig config, Endpoint endpoint, HandshakePolicy policy,
                                           Set<Breakage> breakages) throws IOException {
        return new BlockingTestServer(config, endpoint, policy, breakages);
    }

    private boolean has(Breakage b) {
        return breakages.contains(b);
    }

    @Override
    public String transportName() {
        return "blocking-test-server";
    }

    @Override
    public InetSocketAddress address() {
        return new InetSocketAddress(config.host(), serverSocket.getLocalPort());
    }

    @Override
    public URI uri() {
        return URI.create("ws://" + config.host() + ":" + serverSocket.getLocalPort() + config.path());
    }

    @Override
    public int sessionCount() {
        return sessions.size();
    }

    @Override
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Connection c : connections) {
            if (has(Breakage.NO_GOING_AWAY_ON_STOP)) {
                c.closeSocket();
            } else {
                c.closeFromServer(CloseCode.GOING_AWAY.code(), "server stopping");
            }
        }
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        while (!connections.isEmpty() && System.nanoTime() - deadline < 0) {
            sleep(5);
        }
        for (Connection c : connections) {
            c.closeSocket();
        }
        timer.shutdownNow();
        try {
            acceptor.join(5000);
            for (Connection c : List.copyOf(connections)) {
                c.reader.join(5000);
                c.writer.join(5000);
            }
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!stopped.get()) {
            Socket s;
            try {
                s = serverSocket.accept();
            } catch (IOException e) {
                return;
            }
            if (stopped.get()) {
                closeQuietly(s);
                return;
            }
            Connection c = new Connection(s);
            connections.add(c);
            c.reader.start();
        }
    }

    private void pingAll() {
        for (Connection c : sessions) {
            c.enqueueControl(Message.ping("keepalive".getBytes(StandardCharsets.US_ASCII)));
        }
    }

    private void checkIdle() {
        long now = System.nanoTime();
        for (Connection c : sessions) {
            if (now - c.lastSeen > config.idleTimeout().toNanos()) {
                c.session.close(CloseCode.GOING_AWAY.code(), "idle timeout");
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private static String accept(String key) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Thrown to fail the connection with a close code. */
    private static final class ProtocolFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        ProtocolFailure(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** One TCP connection: its reader thread runs the handshake and the frames; its writer thread writes. */
    private final class Connection {
        final Socket socket;
        final Thread reader;
        final Thread writer;
        /** Set once the upgrade succeeded, before the endpoint or another thread can see it. */
        volatile TestSession session;
        final ArrayDeque<Message> queue = new ArrayDeque<>();
        int queuedData;
        /** Wire bytes of the queued data messages, the unit of {@link io.wshub.api.Session#queuedBytes()}. */
        long queuedBytes;
        /**
         * How many of the oldest queued data messages are due: made due by a flush or a close (Session's flush
         * contract); the writer sends no data message beyond them. Control frames are always due.
         */
        int dueData;
        /** The message the writer is writing (not evictable), or null. */
        Message writing;
        boolean closeQueued;
        boolean writerDone;
        volatile long lastSeen = System.nanoTime();
        /** When the connection was accepted: the handshake timeout runs from here. */
        final long acceptedNanos = System.nanoTime();
        volatile boolean open;
        int closeCode = CloseCode.ABNORMAL_CLOSURE.code();
        String closeReason = "";
        volatile boolean clientClosed;
        volatile boolean eofSeen;
        InputStream in;
        OutputStream out;
        HandshakeRequest handshake;
        /** This connection holds one of {@link #slots}. */
        boolean slotHeld;
        String subprotocol;
        Map<String, Object> initialAttributes = Map.of();

        Connection(Socket socket) {
            this.socket = socket;
            this.reader = new Thread(this::run, "test-server-reader");
            this.reader.setDaemon(true);
            if (has(Breakage.ERRORS_ESCAPE)) {
                this.reader.setUncaughtExceptionHandler((t, e) -> { }); // the escape is the point; keep the log quiet
            }
            this.writer = new Thread(this::writeLoop, "test-server-writer");
            this.writer.setDaemon(true);
        }

        void closeSocket() {
            closeQuietly(socket);
            synchronized (queue) {
                writerDone = true;
                queue.notifyAll();
            }
        }

        void run() {
            boolean upgraded = false;
            try {
                socket.setSoTimeout(10_000);
                socket.setTcpNoDelay(true);
                in = socket.getInputStream();
                out = socket.getOutputStream();
                upgraded = handshake();
                if (!upgraded) {
                    return;
                }
                session = new TestSession(handshake, subprotocol, initialAttributes);
                writer.start();
                open = true;
                sessions.add(this);
                try {
                    endpoint.onOpen(session);
                } catch (Throwable e) {
                    endpointFailed(e);
                }
                frames();
            } catch (ProtocolFailure f) {
                failConnection(has(Breakage.WRONG_ERROR_CODE) ? 1011 : f.code, f.getMessage());
            } catch (IOException e) {
                eofSeen = true;
            } finally {
                if (upgraded) {
                    finish();
                } else {
                    closeSocket();
                }
                if (slotHeld) {
                    slots.decrementAndGet();
                }
                connections.remove(this);
            }
        }

        private void finish() {
            if (has(Breakage.LEAK_DROPPED_SESSIONS) && eofSeen && !clientClosed && !session.closeStarted()) {
                closeSocket();
                return;
            }
            try {
                if (!eofSeen) {
                    long deadline = System.nanoTime() + config.closeTimeout().toNanos();
                    awaitWriter(deadline);
                    if (clientClosed && has(Breakage.KEEP_TCP_OPEN)) {
                        drainUntilClose(System.nanoTime() + Duration.ofSeconds(30).toNanos(), false);
                    } else if (!clientClosed) {
                        drainUntilClose(deadline, true);
                    }
                }
            } finally {
                closeSocket();
                open = false;
                sessions.remove(this);
                int code;
                String reason;
                synchronized (queue) {
                    code = closeCode;
                    reason = closeReason;
                }
                try {
                    endpoint.onClose(session, code, reason);
                } catch (RuntimeException ignored) {
                    // the endpoint's problem; the connection is gone either way
                }
            }
        }

        /** Waits until the writer has written the close frame (or died), bounded. */
        private void awaitWriter(long deadline) {
            synchronized (queue) {
                if (!closeQueued && !writerDone) {
                    closeQueued = true;
                    dueData = queuedData;
                    queue.addLast(Message.close(closeCode == 1006 ? 1000 : closeCode, ""));
                    queue.notifyAll();
                }
                while (!writerDone && System.nanoTime() - deadline < 0) {
                    try {
                        queue.wait(10);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        /**
         * After we sent a close, reads (and discards) what the client still sends until its close frame, end of
         * stream or the deadline, so that closing the socket does not reset data the client has yet to read.
         */
        private void drainUntilClose(long deadline, boolean stopAtCloseFrame) {
            try {
                while (System.nanoTime() - deadline < 0) {
                    socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
                    int b0 = readByte();
                    int b1 = readByte();
                    long len = b1 & 0x7F;
                    if (len == 126) {
                        len = (readByte() << 8) | readByte();
                    } else if (len == 127) {
                        len = 0;
                        for (int i = 0; i < 8; i++) {
                            len = (len << 8) | readByte();
                        }
                    }
                    if (len > config.maxMessageSize() + 1024L) {
                        return;
                    }
                    readPayload(len, (b1 & 0x80) != 0);
                    if (stopAtCloseFrame && (b0 & 0x0F) == 0x8) {
                        return;
                    }
                }
            } catch (IOException ignored) {
                // end of stream, timeout or reset: done either way
            }
        }

        private void drainInput(long deadline) {
            try {
                byte[] sink = new byte[4096];
                while (System.nanoTime() - deadline < 0) {
                    socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
                    if (in.read(sink) < 0) {
                        return;
                    }
                }
            } catch (IOException ignored) {
                // done
            }
        }

        private void failConnection(int code, String reason) {
            synchronized (queue) {
                if (closeQueued) {
                    return;
                }
                closeCode = code;
                closeReason = reason == null ? "" : reason;
                closeQueued = true;
                dueData = queuedData;
                String r = closeReason.length() > 60 ? closeReason.substring(0, 60) : closeReason;
                queue.addLast(Message.close(code, r));
                queue.notifyAll();
            }
        }

        // ---------------------------------------------------------------------------------------- handshake

        private boolean handshake() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int offByOne = has(Breakage.HEADER_LIMITS_OFF_BY_ONE) ? 1 : 0;
            int maxSize = has(Breakage.NO_HEADER_SIZE_LIMIT) ? 4 << 20 : config.maxRequestHeaderSize() - offByOne;
            int maxHeaders = has(Breakage.NO_HEADER_COUNT_LIMIT) ? Integer.MAX_VALUE
                    : config.maxRequestHeaders() - offByOne;
            long deadline = acceptedNanos + config.handshakeTimeout().toNanos();
            int headLines = 0;
            int lineLength = 0;
            while (true) {
                if (!armHandshakeTimeout(deadline)) {
                    return false;
                }
                int b;
                try {
                    b = in.read();
                } catch (SocketTimeoutException e) {
                    return false;
                }
                if (b < 0) {
                    return false;
                }
                if (head.size() == maxSize) {
                    refuseHead();
                    return false;
                }
                head.write(b);
                // As the kernel's RequestHeadReader counts: a line ends at LF, CRs aside; the first empty line after
                // the request line ends the head; every other non-empty line after the request line is a header.
                if (b == '\n') {
                    if (lineLength > 0) {
                        headLines++;
                        lineLength = 0;
                        if (headLines - 1 > maxHeaders) {
                            refuseHead();
                            return false;
                        }
                    } else if (headLines > 0) {
                        break;
                    }
                } else if (b != '\r') {
                    lineLength++;
                }
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            String[] requestLine = lines[0].split(" ");
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            k -> new ArrayList<>()).add(lines[i].substring(colon + 1).trim());
                }
            }
            if (requestLine.length != 3) {
                if (has(Breakage.HANG_ON_PLAIN_GET)) {
                    drainInput(System.nanoTime() + Duration.ofSeconds(60).toNanos());
                    return false;
                }
                respond(400, "Bad Request", Map.of());
                return false;
            }
            String method = requestLine[0];
            String target = requestLine[1];
            String version = requestLine[2];
            HandshakeVerdict early = null;
            if (has(Breakage.POLICY_FIRST)) {
                int eq = target.indexOf('?');
                try {
                    early = policy.evaluate(new HandshakeRequest(eq < 0 ? target : target.substring(0, eq),
                            eq < 0 ? "" : target.substring(eq + 1), headers,
                            (InetSocketAddress) socket.getRemoteSocketAddress()));
                } catch (RuntimeException e) {
                    respond(500, "Internal Server Error", Map.of());
                    return false;
                }
            }
            if (!method.equals("GET")) {
                respond(has(Breakage.SERVER_ERROR_ON_POST) ? 500 : 405, "Method Not Allowed", Map.of("Allow", "GET"));
                return false;
            }
            if (!version.equals("HTTP/1.1") && !(version.equals("HTTP/1.0") && has(Breakage.ACCEPT_HTTP10))) {
                respond(400, "Bad Request", Map.of());
                return false;
            }
            int q = target.indexOf('?');
            String path = q < 0 ? target : target.substring(0, q);
            String query = q < 0 ? "" : target.substring(q + 1);
            if (!path.equals(config.path())) {
                respond(404, "Not Found", Map.of());
                return false;
            }
            String upgrade = first(headers, "upgrade");
            String connection = first(headers, "connection");
            if (upgrade == null || !upgrade.equalsIgnoreCase("websocket") || connection == null
                    || !connection.toLowerCase(Locale.ROOT).contains("upgrade")) {
                if (has(Breakage.HANG_ON_PLAIN_GET)) {
                    drainInput(System.nanoTime() + Duration.ofSeconds(60).toNanos());
                    return false;
                }
                respond(400, "Bad Request", Map.of());
                return false;
            }
            if (!"13".equals(first(headers, "sec-websocket-version"))) {
                if (has(Breakage.NO_426_ON_WRONG_VERSION)) {
                    respond(400, "Bad Request", Map.of());
                } else {
                    respond(426, "Upgrade Required", Map.of("Sec-WebSocket-Version", "13"));
                }
                return false;
            }
            String key = first(headers, "sec-websocket-key");
            if (has(Breakage.ACCEPT_BAD_KEY)) {
                key = key == null ? "" : key;
            } else if (key == null || decodedLength(key) != 16) {
                respond(400, "Bad Request", Map.of());
                return false;
            }
            handshake = new HandshakeRequest(path, query, headers,
                    (InetSocketAddress) socket.getRemoteSocketAddress());
            if (!has(Breakage.IGNORE_CONNECTION_LIMIT) && !reserveSlot()) {
                respond(503, "Service Unavailable", Map.of());
                return false;
            }
            HandshakeVerdict verdict = early;
            if (verdict == null) {
                try {
                    verdict = policy.evaluate(handshake);
                } catch (RuntimeException e) {
                    respond(500, "Internal Server Error", Map.of());
                    return false;
                }
            }
            if (verdict instanceof HandshakeVerdict.Reject && !has(Breakage.IGNORE_POLICY)) {
                HandshakeVerdict.Reject r = (HandshakeVerdict.Reject) verdict;
                respond(has(Breakage.REJECT_WITH_404) ? 404 : r.status(), r.reason(), Map.of());
                return false;
            }
            if (verdict instanceof HandshakeVerdict.Accept) {
                HandshakeVerdict.Accept a = (HandshakeVerdict.Accept) verdict;
                initialAttributes = a.attributes();
                if (a.subprotocol() != null && handshake.requestedSubprotocols().contains(a.subprotocol())) {
                    subprotocol = a.subprotocol();
                }
            }
            if (subprotocol == null && !has(Breakage.IGNORE_SUBPROTOCOLS)) {
                subprotocol = handshake.selectSubprotocol(config.subprotocols());
            }
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Upgrade", "websocket");
            h.put("Connection", "Upgrade");
            h.put("Sec-WebSocket-Accept", has(Breakage.WRONG_ACCEPT) ? accept(key + "x") : accept(key));
            if (subprotocol != null) {
                h.put("Sec-WebSocket-Protocol", subprotocol);
            }
            writeHead(101, "Switching Protocols", h, false);
            socket.setSoTimeout(has(Breakage.HANDSHAKE_TIMEOUT_AFTER_UPGRADE)
                    ? (int) config.handshakeTimeout().toMillis() : 0);
            return true;
        }

        /**
         * Sets the read timeout for the next byte of the upgrade request, so the whole request must arrive by the
         * deadline; answers whether time is left.
         */
        private boolean armHandshakeTimeout(long deadline) throws IOException {
            if (has(Breakage.NO_HANDSHAKE_TIMEOUT)) {
                socket.setSoTimeout(0);
                return true;
            }
            if (has(Breakage.HANDSHAKE_TIMEOUT_PER_READ)) {
                socket.setSoTimeout((int) Math.max(1, config.handshakeTimeout().toMillis()));
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000L)));
            return true;
        }

        /** Answers a request head that broke a limit, then closes. */
        private void refuseHead() throws IOException {
            if (has(Breakage.HEADER_LIMITS_ANSWER_400)) {
                respond(400, "Bad Request", Map.of());
            } else {
                respond(431, "Request Header Fields Too Large", Map.of());
            }
        }

        /** Takes a connection slot if one is free; the connection gives it back when it ends. */
        private boolean reserveSlot() {
            while (true) {
                int n = slots.get();
                if (n >= config.maxConnections()) {
                    return false;
                }
                if (slots.compareAndSet(n, n + 1)) {
                    slotHeld = true;
                    return true;
                }
            }
        }

        private int decodedLength(String key) {
            try {
                return Base64.getDecoder().decode(key).length;
            } catch (IllegalArgumentException e) {
                return -1;
            }
        }

        private String first(Map<String, List<String>> headers, String name) {
            List<String> v = headers.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        private void respond(int status, String reason, Map<String, String> headers) throws IOException {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put("Content-Length", "0");
            h.put("Connection", "close");
            writeHead(status, reason, h, true);
        }

        private void writeHead(int status, String reason, Map<String, String> headers, boolean thenClose)
                throws IOException {
            StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason)
                    .append("\r\n");
            headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
            sb.append("\r\n");
            out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (thenClose) {
                socket.shutdownOutput();
                drainInput(System.nanoTime() + Duration.ofSeconds(2).toNanos());
            }
        }

        // ---------------------------------------------------------------------------------------- frames

        private void frames() throws IOException, ProtocolFailure {
            int messageOpcode = -1;
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            while (true) {
                int b0 = readByte();
                int b1 = readByte();
                lastSeen = System.nanoTime();
                boolean fin = (b0 & 0x80) != 0;
                int rsv = (b0 >>> 4) & 7;
                int opcode = b0 & 0x0F;
                boolean masked = (b1 & 0x80) != 0;
                long len = b1 & 0x7F;
                if (len == 126) {
                    len = (readByte() << 8) | readByte();
                } else if (len == 127) {
                    len = 0;
                    for (int i = 0; i < 8; i++) {
                        len = (len << 8) | readByte();
                    }
                }
                if (session.closeStarted() && !clientClosedAllowed(opcode)) {
                    skip(len, masked);
                    continue;
                }
                if (rsv != 0 && !has(Breakage.ACCEPT_RSV)) {
                    throw failAfterSkipping(len, masked, 1002, "RSV bits set without an extension");
                }
                if ((opcode >= 3 && opcode <= 7) || opcode >= 0xB) {
                    throw failAfterSkipping(len, masked, 1002, "reserved opcode " + opcode);
                }
                if (!masked && !has(Breakage.ACCEPT_UNMASKED)) {
                    throw failAfterSkipping(len, masked, 1002, "unmasked client frame");
                }
                boolean control = (opcode & 0x8) != 0;
                if (control && (len > 125 || !fin) && !has(Breakage.LENIENT_CONTROL_FRAMES)) {
                    throw failAfterSkipping(len, masked, 1002, "bad control frame");
                }
                if (!control) {
                    if (opcode == 0 && messageOpcode < 0) {
                        if (!has(Breakage.ACCEPT_STRAY_CONTINUATION)) {
                            throw failAfterSkipping(len, masked, 1002, "continuation without a message");
                        }
                        opcode = 2;
                    }
                    if (opcode != 0 && messageOpcode >= 0 && !has(Breakage.NO_REASSEMBLY)) {
                        throw failAfterSkipping(len, masked, 1002, "new data frame inside a fragmented message");
                    }
                    if (message.size() + len > config.maxMessageSize() && !has(Breakage.IGNORE_MAX_MESSAGE_SIZE)) {
                        throw failAfterSkipping(len, masked, 1009, "message too big");
                    }
                }
                byte[] payload = readPayload(len, masked);
                if (control) {
                    control(opcode, payload);
                    if (session.closeStarted() && clientClosed) {
                        return;
                    }
                    continue;
                }
                if (has(Breakage.NO_REASSEMBLY)) {
                    deliver(opcode == 0 ? (messageOpcode < 0 ? 2 : messageOpcode) : opcode, payload);
                    messageOpcode = fin ? -1 : (opcode == 0 ? messageOpcode : opcode);
                    continue;
                }
                if (opcode != 0) {
                    messageOpcode = opcode;
                }
                message.write(payload);
                if (fin) {
                    byte[] whole = message.toByteArray();
                    message.reset();
                    int op = messageOpcode;
                    messageOpcode = -1;
                    deliver(op, whole);
                }
            }
        }

        /**
         * Reads past the offending frame's payload when it is small enough, so that the stream stays in step and the
         * client's answering close frame can be read, then returns the failure to throw.
         */
        private ProtocolFailure failAfterSkipping(long len, boolean masked, int code, String message)
                throws IOException {
            if (len <= (1 << 20)) {
                readPayload(len, masked);
            }
            return new ProtocolFailure(code, message);
        }

        private boolean clientClosedAllowed(int opcode) {
            return opcode == 0x8;
        }

        private void deliver(int opcode, byte[] data) throws ProtocolFailure {
            if (has(Breakage.TRUNCATE_AT_64K) && data.length > 65535) {
                data = java.util.Arrays.copyOf(data, 65535);
            }
            Message m;
            if (opcode == 1) {
                if (!Utf8.isValid(data) && !has(Breakage.NO_UTF8_VALIDATION)) {
                    throw new ProtocolFailure(1007, "invalid UTF-8");
                }
                m = has(Breakage.LATIN1_TEXT) ? Message.text(new String(data, StandardCharsets.ISO_8859_1))
                        : Utf8.isValid(data) ? Message.textUtf8(data)
                        : Message.text(new String(data, StandardCharsets.UTF_8));
            } else {
                m = Message.binary(data);
            }
            try {
                endpoint.onMessage(session, m);
            } catch (Throwable e) {
                endpointFailed(e);
            }
        }

        /** Whatever the endpoint threw (an Error too) is told to onError, and the session closes with 1011. */
        private void endpointFailed(Throwable e) {
            if (e instanceof Error error && has(Breakage.ERRORS_ESCAPE)) {
                throw error;
            }
            try {
                endpoint.onError(session, e);
            } catch (Throwable ignored) {
                // closing with 1011 either way
            }
            session.close(CloseCode.INTERNAL_ERROR.code(), "endpoint error");
        }

        private void control(int opcode, byte[] payload) throws ProtocolFailure {
            if (opcode == 0x9) {
                if (!has(Breakage.NO_PONG)) {
                    enqueueControl(Message.pong(payload.length > 125 ? new byte[0] : payload));
                }
            } else if (opcode == 0x8) {
                int code;
                String reason;
                if (has(Breakage.NO_CLOSE_VALIDATION)) {
                    code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
                    reason = "";
                } else {
                    Message.Close c;
                    try {
                        c = Message.Close.decode(ByteBuffer.wrap(payload));
                    } catch (IllegalArgumentException e) {
                        throw new ProtocolFailure(1002, "bad close frame");
                    }
                    code = c.code();
                    reason = c.reason();
                }
                if (code == 1007 && has(Breakage.NO_REPLY_TO_1007)) {
                    // Drop the connection with no reply, as Java-WebSocket once did for a 1007 without a reason.
                    eofSeen = true;
                    closeSocket();
                    return;
                }
                boolean crossed = false;
                synchronized (queue) {
                    clientClosed = true;
                    if (!closeQueued) {
                        closeCode = code;
                        closeReason = reason;
                        closeQueued = true;
                        dueData = queuedData;
                        queue.addLast(CloseCode.isValidOnWire(code) ? Message.close(code, "")
                                : Message.Close.empty());
                        queue.notifyAll();
                    } else {
                        crossed = has(Breakage.ON_CLOSE_TWICE_WHEN_CLOSES_CROSS);
                    }
                }
                if (crossed) {
                    endpoint.onClose(session, code, reason);
                }
            }
        }

        private void skip(long len, boolean masked) throws IOException {
            readPayload(len, masked);
        }

        private byte[] readPayload(long len, boolean masked) throws IOException {
            byte[] mask = new byte[4];
            if (masked) {
                readFully(mask);
            }
            if (len > Integer.MAX_VALUE - 16) {
                throw new IOException("frame too long");
            }
            byte[] p = new byte[(int) len];
            readFully(p);
            if (masked) {
                for (int i = 0; i < p.length; i++) {
                    p[i] ^= mask[i & 3];
                }
            }
            return p;
        }

        private int readByte() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            return b;
        }

        private void readFully(byte[] b) throws IOException {
            int off = 0;
            while (off < b.length) {
                int n = in.read(b, off, b.length - off);
                if (n < 0) {
                    throw new EOFException();
                }
                off += n;
            }
        }

        // ---------------------------------------------------------------------------------------- writing

        void enqueueControl(Message m) {
            synchronized (queue) {
                if (closeQueued || writerDone) {
                    return;
                }
                queue.addLast(m);
                queue.notifyAll();
            }
        }

        private void writeLoop() {
            try {
                while (true) {
                    Message m;
                    synchronized (queue) {
                        while ((m = nextDue()) == null && !writerDone) {
                            queue.wait();
                        }
                        if (writerDone) {
                            return;
                        }
                        writing = m;
                    }
                    ByteBuffer frame = m.wireFrame();
                    byte[] bytes = new byte[frame.remaining()];
                    frame.get(bytes);
                    out.write(bytes);
                    out.flush();
                    synchronized (queue) {
                        removeExactly(m);
                        writing = null;
                        if (!m.kind().isControl()) {
                            queuedData--;
                            queuedBytes -= m.wireFrameLength();
                            dueData--;
                        }
                    }
                    if (m instanceof Message.Close) {
                        if (!has(Breakage.KEEP_TCP_OPEN) || !clientClosed) {
                            socket.shutdownOutput();
                        }
                        if (!clientClosed) {
                            // we started the close: the reader waits for the client's answer, bounded
                            timer.schedule(this::closeSocket, config.closeTimeout().toMillis(),
                                    TimeUnit.MILLISECONDS);
                        }
                        synchronized (queue) {
                            writerDone = true;
                            queue.notifyAll();
                        }
                        return;
                    }
                }
            } catch (IOException | InterruptedException | java.util.concurrent.RejectedExecutionException e) {
                closeSocket();
            }
        }

        /**
         * The next message the writer may send, under the queue's lock: the oldest data message if it is due, else the
         * first control frame (pings and pongs may overtake data that waits for a flush; a close never does, since
         * queuing it makes every data message due).
         */
        private Message nextDue() {
            for (Message m : queue) {
                if (m.kind().isControl() || dueData > 0) {
                    return m;
                }
            }
            return null;
        }

        /** Removes this very message (not an equal one) from the queue, under its lock. */
        private void removeExactly(Message m) {
            for (java.util.Iterator<Message> it = queue.iterator(); it.hasNext(); ) {
                if (it.next() == m) {
                    it.remove();
                    return;
                }
            }
        }

        /** The {@link Breakage#CLOSE_DROPS_UNFLUSHED} defect: forgets the data messages no flush made due. */
        private void dropUndue() {
            int index = 0;
            for (java.util.Iterator<Message> it = queue.iterator(); it.hasNext(); ) {
                Message m = it.next();
                if (m.kind().isControl() || m == writing) {
                    continue;
                }
                if (index++ >= dueData) {
                    it.remove();
                    queuedData--;
                    queuedBytes -= m.wireFrameLength();
                }
            }
        }

        /**
         * Queues a close frame after what is queued, unless a close is already queued or the writer is done; also
         * before the upgrade completed, in which case the writer sends it once the session opens.
         */
        boolean closeFromServer(int code, String reason) {
            synchronized (queue) {
                if (closeQueued || writerDone) {
                    return false;
                }
                closeCode = code;
                closeReason = reason;
                closeQueued = true;
                if (has(Breakage.CLOSE_DROPS_UNFLUSHED)) {
                    dropUndue();
                }
                dueData = queuedData;
                queue.addLast(Message.close(code, reason));
                queue.notifyAll();
                return true;
            }
        }

        /** The session the endpoint sees. */
        private final class TestSession extends AbstractSession {

            TestSession(HandshakeRequest handshake, String subprotocol, Map<String, Object> attributes) {
                super(SessionIds.next(), handshake, subprotocol, attributes);
            }

            boolean closeStarted() {
                synchronized (queue) {
                    return closeQueued;
                }
            }

            @Override
            public boolean isOpen() {
                synchronized (queue) {
                    return open && !closeQueued;
                }
            }

            @Override
            public OfferResult offer(Message message) {
                if (message instanceof Message.Close c) {
                    // Session.offer's rule: a close closes, ENQUEUED if it started the close, CLOSED otherwise.
                    if (has(Breakage.OFFER_CLOSE_THROWS)) {
                        throw new IllegalArgumentException("offer a data message; use close() to close");
                    }
                    synchronized (queue) {
                        if (!open) {
                            return OfferResult.CLOSED;
                        }
                    }
                    int code = c.code() == CloseCode.NO_STATUS_RECEIVED.code() ? CloseCode.NORMAL_CLOSURE.code()
                            : c.code();
                    return closeFromServer(code, c.reason()) ? OfferResult.ENQUEUED : OfferResult.CLOSED;
                }
                synchronized (queue) {
                    if (!open || closeQueued || writerDone) {
                        return OfferResult.CLOSED;
                    }
                    if (!message.kind().isControl()) {
                        int len = message.wireFrameLength();
                        boolean full = queuedData >= config.maxQueuedMessages()
                                || (queuedData > 0 && queuedBytes + len > config.maxQueuedBytes());
                        if (full && !has(Breakage.UNBOUNDED_QUEUE)) {
                            return OfferResult.FULL;
                        }
                        queuedData++;
                        queuedBytes += len;
                        if (has(Breakage.SENDS_WITHOUT_FLUSH)) {
                            dueData++;
                        }
                    }
                    queue.addLast(message);
                    queue.notifyAll();
                    return OfferResult.ENQUEUED;
                }
            }

            @Override
            public boolean evictOldest() {
                synchronized (queue) {
                    int index = 0;
                    for (java.util.Iterator<Message> it = queue.iterator(); it.hasNext(); ) {
                        Message m = it.next();
                        if (m.kind().isControl()) {
                            continue;
                        }
                        if (m != writing) {
                            it.remove();
                            queuedData--;
                            queuedBytes -= m.wireFrameLength();
                            if (index < dueData) {
                                dueData--;
                            }
                            return true;
                        }
                        index++;
                    }
                    return false;
                }
            }

            @Override
            public void flush() {
                synchronized (queue) {
                    // Session's flush contract: everything queued so far becomes due, and the writer sends it all.
                    dueData = has(Breakage.FLUSH_SENDS_ONE_BATCH) ? Math.max(dueData, Math.min(queuedData, 64))
                            : queuedData;
                    queue.notifyAll();
                }
            }

            @Override
            public void close(int code, String reason) {
                if (!CloseCode.isValidOnWire(code)) {
                    throw new IllegalArgumentException("close code " + code);
                }
                closeFromServer(code, reason);
            }

            @Override
            public int queuedMessages() {
                synchronized (queue) {
                    return queuedData;
                }
            }

            @Override
            public long queuedBytes() {
                synchronized (queue) {
                    return queuedBytes;
                }
            }

            @Override
            public String toString() {
                return "TestSession[" + id() + "]";
            }
        }
    }
}
