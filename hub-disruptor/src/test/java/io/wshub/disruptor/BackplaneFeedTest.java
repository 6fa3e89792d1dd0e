package io.wshub.disruptor;

import static io.wshub.disruptor.HubFixture.drained;
import static io.wshub.disruptor.HubFixture.retry;
import static io.wshub.disruptor.HubFixture.uniquePrefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.HistoryConfig;
import io.wshub.api.Message;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeOptions;
import io.wshub.api.SubscribeResult;
import io.wshub.api.spi.Backfill;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link io.wshub.api.spi.BackplaneHub} side of {@link DisruptorHub}: publications whose positions a backplane
 * assigned, and subscriptions recovered from a backfill merged with the local history.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackplaneFeedTest {

    private final List<DisruptorHub> hubs = new ArrayList<>();

    private DisruptorHub start(int shards, int localHistory) {
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().shards(shards)
                .threadNamePrefix(uniquePrefix("feed"))
                .history(HistoryConfig.builder().maxPublications(localHistory).envelope(HistoryTest.ENVELOPE).build())
                .build());
        hubs.add(hub);
        return hub;
    }

    @AfterEach
    void stop() {
        hubs.forEach(h -> h.shutdown(Duration.ofSeconds(10)));
    }

    private static MemorySession subscribed(DisruptorHub hub, String topic, SubscribeOptions.Builder options,
                                            Backfill backfill, AtomicReference<SubscribeResult> result) {
        MemorySession s = MemorySession.recording();
        retry(() -> hub.join(s));
        SubscribeOptions o = options.envelope(true).listener((x, r) -> result.set(r)).build();
        retry(() -> hub.subscribe(s, topic, o, backfill));
        return s;
    }

    private static void feed(DisruptorHub hub, String topic, String epoch, long from, long to) {
        for (long o = from; o <= to; o++) {
            Message m = Message.text("m" + o);
            StreamPosition p = new StreamPosition(o, epoch);
            retry(() -> hub.publishAt(topic, m, p));
        }
    }

    private static List<Message> messages(long from, long to) {
        List<Message> out = new ArrayList<>();
        for (long o = from; o <= to; o++) {
            out.add(Message.text("m" + o));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 3})
    void fedPositionsAreDeliveredAsAssignedAndDuplicatesIgnored(int shards) {
        DisruptorHub hub = start(shards, 100);
        AtomicReference<SubscribeResult> r = new AtomicReference<>();
        MemorySession s = subscribed(hub, "t", SubscribeOptions.builder(), new Backfill(true,
                new StreamPosition(40, "E"), List.of()), r);
        feed(hub, "t", "E", 41, 45);
        feed(hub, "t", "E", 43, 46);
        drained(hub);
        assertThat(r.get().position()).isEqualTo(new StreamPosition(40, "E"));
        assertThat(s.texts()).containsExactly("41|E|m41", "42|E|m42", "43|E|m43", "44|E|m44", "45|E|m45",
                "46|E|m46");
        assertThat(hub.fedDuplicates()).isEqualTo(3);
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 3})
    void aGapOrANewEpochRestartsTheLocalHistoryThere(int shards) {
        DisruptorHub hub = start(shards, 100);
        feed(hub, "t", "E", 1, 3);
        feed(hub, "t", "E", 7, 8);
        drained(hub);
        // The local history now starts after the gap: a position before it is not covered without a backfill.
        AtomicReference<SubscribeResult> r = new AtomicReference<>();
        MemorySession s = subscribed(hub, "t", SubscribeOptions.builder().since(new StreamPosition(3, "E")),
                new Backfill(true, new StreamPosition(3, "E"), List.of()), r);
        drained(hub);
        assertThat(r.get().recovered()).isFalse();
        assertThat(r.get().position()).isEqualTo(new StreamPosition(8, "E"));
        assertThat(s.texts()).isEmpty();
        feed(hub, "t", "F", 1, 1);
        drained(hub);
        assertThat(s.texts()).containsExactly("1|F|m1");
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 3})
    void aBackfillAndTheLocalHistoryMergeWithoutGapOrDuplicate(int shards) {
        DisruptorHub hub = start(shards, 100);
        feed(hub, "t", "E", 1, 20);
        // The store was read when its top was 15; the local hub has had up to 20 since.
        AtomicReference<SubscribeResult> r = new AtomicReference<>();
        MemorySession s = subscribed(hub, "t", SubscribeOptions.builder().since(new StreamPosition(10, "E")),
                new Backfill(true, new StreamPosition(15, "E"), messages(11, 15)), r);
        feed(hub, "t", "E", 21, 22);
        drained(hub);
        assertThat(r.get()).isEqualTo(new SubscribeResult("t", true, true, 10, new StreamPosition(20, "E")));
        List<String> want = new ArrayList<>();
        for (int o = 11; o <= 22; o++) {
            want.add(o + "|E|m" + o);
        }
        assertThat(s.texts()).containsExactlyElementsOf(want);
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 3})
    void aBackfillAheadOfTheLocalHubAlignsItAndLaterFeedsAreDuplicates(int shards) {
        DisruptorHub hub = start(shards, 3);
        feed(hub, "t", "E", 1, 12);
        // The backplane has fed up to 14 (the local hub missed 13 and 14), and they arrive again later.
        AtomicReference<SubscribeResult> r = new AtomicReference<>();
        MemorySession s = subscribed(hub, "t", SubscribeOptions.builder().since(new StreamPosition(2, "E")),
                new Backfill(true, new StreamPosition(14, "E"), messages(3, 14)), r);
        feed(hub, "t", "E", 13, 14);
        drained(hub);
        assertThat(r.get().recovered()).isTrue();
        // Aligned to the backplane's position: 3 to 14 from the backfill; 13 and 14 fed later are duplicates.
        assertThat(r.get().replayed()).isEqualTo(12);
        assertThat(s.texts()).hasSize(12).first().isEqualTo("3|E|m3");
        assertThat(s.texts()).last().isEqualTo("14|E|m14");
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 3})
    void anUncoveredBackfillOrAnotherEpochIsNotRecovered(int shards) {
        DisruptorHub hub = start(shards, 100);
        feed(hub, "t", "E", 1, 5);
        AtomicReference<SubscribeResult> lost = new AtomicReference<>();
        MemorySession a = subscribed(hub, "t", SubscribeOptions.builder().since(new StreamPosition(1, "E")),
                new Backfill(false, new StreamPosition(5, "E"), List.of()), lost);
        AtomicReference<SubscribeResult> other = new AtomicReference<>();
        MemorySession b = subscribed(hub, "t", SubscribeOptions.builder().since(new StreamPosition(1, "OLD")),
                new Backfill(true, new StreamPosition(5, "E"), messages(2, 5)), other);
        drained(hub);
        assertThat(lost.get().recovered()).isFalse();
        assertThat(other.get().recovered()).isFalse();
        assertThat(a.texts()).isEmpty();
        assertThat(b.texts()).isEmpty();
        // A backfill with a new epoch realigns a topic whose local history is of the old one.
        AtomicReference<SubscribeResult> fresh = new AtomicReference<>();
        subscribed(hub, "t", SubscribeOptions.builder(), new Backfill(true, new StreamPosition(0, "NEW"),
                List.of()), fresh);
        drained(hub);
        assertThat(fresh.get().position()).isEqualTo(new StreamPosition(0, "NEW"));
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 3})
    void badFeedsAreRefusedWithClearErrors(int shards) {
        DisruptorHub hub = start(shards, 10);
        assertThatThrownBy(() -> hub.publishAt("t", Message.text("x"), new StreamPosition(0, "E")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
        assertThatThrownBy(() -> new Backfill(false, new StreamPosition(3, "E"), messages(1, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not covered");
        assertThatThrownBy(() -> new Backfill(true, new StreamPosition(1, "E"), messages(1, 3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(hub.hasHistory("t")).isTrue();
    }
}
