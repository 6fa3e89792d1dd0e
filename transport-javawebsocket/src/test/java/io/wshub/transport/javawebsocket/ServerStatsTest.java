package io.wshub.transport.javawebsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.HandshakeVerdict;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.ServerStats;
import io.wshub.api.Session;
import io.wshub.testkit.RawWebSocketClient;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link RunningServer#stats()} over real sockets: each counter moves when what it counts happens. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerStatsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int FLOOD_MESSAGE = 64 * 1024;
    /** Well above what loopback socket buffers take, so most of a flood stays queued. */
    private static final long QUEUE_BYTES = 16L * 1024 * 1024;

    private RunningServer server;

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

    @BeforeEach
    void start() throws Exception {
        HandshakePolicy denyOnQuery = request -> request.query().contains("deny")
                ? HandshakeVerdict.reject(403, "denied")
                : HandshakeVerdict.accept();
        server = new JavaWebSocketTransportProvider().start(ServerConfig.builder().host("127.0.0.1").port(0)
                .maxQueuedMessages(1024).maxQueuedBytes(QUEUE_BYTES).build(), ENDPOINT, denyOnQuery);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    @Timeout(30)
    void shouldSupportStatsAndStartAtZero() {
        assertThat(server.supportsStats()).isTrue();
        ServerStats s = server.stats();
        assertThat(s.connections()).isZero();
        assertThat(s.handshakesAccepted()).isZero();
        assertThat(s.handshakesRejected().total()).isZero();
        assertThat(s.closes().total()).isZero();
        assertThat(s.messagesIn() + s.messagesOut() + s.bytesIn() + s.bytesOut()).isZero();
    }

    @Test
    @Timeout(30)
    void shouldCountRejectedHandshakesByStatus() throws Exception {
        URI denied = URI.create(server.uri() + "?deny=1");
        try (RawWebSocketClient c = RawWebSocketClient.connect(denied, WAIT)) {
            c.sendRaw(RawWebSocketClient.requestHead("GET", RawWebSocketClient.requestTarget(denied), "HTTP/1.1",
                    RawWebSocketClient.upgradeHeaders(denied, RawWebSocketClient.newKey())));
            assertThat(c.readHttpResponse(WAIT).status()).isEqualTo(403);
        }
        URI elsewhere = URI.create("ws://127.0.0.1:" + server.port() + "/elsewhere");
        try (RawWebSocketClient c = RawWebSocketClient.connect(elsewhere, WAIT)) {
            c.sendRaw(RawWebSocketClient.requestHead("GET", "/elsewhere", "HTTP/1.1",
                    RawWebSocketClient.upgradeHeaders(elsewhere, RawWebSocketClient.newKey())));
            assertThat(c.readHttpResponse(WAIT).status()).isEqualTo(404);
        }
        ServerStats s = await(st -> st.handshakesRejected().total() == 2);
        assertThat(s.handshakesRejected().count(403)).isEqualTo(1);
        assertThat(s.handshakesRejected().count(404)).isEqualTo(1);
        assertThat(s.handshakesAccepted()).isZero();
        assertThat(s.connections()).isZero();
    }

    @Test
    @Timeout(30)
    void shouldCountHandshakesMessagesBytesAndClosesByCode() throws Exception {
        try (RawWebSocketClient c = RawWebSocketClient.open(server.uri(), WAIT)) {
            c.sendText("hello");
            c.sendBinary(new byte[] {1, 2, 3});
            assertThat(c.readMessage(WAIT).text()).isEqualTo("hello");
            assertThat(c.readMessage(WAIT).payload()).containsExactly(1, 2, 3);
            ServerStats s = await(st -> st.messagesOut() == 2);
            assertThat(s.handshakesAccepted()).isEqualTo(1);
            assertThat(s.connections()).isEqualTo(1);
            assertThat(s.messagesIn()).isEqualTo(2);
            assertThat(s.bytesIn()).isEqualTo(8);
            assertThat(s.bytesOut()).isEqualTo(8);
            assertThat(s.closes().total()).isZero();
            c.sendClose(1000, "bye");
            assertThat(c.awaitClose(WAIT).code()).isEqualTo(1000);
        }
        try (RawWebSocketClient c = RawWebSocketClient.open(server.uri(), WAIT)) {
            c.sendClose(4321, "application code");
            c.awaitClose(WAIT);
        }
        ServerStats s = await(st -> st.closes().total() == 2 && st.connections() == 0);
        assertThat(s.closes().count(1000)).isEqualTo(1);
        assertThat(s.closes().other()).isEqualTo(1);
        assertThat(s.handshakesAccepted()).isEqualTo(2);
    }

    @Test
    @Timeout(30)
    void shouldReportTheQueuedBytesAndTheLargestQueueOfAClientThatStopsReading() throws Exception {
        try (RawWebSocketClient idle = RawWebSocketClient.open(server.uri(), WAIT);
             RawWebSocketClient slow = RawWebSocketClient.open(server.uri(), WAIT, Map.of(), 4096)) {
            slow.sendText("flood");
            // The slow client never reads: what the socket buffers cannot take stays queued for it.
            ServerStats s = await(st -> st.largestQueueBytes() > QUEUE_BYTES / 4);
            assertThat(s.connections()).isEqualTo(2);
            assertThat(s.largestQueueMessages()).isPositive();
            assertThat(s.queuedMessages()).isEqualTo(s.largestQueueMessages()); // the idle client queues nothing
            assertThat(s.queuedBytes()).isEqualTo(s.largestQueueBytes());
            assertThat(s.largestQueueBytes()).isLessThanOrEqualTo(QUEUE_BYTES);
            assertThat(idle.isTcpClosed()).isFalse();
        }
        ServerStats s = await(st -> st.connections() == 0);
        assertThat(s.queuedMessages()).isZero();
        assertThat(s.queuedBytes()).isZero();
        assertThat(s.largestQueueBytes()).isZero();
    }

    /** Polls the stats until they match, for at most {@link #WAIT}; returns the matching snapshot. */
    private ServerStats await(Predicate<ServerStats> condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        ServerStats s = server.stats();
        while (!condition.test(s)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("stats did not reach the expected values within " + WAIT + ": " + s);
            }
            Thread.sleep(10);
            s = server.stats();
        }
        return s;
    }
}
