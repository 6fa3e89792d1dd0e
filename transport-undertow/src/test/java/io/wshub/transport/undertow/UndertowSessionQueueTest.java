package io.wshub.transport.undertow;

import static io.wshub.transport.undertow.UndertowFramesTest.waitFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.HandshakePolicy;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bounded outbound queue: counting, limits, eviction, and release of the counts as bytes are written. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UndertowSessionQueueTest {

    private static final int MESSAGE = 256 * 1024;
    /** A message's queued size: its wire bytes, the payload and a 10-byte header (Session.queuedBytes()). */
    private static final int WIRE = MESSAGE + 10;

    private RunningServer server;
    private final UndertowFramesTest.Recorder recorder = new UndertowFramesTest.Recorder();

    private Session connectSlowReader(ServerConfig.Builder config, RawClient[] client) throws Exception {
        server = new UndertowTransportProvider().start(config.host("127.0.0.1").port(0)
                .pingInterval(java.time.Duration.ZERO).build(), recorder, HandshakePolicy.acceptAll());
        client[0] = new RawClient(server.port(), 4096);
        assertThat(client[0].upgrade("/ws").status()).isEqualTo(101);
        return recorder.opened.get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    /** Offers one shared message until the queue refuses, then flushes; bounded in count. */
    private static int fillUntilFull(Session s, Message m) {
        for (int i = 0; i < 10_000; i++) {
            OfferResult r = s.offer(m);
            if (r == OfferResult.FULL) {
                s.flush();
                return i;
            }
            assertThat(r).isEqualTo(OfferResult.ENQUEUED);
        }
        throw new AssertionError("the queue never filled: a client that does not read must end in FULL");
    }

    private static void readAll(RawClient c, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            RawClient.Frame f = c.read();
            assertThat(f.opcode()).isEqualTo(2);
            assertThat(f.payload()).hasSize(MESSAGE);
        }
    }

    /**
     * Offers 16 MiB to a client that does not read: more than loopback socket buffers hold, so Undertow's writes stall
     * and what is in flight stays in flight until the client reads. Returns how many messages were offered.
     */
    private static int stall(Session s, Message m) throws InterruptedException {
        UndertowSession us = (UndertowSession) s;
        for (int i = 0; i < 64; i++) {
            assertThat(s.offer(m)).isEqualTo(OfferResult.ENQUEUED);
        }
        s.flush();
        // Once a write stalls, later messages stay pending (still evictable) rather than being handed to Undertow, so
        // the split between in flight and pending depends on timing; only "something is stuck in flight" is certain.
        waitFor(() -> us.inFlightMessages() > 0);
        // The kernel may go on taking bytes for a moment (socket buffers grow); wait until the queue stops draining,
        // so the counts the tests assert next are exact. Bounded: at most 10 s.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long last = -1;
        while (System.nanoTime() < deadline && s.queuedBytes() != last) {
            last = s.queuedBytes();
            Thread.sleep(300);
        }
        return 64;
    }

    @Test
    void shouldRefuseWithFullAtTheMessageLimitAndReleaseAsTheClientReads() throws Exception {
        RawClient[] client = new RawClient[1];
        Session s = connectSlowReader(ServerConfig.builder().maxQueuedMessages(72).maxQueuedBytes(1L << 40), client);
        try (RawClient c = client[0]) {
            Message m = Message.binary(new byte[MESSAGE]);
            int offered = stall(s, m);
            offered += fillUntilFull(s, m);
            assertThat(s.queuedMessages()).isEqualTo(72);
            assertThat(s.queuedBytes()).isEqualTo(72L * WIRE);
            assertThat(s.offer(m)).isEqualTo(OfferResult.FULL);
            readAll(c, offered);
            waitFor(() -> s.queuedMessages() == 0);
            assertThat(s.queuedBytes()).isZero();
            assertThat(s.offer(m)).isEqualTo(OfferResult.ENQUEUED);
            s.flush();
            readAll(c, 1);
        }
    }

    @Test
    void shouldRefuseWithFullAtTheByteLimitButTakeOneLargeMessageIntoAnEmptyQueue() throws Exception {
        RawClient[] client = new RawClient[1];
        Session s = connectSlowReader(ServerConfig.builder().maxQueuedMessages(1000).maxQueuedBytes(80L * WIRE),
                client);
        try (RawClient c = client[0]) {
            Message m = Message.binary(new byte[MESSAGE]);
            int offered = stall(s, m);
            offered += fillUntilFull(s, m);
            assertThat(s.queuedMessages()).as("refused by the byte limit, not the message limit").isLessThan(1000);
            assertThat(s.queuedBytes()).isEqualTo(80L * WIRE);
            readAll(c, offered);
            waitFor(() -> s.queuedMessages() == 0);
            Message huge = Message.binary(new byte[100 * MESSAGE]);
            assertThat(s.offer(huge)).isEqualTo(OfferResult.ENQUEUED);
            assertThat(s.queuedBytes()).isEqualTo(huge.wireFrameLength());
            assertThat(s.offer(m)).isEqualTo(OfferResult.FULL);
            s.flush();
            assertThat(c.read().payload()).hasSize(100 * MESSAGE);
        }
    }

    @Test
    void shouldEvictTheOldestUnsentMessageButNothingAlreadyHandedOver() throws Exception {
        RawClient[] client = new RawClient[1];
        Session s = connectSlowReader(ServerConfig.builder().maxQueuedMessages(128).maxQueuedBytes(1L << 40), client);
        try (RawClient c = client[0]) {
            assertThat(s.evictOldest()).as("nothing queued").isFalse();
            UndertowSession us = (UndertowSession) s;
            Message m = Message.binary(new byte[MESSAGE]);
            int offered = stall(s, m);
            int more = fillUntilFull(s, m);
            assertThat(more).isPositive();
            int evictable = us.pendingMessages();
            assertThat(evictable).as("what arrives behind a stalled write stays pending").isGreaterThanOrEqualTo(more);
            int evicted = 0;
            for (int i = 0; i < 1000 && s.evictOldest(); i++) {
                evicted++;
            }
            assertThat(evicted).isEqualTo(evictable);
            assertThat(s.evictOldest()).as("what Undertow is writing cannot be evicted").isFalse();
            int left = s.queuedMessages();
            assertThat(left).isEqualTo(us.inFlightMessages()).isPositive();
            assertThat(s.queuedBytes()).isEqualTo((long) left * WIRE);
            // The client gets everything not evicted: what the kernel had taken already, then what was in flight.
            readAll(c, offered + more - evicted);
            waitFor(() -> s.queuedMessages() == 0, () -> "queued=" + s.queuedMessages() + " pending="
                    + us.pendingMessages() + " inFlight=" + us.inFlightMessages() + " bytes=" + s.queuedBytes());
            assertThat(s.queuedBytes()).isZero();
        }
    }

    @Test
    void shouldKeepTheOrderOfOffersFromOneThread() throws Exception {
        RawClient[] client = new RawClient[1];
        Session s = connectSlowReader(ServerConfig.builder(), client);
        try (RawClient c = client[0]) {
            for (int i = 0; i < 500; i++) {
                assertThat(s.offer(Message.text("n" + i))).isEqualTo(OfferResult.ENQUEUED);
                if (i % 7 == 0) {
                    s.flush();
                }
            }
            s.flush();
            for (int i = 0; i < 500; i++) {
                assertThat(c.read().text()).isEqualTo("n" + i);
            }
        }
    }

    @Test
    void shouldSendQueuedFramesBeforeTheCloseFrameAndThenRefuseWithClosed() throws Exception {
        RawClient[] client = new RawClient[1];
        Session s = connectSlowReader(ServerConfig.builder(), client);
        try (RawClient c = client[0]) {
            for (int i = 0; i < 20; i++) {
                s.offer(Message.text("q" + i));
            }
            s.close(4000, "done");
            assertThat(s.isOpen()).isFalse();
            assertThat(s.offer(Message.text("late"))).isEqualTo(OfferResult.CLOSED);
            for (int i = 0; i < 20; i++) {
                assertThat(c.read().text()).isEqualTo("q" + i);
            }
            RawClient.Frame close = c.read();
            assertThat(close.opcode()).isEqualTo(8);
            assertThat(close.closeCode()).isEqualTo(4000);
            c.close(4000);
            assertThat(c.awaitEof()).isTrue();
        }
        assertThat(recorder.closeCode()).isEqualTo(4000);
        assertThatThrownBy(() -> s.close(1005, "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldDropAClientThatNeverAnswersTheCloseAfterTheCloseTimeout() throws Exception {
        RawClient[] client = new RawClient[1];
        Session s = connectSlowReader(ServerConfig.builder().closeTimeout(java.time.Duration.ofMillis(300)), client);
        try (RawClient c = client[0]) {
            s.close(1000, "");
            assertThat(c.readUntilClose().closeCode()).isEqualTo(1000);
            assertThat(c.awaitEof()).isTrue();
        }
        waitFor(() -> server.sessionCount() == 0);
    }
}
