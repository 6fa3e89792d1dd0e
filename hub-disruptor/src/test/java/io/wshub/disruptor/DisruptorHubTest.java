package io.wshub.disruptor;

import static io.wshub.disruptor.HubFixture.drained;
import static io.wshub.disruptor.HubFixture.retry;
import static io.wshub.disruptor.HubFixture.uniquePrefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DisruptorHubTest {

    private final List<DisruptorHub> hubs = new ArrayList<>();

    private DisruptorHub start(DisruptorHubConfig.Builder b) {
        DisruptorHub hub = DisruptorHub.start(b.threadNamePrefix(uniquePrefix("hub")).build());
        hubs.add(hub);
        return hub;
    }

    private DisruptorHub start() {
        return start(DisruptorHubConfig.builder());
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

    private static List<String> texts(String prefix, int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    @Test
    void shouldBroadcastTheSameMessageInstanceToEveryMember() {
        DisruptorHub hub = start();
        List<MemorySession> sessions = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            MemorySession s = MemorySession.recording();
            sessions.add(s);
            assertThat(hub.join(s)).isEqualTo(PublishResult.ACCEPTED);
        }
        Message m = Message.text("hello");
        assertThat(hub.broadcast(m)).isEqualTo(PublishResult.ACCEPTED);
        HubStats stats = drained(hub);
        for (MemorySession s : sessions) {
            assertThat(s.messages()).hasSize(1);
            assertThat(s.messages().get(0)).isSameAs(m);
            assertThat(s.flushes()).isGreaterThanOrEqualTo(1);
        }
        assertThat(stats.accepted()).isEqualTo(1);
        assertThat(stats.delivered()).isEqualTo(5);
        assertThat(stats.sessions()).isEqualTo(5);
        assertThat(stats.dropped()).isZero();
    }

    @Test
    void shouldSkipTheExcludedSender() {
        DisruptorHub hub = start(DisruptorHubConfig.builder().shards(2));
        MemorySession a = MemorySession.recording();
        MemorySession b = MemorySession.recording();
        MemorySession c = MemorySession.recording();
        hub.join(a);
        hub.join(b);
        hub.join(c);
        hub.broadcast(Message.text("from-b"), b.id());
        hub.broadcast(Message.text("to-all"), Hub.NO_SESSION);
        HubStats stats = drained(hub);
        assertThat(a.texts()).containsExactly("from-b", "to-all");
        assertThat(b.texts()).containsExactly("to-all");
        assertThat(c.texts()).containsExactly("from-b", "to-all");
        assertThat(stats.delivered()).isEqualTo(5);
    }

    @Test
    void shouldDeliverExactlyWhatIsSequencedBetweenJoinAndLeave() {
        DisruptorHub hub = start(DisruptorHubConfig.builder().shards(3));
        MemorySession early = MemorySession.recording();
        MemorySession late = MemorySession.recording();
        hub.join(early);
        hub.broadcast(Message.text("m0"));
        hub.join(late);
        hub.broadcast(Message.text("m1"));
        hub.leave(early);
        hub.broadcast(Message.text("m2"));
        hub.leave(late);
        hub.broadcast(Message.text("m3"));
        HubStats stats = drained(hub);
        assertThat(early.texts()).containsExactly("m0", "m1");
        assertThat(late.texts()).containsExactly("m1", "m2");
        assertThat(stats.sessions()).isZero();
        assertThat(stats.accepted()).isEqualTo(4);
        assertThat(stats.delivered()).isEqualTo(4);
    }

    @Test
    void shouldIgnoreASecondJoinAndALeaveOfAStranger() {
        DisruptorHub hub = start();
        MemorySession a = MemorySession.recording();
        hub.join(a);
        hub.join(a);
        hub.leave(MemorySession.recording());
        hub.broadcast(Message.text("once"));
        assertThat(drained(hub).sessions()).isEqualTo(1);
        assertThat(a.texts()).containsExactly("once");
    }

    @Test
    void shouldRouteTopicMessagesToSubscribersOnly() {
        DisruptorHub hub = start(DisruptorHubConfig.builder().shards(2));
        MemorySession news = MemorySession.recording();
        MemorySession both = MemorySession.recording();
        MemorySession none = MemorySession.recording();
        for (MemorySession s : List.of(news, both, none)) {
            hub.join(s);
        }
        hub.subscribe(news, "news");
        hub.subscribe(both, "news");
        hub.subscribe(both, "sport");
        hub.subscribe(both, "sport");
        hub.subscribe(MemorySession.recording(), "news");
        hub.publish("news", Message.text("n1"));
        hub.publish("sport", Message.text("s1"));
        hub.publish("weather", Message.text("w1"));
        hub.unsubscribe(both, "news");
        hub.publish("news", Message.text("n2"));
        hub.leave(news);
        hub.publish("news", Message.text("n3"));
        hub.publish("sport", Message.text("s2"));
        HubStats stats = drained(hub);
        assertThat(news.texts()).containsExactly("n1", "n2");
        assertThat(both.texts()).containsExactly("n1", "s1", "s2");
        assertThat(none.texts()).isEmpty();
        assertThat(stats.accepted()).isEqualTo(6);
        assertThat(stats.delivered()).isEqualTo(5);
    }

    @Test
    void shouldSendToOneSessionAndCountAnUnknownIdAsDroppedClosed() {
        DisruptorHub hub = start(DisruptorHubConfig.builder().shards(2));
        MemorySession a = MemorySession.recording();
        MemorySession b = MemorySession.recording();
        hub.join(a);
        hub.join(b);
        hub.send(b.id(), Message.text("just-b"));
        hub.send(987_654_321L, Message.text("nobody"));
        HubStats stats = drained(hub);
        assertThat(a.texts()).isEmpty();
        assertThat(b.texts()).containsExactly("just-b");
        assertThat(stats.accepted()).isEqualTo(2);
        assertThat(stats.delivered()).isEqualTo(1);
        assertThat(stats.droppedClosed()).isEqualTo(1);
    }

    @Test
    void shouldCountDeliveriesToAClosedSessionAsDroppedClosed() {
        DisruptorHub hub = start();
        MemorySession open = MemorySession.recording();
        MemorySession closed = MemorySession.recording();
        hub.join(open);
        hub.join(closed);
        closed.close(1000, "bye");
        hub.broadcast(Message.text("x"));
        HubStats stats = drained(hub);
        assertThat(stats.delivered()).isEqualTo(1);
        assertThat(stats.droppedClosed()).isEqualTo(1);
        assertThat(stats.delivered() + stats.dropped()).isEqualTo(stats.accepted() * 2);
    }

    @Test
    void shouldRejectNullsAndNonPositiveIds() {
        DisruptorHub hub = start();
        assertThatThrownBy(() -> hub.join(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> hub.broadcast(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> hub.publish(null, Message.text("x"))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> hub.subscribe(MemorySession.recording(), null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> hub.shutdown(null)).isInstanceOf(NullPointerException.class);
        Session zero = new ForwardingSession(MemorySession.recording()) {
            @Override
            public long id() {
                return 0;
            }
        };
        assertThatThrownBy(() -> hub.join(zero)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
        assertThat(hub.stats().accepted()).isZero();
    }

    @Test
    void shouldNameThreadsWithThePrefixAndStartOnePerShard() {
        String prefix = uniquePrefix("named");
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().threadNamePrefix(prefix).shards(3).build());
        hubs.add(hub);
        assertThat(hub.threads()).hasSize(3).allSatisfy(t -> {
            assertThat(t.getName()).startsWith(prefix + "-");
            assertThat(t.isAlive()).isTrue();
        });
    }

    @Test
    void shouldWorkWithEveryWaitStrategy() {
        for (DisruptorHubConfig.WaitStrategyKind kind : DisruptorHubConfig.WaitStrategyKind.values()) {
            DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().waitStrategy(kind)
                    .threadNamePrefix(uniquePrefix("ws")).build());
            try {
                MemorySession s = MemorySession.recording();
                hub.join(s);
                hub.broadcast(Message.text(kind.name()));
                Waits.until(() -> s.messages().size() == 1, () -> kind + " delivers");
                assertThat(s.texts()).containsExactly(kind.name());
            } finally {
                assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(hub.threads()).noneMatch(Thread::isAlive);
        }
    }

    @Test
    void shouldIsolateThrowingSessionsAndListeners() {
        HubListener throwingListener = new HubListener() {
            @Override
            public void onLagged(Session session, long lost) {
                throw new IllegalStateException("listener boom");
            }
        };
        DisruptorHub hub = start(DisruptorHubConfig.builder().slowConsumerPolicy(SlowConsumerPolicy.DROP_NEWEST)
                .listener(throwingListener));
        MemorySession good = MemorySession.recording();
        Session throwsOnOffer = new ForwardingSession(MemorySession.recording()) {
            @Override
            public io.wshub.api.OfferResult offer(Message message) {
                throw new IllegalStateException("offer boom");
            }
        };
        Session throwsOnFlush = new ForwardingSession(MemorySession.recording()) {
            @Override
            public void flush() {
                throw new IllegalStateException("flush boom");
            }
        };
        MemorySession lagging = MemorySession.bounded(1);
        for (Session s : List.of(good, throwsOnOffer, throwsOnFlush, lagging)) {
            hub.join(s);
        }
        for (int i = 0; i < 10; i++) {
            retry(() -> hub.broadcast(Message.text("x")));
        }
        HubStats stats = drained(hub);
        assertThat(good.messages()).hasSize(10);
        assertThat(stats.errors()).isGreaterThanOrEqualTo(10 + 1 + 1);
        assertThat(stats.droppedClosed()).isEqualTo(10);
        assertThat(stats.droppedNewest()).isEqualTo(9);
        assertThat(stats.delivered() + stats.dropped()).isEqualTo(stats.accepted() * 4);
        assertThat(hub.threads()).allMatch(Thread::isAlive);

        hub.broadcast(Message.text("still serving"));
        drained(hub);
        assertThat(good.messages()).hasSize(11);
    }

    @Test
    void shouldFlushEachTouchedSessionOncePerBatch() {
        DisruptorHub hub = start();
        MemorySession s = MemorySession.recording();
        hub.join(s);
        for (int i = 0; i < 2000; i++) {
            retry(() -> hub.broadcast(Message.text("burst")));
        }
        HubStats stats = drained(hub);
        assertThat(s.messages()).hasSize(2000);
        assertThat(s.flushes()).isLessThanOrEqualTo(hub.batches()).isGreaterThanOrEqualTo(1);
        assertThat(stats.delivered()).isEqualTo(2000);
    }

    @Test
    void shouldReportConfigAndRejectOperationsAfterShutdown() {
        DisruptorHub hub = start();
        MemorySession s = MemorySession.recording();
        hub.join(s);
        assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
        assertThat(hub.isShutdown()).isTrue();
        assertThat(s.closeCode()).isEqualTo(1001);
        assertThat(hub.broadcast(Message.text("late"))).isEqualTo(PublishResult.CLOSED);
        assertThat(hub.join(MemorySession.recording())).isEqualTo(PublishResult.CLOSED);
        assertThat(hub.leave(s)).isEqualTo(PublishResult.CLOSED);
        assertThat(hub.send(s.id(), Message.text("late"))).isEqualTo(PublishResult.CLOSED);
        assertThat(hub.shutdown(Duration.ofSeconds(1))).as("idempotent").isTrue();
        assertThat(hub.stats().sessions()).isZero();
        assertThat(hub.stats().backlog()).isZero();
        assertThat(s.texts()).isEmpty();
    }
}
