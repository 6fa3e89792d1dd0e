package io.wshub.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Hub;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.api.spi.AbstractSession;
import io.wshub.api.spi.SessionIds;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import io.wshub.testkit.RecordingSession;
import io.wshub.testkit.SlowSession;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link HubMetrics} against a {@link SimpleMeterRegistry} and a real {@link DisruptorHub}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HubMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private DisruptorHub hub;

    @AfterEach
    void shutDown() {
        if (hub != null) {
            hub.shutdown(Duration.ofSeconds(5));
        }
        registry.close();
    }

    private DisruptorHub start(SlowConsumerPolicy policy, int ringSize) {
        hub = DisruptorHub.start(DisruptorHubConfig.builder().slowConsumerPolicy(policy).ringSize(ringSize).build());
        new HubMetrics(hub, Tags.of("hub", "test")).bindTo(registry);
        return hub;
    }

    @ParameterizedTest
    @EnumSource(SlowConsumerPolicy.class)
    @Timeout(30)
    void shouldMoveTheDropCounterWithItsReasonWhenASlowConsumerLosesMessages(SlowConsumerPolicy policy)
            throws Exception {
        start(policy, 1024);
        RecordingSession reader = new RecordingSession();
        SlowSession slow = new SlowSession(2, 1 << 20); // holds two messages and never drains
        hub.join(reader);
        hub.join(slow);
        for (int i = 0; i < 5; i++) {
            assertThat(hub.broadcast(Message.text("m" + i))).isEqualTo(PublishResult.ACCEPTED);
        }
        assertThat(reader.awaitMessages(5, WAIT)).isTrue();
        String reason = switch (policy) {
            case DROP_NEWEST -> "newest";
            case DROP_OLDEST -> "oldest";
            case DISCONNECT -> "disconnect";
        };
        awaitValue(() -> counter("wshub.hub.dropped", "reason", reason), v -> v > 0);
        HubStats stats = hub.stats();
        assertThat(counter("wshub.hub.accepted")).isEqualTo(5);
        assertThat(counter("wshub.hub.dropped", "reason", reason)).isEqualTo(switch (policy) {
            case DROP_NEWEST -> stats.droppedNewest();
            case DROP_OLDEST -> stats.droppedOldest();
            case DISCONNECT -> stats.droppedDisconnect();
        }).isPositive();
        for (String other : List.of("newest", "oldest", "disconnect", "closed")) {
            if (!other.equals(reason)) {
                assertThat(counter("wshub.hub.dropped", "reason", other)).as(other).isZero();
            }
        }
        assertThat(counter("wshub.hub.delivered")).isEqualTo(stats.delivered()).isGreaterThanOrEqualTo(5);
        assertThat(counter("wshub.hub.slow.disconnects")).isEqualTo(policy == SlowConsumerPolicy.DISCONNECT ? 1 : 0);
        assertThat(gauge("wshub.hub.sessions")).isEqualTo(stats.sessions()).isPositive();
    }

    @Test
    @Timeout(30)
    void shouldCountDeliveriesToAnUnknownSessionAsDroppedClosed() throws Exception {
        start(SlowConsumerPolicy.DROP_NEWEST, 1024);
        assertThat(counter("wshub.hub.dropped", "reason", "closed")).isZero();
        hub.send(SessionIds.next(), Message.text("to nobody"));
        awaitValue(() -> counter("wshub.hub.dropped", "reason", "closed"), v -> v == 1);
        assertThat(counter("wshub.hub.accepted")).isEqualTo(1);
    }

    @Test
    @Timeout(30)
    void shouldCountErrorsWhenASessionThrows() throws Exception {
        start(SlowConsumerPolicy.DROP_NEWEST, 1024);
        hub.join(new ThrowingSession());
        hub.broadcast(Message.text("boom"));
        awaitValue(() -> counter("wshub.hub.errors"), v -> v == 1);
    }

    @Test
    @Timeout(30)
    void shouldCountBackpressureAndShowTheBacklogWhileTheRingIsFull() throws Exception {
        start(SlowConsumerPolicy.DROP_NEWEST, 64);
        GateSession gate = new GateSession();
        hub.join(gate);
        hub.broadcast(Message.text("first"));
        gate.awaitBlocked();
        int refused = 0;
        for (int i = 0; i < 1_000 && refused == 0; i++) {
            if (hub.broadcast(Message.text("fill")) == PublishResult.BACKPRESSURED) {
                refused++;
            }
        }
        assertThat(refused).isEqualTo(1);
        awaitValue(() -> counter("wshub.hub.backpressured"), v -> v == 1);
        assertThat(gauge("wshub.hub.backlog")).isPositive();
        gate.open();
        awaitValue(() -> gauge("wshub.hub.backlog"), v -> v == 0);
    }

    @Test
    @Timeout(30)
    void shouldBindEveryHubStatsFieldToItsOwnMeter() throws Exception {
        // Distinct values per field, so a field bound to the wrong meter shows; history fields included.
        FixedStatsHub fixed = new FixedStatsHub(new HubStats(2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43));
        new HubMetrics(fixed, Tags.of("hub", "test")).bindTo(registry);
        assertThat(counter("wshub.hub.accepted")).isEqualTo(2);
        assertThat(counter("wshub.hub.backpressured")).isEqualTo(3);
        assertThat(counter("wshub.hub.delivered")).isEqualTo(5);
        assertThat(counter("wshub.hub.dropped", "reason", "newest")).isEqualTo(7);
        assertThat(counter("wshub.hub.dropped", "reason", "oldest")).isEqualTo(11);
        assertThat(counter("wshub.hub.dropped", "reason", "disconnect")).isEqualTo(13);
        assertThat(counter("wshub.hub.dropped", "reason", "closed")).isEqualTo(17);
        assertThat(counter("wshub.hub.slow.disconnects")).isEqualTo(19);
        assertThat(counter("wshub.hub.errors")).isEqualTo(23);
        assertThat(gauge("wshub.hub.backlog")).isEqualTo(29);
        assertThat(gauge("wshub.hub.sessions")).isEqualTo(31);
        assertThat(counter("wshub.hub.replayed")).isEqualTo(37);
        assertThat(counter("wshub.hub.recoveries", "result", "recovered")).isEqualTo(41);
        assertThat(counter("wshub.hub.recoveries", "result", "not_recovered")).isEqualTo(43);
        fixed.stats = new HubStats(100, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 44);
        awaitValue(() -> counter("wshub.hub.accepted"), v -> v == 100);
        assertThat(counter("wshub.hub.recoveries", "result", "not_recovered")).isEqualTo(44);
        assertThat(registry.getMeters()).hasSize(14);
        for (Meter m : registry.getMeters()) {
            assertThat(m.getId().getName()).startsWith("wshub.hub.").isLowerCase();
            assertThat(m.getId().getDescription()).isNotBlank();
        }
    }

    private double counter(String name, String... tags) {
        FunctionCounter c = registry.get(name).tags("hub", "test").tags(tags).functionCounter();
        return c.count();
    }

    private double gauge(String name) {
        Gauge g = registry.get(name).tags("hub", "test").gauge();
        return g.value();
    }

    /** Polls a meter (its snapshot is reused for up to 100 ms) until it matches, for at most {@link #WAIT}. */
    static void awaitValue(DoubleSupplier meter, DoublePredicate condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        double v = meter.getAsDouble();
        while (!condition.test(v)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the meter stayed at " + v + " for " + WAIT);
            }
            Thread.sleep(10);
            v = meter.getAsDouble();
        }
    }

    private static HandshakeRequest testHandshake() {
        return new HandshakeRequest("/ws", "", Map.of(), new InetSocketAddress("127.0.0.1", 1));
    }

    /** A session whose offer throws: the hub catches it and counts an error. */
    private static final class ThrowingSession extends AbstractSession {
        ThrowingSession() {
            super(SessionIds.next(), testHandshake(), null, Map.of());
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public OfferResult offer(Message message) {
            throw new IllegalStateException("offer fails on purpose");
        }

        @Override
        public boolean evictOldest() {
            return false;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close(int code, String reason) {
        }

        @Override
        public int queuedMessages() {
            return 0;
        }

        @Override
        public long queuedBytes() {
            return 0;
        }
    }

    /**
     * A session whose first offer blocks the fan-out thread until the test opens the gate (at most 30 s): the only way
     * to hold the ring full on purpose. A real session must never block.
     */
    private static final class GateSession extends AbstractSession {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch gate = new CountDownLatch(1);

        GateSession() {
            super(SessionIds.next(), testHandshake(), null, Map.of());
        }

        void awaitBlocked() throws InterruptedException {
            assertThat(entered.await(20, TimeUnit.SECONDS)).as("a fan-out thread reached the gate").isTrue();
        }

        void open() {
            gate.countDown();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public OfferResult offer(Message message) {
            entered.countDown();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return OfferResult.ENQUEUED;
        }

        @Override
        public boolean evictOldest() {
            return false;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close(int code, String reason) {
        }

        @Override
        public int queuedMessages() {
            return 0;
        }

        @Override
        public long queuedBytes() {
            return 0;
        }
    }

    /** A hub that only reports the stats the test sets, to check which field feeds which meter. */
    private static final class FixedStatsHub implements Hub {
        volatile HubStats stats;

        FixedStatsHub(HubStats stats) {
            this.stats = stats;
        }

        @Override
        public HubStats stats() {
            return stats;
        }

        @Override
        public PublishResult join(Session session) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult leave(Session session) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult subscribe(Session session, String topic) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult unsubscribe(Session session, String topic) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult broadcast(Message message) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult broadcast(Message message, long excludedSessionId) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult publish(String topic, Message message) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult send(long sessionId, Message message) {
            return PublishResult.CLOSED;
        }

        @Override
        public boolean shutdown(Duration timeout) {
            return true;
        }
    }
}
