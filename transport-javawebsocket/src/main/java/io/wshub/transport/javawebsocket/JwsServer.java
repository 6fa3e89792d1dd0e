package io.wshub.transport.javawebsocket;

import io.wshub.api.CloseCode;
import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.ServerConfig;
import io.wshub.api.ServerStats;
import io.wshub.api.spi.Keepalive;
import io.wshub.api.spi.OpenSessions;
import io.wshub.api.spi.OutboundQueue;
import io.wshub.api.spi.ServerCounters;
import io.wshub.api.spi.SessionIds;
import io.wshub.api.spi.UpgradeDecision;
import io.wshub.api.spi.UpgradeValidator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketServerFactory;
import org.java_websocket.drafts.Draft;
import org.java_websocket.enums.ReadyState;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.HandshakeImpl1Server;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.java_websocket.server.DefaultSSLWebSocketServerFactory;
import org.java_websocket.server.WebSocketServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java-WebSocket server behind {@link JavaWebSocketTransportProvider}: has each upgrade decided by the transport
 * kernel's {@link UpgradeValidator} (path, RFC checks, stopping, an atomic connection slot, then the
 * {@link HandshakePolicy}), turns connections into {@link JwsSession}s, calls the {@link Endpoint}, runs keepalive
 * and stops gracefully.
 *
 * <p>Threads: the library's selector thread (started by {@link #startServer()}), its decoder threads (which call the
 * endpoint), and one timer thread of ours for keepalive, idle and close timeouts and the handshake timeout. Public library
 * callbacks are called by the library only.
 */
final class JwsServer extends WebSocketServer {

    private static final Logger LOG = LoggerFactory.getLogger(JwsServer.class);
    static final String NAME = "java-websocket";

    private final ServerConfig config;
    private final Endpoint endpoint;
    /** The kernel's upgrade checks, in their fixed order, and the connection slots (held by {@link JwsConnection}). */
    private final UpgradeValidator validator;
    /** The kernel's keepalive decisions (pings, idle timeout, close timeout), run by {@link #tick()}. */
    private final Keepalive keepalive;
    private final SelectorTasks tasks;
    private final OpenSessions<JwsSession> sessions = new OpenSessions<>();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    /** Handshakes, closes, messages and bytes; see {@link #stats()}. */
    private final ServerCounters counters = new ServerCounters();
    private final ScheduledThreadPoolExecutor timer;
    /** The timer's threads, joined at stop: the executor reports terminated before its last thread has ended. */
    private final List<Thread> timerThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final CompletableFuture<Void> stopDone = new CompletableFuture<>();
    /**
     * The scratch array of {@link JwsConnection#writeBatch}: shared by every connection of this server, since only
     * the selector thread writes, and emptied after each write.
     */
    private final ByteBuffer[] gatherBatch = new ByteBuffer[JwsConnection.GATHER_FRAMES];
    /**
     * Connections accepted and not yet upgraded or closed, for the handshake timeout; an entry is dropped by the next
     * sweep after its connection opens or closes ({@link #expireHandshakes()}).
     */
    private final Set<JwsConnection> handshaking = ConcurrentHashMap.newKeySet();
    private Thread selectorThread;

    /** Selector thread only: the gathering-write scratch array, see {@link JwsConnection#writeBatch}. */
    ByteBuffer[] gatherBatch() {
        return gatherBatch;
    }

    JwsServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy) throws IOException {
        super(new InetSocketAddress(config.host(), config.port()),
                Math.max(1, Runtime.getRuntime().availableProcessors()),
                List.of(new JwsDraft(config.maxMessageSize())));
        this.config = config;
        this.endpoint = endpoint;
        this.validator = new UpgradeValidator(config, policy);
        this.keepalive = new Keepalive(config);
        this.tasks = new SelectorTasks();
        setReuseAddr(true);
        setTcpNoDelay(true);
        // Our own timer does keepalive; the library's would ping from yet another thread per server.
        setConnectionLostTimeout(0);
        setWebSocketFactory(new Factory(config.sslContext() == null ? null
                : new DefaultSSLWebSocketServerFactory(config.sslContext())));
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "wshub-jws-timer");
            t.setDaemon(true);
            timerThreads.add(t);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    SelectorTasks tasks() {
        return tasks;
    }

    int sessionCount() {
        return sessions.size();
    }

    UpgradeValidator validator() {
        return validator;
    }

    ServerConfig config() {
        return config;
    }

    ServerCounters counters() {
        return counters;
    }

    /** A snapshot of the counters and the open sessions' queues; any thread. */
    ServerStats stats() {
        return counters.snapshot(sessions.size(), sessions);
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    void startServer() throws IOException {
        selectorThread = new Thread(this, "wshub-jws-selector");
        selectorThread.setUncaughtExceptionHandler((t, e) -> {
            LOG.error("Java-WebSocket selector thread died", e);
            started.completeExceptionally(e);
        });
        selectorThread.start();
        try {
            started.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            shutdownThreads(1000);
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException("Java-WebSocket server did not start on " + config.host() + ":" + config.port(),
                    cause);
        }
        long tick = keepalive.sweepNanos();
        timer.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.NANOSECONDS);
        long sweep = Math.max(10, Math.min(1000, config.handshakeTimeout().toMillis() / 4));
        timer.scheduleWithFixedDelay(this::expireHandshakes, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    void stopGracefully() {
        if (!stopped.compareAndSet(false, true)) {
            stopDone.join();
            return;
        }
        try {
            validator.stop();
            for (JwsSession s : sessions.closeAll(config.closeTimeout())) {
                s.connection().closeConnection(CloseFrame.ABNORMAL_CLOSE, "close timeout at server stop", false);
            }
            shutdownThreads(Math.max(1000, config.closeTimeout().toMillis()));
        } finally {
            stopDone.complete(null);
        }
    }

    private void shutdownThreads(long joinMillis) {
        closeHandshaking(); // the library closes only the connections it opened
        try {
            stop((int) Math.min(Integer.MAX_VALUE, joinMillis), "server shutting down");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        try {
            if (selectorThread != null) {
                selectorThread.join(joinMillis);
            }
            for (Thread w : decoders) {
                w.interrupt();
                w.join(joinMillis);
            }
            timer.awaitTermination(joinMillis, TimeUnit.MILLISECONDS);
            for (Thread t : timerThreads) {
                t.join(joinMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tasks.close();
    }

    // ------------------------------------------------------------------------------------------------ timer

    /** The keepalive sweep: the kernel's {@link Keepalive} decides, for every session; timer thread. */
    private void tick() {
        try {
            long now = System.nanoTime();
            for (JwsSession s : sessions) {
                switch (keepalive.check(s, now)) {
                    case PING -> s.sendControl(Message.ping(new byte[0]));
                    case CLOSE_TIMED_OUT -> s.connection().closeConnection(CloseFrame.ABNORMAL_CLOSE, "close timeout",
                            false);
                    default -> {
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("keepalive tick failed", e);
        }
    }

    /**
     * On the timer thread: closes every connection that has not completed its upgrade within the handshake timeout
     * since it was accepted (one that sends nothing, or trickles its request, or does not read its rejection), and
     * forgets those that have opened or closed.
     */
    private void expireHandshakes() {
        try {
            long now = System.nanoTime();
            long limit = config.handshakeTimeout().toNanos();
            for (Iterator<JwsConnection> it = handshaking.iterator(); it.hasNext(); ) {
                JwsConnection c = it.next();
                ReadyState state = c.getReadyState();
                if (state == ReadyState.OPEN || state == ReadyState.CLOSED) {
                    it.remove();
                } else if (now - c.acceptedNanos() > limit) {
                    it.remove();
                    LOG.debug("closing {}: no complete upgrade within {}", c.getRemoteSocketAddress(),
                            config.handshakeTimeout());
                    c.closeConnection(CloseFrame.NEVER_CONNECTED, "handshake timeout", false);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("handshake timeout sweep failed", e);
        }
    }

    /** Closes the connections still in their handshake, when the server stops. */
    private void closeHandshaking() {
        for (JwsConnection c : handshaking) {
            if (c.getReadyState() != ReadyState.OPEN) {
                c.closeConnection(CloseFrame.NEVER_CONNECTED, "server shutting down", false);
            }
        }
        handshaking.clear();
    }

    // ------------------------------------------------------------------------------------------------ handshake

    @Override
    public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket conn, Draft draft,
                                                                       ClientHandshake request)
            throws InvalidDataException {
        JwsConnection c = (JwsConnection) conn;
        String resource = request.getResourceDescriptor();
        int q = resource.indexOf('?');
        String path = q < 0 ? resource : resource.substring(0, q);
        String query = q < 0 ? "" : resource.substring(q + 1);
        if (path.equals(config.path())) {
            path = config.path(); // the same string, kept once for all sessions
        }
        String method = "GET";
        boolean http11 = true;
        Map<String, List<String>> headers;
        if (request instanceof JwsDraft.Malformed m) {
            if (m.method() == null) {
                throw reject(c, new UpgradeDecision.Reject(400, m.reason(), Map.of()));
            }
            method = m.method();
            http11 = m.http11();
            headers = Map.of(); // the library stopped at the request line
        } else {
            headers = headers(request);
        }
        HandshakeRequest hr = new HandshakeRequest(path, query, headers, c.getRemoteSocketAddress());
        UpgradeDecision decision = validator.validate(method, http11, hr);
        if (decision instanceof UpgradeDecision.Reject r) {
            throw reject(c, r);
        }
        UpgradeDecision.Accept accept = (UpgradeDecision.Accept) decision;
        c.slotTaken();
        String subprotocol = accept.subprotocol();
        JwsSession s = new JwsSession(SessionIds.next(), c, this, accept.request(), subprotocol, accept.attributes(),
                endpoint, new OutboundQueue(config.maxQueuedMessages(), config.maxQueuedBytes(),
                        JwsConnection.HANDOVER_MESSAGES, JwsConnection.HANDOVER_BYTES));
        c.session(s);
        HandshakeImpl1Server response = new HandshakeImpl1Server();
        if (subprotocol != null) {
            response.put("Sec-WebSocket-Protocol", subprotocol);
        }
        return response;
    }

    private static Map<String, List<String>> headers(ClientHandshake request) {
        Map<String, List<String>> h = new LinkedHashMap<>();
        for (Iterator<String> it = request.iterateHttpFields(); it.hasNext(); ) {
            String name = it.next();
            h.put(name, List.of(request.getFieldValue(name)));
        }
        return h;
    }

    /**
     * On the decoder thread: answers an upgrade request whose head broke a limit (431) or could not be parsed (400),
     * before the library saw it, with the kernel's response ({@code Connection: close}), then closes the connection.
     */
    void refuseHead(JwsConnection c, UpgradeDecision.Reject r) {
        counters.handshakeRejected(r.status());
        LOG.debug("request head from {} refused with {}: {}", c.getRemoteSocketAddress(), r.status(), r.reason());
        c.refuse(ByteBuffer.wrap(r.toHttpResponse()), r.reason());
    }

    private InvalidDataException reject(JwsConnection c, UpgradeDecision.Reject r) {
        counters.handshakeRejected(r.status());
        c.reject(ByteBuffer.wrap(r.toHttpResponse()));
        LOG.debug("handshake rejected with {}: {}", r.status(), r.reason());
        return new InvalidDataException(CloseFrame.PROTOCOL_ERROR, r.reason());
    }

    // ------------------------------------------------------------------------------------------------ callbacks

    @Override
    public void onStart() {
        started.complete(null);
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        JwsConnection c = (JwsConnection) conn;
        JwsSession s = c.session();
        if (s == null) {
            c.close(CloseFrame.UNEXPECTED_CONDITION, "no session");
            return;
        }
        sessions.add(s);
        counters.handshakeAccepted();
        SelectionKey key = c.getSelectionKey();
        if (s.isGone() || key == null || !key.isValid()) {
            // The library lost the race between its selector closing the connection (client gone) and its decoder
            // opening it: it never calls onClose for a connection it had not yet added. Close it ourselves (the
            // kernel then follows onOpen with onClose 1006).
            removeConnection(c);
            sessions.remove(s);
            connectionEnded(s);
        }
        // Re-arm on the selector thread: the 101 response was queued by a decoder thread and could be stranded.
        tasks.request(c);
        if (validator.stopping()) {
            s.close(CloseCode.GOING_AWAY.code(), "server shutting down");
        }
        s.opened();
    }

    /** Tells the kernel the connection ended and counts the close code its endpoint is told, once. */
    private void connectionEnded(JwsSession s) {
        if (s.connectionClosed()) {
            counters.closed(s.closeCode());
        }
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        if (!(conn instanceof JwsConnection c)) {
            return;
        }
        JwsSession s = c.session();
        if (s == null) {
            return;
        }
        s.gone();
        sessions.remove(s);
        s.discardControl();
        connectionEnded(s);
    }

    @Override
    public void onClosing(WebSocket conn, int code, String reason, boolean remote) {
        if (conn instanceof JwsConnection c) {
            // The library queued a close frame (or rejection) and armed the key from this thread; make sure the
            // selector thread really writes it.
            tasks.request(c);
        }
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        // Not reached: JwsDraft delivers complete messages itself. Kept correct for completeness.
        if (conn instanceof JwsConnection c) {
            c.onData(Message.text(message));
        }
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        if (conn instanceof JwsConnection c) {
            c.onData(Message.binary(message));
        }
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
        if (conn == null) {
            LOG.debug("Java-WebSocket server error", ex);
            started.completeExceptionally(ex);
            return;
        }
        if (conn instanceof JwsConnection c && c.session() != null) {
            c.session().error(ex);
        } else {
            LOG.debug("error on connection {}", conn, ex);
        }
    }

    // ------------------------------------------------------------------------------------------------ factory

    /** Creates our connections and wraps their channels; registers the selector task pipe on first use. */
    private final class Factory implements WebSocketServerFactory {
        private final DefaultSSLWebSocketServerFactory ssl;

        Factory(DefaultSSLWebSocketServerFactory ssl) {
            this.ssl = ssl;
        }

        @Override
        public WebSocketImpl createWebSocket(WebSocketAdapter a, Draft d) {
            return watched(new JwsConnection(JwsServer.this, List.of(d)));
        }

        @Override
        public WebSocketImpl createWebSocket(WebSocketAdapter a, List<Draft> drafts) {
            return watched(new JwsConnection(JwsServer.this, drafts));
        }

        /** A new connection is watched by the handshake timeout until it opens or closes. */
        private JwsConnection watched(JwsConnection c) {
            handshaking.add(c);
            return c;
        }

        @Override
        public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) throws IOException {
            if (!tasks.registered()) {
                tasks.register(key.selector(), new WebSocketImpl(JwsServer.this, getDraft()));
            }
            ByteChannel inner = ssl == null ? channel : ssl.wrapChannel(channel, key);
            return new JwsChannel(inner, (JwsConnection) key.attachment());
        }

        @Override
        public void close() {
            if (ssl != null) {
                ssl.close();
            }
        }
    }
}
