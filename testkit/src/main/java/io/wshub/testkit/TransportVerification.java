package io.wshub.testkit;

import static io.wshub.testkit.RawWebSocketClient.OP_BINARY;
import static io.wshub.testkit.RawWebSocketClient.OP_CLOSE;
import static io.wshub.testkit.RawWebSocketClient.OP_CONTINUATION;
import static io.wshub.testkit.RawWebSocketClient.OP_PING;
import static io.wshub.testkit.RawWebSocketClient.OP_PONG;
import static io.wshub.testkit.RawWebSocketClient.OP_TEXT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wshub.api.BroadcastEndpoint;
import io.wshub.api.CloseCode;
import io.wshub.api.Endpoint;
import io.wshub.api.Endpoints;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.HandshakeVerdict;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.RawWebSocketClient.CloseResult;
import io.wshub.testkit.RawWebSocketClient.Frame;
import io.wshub.testkit.RawWebSocketClient.HttpResponse;
import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;

/**
 * The transport conformance suite: extend it, implement {@link #startServer}, name the subclass {@code *Test}, and
 * every rule of RFC 6455 and of the wshub transport contract runs against your transport over real loopback sockets.
 * The broadcast and slow-consumer rules need a {@link Hub}: by default the testkit's own {@link ReferenceHub}, so you
 * need not write one; override {@link #newHub} to pair your transport with another.
 *
 * <pre>{@code
 * class MyTransportVerificationTest extends TransportVerification {
 *     @Override
 *     protected RunningServer startServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
 *             throws Exception {
 *         return new MyTransportProvider().start(config, endpoint, policy);
 *     }
 * }
 * }</pre>
 *
 * <p>Each test method is one rule: {@code required_...} rules every transport must pass; {@code optional_...} rules
 * need a capability from {@link #capabilities()} and are skipped with a reason without it. The server is driven by
 * {@link RawWebSocketClient}, which can send malformed frames, and by the JDK's {@code java.net.http.WebSocket} client
 * for the well-formed cases. Every rule stops the servers and hubs it starts and closes its sockets, even when it
 * fails, so rules may also be invoked directly. Everything talks to 127.0.0.1 on ephemeral ports.
 *
 * <p>Threading: JUnit calls the rules on its own threads; factories are called on the test thread.
 */
public abstract class TransportVerification {

    /** The subprotocols the subprotocol rules configure, in the server's order of preference. */
    protected static final List<String> SUBPROTOCOLS = List.of("v2.chat.wshub", "v1.chat.wshub");

    private static final int MIB = 1 << 20;
    private static final int[] BOUNDARY_SIZES = {0, 125, 126, 65535, 65536, MIB};

    /** Creates the suite; subclasses are instantiated by JUnit. */
    protected TransportVerification() {
    }

    /**
     * Starts the transport under test on the given config (port 0 = ephemeral); the kit stops it.
     *
     * @param config the config to serve with; never null; host 127.0.0.1, port 0
     * @param endpoint the endpoint to serve; never null
     * @param policy the handshake policy to apply; never null
     * @return the running server, already accepting connections; not null
     * @throws Exception if the server cannot start
     */
    protected abstract RunningServer startServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
            throws Exception;

    /**
     * A started hub for broadcast-mode and slow-consumer tests; the kit shuts it down. By default the testkit's
     * {@link ReferenceHub}; override it to run those rules with another {@link Hub} implementation.
     *
     * @param policy the slow-consumer policy; never null
     * @param listener the listener the hub reports to; never null
     * @return the hub; not null
     */
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        return ReferenceHub.start(policy, listener);
    }

    /**
     * Optional capabilities; default: everything supported.
     *
     * @return the capabilities; not null
     */
    protected TransportCapabilities capabilities() {
        return TransportCapabilities.full();
    }

    /**
     * Returns how long a rule waits for any single expected event (a response, a frame, a close). Raise it for a slow
     * machine; a correct transport answers well within it.
     *
     * @return the timeout; default 10 seconds
     */
    protected Duration timeout() {
        return Duration.ofSeconds(10);
    }

    /**
     * Returns the config every rule starts from: host 127.0.0.1, port 0, path {@code /ws}, and a close timeout of
     * 2 seconds. Rules adjust limits on top of it. Override to add settings your transport needs, keeping host and
     * port.
     *
     * @return a builder; not null
     */
    protected ServerConfig.Builder baseConfig() {
        return ServerConfig.builder().host("127.0.0.1").port(0).path("/ws").closeTimeout(Duration.ofSeconds(2));
    }

    // ============================================================================================ handshake

    /**
     * RFC 6455 §4.2.2: a well-formed upgrade gets 101 with the correct {@code Sec-WebSocket-Accept},
     * {@code Upgrade: websocket} and {@code Connection: Upgrade}, and the endpoint sees the session.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_handshake_101WithCorrectAccept() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            RawWebSocketClient c = env.closeLater(RawWebSocketClient.connect(server.uri(), timeout()));
            String key = RawWebSocketClient.newKey();
            c.sendRaw(RawWebSocketClient.requestHead("GET", target(server), "HTTP/1.1",
                    RawWebSocketClient.upgradeHeaders(server.uri(), key)));
            HttpResponse r = response(c, "a well-formed upgrade");
            assertEquals(101, r.status(), "status of a well-formed upgrade; got " + r.statusLine());
            assertEquals(RawWebSocketClient.acceptFor(key), r.header("Sec-WebSocket-Accept"),
                    "Sec-WebSocket-Accept must be base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2)");
            assertTrue("websocket".equalsIgnoreCase(r.header("Upgrade")), "Upgrade: websocket; got "
                    + r.header("Upgrade"));
            String connection = r.header("Connection");
            assertTrue(connection != null && connection.toLowerCase(java.util.Locale.ROOT).contains("upgrade"),
                    "Connection: Upgrade; got " + r.header("Connection"));
            env.awaitCondition(() -> ep.opens() == 1, timeout(), () -> "the endpoint to see the session open");
            echo(c, OP_TEXT, "after handshake".getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * The JDK's WebSocket client, an independent implementation, can connect and exchange messages.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_handshake_jdkClientConnects() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RunningServer server = start(env, baseConfig().build(), Endpoints.echo(), HandshakePolicy.acceptAll());
            JdkClient c = env.closeLater(JdkClient.connect(server.uri(), timeout(), List.of()));
            c.sendText("hello from java.net.http", timeout());
            assertEquals("hello from java.net.http", c.next(timeout()), "echo to the JDK client");
        }
    }

    /**
     * RFC 6455 §4.2.1: a GET without {@code Upgrade: websocket} is not an upgrade: it gets a 4xx (never a 101 or a
     * 5xx) and no session.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_handshake_getWithoutUpgradeIsRefused() throws Exception {
        assertBadHandshake("a GET without Upgrade/Connection headers", "GET", "HTTP/1.1", h -> {
            h.remove("Upgrade");
            h.remove("Connection");
        });
    }

    /**
     * A request that is not HTTP at all gets a 4xx or a closed connection: never a 101, never a 5xx, never a hang,
     * and no session.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_handshake_garbageRequestNeverHangs() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            RawWebSocketClient c = env.closeLater(RawWebSocketClient.connect(server.uri(), timeout()));
            c.sendRaw("HELLO THERE\r\nnot: really http\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            try {
                HttpResponse r = c.readHttpResponse(timeout());
                assertClientError(r, "a request that is not HTTP");
            } catch (EOFException e) {
                // closing the connection is a fine answer to garbage
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionFailedError("the server hung: neither an answer nor a close within "
                        + timeout().toMillis() + " ms after a request that is not HTTP", e);
            }
            assertNoSession(env, ep, server);
            RawWebSocketClient ok = open(env, server);
            echo(ok, OP_TEXT, "still serving".getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * RFC 6455 §4.2.1: an upgrade without {@code Sec-WebSocket-Key} gets 4xx and no session.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_handshake_missingKeyIs4xx() throws Exception {
        assertBadHandshake("an upgrade without Sec-WebSocket-Key", "GET", "HTTP/1.1",
                h -> h.remove("Sec-WebSocket-Key"));
    }

    /**
     * RFC 6455 §4.2.1: a {@code Sec-WebSocket-Key} that does not decode to 16 bytes gets 4xx and no session.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_handshake_keyNotSixteenBytesIs4xx() throws Exception {
        assertBadHandshake("a Sec-WebSocket-Key of 8 bytes", "GET", "HTTP/1.1",
                h -> h.put("Sec-WebSocket-Key", "AQIDBAUGBwg="));
        assertBadHandshake("a Sec-WebSocket-Key that is not base64", "GET", "HTTP/1.1",
                h -> h.put("Sec-WebSocket-Key", "not base64 at all!!"));
    }

    /**
     * RFC 6455 §4.1: the upgrade must be HTTP/1.1 or higher; an HTTP/1.0 request gets a 4xx and no session.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_handshake_http10IsRefused() throws Exception {
        assertBadHandshake("an HTTP/1.0 upgrade", "GET", "HTTP/1.0", h -> {
        });
    }

    /**
     * RFC 6455 §4.1: the upgrade must be a GET; a POST gets 4xx and no session.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_handshake_postIsRefused() throws Exception {
        assertBadHandshake("a POST upgrade", "POST", "HTTP/1.1", h -> h.put("Content-Length", "0"));
    }

    /**
     * Every transport answers another method the same way: 405 Method Not Allowed with {@code Allow: GET}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_handshake_otherMethodIs405WithAllowGet() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            HttpResponse r = request(env, server, "POST", "HTTP/1.1", h -> h.put("Content-Length", "0"));
            assertEquals(405, r.status(), "a POST upgrade must get 405 Method Not Allowed; got " + r.statusLine());
            assertEquals("GET", r.header("Allow"), "405 must say which method is allowed (Allow: GET)");
            assertNoSession(env, ep, server);
        }
    }

    /**
     * The {@link HandshakePolicy} runs once per upgrade, after the RFC checks: never for a request that failed them
     * (another path or method, HTTP/1.0, no {@code Upgrade}, a bad key, another version), so a policy with side
     * effects (spending a one-time token, rate limiting) behaves the same on every transport.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_handshake_policyRunsOnceAndOnlyAfterTheRfcChecks() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            HandshakePolicy counting = request -> {
                calls.incrementAndGet();
                return HandshakeVerdict.accept();
            };
            RunningServer server = start(env, baseConfig().build(), ep, counting);
            List<String> refused = new ArrayList<>();
            refused.add(status(env, server, "POST", "HTTP/1.1", "/", h -> h.put("Content-Length", "0")));
            refused.add(status(env, server, "GET", "HTTP/1.0", "/", h -> {
            }));
            refused.add(status(env, server, "GET", "HTTP/1.1", "/", h -> h.remove("Upgrade")));
            refused.add(status(env, server, "GET", "HTTP/1.1", "/", h -> h.put("Sec-WebSocket-Key", "c2hvcnQ=")));
            refused.add(status(env, server, "GET", "HTTP/1.1", "/", h -> h.put("Sec-WebSocket-Version", "8")));
            refused.add(status(env, server, "GET", "HTTP/1.1", "/elsewhere", h -> {
            }));
            for (String r : refused) {
                assertTrue(r.startsWith("4"), "each of these must be refused with a 4xx: " + refused);
            }
            assertEquals(0, calls.get(), "the policy must not run for a request that failed the RFC checks "
                    + refused);
            RawWebSocketClient ok = open(env, server);
            echo(ok, OP_TEXT, "once".getBytes(StandardCharsets.UTF_8));
            assertEquals(1, calls.get(), "the policy must run exactly once for an upgrade that passed them");
        }
    }

    /**
     * {@link ServerConfig#maxConnections()} is never exceeded, even by concurrent upgrades: with a limit of 50 and
     * 200 clients upgrading at once, exactly 50 are accepted (none closes meanwhile) and every other one gets 503.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(120)
    public void required_handshake_connectionLimitHoldsUnderConcurrentUpgrades() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().maxConnections(50).build(), ep,
                    HandshakePolicy.acceptAll());
            int clients = 200;
            int threads = 8;
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.ConcurrentLinkedQueue<Integer> statuses =
                    new java.util.concurrent.ConcurrentLinkedQueue<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(env.spawn("upgrader-" + t, () -> {
                    go.await();
                    for (int i = 0; i < clients / threads; i++) {
                        RawWebSocketClient c = env.closeLater(RawWebSocketClient.connect(server.uri(), timeout()));
                        c.sendRaw(RawWebSocketClient.requestHead("GET", target(server), "HTTP/1.1",
                                RawWebSocketClient.upgradeHeaders(server.uri(), RawWebSocketClient.newKey())));
                        statuses.add(response(c, "an upgrade under load").status());
                    }
                }));
            }
            go.countDown();
            for (Thread w : workers) {
                w.join(timeout().toMillis() * 6);
            }
            env.verifyNoAsyncErrors();
            assertEquals(clients, statuses.size(), "every client must get an answer");
            long accepted = statuses.stream().filter(st -> st == 101).count();
            long unavailable = statuses.stream().filter(st -> st == 503).count();
            assertEquals(50, accepted, "exactly maxConnections (50) upgrades may be accepted; statuses " + statuses);
            assertEquals(clients - 50, unavailable, "every other upgrade must get 503; statuses " + statuses);
            env.awaitCondition(() -> ep.opens() == 50, timeout(), () -> "50 sessions open, was " + ep.opens());
            assertTrue(server.sessionCount() <= 50, "sessionCount() above the limit: " + server.sessionCount());
        }
    }

    /**
     * RFC 6455 §4.2.2: a version other than 13 gets 426 with {@code Sec-WebSocket-Version: 13}, and no session.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_handshake_wrongVersionIs426WithVersionHeader() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            HttpResponse r = request(env, server, "GET", "HTTP/1.1", h -> h.put("Sec-WebSocket-Version", "8"));
            assertEquals(426, r.status(), "a Sec-WebSocket-Version of 8 must get 426 Upgrade Required; got "
                    + r.statusLine());
            String v = r.header("Sec-WebSocket-Version");
            assertTrue(v != null && Arrays.stream(v.split(",")).map(String::trim).anyMatch("13"::equals),
                    "426 must carry Sec-WebSocket-Version: 13; got " + v);
            assertNoSession(env, ep, server);
        }
    }

    /**
     * A {@link HandshakePolicy} rejection (an origin not allowed) gets a 4xx before any upgrade, and the endpoint
     * never sees a session; an allowed origin gets through.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_handshake_policyRejectionIs4xxBeforeUpgrade() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            HandshakePolicy policy = HandshakePolicy.allowOrigins(List.of("https://good.example"), false);
            RunningServer server = start(env, baseConfig().build(), ep, policy);
            HttpResponse r = request(env, server, "GET", "HTTP/1.1", h -> h.put("Origin", "https://evil.example"));
            assertClientError(r, "an upgrade whose Origin the policy rejects");
            assertNoSession(env, ep, server);
            RawWebSocketClient ok = env.closeLater(RawWebSocketClient.open(server.uri(), timeout(),
                    Map.of("Origin", "https://good.example"), 0));
            echo(ok, OP_TEXT, "allowed".getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * A policy rejection is answered with the policy's exact status (here 403 and 401). Needs
     * {@link TransportCapabilities#exactRejectStatus()}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void optional_handshake_policyRejectionUsesExactStatus() throws Exception {
        Assumptions.assumeTrue(capabilities().exactRejectStatus(),
                "the transport declares exactRejectStatus(false): it cannot answer the policy's own status");
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            HandshakePolicy policy = request -> "secret".equals(request.header("X-Token"))
                    ? HandshakeVerdict.accept()
                    : request.header("X-Token") == null ? HandshakeVerdict.reject(401, "token required")
                    : HandshakeVerdict.reject(403, "bad token");
            RunningServer server = start(env, baseConfig().build(), ep, policy);
            assertEquals(401, request(env, server, "GET", "HTTP/1.1", h -> {
            }).status(), "the policy rejected with 401");
            assertEquals(403, request(env, server, "GET", "HTTP/1.1", h -> h.put("X-Token", "wrong")).status(),
                    "the policy rejected with 403");
            assertNoSession(env, ep, server);
        }
    }

    /**
     * Subprotocol negotiation (RFC 6455 §4.2.2): the server picks its most preferred protocol among those the client
     * offers, answers none if there is no match, and the JDK client sees the choice. Needs
     * {@link TransportCapabilities#subprotocols()}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void optional_handshake_subprotocolNegotiated() throws Exception {
        Assumptions.assumeTrue(capabilities().subprotocols(),
                "the transport declares subprotocols(false): it does not negotiate Sec-WebSocket-Protocol");
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().subprotocols(SUBPROTOCOLS).build(), ep,
                    HandshakePolicy.acceptAll());
            HttpResponse both = request(env, server, "GET", "HTTP/1.1",
                    h -> h.put("Sec-WebSocket-Protocol", "other, v1.chat.wshub, v2.chat.wshub"));
            assertEquals(101, both.status(), "upgrade with subprotocols; got " + both.statusLine());
            assertEquals("v2.chat.wshub", both.header("Sec-WebSocket-Protocol"),
                    "the server's most preferred protocol that the client offered");
            HttpResponse none = request(env, server, "GET", "HTTP/1.1",
                    h -> h.put("Sec-WebSocket-Protocol", "unknown.protocol"));
            assertEquals(101, none.status(), "an unmatched subprotocol still upgrades; got " + none.statusLine());
            assertNull(none.header("Sec-WebSocket-Protocol"),
                    "no Sec-WebSocket-Protocol in the answer when nothing matches (RFC 6455 §4.2.2)");
            JdkClient jdk = env.closeLater(JdkClient.connect(server.uri(), timeout(), List.of("v1.chat.wshub")));
            assertEquals("v1.chat.wshub", jdk.subprotocol(), "the JDK client sees the negotiated protocol");
            env.awaitCondition(() -> ep.opens() == 3, timeout(), () -> "three sessions opened");
            Set<String> seen = new HashSet<>();
            for (Session s : ep.sessions()) {
                seen.add(String.valueOf(s.subprotocol()));
            }
            assertEquals(Set.of("v2.chat.wshub", "null", "v1.chat.wshub"), seen,
                    "Session.subprotocol() must report the negotiated protocol (null for none)");
        }
    }

    // ============================================================================================ echo

    /**
     * Echo mode: text messages of 0, 125, 126, 65535, 65536 bytes and 1 MiB (the 7-, 16- and 64-bit length
     * boundaries) come back unchanged.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_echo_textAtLengthBoundaries() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RunningServer server = startEcho(env, baseConfig().maxMessageSize(2 * MIB).build());
            RawWebSocketClient c = open(env, server);
            for (int size : BOUNDARY_SIZES) {
                echo(c, OP_TEXT, asciiText(size));
            }
        }
    }

    /**
     * Echo mode: binary messages of 0, 125, 126, 65535, 65536 bytes and 1 MiB come back unchanged.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_echo_binaryAtLengthBoundaries() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RunningServer server = startEcho(env, baseConfig().maxMessageSize(2 * MIB).build());
            RawWebSocketClient c = open(env, server);
            for (int size : BOUNDARY_SIZES) {
                echo(c, OP_BINARY, randomBytes(size, size));
            }
        }
    }

    /**
     * Echo mode through the JDK client: text and binary messages at the length boundaries come back unchanged.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_echo_jdkClientAtLengthBoundaries() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RunningServer server = startEcho(env, baseConfig().maxMessageSize(2 * MIB).build());
            JdkClient c = env.closeLater(JdkClient.connect(server.uri(), timeout(), List.of()));
            for (int size : BOUNDARY_SIZES) {
                String text = new String(asciiText(size), StandardCharsets.US_ASCII);
                c.sendText(text, timeout());
                Object got = c.next(timeout());
                assertTrue(text.equals(got), "text echo of " + size + " bytes through the JDK client; got "
                        + describe(got));
                byte[] data = randomBytes(size, size + 1);
                c.sendBinary(data, timeout());
                got = c.next(timeout());
                assertTrue(got instanceof byte[] && Arrays.equals(data, (byte[]) got),
                        "binary echo of " + size + " bytes through the JDK client; got " + describe(got));
            }
        }
    }

    /**
     * Echo mode: a message in 2 fragments and one in 10 fragments (a multi-byte character split across fragments)
     * are reassembled and echoed whole.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_echo_fragmentsReassembled() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RunningServer server = startEcho(env, baseConfig().build());
            RawWebSocketClient c = open(env, server);
            byte[] two = randomBytes(3000, 2);
            sendFragmented(c, OP_BINARY, two, 2);
            assertMessage(c, OP_BINARY, two, "a binary message in 2 fragments");
            byte[] ten = "zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich — 日本語 🎉 ok"
                    .repeat(3).getBytes(StandardCharsets.UTF_8);
            sendFragmented(c, OP_TEXT, ten, 10);
            assertMessage(c, OP_TEXT, ten, "a text message in 10 fragments, characters split across them");
        }
    }

    /**
     * Echo mode: multi-byte UTF-8 (2-, 3- and 4-byte sequences) comes back byte for byte.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_echo_multiByteUtf8() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RunningServer server = startEcho(env, baseConfig().build());
            RawWebSocketClient c = open(env, server);
            for (String s : List.of("é", "€", "𝄞", "Привет, мир", "こんにちは世界", "emoji 😀🚀 mixed ✓ text")) {
                echo(c, OP_TEXT, s.getBytes(StandardCharsets.UTF_8));
            }
            JdkClient jdk = env.closeLater(JdkClient.connect(server.uri(), timeout(), List.of()));
            jdk.sendText("ünïcödé 𝄞 😀", timeout());
            assertEquals("ünïcödé 𝄞 😀", jdk.next(timeout()), "multi-byte text through the JDK client");
        }
    }

    /**
     * RFC 6455 §5.5.2–5.5.3: a ping is answered by a pong with the same payload (empty and 125 bytes).
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_echo_pingAnsweredWithSamePayload() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RunningServer server = startEcho(env, baseConfig().build());
            RawWebSocketClient c = open(env, server);
            for (byte[] payload : List.of(new byte[0], "ping-42".getBytes(StandardCharsets.UTF_8),
                    randomBytes(125, 7))) {
                c.sendFrame(Frame.of(OP_PING, payload));
                Frame pong = nextNonPing(c, "a pong to a ping of " + payload.length + " bytes");
                assertEquals(OP_PONG, pong.opcode(), "the answer to a ping must be a pong; got " + pong);
                assertBytes(payload, pong.payload(), "the pong must carry the ping's payload");
            }
        }
    }

    /**
     * RFC 6455 §5.4: control frames may be injected between fragments; a ping between two fragments is answered and
     * the message is still reassembled.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_echo_pingBetweenFragmentsAnswered() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RunningServer server = startEcho(env, baseConfig().build());
            RawWebSocketClient c = open(env, server);
            c.sendFrame(new Frame(false, 0, OP_TEXT, true, "first half, ".getBytes(StandardCharsets.UTF_8)));
            byte[] ping = "in-between".getBytes(StandardCharsets.UTF_8);
            c.sendFrame(Frame.of(OP_PING, ping));
            c.sendFrame(new Frame(true, 0, OP_CONTINUATION, true, "second half".getBytes(StandardCharsets.UTF_8)));
            Frame pong = null;
            Frame text = null;
            long deadline = System.nanoTime() + timeout().toNanos();
            while ((pong == null || text == null) && System.nanoTime() - deadline < 0) {
                Frame f = c.readFrame(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (f == null) {
                    break;
                }
                if (f.opcode() == OP_PONG) {
                    pong = f;
                } else if (f.opcode() == OP_TEXT) {
                    text = f;
                } else if (f.opcode() != OP_PING) {
                    fail("unexpected " + f + " while waiting for a pong and the echo");
                }
            }
            assertNotNull(pong, "a ping between fragments must be answered with a pong");
            assertBytes(ping, pong.payload(), "the pong must carry the ping's payload");
            assertNotNull(text, "the fragmented message must be echoed");
            assertEquals("first half, second half", text.text(), "reassembled around the ping");
        }
    }

    // ============================================================================================ broadcast

    /**
     * Broadcast mode: 50 clients; several send; every client receives every message, all in the same order, and each
     * sender's messages in the order it sent them.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(90)
    public void required_broadcast_fiftyClientsReceiveEverythingInOneOrder() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = hub(env, SlowConsumerPolicy.DROP_NEWEST, HubListener.NONE);
            ObservedEndpoint ep = new ObservedEndpoint(new BroadcastEndpoint(hub, false), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            int clients = 50;
            List<RawWebSocketClient> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                all.add(open(env, server));
            }
            env.awaitCondition(() -> ep.opens() == clients, timeout(), () -> clients + " sessions joined, got "
                    + ep.opens());
            int senders = 5;
            int each = 10;
            Set<String> sent = new HashSet<>();
            for (int i = 0; i < each; i++) {
                for (int s = 0; s < senders; s++) {
                    String text = "from " + s + " #" + i;
                    sent.add(text);
                    all.get(s * 7).sendText(text);
                }
            }
            List<String> reference = null;
            for (int k = 0; k < clients; k++) {
                List<String> got = new ArrayList<>();
                for (int i = 0; i < senders * each; i++) {
                    Frame f = all.get(k).readMessage(timeout());
                    assertNotNull(f, "client " + k + " received only " + got.size() + " of " + senders * each);
                    assertEquals(OP_TEXT, f.opcode(), "client " + k + " expected text, got " + f);
                    got.add(f.text());
                }
                assertEquals(sent, new HashSet<>(got), "client " + k + " must receive every message once");
                if (reference == null) {
                    reference = got;
                    int[] next = new int[senders];
                    for (String text : got) {
                        int s = Integer.parseInt(text.substring(5, text.indexOf(' ', 5)));
                        int i = Integer.parseInt(text.substring(text.indexOf('#') + 1));
                        assertEquals(next[s], i, "sender " + s + "'s messages must arrive in the order it sent them");
                        next[s]++;
                    }
                } else {
                    assertEquals(reference, got, "client " + k + " must receive the same order as client 0");
                }
            }
        }
    }

    /**
     * Broadcast mode, sender excluded: every client but the sender receives the message.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_broadcast_senderExcluded() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = hub(env, SlowConsumerPolicy.DROP_NEWEST, HubListener.NONE);
            ObservedEndpoint ep = new ObservedEndpoint(new BroadcastEndpoint(hub, true), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            int clients = 10;
            List<RawWebSocketClient> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                all.add(open(env, server));
            }
            env.awaitCondition(() -> ep.opens() == clients, timeout(), () -> clients + " sessions joined");
            all.get(0).sendText("from 0");
            all.get(1).sendText("from 1");
            for (int k = 0; k < clients; k++) {
                List<String> got = new ArrayList<>();
                int expected = k <= 1 ? 1 : 2;
                for (int i = 0; i < expected; i++) {
                    Frame f = all.get(k).readMessage(timeout());
                    assertNotNull(f, "client " + k + " expected " + expected + " messages, got " + got);
                    got.add(f.text());
                }
                if (k == 0) {
                    assertEquals(List.of("from 1"), got, "the sender must not receive its own message");
                } else if (k == 1) {
                    assertEquals(List.of("from 0"), got, "the sender must not receive its own message");
                } else {
                    assertEquals(Set.of("from 0", "from 1"), new HashSet<>(got), "client " + k);
                }
            }
            Frame extra = all.get(0).readMessage(Duration.ofMillis(200));
            assertNull(extra, "the sender must not receive its own message, even late; got " + extra);
        }
    }

    // ============================================================================================ protocol errors

    /**
     * RFC 6455 §8.1: a text message that is not valid UTF-8 closes with 1007, then TCP, while other clients keep
     * working.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_protocol_invalidUtf8Closes1007() throws Exception {
        assertProtocolError(baseConfig().build(), 1007, "a text frame with invalid UTF-8",
                c -> c.sendFrame(Frame.of(OP_TEXT, new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28})));
        assertProtocolError(baseConfig().build(), 1007, "a fragmented text message with invalid UTF-8", c -> {
            c.sendFrame(new Frame(false, 0, OP_TEXT, true, "valid start ".getBytes(StandardCharsets.UTF_8)));
            c.sendFrame(new Frame(true, 0, OP_CONTINUATION, true, new byte[] {(byte) 0xED, (byte) 0xA0,
                (byte) 0x80}));
        });
    }

    /**
     * RFC 6455 §5.2: RSV bits set without a negotiated extension close with 1002.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_protocol_rsvBitsClose1002() throws Exception {
        for (int rsv : new int[] {4, 2, 1}) {
            assertProtocolError(baseConfig().build(), 1002, "a text frame with RSV bits " + rsv,
                    c -> c.sendFrame(new Frame(true, rsv, OP_TEXT, true, "rsv".getBytes(StandardCharsets.UTF_8))));
        }
    }

    /**
     * RFC 6455 §5.2: reserved opcodes (0x3 and 0xB) close with 1002.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_protocol_reservedOpcodeCloses1002() throws Exception {
        for (int op : new int[] {0x3, 0xB}) {
            assertProtocolError(baseConfig().build(), 1002, "a frame with reserved opcode 0x"
                    + Integer.toHexString(op), c -> c.sendFrame(Frame.of(op, new byte[] {1, 2, 3})));
        }
    }

    /**
     * RFC 6455 §5.1: a client frame that is not masked closes with 1002.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_protocol_unmaskedClientFrameCloses1002() throws Exception {
        assertProtocolError(baseConfig().build(), 1002, "an unmasked text frame",
                c -> c.sendFrame(new Frame(true, 0, OP_TEXT, false, "unmasked".getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * RFC 6455 §5.5: a control frame with more than 125 bytes of payload closes with 1002.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_protocol_controlFrameOver125BytesCloses1002() throws Exception {
        assertProtocolError(baseConfig().build(), 1002, "a ping with 126 bytes of payload",
                c -> c.sendFrame(Frame.of(OP_PING, new byte[126])));
    }

    /**
     * RFC 6455 §5.5: a fragmented control frame (FIN clear) closes with 1002.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_protocol_fragmentedControlFrameCloses1002() throws Exception {
        assertProtocolError(baseConfig().build(), 1002, "a ping with FIN clear",
                c -> c.sendFrame(new Frame(false, 0, OP_PING, true, "frag".getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * RFC 6455 §5.4: a continuation frame with no message in progress closes with 1002, and so does a new data frame
     * inside a fragmented message.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_protocol_strayContinuationCloses1002() throws Exception {
        assertProtocolError(baseConfig().build(), 1002, "a continuation frame with no message in progress",
                c -> c.sendFrame(Frame.of(OP_CONTINUATION, "stray".getBytes(StandardCharsets.UTF_8))));
        assertProtocolError(baseConfig().build(), 1002, "a text frame inside a fragmented message", c -> {
            c.sendFrame(new Frame(false, 0, OP_TEXT, true, "start".getBytes(StandardCharsets.UTF_8)));
            c.sendFrame(Frame.of(OP_TEXT, "new message".getBytes(StandardCharsets.UTF_8)));
        });
    }

    /**
     * A message over {@link ServerConfig#maxMessageSize()} closes with 1009, whether it comes in one frame or in
     * fragments; a message of exactly the limit is served.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_protocol_overMaxMessageSizeCloses1009() throws Exception {
        int limit = 1024;
        ServerConfig config = baseConfig().maxMessageSize(limit).build();
        assertProtocolError(config, 1009, "a 4096-byte message with maxMessageSize " + limit,
                c -> c.sendFrame(Frame.of(OP_BINARY, new byte[4 * limit])));
        assertProtocolError(config, 1009, "3 fragments of 512 bytes with maxMessageSize " + limit, c -> {
            c.sendFrame(new Frame(false, 0, OP_BINARY, true, new byte[512]));
            c.sendFrame(new Frame(false, 0, OP_CONTINUATION, true, new byte[512]));
            c.sendFrame(new Frame(true, 0, OP_CONTINUATION, true, new byte[512]));
        });
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RunningServer server = startEcho(env, config);
            RawWebSocketClient c = open(env, server);
            echo(c, OP_BINARY, randomBytes(limit, 3));
        }
    }

    /**
     * RFC 6455 §7.4: a close frame with a code that may not appear on the wire, or with a 1-byte payload, closes
     * with 1002.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_protocol_invalidCloseCodeCloses1002() throws Exception {
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
            assertProtocolError(baseConfig().build(), 1002, "a close frame with code " + code,
                    c -> c.sendClose(code, ""));
        }
        assertProtocolError(baseConfig().build(), 1002, "a close frame with a 1-byte payload",
                c -> c.sendFrame(Frame.of(OP_CLOSE, new byte[] {0x03})));
    }

    /**
     * RFC 6455 §5.5.1: a close reason that is not UTF-8 closes with 1002.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_protocol_nonUtf8CloseReasonCloses1002() throws Exception {
        assertProtocolError(baseConfig().build(), 1002, "a close frame whose reason is not UTF-8",
                c -> c.sendFrame(Frame.of(OP_CLOSE, new byte[] {0x03, (byte) 0xE8, 'b', (byte) 0xC3, (byte) 0x28})));
    }

    // ============================================================================================ close

    /**
     * RFC 6455 §5.5.1: every close frame with a valid code is answered with a close frame, and then TCP is closed;
     * the reason may be empty. Codes 1000-1003, 1007-1011, 3000 and 4999, each with an empty reason.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_close_everyValidCodeIsAnswered() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            for (int code : new int[] {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999}) {
                RawWebSocketClient c = open(env, server);
                echo(c, OP_TEXT, ("before " + code).getBytes(StandardCharsets.UTF_8));
                c.sendClose(code, "");
                CloseResult r = c.awaitClose(timeout());
                assertTrue(r.closeFrameReceived(), "a client's close " + code + " must be answered with a close "
                        + "frame (RFC 6455 5.5.1); " + (r.tcpClosed() ? "TCP was closed without one"
                        : "nothing arrived"));
                assertTrue(r.tcpClosed(), "after answering close " + code + " the server must close TCP");
            }
        }
    }

    /**
     * RFC 6455 §5.5.1 and §7.1.1: a client's close 1000 is answered with a close frame (echoing 1000, or empty), the
     * server then closes TCP, and the endpoint sees code 1000. The JDK client sees the same.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_close_clientNormalCloseIsAnsweredAndTcpClosed() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            RawWebSocketClient c = open(env, server);
            env.awaitCondition(() -> ep.opens() == 1, timeout(), () -> "session open");
            long id = ep.session(0).id();
            c.sendClose(1000, "bye");
            CloseResult r = c.awaitClose(timeout());
            assertTrue(r.closeFrameReceived(), "the server must answer a close frame with a close frame; "
                    + (r.tcpClosed() ? "it closed TCP without one" : "nothing arrived"));
            assertTrue(r.code() == 1000 || r.code() == 1005, "the answer should echo 1000 (or be empty); got "
                    + r.code());
            assertTrue(r.tcpClosed(), "after the close handshake the server must close TCP (RFC 6455 §7.1.1)");
            env.awaitCondition(() -> ep.closeCode(id) != null, timeout(), () -> "the endpoint's onClose");
            assertEquals(1000, (int) ep.closeCode(id), "the endpoint must see the client's close code");
            env.awaitCondition(() -> server.sessionCount() == 0, timeout(),
                    () -> "sessionCount() == 0 after the close, was " + server.sessionCount());

            JdkClient jdk = env.closeLater(JdkClient.connect(server.uri(), timeout(), List.of()));
            jdk.sendClose(1000, "bye", timeout());
            Object got = jdk.next(timeout());
            assertTrue(got instanceof JdkClient.Closed, "the JDK client must see the server's close; got "
                    + describe(got));
            int code = ((JdkClient.Closed) got).code();
            assertTrue(code == 1000 || code == 1005, "the JDK client sees the echoed 1000; got " + code);
        }
    }

    // ============================================================================================ lifecycle

    /**
     * 1,000 connect/disconnect cycles (clean closes and dropped connections alternating) leave zero sessions, and
     * every {@code onOpen} is matched by exactly one {@code onClose}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(180)
    public void required_lifecycle_thousandCyclesLeaveNoSessions() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            int cycles = 1000;
            for (int i = 0; i < cycles; i++) {
                try (RawWebSocketClient c = RawWebSocketClient.open(server.uri(), timeout())) {
                    if (i % 2 == 0) {
                        c.sendClose(1000, "");
                        CloseResult r = c.awaitClose(timeout());
                        assertTrue(r.closeFrameReceived() && r.tcpClosed(), "cycle " + i
                                + ": clean close answered and TCP closed; got " + r.code() + "/" + r.tcpClosed());
                    }
                }
                env.verifyNoAsyncErrors();
            }
            env.awaitCondition(() -> ep.closes() == cycles && server.sessionCount() == 0, timeout(),
                    () -> cycles + " closes and sessionCount() == 0; got opens=" + ep.opens() + " closes="
                            + ep.closes() + " sessionCount=" + server.sessionCount());
            assertEquals(cycles, ep.opens(), "every cycle opened one session");
            assertEquals(0, ep.openNow(), "every onOpen matched by onClose");
        }
    }

    /**
     * Stopping the server sends 1001 (going away) to every client, then closes TCP.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_lifecycle_stopSends1001ToEveryClient() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            int clients = 5;
            Map<Integer, CloseResult> results = new ConcurrentHashMap<>();
            for (int i = 0; i < clients; i++) {
                RawWebSocketClient c = open(env, server);
                int k = i;
                env.spawn("stop-reader-" + i, () -> results.put(k, c.awaitClose(timeout().multipliedBy(2), true)));
            }
            env.awaitCondition(() -> ep.opens() == clients, timeout(), () -> clients + " sessions open");
            server.stop();
            env.awaitCondition(() -> results.size() == clients, timeout().multipliedBy(3),
                    () -> "every client to see the stop; " + results.size() + " did");
            for (Map.Entry<Integer, CloseResult> e : results.entrySet()) {
                assertEquals(1001, e.getValue().code(), "client " + e.getKey() + ": stop must send 1001 (tcp closed="
                        + e.getValue().tcpClosed() + ")");
                assertTrue(e.getValue().tcpClosed(), "client " + e.getKey() + ": TCP closed after the stop");
            }
            env.awaitCondition(() -> ep.closes() == clients, timeout(),
                    () -> "onClose for every session after stop; got " + ep.closes());
        }
    }

    // ============================================================================================ endpoint invoker

    /** A header that makes {@link #failingEndpoint()} throw from {@code onOpen}. */
    private static final String FAIL_HEADER = "X-Wshub-Fail";

    /**
     * An echo endpoint with deliberate bugs: text {@code "throw-assertion"} throws an {@link AssertionError} from
     * {@code onMessage}, {@code "throw-overflow"} overflows the stack, {@code "throw-runtime"} throws an
     * {@link IllegalStateException}, and an upgrade with the header {@link #FAIL_HEADER} throws from {@code onOpen}.
     */
    private static Endpoint failingEndpoint() {
        return new Endpoint() {
            @Override
            public void onOpen(Session session) {
                if (session.handshake().header(FAIL_HEADER) != null) {
                    throw new AssertionError("deliberate failure in onOpen (testkit)");
                }
            }

            @Override
            public void onMessage(Session session, Message message) {
                String text = message.kind() == Message.Kind.TEXT ? ((Message.Text) message).asString() : "";
                switch (text) {
                    case "throw-assertion" -> throw new AssertionError("deliberate failure in onMessage (testkit)");
                    case "throw-overflow" -> overflow(0);
                    case "throw-runtime" -> throw new IllegalStateException("deliberate failure (testkit)");
                    default -> {
                        session.offer(message);
                        session.flush();
                    }
                }
            }
        };
    }

    private static int overflow(int depth) {
        return overflow(depth + 1) + 1;
    }

    /**
     * Opens a session, has its endpoint fail, and checks that the client gets close 1011 and then a TCP close, that
     * the endpoint was told the error and gets exactly one {@code onClose} (with 1011), and that another client is
     * still served.
     */
    private void assertEndpointFailureCloses1011(String what, Map<String, String> headers, String trigger)
            throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(failingEndpoint(), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            RawWebSocketClient bystander = open(env, server);
            env.awaitCondition(() -> ep.opens() == 1, timeout(), () -> "the bystander's session");
            RawWebSocketClient victim = env.closeLater(RawWebSocketClient.open(server.uri(), timeout(), headers, 0));
            env.awaitCondition(() -> ep.opens() == 2, timeout(), () -> what + ": the session to open");
            long id = ep.session(1).id();
            if (trigger != null) {
                victim.sendText(trigger);
            }
            CloseResult r = victim.awaitClose(timeout(), true);
            if (!r.closeFrameReceived()) {
                fail(what + ": expected a close frame with 1011 (internal error), but " + (r.tcpClosed()
                        ? "the server closed TCP without one" : "nothing arrived within " + timeout().toMillis()
                        + " ms"));
            }
            assertEquals(1011, r.code(), what + ": close code (reason: " + r.reason() + ")");
            assertTrue(r.tcpClosed(), what + ": after the close frame the server must close TCP");
            env.awaitCondition(() -> ep.closeCode(id) != null, timeout(), () -> what + ": the endpoint's onClose");
            assertEquals(1011, (int) ep.closeCode(id), what + ": the endpoint's onClose must be told 1011");
            assertTrue(!ep.errors(id).isEmpty(), what + ": the endpoint's onError must be told what it threw");
            echo(bystander, OP_TEXT, ("bystander after " + what).getBytes(StandardCharsets.UTF_8));
            env.awaitCondition(() -> server.sessionCount() == 1, timeout(),
                    () -> what + ": sessionCount() == 1 (the bystander), was " + server.sessionCount());
            RawWebSocketClient next = open(env, server);
            echo(next, OP_TEXT, ("a new client after " + what).getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * An {@link Error} thrown by the endpoint's {@code onMessage} (an {@link AssertionError}, a
     * {@link StackOverflowError}), like a {@link RuntimeException}, closes that session with 1011, the endpoint gets
     * exactly one {@code onClose}, and everyone else is still served: it never escapes to the transport's thread.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_invoker_errorFromOnMessageCloses1011() throws Exception {
        assertEndpointFailureCloses1011("an AssertionError from onMessage", Map.of(), "throw-assertion");
        assertEndpointFailureCloses1011("a StackOverflowError from onMessage", Map.of(), "throw-overflow");
        assertEndpointFailureCloses1011("an IllegalStateException from onMessage", Map.of(), "throw-runtime");
    }

    /**
     * An {@link Error} thrown by the endpoint's {@code onOpen} closes that session with 1011, the endpoint gets exactly
     * one {@code onClose}, and everyone else is still served.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_invoker_errorFromOnOpenCloses1011() throws Exception {
        assertEndpointFailureCloses1011("an AssertionError from onOpen", Map.of(FAIL_HEADER, "open"), null);
    }

    /**
     * {@link Session#offer} of a {@link Message.Close} closes the session as {@link Session#close(int, String)} does,
     * on every transport: the first answers {@link io.wshub.api.OfferResult#ENQUEUED} and its close frame follows what
     * was queued before it; later offers, of a close or of data, answer {@link io.wshub.api.OfferResult#CLOSED};
     * nothing throws; the endpoint is told the offered code. An empty close ({@link Message.Close#empty()}) closes with
     * 1000.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_lifecycle_offerOfACloseClosesTheSession() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Map<Long, List<Object>> results = new ConcurrentHashMap<>();
            Endpoint offering = new Endpoint() {
                @Override
                public void onMessage(Session session, Message message) {
                    String text = ((Message.Text) message).asString();
                    if (!text.equals("empty") && !text.equals("coded")) {
                        session.offer(message);
                        session.flush();
                        return;
                    }
                    Message close = text.equals("empty") ? Message.Close.empty() : Message.close(4001, "offered");
                    List<Object> r = new ArrayList<>();
                    for (Message m : List.of(Message.text("before the close"), close, Message.text("after the close"),
                            Message.close(4002, "a second close"))) {
                        try {
                            r.add(session.offer(m));
                        } catch (RuntimeException | Error e) {
                            r.add(e);
                        }
                    }
                    r.add(session.isOpen());
                    results.put(session.id(), r);
                }
            };
            ObservedEndpoint ep = new ObservedEndpoint(offering, env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            RawWebSocketClient bystander = open(env, server);
            // Its onOpen may come after the next client's 101 on a transport with several threads: wait, so that
            // session(index) below is the variant's session, not the bystander's.
            env.awaitCondition(() -> ep.opens() == 1, timeout(), () -> "the bystander's session");
            int opened = 1;
            for (String variant : List.of("coded", "empty")) {
                RawWebSocketClient c = open(env, server);
                int index = opened++;
                env.awaitCondition(() -> ep.opens() == index + 1, timeout(), () -> "the session to open");
                long id = ep.session(index).id();
                c.sendText(variant);
                CloseResult r = c.awaitClose(timeout(), true);
                String what = "offer(" + (variant.equals("empty") ? "Message.Close.empty()" : "Message.close(4001)")
                        + ")";
                env.awaitCondition(() -> results.containsKey(id), timeout(), () -> "the endpoint's offers");
                List<Object> got = results.get(id);
                assertEquals(List.of(io.wshub.api.OfferResult.ENQUEUED, io.wshub.api.OfferResult.ENQUEUED,
                        io.wshub.api.OfferResult.CLOSED, io.wshub.api.OfferResult.CLOSED, false), got,
                        "[offer(text), " + what + ", offer(text), offer(close), isOpen()] must answer [ENQUEUED, "
                                + "ENQUEUED, CLOSED, CLOSED, false] (Session.offer's documented rule); got " + got);
                int expected = variant.equals("empty") ? 1000 : 4001;
                assertTrue(r.closeFrameReceived(), what + " must send a close frame; " + (r.tcpClosed()
                        ? "the server closed TCP without one" : "nothing arrived"));
                assertEquals(expected, r.code(), what + ": the close frame's code");
                assertEquals(1, r.framesBefore().stream().filter(f -> f.opcode() == OP_TEXT).count(),
                        what + ": the message offered before the close, and only it, must come first; got "
                                + r.framesBefore());
                assertTrue(r.tcpClosed(), what + ": after the close handshake the server must close TCP");
                env.awaitCondition(() -> ep.closeCode(id) != null, timeout(), () -> what + ": the endpoint's onClose");
                assertEquals(expected, (int) ep.closeCode(id), what + ": the endpoint must be told our code");
            }
            echo(bystander, OP_TEXT, "bystander".getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * When the client's close and the server's close cross (the client sends its close frame while the server calls
     * {@link Session#close(int, String)}), the endpoint gets exactly one {@code onClose}, with one of the two codes,
     * and the connection ends: 50 times.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(120)
    public void required_lifecycle_exactlyOneOnCloseWhenClientAndServerCloseRace() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            int iterations = 50;
            for (int i = 0; i < iterations; i++) {
                int index = i;
                RawWebSocketClient c = env.closeLater(RawWebSocketClient.open(server.uri(), timeout()));
                env.awaitCondition(() -> ep.opens() == index + 1, timeout(), () -> "session " + index + " to open");
                Session session = ep.session(i);
                java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(2);
                Thread client = env.spawn("racing-client-" + i, () -> {
                    go.await(timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    c.sendClose(1000, "client");
                });
                go.await(timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                session.close(4000, "server");
                client.join(timeout().toMillis());
                CloseResult r = c.awaitClose(timeout());
                assertTrue(r.closeFrameReceived(), "iteration " + i + ": the client must receive a close frame");
                assertTrue(r.code() == 1000 || r.code() == 4000, "iteration " + i + ": the close frame must carry "
                        + "the server's code or echo the client's; got " + r.code());
                assertTrue(r.tcpClosed(), "iteration " + i + ": TCP closed after the crossing closes");
                env.awaitCondition(() -> ep.closeCode(session.id()) != null, timeout(),
                        () -> "iteration " + index + ": the endpoint's onClose");
                int told = ep.closeCode(session.id());
                assertTrue(told == 1000 || told == 4000, "iteration " + i + ": the endpoint must be told the code of "
                        + "whichever close came first; got " + told);
                env.verifyNoAsyncErrors();
            }
            env.awaitCondition(() -> server.sessionCount() == 0, timeout(),
                    () -> "sessionCount() == 0 after the races, was " + server.sessionCount());
            env.waitFor(() -> ep.closes() > iterations, Duration.ofMillis(200));
            env.verifyNoAsyncErrors();
            assertEquals(iterations, ep.closes(), "exactly one onClose per session");
            assertEquals(0, ep.openNow(), "every onOpen matched by onClose");
        }
    }

    // ============================================================================================ flush contract

    /** How long {@link #required_flush_offersAreSentByFlushOrCloseAndNotBefore()} watches for an unflushed offer. */
    private static final Duration UNFLUSHED_WINDOW = Duration.ofMillis(500);

    /** The {@code i}-th message of the flush rule: about 1 KiB, so 300 of them span several bounded hand-overs. */
    private static byte[] heldMessage(int round, int i) {
        return ("held " + round + "/" + i + " " + "x".repeat(1000)).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@link Session}'s flush contract: {@code offer} only queues. Messages offered and not followed by
     * {@link Session#flush()} are not sent (the client sees nothing for 500 ms); one {@code flush()} then sends all of
     * them, in order, even 300 messages of about 1 KiB (more than one bounded hand-over), with no second flush;
     * messages offered after a flush wait for the next one; and {@link Session#close(int, String)} sends what is
     * queued, unflushed, before its close frame.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_flush_offersAreSentByFlushOrCloseAndNotBefore() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            AtomicInteger rounds = new AtomicInteger();
            Endpoint holding = new Endpoint() {
                @Override
                public void onMessage(Session session, Message message) {
                    String[] command = ((Message.Text) message).asString().split(" ");
                    switch (command[0]) {
                        case "hold", "close" -> {
                            int round = rounds.incrementAndGet();
                            for (int i = 0; i < Integer.parseInt(command[1]); i++) {
                                session.offer(Message.textUtf8(heldMessage(round, i)));
                            }
                            if (command[0].equals("close")) {
                                session.close(4003, "closed after unflushed offers");
                            }
                        }
                        case "flush" -> session.flush();
                        default -> throw new IllegalArgumentException("unknown command " + command[0]);
                    }
                }
            };
            ObservedEndpoint ep = new ObservedEndpoint(holding, env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            RawWebSocketClient c = open(env, server);
            int round = 0;
            for (int count : new int[] {300, 2}) {
                round++;
                c.sendText("hold " + count);
                Frame early = c.readMessage(UNFLUSHED_WINDOW);
                assertNull(early, "offers not followed by a flush must not be sent (Session's flush contract: offer "
                        + "only queues); within " + UNFLUSHED_WINDOW.toMillis() + " ms the client got " + early);
                c.sendText("flush");
                for (int i = 0; i < count; i++) {
                    assertMessage(c, OP_TEXT, heldMessage(round, i), "after one flush, held message " + i + " of "
                            + count + " (round " + round + ")");
                }
            }
            round++;
            c.sendText("close 300");
            CloseResult r = c.awaitClose(timeout(), true);
            assertTrue(r.closeFrameReceived(), "close() after unflushed offers must send a close frame; "
                    + (r.tcpClosed() ? "the server closed TCP without one" : "nothing arrived"));
            assertEquals(4003, r.code(), "the close frame's code");
            List<Frame> before = r.framesBefore().stream().filter(f -> f.opcode() == OP_TEXT).toList();
            assertEquals(300, before.size(), "close() must send every message offered before it, unflushed, ahead of "
                    + "its close frame; got " + before.size() + " of 300");
            for (int i = 0; i < before.size(); i++) {
                assertBytes(heldMessage(round, i), before.get(i).payload(), "message " + i + " before the close");
            }
            env.verifyNoAsyncErrors();
        }
    }

    // ============================================================================================ slow consumer

    /**
     * Slow consumer under {@link SlowConsumerPolicy#DISCONNECT}: a client that stops reading is disconnected once its
     * bounded queue is full, its queue never exceeds the configured limits, and a client that keeps reading receives
     * every message in order.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(120)
    public void required_slowConsumer_disconnectPolicyClosesStalledClient() throws Exception {
        slowConsumer(SlowConsumerPolicy.DISCONNECT);
    }

    /**
     * Slow consumer under {@link SlowConsumerPolicy#DROP_NEWEST}: a client that stops reading loses messages but
     * stays connected, receives what it gets in order once it reads again, its queue never exceeds the configured
     * limits, and a client that keeps reading receives everything.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(120)
    public void required_slowConsumer_dropNewestPolicyKeepsStalledClient() throws Exception {
        slowConsumer(SlowConsumerPolicy.DROP_NEWEST);
    }

    /**
     * Slow consumer under {@link SlowConsumerPolicy#DROP_OLDEST}: as for drop-newest, with the transport's
     * {@link Session#evictOldest()} in play.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(120)
    public void required_slowConsumer_dropOldestPolicyKeepsStalledClient() throws Exception {
        slowConsumer(SlowConsumerPolicy.DROP_OLDEST);
    }

    // ============================================================================================ keepalive

    /**
     * The server pings each session at the configured interval (here 200 ms: 4 pings whose average gap is between
     * half and five times the interval, a generous band), with payloads of at most 125 bytes.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_keepalive_pingsAtConfiguredInterval() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Duration interval = Duration.ofMillis(200);
            RunningServer server = startEcho(env, baseConfig().pingInterval(interval)
                    .idleTimeout(Duration.ofSeconds(30)).build());
            RawWebSocketClient c = open(env, server);
            int pings = 0;
            long firstPing = 0;
            long lastPing = 0;
            Duration window = interval.multipliedBy(4).plus(timeout());
            long deadline = System.nanoTime() + window.toNanos();
            while (pings < 4 && System.nanoTime() - deadline < 0) {
                Frame f = c.readFrame(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (f == null) {
                    break;
                }
                assertEquals(OP_PING, f.opcode(), "only pings expected from an idle echo session; got " + f);
                assertTrue(f.payload().length <= 125, "ping payload");
                c.sendFrame(Frame.of(OP_PONG, f.payload()));
                lastPing = System.nanoTime();
                if (pings == 0) {
                    firstPing = lastPing;
                }
                pings++;
            }
            assertTrue(pings >= 4, "with pingInterval " + interval.toMillis() + " ms, expected at least 4 pings in "
                    + window.toMillis() + " ms; got " + pings);
            long averageGapMs = (lastPing - firstPing) / 3 / 1_000_000L;
            assertTrue(averageGapMs >= interval.toMillis() / 2 && averageGapMs <= interval.toMillis() * 5,
                    "pings should come about every " + interval.toMillis() + " ms (accepted: half to five times "
                            + "that); the average gap was " + averageGapMs + " ms");
        }
    }

    /**
     * A client that sends nothing at all (not even pongs) is closed after the idle timeout, not before; a client that
     * answers pings stays connected.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_keepalive_silentClientClosedAfterIdleTimeout() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Duration idle = Duration.ofSeconds(2);
            RunningServer server = startEcho(env, baseConfig().pingInterval(Duration.ofMillis(200))
                    .idleTimeout(idle).build());
            RawWebSocketClient live = open(env, server);
            AtomicBoolean stopLive = new AtomicBoolean();
            AtomicInteger livePongs = new AtomicInteger();
            Thread liveThread = env.spawn("live-client", () -> {
                while (!stopLive.get()) {
                    Frame f = live.readFrame(Duration.ofMillis(50));
                    if (f != null && f.opcode() == OP_PING) {
                        live.sendFrame(Frame.of(OP_PONG, f.payload()));
                        livePongs.incrementAndGet();
                    } else if (f != null) {
                        throw new AssertionFailedError("live client: unexpected " + f);
                    }
                }
            });
            long started = System.nanoTime();
            RawWebSocketClient silent = open(env, server);
            Duration window = idle.plus(timeout());
            CloseResult r = silent.awaitClose(window);
            long elapsedMs = (System.nanoTime() - started) / 1_000_000L;
            assertTrue(r.closeFrameReceived() || r.tcpClosed(), "a silent client must be closed within "
                    + window.toMillis() + " ms with idleTimeout " + idle.toMillis() + " ms");
            assertTrue(elapsedMs >= idle.toMillis() / 2, "closed after " + elapsedMs
                    + " ms: too early for an idle timeout of " + idle.toMillis() + " ms");
            env.waitFor(() -> false, idle.multipliedBy(2).minusMillis(Math.min(elapsedMs, idle.toMillis())));
            stopLive.set(true);
            liveThread.join(timeout().toMillis());
            env.verifyNoAsyncErrors();
            assertTrue(livePongs.get() >= 1, "the live client must have been pinged");
            echo(live, OP_TEXT, "still here".getBytes(StandardCharsets.UTF_8));
        }
    }

    // ============================================================================================ request-head limits

    /** The request-head size limit the limit rules configure (below the default, so a hard-coded limit fails). */
    private static final int HEAD_SIZE_LIMIT = 4096;
    /** The header-line limit the limit rules configure. */
    private static final int HEAD_LINES_LIMIT = 20;
    /** The handshake timeout the timeout rules configure. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(1);

    /**
     * A request head larger than {@link ServerConfig#maxRequestHeaderSize()} (request line, header lines and blank
     * line) gets 431 Request Header Fields Too Large with {@code Connection: close}, then the connection is closed,
     * and no session: one byte over the limit (4,096 here), and one header value of 1 MiB, which the server must
     * refuse while reading rather than buffer. A client connected meanwhile keeps being served.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_handshake_oversizedHeaderIs431AndClosed() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().maxRequestHeaderSize(HEAD_SIZE_LIMIT).build(), ep,
                    HandshakePolicy.acceptAll());
            RawWebSocketClient bystander = open(env, server);
            assertHeadRefusedWith431(env, server, paddedUpgrade(server, RawWebSocketClient.newKey(),
                    HEAD_SIZE_LIMIT + 1, 6), "a request head of " + (HEAD_SIZE_LIMIT + 1)
                    + " bytes (maxRequestHeaderSize " + HEAD_SIZE_LIMIT + ")");
            echo(bystander, OP_TEXT, "served while a large head is refused".getBytes(StandardCharsets.UTF_8));
            Map<String, String> h = RawWebSocketClient.upgradeHeaders(server.uri(), RawWebSocketClient.newKey());
            h.put("X-Huge", "h".repeat(MIB));
            assertHeadRefusedWith431(env, server, RawWebSocketClient.requestHead("GET", target(server), "HTTP/1.1",
                    h), "a request with a 1 MiB header value (maxRequestHeaderSize " + HEAD_SIZE_LIMIT + ")");
            echo(bystander, OP_TEXT, "served after a 1 MiB header".getBytes(StandardCharsets.UTF_8));
            assertEquals(1, ep.opens(), "only the bystander may have a session");
        }
    }

    /**
     * A request with more header lines than {@link ServerConfig#maxRequestHeaders()} (20 here) gets 431 with
     * {@code Connection: close}, then the connection is closed, and no session: one line over the limit, and 10,000
     * tiny header lines. A client connected meanwhile keeps being served.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_handshake_tooManyHeaderLinesIs431AndClosed() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().maxRequestHeaders(HEAD_LINES_LIMIT).build(), ep,
                    HandshakePolicy.acceptAll());
            RawWebSocketClient bystander = open(env, server);
            assertHeadRefusedWith431(env, server, paddedUpgrade(server, RawWebSocketClient.newKey(), 1024,
                    HEAD_LINES_LIMIT + 1), "a request with " + (HEAD_LINES_LIMIT + 1) + " header lines "
                    + "(maxRequestHeaders " + HEAD_LINES_LIMIT + ")");
            echo(bystander, OP_TEXT, "served while many lines are refused".getBytes(StandardCharsets.UTF_8));
            Map<String, String> h = RawWebSocketClient.upgradeHeaders(server.uri(), RawWebSocketClient.newKey());
            for (int i = 0; i < 10_000; i++) {
                h.put("X-" + i, "v");
            }
            assertHeadRefusedWith431(env, server, RawWebSocketClient.requestHead("GET", target(server), "HTTP/1.1",
                    h), "a request with 10,005 header lines (maxRequestHeaders " + HEAD_LINES_LIMIT + ")");
            echo(bystander, OP_TEXT, "served after 10,000 lines".getBytes(StandardCharsets.UTF_8));
            assertEquals(1, ep.opens(), "only the bystander may have a session");
        }
    }

    /**
     * The limits are inclusive: an upgrade whose head is exactly {@link ServerConfig#maxRequestHeaderSize()} bytes,
     * and one with exactly {@link ServerConfig#maxRequestHeaders()} header lines, are upgraded and served.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_handshake_requestHeadAtTheLimitsIsUpgraded() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().maxRequestHeaderSize(HEAD_SIZE_LIMIT)
                    .maxRequestHeaders(HEAD_LINES_LIMIT).build(), ep, HandshakePolicy.acceptAll());
            assertUpgradedWith(env, server, HEAD_SIZE_LIMIT, 6, "a request head of exactly " + HEAD_SIZE_LIMIT
                    + " bytes (maxRequestHeaderSize " + HEAD_SIZE_LIMIT + ")");
            assertUpgradedWith(env, server, 1024, HEAD_LINES_LIMIT, "a request with exactly " + HEAD_LINES_LIMIT
                    + " header lines (maxRequestHeaders " + HEAD_LINES_LIMIT + ")");
            env.awaitCondition(() -> ep.opens() == 2, timeout(), () -> "both sessions open, got " + ep.opens());
        }
    }

    /**
     * Connections that send nothing are closed once {@link ServerConfig#handshakeTimeout()} (1 s here) has passed
     * since they were accepted, not before half of it; meanwhile a new client is upgraded and served, and sessions
     * upgraded before or during the wait are not subject to the handshake timeout.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_handshake_silentConnectionClosedAfterHandshakeTimeout() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().handshakeTimeout(HANDSHAKE_TIMEOUT).build(), ep,
                    HandshakePolicy.acceptAll());
            RawWebSocketClient early = open(env, server);
            long started = System.nanoTime();
            List<RawWebSocketClient> silent = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                silent.add(env.closeLater(RawWebSocketClient.connect(server.uri(), timeout())));
            }
            RawWebSocketClient during = open(env, server);
            echo(during, OP_TEXT, "served while 20 connections say nothing".getBytes(StandardCharsets.UTF_8));
            long deadline = started + HANDSHAKE_TIMEOUT.plus(timeout()).toNanos();
            long firstClosedMs = -1;
            for (int i = 0; i < silent.size(); i++) {
                boolean closed = silent.get(i).awaitTcpClose(Duration.ofNanos(Math.max(1,
                        deadline - System.nanoTime())));
                assertTrue(closed, "a connection that sends nothing must be closed within "
                        + HANDSHAKE_TIMEOUT.plus(timeout()).toMillis() + " ms with handshakeTimeout "
                        + HANDSHAKE_TIMEOUT.toMillis() + " ms (connection " + i + " of " + silent.size() + ")");
                if (firstClosedMs < 0) {
                    firstClosedMs = (System.nanoTime() - started) / 1_000_000L;
                }
            }
            assertTrue(firstClosedMs >= HANDSHAKE_TIMEOUT.toMillis() / 2, "a silent connection was closed after "
                    + firstClosedMs + " ms: too early for a handshake timeout of " + HANDSHAKE_TIMEOUT.toMillis()
                    + " ms");
            env.waitFor(() -> false, Duration.ofNanos(Math.max(0, started + HANDSHAKE_TIMEOUT.multipliedBy(2)
                    .toNanos() - System.nanoTime())));
            echo(early, OP_TEXT, "a session is not subject to the handshake timeout".getBytes(StandardCharsets.UTF_8));
            echo(during, OP_TEXT, "nor is this one".getBytes(StandardCharsets.UTF_8));
            assertEquals(2, ep.opens(), "only the two upgraded clients may have sessions");
            assertEquals(2, server.sessionCount(), "both upgraded sessions stay open");
        }
    }

    /**
     * Connections that trickle a valid upgrade request one byte every 200 ms, so slowly it would take half a minute,
     * are closed once {@link ServerConfig#handshakeTimeout()} (1 s here) has passed since they were accepted: the
     * timeout bounds the whole request, not each read. They never get a 101, and a client upgraded meanwhile keeps
     * being served.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_handshake_tricklingRequestClosedAfterHandshakeTimeout() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().handshakeTimeout(HANDSHAKE_TIMEOUT).build(), ep,
                    HandshakePolicy.acceptAll());
            RawWebSocketClient bystander = open(env, server);
            long started = System.nanoTime();
            List<RawWebSocketClient> tricklers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                tricklers.add(env.closeLater(RawWebSocketClient.connect(server.uri(), timeout())));
            }
            byte[] request = RawWebSocketClient.requestHead("GET", target(server), "HTTP/1.1",
                    RawWebSocketClient.upgradeHeaders(server.uri(), RawWebSocketClient.newKey()));
            AtomicBoolean stop = new AtomicBoolean();
            env.closeLater(() -> stop.set(true));
            env.spawn("trickler", () -> {
                boolean[] gone = new boolean[tricklers.size()];
                for (int i = 0; i < request.length && !stop.get(); i++) {
                    for (int k = 0; k < tricklers.size(); k++) {
                        if (!gone[k]) {
                            try {
                                tricklers.get(k).sendRaw(new byte[] {request[i]});
                            } catch (IOException e) {
                                gone[k] = true; // closed by the server: what the rule expects
                            }
                        }
                    }
                    Thread.sleep(200);
                }
            });
            echo(bystander, OP_TEXT, "served while 5 connections trickle".getBytes(StandardCharsets.UTF_8));
            long deadline = started + HANDSHAKE_TIMEOUT.plus(timeout()).toNanos();
            long firstClosedMs = -1;
            for (int i = 0; i < tricklers.size(); i++) {
                RawWebSocketClient c = tricklers.get(i);
                String what = "a connection trickling its request one byte per 200 ms (connection " + i + " of "
                        + tricklers.size() + ", handshakeTimeout " + HANDSHAKE_TIMEOUT.toMillis() + " ms)";
                try {
                    HttpResponse r = c.readHttpResponse(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                    assertTrue(r.status() != 101, what + " must not be upgraded; got " + r.statusLine());
                } catch (EOFException e) {
                    // closed without an answer: fine
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionFailedError(what + " was still open after "
                            + HANDSHAKE_TIMEOUT.plus(timeout()).toMillis() + " ms", e);
                }
                assertTrue(c.awaitTcpClose(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))),
                        what + " must be closed within " + HANDSHAKE_TIMEOUT.plus(timeout()).toMillis() + " ms");
                if (firstClosedMs < 0) {
                    firstClosedMs = (System.nanoTime() - started) / 1_000_000L;
                }
            }
            stop.set(true);
            assertTrue(firstClosedMs >= HANDSHAKE_TIMEOUT.toMillis() / 2, "a trickling connection was closed after "
                    + firstClosedMs + " ms: too early for a handshake timeout of " + HANDSHAKE_TIMEOUT.toMillis()
                    + " ms");
            echo(bystander, OP_TEXT, "still served".getBytes(StandardCharsets.UTF_8));
            assertEquals(1, ep.opens(), "only the bystander may have a session");
        }
    }

    /**
     * Returns a well-formed upgrade request padded to exactly {@code size} bytes and {@code headerLines} header
     * lines: the five upgrade headers, {@code X-Pad-n} headers, then an {@code X-Fill} header whose value fills the
     * size.
     */
    private static byte[] paddedUpgrade(RunningServer server, String key, int size, int headerLines) {
        Map<String, String> h = RawWebSocketClient.upgradeHeaders(server.uri(), key);
        for (int i = h.size(); i < headerLines - 1; i++) {
            h.put("X-Pad-" + i, "p");
        }
        h.put("X-Fill", "");
        int fill = size - RawWebSocketClient.requestHead("GET", target(server), "HTTP/1.1", h).length;
        if (fill < 1) {
            throw new IllegalArgumentException("cannot pad an upgrade with " + headerLines + " header lines to "
                    + size + " bytes");
        }
        h.put("X-Fill", "f".repeat(fill));
        byte[] request = RawWebSocketClient.requestHead("GET", target(server), "HTTP/1.1", h);
        assertEquals(size, request.length, "padded request size");
        return request;
    }

    /**
     * Sends a request head that breaks a limit (from another thread, since the server may stop reading it) and checks
     * the answer: 431 with {@code Connection: close}, then the TCP close.
     */
    private void assertHeadRefusedWith431(VerificationEnvironment env, RunningServer server, byte[] request,
                                          String what) throws Exception {
        RawWebSocketClient c = env.closeLater(RawWebSocketClient.connect(server.uri(), timeout()));
        Thread writer = env.spawn("large-head-writer", () -> {
            try {
                c.sendRaw(request);
            } catch (IOException e) {
                // the server may answer and close while the rest is still being written
            }
        });
        HttpResponse r = response(c, what);
        assertEquals(431, r.status(), what + " must get 431 Request Header Fields Too Large (RFC 6585 §5); got "
                + r.statusLine());
        String connection = r.header("Connection");
        assertTrue(connection != null && connection.toLowerCase(java.util.Locale.ROOT).contains("close"),
                what + ": the 431 must say Connection: close; got " + connection);
        assertTrue(c.awaitTcpClose(timeout()), what + ": after the 431 the server must close the connection within "
                + timeout().toMillis() + " ms");
        c.close();
        writer.join(timeout().toMillis());
    }

    /** Sends a padded upgrade and checks that it gets 101 with the right accept key and an echo. */
    private void assertUpgradedWith(VerificationEnvironment env, RunningServer server, int size, int headerLines,
                                    String what) throws IOException {
        RawWebSocketClient c = env.closeLater(RawWebSocketClient.connect(server.uri(), timeout()));
        String key = RawWebSocketClient.newKey();
        c.sendRaw(paddedUpgrade(server, key, size, headerLines));
        HttpResponse r = response(c, what);
        assertEquals(101, r.status(), what + " is within the limits and must be upgraded; got " + r.statusLine());
        assertEquals(RawWebSocketClient.acceptFor(key), r.header("Sec-WebSocket-Accept"), what + ": accept key");
        echo(c, OP_TEXT, ("served after " + what).getBytes(StandardCharsets.UTF_8));
    }

    // ============================================================================================ helpers

    /**
     * Starts the transport with {@link #startServer} and registers it to be stopped when the environment closes.
     *
     * @param env the rule's environment; not null
     * @param config the config; not null
     * @param endpoint the endpoint; not null
     * @param policy the policy; not null
     * @return the running server
     * @throws Exception if the server cannot start
     */
    protected final RunningServer start(VerificationEnvironment env, ServerConfig config, Endpoint endpoint,
                                        HandshakePolicy policy) throws Exception {
        RunningServer server = startServer(config, endpoint, policy);
        if (server == null) {
            fail("startServer returned null");
        }
        env.closeLater(server::stop);
        URI uri = server.uri();
        assertEquals("127.0.0.1", uri.getHost(), "the server must serve on the configured host: " + uri);
        assertTrue(uri.getPort() > 0, "the server must report its ephemeral port: " + uri);
        return server;
    }

    private RunningServer startEcho(VerificationEnvironment env, ServerConfig config) throws Exception {
        return start(env, config, Endpoints.echo(), HandshakePolicy.acceptAll());
    }

    private Hub hub(VerificationEnvironment env, SlowConsumerPolicy policy, HubListener listener) {
        Hub hub = newHub(policy, listener);
        if (hub == null) {
            fail("newHub returned null");
        }
        env.closeLater(() -> hub.shutdown(Duration.ofSeconds(5)));
        return hub;
    }

    private RawWebSocketClient open(VerificationEnvironment env, RunningServer server) throws IOException {
        return env.closeLater(RawWebSocketClient.open(server.uri(), timeout()));
    }

    private static String target(RunningServer server) {
        return RawWebSocketClient.requestTarget(server.uri());
    }

    /** Sends an upgrade request, altered by {@code edit}, on a fresh connection and reads the response. */
    private HttpResponse request(VerificationEnvironment env, RunningServer server, String method, String version,
                                 java.util.function.Consumer<Map<String, String>> edit) throws IOException {
        RawWebSocketClient c = env.closeLater(RawWebSocketClient.connect(server.uri(), timeout()));
        Map<String, String> h = RawWebSocketClient.upgradeHeaders(server.uri(), RawWebSocketClient.newKey());
        edit.accept(h);
        c.sendRaw(RawWebSocketClient.requestHead(method, target(server), version, h));
        return response(c, method + " " + version + " " + h);
    }

    private String status(VerificationEnvironment env, RunningServer server, String method, String version,
                          String path, java.util.function.Consumer<Map<String, String>> edit) throws IOException {
        RawWebSocketClient c = env.closeLater(RawWebSocketClient.connect(server.uri(), timeout()));
        Map<String, String> h = RawWebSocketClient.upgradeHeaders(server.uri(), RawWebSocketClient.newKey());
        edit.accept(h);
        String target = "/".equals(path) ? target(server) : path;
        c.sendRaw(RawWebSocketClient.requestHead(method, target, version, h));
        return response(c, method + " " + target + " " + version + " " + h).status() + " for " + method + " "
                + target + " " + version;
    }

    private HttpResponse response(RawWebSocketClient c, String what) throws IOException {
        try {
            return c.readHttpResponse(timeout());
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionFailedError("the server hung: no HTTP response to " + what + " within "
                    + timeout().toMillis() + " ms", e);
        } catch (EOFException e) {
            throw new AssertionFailedError("the server closed the connection without an HTTP response to " + what, e);
        }
    }

    private void assertBadHandshake(String what, String method, String version,
                                    java.util.function.Consumer<Map<String, String>> edit)
            throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, baseConfig().build(), ep, HandshakePolicy.acceptAll());
            HttpResponse r = request(env, server, method, version, edit);
            assertClientError(r, what);
            assertNoSession(env, ep, server);
        }
    }

    private static void assertClientError(HttpResponse r, String what) {
        assertTrue(r.status() >= 400 && r.status() < 500, what + " must get a 4xx and no upgrade (never 101, never a "
                + "5xx); got " + r.statusLine());
    }

    private void assertNoSession(VerificationEnvironment env, ObservedEndpoint ep, RunningServer server)
            throws InterruptedException {
        env.waitFor(() -> ep.opens() > 0, Duration.ofMillis(100));
        assertEquals(0, ep.opens(), "the endpoint must never see a session for a refused upgrade");
        assertEquals(0, server.sessionCount(), "a refused upgrade must not count as a session");
    }

    @FunctionalInterface
    private interface ClientAction {
        void run(RawWebSocketClient client) throws IOException;
    }

    /**
     * Opens a victim and a bystander, lets the victim misbehave, and checks that the victim gets the close code and
     * then a TCP close, and that the bystander is still served.
     */
    private void assertProtocolError(ServerConfig config, int code, String what, ClientAction action)
            throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            ObservedEndpoint ep = new ObservedEndpoint(Endpoints.echo(), env);
            RunningServer server = start(env, config, ep, HandshakePolicy.acceptAll());
            RawWebSocketClient bystander = open(env, server);
            RawWebSocketClient victim = open(env, server);
            try {
                action.run(victim);
            } catch (IOException e) {
                // the server may close while the bad input is still being written; what it sent back decides
            }
            CloseResult r = victim.awaitClose(timeout(), true);
            if (!r.closeFrameReceived()) {
                fail(what + ": expected a close frame with " + code + ", but "
                        + (r.tcpClosed() ? "the server closed TCP without one" : "nothing arrived within "
                        + timeout().toMillis() + " ms") + (r.framesBefore().isEmpty() ? "" : "; frames before: "
                        + r.framesBefore()));
            }
            assertEquals(code, r.code(), what + ": close code (reason: " + r.reason() + ")");
            assertTrue(r.tcpClosed(), what + ": after the close frame the server must close TCP");
            for (Frame f : r.framesBefore()) {
                if (f.opcode() == OP_TEXT || f.opcode() == OP_BINARY || f.opcode() == OP_CONTINUATION) {
                    fail(what + ": the bad input must not be served; got " + f);
                }
            }
            echo(bystander, OP_TEXT, ("bystander after " + what).getBytes(StandardCharsets.UTF_8));
            env.awaitCondition(() -> ep.closes() >= 1, timeout(), () -> what + ": the endpoint's onClose");
        }
    }

    private void echo(RawWebSocketClient c, int opcode, byte[] payload) throws IOException {
        c.sendFrame(Frame.of(opcode, payload));
        assertMessage(c, opcode, payload, (opcode == OP_TEXT ? "text" : "binary") + " echo of " + payload.length
                + " bytes");
    }

    private void assertMessage(RawWebSocketClient c, int opcode, byte[] payload, String what) throws IOException {
        Frame f;
        try {
            f = c.readMessage(timeout());
        } catch (EOFException e) {
            throw new AssertionFailedError(what + ": the server closed the connection", e);
        }
        assertNotNull(f, what + ": nothing within " + timeout().toMillis() + " ms");
        assertEquals(opcode, f.opcode(), what + ": opcode; got " + f);
        assertTrue(!f.masked(), what + ": server frames must not be masked (RFC 6455 §5.1)");
        assertBytes(payload, f.payload(), what);
    }

    private static void assertBytes(byte[] expected, byte[] actual, String what) {
        if (Arrays.equals(expected, actual)) {
            return;
        }
        int i = Arrays.mismatch(expected, actual);
        fail(what + ": expected " + expected.length + " bytes, got " + actual.length + "; first difference at index "
                + i);
    }

    private Frame nextNonPing(RawWebSocketClient c, String what) throws IOException {
        long deadline = System.nanoTime() + timeout().toNanos();
        while (System.nanoTime() - deadline < 0) {
            Frame f = c.readFrame(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (f == null) {
                break;
            }
            if (f.opcode() != OP_PING) {
                return f;
            }
            c.sendFrame(Frame.of(OP_PONG, f.payload()));
        }
        throw new AssertionFailedError(what + ": nothing within " + timeout().toMillis() + " ms");
    }

    private static void sendFragmented(RawWebSocketClient c, int opcode, byte[] data, int fragments)
            throws IOException {
        int step = (data.length + fragments - 1) / fragments;
        for (int i = 0; i < fragments; i++) {
            int from = Math.min(data.length, i * step);
            int to = i == fragments - 1 ? data.length : Math.min(data.length, from + step);
            c.sendFrame(new Frame(i == fragments - 1, 0, i == 0 ? opcode : OP_CONTINUATION, true,
                    Arrays.copyOfRange(data, from, to)));
        }
    }

    private static byte[] asciiText(int size) {
        byte[] b = new byte[size];
        Random r = new Random(size);
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + r.nextInt(26));
        }
        return b;
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String describe(Object o) {
        if (o == null) {
            return "nothing";
        }
        if (o instanceof byte[]) {
            return "binary of " + ((byte[]) o).length + " bytes";
        }
        if (o instanceof String) {
            String s = (String) o;
            return "text of " + s.length() + " chars";
        }
        return o.toString();
    }

    // -------------------------------------------------------------------------------------------- slow consumer

    private static final int SLOW_MESSAGE_BYTES = 16 * 1024;
    private static final int SLOW_MAX_MESSAGES = 16;
    private static final long SLOW_MAX_BYTES = 1L << 20;
    private static final int SLOW_MAX_PUBLISHED = 8_000;
    private static final int FAST_WINDOW = 4;

    private void slowConsumer(SlowConsumerPolicy policy) throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Map<Long, AtomicLong> lagged = new ConcurrentHashMap<>();
            Map<Long, AtomicLong> disconnected = new ConcurrentHashMap<>();
            HubListener listener = new HubListener() {
                @Override
                public void onLagged(Session session, long lost) {
                    lagged.computeIfAbsent(session.id(), k -> new AtomicLong()).addAndGet(lost);
                }

                @Override
                public void onSlowConsumerDisconnected(Session session, long lost) {
                    disconnected.computeIfAbsent(session.id(), k -> new AtomicLong()).addAndGet(lost);
                }
            };
            Hub hub = hub(env, policy, listener);
            ObservedEndpoint ep = new ObservedEndpoint(new BroadcastEndpoint(hub, false), env);
            ServerConfig config = baseConfig().maxQueuedMessages(SLOW_MAX_MESSAGES).maxQueuedBytes(SLOW_MAX_BYTES)
                    .closeTimeout(Duration.ofSeconds(1)).build();
            RunningServer server = start(env, config, ep, HandshakePolicy.acceptAll());
            RawWebSocketClient slow = env.closeLater(RawWebSocketClient.open(server.uri(), timeout(), Map.of(),
                    4096));
            env.awaitCondition(() -> ep.opens() == 1, timeout(), () -> "the slow client's session");
            Session slowSession = ep.session(0);
            RawWebSocketClient fast = open(env, server);
            env.awaitCondition(() -> ep.opens() == 2, timeout(), () -> "the fast client's session");

            AtomicInteger fastReceived = new AtomicInteger();
            AtomicBoolean stopFast = new AtomicBoolean();
            env.closeLater(() -> stopFast.set(true));
            env.spawn("fast-reader", () -> {
                int next = 0;
                while (!stopFast.get()) {
                    Frame f;
                    try {
                        f = fast.readMessage(Duration.ofMillis(100));
                    } catch (IOException e) {
                        if (stopFast.get()) {
                            return;
                        }
                        throw e;
                    }
                    if (f == null || f.opcode() == OP_TEXT) {
                        continue;
                    }
                    if (f.opcode() != OP_BINARY) {
                        throw new AssertionFailedError("fast client: expected binary, got " + f
                                + " (a reading client must not be treated as slow)");
                    }
                    int seq = ByteBuffer.wrap(f.payload()).getInt();
                    if (seq != next) {
                        throw new AssertionFailedError("fast client: expected message " + next + ", got " + seq);
                    }
                    next++;
                    fastReceived.set(next);
                }
            });
            AtomicLong maxMessages = new AtomicLong();
            AtomicLong maxBytes = new AtomicLong();
            AtomicBoolean stopSampler = new AtomicBoolean();
            env.closeLater(() -> stopSampler.set(true));
            env.spawn("queue-sampler", () -> {
                while (!stopSampler.get()) {
                    maxMessages.accumulateAndGet(slowSession.queuedMessages(), Math::max);
                    maxBytes.accumulateAndGet(slowSession.queuedBytes(), Math::max);
                    Thread.sleep(1);
                }
            });

            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int published = 0;
            boolean policyMet = false;
            while (published < SLOW_MAX_PUBLISHED && System.nanoTime() - deadline < 0 && !env.isFailed()) {
                byte[] payload = new byte[SLOW_MESSAGE_BYTES];
                ByteBuffer.wrap(payload).putInt(published);
                Message m = Message.binary(payload);
                PublishResult r = hub.broadcast(m);
                if (r == PublishResult.BACKPRESSURED) {
                    Thread.sleep(1);
                    continue;
                }
                assertEquals(PublishResult.ACCEPTED, r, "the hub refused a broadcast");
                published++;
                int target = published - FAST_WINDOW;
                env.awaitCondition(() -> fastReceived.get() >= target, timeout(),
                        () -> "the fast client to keep up (received " + fastReceived.get() + ")");
                if (maxMessages.get() > SLOW_MAX_MESSAGES || maxBytes.get() > SLOW_MAX_BYTES) {
                    break;
                }
                policyMet = policy == SlowConsumerPolicy.DISCONNECT ? disconnected.containsKey(slowSession.id())
                        : lagged.containsKey(slowSession.id());
                if (policyMet) {
                    break;
                }
            }
            env.verifyNoAsyncErrors();
            assertTrue(maxMessages.get() <= SLOW_MAX_MESSAGES, "the stalled client's queue held " + maxMessages.get()
                    + " messages; the limit is " + SLOW_MAX_MESSAGES);
            assertTrue(maxBytes.get() <= SLOW_MAX_BYTES, "the stalled client's queue held " + maxBytes.get()
                    + " bytes; the limit is " + SLOW_MAX_BYTES);
            assertTrue(policyMet, "a client that stopped reading must meet the " + policy + " policy after at most "
                    + published + " messages of " + SLOW_MESSAGE_BYTES + " bytes with maxQueuedMessages "
                    + SLOW_MAX_MESSAGES + "; the hub's listener was never told (lagged=" + lagged + ", disconnected="
                    + disconnected + ")");
            int total = published;
            env.awaitCondition(() -> fastReceived.get() == total, timeout(),
                    () -> "the fast client to receive all " + total + " messages, got " + fastReceived.get());
            stopSampler.set(true);
            assertTrue(maxMessages.get() <= SLOW_MAX_MESSAGES, "the stalled client's queue held " + maxMessages.get()
                    + " messages; the limit is " + SLOW_MAX_MESSAGES);
            assertTrue(maxBytes.get() <= SLOW_MAX_BYTES, "the stalled client's queue held " + maxBytes.get()
                    + " bytes; the limit is " + SLOW_MAX_BYTES);

            if (policy == SlowConsumerPolicy.DISCONNECT) {
                CloseResult r = slow.awaitClose(timeout().multipliedBy(2), true);
                assertTrue(r.closeFrameReceived() || r.tcpClosed(), "the slow client must be disconnected");
                if (r.closeFrameReceived()) {
                    assertEquals(SlowConsumerPolicy.DISCONNECT_CODE.code(), r.code(), "slow-consumer close code");
                }
                env.awaitCondition(() -> ep.closeCode(slowSession.id()) != null, timeout(),
                        () -> "the slow session's onClose");
            } else {
                List<Integer> got = new ArrayList<>();
                AtomicBoolean readerDone = new AtomicBoolean();
                Message marker = Message.text("end");
                env.spawn("slow-reader", () -> {
                    while (true) {
                        Frame f = slow.readMessage(timeout());
                        if (f == null) {
                            throw new AssertionFailedError("the slow client, reading again, got nothing more after "
                                    + got.size() + " messages");
                        }
                        if (f.opcode() == OP_TEXT) {
                            break;
                        }
                        if (f.opcode() != OP_BINARY) {
                            throw new AssertionFailedError("slow client: unexpected " + f);
                        }
                        synchronized (got) {
                            got.add(ByteBuffer.wrap(f.payload()).getInt());
                        }
                    }
                    readerDone.set(true);
                });
                env.awaitCondition(() -> slowSession.queuedMessages() == 0, timeout(),
                        () -> "the slow client's queue to drain once it reads, at " + slowSession.queuedMessages());
                PublishResult r = PublishResult.BACKPRESSURED;
                long d2 = System.nanoTime() + timeout().toNanos();
                while (r == PublishResult.BACKPRESSURED && System.nanoTime() - d2 < 0) {
                    r = hub.broadcast(marker);
                }
                assertEquals(PublishResult.ACCEPTED, r, "the end marker");
                env.awaitCondition(readerDone::get, timeout(), () -> "the slow client to receive the end marker");
                List<Integer> seqs;
                synchronized (got) {
                    seqs = List.copyOf(got);
                }
                assertTrue(seqs.size() < total, "the slow client should have lost messages under " + policy);
                for (int i = 1; i < seqs.size(); i++) {
                    assertTrue(seqs.get(i) > seqs.get(i - 1), "what the slow client receives must stay in order: "
                            + seqs.get(i - 1) + " then " + seqs.get(i));
                }
                assertTrue(slowSession.isOpen(), policy + " must keep the slow client connected");
            }
            assertNull(ep.closeCode(ep.session(1).id()), "the fast client must stay connected");
        }
    }
}
