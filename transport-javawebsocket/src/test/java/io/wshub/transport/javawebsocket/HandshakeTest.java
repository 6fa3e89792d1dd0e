package io.wshub.transport.javawebsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Endpoints;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.HandshakeVerdict;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.testkit.RawWebSocketClient;
import io.wshub.testkit.RawWebSocketClient.Frame;
import io.wshub.testkit.RawWebSocketClient.HttpResponse;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The upgrade handshake, including the requests plain Java-WebSocket 1.6.0 gets wrong (101 without Upgrade, 101 for a
 * key that is not 16 bytes, a bare 404 for another version) and our exact rejection statuses.
 */
@Timeout(60)
class HandshakeTest {

    private static final Duration T = Duration.ofSeconds(10);

    private final AtomicInteger opens = new AtomicInteger();
    private RunningServer server;

    @BeforeEach
    void start() throws Exception {
        HandshakePolicy policy = request -> {
            String token = request.header("X-Token");
            if ("boom".equals(token)) {
                throw new IllegalStateException("policy bug");
            }
            return "nope".equals(token) ? HandshakeVerdict.reject(403, "bad token") : HandshakeVerdict.accept();
        };
        server = new JavaWebSocketTransportProvider().start(
                ServerConfig.builder().port(0).maxConnections(3).build(),
                new io.wshub.api.Endpoint() {
                    @Override
                    public void onOpen(io.wshub.api.Session session) {
                        opens.incrementAndGet();
                    }

                    @Override
                    public void onMessage(io.wshub.api.Session session, io.wshub.api.Message message) {
                        Endpoints.echo().onMessage(session, message);
                    }
                }, policy);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private HttpResponse request(String method, String version, Map<String, String> headers) throws Exception {
        try (RawWebSocketClient c = RawWebSocketClient.connect(server.uri(), T)) {
            c.sendRaw(RawWebSocketClient.requestHead(method, "/ws", version, headers));
            HttpResponse r = c.readHttpResponse(T);
            if (r.status() != 101) {
                assertThat(c.awaitTcpClose(T)).as("connection closed after %s", r.statusLine()).isTrue();
            }
            return r;
        }
    }

    private Map<String, String> valid() {
        return RawWebSocketClient.upgradeHeaders(server.uri(), RawWebSocketClient.newKey());
    }

    @Test
    void shouldReportTheEphemeralPortItBound() {
        assertThat(server.port()).isPositive();
        assertThat(server.uri()).isEqualTo(URI.create("ws://127.0.0.1:" + server.port() + "/ws"));
        assertThat(server.transportName()).isEqualTo("java-websocket");
    }

    @Test
    void shouldUpgradeAWellFormedRequestWithTheRightAccept() throws Exception {
        String key = RawWebSocketClient.newKey();
        Map<String, String> h = RawWebSocketClient.upgradeHeaders(server.uri(), key);
        try (RawWebSocketClient c = RawWebSocketClient.connect(server.uri(), T)) {
            c.sendRaw(RawWebSocketClient.requestHead("GET", "/ws?room=1", "HTTP/1.1", h));
            HttpResponse r = c.readHttpResponse(T);
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("Sec-WebSocket-Accept")).isEqualTo(RawWebSocketClient.acceptFor(key));
            assertThat(r.header("Upgrade")).isEqualToIgnoringCase("websocket");
            c.sendText("hi");
            Frame f = c.readMessage(T);
            assertThat(f.text()).isEqualTo("hi");
        }
    }

    @Test
    void shouldRefuseGetWithoutUpgradeWith400() throws Exception {
        Map<String, String> h = valid();
        h.remove("Upgrade");
        h.put("Connection", "keep-alive");
        assertThat(request("GET", "HTTP/1.1", h).status()).isEqualTo(400);
        assertThat(opens).hasValue(0);
    }

    @Test
    void shouldRefuseAKeyThatIsNotSixteenBytesWith400() throws Exception {
        Map<String, String> h = valid();
        h.put("Sec-WebSocket-Key", "dG9vIHNob3J0");
        assertThat(request("GET", "HTTP/1.1", h).status()).isEqualTo(400);
        h.put("Sec-WebSocket-Key", "not base64 at all!");
        assertThat(request("GET", "HTTP/1.1", h).status()).isEqualTo(400);
        h.remove("Sec-WebSocket-Key");
        assertThat(request("GET", "HTTP/1.1", h).status()).isEqualTo(400);
        assertThat(opens).hasValue(0);
    }

    @Test
    void shouldAnswerAnotherVersionWith426AndTheVersionWeSpeak() throws Exception {
        Map<String, String> h = valid();
        h.put("Sec-WebSocket-Version", "8");
        HttpResponse r = request("GET", "HTTP/1.1", h);
        assertThat(r.status()).isEqualTo(426);
        assertThat(r.header("Sec-WebSocket-Version")).isEqualTo("13");
        h.remove("Sec-WebSocket-Version");
        r = request("GET", "HTTP/1.1", h);
        assertThat(r.status()).isEqualTo(426);
        assertThat(r.header("Sec-WebSocket-Version")).isEqualTo("13");
    }

    @Test
    void shouldRefuseOtherMethodsHttp10AndOtherPaths() throws Exception {
        HttpResponse post = request("POST", "HTTP/1.1", valid());
        assertThat(post.status()).as("the same answer as every transport: the kernel's validator").isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET");
        assertThat(request("GET", "HTTP/1.0", valid()).status()).isEqualTo(400);
        try (RawWebSocketClient c = RawWebSocketClient.connect(server.uri(), T)) {
            c.sendRaw(RawWebSocketClient.requestHead("GET", "/other", "HTTP/1.1", valid()));
            assertThat(c.readHttpResponse(T).status()).isEqualTo(404);
        }
        assertThat(opens).hasValue(0);
    }

    @Test
    void shouldAnswerPolicyRejectionWithItsStatusAndA500WhenThePolicyThrows() throws Exception {
        Map<String, String> h = valid();
        h.put("X-Token", "nope");
        assertThat(request("GET", "HTTP/1.1", h).status()).isEqualTo(403);
        h.put("X-Token", "boom");
        assertThat(request("GET", "HTTP/1.1", h).status()).as("a policy that throws is the server's fault")
                .isEqualTo(500);
        assertThat(opens).hasValue(0);
        // and keeps serving everyone else
        try (RawWebSocketClient c = RawWebSocketClient.open(server.uri(), T)) {
            c.sendText("still here");
            assertThat(c.readMessage(T).text()).isEqualTo("still here");
        }
    }

    @Test
    void shouldServeAFrameSentInTheSameWriteAsTheRequest() throws Exception {
        String key = RawWebSocketClient.newKey();
        byte[] head = RawWebSocketClient.requestHead("GET", "/ws", "HTTP/1.1",
                RawWebSocketClient.upgradeHeaders(server.uri(), key));
        byte[] frame = RawWebSocketClient.encode(Frame.of(RawWebSocketClient.OP_TEXT,
                "right behind the head".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        byte[] both = java.util.Arrays.copyOf(head, head.length + frame.length);
        System.arraycopy(frame, 0, both, head.length, frame.length);
        try (RawWebSocketClient c = RawWebSocketClient.connect(server.uri(), T)) {
            c.sendRaw(both);
            HttpResponse r = c.readHttpResponse(T);
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("Sec-WebSocket-Accept")).isEqualTo(RawWebSocketClient.acceptFor(key));
            assertThat(c.readMessage(T).text()).isEqualTo("right behind the head");
        }
    }

    @Test
    void shouldUpgradeARequestThatArrivesInPieces() throws Exception {
        byte[] head = RawWebSocketClient.requestHead("GET", "/ws", "HTTP/1.1", valid());
        try (RawWebSocketClient c = RawWebSocketClient.connect(server.uri(), T)) {
            int[] cuts = {0, 3, 40, head.length - 1, head.length};
            for (int i = 1; i < cuts.length; i++) {
                c.sendRaw(java.util.Arrays.copyOfRange(head, cuts[i - 1], cuts[i]));
                Thread.sleep(30);
            }
            assertThat(c.readHttpResponse(T).status()).isEqualTo(101);
            c.sendText("whole");
            assertThat(c.readMessage(T).text()).isEqualTo("whole");
        }
    }

    @Test
    void shouldAnswer431BeyondTheHeadLimitsAndCountIt() throws Exception {
        Map<String, String> big = valid();
        big.put("X-Big", "b".repeat(ServerConfig.DEFAULT_MAX_REQUEST_HEADER_SIZE));
        HttpResponse r = request("GET", "HTTP/1.1", big);
        assertThat(r.status()).isEqualTo(431);
        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
        assertThat(r.header("Connection")).isEqualTo("close");
        Map<String, String> many = valid();
        for (int i = 0; i < ServerConfig.DEFAULT_MAX_REQUEST_HEADERS; i++) {
            many.put("X-" + i, "m");
        }
        assertThat(request("GET", "HTTP/1.1", many).status()).isEqualTo(431);
        assertThat(server.stats().handshakesRejected().count(431)).isEqualTo(2);
        assertThat(opens).hasValue(0);
    }

    @Test
    void shouldAnswer400ToAHeadTheLibraryCannotParse() throws Exception {
        try (RawWebSocketClient c = RawWebSocketClient.connect(server.uri(), T)) {
            c.sendRaw(("GET /ws HTTP/1.1\nHost: 127.0.0.1\nUpgrade: websocket\nConnection: Upgrade\n"
                    + "Sec-WebSocket-Key: " + RawWebSocketClient.newKey() + "\nSec-WebSocket-Version: 13\n\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            HttpResponse r = c.readHttpResponse(T);
            assertThat(r.status()).isEqualTo(400);
            assertThat(c.awaitTcpClose(T)).isTrue();
        }
        assertThat(opens).hasValue(0);
    }

    @Test
    void shouldAnswer503AtTheConnectionLimit() throws Exception {
        try (RawWebSocketClient a = RawWebSocketClient.open(server.uri(), T);
             RawWebSocketClient b = RawWebSocketClient.open(server.uri(), T);
             RawWebSocketClient c = RawWebSocketClient.open(server.uri(), T)) {
            long deadline = System.nanoTime() + T.toNanos();
            while (server.sessionCount() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(request("GET", "HTTP/1.1", valid()).status()).isEqualTo(503);
            a.sendText("a");
            assertThat(a.readMessage(T).text()).isEqualTo("a");
        }
    }
}
