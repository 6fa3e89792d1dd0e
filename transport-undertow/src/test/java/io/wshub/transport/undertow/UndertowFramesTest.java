package io.wshub.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Endpoint;
import io.wshub.api.Endpoints;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Message;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UndertowFramesTest {

    private RunningServer server;

    /** An echo endpoint that records what the transport reports. */
    static class Recorder implements Endpoint {
        final CompletableFuture<Session> opened = new CompletableFuture<>();
        final CompletableFuture<int[]> closed = new CompletableFuture<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final List<Message> messages = new CopyOnWriteArrayList<>();

        @Override
        public void onOpen(Session session) {
            opened.complete(session);
        }

        @Override
        public void onMessage(Session session, Message message) {
            messages.add(message);
            Endpoints.echo().onMessage(session, message);
        }

        @Override
        public void onClose(Session session, int code, String reason) {
            closed.complete(new int[] {code});
        }

        @Override
        public void onError(Session session, Throwable error) {
            errors.add(error);
        }

        int closeCode() throws Exception {
            return closed.get(15, TimeUnit.SECONDS)[0];
        }
    }

    private RunningServer start(ServerConfig.Builder config, Endpoint endpoint) throws Exception {
        server = new UndertowTransportProvider().start(config.host("127.0.0.1").port(0).build(), endpoint,
                HandshakePolicy.acceptAll());
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private RawClient connect() throws Exception {
        RawClient c = new RawClient(server.port());
        assertThat(c.upgrade("/ws").status()).isEqualTo(101);
        return c;
    }

    @Test
    void shouldEchoTextAndBinaryToTheJdkClientInOrder() throws Exception {
        start(ServerConfig.builder(), Endpoints.echo());
        try (JdkClient c = JdkClient.connect(server.uri())) {
            c.ws().sendText("héllo wörld €", true).get(10, TimeUnit.SECONDS);
            assertThat(c.poll()).isEqualTo("héllo wörld €");
            byte[] big = new byte[70_000];
            Arrays.fill(big, (byte) 7);
            c.ws().sendBinary(ByteBuffer.wrap(big), true).get(10, TimeUnit.SECONDS);
            assertThat((byte[]) c.poll()).isEqualTo(big);
            for (int i = 0; i < 300; i++) {
                c.ws().sendText("m" + i, true).get(10, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 300; i++) {
                assertThat(c.poll()).isEqualTo("m" + i);
            }
            c.ws().sendClose(1000, "bye").get(10, TimeUnit.SECONDS);
            assertThat(c.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
        }
    }

    @Test
    void shouldReassembleFragmentsAndAnswerPingsInBetween() throws Exception {
        Recorder rec = new Recorder();
        start(ServerConfig.builder(), rec);
        try (RawClient c = connect()) {
            c.frame(0x01, true, "frag".getBytes(StandardCharsets.UTF_8));
            c.frame(0x89, true, "p!".getBytes(StandardCharsets.UTF_8));
            c.frame(0x00, true, "men".getBytes(StandardCharsets.UTF_8));
            c.frame(0x80, true, "ted".getBytes(StandardCharsets.UTF_8));
            RawClient.Frame pong = c.read();
            assertThat(pong.opcode()).isEqualTo(0xA);
            assertThat(pong.text()).isEqualTo("p!");
            RawClient.Frame echo = c.read();
            assertThat(echo.opcode()).isEqualTo(1);
            assertThat(echo.fin()).isTrue();
            assertThat(echo.text()).isEqualTo("fragmented");
        }
    }

    @Test
    void shouldCloseWith1009AboveTheMaxMessageSize() throws Exception {
        Recorder rec = new Recorder();
        start(ServerConfig.builder().maxMessageSize(1000), rec);
        try (RawClient c = connect()) {
            c.frame(0x82, true, new byte[1000]);
            assertThat(c.read().payload()).hasSize(1000);
            c.frame(0x82, true, new byte[1001]);
            assertThat(c.readUntilClose().closeCode()).isEqualTo(1009);
        }
        assertThat(rec.closeCode()).isEqualTo(1009);
        assertThat(rec.errors).isNotEmpty();
    }

    @Test
    void shouldCloseWith1009WhenFragmentsTogetherExceedTheLimit() throws Exception {
        start(ServerConfig.builder().maxMessageSize(1000), Endpoints.echo());
        try (RawClient c = connect()) {
            c.frame(0x01, true, "a".repeat(600).getBytes(StandardCharsets.UTF_8));
            c.frame(0x80, true, "b".repeat(600).getBytes(StandardCharsets.UTF_8));
            assertThat(c.readUntilClose().closeCode()).isEqualTo(1009);
        }
    }

    @Test
    void shouldCloseWith1007ForInvalidUtf8() throws Exception {
        Recorder rec = new Recorder();
        start(ServerConfig.builder(), rec);
        try (RawClient c = connect()) {
            c.frame(0x81, true, new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28});
            assertThat(c.readUntilClose().closeCode()).isEqualTo(1007);
        }
        assertThat(rec.messages).isEmpty();
    }

    @Test
    void shouldCloseWith1007ForUtf8SplitBadlyAcrossFragments() throws Exception {
        start(ServerConfig.builder(), Endpoints.echo());
        try (RawClient c = connect()) {
            c.frame(0x01, true, new byte[] {(byte) 0xE2, (byte) 0x82});
            c.frame(0x80, true, new byte[] {'x'});
            assertThat(c.readUntilClose().closeCode()).isEqualTo(1007);
        }
    }

    @Test
    void shouldAcceptUtf8SplitAcrossFragments() throws Exception {
        start(ServerConfig.builder(), Endpoints.echo());
        try (RawClient c = connect()) {
            byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
            c.frame(0x01, true, Arrays.copyOfRange(euro, 0, 1));
            c.frame(0x80, true, Arrays.copyOfRange(euro, 1, 3));
            assertThat(c.read().text()).isEqualTo("€");
        }
    }

    private void assertProtocolError(int b0, boolean masked, byte[] payload) throws Exception {
        try (RawClient c = connect()) {
            c.frame(b0, masked, payload);
            assertThat(c.readUntilClose().closeCode()).as("close code for frame 0x%02x", b0).isEqualTo(1002);
        }
    }

    @Test
    void shouldCloseWith1002ForProtocolErrorsAndKeepServingOthers() throws Exception {
        start(ServerConfig.builder(), Endpoints.echo());
        byte[] hi = "hi".getBytes(StandardCharsets.UTF_8);
        assertProtocolError(0x81, false, hi); // unmasked client frame
        assertProtocolError(0xC1, true, hi); // RSV1 without an extension
        assertProtocolError(0x83, true, hi); // reserved data opcode
        assertProtocolError(0x8B, true, hi); // reserved control opcode
        assertProtocolError(0x89, true, new byte[126]); // control frame over 125 bytes
        assertProtocolError(0x09, true, hi); // fragmented ping
        assertProtocolError(0x80, true, hi); // continuation without a start
        assertProtocolError(0x88, true, new byte[] {0x03}); // close payload of one byte
        assertProtocolError(0x88, true, new byte[] {0x03, (byte) 0xED}); // close code 1005 is never sent
        assertProtocolError(0x88, true, new byte[] {0x03, (byte) 0xE7}); // close code 999
        try (RawClient c = connect()) {
            c.text("still serving");
            assertThat(c.read().text()).isEqualTo("still serving");
        }
    }

    @Test
    void shouldCloseWith1002ForANewMessageInsideAFragmentedOne() throws Exception {
        start(ServerConfig.builder(), Endpoints.echo());
        try (RawClient c = connect()) {
            c.frame(0x01, true, "a".getBytes(StandardCharsets.UTF_8));
            c.frame(0x81, true, "b".getBytes(StandardCharsets.UTF_8));
            assertThat(c.readUntilClose().closeCode()).isEqualTo(1002);
        }
    }

    @Test
    void shouldAnswerTheClientsCloseAndReportItsCode() throws Exception {
        Recorder rec = new Recorder();
        start(ServerConfig.builder(), rec);
        try (RawClient c = connect()) {
            c.close(4001);
            assertThat(c.readUntilClose().closeCode()).isEqualTo(4001);
            assertThat(c.awaitEof()).isTrue();
        }
        assertThat(rec.closeCode()).isEqualTo(4001);
        waitFor(() -> server.sessionCount() == 0);
    }

    @Test
    void shouldReportTheClientsCloseWithAReason() throws Exception {
        Recorder rec = new Recorder();
        start(ServerConfig.builder(), rec);
        try (RawClient c = connect()) {
            rec.opened.get(10, TimeUnit.SECONDS);
            byte[] bye = "bye".getBytes(StandardCharsets.UTF_8);
            byte[] p = new byte[2 + bye.length];
            p[0] = 0x03;
            p[1] = (byte) 0xE8;
            System.arraycopy(bye, 0, p, 2, bye.length);
            c.frame(0x88, true, p);
            assertThat(c.readUntilClose().closeCode()).isEqualTo(1000);
            assertThat(c.awaitEof()).isTrue();
        }
        assertThat(rec.closeCode()).isEqualTo(1000);
    }

    @Test
    void shouldAcceptTheRegisteredCloseCodes1012To1014ThatStockUndertowRefuses() throws Exception {
        for (int code : new int[] {1012, 1013, 1014}) {
            Recorder rec = new Recorder();
            start(ServerConfig.builder(), rec);
            try (RawClient c = connect()) {
                rec.opened.get(10, TimeUnit.SECONDS);
                c.close(code);
                assertThat(c.readUntilClose().closeCode()).isEqualTo(code);
                assertThat(c.awaitEof()).isTrue();
            }
            assertThat(rec.closeCode()).isEqualTo(code);
            assertThat(rec.errors).isEmpty();
            server.stop();
        }
    }

    @Test
    void shouldReportItsOwn1013WhenTheClientEchoesIt() throws Exception {
        Recorder rec = new Recorder();
        start(ServerConfig.builder(), rec);
        try (RawClient c = connect()) {
            rec.opened.get(10, TimeUnit.SECONDS).close(1013, "slow");
            assertThat(c.readUntilClose().closeCode()).isEqualTo(1013);
            c.close(1013);
            assertThat(c.awaitEof()).isTrue();
        }
        assertThat(rec.closeCode()).isEqualTo(1013);
        assertThat(rec.errors).isEmpty();
    }

    @Test
    void shouldReport1006WhenTheClientVanishes() throws Exception {
        Recorder rec = new Recorder();
        start(ServerConfig.builder(), rec);
        RawClient c = connect();
        rec.opened.get(10, TimeUnit.SECONDS);
        c.close();
        assertThat(rec.closeCode()).isEqualTo(1006);
        waitFor(() -> server.sessionCount() == 0);
    }

    @Test
    void shouldReportAnEndpointExceptionAndCloseWith1011() throws Exception {
        Recorder rec = new Recorder() {
            @Override
            public void onMessage(Session session, Message message) {
                throw new IllegalStateException("endpoint bug");
            }
        };
        start(ServerConfig.builder(), rec);
        try (RawClient c = connect()) {
            c.text("boom");
            assertThat(c.readUntilClose().closeCode()).isEqualTo(1011);
        }
        assertThat(rec.errors).anySatisfy(e -> assertThat(e).hasMessage("endpoint bug"));
        try (RawClient c = connect()) {
            assertThat(c.socket().isConnected()).isTrue();
        }
    }

    @Test
    void shouldPingAtTheConfiguredInterval() throws Exception {
        start(ServerConfig.builder().pingInterval(Duration.ofMillis(100)).idleTimeout(Duration.ofSeconds(30)),
                Endpoints.echo());
        try (RawClient c = connect()) {
            RawClient.Frame f = c.read();
            assertThat(f.opcode()).isEqualTo(0x9);
            assertThat(f.masked()).isFalse();
        }
    }

    @Test
    void shouldCloseAnIdleClientButNotOneThatTalks() throws Exception {
        Recorder rec = new Recorder();
        start(ServerConfig.builder().pingInterval(Duration.ZERO).idleTimeout(Duration.ofMillis(600)), rec);
        try (RawClient talker = connect(); RawClient idle = connect()) {
            long start = System.nanoTime();
            List<Integer> talkerOpcodes = new ArrayList<>();
            // The talker sends a pong every 100 ms for about 1.5 s, longer than the idle timeout.
            for (int i = 0; i < 15; i++) {
                talker.frame(0x8A, true, new byte[0]);
                Thread.sleep(100);
            }
            talker.text("alive");
            talkerOpcodes.add(talker.read().opcode());
            assertThat(talkerOpcodes).containsExactly(1);
            RawClient.Frame close = idle.readUntilClose();
            assertThat(close.closeCode()).isEqualTo(1001);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        }
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        waitFor(condition, () -> "");
    }

    static void waitFor(java.util.function.BooleanSupplier condition, java.util.function.Supplier<String> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 15 s " + state.get());
            }
            Thread.sleep(10);
        }
    }
}
