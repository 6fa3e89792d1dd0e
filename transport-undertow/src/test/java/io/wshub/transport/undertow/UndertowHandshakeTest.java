package io.wshub.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Endpoint;
import io.wshub.api.Endpoints;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.HandshakeVerdict;
import io.wshub.api.Message;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import io.wshub.api.Transports;
import io.wshub.testkit.RawWebSocketClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UndertowHandshakeTest {

    private RunningServer server;

    private RunningServer start(ServerConfig.Builder config, Endpoint endpoint, HandshakePolicy policy)
            throws Exception {
        server = new UndertowTransportProvider().start(config.host("127.0.0.1").port(0).build(), endpoint, policy);
        return server;
    }

    private RunningServer start() throws Exception {
        return start(ServerConfig.builder(), Endpoints.echo(), HandshakePolicy.acceptAll());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    @Timeout(30)
    void shouldBeFoundByNameThroughServiceLoader() {
        assertThat(Transports.available()).contains("undertow");
        assertThat(Transports.provider("undertow")).isInstanceOf(UndertowTransportProvider.class);
    }

    @Test
    @Timeout(30)
    void shouldReportTheEphemeralPortItBound() throws Exception {
        start();
        assertThat(server.port()).isPositive();
        assertThat(server.uri().toString()).isEqualTo("ws://127.0.0.1:" + server.port() + "/ws");
        assertThat(server.transportName()).isEqualTo("undertow");
    }

    @Test
    @Timeout(30)
    void shouldAnswerAValidHandshakeWith101AndTheRightAccept() throws Exception {
        start();
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.upgrade("/ws");
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.statusLine()).startsWith("HTTP/1.1 101");
            assertThat(r.header("Sec-WebSocket-Accept")).isEqualTo(RawClient.ACCEPT);
            assertThat(r.header("Upgrade")).isEqualToIgnoringCase("websocket");
            c.text("hello");
            RawClient.Frame f = c.read();
            assertThat(f.opcode()).isEqualTo(1);
            assertThat(f.masked()).isFalse();
            assertThat(f.text()).isEqualTo("hello");
        }
    }

    @Test
    @Timeout(30)
    void shouldRefuseAGetWithoutUpgradeWith400() throws Exception {
        start();
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.send(RawClient.request("GET", "/ws", "HTTP/1.1", "Host: 127.0.0.1"));
            assertThat(r.status()).isEqualTo(400);
        }
    }

    @Test
    @Timeout(30)
    void shouldRefuseAKeyThatIsNot16BytesWith400() throws Exception {
        start();
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.send(RawClient.request("GET", "/ws", "HTTP/1.1", "Host: 127.0.0.1",
                    "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: c2hvcnQ=",
                    "Sec-WebSocket-Version: 13"));
            assertThat(r.status()).isEqualTo(400);
        }
    }

    @Test
    @Timeout(30)
    void shouldRefuseHttp10With400() throws Exception {
        start();
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.send(RawClient.request("GET", "/ws", "HTTP/1.0", RawClient.upgradeHeaders()));
            assertThat(r.status()).isEqualTo(400);
        }
    }

    @Test
    @Timeout(30)
    void shouldAnswerAnotherVersionWith426AndTheSupportedVersion() throws Exception {
        start();
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.send(RawClient.request("GET", "/ws", "HTTP/1.1", "Host: 127.0.0.1",
                    "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: " + RawClient.KEY,
                    "Sec-WebSocket-Version: 8"));
            assertThat(r.status()).isEqualTo(426);
            assertThat(r.header("Sec-WebSocket-Version")).isEqualTo("13");
        }
    }

    @Test
    @Timeout(30)
    void shouldRefuseAnotherMethodWith405() throws Exception {
        start();
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.send(RawClient.request("POST", "/ws", "HTTP/1.1",
                    RawClient.upgradeHeaders("Content-Length: 0")));
            assertThat(r.status()).isEqualTo(405);
        }
    }

    @Test
    @Timeout(30)
    void shouldAnswer404ForAnotherPath() throws Exception {
        start();
        try (RawClient c = new RawClient(server.port())) {
            assertThat(c.upgrade("/other").status()).isEqualTo(404);
        }
    }

    @Test
    @Timeout(30)
    void shouldKeepServingAfterMalformedRequests() throws Exception {
        start();
        for (int i = 0; i < 3; i++) {
            try (RawClient bad = new RawClient(server.port())) {
                bad.send(RawClient.request("GET", "/ws", "HTTP/1.1", "Host: x", "Upgrade: websocket"));
            }
        }
        try (RawClient c = new RawClient(server.port())) {
            assertThat(c.upgrade("/ws").status()).isEqualTo(101);
        }
    }

    @Test
    @Timeout(30)
    void shouldAnswerThePolicysRejectionBeforeUpgrading() throws Exception {
        CompletableFuture<Session> opened = new CompletableFuture<>();
        Endpoint ep = new Endpoint() {
            @Override
            public void onOpen(Session session) {
                opened.complete(session);
            }

            @Override
            public void onMessage(Session session, Message message) {
            }
        };
        start(ServerConfig.builder(), ep, HandshakePolicy.allowOrigins("https://good.example"));
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.upgrade("/ws", "Origin: https://evil.example");
            assertThat(r.status()).isEqualTo(403);
        }
        assertThat(opened).isNotDone();
        try (RawClient c = new RawClient(server.port())) {
            assertThat(c.upgrade("/ws", "Origin: https://good.example").status()).isEqualTo(101);
            assertThat(opened.get(10, TimeUnit.SECONDS).handshake().origin()).isEqualTo("https://good.example");
        }
    }

    @Test
    @Timeout(30)
    void shouldAnswer500WhenThePolicyThrows() throws Exception {
        start(ServerConfig.builder(), Endpoints.echo(), request -> {
            throw new IllegalStateException("policy bug");
        });
        try (RawClient c = new RawClient(server.port())) {
            assertThat(c.upgrade("/ws").status()).as("a policy that throws is the server's fault").isEqualTo(500);
        }
    }

    @Test
    @Timeout(30)
    void shouldNegotiateTheConfiguredSubprotocolAndKeepPolicyAttributes() throws Exception {
        CompletableFuture<Session> opened = new CompletableFuture<>();
        Endpoint ep = new Endpoint() {
            @Override
            public void onOpen(Session session) {
                opened.complete(session);
            }

            @Override
            public void onMessage(Session session, Message message) {
            }
        };
        start(ServerConfig.builder().subprotocols(List.of("v2.chat", "v1.chat")), ep,
                request -> HandshakeVerdict.accept(null, Map.of("user", "alice")));
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.upgrade("/ws?room=1", "Sec-WebSocket-Protocol: v1.chat, v2.chat");
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("Sec-WebSocket-Protocol")).isEqualTo("v2.chat");
            Session s = opened.get(10, TimeUnit.SECONDS);
            assertThat(s.subprotocol()).isEqualTo("v2.chat");
            assertThat(s.attributes()).containsEntry("user", "alice");
            assertThat(s.handshake().query()).isEqualTo("room=1");
            assertThat(s.remoteAddress().getAddress().isLoopbackAddress()).isTrue();
        }
    }

    @Test
    @Timeout(30)
    void shouldUseThePolicysSubprotocolWhenTheClientAskedForIt() throws Exception {
        start(ServerConfig.builder().subprotocols(List.of("a")), Endpoints.echo(),
                request -> HandshakeVerdict.accept("b", Map.of()));
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.upgrade("/ws", "Sec-WebSocket-Protocol: a, b");
            assertThat(r.header("Sec-WebSocket-Protocol")).isEqualTo("b");
        }
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.upgrade("/ws", "Sec-WebSocket-Protocol: a");
            assertThat(r.header("Sec-WebSocket-Protocol")).isEqualTo("a");
        }
    }

    @Test
    @Timeout(30)
    void shouldAnswer503AboveMaxConnectionsAndAcceptAgainWhenOneLeaves() throws Exception {
        start(ServerConfig.builder().maxConnections(2), Endpoints.echo(), HandshakePolicy.acceptAll());
        try (RawClient a = new RawClient(server.port()); RawClient b = new RawClient(server.port())) {
            assertThat(a.upgrade("/ws").status()).isEqualTo(101);
            assertThat(b.upgrade("/ws").status()).isEqualTo(101);
            try (RawClient c = new RawClient(server.port())) {
                assertThat(c.upgrade("/ws").status()).isEqualTo(503);
            }
            a.close(1000);
            assertThat(a.readUntilClose().closeCode()).isEqualTo(1000);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.sessionCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.sessionCount()).isZero();
        try (RawClient c = new RawClient(server.port())) {
            assertThat(c.upgrade("/ws").status()).isEqualTo(101);
        }
    }

    @Test
    @Timeout(30)
    void shouldAnswer431WithConnectionCloseBeyondTheHeadLimitsAndCountIt() throws Exception {
        start(ServerConfig.builder().maxRequestHeaderSize(2048).maxRequestHeaders(10), Endpoints.echo(),
                HandshakePolicy.acceptAll());
        Duration t = Duration.ofSeconds(10);
        Map<String, String> big = RawWebSocketClient.upgradeHeaders(server.uri(), RawWebSocketClient.newKey());
        big.put("X-Big", "b".repeat(100_000));
        Map<String, String> many = RawWebSocketClient.upgradeHeaders(server.uri(), RawWebSocketClient.newKey());
        for (int i = 0; i < 6; i++) {
            many.put("X-" + i, "m");
        }
        for (Map<String, String> h : List.of(big, many)) {
            try (RawWebSocketClient c = RawWebSocketClient.connect(server.uri(), t)) {
                c.sendRaw(RawWebSocketClient.requestHead("GET", "/ws", "HTTP/1.1", h));
                RawWebSocketClient.HttpResponse r = c.readHttpResponse(t);
                assertThat(r.statusLine()).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
                assertThat(r.header("Connection")).isEqualTo("close");
                assertThat(c.awaitTcpClose(t)).isTrue();
            }
        }
        assertThat(server.stats().handshakesRejected().count(431)).isEqualTo(2);
        assertThat(server.stats().handshakesAccepted()).isZero();
    }

    @Test
    @Timeout(30)
    void shouldCloseTheConnectionAfterARejectedUpgrade() throws Exception {
        start();
        Duration t = Duration.ofSeconds(10);
        try (RawWebSocketClient c = RawWebSocketClient.connect(server.uri(), t)) {
            c.sendRaw(RawWebSocketClient.requestHead("GET", "/elsewhere", "HTTP/1.1",
                    RawWebSocketClient.upgradeHeaders(server.uri(), RawWebSocketClient.newKey())));
            assertThat(c.readHttpResponse(t).status()).isEqualTo(404);
            assertThat(c.awaitTcpClose(t)).as("one request per connection: the one the head limits bounded")
                    .isTrue();
        }
    }

    @Test
    @Timeout(30)
    void shouldServeAFrameSentInTheSameWriteAsTheRequest() throws Exception {
        start();
        Duration t = Duration.ofSeconds(10);
        byte[] head = RawWebSocketClient.requestHead("GET", "/ws", "HTTP/1.1",
                RawWebSocketClient.upgradeHeaders(server.uri(), RawWebSocketClient.newKey()));
        byte[] frame = RawWebSocketClient.encode(RawWebSocketClient.Frame.of(RawWebSocketClient.OP_TEXT,
                "behind the head".getBytes(StandardCharsets.UTF_8)));
        byte[] both = Arrays.copyOf(head, head.length + frame.length);
        System.arraycopy(frame, 0, both, head.length, frame.length);
        try (RawWebSocketClient c = RawWebSocketClient.connect(server.uri(), t)) {
            c.sendRaw(both);
            assertThat(c.readHttpResponse(t).status()).isEqualTo(101);
            assertThat(c.readMessage(t).text()).isEqualTo("behind the head");
        }
    }
}
