package io.wshub.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.HandshakeVerdict;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.ServerStats;
import io.wshub.api.Session;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The conformance rules of {@link RunningServer#stats()}, over real sockets: each counter moves when what it counts
 * happens. Extend it, implement {@link #startServer}, name the subclass {@code *Test}. A server whose
 * {@link RunningServer#supportsStats()} is false gets every rule skipped with that reason.
 *
 * <pre>{@code
 * class MyServerStatsTest extends ServerStatsVerification {
 *     @Override
 *     protected RunningServer startServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
 *             throws Exception {
 *         return new MyTransportProvider().start(config, endpoint, policy);
 *     }
 * }
 * }</pre>
 *
 * <p>Threading: JUnit calls the rules on its own threads; each rule starts one server and stops it afterwards.
 */
public abstract class ServerStatsVerification {

    private static final int FLOOD_MESSAGE = 64 * 1024;
    /** Well above what loopback socket buffers take, so most of a flood stays queued. */
    private static final long QUEUE_BYTES = 16L * 1024 * 1024;

    /** Echoes every message; on the text {@code flood}, offers 64 KiB messages until the session's queue is full. */
    private static final Endpoint ENDPOINT = new Endpoint() {
        @Override
        public void onMessage(Session session, Message message) {
            if (message instanceof Message.Text t && t.asString().equals("flood")) {
                Message big = Message.binary(new byte[FLOOD_MESSAGE]);
                for (int i = 0; i < 1_024 && session.offer(big) == OfferResult.ENQUEUED; i++) {
                    // keep offering until FULL
                }
                session.flush();
                return;
            }
            session.offer(message);
            session.flush();
        }
    };

    private RunningServer server;

    /** Creates the suite; subclasses are instantiated by JUnit. */
    protected ServerStatsVerification() {
    }

    /**
     * Starts the server under test on 127.0.0.1 with an ephemeral port. The suite stops it.
     *
     * @param config the configuration to serve; never null
     * @param endpoint the endpoint to serve; never null
     * @param policy the handshake policy to apply; never null
     * @return the running server; not null
     * @throws Exception if it cannot start
     */
    protected abstract RunningServer startServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
            throws Exception;

    /**
     * Returns how long a rule waits for a counter to move, and for a client to get an answer.
     *
     * @return the timeout; default 10 seconds
     */
    protected Duration asyncTimeout() {
        return Duration.ofSeconds(10);
    }

    private RunningServer start() throws Exception {
        HandshakePolicy denyOnQuery = request -> request.query().contains("deny")
                ? HandshakeVerdict.reject(403, "denied")
                : HandshakeVerdict.accept();
        server = startServer(ServerConfig.builder().host("127.0.0.1").port(0).maxQueuedMessages(1024)
                .maxQueuedBytes(QUEUE_BYTES).build(), ENDPOINT, denyOnQuery);
        if (!server.supportsStats()) {
            Assumptions.abort(server.transportName() + " does not count its traffic (supportsStats() is false)");
        }
        return server;
    }

    /** Stops the server a rule started. */
    @AfterEach
    public void stopServer() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /**
     * A new server has counted nothing.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_stats_startAtZero() throws Exception {
        ServerStats s = start().stats();
        assertEquals(0, s.connections(), "connections");
        assertEquals(0, s.handshakesAccepted(), "handshakes accepted");
        assertEquals(0, s.handshakesRejected().total(), "handshakes rejected");
        assertEquals(0, s.closes().total(), "closes");
        assertEquals(0, s.messagesIn() + s.messagesOut() + s.bytesIn() + s.bytesOut(), "messages and bytes");
    }

    /**
     * A rejected upgrade is counted under the status it was answered with, and opens nothing.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_stats_rejectedHandshakesAreCountedByStatus() throws Exception {
        RunningServer srv = start();
        Duration wait = asyncTimeout();
        URI denied = URI.create(srv.uri() + "?deny=1");
        try (RawWebSocketClient c = RawWebSocketClient.connect(denied, wait)) {
            c.sendRaw(RawWebSocketClient.requestHead("GET", RawWebSocketClient.requestTarget(denied), "HTTP/1.1",
                    RawWebSocketClient.upgradeHeaders(denied, RawWebSocketClient.newKey())));
            assertEquals(403, c.readHttpResponse(wait).status(), "the policy's rejection");
        }
        URI elsewhere = URI.create("ws://127.0.0.1:" + srv.port() + "/elsewhere");
        try (RawWebSocketClient c = RawWebSocketClient.connect(elsewhere, wait)) {
            c.sendRaw(RawWebSocketClient.requestHead("GET", "/elsewhere", "HTTP/1.1",
                    RawWebSocketClient.upgradeHeaders(elsewhere, RawWebSocketClient.newKey())));
            assertEquals(404, c.readHttpResponse(wait).status(), "another path");
        }
        ServerStats s = await(st -> st.handshakesRejected().total() == 2);
        assertEquals(1, s.handshakesRejected().count(403), "rejected with 403");
        assertEquals(1, s.handshakesRejected().count(404), "rejected with 404");
        assertEquals(0, s.handshakesAccepted(), "accepted");
        assertEquals(0, s.connections(), "connections");
    }

    /**
     * Accepted upgrades, messages and payload bytes in both directions, and closes by the code the endpoint was told
     * (an application code in the {@code other} bucket).
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_stats_handshakesMessagesBytesAndClosesByCode() throws Exception {
        RunningServer srv = start();
        Duration wait = asyncTimeout();
        try (RawWebSocketClient c = RawWebSocketClient.open(srv.uri(), wait)) {
            c.sendText("hello");
            c.sendBinary(new byte[] {1, 2, 3});
            assertEquals("hello", c.readMessage(wait).text());
            assertArrayEquals(new byte[] {1, 2, 3}, c.readMessage(wait).payload());
            ServerStats s = await(st -> st.messagesOut() == 2);
            assertEquals(1, s.handshakesAccepted(), "accepted");
            assertEquals(1, s.connections(), "connections");
            assertEquals(2, s.messagesIn(), "messages in");
            assertEquals(8, s.bytesIn(), "payload bytes in");
            assertEquals(8, s.bytesOut(), "payload bytes out");
            assertEquals(0, s.closes().total(), "closes while open");
            c.sendClose(1000, "bye");
            assertEquals(1000, c.awaitClose(wait).code());
        }
        try (RawWebSocketClient c = RawWebSocketClient.open(srv.uri(), wait)) {
            c.sendClose(4321, "application code");
            c.awaitClose(wait);
        }
        ServerStats s = await(st -> st.closes().total() == 2 && st.connections() == 0);
        assertEquals(1, s.closes().count(1000), "closes with 1000");
        assertEquals(1, s.closes().other(), "closes with an application code");
        assertEquals(2, s.handshakesAccepted(), "accepted");
    }

    /**
     * A client that stops reading: its queue shows in the queued totals and as the largest queue, within the
     * configured limit, while an idle client queues nothing; all of it is gone once the clients are.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_stats_queueOfAClientThatStopsReading() throws Exception {
        RunningServer srv = start();
        Duration wait = asyncTimeout();
        try (RawWebSocketClient idle = RawWebSocketClient.open(srv.uri(), wait);
             RawWebSocketClient slow = RawWebSocketClient.open(srv.uri(), wait, Map.of(), 4096)) {
            slow.sendText("flood");
            // The slow client never reads: what the socket buffers cannot take stays queued for it.
            ServerStats s = await(st -> st.largestQueueBytes() > QUEUE_BYTES / 4);
            assertEquals(2, s.connections(), "connections");
            assertTrue(s.largestQueueMessages() > 0, "largest queue in messages: " + s);
            assertEquals(s.largestQueueMessages(), s.queuedMessages(), "the idle client queues nothing");
            assertEquals(s.largestQueueBytes(), s.queuedBytes(), "the idle client queues nothing");
            assertTrue(s.largestQueueBytes() <= QUEUE_BYTES, "within maxQueuedBytes: " + s);
            assertFalse(idle.isTcpClosed(), "the idle client is still served");
        }
        ServerStats s = await(st -> st.connections() == 0);
        assertEquals(0, s.queuedMessages(), "queued messages once the clients are gone");
        assertEquals(0, s.queuedBytes(), "queued bytes once the clients are gone");
        assertEquals(0, s.largestQueueBytes(), "largest queue once the clients are gone");
    }

    /** Polls the stats until they match, for at most {@link #asyncTimeout()}; returns the matching snapshot. */
    private ServerStats await(Predicate<ServerStats> condition) throws InterruptedException {
        Duration wait = asyncTimeout();
        long deadline = System.nanoTime() + wait.toNanos();
        ServerStats s = server.stats();
        while (!condition.test(s)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("stats did not reach the expected values within " + wait + ": " + s);
            }
            Thread.sleep(10);
            s = server.stats();
        }
        return s;
    }
}
