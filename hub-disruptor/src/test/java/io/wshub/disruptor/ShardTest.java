package io.wshub.disruptor;

import static io.wshub.disruptor.HubFixture.uniquePrefix;
import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.HubListener;
import io.wshub.api.Message;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives a {@link Shard} directly, event by event, on the test thread: deterministic checks of what the threaded
 * tests can only catch by chance. The hub is only a holder for the shared leave counters; nothing is published to it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ShardTest {

    private DisruptorHub hub;
    private final List<Long> lagged = new ArrayList<>();
    private long seq;

    @BeforeEach
    void startHub() {
        hub = DisruptorHub.start(DisruptorHubConfig.builder().threadNamePrefix(uniquePrefix("shard")).build());
    }

    @AfterEach
    void stopHub() {
        assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
    }

    private Shard shard(int index, int shards, SlowConsumerPolicy policy) {
        return new Shard(hub, index, shards, policy, new HubListener() {
            @Override
            public void onLagged(Session session, long lost) {
                lagged.add(lost);
            }
        }, null);
    }

    private HubEvent event(int shards, int type, Session session, long id, String topic, Message message) {
        HubEvent e = new HubEvent();
        e.claim(shards, type);
        e.session = session;
        e.sessionId = id;
        e.topic = topic;
        e.message = message;
        return e;
    }

    private void run(Shard shard, HubEvent e, boolean endOfBatch) {
        shard.onEvent(e, seq++, endOfBatch);
    }

    private void queueLeave(Shard shard, Session s, long after) {
        shard.fallbackLeaves.add(new Shard.PendingLeave(s.id(), after));
        hub.pendingLeaves.incrementAndGet();
    }

    @Test
    void shouldApplyAQueuedLeaveRightAfterTheEventItsCallerSawLast() {
        Shard shard = shard(0, 1, SlowConsumerPolicy.DROP_NEWEST);
        MemorySession s = MemorySession.recording();
        run(shard, event(1, HubEvent.JOIN, s, s.id(), null, null), true);
        run(shard, event(1, HubEvent.BROADCAST, null, 0, null, Message.text("before")), true);
        // The caller saw sequence 1 last; the shard has already processed it and sleeps. Its next op is sequence 2.
        queueLeave(shard, s, 1);
        run(shard, event(1, HubEvent.BROADCAST, null, 0, null, Message.text("after")), true);
        assertThat(s.texts()).containsExactly("before");
        assertThat(hub.pendingLeaves.get()).isZero();
    }

    @Test
    void shouldKeepAQueuedLeaveUntilTheShardReachesItsPlace() {
        Shard shard = shard(0, 1, SlowConsumerPolicy.DROP_NEWEST);
        MemorySession s = MemorySession.recording();
        run(shard, event(1, HubEvent.JOIN, s, s.id(), null, null), false);
        // The leave's caller saw sequences up to 2 claimed: events 1 and 2 were sequenced before the leave.
        queueLeave(shard, s, 2);
        run(shard, event(1, HubEvent.BROADCAST, null, 0, null, Message.text("one")), false);
        run(shard, event(1, HubEvent.BROADCAST, null, 0, null, Message.text("two")), false);
        run(shard, event(1, HubEvent.BROADCAST, null, 0, null, Message.text("three")), true);
        assertThat(s.texts()).containsExactly("one", "two");
        assertThat(hub.pendingLeaves.get()).isZero();
    }

    @Test
    void shouldFlushEachTouchedSessionOnceAndReportLagOncePerBatch() {
        Shard shard = shard(0, 1, SlowConsumerPolicy.DROP_NEWEST);
        MemorySession fast = MemorySession.recording();
        MemorySession slow = MemorySession.bounded(1);
        run(shard, event(1, HubEvent.JOIN, fast, fast.id(), null, null), false);
        run(shard, event(1, HubEvent.JOIN, slow, slow.id(), null, null), false);
        for (int i = 0; i < 5; i++) {
            run(shard, event(1, HubEvent.BROADCAST, null, 0, null, Message.text("m" + i)), i == 4);
        }
        assertThat(fast.flushes()).isEqualTo(1);
        assertThat(slow.flushes()).isEqualTo(1);
        assertThat(lagged).containsExactly(4L);
        run(shard, event(1, HubEvent.BROADCAST, null, 0, null, Message.text("m5")), true);
        assertThat(fast.flushes()).isEqualTo(2);
        assertThat(lagged).containsExactly(4L, 1L);
    }

    @Test
    void shouldClearAnEventOnlyAfterEveryShardHasProcessedIt() {
        Shard first = shard(0, 2, SlowConsumerPolicy.DROP_NEWEST);
        Shard second = shard(1, 2, SlowConsumerPolicy.DROP_NEWEST);
        MemorySession s = MemorySession.recording();
        HubEvent e = event(2, HubEvent.SUBSCRIBE, s, s.id(), "topic", null);
        first.onEvent(e, 0, true);
        assertThat(e.session).isSameAs(s);
        assertThat(e.topic).isEqualTo("topic");
        second.onEvent(e, 0, true);
        assertThat(e.session).isNull();
        assertThat(e.topic).isNull();
        assertThat(e.message).isNull();
        assertThat(e.type).isEqualTo(HubEvent.NOOP);

        HubEvent single = event(1, HubEvent.BROADCAST, null, 0, null, Message.text("x"));
        shard(0, 1, SlowConsumerPolicy.DROP_NEWEST).onEvent(single, 0, true);
        assertThat(single.message).isNull();
    }

    @Test
    void shouldTouchOnlyTheSessionsOfItsOwnShard() {
        Shard zero = shard(0, 2, SlowConsumerPolicy.DROP_NEWEST);
        MemorySession mine = MemorySession.recording();
        while (Shard.shardOf(mine.id(), 2) != 0) {
            mine = MemorySession.recording();
        }
        MemorySession theirs = MemorySession.recording();
        while (Shard.shardOf(theirs.id(), 2) != 1) {
            theirs = MemorySession.recording();
        }
        run(zero, event(2, HubEvent.JOIN, mine, mine.id(), null, null), false);
        run(zero, event(2, HubEvent.JOIN, theirs, theirs.id(), null, null), false);
        run(zero, event(2, HubEvent.BROADCAST, null, 0, null, Message.text("b")), false);
        run(zero, event(2, HubEvent.SEND, null, theirs.id(), null, Message.text("d")), true);
        assertThat(mine.texts()).containsExactly("b");
        assertThat(theirs.texts()).isEmpty();
        assertThat(zero.published.get(Shard.C_SESSIONS)).isEqualTo(1);
        assertThat(zero.published.get(Shard.C_DROPPED_CLOSED)).as("the other shard's send is not counted here")
                .isZero();
    }
}
