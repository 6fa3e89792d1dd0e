package io.wshub.transport.undertow;

import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpUpgradeListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Protocols;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.spi.AsyncWebSocketHttpServerExchange;
import io.wshub.api.CloseCode;
import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.ServerConfig;
import io.wshub.api.ServerStats;
import io.wshub.api.spi.Keepalive;
import io.wshub.api.spi.OpenSessions;
import io.wshub.api.spi.ServerCounters;
import io.wshub.api.spi.UpgradeDecision;
import io.wshub.api.spi.UpgradeValidator;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.StreamConnection;

/**
 * An Undertow {@link HttpHandler} that serves one wshub {@link Endpoint}: the transport kernel's
 * {@link UpgradeValidator} decides each upgrade request in its fixed order (path, RFC 6455 §4.2.1, stricter than stock
 * Undertow, stopping, an atomic slot under {@link ServerConfig#maxConnections()}, then the {@link HandshakePolicy});
 * the handler answers its rejection or upgrades with the negotiated subprotocol, and serves each connection as a
 * {@link io.wshub.api.Session}.
 *
 * <p>Mount it in your own Undertow server next to your other routes, at {@link ServerConfig#path()} (a request for any
 * other path gets 404):
 *
 * <pre>{@code
 * UndertowWebSocketHandler ws = UndertowWebSockets.handler(config, Endpoints.echo(), HandshakePolicy.acceptAll());
 * Undertow server = Undertow.builder()
 *         .addHttpListener(8080, "127.0.0.1")
 *         .setHandler(Handlers.path().addPrefixPath("/api", api).addExactPath(config.path(), ws))
 *         .build();
 * }</pre>
 *
 * <p>In that mode the config's host, port and TLS settings are the user's server's business and are ignored, and so are
 * its request-head limits and handshake timeout, which the standalone transport enforces under Undertow's parser: set
 * your server's {@code UndertowOptions.MAX_HEADER_SIZE}, {@code MAX_HEADERS}, {@code REQUEST_PARSE_TIMEOUT} and
 * {@code NO_REQUEST_TIMEOUT} instead (Undertow answers 400 beyond its limits). Every other value applies. Call
 * {@link #stop()} before stopping the Undertow server to close the sessions gracefully.
 *
 * <p>Thread-safety: {@link #handleRequest} is called by Undertow on its I/O threads; {@link #sessionCount()} may be
 * called from any thread; {@link #stop()} from any thread but an Undertow I/O thread (it waits). No method accepts
 * null.
 */
public final class UndertowWebSocketHandler implements HttpHandler, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UndertowWebSocketHandler.class);
    /**
     * On by default: a batch of more than one message is handed to Undertow with {@code setRequireExplicitFlush(true)}
     * and flushed once, so it leaves in gathering writes instead of one flush per message. With 50 loopback clients
     * ({@code CoalescingMeasurement}) it made no clear difference, but end to end at 1,000 subscribers it delivered
     * 4.8x the messages per second (BENCHMARKS.md). {@code -Dio.wshub.undertow.coalesceWrites=false} turns it off.
     */
    private static final boolean COALESCE_WRITES =
            Boolean.parseBoolean(System.getProperty("io.wshub.undertow.coalesceWrites", "true"));

    private final ServerConfig config;
    private final Endpoint endpoint;
    private final OpenSessions<UndertowSession> sessions = new OpenSessions<>();
    private final Set<WebSocketChannel> peerConnections = ConcurrentHashMap.newKeySet();
    /** The kernel's upgrade checks, in their fixed order, and the connection slots: open sessions plus upgrades
     * accepted but not yet open, never more than maxConnections. */
    private final UpgradeValidator validator;
    /** Handshakes, closes, messages and bytes; see {@link #stats()}. */
    final ServerCounters counters = new ServerCounters();
    /** The kernel's keepalive decisions (pings, idle timeout) for every session's timer. */
    final Keepalive keepalive;

    UndertowWebSocketHandler(ServerConfig config, Endpoint endpoint, HandshakePolicy policy) {
        this.config = Objects.requireNonNull(config, "config");
        this.keepalive = new Keepalive(config);
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.validator = new UpgradeValidator(config, Objects.requireNonNull(policy, "policy"));
    }

    /**
     * Returns how many sessions are open.
     *
     * @return the open session count
     */
    public int sessionCount() {
        return sessions.size();
    }

    /**
     * Returns a snapshot of what this handler has counted: handshakes accepted and rejected by status, closes by code,
     * messages and payload bytes in and out, and the open sessions' queues. Any thread may call it; it walks the open
     * sessions, so call it once per scrape, not per message.
     *
     * @return the stats; never null
     */
    public ServerStats stats() {
        return counters.snapshot(sessions.size(), sessions);
    }

    /**
     * Stops serving: new upgrade requests get 503, every session is sent close 1001 (going away) after what is already
     * queued for it, and this method waits up to {@link ServerConfig#closeTimeout()} for them to close before dropping
     * the rest. Idempotent. Does not stop the Undertow server the handler is mounted in.
     */
    public void stop() {
        validator.stop();
        List<UndertowSession> left = sessions.closeAll(config.closeTimeout());
        if (!left.isEmpty()) {
            LOG.debug("{} sessions did not close within {}; dropping them", left.size(), config.closeTimeout());
        }
        for (UndertowSession s : left) {
            s.abort();
        }
        for (WebSocketChannel ch : peerConnections) {
            org.xnio.IoUtils.safeClose(ch);
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    void unregister(UndertowSession session) {
        if (sessions.remove(session)) {
            validator.release();
        }
    }

    // ------------------------------------------------------------------------------------------------ handshake

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        UpgradeDecision decision = validator.validate(exchange.getRequestMethod().toString(),
                isHttp11OrLater(exchange.getProtocol()), toRequest(exchange));
        if (decision instanceof UpgradeDecision.Reject r) {
            r.headers().forEach((name, value) -> exchange.getResponseHeaders().put(new HttpString(name), value));
            reject(exchange, r.status(), r.reason());
            return;
        }
        UpgradeDecision.Accept accept = (UpgradeDecision.Accept) decision;
        upgrade(exchange, accept.request(), accept.subprotocol(), accept.attributes());
    }

    private void upgrade(HttpServerExchange exchange, HandshakeRequest request, String subprotocol,
                         Map<String, Object> attributes) {
        StrictHandshake handshake = new StrictHandshake(subprotocol == null ? Set.of() : Set.of(subprotocol));
        AsyncWebSocketHttpServerExchange facade = new AsyncWebSocketHttpServerExchange(exchange, peerConnections);
        Upgrade upgrade = new Upgrade(this, handshake, facade, request, subprotocol, attributes);
        exchange.addExchangeCompleteListener(upgrade);
        exchange.upgradeChannel(upgrade);
        handshake.handshake(facade);
    }

    /**
     * One accepted upgrade: gives the connection slot back if the exchange ends without a 101, and turns the upgraded
     * connection into a session. One object for both listeners, since Undertow keeps them as long as the connection.
     *
     * <p>Thread-safety: called by Undertow on the exchange's I/O thread; the slot flag is claimed with a CAS.
     */
    private static final class Upgrade implements ExchangeCompletionListener, HttpUpgradeListener {
        private static final VarHandle SLOT_TAKEN;

        static {
            try {
                SLOT_TAKEN = MethodHandles.lookup().findVarHandle(Upgrade.class, "slotTaken", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final UndertowWebSocketHandler owner;
        // Needed only until the upgrade, and dropped then: Undertow keeps this object as long as the connection.
        private StrictHandshake handshake;
        private AsyncWebSocketHttpServerExchange facade;
        private HandshakeRequest request;
        private String subprotocol;
        private Map<String, Object> attributes;
        private volatile boolean slotTaken;

        Upgrade(UndertowWebSocketHandler owner, StrictHandshake handshake, AsyncWebSocketHttpServerExchange facade,
                HandshakeRequest request, String subprotocol, Map<String, Object> attributes) {
            this.owner = owner;
            this.handshake = handshake;
            this.facade = facade;
            this.request = request;
            this.subprotocol = subprotocol;
            this.attributes = attributes;
        }

        @Override
        public void exchangeEvent(HttpServerExchange ex, NextListener next) {
            // An exchange that ends without a 101 never becomes a session: give its connection slot back.
            if (ex.getStatusCode() != 101 && SLOT_TAKEN.compareAndSet(this, false, true)) {
                owner.validator.release();
            }
            next.proceed();
        }

        @Override
        public void handleUpgrade(StreamConnection streamConnection, HttpServerExchange ex) {
            slotTaken = true;
            StrictHandshake.StrictChannel channel = handshake.createChannel(facade, streamConnection,
                    facade.getBufferPool());
            owner.peerConnections.add(channel);
            UndertowSession session = new UndertowSession(owner, channel, request, subprotocol, attributes,
                    owner.endpoint, owner.config, COALESCE_WRITES);
            handshake = null;
            facade = null;
            request = null;
            subprotocol = null;
            attributes = null;
            owner.sessions.add(session);
            owner.counters.handshakeAccepted();
            if (owner.validator.stopping()) {
                session.close(CloseCode.GOING_AWAY, "server shutting down");
            }
            session.start();
        }
    }

    private static boolean isHttp11OrLater(HttpString protocol) {
        return !Protocols.HTTP_0_9.equals(protocol) && !Protocols.HTTP_1_0.equals(protocol);
    }

    private static HandshakeRequest toRequest(HttpServerExchange exchange) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HeaderValues v : exchange.getRequestHeaders()) {
            headers.put(v.getHeaderName().toString(), new ArrayList<>(v));
        }
        InetSocketAddress remote = exchange.getSourceAddress();
        if (remote == null) {
            remote = InetSocketAddress.createUnresolved("unknown", 0);
        }
        return new HandshakeRequest(exchange.getRequestPath(), exchange.getQueryString(), headers, remote);
    }

    /** Answers an upgrade request with an error status and closes the connection after it, and counts it. */
    private void reject(HttpServerExchange exchange, int status, String reason) {
        counters.handshakeRejected(status);
        exchange.setPersistent(false); // one request per connection, as on every transport: the one the limits bound
        respond(exchange, status, reason);
    }

    private static void respond(HttpServerExchange exchange, int status, String reason) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseSender().send(reason + "\n");
    }
}
