package io.wshub.transport.javawebsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.BroadcastEndpoint;
import io.wshub.api.Endpoints;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import java.io.File;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Echo and broadcast against clients we did not write: the JDK's {@code java.net.http.WebSocket}, and Python's
 * {@code websockets} library run by Debian's {@code /usr/bin/python3} (skipped with a reason if it is missing, unless
 * the environment variable {@code CI} is {@code true}).
 */
@Timeout(120)
class IndependentClientsTest {

    private static final Duration T = Duration.ofSeconds(20);
    private static final String PYTHON = "/usr/bin/python3";

    /** Collects what a JDK WebSocket receives, whole messages only. */
    private static final class Collector implements WebSocket.Listener {
        final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        Object next() throws InterruptedException {
            return messages.poll(T.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void jdkClientShouldEchoTextAndBinaryAcrossLengthBoundariesAndCloseCleanly() throws Exception {
        RunningServer server = new JavaWebSocketTransportProvider().start(ServerConfig.builder().port(0).build(),
                Endpoints.echo(), HandshakePolicy.acceptAll());
        try {
            Collector c = new Collector();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(server.uri(), c)
                    .get(T.toMillis(), TimeUnit.MILLISECONDS);
            for (int len : new int[] {0, 1, 125, 126, 65535, 65536, 200_000}) {
                String s = "é".repeat(len / 2) + "a".repeat(len % 2);
                ws.sendText(s, true).get(T.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(c.next()).as("text of %d bytes", len).isEqualTo(s);
                byte[] b = new byte[len];
                for (int i = 0; i < len; i++) {
                    b[i] = (byte) i;
                }
                ws.sendBinary(ByteBuffer.wrap(b), true).get(T.toMillis(), TimeUnit.MILLISECONDS);
                assertThat((byte[]) c.next()).as("binary of %d bytes", len).isEqualTo(b);
            }
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(T.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(c.closed.get(T.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1000);
        } finally {
            server.stop();
        }
    }

    @Test
    void jdkClientsShouldAllReceiveABroadcastInTheSameOrder() throws Exception {
        Hub hub = DisruptorHub.start(DisruptorHubConfig.builder().slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT)
                .listener(HubListener.NONE).build());
        RunningServer server = new JavaWebSocketTransportProvider().start(ServerConfig.builder().port(0).build(),
                new BroadcastEndpoint(hub, false), HandshakePolicy.acceptAll());
        List<WebSocket> sockets = new ArrayList<>();
        try {
            List<Collector> collectors = new ArrayList<>();
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 5; i++) {
                Collector c = new Collector();
                collectors.add(c);
                sockets.add(http.newWebSocketBuilder().buildAsync(server.uri(), c)
                        .get(T.toMillis(), TimeUnit.MILLISECONDS));
            }
            long deadline = System.nanoTime() + T.toNanos();
            while (server.sessionCount() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            awaitMembers(hub, 5);
            for (int i = 0; i < 5; i++) {
                sockets.get(i).sendText("c" + i, true).get(T.toMillis(), TimeUnit.MILLISECONDS);
            }
            List<Object> order = null;
            for (Collector c : collectors) {
                List<Object> got = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    got.add(c.next());
                }
                assertThat(got).doesNotContainNull().containsExactlyInAnyOrder("c0", "c1", "c2", "c3", "c4");
                if (order == null) {
                    order = got;
                } else {
                    assertThat(got).as("every client sees one order").isEqualTo(order);
                }
            }
        } finally {
            sockets.forEach(WebSocket::abort);
            server.stop();
            hub.shutdown(Duration.ofSeconds(5));
        }
    }

    private static void assumePython() throws Exception {
        boolean ci = "true".equals(System.getenv("CI"));
        String why = null;
        if (!new File(PYTHON).canExecute()) {
            why = PYTHON + " is not installed";
        } else {
            Process p = new ProcessBuilder(PYTHON, "-c", "import websockets").redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                why = "python3 did not answer";
            } else if (p.exitValue() != 0) {
                why = "python3-websockets is not installed (apt-get install python3-websockets)";
            }
        }
        if (why != null) {
            if (ci) {
                throw new AssertionError("CI=true but " + why);
            }
            Assumptions.abort(why);
        }
    }

    private static String runPython(Hub barrierHub, int members, String... args) throws Exception {
        Path script = Files.createTempFile("ws_client", ".py");
        try (var in = IndependentClientsTest.class.getResourceAsStream("/ws_client.py")) {
            Files.write(script, in.readAllBytes());
        }
        try {
            List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (barrierHub != null) {
                java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8));
                String first = r.readLine();
                assertThat(first).as("python client's first line").isEqualTo("CONNECTED");
                awaitMembers(barrierHub, members);
                p.getOutputStream().write("GO\n".getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().flush();
            }
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("python client did not finish within 90 s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("python client output: %s", out).isZero();
            return out;
        } finally {
            Files.deleteIfExists(script);
        }
    }

    @Test
    void pythonWebsocketsShouldDriveEcho() throws Exception {
        assumePython();
        RunningServer server = new JavaWebSocketTransportProvider().start(ServerConfig.builder().port(0).build(),
                Endpoints.echo(), HandshakePolicy.acceptAll());
        try {
            assertThat(runPython(null, 0, "echo", server.uri().toString())).contains("OK");
        } finally {
            server.stop();
        }
    }

    @Test
    void pythonWebsocketsShouldDriveBroadcast() throws Exception {
        assumePython();
        Hub hub = DisruptorHub.start(DisruptorHubConfig.builder().slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT)
                .listener(HubListener.NONE).build());
        RunningServer server = new JavaWebSocketTransportProvider().start(ServerConfig.builder().port(0).build(),
                new BroadcastEndpoint(hub, false), HandshakePolicy.acceptAll());
        try {
            assertThat(runPython(hub, 10, "broadcast", server.uri().toString(), "10", "50")).contains("OK");
        } finally {
            server.stop();
            hub.shutdown(Duration.ofSeconds(5));
        }
    }

    private static void awaitMembers(Hub hub, int n) throws InterruptedException {
        long deadline = System.nanoTime() + T.toNanos();
        while (hub.stats().sessions() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the hub has " + hub.stats().sessions() + " members, expected " + n);
            }
            Thread.sleep(5);
        }
    }
}
