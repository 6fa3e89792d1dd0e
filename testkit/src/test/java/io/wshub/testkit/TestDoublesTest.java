package io.wshub.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.BroadcastEndpoint;
import io.wshub.api.CloseCode;
import io.wshub.api.Endpoint;
import io.wshub.api.Endpoints;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The public test doubles behave as documented. */
class TestDoublesTest {

    @Test
    @Timeout(10)
    void recordingSessionRecordsOffersFlushesAndTheFirstClose() {
        RecordingSession s = new RecordingSession();
        Message a = Message.text("a");
        assertThat(s.offer(a)).isEqualTo(OfferResult.ENQUEUED);
        assertThat(s.flushedAfterLastOffer()).isFalse();
        s.flush();
        assertThat(s.flushedAfterLastOffer()).isTrue();
        s.close(1000, "done");
        s.close(1001, "ignored");
        assertThat(s.offer(Message.text("b"))).isEqualTo(OfferResult.CLOSED);
        assertThat(s.messages()).containsExactly(a);
        assertThat(s.closeCode()).isEqualTo(1000);
        assertThat(s.closeReason()).isEqualTo("done");
        assertThat(s.isOpen()).isFalse();
        assertThatThrownBy(() -> new RecordingSession().close(1005, "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @Timeout(10)
    void slowSessionIsBoundedAndDrainsOnlyWhenTold() {
        SlowSession s = new SlowSession(3, 10);
        Message four = Message.binary(new byte[4]);
        assertThat(s.offer(four)).isEqualTo(OfferResult.ENQUEUED);
        assertThat(s.offer(four)).isEqualTo(OfferResult.ENQUEUED);
        assertThat(s.offer(four)).as("12 bytes > 10").isEqualTo(OfferResult.FULL);
        assertThat(s.queuedBytes()).isEqualTo(8);
        assertThat(s.drain(1)).isEqualTo(1);
        assertThat(s.offer(Message.binary(new byte[1]))).isEqualTo(OfferResult.ENQUEUED);
        assertThat(s.offer(Message.binary(new byte[1]))).isEqualTo(OfferResult.ENQUEUED);
        assertThat(s.offer(Message.binary(new byte[1]))).as("3 messages max").isEqualTo(OfferResult.FULL);
        assertThat(s.delivered()).containsExactly(four);
        assertThat(s.evictOldest()).isTrue();
        assertThat(s.evicted()).containsExactly(four);
        assertThat(s.queuedMessages()).isEqualTo(2);
        assertThat(s.queuedBytes()).isEqualTo(2);
        assertThat(s.refusedCount()).isEqualTo(2);
        assertThat(s.highWaterMessages()).isEqualTo(3);
        assertThat(s.highWaterBytes()).isEqualTo(8);
        assertThat(new SlowSession(1, 1).offer(Message.binary(new byte[100])))
                .as("a message larger than the byte limit fits an empty queue").isEqualTo(OfferResult.ENQUEUED);
        s.close(CloseCode.TRY_AGAIN_LATER, "slow");
        assertThat(s.offer(four)).isEqualTo(OfferResult.CLOSED);
        assertThat(s.closeCode()).isEqualTo(1013);
    }

    @Test
    @Timeout(10)
    void inMemoryTransportRunsTheEchoEndpoint() {
        InMemoryTransport t = InMemoryTransport.of(Endpoints.echo());
        InMemoryTransport.Connection c = t.open();
        assertThat(t.sessionCount()).isEqualTo(1);
        c.receiveText("hello");
        c.receiveBinary(new byte[] {1, 2});
        assertThat(c.takeSent()).containsExactly(Message.text("hello"), Message.binary(new byte[] {1, 2}));
        assertThat(c.flushCount()).isEqualTo(2);
        c.closeFromClient(1000, "bye");
        assertThat(c.isOpen()).isFalse();
        assertThat(t.sessionCount()).isZero();
        assertThatThrownBy(() -> c.receiveText("late")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> t.open().receive(Message.ping(new byte[0])))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @Timeout(10)
    void inMemoryTransportBoundsTheQueueSoAStalledEchoClientIsClosed() {
        ServerConfig config = ServerConfig.builder().maxQueuedMessages(2).build();
        List<Integer> closes = new ArrayList<>();
        Endpoint recording = new Endpoint() {
            @Override
            public void onMessage(Session session, Message message) {
                Endpoints.echo().onMessage(session, message);
            }

            @Override
            public void onClose(Session session, int code, String reason) {
                closes.add(code);
            }
        };
        InMemoryTransport.Connection c = InMemoryTransport.of(recording, config).open();
        c.receiveText("1");
        c.receiveText("2");
        c.receiveText("3");
        assertThat(c.closedByServer()).isTrue();
        assertThat(c.closeCode()).isEqualTo(SlowConsumerPolicy.DISCONNECT_CODE.code());
        assertThat(closes).containsExactly(SlowConsumerPolicy.DISCONNECT_CODE.code());
        assertThat(c.takeSent()).hasSize(2);
    }

    @Test
    @Timeout(10)
    void inMemoryTransportClosesWith1011WhenTheEndpointThrowsAndReportsTooBig() {
        List<Throwable> errors = new ArrayList<>();
        Endpoint throwing = new Endpoint() {
            @Override
            public void onMessage(Session session, Message message) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void onError(Session session, Throwable error) {
                errors.add(error);
            }
        };
        InMemoryTransport t = InMemoryTransport.of(throwing, ServerConfig.builder().maxMessageSize(4).build());
        InMemoryTransport.Connection c = t.open();
        c.receiveText("x");
        assertThat(c.closeCode()).isEqualTo(1011);
        assertThat(errors).hasSize(1);
        InMemoryTransport.Connection big = t.open();
        big.receiveText("too big");
        assertThat(big.closeCode()).isEqualTo(1009);
    }

    @Test
    @Timeout(20)
    void inMemoryTransportRunsTheBroadcastEndpointOverAHub() throws Exception {
        try (ReferenceHub hub = ReferenceHub.start(SlowConsumerPolicy.DROP_NEWEST, io.wshub.api.HubListener.NONE, 64);
             VerificationEnvironment env = new VerificationEnvironment()) {
            InMemoryTransport t = InMemoryTransport.of(new BroadcastEndpoint(hub, true));
            InMemoryTransport.Connection a = t.open();
            InMemoryTransport.Connection b = t.open();
            env.awaitCondition(() -> hub.stats().sessions() == 2, Duration.ofSeconds(5), () -> "two joined");
            a.receiveText("hi");
            List<Message> got = new ArrayList<>();
            env.awaitCondition(() -> {
                got.addAll(b.takeSent());
                return !got.isEmpty();
            }, Duration.ofSeconds(5), () -> "b to receive a's message");
            assertThat(got).containsExactly(Message.text("hi"));
            assertThat(a.takeSent()).as("the sender is excluded").isEmpty();
            a.disconnect();
            env.awaitCondition(() -> hub.stats().sessions() == 1, Duration.ofSeconds(5), () -> "a left");
        }
    }
}
