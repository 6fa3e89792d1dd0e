package io.wshub.transport.javawebsocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.Endpoint;
import io.wshub.api.Endpoints;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Message;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import io.wshub.api.Transports;
import io.wshub.testkit.RawWebSocketClient;
import io.wshub.testkit.RawWebSocketClient.CloseResult;
import io.wshub.testkit.RawWebSocketClient.Frame;
import java.net.BindException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Start, ServiceLoader lookup, keepalive, graceful stop with 1001, no threads left, rebinding the same port. */
@Timeout(120)
class LifecycleTest {

    private static final Duration T = Duration.ofSeconds(20);

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + T.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static List<String> ourThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (t.isAlive() && (n.startsWith("wshub-jws") || n.startsWith("WebSocketWorker")
                    || n.startsWith("WebSocketSelector") || n.startsWith("WebSocketConnectionLostTimer"))) {
                names.add(n);
            }
        }
        return names;
    }

    @Test
    void shouldBeFoundByNameThroughServiceLoader() throws Exception {
        assertThat(Transports.available()).contains("java-websocket");
        RunningServer server = Transports.start("java-websocket", ServerConfig.builder().port(0).build(),
                Endpoints.echo());
        try (RawWebSocketClient c = RawWebSocketClient.open(server.uri(), T)) {
            c.sendText("found");
            assertThat(c.readMessage(T).text()).isEqualTo("found");
        } finally {
            server.stop();
        }
    }

    @Test
    void shouldStopWith1001AfterQueuedFramesLeaveNoThreadAndFreeThePort() throws Exception {
        Map<Long, Integer> closes = new ConcurrentHashMap<>();
        List<Session> sessions = new CopyOnWriteArrayList<>();
        Endpoint ep = new Endpoint() {
            @Override
            public void onOpen(Session session) {
                sessions.add(session);
            }

            @Override
            public void onMessage(Session session, Message message) {
            }

            @Override
            public void onClose(Session session, int code, String reason) {
                closes.put(session.id(), code);
            }
        };
        RunningServer server = new JavaWebSocketTransportProvider().start(ServerConfig.builder().port(0).build(), ep,
                HandshakePolicy.acceptAll());
        int port = server.port();
        List<RawWebSocketClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                clients.add(RawWebSocketClient.open(server.uri(), T));
            }
            await(() -> sessions.size() == 5, "5 sessions");
            for (Session s : sessions) {
                s.offer(Message.text("before stop"));
            }
            server.stop();
            for (RawWebSocketClient c : clients) {
                CloseResult r = c.awaitClose(T, false);
                assertThat(r.closeFrameReceived()).isTrue();
                assertThat(r.code()).isEqualTo(1001);
                assertThat(r.framesBefore()).extracting(Frame::text).containsExactly("before stop");
            }
            assertThat(closes).hasSize(5);
            assertThat(server.sessionCount()).isZero();
        } finally {
            clients.forEach(RawWebSocketClient::close);
            server.stop();
        }
        await(() -> ourThreads().isEmpty(), "no transport thread left, still: " + ourThreads());

        // reuseAddr: a restart can bind the same port at once
        RunningServer again;
        try {
            again = new JavaWebSocketTransportProvider().start(ServerConfig.builder().port(port).build(),
                    Endpoints.echo(), HandshakePolicy.acceptAll());
        } catch (BindException e) {
            throw new AssertionError("could not rebind port " + port, e);
        }
        try {
            assertThat(again.port()).isEqualTo(port);
            try (RawWebSocketClient c = RawWebSocketClient.open(again.uri(), T)) {
                c.sendText("again");
                assertThat(c.readMessage(T).text()).isEqualTo("again");
            }
        } finally {
            again.stop();
        }
        assertThat(ourThreads()).isEmpty();
    }

    @Test
    void shouldPingAndCloseASilentClientAfterTheIdleTimeout() throws Exception {
        Map<Long, Integer> closes = new ConcurrentHashMap<>();
        Endpoint ep = new Endpoint() {
            @Override
            public void onMessage(Session session, Message message) {
            }

            @Override
            public void onClose(Session session, int code, String reason) {
                closes.put(session.id(), code);
            }
        };
        RunningServer server = new JavaWebSocketTransportProvider().start(ServerConfig.builder().port(0)
                .pingInterval(Duration.ofMillis(200)).idleTimeout(Duration.ofMillis(1500)).build(), ep,
                HandshakePolicy.acceptAll());
        try (RawWebSocketClient c = RawWebSocketClient.open(server.uri(), T)) {
            // readFrame does not answer pings: the client stays silent
            Frame first = c.readFrame(T);
            assertThat(first).isNotNull();
            assertThat(first.opcode()).isEqualTo(RawWebSocketClient.OP_PING);
            CloseResult r = c.awaitClose(T, false);
            assertThat(r.closeFrameReceived()).isTrue();
            assertThat(r.code()).isEqualTo(1001);
            await(() -> closes.containsValue(1001), "onClose with 1001");
        } finally {
            server.stop();
        }
    }

    @Test
    void shouldFailToStartOnAPortInUseWithBindException() throws Exception {
        RunningServer server = new JavaWebSocketTransportProvider().start(ServerConfig.builder().port(0).build(),
                Endpoints.echo(), HandshakePolicy.acceptAll());
        try (java.net.ServerSocket taken = new java.net.ServerSocket()) {
            taken.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            ServerConfig clash = ServerConfig.builder().port(taken.getLocalPort()).build();
            assertThatThrownBy(() -> new JavaWebSocketTransportProvider().start(clash, Endpoints.echo(),
                    HandshakePolicy.acceptAll())).isInstanceOf(java.io.IOException.class);
        } finally {
            server.stop();
        }
    }
}
