package io.wshub.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.Envelope;
import io.wshub.api.HistoryConfig;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeOptions;
import io.wshub.api.SubscribeResult;
import io.wshub.api.spi.SessionIds;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import io.wshub.testkit.RecordingSession;
import io.wshub.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Several {@link RedisHub} nodes in one JVM on one real {@code redis-server}. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisHubTest {

    /** "offset|epoch|payload". */
    static final Envelope ENVELOPE = (topic, offset, epoch, message) ->
            Message.text(offset + "|" + epoch + "|" + ((Message.Text) message).asString());
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private static RedisServer redis;
    private final List<RedisHub> nodes = new ArrayList<>();
    private final String prefix = "t" + PREFIXES.incrementAndGet();

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void stopNodes() {
        for (RedisHub n : nodes) {
            n.shutdown(Duration.ofSeconds(5));
        }
    }

    private RedisHub node() {
        return node(b -> b);
    }

    private RedisHub node(java.util.function.UnaryOperator<RedisHubConfig.Builder> tweak) {
        DisruptorHub local = DisruptorHub.start(DisruptorHubConfig.builder()
                .threadNamePrefix("redis-test-" + prefix + "-" + nodes.size())
                .history(HistoryConfig.builder().maxPublications(100).envelope(ENVELOPE).build())
                .build());
        RedisHub n = RedisHub.start(tweak.apply(RedisHubConfig.builder(redis.uri()).prefix(prefix)
                .probeInterval(Duration.ofMillis(100)).probeTimeout(Duration.ofMillis(500))).build(), local);
        nodes.add(n);
        return n;
    }

    /**
     * Joins a session and waits until the join took effect on its node: operations from other nodes are ordered
     * after it only from then on (within one node, its own operations keep their order without waiting).
     */
    private static RecordingSession joined(RedisHub hub) {
        RecordingSession s = new RecordingSession();
        int before = hub.stats().sessions();
        assertThat(hub.join(s)).isEqualTo(PublishResult.ACCEPTED);
        await(() -> hub.stats().sessions() > before, () -> "the join of " + s + " on " + hub);
        return s;
    }

    /** Subscribes with an envelope and waits for the outcome. */
    private static SubscribeResult subscribe(RedisHub hub, Session s, String topic, StreamPosition since) {
        AtomicReference<SubscribeResult> r = new AtomicReference<>();
        SubscribeOptions.Builder b = SubscribeOptions.builder().envelope(true).listener((x, res) -> r.set(res));
        if (since != null) {
            b.since(since);
        }
        assertThat(hub.subscribe(s, topic, b.build())).isEqualTo(PublishResult.ACCEPTED);
        await(() -> r.get() != null, () -> "subscription outcome on " + topic);
        return r.get();
    }

    static void await(BooleanSupplier done, Supplier<String> what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            sleep(5);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static List<String> texts(RecordingSession s) {
        List<String> out = new ArrayList<>();
        for (Message m : s.messages()) {
            out.add(((Message.Text) m).asString());
        }
        return out;
    }

    private static long offsetOf(String enveloped) {
        return Long.parseLong(enveloped.substring(0, enveloped.indexOf('|')));
    }

    private static void publish(RedisHub hub, String topic, String text) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        PublishResult r;
        while ((r = hub.publish(topic, Message.text(text))) != PublishResult.ACCEPTED) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("publish answered " + r);
            }
            sleep(1);
        }
    }

    @Test
    void concurrentPublishersOnThreeNodesGiveEveryNodeTheSameOrderWithoutLoss() throws Exception {
        List<RedisHub> hubs = List.of(node(), node(), node());
        List<RecordingSession> sessions = new ArrayList<>();
        for (RedisHub h : hubs) {
            for (int i = 0; i < 2; i++) {
                RecordingSession s = joined(h);
                subscribe(h, s, "room", null);
                sessions.add(s);
            }
        }
        int perNode = 400;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> publishers = new ArrayList<>();
        for (int n = 0; n < hubs.size(); n++) {
            RedisHub h = hubs.get(n);
            String name = "n" + n;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int k = 0; k < perNode; k++) {
                    publish(h, "room", name + "-" + k);
                }
            });
            t.start();
            publishers.add(t);
        }
        go.countDown();
        for (Thread t : publishers) {
            t.join(WAIT.toMillis());
        }
        int total = perNode * hubs.size();
        for (RecordingSession s : sessions) {
            assertThat(s.awaitMessages(total, WAIT)).as("%s got every publication", s).isTrue();
        }
        List<String> first = texts(sessions.get(0));
        assertThat(first).hasSize(total);
        for (RecordingSession s : sessions) {
            assertThat(texts(s)).as("the same order on every node").isEqualTo(first);
        }
        for (int i = 0; i < total; i++) {
            assertThat(offsetOf(first.get(i))).as("offsets contiguous from Redis").isEqualTo(i + 1);
        }
        for (int n = 0; n < hubs.size(); n++) {
            String name = "|n" + n + "-";
            List<String> mine = first.stream().filter(x -> x.contains(name)).map(x -> x.substring(x.indexOf(name)
                    + name.length())).toList();
            List<String> want = new ArrayList<>();
            for (int k = 0; k < perNode; k++) {
                want.add(Integer.toString(k));
            }
            assertThat(mine).as("node %d's publications in its order", n).isEqualTo(want);
        }
        for (RedisHub h : hubs) {
            assertThat(h.backplaneStats().publishFailed()).isZero();
            assertThat(h.backplaneStats().inboundDropped()).isZero();
            assertThat(h.stats().dropped()).isZero();
        }
    }

    @Test
    void broadcastsAndDirectSendsReachSessionsOnOtherNodes() throws Exception {
        RedisHub a = node();
        RedisHub b = node();
        RecordingSession onA = joined(a);
        RecordingSession onB = joined(b);
        assertThat(SessionIds.nodeOf(onA.id())).isEqualTo(SessionIds.node());
        assertThat(a.broadcast(Message.text("to all but A's"), onA.id())).isEqualTo(PublishResult.ACCEPTED);
        assertThat(a.send(onB.id(), Message.text("direct to B"))).isEqualTo(PublishResult.ACCEPTED);
        assertThat(b.send(onA.id(), Message.text("direct to A"))).isEqualTo(PublishResult.ACCEPTED);
        assertThat(onB.awaitMessages(2, WAIT)).isTrue();
        assertThat(onA.awaitMessages(1, WAIT)).isTrue();
        assertThat(texts(onB)).containsExactly("to all but A's", "direct to B");
        assertThat(texts(onA)).containsExactly("direct to A");
        long unknown = SessionIds.next();
        assertThat(a.send(unknown, Message.text("to nobody"))).isEqualTo(PublishResult.ACCEPTED);
        await(() -> a.backplaneStats().undeliverableSends() == 1, () -> "the undeliverable send counted");
        assertThat(a.stats().droppedClosed()).isEqualTo(1);
        // After leaving, a session is no longer in the directory.
        b.leave(onB);
        await(() -> {
            a.send(onB.id(), Message.text("gone"));
            return a.backplaneStats().undeliverableSends() >= 2;
        }, () -> "a send to a session that left counted as undeliverable");
    }

    @Test
    void aClientRecoversOnAnotherNodeWithoutGapOrDuplicateWhilePublishersRun() throws Exception {
        RedisHub a = node();
        RedisHub b = node();
        RedisHub c = node();
        RecordingSession first = joined(a);
        SubscribeResult r0 = subscribe(a, first, "feed", null);
        for (int i = 1; i <= 5; i++) {
            publish(b, "feed", "m" + i);
        }
        assertThat(first.awaitMessages(5, WAIT)).isTrue();
        String last = texts(first).get(4);
        StreamPosition position = new StreamPosition(offsetOf(last), last.split("\\|")[1]);
        assertThat(position.epoch()).isEqualTo(r0.position().epoch());
        a.leave(first);
        // Publications continue from B while the client comes back on C.
        AtomicInteger next = new AtomicInteger(6);
        Thread publisher = new Thread(() -> {
            for (int i = 6; i <= 300; i++) {
                publish(b, "feed", "m" + i);
                next.set(i + 1);
            }
        });
        publisher.start();
        await(() -> next.get() > 40, () -> "publications after the position");
        RecordingSession back = joined(c);
        SubscribeResult r = subscribe(c, back, "feed", position);
        publisher.join(WAIT.toMillis());
        assertThat(r.recovered()).as("%s", r).isTrue();
        assertThat(back.awaitMessages(295, WAIT)).isTrue();
        sleep(100);
        List<String> got = texts(back);
        assertThat(got).hasSize(295);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i)).isEqualTo((i + 6) + "|" + position.epoch() + "|m" + (i + 6));
        }
    }

    @Test
    void aPositionTheStreamNoLongerCoversIsNotRecovered() throws Exception {
        RedisHub a = node(b -> b.streamSize(10));
        RecordingSession s = joined(a);
        SubscribeResult r0 = subscribe(a, s, "short", null);
        for (int i = 1; i <= 30; i++) {
            publish(a, "short", "m" + i);
        }
        assertThat(s.awaitMessages(30, WAIT)).isTrue();
        RedisHub b = node(x -> x.streamSize(10));
        RecordingSession late = joined(b);
        SubscribeResult r = subscribe(b, late, "short", new StreamPosition(5, r0.position().epoch()));
        assertThat(r.recovered()).isFalse();
        assertThat(r.position()).isEqualTo(new StreamPosition(30, r0.position().epoch()));
        RecordingSession recent = joined(b);
        SubscribeResult ok = subscribe(b, recent, "short", new StreamPosition(25, r0.position().epoch()));
        assertThat(ok.recovered()).isTrue();
        assertThat(recent.awaitMessages(5, WAIT)).isTrue();
        assertThat(texts(recent).get(0)).startsWith("26|");
        SubscribeResult other = subscribe(b, joined(b), "short", new StreamPosition(25, "another-epoch"));
        assertThat(other.recovered()).isFalse();
    }

    @Test
    void aTopicWithHistoryIsForgottenAfterTheStreamTtlWithoutSubscribersAndThenRecoversFromTheStream() throws Exception {
        Duration ttl = Duration.ofMillis(600);
        RedisHub a = node(b -> b.streamTtl(ttl));
        RedisHub b = node(x -> x.streamTtl(ttl));
        RecordingSession s = joined(a);
        SubscribeResult first = subscribe(a, s, "idle", null);
        publish(b, "idle", "m1");
        assertThat(s.awaitMessages(1, WAIT)).isTrue();
        assertThat(a.unsubscribe(s, "idle")).isEqualTo(PublishResult.ACCEPTED);
        long unsubscribedAt = System.nanoTime();
        // Publications keep coming (they keep the stream alive); node a stops feeding the topic once it has had no
        // subscriber for the stream's TTL.
        int published = 1;
        while (a.knowsTopicForTest("idle")) {
            assertThat(System.nanoTime() - unsubscribedAt).as("node a still feeds the idle topic")
                    .isLessThan(WAIT.toNanos());
            publish(b, "idle", "m" + ++published);
            sleep(50);
        }
        assertThat(System.nanoTime() - unsubscribedAt).isGreaterThanOrEqualTo(ttl.toNanos());
        publish(b, "idle", "m" + ++published);
        RecordingSession back = joined(a);
        SubscribeResult r = subscribe(a, back, "idle", new StreamPosition(1, first.position().epoch()));
        assertThat(r.recovered()).isTrue();
        int missed = published - 1;
        assertThat(back.awaitMessages(missed, WAIT)).isTrue();
        List<String> got = texts(back);
        assertThat(got).hasSize(missed);
        for (int i = 0; i < missed; i++) {
            assertThat(got.get(i)).isEqualTo((i + 2) + "|" + first.position().epoch() + "|m" + (i + 2));
        }
    }

    @Test
    void aLocalRingThatIsFullMakesPublicationsFromRedisWaitInOrderWithoutLoss() throws Exception {
        // A local hub with a tiny ring and an envelope that takes a millisecond: a burst from another node finds it
        // full, so what Lettuce's thread cannot hand over at once is left to the backplane thread, which waits.
        Envelope slow = (topic, offset, epoch, message) -> {
            sleep(1);
            return ENVELOPE.wrap(topic, offset, epoch, message);
        };
        DisruptorHub local = DisruptorHub.start(DisruptorHubConfig.builder()
                .threadNamePrefix("redis-test-" + prefix + "-slow").ringSize(4)
                .history(HistoryConfig.builder().maxPublications(1000).envelope(slow).build())
                .build());
        RedisHub b = RedisHub.start(RedisHubConfig.builder(redis.uri()).prefix(prefix)
                .probeInterval(Duration.ofMillis(100)).probeTimeout(Duration.ofMillis(500)).build(), local);
        nodes.add(b);
        RedisHub a = node();
        RecordingSession s = joined(b);
        subscribe(b, s, "burst", null);
        int n = 300;
        for (int i = 1; i <= n; i++) {
            publish(a, "burst", "m" + i);
        }
        assertThat(s.awaitMessages(n, WAIT)).isTrue();
        List<String> got = texts(s);
        assertThat(got).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(offsetOf(got.get(i))).isEqualTo(i + 1);
            assertThat(got.get(i)).endsWith("|m" + (i + 1));
        }
        assertThat(local.stats().backpressured()).as("the local ring was full at least once").isPositive();
        assertThat(b.backplaneStats().gapsDetected()).isZero();
        assertThat(b.backplaneStats().inboundDropped()).isZero();
    }

    @Test
    void messagesLostOnTheWayAreFilledFromTheStream() throws Exception {
        RedisHub a = node();
        RedisHub b = node();
        RecordingSession s = joined(b);
        subscribe(b, s, "lossy", null);
        publish(a, "lossy", "m1");
        assertThat(s.awaitMessages(1, WAIT)).isTrue();
        b.loseInboundForTest(3);
        for (int i = 2; i <= 10; i++) {
            publish(a, "lossy", "m" + i);
        }
        assertThat(s.awaitMessages(10, WAIT)).isTrue();
        List<String> got = texts(s);
        for (int i = 0; i < 10; i++) {
            assertThat(offsetOf(got.get(i))).isEqualTo(i + 1);
        }
        assertThat(b.backplaneStats().gapsDetected()).isEqualTo(1);
        assertThat(b.backplaneStats().gapsRecovered()).isEqualTo(1);
    }

    @Test
    void aSubscriptionThatDiedSilentlyIsNoticedByTheProbeAndRepaired() throws Exception {
        RedisHub a = node();
        RedisHub b = node();
        RecordingSession s = joined(b);
        subscribe(b, s, "quiet", null);
        publish(a, "quiet", "before");
        assertThat(s.awaitMessages(1, WAIT)).isTrue();
        b.dropSubscriptionsForTest();
        publish(a, "quiet", "while dead");
        await(() -> b.backplaneStats().probeFailures() >= 1, () -> "the probe noticing");
        publish(a, "quiet", "after");
        assertThat(s.awaitMessages(3, WAIT)).isTrue();
        List<String> got = texts(s);
        assertThat(got).hasSize(3);
        assertThat(got.get(1)).endsWith("|while dead");
        assertThat(got.get(2)).endsWith("|after");
    }

    @Test
    void aSubscriptionConnectionKilledByRedisIsRepaired() throws Exception {
        RedisHub a = node();
        RedisHub b = node();
        RecordingSession s = joined(b);
        subscribe(b, s, "kill", null);
        publish(a, "kill", "before");
        assertThat(s.awaitMessages(1, WAIT)).isTrue();
        long before = b.backplaneStats().resubscribes();
        assertThat(redis.command("CLIENT KILL TYPE pubsub")).startsWith(":");
        await(() -> b.backplaneStats().resubscribes() > before, () -> "the resubscription");
        publish(a, "kill", "after");
        assertThat(s.awaitMessages(2, WAIT)).isTrue();
        assertThat(texts(s).get(1)).endsWith("|after");
    }

    @Test
    void whileRedisIsDownPublishingAnswersUnavailableAndAfterARestartEveryNodeDeliversAgain() throws Exception {
        RedisHub a = node();
        RedisHub b = node();
        RecordingSession s = joined(b);
        SubscribeResult r0 = subscribe(b, s, "outage", null);
        publish(a, "outage", "m1");
        assertThat(s.awaitMessages(1, WAIT)).isTrue();
        AtomicReference<RecordingSession> earlyRef = new AtomicReference<>();
        redis.kill();
        try {
            long t0 = System.nanoTime();
            await(() -> a.publish("outage", Message.text("lost?")) == PublishResult.UNAVAILABLE,
                    () -> "publishing to answer UNAVAILABLE");
            long answered = System.nanoTime();
            PublishResult r = a.publish("outage", Message.text("during"));
            assertThat(System.nanoTime() - answered).as("answered at once").isLessThan(
                    TimeUnit.MILLISECONDS.toNanos(100));
            assertThat(r).isEqualTo(PublishResult.UNAVAILABLE);
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(10);
            assertThat(a.backplaneStats().unavailable()).isPositive();
            assertThat(a.isConnected()).isFalse();
            // Joining and subscribing still work locally while Redis is down.
            RecordingSession early = new RecordingSession();
            assertThat(b.join(early)).isEqualTo(PublishResult.ACCEPTED);
            assertThat(b.subscribe(early, "later")).isEqualTo(PublishResult.ACCEPTED);
            await(() -> b.stats().sessions() == 2, () -> "the local join during the outage");
            earlyRef.set(early);
        } finally {
            redis.restart();
        }
        await(a::isConnected, () -> "node A reconnected");
        await(b::isConnected, () -> "node B reconnected");
        long deadline = System.nanoTime() + WAIT.toNanos();
        int sent = 0;
        while (texts(s).stream().noneMatch(x -> x.endsWith("|again")) && System.nanoTime() < deadline) {
            if (a.publish("outage", Message.text("again")) == PublishResult.ACCEPTED) {
                sent++;
            }
            sleep(200);
        }
        assertThat(texts(s)).as("delivered again after the restart (%d tries)", sent)
                .anyMatch(x -> x.endsWith("|again"));
        String again = texts(s).stream().filter(x -> x.endsWith("|again")).findFirst().orElseThrow();
        String newEpoch = again.split("\\|")[1];
        assertThat(newEpoch).as("a Redis without persistence gives a new epoch").isNotEqualTo(
                r0.position().epoch());
        // The session that subscribed during the outage receives once Redis is back.
        RecordingSession early = earlyRef.get();
        long until = System.nanoTime() + WAIT.toNanos();
        while (early.messageCount() == 0 && System.nanoTime() < until) {
            a.publish("later", Message.text("for the early one"));
            sleep(200);
        }
        assertThat(texts(early)).isNotEmpty().allMatch("for the early one"::equals);
        // A client holding a position of the old epoch is told it is not recovered.
        SubscribeResult old = subscribe(a, joined(a), "outage", new StreamPosition(1, r0.position().epoch()));
        assertThat(old.recovered()).isFalse();
        assertThat(b.backplaneStats().gapsLost()).isPositive();
        Set<String> delivered = new HashSet<>(texts(s));
        assertThat(delivered).noneMatch(x -> x.endsWith("|during") || x.endsWith("|lost?"));
    }

    @Test
    void aRedisThatNeverAnswersIsRetriedUntilTheStartTimeoutAndThenAClearError() throws Exception {
        DisruptorHub local = DisruptorHub.start(DisruptorHubConfig.builder().threadNamePrefix("silent").build());
        // Accepts connections and never answers, as a Redis too busy to complete a handshake would.
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                List<java.net.Socket> held = new ArrayList<>();
                try {
                    while (held.size() < 100) {
                        held.add(silent.accept());
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                } finally {
                    held.forEach(c -> {
                        try {
                            c.close();
                        } catch (java.io.IOException ignored) {
                            // closing anyway
                        }
                    });
                }
            }, "silent-redis");
            acceptor.start();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> RedisHub.start(RedisHubConfig.builder("redis://127.0.0.1:" + silent.getLocalPort())
                    .connectTimeout(Duration.ofMillis(100)).commandTimeout(Duration.ofMillis(100))
                    .startTimeout(Duration.ofMillis(800)).build(), local))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot use Redis at redis://127.0.0.1:" + silent.getLocalPort())
                    .hasMessageMatching("(?s).*after [2-9][0-9]* attempts.*");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
            silent.close();
            acceptor.join(5000);
        } finally {
            local.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void anUnreachableRedisIsAClearErrorAtStart() {
        DisruptorHub local = DisruptorHub.start(DisruptorHubConfig.builder().threadNamePrefix("unreachable").build());
        try {
            assertThatThrownBy(() -> RedisHub.start(RedisHubConfig.builder("redis://127.0.0.1:1")
                    .connectTimeout(Duration.ofMillis(500)).build(), local))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot use Redis at redis://127.0.0.1:1")
                    .hasMessageContaining("Connection refused");
            // The failed start left no Lettuce thread behind (this test starts no node; earlier ones were shut down).
            await(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("lettuce")
                    && t.isAlive()), () -> "Lettuce threads of the failed start to end");
        } finally {
            local.shutdown(Duration.ofSeconds(5));
        }
    }
}
