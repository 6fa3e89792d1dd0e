package io.wshub.disruptor;

import static io.wshub.disruptor.HubFixture.drained;
import static io.wshub.disruptor.HubFixture.retry;
import static io.wshub.disruptor.HubFixture.uniquePrefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.Envelope;
import io.wshub.api.HistoryConfig;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeOptions;
import io.wshub.api.SubscribeResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HistoryTest {

    /** Encodes "offset|epoch|payload", so a test can read a publication's position back. */
    static final Envelope ENVELOPE = (topic, offset, epoch, message) ->
            Message.text(offset + "|" + epoch + "|" + ((Message.Text) message).asString());

    private final List<DisruptorHub> hubs = new ArrayList<>();
    private final AtomicInteger wraps = new AtomicInteger();

    private DisruptorHub start(int shards, HistoryConfig.Builder history) {
        return start(DisruptorHubConfig.builder().shards(shards), history);
    }

    private DisruptorHub start(DisruptorHubConfig.Builder b, HistoryConfig.Builder history) {
        Envelope counted = (topic, offset, epoch, message) -> {
            wraps.incrementAndGet();
            return ENVELOPE.wrap(topic, offset, epoch, message);
        };
        DisruptorHub hub = DisruptorHub.start(b.threadNamePrefix(uniquePrefix("history"))
                .history(history.envelope(counted).build()).build());
        hubs.add(hub);
        return hub;
    }

    @AfterEach
    void stopHubs() {
        for (DisruptorHub hub : hubs) {
            hub.shutdown(Duration.ofSeconds(10));
            for (Thread t : hub.threads()) {
                assertThat(t.isAlive()).as("thread %s alive after shutdown", t.getName()).isFalse();
            }
        }
    }

    private static long offsetOf(Message m) {
        String s = ((Message.Text) m).asString();
        return Long.parseLong(s.substring(0, s.indexOf('|')));
    }

    private static String payloadOf(Message m) {
        String s = ((Message.Text) m).asString();
        return s.substring(s.lastIndexOf('|') + 1);
    }

    /** Subscribes with options and returns the result the listener was told, waiting for it. */
    private static SubscribeResult subscribe(DisruptorHub hub, Session s, String topic, SubscribeOptions.Builder b) {
        AtomicReference<SubscribeResult> result = new AtomicReference<>();
        retry(() -> hub.subscribe(s, topic, b.listener((session, r) -> result.set(r)).build()));
        Waits.until(() -> result.get() != null, () -> "subscription result on " + topic);
        return result.get();
    }

    private static MemorySession joined(DisruptorHub hub) {
        MemorySession s = MemorySession.recording();
        retry(() -> hub.join(s));
        return s;
    }

    private static void publish(DisruptorHub hub, String topic, int from, int to) {
        for (int i = from; i < to; i++) {
            Message m = Message.text("m" + i);
            retry(() -> hub.publish(topic, m));
        }
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 3})
    void shouldBuildOneEnvelopePerPublicationAndGiveRawMessagesToSessionsThatDidNotAsk(int shards) {
        DisruptorHub hub = start(shards, HistoryConfig.builder());
        List<MemorySession> wrapped = new ArrayList<>();
        List<MemorySession> raw = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            MemorySession w = joined(hub);
            subscribe(hub, w, "t", SubscribeOptions.builder().envelope(true));
            wrapped.add(w);
            MemorySession r = joined(hub);
            retry(() -> hub.subscribe(r, "t"));
            raw.add(r);
        }
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Message m = Message.text("m" + i);
            sent.add(m);
            retry(() -> hub.publish("t", m));
        }
        drained(hub);
        assertThat(wraps.get()).as("envelopes built").isEqualTo(50);
        List<Message> first = wrapped.get(0).messages();
        assertThat(first).extracting(HistoryTest::offsetOf).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, 50).boxed().toList());
        for (MemorySession w : wrapped) {
            List<Message> got = w.messages();
            assertThat(got).hasSize(50);
            for (int i = 0; i < 50; i++) {
                assertThat(got.get(i)).as("one shared envelope per publication").isSameAs(first.get(i));
            }
        }
        for (MemorySession r : raw) {
            List<Message> got = r.messages();
            assertThat(got).hasSize(50);
            for (int i = 0; i < 50; i++) {
                assertThat(got.get(i)).as("the published instance, unchanged").isSameAs(sent.get(i));
            }
        }
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 3})
    void shouldReplayExactlyWhatWasMissedThenContinueLive(int shards) {
        DisruptorHub hub = start(shards, HistoryConfig.builder());
        MemorySession first = joined(hub);
        SubscribeResult initial = subscribe(hub, first, "t", SubscribeOptions.builder().envelope(true));
        assertThat(initial.recovering()).isFalse();
        assertThat(initial.position().offset()).isZero();
        publish(hub, "t", 0, 10);
        drained(hub);
        String epoch = initial.position().epoch();

        MemorySession back = joined(hub);
        SubscribeResult r = subscribe(hub, back, "t", SubscribeOptions.builder().envelope(true)
                .since(new StreamPosition(4, epoch)));
        assertThat(r).isEqualTo(new SubscribeResult("t", true, true, 6, new StreamPosition(10, epoch)));
        publish(hub, "t", 10, 13);
        drained(hub);
        assertThat(back.messages()).extracting(HistoryTest::offsetOf).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L,
                12L, 13L);
        assertThat(back.messages()).extracting(HistoryTest::payloadOf).startsWith("m4", "m5");
        HubStats stats = hub.stats();
        assertThat(stats.recovered()).isEqualTo(1);
        assertThat(stats.replayed()).isEqualTo(6);
        assertThat(stats.notRecovered()).isZero();
    }

    @Test
    void shouldReplayRawMessagesToARecoveringSessionThatDidNotAskForEnvelopes() {
        DisruptorHub hub = start(1, HistoryConfig.builder());
        MemorySession s = joined(hub);
        String epoch = subscribe(hub, s, "t", SubscribeOptions.builder()).position().epoch();
        publish(hub, "t", 0, 3);
        MemorySession back = joined(hub);
        SubscribeResult r = subscribe(hub, back, "t", SubscribeOptions.builder().since(new StreamPosition(1, epoch)));
        assertThat(r.replayed()).isEqualTo(2);
        drained(hub);
        assertThat(back.texts()).containsExactly("m1", "m2");
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 3})
    void shouldRecoverNothingWhenTheHistoryNoLongerCoversThePosition(int shards) {
        DisruptorHub hub = start(shards, HistoryConfig.builder().maxPublications(5));
        MemorySession s = joined(hub);
        String epoch = subscribe(hub, s, "t", SubscribeOptions.builder()).position().epoch();
        publish(hub, "t", 0, 20);
        drained(hub);
        StreamPosition now = new StreamPosition(20, epoch);

        for (StreamPosition p : List.of(new StreamPosition(14, epoch), new StreamPosition(0, epoch),
                new StreamPosition(21, epoch), new StreamPosition(18, "other-epoch"))) {
            MemorySession back = joined(hub);
            SubscribeResult r = subscribe(hub, back, "t", SubscribeOptions.builder().envelope(true).since(p));
            assertThat(r).as("from %s", p).isEqualTo(new SubscribeResult("t", true, false, 0, now));
            drained(hub);
            assertThat(back.messages()).as("nothing old from %s", p).isEmpty();
        }
        MemorySession edge = joined(hub);
        SubscribeResult r = subscribe(hub, edge, "t", SubscribeOptions.builder().since(new StreamPosition(15, epoch)));
        assertThat(r.recovered()).as("offsets 16..20 are all held").isTrue();
        assertThat(r.replayed()).isEqualTo(5);
        MemorySession current = joined(hub);
        r = subscribe(hub, current, "t", SubscribeOptions.builder().since(now));
        assertThat(r).isEqualTo(new SubscribeResult("t", true, true, 0, now));
        assertThat(hub.stats().notRecovered()).isEqualTo(4);
        assertThat(hub.stats().recovered()).isEqualTo(2);
    }

    @Test
    void shouldForgetPublicationsOlderThanTheTtl() {
        DisruptorHub hub = start(1, HistoryConfig.builder().ttl(Duration.ofMillis(50)));
        MemorySession s = joined(hub);
        String epoch = subscribe(hub, s, "t", SubscribeOptions.builder()).position().epoch();
        publish(hub, "t", 0, 3);
        drained(hub);
        LockSupport.parkNanos(Duration.ofMillis(120).toNanos());
        MemorySession back = joined(hub);
        SubscribeResult r = subscribe(hub, back, "t", SubscribeOptions.builder().since(new StreamPosition(1, epoch)));
        assertThat(r.recovered()).isFalse();
        assertThat(r.position()).isEqualTo(new StreamPosition(3, epoch));
        drained(hub);
        assertThat(back.messages()).isEmpty();
    }

    @Test
    void shouldGiveAForgottenTopicANewEpoch() {
        DisruptorHub hub = start(1, HistoryConfig.builder().ttl(Duration.ofMillis(30)));
        MemorySession s = joined(hub);
        String before = subscribe(hub, s, "idle", SubscribeOptions.builder()).position().epoch();
        publish(hub, "idle", 0, 1);
        LockSupport.parkNanos(Duration.ofMillis(80).toNanos());
        publish(hub, "other", 0, 1); // the sweep runs on a publication once a TTL has passed
        drained(hub);
        LockSupport.parkNanos(Duration.ofMillis(80).toNanos());
        publish(hub, "other", 1, 2);
        drained(hub);
        assertThat(hub.history().topic("idle")).as("idle topic forgotten").isNull();
        SubscribeResult r = subscribe(hub, joined(hub), "idle", SubscribeOptions.builder()
                .since(new StreamPosition(1, before)));
        assertThat(r.recovered()).isFalse();
        assertThat(r.position().epoch()).isNotEqualTo(before);
        assertThat(r.position().offset()).isZero();
    }

    @Test
    void shouldTellTheListenerBeforeAnythingIsReplayed() {
        DisruptorHub hub = start(1, HistoryConfig.builder());
        MemorySession s = joined(hub);
        String epoch = subscribe(hub, s, "t", SubscribeOptions.builder()).position().epoch();
        publish(hub, "t", 0, 3);
        MemorySession back = joined(hub);
        AtomicBoolean told = new AtomicBoolean();
        retry(() -> hub.subscribe(back, "t", SubscribeOptions.builder().since(new StreamPosition(0, epoch))
                .listener((session, r) -> {
                    session.offer(Message.text("recovery " + r.replayed()));
                    told.set(true);
                }).build()));
        Waits.until(told::get, () -> "listener");
        drained(hub);
        assertThat(back.texts()).containsExactly("recovery 3", "m0", "m1", "m2");
    }

    @Test
    void shouldGiveDifferentEpochsToDifferentHubs() {
        DisruptorHub a = start(1, HistoryConfig.builder());
        DisruptorHub b = start(1, HistoryConfig.builder());
        String ea = subscribe(a, joined(a), "t", SubscribeOptions.builder()).position().epoch();
        String eb = subscribe(b, joined(b), "t", SubscribeOptions.builder()).position().epoch();
        assertThat(ea).isNotEqualTo(eb);
        assertThat(StreamPosition.epochProblem(ea)).isNull();
    }

    @Test
    void shouldKeepTopicsOutsideTheHistoryPredicateWithoutPositions() {
        DisruptorHub hub = start(1, HistoryConfig.builder().topics(t -> t.startsWith("h.")));
        MemorySession s = joined(hub);
        SubscribeResult r = subscribe(hub, s, "plain", SubscribeOptions.builder().envelope(true)
                .since(new StreamPosition(3, "e")));
        assertThat(r).isEqualTo(new SubscribeResult("plain", true, false, 0, null));
        Message m = Message.text("x");
        retry(() -> hub.publish("plain", m));
        drained(hub);
        assertThat(s.messages()).containsExactly(m);
        assertThat(wraps.get()).isZero();
    }

    /**
     * A session repeatedly hands over to a new one that recovers from the last position the old one saw, while
     * another thread publishes without pause: the offsets must run on with no gap and no duplicate.
     */
    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 3})
    void shouldHaveNoGapAndNoDuplicateAtTheSeamWhilePublishing(int shards) throws Exception {
        DisruptorHub hub = start(DisruptorHubConfig.builder().shards(shards).slowConsumerPolicy(
                SlowConsumerPolicy.DROP_NEWEST), HistoryConfig.builder().maxPublications(1 << 16));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger published = new AtomicInteger();
        Thread publisher = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!stop.get() && published.get() < 500_000 && System.nanoTime() < deadline) {
                if (hub.publish("t", Message.text("p")) == PublishResult.ACCEPTED) {
                    published.incrementAndGet();
                }
                // Paced (tens of thousands a second) so the history, not the test's speed, decides coverage.
                LockSupport.parkNanos(20_000L);
            }
        }, "seam-publisher");
        publisher.start();
        try {
            MemorySession current = joined(hub);
            StreamPosition position = subscribe(hub, current, "t", SubscribeOptions.builder().envelope(true))
                    .position();
            List<Long> seen = new CopyOnWriteArrayList<>();
            for (int round = 0; round < 300; round++) {
                MemorySession cur = current;
                Waits.until(() -> !cur.messages().isEmpty(), () -> "a publication");
                List<Message> got = cur.messages();
                MemorySession next = joined(hub);
                long last = offsetOf(got.get(got.size() - 1));
                retry(() -> hub.leave(cur));
                // What the old session saw must continue its predecessor's offsets without gap or duplicate.
                for (Message m : cur.messages()) {
                    seen.add(offsetOf(m));
                }
                StreamPosition from = new StreamPosition(last, position.epoch());
                SubscribeResult r = subscribe(hub, next, "t", SubscribeOptions.builder().envelope(true).since(from));
                assertThat(r.recovered()).as("round %d from %s", round, from).isTrue();
                // Drop what the old session received after `last` (it left later); the new one replays it.
                while (!seen.isEmpty() && seen.get(seen.size() - 1) > last) {
                    seen.remove(seen.size() - 1);
                }
                current = next;
            }
            for (int i = 1; i < seen.size(); i++) {
                assertThat(seen.get(i)).as("offset after %d", seen.get(i - 1)).isEqualTo(seen.get(i - 1) + 1);
            }
            assertThat(seen.size()).isGreaterThan(300);
        } finally {
            stop.set(true);
            publisher.join(10_000);
        }
    }

    @Test
    void shouldStartAHistoryThreadOnlyWithSeveralShards() {
        assertThat(start(1, HistoryConfig.builder()).threads()).hasSize(1);
        assertThat(start(3, HistoryConfig.builder()).threads()).hasSize(4)
                .anySatisfy(t -> assertThat(t.getName()).endsWith("-history"));
    }

    @Test
    void shouldRefuseOptionsOnAHubWithoutHistory() {
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().threadNamePrefix(uniquePrefix("plain"))
                .build());
        hubs.add(hub);
        MemorySession s = joined(hub);
        assertThat(hub.supportsHistory()).isFalse();
        assertThatThrownBy(() -> hub.subscribe(s, "t", SubscribeOptions.builder().envelope(true).build()))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("history");
        assertThat(hub.subscribe(s, "t", SubscribeOptions.plain())).isEqualTo(PublishResult.ACCEPTED);
    }

    @Test
    void shouldCountAThrowingEnvelopeAndDeliverTheRawMessage() {
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().threadNamePrefix(uniquePrefix("bad"))
                .history(HistoryConfig.builder().envelope((t, o, e, m) -> {
                    throw new IllegalStateException("boom");
                }).build()).build());
        hubs.add(hub);
        MemorySession s = joined(hub);
        subscribe(hub, s, "t", SubscribeOptions.builder().envelope(true));
        Message m = Message.text("x");
        retry(() -> hub.publish("t", m));
        HubStats stats = drained(hub);
        assertThat(s.messages()).containsExactly(m);
        assertThat(stats.errors()).isEqualTo(1);
    }
}
