package io.wshub.transport.undertow;

import static io.wshub.transport.undertow.UndertowFramesTest.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.util.Headers;
import io.wshub.api.Endpoints;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Message;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Graceful stop, thread cleanup, and embedding the handler in a user's own Undertow server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UndertowLifecycleTest {

    private static Set<String> xnioThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("XNIO-")).collect(Collectors.toSet());
    }

    @Test
    void shouldSendQueuedFramesThen1001ToEveryClientAndLeaveNoThreadOnStop() throws Exception {
        waitFor(() -> xnioThreads().isEmpty());
        UndertowFramesTest.Recorder rec = new UndertowFramesTest.Recorder();
        RunningServer server = new UndertowTransportProvider().start(ServerConfig.builder().host("127.0.0.1").port(0)
                .closeTimeout(Duration.ofSeconds(2)).build(), rec, HandshakePolicy.acceptAll());
        List<RawClient> clients = new ArrayList<>();
        try {
            Session first = null;
            for (int i = 0; i < 3; i++) {
                RawClient c = new RawClient(server.port());
                clients.add(c);
                assertThat(c.upgrade("/ws").status()).isEqualTo(101);
                if (i == 0) {
                    first = rec.opened.get(10, TimeUnit.SECONDS); // the session of clients.get(0)
                }
            }
            waitFor(() -> server.sessionCount() == 3);
            for (int i = 0; i < 10; i++) {
                first.offer(Message.text("before stop " + i));
            }
            assertThat(xnioThreads()).isNotEmpty();
            server.stop();
            // The answer to our close frame never came from these clients: stop waited, then dropped them.
            assertThat(server.sessionCount()).isZero();
            RawClient c0 = clients.get(0);
            for (int i = 0; i < 10; i++) {
                assertThat(c0.read().text()).isEqualTo("before stop " + i);
            }
            for (RawClient c : clients) {
                RawClient.Frame close = c.readUntilClose();
                assertThat(close.closeCode()).isEqualTo(1001);
                assertThat(c.awaitEof()).isTrue();
            }
            assertThat(rec.closeCode()).isEqualTo(1001);
            waitFor(() -> xnioThreads().isEmpty());
            server.stop(); // idempotent
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
            server.stop();
        }
    }

    @Test
    void shouldStopQuicklyWhenClientsAnswerTheClose() throws Exception {
        RunningServer server = new UndertowTransportProvider().start(ServerConfig.builder().host("127.0.0.1").port(0)
                .closeTimeout(Duration.ofSeconds(20)).build(), Endpoints.echo(), HandshakePolicy.acceptAll());
        try (JdkClient a = JdkClient.connect(server.uri()); JdkClient b = JdkClient.connect(server.uri())) {
            waitFor(() -> server.sessionCount() == 2);
            long start = System.nanoTime();
            server.stop();
            assertThat(System.nanoTime() - start).as("stop returns once the clients answered, not after the timeout")
                    .isLessThan(TimeUnit.SECONDS.toNanos(15));
            assertThat(a.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
            assertThat(b.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
        } finally {
            server.stop();
        }
    }

    @Test
    void shouldLogNoStackTraceForFramesStillQueuedAtStop() throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
        JulRecords julRecords = new JulRecords();
        UndertowFramesTest.Recorder rec = new UndertowFramesTest.Recorder();
        RunningServer server = new UndertowTransportProvider().start(ServerConfig.builder().host("127.0.0.1").port(0)
                .closeTimeout(Duration.ofMillis(300)).maxQueuedMessages(4096).maxQueuedBytes(1L << 40).build(), rec,
                HandshakePolicy.acceptAll());
        try (RawClient stalled = new RawClient(server.port(), 4096)) {
            assertThat(stalled.upgrade("/ws").status()).isEqualTo(101);
            Session s = rec.opened.get(10, TimeUnit.SECONDS);
            Message big = Message.binary(new byte[256 * 1024]);
            for (int i = 0; i < 64; i++) {
                s.offer(big);
            }
            s.flush();
            waitFor(() -> ((UndertowSession) s).inFlightMessages() > 0);
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            julRoot.addHandler(julRecords);
            // Undertow and XNIO log through JBoss Logging; a record of ours through it proves that route is captured.
            org.jboss.logging.Logger.getLogger("io.undertow.capture-probe").info("probe");
            server.stop();
        } finally {
            System.setErr(original);
            julRoot.removeHandler(julRecords);
            server.stop();
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).as("our SLF4J log was captured").contains("stopped");
        assertThat(log).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(julRecords.records).as("Undertow's own log (JBoss Logging to JUL) was captured")
                .anyMatch(r -> "io.undertow.capture-probe".equals(r.getLoggerName()));
        assertThat(julRecords.records).noneMatch(r -> r.getThrown() != null
                || r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue());
        assertThat(rec.closed).isDone();
    }

    /** Collects java.util.logging records, where Undertow and XNIO log through JBoss Logging here. */
    private static final class JulRecords extends java.util.logging.Handler {
        final List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void publish(java.util.logging.LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void shouldServeWebSocketsNextToTheUsersOwnRoutes() throws Exception {
        ServerConfig config = ServerConfig.builder().path("/chat").build();
        UndertowWebSocketHandler ws = UndertowWebSockets.handler(config, Endpoints.echo(), HandshakePolicy.acceptAll());
        Undertow userServer = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setIoThreads(2)
                .setWorkerThreads(2)
                .setHandler(Handlers.path()
                        .addExactPath("/hello", exchange -> {
                            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                            exchange.getResponseSender().send("hi from the user's route");
                        })
                        .addExactPath(config.path(), ws))
                .build();
        userServer.start();
        try {
            int port = ((InetSocketAddress) userServer.getListenerInfo().get(0).getAddress()).getPort();
            HttpResponse<String> hello = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(hello.statusCode()).isEqualTo(200);
            assertThat(hello.body()).isEqualTo("hi from the user's route");
            try (JdkClient c = JdkClient.connect(URI.create("ws://127.0.0.1:" + port + "/chat"))) {
                c.ws().sendText("embedded", true).get(10, TimeUnit.SECONDS);
                assertThat(c.poll()).isEqualTo("embedded");
                assertThat(ws.sessionCount()).isEqualTo(1);
                try (RawClient bad = new RawClient(port)) {
                    assertThat(bad.send(RawClient.request("GET", "/chat", "HTTP/1.1", "Host: x")).status())
                            .isEqualTo(400);
                }
                ws.stop();
                assertThat(c.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
                assertThat(ws.sessionCount()).isZero();
            }
            try (RawClient late = new RawClient(port)) {
                assertThat(late.upgrade("/chat").status()).as("a stopped handler refuses upgrades").isEqualTo(503);
            }
        } finally {
            ws.stop();
            userServer.stop();
        }
    }
}
