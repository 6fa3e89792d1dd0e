package io.wshub.transport.javawebsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import io.wshub.testkit.RawWebSocketClient;
import io.wshub.testkit.RawWebSocketClient.Frame;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bounded, non-blocking outbound queue: limits, byte and message counting, evictOldest, close after queue. */
@Timeout(120)
class SessionQueueTest {

    private static final Duration T = Duration.ofSeconds(20);
    private static final int MESSAGE = 16 * 1024;

    private final List<Session> sessions = new CopyOnWriteArrayList<>();
    private RunningServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private void start(ServerConfig.Builder config) throws Exception {
        Endpoint ep = new Endpoint() {
            @Override
            public void onOpen(Session session) {
                sessions.add(session);
            }

            @Override
            public void onMessage(Session session, Message message) {
            }
        };
        server = new JavaWebSocketTransportProvider().start(config.port(0).build(), ep, HandshakePolicy.acceptAll());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + T.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static Message numbered(int i) {
        byte[] p = new byte[MESSAGE];
        ByteBuffer.wrap(p).putInt(i);
        return Message.binary(p);
    }

    /**
     * Offers numbered messages to a client that does not read, until the queue stays full: the kernel's socket
     * buffers absorb a few MiB first. Checks the limits on every offer. Returns how many were enqueued.
     */
    private static int fillUntilStalled(Session s, long maxBytes, int maxMessages) throws InterruptedException {
        int offered = 0;
        int fullInARow = 0;
        long deadline = System.nanoTime() + T.toNanos();
        while (System.nanoTime() < deadline && offered < 100_000) {
            OfferResult r = s.offer(numbered(offered));
            assertThat(s.queuedBytes()).isLessThanOrEqualTo(maxBytes);
            assertThat(s.queuedMessages()).isLessThanOrEqualTo(maxMessages);
            if (r == OfferResult.FULL) {
                if (++fullInARow == 5) {
                    return offered;
                }
                Thread.sleep(20);
                continue;
            }
            assertThat(r).isEqualTo(OfferResult.ENQUEUED);
            fullInARow = 0;
            offered++;
            s.flush();
        }
        throw new AssertionError("the queue never stayed full after " + offered + " offers");
    }

    @Test
    void shouldRefuseBeyondTheByteLimitCountAndEvictTheOldestPendingMessages() throws Exception {
        long maxBytes = 1 << 20;
        start(ServerConfig.builder().maxQueuedBytes(maxBytes).maxQueuedMessages(100_000));
        try (RawWebSocketClient client = RawWebSocketClient.open(server.uri(), T, java.util.Map.of(), 4096)) {
            await(() -> sessions.size() == 1, "the session");
            Session s = sessions.get(0);
            int offered = fillUntilStalled(s, maxBytes, 100_000);
            assertThat(s.queuedBytes()).isGreaterThan(maxBytes - 2L * (MESSAGE + 4));
            assertThat(s.queuedMessages()).as("messages with %s bytes queued after %s offers", s.queuedBytes(),
                    offered).isPositive();
            long before = s.queuedMessages();

            int evicted = 0;
            while (s.evictOldest()) {
                evicted++;
                assertThat(evicted).isLessThanOrEqualTo(offered);
            }
            assertThat(evicted).as("messages still pending could be evicted").isPositive();
            assertThat(s.queuedMessages()).isEqualTo(before - evicted);
            // only what was already handed to the library (about 64 KiB) is left
            assertThat(s.queuedBytes()).isLessThanOrEqualTo(JwsConnection.HANDOVER_BYTES + MESSAGE + 4L);
            assertThat(s.offer(numbered(offered))).isEqualTo(OfferResult.ENQUEUED);
            s.flush();

            // The client reads again: it gets an increasing run that skips the evicted ones, ends with the last offer.
            List<Integer> got = new ArrayList<>();
            while (true) {
                Frame f = client.readMessage(T);
                assertThat(f).as("message after %s", got.size()).isNotNull();
                int n = ByteBuffer.wrap(f.payload()).getInt();
                got.add(n);
                if (n == offered) {
                    break;
                }
            }
            assertThat(got).isSorted();
            assertThat(got.size()).isEqualTo(offered + 1 - evicted);
            await(() -> s.queuedMessages() == 0 && s.queuedBytes() == 0, "the queue to drain");
        }
    }

    @Test
    void shouldRefuseBeyondTheMessageLimit() throws Exception {
        start(ServerConfig.builder().maxQueuedMessages(8));
        try (RawWebSocketClient client = RawWebSocketClient.open(server.uri(), T, java.util.Map.of(), 4096)) {
            await(() -> sessions.size() == 1, "the session");
            Session s = sessions.get(0);
            int enqueued = fillUntilStalled(s, ServerConfig.defaults().maxQueuedBytes(), 8);
            assertThat(s.queuedMessages()).isEqualTo(8);
            assertThat(s.offer(Message.text("x"))).isEqualTo(OfferResult.FULL);
            for (int i = 0; i < enqueued; i++) {
                Frame f = client.readMessage(T);
                assertThat(f).as("message %s of %s", i, enqueued).isNotNull();
                assertThat(ByteBuffer.wrap(f.payload()).getInt()).isEqualTo(i);
            }
            await(() -> s.queuedMessages() == 0 && s.queuedBytes() == 0, "the queue to drain");
        }
    }

    @Test
    void shouldAcceptAMessageAboveTheByteLimitOnlyIntoAnEmptyQueue() throws Exception {
        // maxQueuedBytes(100) is below every message here: each fits only into an empty queue.
        start(ServerConfig.builder().maxQueuedBytes(100));
        try (RawWebSocketClient client = RawWebSocketClient.open(server.uri(), T, java.util.Map.of(), 4096)) {
            await(() -> sessions.size() == 1, "the session");
            Session s = sessions.get(0);
            int enqueued = fillUntilStalled(s, MESSAGE + 4, 1);
            assertThat(s.queuedMessages()).isEqualTo(1);
            assertThat(s.queuedBytes()).isEqualTo(MESSAGE + 4);
            assertThat(s.offer(Message.text("x"))).isEqualTo(OfferResult.FULL);
            for (int i = 0; i < enqueued; i++) {
                assertThat(client.readMessage(T)).as("message %s of %s", i, enqueued).isNotNull();
            }
            await(() -> s.queuedMessages() == 0 && s.queuedBytes() == 0, "the queue to drain");
        }
    }

    @Test
    void shouldSendQueuedMessagesBeforeTheCloseFrameAndRefuseOffersAfterClose() throws Exception {
        start(ServerConfig.builder());
        try (RawWebSocketClient client = RawWebSocketClient.open(server.uri(), T)) {
            await(() -> sessions.size() == 1, "the session");
            Session s = sessions.get(0);
            for (int i = 0; i < 50; i++) {
                assertThat(s.offer(Message.text("m" + i))).isEqualTo(OfferResult.ENQUEUED);
            }
            s.close(4000, "bye");
            assertThat(s.isOpen()).isFalse();
            assertThat(s.offer(Message.text("late"))).isEqualTo(OfferResult.CLOSED);
            RawWebSocketClient.CloseResult r = client.awaitClose(T, true);
            assertThat(r.closeFrameReceived()).isTrue();
            assertThat(r.code()).isEqualTo(4000);
            assertThat(r.reason()).isEqualTo("bye");
            assertThat(r.framesBefore()).hasSize(50);
            assertThat(r.framesBefore().get(49).text()).isEqualTo("m49");
        }
    }

    @Test
    void shouldSendAnOfferOnlyOnceFlushed() throws Exception {
        // Session's flush contract: offer queues, flush sends (there is no timer that flushes on its own).
        start(ServerConfig.builder());
        try (RawWebSocketClient client = RawWebSocketClient.open(server.uri(), T)) {
            await(() -> sessions.size() == 1, "the session");
            Session s = sessions.get(0);
            assertThat(s.offer(Message.text("held"))).isEqualTo(OfferResult.ENQUEUED);
            assertThat(client.readMessage(java.time.Duration.ofMillis(300))).isNull();
            assertThat(s.queuedMessages()).isEqualTo(1);
            s.flush();
            assertThat(client.readMessage(T).text()).isEqualTo("held");
            await(() -> s.queuedMessages() == 0 && s.queuedBytes() == 0, "the queue to drain");
        }
    }
}
