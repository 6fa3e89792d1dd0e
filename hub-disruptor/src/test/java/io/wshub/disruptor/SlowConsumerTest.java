package io.wshub.disruptor;

import static io.wshub.disruptor.HubFixture.drained;
import static io.wshub.disruptor.HubFixture.retry;
import static io.wshub.disruptor.HubFixture.uniquePrefix;
import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.HubListener;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowConsumerTest {

    private static final int FAST = 100;
    private static final int MESSAGES = 50;
    private static final int CAPACITY = 4;

    /** Records what the hub reports. */
    static final class RecordingListener implements HubListener {
        final Map<Long, AtomicLong> lagged = new ConcurrentHashMap<>();
        final List<long[]> disconnected = new CopyOnWriteArrayList<>();

        @Override
        public void onLagged(Session session, long lost) {
            assertThat(lost).isPositive();
            lagged.computeIfAbsent(session.id(), k -> new AtomicLong()).addAndGet(lost);
        }

        @Override
        public void onSlowConsumerDisconnected(Session session, long lost) {
            disconnected.add(new long[] {session.id(), lost});
        }

        long laggedTotal(Session s) {
            AtomicLong n = lagged.get(s.id());
            return n == null ? 0 : n.get();
        }
    }

    private DisruptorHub hub;
    private final RecordingListener listener = new RecordingListener();
    private final List<MemorySession> fast = new ArrayList<>();
    private final List<String> sent = new ArrayList<>();

    private MemorySession run(SlowConsumerPolicy policy, MemorySession slow) {
        hub = DisruptorHub.start(DisruptorHubConfig.builder().shards(2).slowConsumerPolicy(policy).listener(listener)
                .threadNamePrefix(uniquePrefix("slow")).build());
        hub.join(slow);
        for (int i = 0; i < FAST; i++) {
            MemorySession s = MemorySession.recording();
            fast.add(s);
            hub.join(s);
        }
        for (int i = 0; i < MESSAGES; i++) {
            String text = "m" + i;
            sent.add(text);
            retry(() -> hub.broadcast(Message.text(text)));
        }
        HubStats stats = drained(hub);
        for (MemorySession s : fast) {
            assertThat(s.texts()).as("a fast session gets every message in order").containsExactlyElementsOf(sent);
            assertThat(s.isOpen()).isTrue();
            assertThat(listener.laggedTotal(s)).isZero();
        }
        assertThat(stats.accepted()).isEqualTo(MESSAGES);
        assertThat(stats.delivered() + stats.dropped()).as("accounting invariant")
                .isEqualTo(stats.accepted() * (FAST + 1));
        return slow;
    }

    @AfterEach
    void stop() {
        if (hub != null) {
            assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void shouldDisconnectWith1013AndCountEverythingTheSlowSessionLoses() {
        MemorySession slow = run(SlowConsumerPolicy.DISCONNECT, MemorySession.bounded(CAPACITY));
        HubStats stats = hub.stats();
        assertThat(slow.closeCode()).isEqualTo(1013);
        assertThat(slow.texts()).containsExactlyElementsOf(sent.subList(0, CAPACITY));
        assertThat(stats.delivered()).isEqualTo((long) FAST * MESSAGES + CAPACITY);
        assertThat(stats.droppedDisconnect()).isEqualTo(MESSAGES - CAPACITY);
        assertThat(stats.slowDisconnects()).isEqualTo(1);
        assertThat(stats.droppedNewest() + stats.droppedOldest() + stats.droppedClosed()).isZero();
        assertThat(listener.disconnected).hasSize(1);
        assertThat(listener.disconnected.get(0)[0]).isEqualTo(slow.id());
        assertThat(listener.disconnected.get(0)[1]).isBetween(1L, (long) MESSAGES - CAPACITY);
        assertThat(listener.lagged).isEmpty();
    }

    @Test
    void shouldDropTheNewestAndReportTheLag() {
        MemorySession slow = run(SlowConsumerPolicy.DROP_NEWEST, MemorySession.bounded(CAPACITY));
        HubStats stats = hub.stats();
        assertThat(slow.isOpen()).isTrue();
        assertThat(slow.texts()).containsExactlyElementsOf(sent.subList(0, CAPACITY));
        assertThat(stats.droppedNewest()).isEqualTo(MESSAGES - CAPACITY);
        assertThat(listener.laggedTotal(slow)).isEqualTo(MESSAGES - CAPACITY);
        assertThat(stats.slowDisconnects()).isZero();

        slow.drain();
        retry(() -> hub.broadcast(Message.text("fresh")));
        drained(hub);
        assertThat(slow.texts()).endsWith("fresh");
    }

    @Test
    void shouldDropTheOldestKeepingTheMostRecentMessages() {
        MemorySession slow = run(SlowConsumerPolicy.DROP_OLDEST, MemorySession.bounded(CAPACITY));
        HubStats stats = hub.stats();
        assertThat(slow.isOpen()).isTrue();
        assertThat(slow.texts()).containsExactlyElementsOf(sent.subList(MESSAGES - CAPACITY, MESSAGES));
        assertThat(stats.droppedOldest()).isEqualTo(MESSAGES - CAPACITY);
        assertThat(stats.droppedNewest()).isZero();
        assertThat(stats.delivered()).as("net of evictions").isEqualTo((long) FAST * MESSAGES + CAPACITY);
        assertThat(listener.laggedTotal(slow)).isEqualTo(MESSAGES - CAPACITY);
    }

    @Test
    void shouldDropTheNewestUnderDropOldestWhenNothingCanBeEvicted() {
        MemorySession slow = run(SlowConsumerPolicy.DROP_OLDEST, MemorySession.bounded(CAPACITY).notEvictable());
        HubStats stats = hub.stats();
        assertThat(slow.texts()).containsExactlyElementsOf(sent.subList(0, CAPACITY));
        assertThat(stats.droppedNewest()).isEqualTo(MESSAGES - CAPACITY);
        assertThat(stats.droppedOldest()).isZero();
        assertThat(listener.laggedTotal(slow)).isEqualTo(MESSAGES - CAPACITY);
    }
}
