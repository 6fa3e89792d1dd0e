package io.wshub.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wshub.api.CloseCode;
import io.wshub.api.Envelope;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.HistoryConfig;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeOptions;
import io.wshub.api.SubscribeResult;
import io.wshub.api.SubscriptionListener;
import io.wshub.api.spi.AbstractSession;
import io.wshub.api.spi.SessionIds;
import io.wshub.testkit.TestEnvelope.Publication;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hub conformance suite: extend it, implement {@link #newHub}, name the subclass {@code *Test}, and every rule of
 * the {@link Hub} contract runs against your hub with in-memory sessions ({@link RecordingSession},
 * {@link SlowSession}).
 *
 * <pre>{@code
 * class MyHubVerificationTest extends HubVerification {
 *     @Override
 *     protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
 *         return MyHub.start(policy, listener);
 *     }
 * }
 * }</pre>
 *
 * <p>Each test method is one rule: {@code required_...} rules every hub must pass; {@code optional_...} rules need a
 * capability from {@link #capabilities()} and are skipped with a reason without it. Every rule shuts down the hubs it
 * creates, even when it fails, so rules may also be invoked directly.
 *
 * <h2>Topic history</h2>
 *
 * <p>The {@code optional_history_...} rules check the history contract ({@link SubscribeOptions},
 * {@link SubscribeResult}, {@link Envelope}, {@link StreamPosition}). They run only when {@link #newHistoryHub} is
 * overridden to return a hub started with the {@link HistoryConfig} it is given, whose {@link Hub#supportsHistory()}
 * is true, and {@link HubCapabilities#history()} is on (the default); otherwise each is skipped with its reason:
 *
 * <pre>{@code
 *     @Override
 *     protected Hub newHistoryHub(SlowConsumerPolicy policy, HubListener listener, HistoryConfig history) {
 *         return MyHub.start(policy, listener, history);
 *     }
 * }</pre>
 *
 * <p>The configuration a rule passes has a {@link TestEnvelope}, which writes topic, offset, epoch and payload into a
 * text message that the rule parses back ({@link TestEnvelope#parse}). The rules:
 * <ul>
 *   <li>{@code missedPublicationsAreReplayedOnceInOrder}: a recovery replays every publication after the position, once
 *       and in order, then live; envelopes or the published instances as the session asked; since offset 0 replays
 *       the whole history;</li>
 *   <li>{@code recoveryWhilePublishingHasNoGapAndNoDuplicate}: 1,000 rounds, each a new session recovering since the
 *       last position the previous one saw while another thread keeps publishing, offsets contiguous across the
 *       seam;</li>
 *   <li>{@code positionOlderThanTheHistoryIsNotRecovered}: trimmed by {@code maxPublications}, not recovered and
 *       nothing old delivered (never partially), while the oldest covered position is recovered;</li>
 *   <li>{@code unknownEpochIsNotRecovered} and {@code restartedHubHasANewEpoch}: another epoch, or the epoch of a hub
 *       that was shut down, is not recovered;</li>
 *   <li>{@code futureOffsetIsNotRecovered}: an offset beyond the last is not recovered, the current one is, with 0
 *       replayed;</li>
 *   <li>{@code positionOlderThanTheTtlIsNotRecovered}: with a 200 ms TTL, not recovered 600 ms later;</li>
 *   <li>{@code everySubscriberSeesTheSameOffsetsAndOneEnvelopePerPublication}: opted-in subscribers receive the same
 *       envelope instances with the same offsets, replayed ones too, and the envelope is called once per
 *       publication;</li>
 *   <li>{@code sessionsThatDidNotOptInReceiveThePublishedInstance} and
 *       {@code topicWithoutHistoryIgnoresPositionAndEnvelope}: the raw published instance for whoever did not opt in,
 *       and for every subscriber of a topic the configuration leaves out;</li>
 *   <li>{@code listenerIsToldBeforeAnyReplayedOrLiveMessage}: a marker the {@link SubscriptionListener} offers arrives
 *       first; no call for a session that has not joined;</li>
 *   <li>{@code subscribeResultDescribesTheOutcome} and {@code statsCountReplayedRecoveredAndNotRecovered}: the
 *       {@link SubscribeResult} fields and the {@link HubStats} counters {@code replayed}, {@code recovered} and
 *       {@code notRecovered};</li>
 *   <li>{@code throwingEnvelopeOrListenerIsCountedAndContained}: an envelope or a subscription listener that throws
 *       is counted in {@code errors}; the published message goes out in place of the failed envelope, and the
 *       recovery still replays.</li>
 * </ul>
 *
 * <p>Threading: JUnit calls the rules on its own threads; a rule calls {@link #newHub} and {@link #newHistoryHub} on
 * the test thread.
 */
public abstract class HubVerification {

    /** The topic the history rules publish on; it keeps history. */
    private static final String HISTORY_TOPIC = "history";
    /** Topics whose name starts with this keep no history in the history rules' configuration. */
    private static final String NO_HISTORY_PREFIX = "no-history";
    /** An epoch no hub is expected to use. */
    private static final String UNKNOWN_EPOCH = "wshub-testkit-unknown-epoch";

    /** Creates the suite; subclasses are instantiated by JUnit. */
    protected HubVerification() {
    }

    /**
     * Returns a new, started hub. The rule shuts it down.
     *
     * @param policy the slow-consumer policy the hub must apply; never null
     * @param listener the listener the hub must report to; never null
     * @return the hub; not null
     */
    protected abstract Hub newHub(SlowConsumerPolicy policy, HubListener listener);

    /**
     * Returns a new, started hub that keeps topic history as {@code history} says, for the {@code optional_history_...}
     * rules; the rule shuts it down. The default returns null, and those rules are then skipped with that reason: a hub
     * that keeps history overrides this (and its {@link Hub#supportsHistory()} returns true).
     *
     * <p>The configuration a rule passes selects every topic but those whose name starts with
     * {@code "no-history"}, bounds the history by size or by a short TTL as the rule needs, and has a
     * {@link TestEnvelope} as its envelope (in one rule, a wrapper around one that throws for one publication).
     *
     * @param policy the slow-consumer policy the hub must apply; never null
     * @param listener the listener the hub must report to; never null
     * @param history the history configuration the hub must apply; never null
     * @return the hub, or null if the hub under test keeps no history
     */
    protected Hub newHistoryHub(SlowConsumerPolicy policy, HubListener listener, HistoryConfig history) {
        return null;
    }

    /**
     * Returns what the hub can do beyond the required rules. Override to switch capabilities off.
     *
     * @return the capabilities; default {@link HubCapabilities#full()}
     */
    protected HubCapabilities capabilities() {
        return HubCapabilities.full();
    }

    /**
     * Returns how long a rule waits for the hub to carry out what it accepted. Raise it for a slow machine.
     *
     * @return the timeout; default 10 seconds
     */
    protected Duration asyncTimeout() {
        return Duration.ofSeconds(10);
    }

    // ============================================================================================ ordering

    /**
     * One publishing thread: every member receives every broadcast, in publish order.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_ordering_singlePublisherOrderIsKept() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            List<RecordingSession> members = joinRecorders(hub, 4);
            int n = 500;
            List<Message> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Message m = Message.text("m" + i);
                sent.add(m);
                accepted(env, () -> hub.broadcast(m), "broadcast m" + i);
            }
            for (RecordingSession s : members) {
                awaitCount(env, s, n);
                assertEquals(sent, s.messages(), "session " + s.id() + " must receive every broadcast in order");
            }
        }
    }

    /**
     * Several publishing threads: all members receive the same sequence, and each publisher's messages keep their
     * order within it.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_ordering_concurrentPublishersAllMembersSeeOneOrder() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            List<RecordingSession> members = joinRecorders(hub, 4);
            int publishers = 3;
            int each = 200;
            CountDownLatch go = new CountDownLatch(1);
            for (int p = 0; p < publishers; p++) {
                int id = p;
                env.spawn("publisher-" + p, () -> {
                    go.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < each; i++) {
                        Message m = Message.text(id + ":" + i);
                        accepted(env, () -> hub.broadcast(m), "broadcast " + id + ":" + i);
                    }
                });
            }
            go.countDown();
            int total = publishers * each;
            for (RecordingSession s : members) {
                awaitCount(env, s, total);
            }
            env.verifyNoAsyncErrors();
            List<Message> reference = members.get(0).messages();
            assertEquals(total, reference.size(), "every broadcast must reach every member exactly once");
            for (RecordingSession s : members) {
                assertEquals(reference, s.messages(), "all members must receive the same order");
            }
            int[] next = new int[publishers];
            for (Message m : reference) {
                String[] parts = ((Message.Text) m).asString().split(":");
                int p = Integer.parseInt(parts[0]);
                int i = Integer.parseInt(parts[1]);
                assertEquals(next[p], i, "publisher " + p + "'s messages must keep their order");
                next[p]++;
            }
        }
    }

    // ============================================================================================ membership

    /**
     * A session receives exactly the messages sequenced after its join.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_membership_joinSeesOnlyLaterMessages() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            RecordingSession early = joinRecorders(hub, 1).get(0);
            Message before = Message.text("before");
            Message after = Message.text("after");
            accepted(env, () -> hub.broadcast(before), "broadcast before");
            RecordingSession late = new RecordingSession();
            accepted(env, () -> hub.join(late), "join");
            accepted(env, () -> hub.broadcast(after), "broadcast after");
            awaitCount(env, early, 2);
            awaitCount(env, late, 1);
            assertEquals(List.of(before, after), early.messages(), "the early member receives both");
            assertEquals(List.of(after), late.messages(),
                    "a member must receive exactly the messages sequenced after its join");
            env.awaitCondition(() -> hub.stats().sessions() == 2, asyncTimeout(),
                    () -> "stats().sessions() == 2, was " + hub.stats().sessions());
        }
    }

    /**
     * A session that left receives nothing sequenced after its leave, and the session count drops.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_membership_leaveStopsDelivery() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            List<RecordingSession> members = joinRecorders(hub, 2);
            RecordingSession stays = members.get(0);
            RecordingSession leaves = members.get(1);
            Message one = Message.text("one");
            Message two = Message.text("two");
            Message three = Message.text("three");
            accepted(env, () -> hub.broadcast(one), "broadcast one");
            assertEquals(PublishResult.ACCEPTED, hub.leave(leaves), "leave is never refused");
            accepted(env, () -> hub.broadcast(two), "broadcast two");
            accepted(env, () -> hub.broadcast(three), "broadcast three");
            awaitCount(env, stays, 3);
            awaitCount(env, leaves, 1);
            // members may be served by independent fan-out threads: wait until everything sequenced is processed
            env.awaitCondition(() -> hub.stats().backlog() == 0, asyncTimeout(),
                    () -> "stats().backlog() == 0, was " + hub.stats().backlog());
            assertEquals(List.of(one, two, three), stays.messages());
            assertEquals(List.of(one), leaves.messages(),
                    "a member must receive nothing sequenced after its leave");
            env.awaitCondition(() -> hub.stats().sessions() == 1, asyncTimeout(),
                    () -> "stats().sessions() == 1 after a leave, was " + hub.stats().sessions());
        }
    }

    // ============================================================================================ topics

    /**
     * A topic publish reaches exactly the topic's subscribers; unsubscribing stops it.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_topics_publishReachesOnlySubscribers() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            List<RecordingSession> s = joinRecorders(hub, 4);
            RecordingSession onlyA = s.get(0);
            RecordingSession onlyB = s.get(1);
            RecordingSession both = s.get(2);
            RecordingSession none = s.get(3);
            accepted(env, () -> hub.subscribe(onlyA, "a"), "subscribe");
            accepted(env, () -> hub.subscribe(onlyB, "b"), "subscribe");
            accepted(env, () -> hub.subscribe(both, "a"), "subscribe");
            accepted(env, () -> hub.subscribe(both, "b"), "subscribe");
            Message a1 = Message.text("a1");
            Message b1 = Message.text("b1");
            Message a2 = Message.text("a2");
            Message end = Message.text("end");
            accepted(env, () -> hub.publish("a", a1), "publish a1");
            accepted(env, () -> hub.publish("b", b1), "publish b1");
            accepted(env, () -> hub.unsubscribe(both, "a"), "unsubscribe");
            accepted(env, () -> hub.publish("a", a2), "publish a2");
            accepted(env, () -> hub.broadcast(end), "broadcast end");
            for (RecordingSession r : s) {
                awaitLast(env, r, end);
            }
            assertEquals(List.of(a1, a2, end), onlyA.messages(), "subscriber of a");
            assertEquals(List.of(b1, end), onlyB.messages(), "subscriber of b");
            assertEquals(List.of(a1, b1, end), both.messages(), "subscriber of both, then unsubscribed from a");
            assertEquals(List.of(end), none.messages(), "a member subscribed to nothing receives no topic message");
        }
    }

    // ============================================================================================ direct send

    /**
     * A direct send reaches only its target, in order with broadcasts.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_direct_sendReachesOnlyTargetInOrder() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            List<RecordingSession> s = joinRecorders(hub, 2);
            Message one = Message.text("one");
            Message direct = Message.text("direct");
            Message three = Message.text("three");
            accepted(env, () -> hub.broadcast(one), "broadcast");
            accepted(env, () -> hub.send(s.get(1).id(), direct), "send");
            accepted(env, () -> hub.broadcast(three), "broadcast");
            awaitLast(env, s.get(0), three);
            awaitLast(env, s.get(1), three);
            assertEquals(List.of(one, three), s.get(0).messages(), "a direct send must reach only its target");
            assertEquals(List.of(one, direct, three), s.get(1).messages(),
                    "a direct send must be sequenced with the broadcasts");
        }
    }

    /**
     * A direct send to an id that is not a member is accepted and counted as {@code droppedClosed}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_direct_sendToUnknownSessionIsCountedAsDropped() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            RecordingSession member = joinRecorders(hub, 1).get(0);
            long unknown = SessionIds.next();
            accepted(env, () -> hub.send(unknown, Message.text("nobody")), "send to unknown id");
            Message end = Message.text("end");
            accepted(env, () -> hub.broadcast(end), "broadcast");
            awaitLast(env, member, end);
            assertEquals(List.of(end), member.messages(), "a send to another id must not reach this member");
            env.awaitCondition(() -> hub.stats().droppedClosed() >= 1, asyncTimeout(),
                    () -> "stats().droppedClosed() >= 1 after a send to an unknown id; stats: " + hub.stats());
        }
    }

    /**
     * A message is offered to every member as the same shared instance, never copied per member.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_delivery_oneSharedInstanceForEveryMember() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            List<RecordingSession> s = joinRecorders(hub, 3);
            Message m = Message.binary(new byte[1024]);
            accepted(env, () -> hub.broadcast(m), "broadcast");
            for (RecordingSession r : s) {
                awaitCount(env, r, 1);
                assertSame(m, r.messages().get(0), "the published instance must be offered to every member");
            }
        }
    }

    // ============================================================================================ backpressure

    /**
     * A hub whose fan-out is stalled answers {@link PublishResult#BACKPRESSURED} instead of blocking or growing
     * without bound, counts it, and accepts again once fan-out resumes; every accepted message is still delivered.
     * Needs {@link HubCapabilities#backpressure()}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(90)
    public void optional_backpressure_stalledFanOutAnswersBackpressured() throws Exception {
        Assumptions.assumeTrue(capabilities().backpressure(),
                "the hub declares HubCapabilities.backpressure(false): it has no bounded queue to fill");
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            GateSession gate = new GateSession(Thread.currentThread(), Duration.ofSeconds(30));
            env.closeLater(gate::open);
            RecordingSession recorder = new RecordingSession();
            accepted(env, () -> hub.join(gate), "join gate");
            accepted(env, () -> hub.join(recorder), "join recorder");
            Message m = Message.text("flood");
            long acceptedCount = 0;
            accepted(env, () -> hub.broadcast(m), "first broadcast");
            acceptedCount++;
            env.awaitCondition(gate::entered, asyncTimeout(), () -> "the hub's fan-out to offer the first message");
            if (gate.enteredByPublisher()) {
                fail("the hub fanned out on the publishing thread: it has no queue to fill; declare "
                        + "HubCapabilities.backpressure(false)");
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            PublishResult r = PublishResult.ACCEPTED;
            int attempts = 0;
            while (attempts < 10_000_000 && System.nanoTime() - deadline < 0) {
                r = hub.broadcast(m);
                attempts++;
                if (r != PublishResult.ACCEPTED) {
                    break;
                }
                acceptedCount++;
            }
            assertEquals(PublishResult.BACKPRESSURED, r, "with fan-out stalled, publishing " + attempts
                    + " messages must eventually answer BACKPRESSURED");
            assertTrue(hub.stats().backpressured() >= 1, "stats().backpressured() must count the refusal: "
                    + hub.stats());
            gate.open();
            long deadline2 = System.nanoTime() + asyncTimeout().toNanos();
            while (hub.broadcast(m) != PublishResult.ACCEPTED) {
                if (System.nanoTime() - deadline2 > 0) {
                    fail("after fan-out resumed the hub must accept again within " + asyncTimeout());
                }
                Thread.sleep(1);
            }
            acceptedCount++;
            long expected = acceptedCount;
            env.awaitCondition(() -> recorder.messageCount() == expected, Duration.ofSeconds(30),
                    () -> "every accepted message (" + expected + ") delivered to the other member, got "
                            + recorder.messageCount());
        }
    }

    // ============================================================================================ slow consumers

    /**
     * {@link SlowConsumerPolicy#DISCONNECT}: a member whose queue is full is closed with 1013, the listener is told,
     * every lost delivery is counted, and the others receive everything.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_slowConsumer_disconnectClosesWith1013AndCountsLoss() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RecordingListener listener = new RecordingListener();
            Hub hub = start(env, SlowConsumerPolicy.DISCONNECT, listener);
            RecordingSession fast = joinRecorders(hub, 1).get(0);
            SlowSession slow = new SlowSession(4, Long.MAX_VALUE);
            accepted(env, () -> hub.join(slow), "join slow");
            List<Message> sent = publishNumbered(env, hub, 10);
            awaitCount(env, fast, 10);
            assertEquals(sent, fast.messages(), "a slow member must not cost the others anything");
            env.awaitCondition(() -> slow.closeCode() != SlowSession.NOT_CLOSED, asyncTimeout(),
                    () -> "the slow session to be closed; " + slow);
            assertEquals(SlowConsumerPolicy.DISCONNECT_CODE.code(), slow.closeCode(), "close code under DISCONNECT");
            assertEquals(sent.subList(0, 4), slow.queued(), "the slow session keeps what it had queued");
            awaitAccounting(env, hub, 10, 2);
            HubStats st = hub.stats();
            assertEquals(14, st.delivered(), "10 to the fast member and 4 to the slow one: " + st);
            assertEquals(6, st.dropped(), "the refused message and everything after it is dropped: " + st);
            assertEquals(1, st.slowDisconnects(), "one slow disconnect: " + st);
            env.awaitCondition(() -> listener.disconnected.containsKey(slow.id()), asyncTimeout(),
                    () -> "HubListener.onSlowConsumerDisconnected for the slow session");
            assertTrue(listener.disconnected.get(slow.id()).get() >= 1, "the listener is told at least 1 was lost");
        }
    }

    /**
     * {@link SlowConsumerPolicy#DROP_NEWEST}: messages that do not fit are dropped and counted, the member keeps what
     * was queued and stays open, and the listener is told how many it lost.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_slowConsumer_dropNewestKeepsQueuedAndReportsLag() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RecordingListener listener = new RecordingListener();
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, listener);
            RecordingSession fast = joinRecorders(hub, 1).get(0);
            SlowSession slow = new SlowSession(4, Long.MAX_VALUE);
            accepted(env, () -> hub.join(slow), "join slow");
            List<Message> sent = publishNumbered(env, hub, 10);
            awaitCount(env, fast, 10);
            assertEquals(sent, fast.messages(), "a slow member must not cost the others anything");
            awaitAccounting(env, hub, 10, 2);
            assertEquals(sent.subList(0, 4), slow.queued(), "DROP_NEWEST keeps the queued messages");
            assertEquals(SlowSession.NOT_CLOSED, slow.closeCode(), "DROP_NEWEST must not close the session");
            HubStats st = hub.stats();
            assertEquals(6, st.droppedNewest(), "6 messages did not fit: " + st);
            assertEquals(14, st.delivered(), "deliveries: " + st);
            env.awaitCondition(() -> listener.lagged(slow.id()) == 6, asyncTimeout(),
                    () -> "HubListener.onLagged to report 6 lost in total, got " + listener.lagged(slow.id()));
        }
    }

    /**
     * {@link SlowConsumerPolicy#DROP_OLDEST}: the oldest queued messages are evicted to make room, so the member ends
     * up with the newest; evictions are counted, the member stays open, and the listener is told how many it lost.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_slowConsumer_dropOldestKeepsNewestAndReportsLag() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            RecordingListener listener = new RecordingListener();
            Hub hub = start(env, SlowConsumerPolicy.DROP_OLDEST, listener);
            RecordingSession fast = joinRecorders(hub, 1).get(0);
            SlowSession slow = new SlowSession(4, Long.MAX_VALUE);
            accepted(env, () -> hub.join(slow), "join slow");
            List<Message> sent = publishNumbered(env, hub, 10);
            awaitCount(env, fast, 10);
            assertEquals(sent, fast.messages(), "a slow member must not cost the others anything");
            env.awaitCondition(() -> hub.stats().droppedOldest() >= 6 && hub.stats().backlog() == 0,
                    asyncTimeout(), () -> "6 evictions counted as droppedOldest; stats: " + hub.stats());
            assertEquals(sent.subList(6, 10), slow.queued(), "DROP_OLDEST keeps the newest messages");
            assertEquals(sent.subList(0, 6), slow.evicted(), "DROP_OLDEST evicts the oldest, in order");
            assertEquals(SlowSession.NOT_CLOSED, slow.closeCode(), "DROP_OLDEST must not close the session");
            assertEquals(6, hub.stats().droppedOldest(), "evictions: " + hub.stats());
            env.awaitCondition(() -> listener.lagged(slow.id()) == 6, asyncTimeout(),
                    () -> "HubListener.onLagged to report 6 lost in total, got " + listener.lagged(slow.id()));
        }
    }

    // ============================================================================================ isolation

    /**
     * A session whose {@code offer} throws does not stop delivery to the others, and the error is counted.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_isolation_throwingSessionDoesNotAffectOthers() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            RecordingSession first = joinRecorders(hub, 1).get(0);
            ThrowingSession thrower = new ThrowingSession();
            accepted(env, () -> hub.join(thrower), "join thrower");
            RecordingSession last = joinRecorders(hub, 1).get(0);
            List<Message> sent = publishNumbered(env, hub, 20);
            awaitCount(env, first, 20);
            awaitCount(env, last, 20);
            assertEquals(sent, first.messages(), "members before the throwing one receive everything");
            assertEquals(sent, last.messages(), "members after the throwing one receive everything");
            env.awaitCondition(() -> hub.stats().errors() >= 1, asyncTimeout(),
                    () -> "stats().errors() to count the exceptions; stats: " + hub.stats());
            Message later = Message.text("later");
            accepted(env, () -> hub.broadcast(later), "the hub must keep accepting");
            awaitLast(env, first, later);
        }
    }

    /**
     * A listener that throws does not stop the hub, and the error is counted.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_isolation_throwingListenerDoesNotAffectOthers() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            AtomicInteger calls = new AtomicInteger();
            HubListener throwing = new HubListener() {
                @Override
                public void onLagged(Session session, long lost) {
                    calls.incrementAndGet();
                    throw new IllegalStateException("listener failure injected by the testkit");
                }
            };
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, throwing);
            RecordingSession fast = joinRecorders(hub, 1).get(0);
            SlowSession slow = new SlowSession(1, Long.MAX_VALUE);
            accepted(env, () -> hub.join(slow), "join slow");
            List<Message> sent = publishNumbered(env, hub, 10);
            awaitCount(env, fast, 10);
            assertEquals(sent, fast.messages(), "a throwing listener must not stop delivery");
            env.awaitCondition(() -> calls.get() >= 1, asyncTimeout(), () -> "onLagged to be called");
            env.awaitCondition(() -> hub.stats().errors() >= 1, asyncTimeout(),
                    () -> "stats().errors() to count the listener's exception; stats: " + hub.stats());
            Message later = Message.text("later");
            accepted(env, () -> hub.broadcast(later), "the hub must keep accepting");
            awaitLast(env, fast, later);
        }
    }

    // ============================================================================================ shutdown

    /**
     * Shutdown carries out what was accepted, closes every member with 1001, and accounts for every message:
     * {@code delivered + dropped == accepted × members}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void required_shutdown_drainsClosesWith1001AndAccountsEveryMessage() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            List<RecordingSession> members = joinRecorders(hub, 3);
            SlowSession slow = new SlowSession(8, Long.MAX_VALUE);
            accepted(env, () -> hub.join(slow), "join slow");
            int n = 200;
            publishNumbered(env, hub, n);
            assertTrue(hub.shutdown(Duration.ofSeconds(20)), "shutdown must drain 200 messages within 20 s");
            for (RecordingSession s : members) {
                assertEquals(n, s.messageCount(), "everything accepted before shutdown is delivered");
                assertEquals(CloseCode.GOING_AWAY.code(), s.closeCode(), "shutdown closes every member with 1001");
            }
            assertEquals(CloseCode.GOING_AWAY.code(), slow.closeCode(), "shutdown closes every member with 1001");
            HubStats st = hub.stats();
            assertEquals(n, st.accepted(), "accepted: " + st);
            assertEquals((long) n * 4, st.delivered() + st.dropped(),
                    "delivered + dropped must equal accepted x members: " + st);
            assertEquals(3L * n + 8, st.delivered(), "deliveries: " + st);
            assertEquals(0, st.backlog(), "nothing left after a successful shutdown: " + st);
        }
    }

    /**
     * After shutdown every operation answers {@link PublishResult#CLOSED}, and shutdown is idempotent.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(30)
    public void required_shutdown_operationsAfterShutdownAreClosed() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = start(env, SlowConsumerPolicy.DROP_NEWEST, new RecordingListener());
            RecordingSession member = joinRecorders(hub, 1).get(0);
            assertTrue(hub.shutdown(Duration.ofSeconds(10)), "an idle hub shuts down in time");
            RecordingSession late = new RecordingSession();
            assertEquals(PublishResult.CLOSED, hub.broadcast(Message.text("x")), "broadcast after shutdown");
            assertEquals(PublishResult.CLOSED, hub.broadcast(Message.text("x"), member.id()), "broadcast after");
            assertEquals(PublishResult.CLOSED, hub.publish("t", Message.text("x")), "publish after shutdown");
            assertEquals(PublishResult.CLOSED, hub.send(member.id(), Message.text("x")), "send after shutdown");
            assertEquals(PublishResult.CLOSED, hub.join(late), "join after shutdown");
            assertEquals(PublishResult.CLOSED, hub.subscribe(member, "t"), "subscribe after shutdown");
            assertEquals(PublishResult.CLOSED, hub.leave(member), "leave after shutdown");
            hub.shutdown(Duration.ofSeconds(1));
            assertEquals(0, member.messageCount(), "nothing was delivered after shutdown");
            assertEquals(RecordingSession.NOT_CLOSED, late.closeCode(), "a refused join does not touch the session");
        }
    }

    // ============================================================================================ history

    /**
     * Recovery replays exactly what a session missed: a session that subscribes since a position receives every
     * publication after it, once each and in order, then the live ones, as envelopes or as the published instances
     * according to what it asked; since offset 0 replays the whole history. Needs {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_missedPublicationsAreReplayedOnceInOrder() throws Exception {
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(100, HistoryConfig.DEFAULT_TTL, envelope));
            ResultRecorder results = new ResultRecorder(null);
            RecordingSession first = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, first, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            List<Message> sent = new ArrayList<>(publishTopic(env, hub, HISTORY_TOPIC, "p", 1, 5));
            StreamPosition seen = lastPosition(env, first, 5);
            assertEquals(5, seen.offset(), "the 5th publication on a fresh topic has offset 5");
            accepted(env, () -> hub.leave(first), "leave");
            sent.addAll(publishTopic(env, hub, HISTORY_TOPIC, "p", 6, 10));
            List<RecordingSession> s = joinRecorders(hub, 3);
            RecordingSession wrapped = s.get(0);
            RecordingSession raw = s.get(1);
            RecordingSession all = s.get(2);
            subscribe(env, hub, wrapped, HISTORY_TOPIC, options(seen, true, results));
            subscribe(env, hub, raw, HISTORY_TOPIC, options(seen, false, results));
            subscribe(env, hub, all, HISTORY_TOPIC, options(new StreamPosition(0, seen.epoch()), false, results));
            sent.addAll(publishTopic(env, hub, HISTORY_TOPIC, "p", 11, 12));
            Message end = endMarker(env, hub, s);
            List<Publication> got = envelopesBefore(wrapped, end);
            assertContiguous(got, 6, seen.epoch(), "the session that recovered since offset 5 with envelopes");
            assertEquals(7, got.size(), "publications 6 to 12, each once: " + got);
            for (int i = 0; i < got.size(); i++) {
                assertEquals(sent.get(5 + i), got.get(i).message(), "the envelope of offset " + (6 + i)
                        + " must carry publication p" + (6 + i));
                assertEquals(HISTORY_TOPIC, got.get(i).topic(), "the envelope's topic");
            }
            assertSameMessages(sent.subList(5, 12), before(raw, end),
                    "the session that recovered since offset 5 without envelopes (replay, then live)");
            assertSameMessages(sent, before(all, end), "the session that recovered since offset 0 (the whole history)");
            for (RecordingSession r : s) {
                SubscribeResult result = results.await(env, r, asyncTimeout());
                assertTrue(result.recovering() && result.recovered(), "a covered position is recovered: " + result);
            }
        }
    }

    /**
     * The seam between replay and live has no gap and no duplicate while another thread keeps publishing: 1,000
     * rounds in which a new session recovers since the last position the previous one saw and its offsets must
     * continue from there, contiguously, into live; a session subscribed throughout sees offsets 1, 2, 3, ... Needs
     * {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(180)
    public void optional_history_recoveryWhilePublishingHasNoGapAndNoDuplicate() throws Exception {
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(65_536, HistoryConfig.DEFAULT_TTL, envelope));
            ResultRecorder results = new ResultRecorder(null);
            RecordingSession witness = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, witness, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong published = new AtomicLong();
            env.closeLater(() -> stop.set(true));
            Thread publisher = env.spawn("history-publisher", () -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
                long i = 0;
                while (!stop.get() && i < 5_000_000 && System.nanoTime() - deadline < 0) {
                    PublishResult r = hub.publish(HISTORY_TOPIC, Message.text("c" + i));
                    if (r == PublishResult.ACCEPTED) {
                        published.set(++i);
                        LockSupport.parkNanos(20_000);
                    } else if (r == PublishResult.BACKPRESSURED) {
                        Thread.sleep(1);
                    } else {
                        return;
                    }
                }
            });
            StreamPosition last = lastPosition(env, witness, 1);
            int rounds = 1_000;
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            List<RecordingSession> sessions = new ArrayList<>();
            List<StreamPosition> starts = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                if (System.nanoTime() - deadline > 0) {
                    fail("only " + round + " of " + rounds + " recovery rounds finished within 120 s");
                }
                // let 0, 1 or 2 publications pass, so that the rounds recover with and without a replay
                long target = last.offset() + round % 3;
                if (!witness.awaitMessages((int) Math.min(Integer.MAX_VALUE, target), asyncTimeout())) {
                    env.verifyNoAsyncErrors();
                    fail("round " + round + ": the publisher stalled at " + published.get() + " publications");
                }
                RecordingSession s = new RecordingSession();
                accepted(env, () -> hub.join(s), "join");
                StreamPosition since = last;
                subscribe(env, hub, s, HISTORY_TOPIC, options(since, true, results));
                awaitCount(env, s, 1);
                SubscribeResult result = results.await(env, s, asyncTimeout());
                String who = "round " + round + " (recovering since " + since + ")";
                if (!result.recovering() || !result.recovered()) {
                    fail(who + ": a history of 65,536 publications covers the position; result " + result);
                }
                List<Publication> got = parseAll(s.messages(), who);
                assertContiguous(got, since.offset() + 1, since.epoch(), who);
                assertEquals(result.position().offset() - since.offset(), result.replayed(),
                        who + ": replayed must count the publications between the position and the topic's current"
                                + " one; " + result);
                accepted(env, () -> hub.leave(s), "leave");
                last = got.get(got.size() - 1).position();
                sessions.add(s);
                starts.add(since);
            }
            stop.set(true);
            publisher.join(asyncTimeout().toMillis());
            env.verifyNoAsyncErrors();
            Message end = endMarker(env, hub, List.of(witness));
            env.awaitCondition(() -> hub.stats().backlog() == 0, asyncTimeout(),
                    () -> "stats().backlog() == 0, was " + hub.stats().backlog());
            for (int i = 0; i < sessions.size(); i++) {
                String who = "round " + i + " (recovering since " + starts.get(i) + "), until its leave";
                assertContiguous(parseAll(sessions.get(i).messages(), who), starts.get(i).offset() + 1,
                        starts.get(i).epoch(), who);
            }
            List<Publication> all = envelopesBefore(witness, end);
            assertContiguous(all, 1, last.epoch(), "the session subscribed throughout");
            assertEquals(published.get(), all.size(), "the session subscribed throughout receives every publication");
        }
    }

    /**
     * A position older than what the history keeps is not recovered and nothing old is delivered, never a partial
     * recovery; the oldest position the history still covers is recovered. With {@code maxPublications(5)} and 13
     * publications, since 7 is not recovered and since 8 replays 9 to 13. Needs {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_positionOlderThanTheHistoryIsNotRecovered() throws Exception {
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(5, HistoryConfig.DEFAULT_TTL, envelope));
            ResultRecorder results = new ResultRecorder(null);
            RecordingSession first = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, first, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            List<Message> sent = new ArrayList<>(publishTopic(env, hub, HISTORY_TOPIC, "p", 1, 13));
            String epoch = lastPosition(env, first, 13).epoch();
            List<RecordingSession> s = joinRecorders(hub, 3);
            RecordingSession tooOld = s.get(0);
            RecordingSession tooOldRaw = s.get(1);
            RecordingSession oldestKept = s.get(2);
            subscribe(env, hub, tooOld, HISTORY_TOPIC, options(new StreamPosition(7, epoch), true, results));
            subscribe(env, hub, tooOldRaw, HISTORY_TOPIC, options(new StreamPosition(1, epoch), false, results));
            subscribe(env, hub, oldestKept, HISTORY_TOPIC, options(new StreamPosition(8, epoch), true, results));
            sent.addAll(publishTopic(env, hub, HISTORY_TOPIC, "p", 14, 14));
            Message end = endMarker(env, hub, s);
            assertEquals(List.of(14L), offsets(envelopesBefore(tooOld, end)),
                    "since 7 when only 9 to 13 are kept (maxPublications 5): nothing old, only the live 14");
            assertSameMessages(sent.subList(13, 14), before(tooOldRaw, end),
                    "since 1 when only 9 to 13 are kept, without envelopes: nothing old, only the live p14");
            List<Publication> kept = envelopesBefore(oldestKept, end);
            assertContiguous(kept, 9, epoch, "since 8, the oldest position 9 to 13 still cover");
            assertEquals(6, kept.size(), "since 8: 9 to 13 replayed, then the live 14: " + kept);
            for (RecordingSession r : List.of(tooOld, tooOldRaw)) {
                SubscribeResult result = results.await(env, r, asyncTimeout());
                assertTrue(result.recovering(), "the subscription named a position: " + result);
                assertFalse(result.recovered(), "a trimmed position is not recovered: " + result);
            }
            SubscribeResult result = results.await(env, oldestKept, asyncTimeout());
            assertTrue(result.recovered(), "the history of 5 covers since 8: " + result);
            assertEquals(5, result.replayed(), "9 to 13 replayed: " + result);
        }
    }

    /**
     * A position with an epoch the topic's history does not have (a made-up one, or the current one changed) is not
     * recovered, and nothing old is delivered. Needs {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_unknownEpochIsNotRecovered() throws Exception {
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(100, HistoryConfig.DEFAULT_TTL, envelope));
            ResultRecorder results = new ResultRecorder(null);
            RecordingSession first = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, first, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            publishTopic(env, hub, HISTORY_TOPIC, "p", 1, 3);
            String epoch = lastPosition(env, first, 3).epoch();
            String madeUp = epoch.equals(UNKNOWN_EPOCH) ? UNKNOWN_EPOCH + "2" : UNKNOWN_EPOCH;
            List<StreamPosition> positions = List.of(new StreamPosition(1, otherEpoch(epoch)),
                    new StreamPosition(1, madeUp), new StreamPosition(0, otherEpoch(epoch)));
            List<RecordingSession> s = joinRecorders(hub, positions.size());
            for (int i = 0; i < positions.size(); i++) {
                subscribe(env, hub, s.get(i), HISTORY_TOPIC, options(positions.get(i), true, results));
            }
            publishTopic(env, hub, HISTORY_TOPIC, "p", 4, 4);
            Message end = endMarker(env, hub, s);
            for (int i = 0; i < positions.size(); i++) {
                String who = "since " + positions.get(i) + " when the epoch is " + epoch;
                assertEquals(List.of(4L), offsets(envelopesBefore(s.get(i), end)), who + ": nothing old, only live");
                SubscribeResult result = results.await(env, s.get(i), asyncTimeout());
                assertTrue(result.recovering(), who + ": " + result);
                assertFalse(result.recovered(), who + ": another epoch is never recovered: " + result);
            }
        }
    }

    /**
     * A new hub's history has a new epoch, so a position from a hub that was shut down (its history lost) is not
     * recovered by the next one, even though the offset exists there. Needs {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_restartedHubHasANewEpoch() throws Exception {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub before = startHistory(env, historyConfig(100, HistoryConfig.DEFAULT_TTL, new TestEnvelope()));
            RecordingSession first = joinRecorders(before, 1).get(0);
            subscribe(env, before, first, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            publishTopic(env, before, HISTORY_TOPIC, "p", 1, 3);
            StreamPosition old = lastPosition(env, first, 3);
            assertTrue(before.shutdown(Duration.ofSeconds(10)), "an idle hub shuts down in time");

            Hub after = startHistory(env, historyConfig(100, HistoryConfig.DEFAULT_TTL, new TestEnvelope()));
            ResultRecorder results = new ResultRecorder(null);
            RecordingSession second = joinRecorders(after, 1).get(0);
            subscribe(env, after, second, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            publishTopic(env, after, HISTORY_TOPIC, "q", 1, 5);
            StreamPosition now = lastPosition(env, second, 5);
            assertNotEquals(old.epoch(), now.epoch(),
                    "a new hub's history must not reuse the epoch of a history that was lost");
            RecordingSession late = joinRecorders(after, 1).get(0);
            subscribe(env, after, late, HISTORY_TOPIC, options(old, true, results));
            publishTopic(env, after, HISTORY_TOPIC, "q", 6, 6);
            Message end = endMarker(env, after, List.of(late));
            assertEquals(List.of(6L), offsets(envelopesBefore(late, end)),
                    "since " + old + " from the previous hub: nothing old, only live");
            SubscribeResult result = results.await(env, late, asyncTimeout());
            assertFalse(result.recovered(), "a position from a lost history is not recovered: " + result);
        }
    }

    /**
     * A position beyond the topic's last offset is not recovered (nothing old is delivered), while the current position
     * itself is recovered with nothing to replay. Needs {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_futureOffsetIsNotRecovered() throws Exception {
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(100, HistoryConfig.DEFAULT_TTL, envelope));
            ResultRecorder results = new ResultRecorder(null);
            RecordingSession first = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, first, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            publishTopic(env, hub, HISTORY_TOPIC, "p", 1, 3);
            String epoch = lastPosition(env, first, 3).epoch();
            List<RecordingSession> s = joinRecorders(hub, 3);
            RecordingSession future = s.get(0);
            RecordingSession nextOne = s.get(1);
            RecordingSession current = s.get(2);
            subscribe(env, hub, future, HISTORY_TOPIC, options(new StreamPosition(10, epoch), true, results));
            subscribe(env, hub, nextOne, HISTORY_TOPIC, options(new StreamPosition(4, epoch), true, results));
            subscribe(env, hub, current, HISTORY_TOPIC, options(new StreamPosition(3, epoch), true, results));
            publishTopic(env, hub, HISTORY_TOPIC, "p", 4, 4);
            Message end = endMarker(env, hub, s);
            for (RecordingSession r : s) {
                assertEquals(List.of(4L), offsets(envelopesBefore(r, end)), "nothing old, only the live 4");
            }
            for (RecordingSession r : List.of(future, nextOne)) {
                SubscribeResult result = results.await(env, r, asyncTimeout());
                assertTrue(result.recovering(), "the subscription named a position: " + result);
                assertFalse(result.recovered(), "an offset beyond the last (3) is not recovered: " + result);
            }
            SubscribeResult result = results.await(env, current, asyncTimeout());
            assertTrue(result.recovered(), "since the current position is recovered: " + result);
            assertEquals(0, result.replayed(), "since the current position, nothing to replay: " + result);
        }
    }

    /**
     * Publications older than the history's TTL are gone: with a TTL of 200 ms, recovering after 600 ms is not
     * recovered and nothing old is delivered. Needs {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_positionOlderThanTheTtlIsNotRecovered() throws Exception {
        Duration ttl = Duration.ofMillis(200);
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(100, ttl, envelope));
            ResultRecorder results = new ResultRecorder(null);
            RecordingSession first = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, first, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            List<Message> sent = new ArrayList<>(publishTopic(env, hub, HISTORY_TOPIC, "p", 1, 3));
            String epoch = lastPosition(env, first, 3).epoch();
            Thread.sleep(ttl.toMillis() * 3);
            List<RecordingSession> s = joinRecorders(hub, 2);
            subscribe(env, hub, s.get(0), HISTORY_TOPIC, options(new StreamPosition(1, epoch), true, results));
            subscribe(env, hub, s.get(1), HISTORY_TOPIC, options(new StreamPosition(1, epoch), false, results));
            sent.addAll(publishTopic(env, hub, HISTORY_TOPIC, "p", 4, 4));
            Message end = endMarker(env, hub, s);
            assertEquals(List.of(4L), offsets(envelopesBefore(s.get(0), end)),
                    "since 1, " + ttl.toMillis() * 3 + " ms after publications 2 and 3 with a TTL of " + ttl.toMillis()
                            + " ms: nothing old, only the live 4");
            assertSameMessages(sent.subList(3, 4), before(s.get(1), end),
                    "the same without envelopes: nothing old, only the live p4");
            for (RecordingSession r : s) {
                SubscribeResult result = results.await(env, r, asyncTimeout());
                assertTrue(result.recovering(), "the subscription named a position: " + result);
                assertFalse(result.recovered(), "expired publications cannot be recovered: " + result);
            }
        }
    }

    /**
     * Every subscriber of a topic sees the same offsets, and the envelope is built once per publication: with two
     * threads publishing, three opted-in subscribers receive the very same envelope instances in the same order, a
     * session that recovers midway receives those instances too (replayed and live), and the {@link Envelope} was
     * called exactly once per publication. Needs {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_everySubscriberSeesTheSameOffsetsAndOneEnvelopePerPublication() throws Exception {
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(1_000, HistoryConfig.DEFAULT_TTL, envelope));
            List<RecordingSession> early = joinRecorders(hub, 3);
            for (RecordingSession r : early) {
                subscribe(env, hub, r, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            }
            List<Message> sent = new ArrayList<>(publishConcurrently(env, hub, "a", 2, 100));
            StreamPosition midway = positionAt(env, early.get(0), 50);
            RecordingSession late = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, late, HISTORY_TOPIC, options(midway, true, SubscriptionListener.NONE));
            sent.addAll(publishConcurrently(env, hub, "b", 2, 100));
            List<RecordingSession> everyone = new ArrayList<>(early);
            everyone.add(late);
            Message end = endMarker(env, hub, everyone);
            List<Message> reference = before(early.get(0), end);
            List<Publication> parsed = parseAll(reference, "subscriber 1");
            assertContiguous(parsed, 1, midway.epoch(), "subscriber 1");
            assertEquals(400, parsed.size(), "400 publications, each once");
            Set<Message> payloads = new HashSet<>();
            for (Publication p : parsed) {
                payloads.add(p.message());
            }
            assertEquals(new HashSet<>(sent), payloads, "the envelopes carry exactly the published messages");
            for (int k = 1; k < early.size(); k++) {
                List<Message> other = before(early.get(k), end);
                assertEquals(reference.size(), other.size(), "subscriber " + (k + 1) + " receives as many");
                for (int i = 0; i < reference.size(); i++) {
                    if (reference.get(i) != other.get(i)) {
                        fail("subscriber " + (k + 1) + " received " + describeEnvelope(other.get(i))
                                + " where subscriber 1 received " + describeEnvelope(reference.get(i)) + " (position "
                                + i + "): every opted-in subscriber must receive the same envelope instance, built"
                                + " once");
                    }
                }
            }
            List<Message> lateMessages = before(late, end);
            assertEquals(350, lateMessages.size(), "since 50: 51 to 200 replayed, 201 to 400 live");
            for (int i = 0; i < lateMessages.size(); i++) {
                if (reference.get(50 + i) != lateMessages.get(i)) {
                    fail("the session that recovered since 50 received " + describeEnvelope(lateMessages.get(i))
                            + " where subscriber 1 received " + describeEnvelope(reference.get(50 + i)) + ": replayed"
                            + " and live envelopes must be the instances built when each was published");
                }
            }
            assertEquals(1, envelope.maxWrapsPerPublication(), "the Envelope must be called once per publication");
            assertEquals(400, envelope.wrapCount(), "the Envelope must be called once for each of 400 publications");
        }
    }

    /**
     * Sessions that did not ask for envelopes receive the published instance, byte for byte (a plain subscription, one
     * with options but {@code envelope(false)}, and a recovery without envelopes), while an opted-in one receives the
     * envelope of each. Needs {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_sessionsThatDidNotOptInReceiveThePublishedInstance() throws Exception {
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(100, HistoryConfig.DEFAULT_TTL, envelope));
            ResultRecorder results = new ResultRecorder(null);
            List<RecordingSession> s = joinRecorders(hub, 3);
            RecordingSession plain = s.get(0);
            RecordingSession optionsOnly = s.get(1);
            RecordingSession wrapped = s.get(2);
            accepted(env, () -> hub.subscribe(plain, HISTORY_TOPIC), "plain subscribe");
            subscribe(env, hub, optionsOnly, HISTORY_TOPIC, options(null, false, results));
            subscribe(env, hub, wrapped, HISTORY_TOPIC, options(null, true, results));
            List<Message> sent = List.of(Message.text("h\u00e9llo \u2713"),
                    Message.binary(new byte[] {0, 1, (byte) 0xff}), Message.text(""));
            for (Message m : sent) {
                accepted(env, () -> hub.publish(HISTORY_TOPIC, m), "publish");
            }
            String epoch = lastPosition(env, wrapped, 3).epoch();
            RecordingSession recovering = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, recovering, HISTORY_TOPIC, options(new StreamPosition(1, epoch), false, results));
            List<RecordingSession> everyone = new ArrayList<>(s);
            everyone.add(recovering);
            Message end = endMarker(env, hub, everyone);
            assertSameMessages(sent, before(plain, end), "a plain subscriber");
            assertSameMessages(sent, before(optionsOnly, end), "a subscriber with options but envelope(false)");
            assertSameMessages(sent.subList(1, 3), before(recovering, end), "a recovery without envelopes");
            List<Publication> got = envelopesBefore(wrapped, end);
            assertContiguous(got, 1, epoch, "the opted-in subscriber");
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(sent.get(i), got.get(i).message(), "the envelope of offset " + (i + 1)
                        + " carries the published bytes");
            }
        }
    }

    /**
     * A topic the history configuration leaves out ignores the position and the envelope: its subscribers receive the
     * published instances, the {@link Envelope} is never called for it, and the result says not recovered with no
     * position. Needs {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_topicWithoutHistoryIgnoresPositionAndEnvelope() throws Exception {
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(100, HistoryConfig.DEFAULT_TTL, envelope));
            ResultRecorder results = new ResultRecorder(null);
            RecordingSession first = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, first, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            publishTopic(env, hub, HISTORY_TOPIC, "p", 1, 1);
            String epoch = lastPosition(env, first, 1).epoch();
            String topic = NO_HISTORY_PREFIX + "-topic";
            List<RecordingSession> s = joinRecorders(hub, 2);
            subscribe(env, hub, s.get(0), topic, options(new StreamPosition(1, epoch), true, results));
            subscribe(env, hub, s.get(1), topic, options(null, true, results));
            List<Message> sent = publishTopic(env, hub, topic, "n", 1, 2);
            Message end = endMarker(env, hub, s);
            for (RecordingSession r : s) {
                assertSameMessages(sent, before(r, end), "a subscriber of a topic without history that asked for "
                        + "envelopes");
            }
            assertEquals(new SubscribeResult(topic, true, false, 0, null),
                    results.await(env, s.get(0), asyncTimeout()), "no history: not recovered, no position");
            assertEquals(new SubscribeResult(topic, false, false, 0, null),
                    results.await(env, s.get(1), asyncTimeout()), "a topic without history: no position");
            assertEquals(1, envelope.wrapCount(), "the Envelope is called only for the topic with history");
        }
    }

    /**
     * The {@link SubscriptionListener} is called once per subscription, before any replayed or live message is
     * offered: a marker it offers to the session arrives first. It is not called for a session that has not joined.
     * Needs {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_listenerIsToldBeforeAnyReplayedOrLiveMessage() throws Exception {
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(100, HistoryConfig.DEFAULT_TTL, envelope));
            RecordingSession first = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, first, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            List<Message> sent = new ArrayList<>(publishTopic(env, hub, HISTORY_TOPIC, "p", 1, 3));
            String epoch = lastPosition(env, first, 3).epoch();
            Message marker = Message.text("told");
            ResultRecorder told = new ResultRecorder(marker);
            List<RecordingSession> s = joinRecorders(hub, 3);
            RecordingSession wrapped = s.get(0);
            RecordingSession raw = s.get(1);
            RecordingSession live = s.get(2);
            RecordingSession notJoined = new RecordingSession();
            subscribe(env, hub, wrapped, HISTORY_TOPIC, options(new StreamPosition(1, epoch), true, told));
            subscribe(env, hub, raw, HISTORY_TOPIC, options(new StreamPosition(1, epoch), false, told));
            subscribe(env, hub, live, HISTORY_TOPIC, options(null, true, told));
            subscribe(env, hub, notJoined, HISTORY_TOPIC, options(new StreamPosition(1, epoch), true, told));
            sent.addAll(publishTopic(env, hub, HISTORY_TOPIC, "p", 4, 4));
            Message end = endMarker(env, hub, s);
            for (RecordingSession r : s) {
                List<Message> got = before(r, end);
                assertTrue(!got.isEmpty() && got.get(0) == marker, "the marker the listener offered must come before"
                        + " any replayed or live message; session " + r.id() + " got " + describeAll(got));
            }
            assertEquals(List.of(2L, 3L, 4L), offsets(parseAll(afterMarker(wrapped, end), "the recovering session")),
                    "after the marker: replayed 2, 3, then live 4");
            assertSameMessages(sent.subList(1, 4), afterMarker(raw, end), "after the marker, the session recovering"
                    + " without envelopes");
            assertEquals(List.of(4L), offsets(parseAll(afterMarker(live, end), "the live session")),
                    "after the marker: live 4");
            env.awaitCondition(() -> hub.stats().backlog() == 0, asyncTimeout(),
                    () -> "stats().backlog() == 0, was " + hub.stats().backlog());
            for (RecordingSession r : s) {
                assertEquals(1, told.calls(r), "the listener is called once per subscription");
            }
            assertEquals(0, told.calls(notJoined), "the listener is not called for a session that has not joined");
            assertEquals(0, notJoined.messageCount(), "a session that has not joined receives nothing");
        }
    }

    /**
     * The {@link SubscribeResult} describes the outcome: the topic; whether a position was named; whether it was
     * recovered; how many publications were replayed; the topic's current position ((0, epoch) before the first
     * publication, the last publication's after), and no position for a topic without history. Needs
     * {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_subscribeResultDescribesTheOutcome() throws Exception {
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(100, HistoryConfig.DEFAULT_TTL, envelope));
            ResultRecorder results = new ResultRecorder(null);
            RecordingSession first = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, first, HISTORY_TOPIC, options(null, true, results));
            SubscribeResult initial = results.await(env, first, asyncTimeout());
            assertEquals(HISTORY_TOPIC, initial.topic(), "the result's topic: " + initial);
            assertFalse(initial.recovering(), "no position was named: " + initial);
            assertFalse(initial.recovered(), "no position was named: " + initial);
            assertNotNull(initial.position(), "a topic with history has a position before its first publication: "
                    + initial);
            assertEquals(0, initial.position().offset(), "before the first publication the offset is 0: " + initial);
            String epoch = initial.position().epoch();
            publishTopic(env, hub, HISTORY_TOPIC, "p", 1, 4);
            StreamPosition now = lastPosition(env, first, 4);
            assertEquals(new StreamPosition(4, epoch), now, "envelopes carry the epoch the result reported");
            String noHistory = NO_HISTORY_PREFIX + "-result";
            List<RecordingSession> s = joinRecorders(hub, 5);
            List<SubscribeResult> expected = List.of(
                    new SubscribeResult(HISTORY_TOPIC, true, true, 3, now),
                    new SubscribeResult(HISTORY_TOPIC, false, false, 0, now),
                    new SubscribeResult(HISTORY_TOPIC, true, false, 0, now),
                    new SubscribeResult(HISTORY_TOPIC, true, true, 0, now),
                    new SubscribeResult(noHistory, true, false, 0, null));
            subscribe(env, hub, s.get(0), HISTORY_TOPIC, options(new StreamPosition(1, epoch), true, results));
            subscribe(env, hub, s.get(1), HISTORY_TOPIC, options(null, false, results));
            subscribe(env, hub, s.get(2), HISTORY_TOPIC,
                    options(new StreamPosition(2, otherEpoch(epoch)), true, results));
            subscribe(env, hub, s.get(3), HISTORY_TOPIC, options(now, true, results));
            subscribe(env, hub, s.get(4), noHistory, options(new StreamPosition(1, epoch), true, results));
            List<String> what = List.of("since 1 of 4", "no position", "another epoch", "since the current position",
                    "a topic without history");
            for (int i = 0; i < s.size(); i++) {
                assertEquals(expected.get(i), results.await(env, s.get(i), asyncTimeout()), what.get(i));
            }
            endMarker(env, hub, s);
            for (RecordingSession r : s) {
                assertEquals(1, results.calls(r), "one result per subscription");
            }
        }
    }

    /**
     * {@link HubStats} count recoveries: {@code recovered} and {@code notRecovered} the subscriptions that named a
     * position (plain ones count in neither), {@code replayed} each replayed publication a session enqueued, which
     * {@code delivered} also counts. Needs {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_statsCountReplayedRecoveredAndNotRecovered() throws Exception {
        TestEnvelope envelope = new TestEnvelope();
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(100, HistoryConfig.DEFAULT_TTL, envelope));
            ResultRecorder results = new ResultRecorder(null);
            RecordingSession first = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, first, HISTORY_TOPIC, options(null, true, results));
            publishTopic(env, hub, HISTORY_TOPIC, "p", 1, 5);
            String epoch = lastPosition(env, first, 5).epoch();
            List<RecordingSession> s = joinRecorders(hub, 5);
            subscribe(env, hub, s.get(0), HISTORY_TOPIC, options(new StreamPosition(2, epoch), false, results));
            subscribe(env, hub, s.get(1), HISTORY_TOPIC, options(new StreamPosition(4, epoch), true, results));
            subscribe(env, hub, s.get(2), HISTORY_TOPIC, options(new StreamPosition(5, epoch), true, results));
            subscribe(env, hub, s.get(3), HISTORY_TOPIC,
                    options(new StreamPosition(1, otherEpoch(epoch)), true, results));
            subscribe(env, hub, s.get(4), HISTORY_TOPIC, options(null, true, results));
            List<RecordingSession> everyone = new ArrayList<>(s);
            everyone.add(first);
            endMarker(env, hub, everyone);
            // 5 live to the first, 3 + 1 replayed, the end marker to 6 members
            long delivered = 5 + 4 + 6;
            env.awaitCondition(() -> {
                HubStats st = hub.stats();
                return st.recovered() == 3 && st.notRecovered() == 1 && st.replayed() == 4
                        && st.delivered() == delivered;
            }, asyncTimeout(), () -> "recovered == 3, notRecovered == 1, replayed == 4 (3 + 1) and delivered == "
                    + delivered + " (replays included); stats: " + hub.stats());
        }
    }

    /**
     * What the hub's history callbacks throw is contained: an {@link Envelope} that throws for one publication is
     * counted in {@code errors} and opted-in sessions receive the published message in its place while offsets go on,
     * and a {@link SubscriptionListener} that throws is counted while its recovery still replays. Needs
     * {@link #newHistoryHub}.
     *
     * @throws Exception on failure
     */
    @Test
    @Timeout(60)
    public void optional_history_throwingEnvelopeOrListenerIsCountedAndContained() throws Exception {
        TestEnvelope inner = new TestEnvelope();
        Message boom = Message.text("boom");
        Envelope throwing = (topic, offset, epoch, message) -> {
            if (boom.equals(message)) {
                throw new IllegalStateException("envelope failure injected by the testkit");
            }
            return inner.wrap(topic, offset, epoch, message);
        };
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            Hub hub = startHistory(env, historyConfig(100, HistoryConfig.DEFAULT_TTL, throwing));
            RecordingSession wrapped = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, wrapped, HISTORY_TOPIC, options(null, true, SubscriptionListener.NONE));
            Message p1 = Message.text("p1");
            Message p3 = Message.text("p3");
            for (Message m : List.of(p1, boom, p3)) {
                accepted(env, () -> hub.publish(HISTORY_TOPIC, m), "publish");
            }
            awaitCount(env, wrapped, 3);
            List<Message> got = wrapped.messages().subList(0, 3);
            String epoch = parseAll(got.subList(0, 1), "the opted-in session").get(0).epoch();
            assertSame(boom, got.get(1), "in place of the envelope that threw, the published message; got "
                    + describeAll(got));
            assertEquals(List.of(1L, 3L), offsets(parseAll(List.of(got.get(0), got.get(2)), "the opted-in session")),
                    "the offsets go on after an envelope failure");
            env.awaitCondition(() -> hub.stats().errors() >= 1, asyncTimeout(),
                    () -> "stats().errors() to count the envelope's exception; stats: " + hub.stats());
            long errorsBefore = hub.stats().errors();
            AtomicInteger calls = new AtomicInteger();
            SubscriptionListener bad = (session, result) -> {
                calls.incrementAndGet();
                throw new IllegalStateException("subscription listener failure injected by the testkit");
            };
            RecordingSession late = joinRecorders(hub, 1).get(0);
            subscribe(env, hub, late, HISTORY_TOPIC, options(new StreamPosition(1, epoch), false, bad));
            Message end = endMarker(env, hub, List.of(wrapped, late));
            assertSameMessages(List.of(boom, p3), before(late, end), "a recovery whose listener threw");
            assertEquals(1, calls.get(), "the listener is called once");
            env.awaitCondition(() -> hub.stats().errors() > errorsBefore, asyncTimeout(),
                    () -> "stats().errors() to count the listener's exception; stats: " + hub.stats());
        }
    }

    // ============================================================================================ helpers

    /**
     * Creates a hub with {@link #newHub} and registers it to be shut down when the environment closes.
     *
     * @param env the rule's environment; not null
     * @param policy the policy; not null
     * @param listener the listener; not null
     * @return the hub
     */
    protected final Hub start(VerificationEnvironment env, SlowConsumerPolicy policy, HubListener listener) {
        Hub hub = newHub(policy, listener);
        if (hub == null) {
            fail("newHub returned null");
        }
        env.closeLater(() -> hub.shutdown(Duration.ofSeconds(10)));
        return hub;
    }

    private List<RecordingSession> joinRecorders(Hub hub, int n) throws InterruptedException {
        List<RecordingSession> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RecordingSession s = new RecordingSession();
            accepted(null, () -> hub.join(s), "join");
            out.add(s);
        }
        return out;
    }

    private List<Message> publishNumbered(VerificationEnvironment env, Hub hub, int n) throws InterruptedException {
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Message m = Message.text("n" + i);
            sent.add(m);
            accepted(env, () -> hub.broadcast(m), "broadcast n" + i);
        }
        return sent;
    }

    /** Retries an operation while it answers BACKPRESSURED (bounded), failing on CLOSED or on timeout. */
    private void accepted(VerificationEnvironment env, Supplier<PublishResult> op, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + asyncTimeout().toNanos();
        while (true) {
            PublishResult r = op.get();
            if (r == PublishResult.ACCEPTED) {
                return;
            }
            if (r != PublishResult.BACKPRESSURED) {
                fail(what + ": expected ACCEPTED from a running hub, got " + r);
            }
            if (System.nanoTime() - deadline > 0) {
                fail(what + ": still BACKPRESSURED after " + asyncTimeout().toMillis() + " ms");
            }
            if (env != null) {
                env.verifyNoAsyncErrors();
            }
            Thread.sleep(1);
        }
    }

    private void awaitCount(VerificationEnvironment env, RecordingSession s, int n) throws InterruptedException {
        if (!s.awaitMessages(n, asyncTimeout())) {
            env.verifyNoAsyncErrors();
            fail("session " + s.id() + " expected " + n + " messages within " + asyncTimeout().toMillis() + " ms, got "
                    + s.messageCount());
        }
    }

    private void awaitLast(VerificationEnvironment env, RecordingSession s, Message last)
            throws InterruptedException {
        env.awaitCondition(() -> {
            List<Message> m = s.messages();
            return !m.isEmpty() && m.get(m.size() - 1) == last;
        }, asyncTimeout(), () -> "session " + s.id() + " to receive " + last + "; got " + s.messages());
    }

    private void awaitAccounting(VerificationEnvironment env, Hub hub, long accepted, int members)
            throws InterruptedException {
        env.awaitCondition(() -> {
            HubStats st = hub.stats();
            return st.accepted() == accepted && st.delivered() + st.dropped() == accepted * members;
        }, asyncTimeout(), () -> "delivered + dropped == " + accepted + " x " + members + "; stats: " + hub.stats());
    }

    /**
     * Creates a history hub with {@link #newHistoryHub} and registers it to be shut down when the environment closes;
     * skips the rule, with the reason, if {@link HubCapabilities#history()} is off, if the factory returns null, or if
     * the hub says {@link Hub#supportsHistory()} is false.
     *
     * @param env the rule's environment; not null
     * @param history the history configuration; not null
     * @return the hub, which keeps history
     */
    protected final Hub startHistory(VerificationEnvironment env, HistoryConfig history) {
        Assumptions.assumeTrue(capabilities().history(),
                "the hub declares HubCapabilities.history(false): it keeps no topic history");
        Hub hub = newHistoryHub(SlowConsumerPolicy.DROP_NEWEST, new RecordingListener(), history);
        if (hub == null) {
            Assumptions.abort("newHistoryHub returned null (its default): override it to return a hub started with"
                    + " the given HistoryConfig to run the history rules");
        }
        env.closeLater(() -> hub.shutdown(Duration.ofSeconds(10)));
        if (!hub.supportsHistory()) {
            Assumptions.abort("newHistoryHub returned a hub whose supportsHistory() is false: it keeps no topic"
                    + " history");
        }
        return hub;
    }

    /** The history rules' configuration: every topic keeps history except those named with NO_HISTORY_PREFIX. */
    private static HistoryConfig historyConfig(int maxPublications, Duration ttl, Envelope envelope) {
        return HistoryConfig.builder()
                .maxPublications(maxPublications)
                .ttl(ttl)
                .topics(t -> !t.startsWith(NO_HISTORY_PREFIX))
                .envelope(envelope)
                .build();
    }

    private static SubscribeOptions options(StreamPosition since, boolean envelope, SubscriptionListener listener) {
        return SubscribeOptions.builder().since(since).envelope(envelope).listener(listener).build();
    }

    private void subscribe(VerificationEnvironment env, Hub hub, Session session, String topic,
                           SubscribeOptions options) throws InterruptedException {
        accepted(env, () -> hub.subscribe(session, topic, options), "subscribe to " + topic + " with " + options);
    }

    /** Publishes text messages {@code prefix + i} for i in [from, to] to a topic, in order, from the test thread. */
    private List<Message> publishTopic(VerificationEnvironment env, Hub hub, String topic, String prefix, int from,
                                       int to) throws InterruptedException {
        List<Message> sent = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            Message m = Message.text(prefix + i);
            sent.add(m);
            accepted(env, () -> hub.publish(topic, m), "publish " + prefix + i + " to " + topic);
        }
        return sent;
    }

    /** Publishes {@code each} messages from each of {@code publishers} threads at once; returns them all. */
    private List<Message> publishConcurrently(VerificationEnvironment env, Hub hub, String prefix, int publishers,
                                              int each) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<Message> sent = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            int id = p;
            threads.add(env.spawn("history-publisher-" + prefix + p, () -> {
                go.await(10, TimeUnit.SECONDS);
                for (int i = 0; i < each; i++) {
                    Message m = Message.text(prefix + id + ":" + i);
                    accepted(env, () -> hub.publish(HISTORY_TOPIC, m), "publish " + prefix + id + ":" + i);
                    sent.add(m);
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(asyncTimeout().toMillis() * 2);
            if (t.isAlive()) {
                env.verifyNoAsyncErrors();
                fail(t.getName() + " did not finish publishing within " + asyncTimeout().toMillis() * 2 + " ms");
            }
        }
        env.verifyNoAsyncErrors();
        return new ArrayList<>(sent);
    }

    /** Broadcasts a fresh end marker and waits until each session received it last; returns the marker. */
    private Message endMarker(VerificationEnvironment env, Hub hub, List<RecordingSession> sessions)
            throws InterruptedException {
        Message end = Message.text("end of rule");
        accepted(env, () -> hub.broadcast(end), "broadcast the end marker");
        for (RecordingSession s : sessions) {
            awaitLast(env, s, end);
        }
        return end;
    }

    /** The messages a session received before the end marker (which must be its last). */
    private static List<Message> before(RecordingSession s, Message end) {
        List<Message> all = s.messages();
        int i = -1;
        for (int k = 0; k < all.size(); k++) {
            if (all.get(k) == end) {
                i = k;
                break;
            }
        }
        if (i < 0) {
            fail("session " + s.id() + " has not received the end marker: " + describeAll(all));
        }
        return all.subList(0, i);
    }

    private static List<Publication> envelopesBefore(RecordingSession s, Message end) {
        return parseAll(before(s, end), "session " + s.id());
    }

    /** Parses every message as a {@link TestEnvelope}, failing (not throwing) on one that is not. */
    private static List<Publication> parseAll(List<Message> messages, String who) {
        List<Publication> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (!TestEnvelope.isEnvelope(m)) {
                fail(who + " asked for envelopes but its message " + i + " is " + TestEnvelope.describe(m)
                        + ", not an envelope; it received " + describeAll(messages));
            }
            try {
                out.add(TestEnvelope.parse(m));
            } catch (IllegalArgumentException e) {
                fail(who + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** Waits for {@code count} messages and returns the position of the last of them, which must be an envelope. */
    private StreamPosition lastPosition(VerificationEnvironment env, RecordingSession s, int count)
            throws InterruptedException {
        return positionAt(env, s, count);
    }

    /** Waits for {@code count} messages and returns the position of the {@code count}-th. */
    private StreamPosition positionAt(VerificationEnvironment env, RecordingSession s, int count)
            throws InterruptedException {
        awaitCount(env, s, count);
        List<Message> m = s.messages();
        Publication p = parseAll(m.subList(count - 1, count), "session " + s.id()).get(0);
        try {
            return p.position();
        } catch (IllegalArgumentException e) {
            return fail("the hub gave an invalid position in " + p + ": " + e.getMessage());
        }
    }

    private static List<Long> offsets(List<Publication> publications) {
        List<Long> out = new ArrayList<>(publications.size());
        for (Publication p : publications) {
            out.add(p.offset());
        }
        return out;
    }

    /** Fails unless the publications have offsets first, first + 1, ... and the given epoch. */
    private static void assertContiguous(List<Publication> got, long first, String epoch, String who) {
        for (int i = 0; i < got.size(); i++) {
            Publication p = got.get(i);
            if (p.offset() != first + i) {
                String kind = i > 0 && p.offset() <= got.get(i - 1).offset() ? "a duplicate or reordering"
                        : "a gap";
                fail(who + ": expected offset " + (first + i) + " at index " + i + " but got " + p.offset() + " ("
                        + kind + "); offsets around it: " + window(got, i));
            }
            if (!p.epoch().equals(epoch)) {
                fail(who + ": expected epoch " + epoch + " but publication " + p.offset() + " has " + p.epoch());
            }
        }
    }

    private static String window(List<Publication> got, int i) {
        return offsets(got.subList(Math.max(0, i - 5), Math.min(got.size(), i + 6))).toString();
    }

    private static void assertSameMessages(List<Message> expected, List<Message> actual, String who) {
        boolean same = expected.size() == actual.size();
        for (int i = 0; same && i < expected.size(); i++) {
            same = expected.get(i) == actual.get(i);
        }
        if (!same) {
            fail(who + " must receive the published instances " + describeAll(expected) + ", got "
                    + describeAll(actual));
        }
    }

    private static String describeEnvelope(Message m) {
        return TestEnvelope.isEnvelope(m) ? TestEnvelope.parse(m) + "@" + System.identityHashCode(m)
                : TestEnvelope.describe(m);
    }

    private static String describeAll(List<Message> messages) {
        StringBuilder b = new StringBuilder("[");
        int n = Math.min(messages.size(), 20);
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ", ").append(TestEnvelope.describe(messages.get(i)));
        }
        if (messages.size() > n) {
            b.append(", ... ").append(messages.size() - n).append(" more");
        }
        return b.append(']').toString();
    }

    /** Changes an epoch into another valid one. */
    private static String otherEpoch(String epoch) {
        char last = epoch.charAt(epoch.length() - 1);
        return epoch.substring(0, epoch.length() - 1) + (last == 'x' ? 'y' : 'x');
    }

    /** The messages between the first (the listener's marker) and the end marker. */
    private static List<Message> afterMarker(RecordingSession s, Message end) {
        List<Message> got = before(s, end);
        return got.subList(Math.min(1, got.size()), got.size());
    }

    /** Records each subscription's outcome by session id; optionally offers a marker to the session first. */
    private static final class ResultRecorder implements SubscriptionListener {
        private final Message marker;
        private final Map<Long, List<SubscribeResult>> results = new ConcurrentHashMap<>();

        ResultRecorder(Message marker) {
            this.marker = marker;
        }

        @Override
        public void onSubscribed(Session session, SubscribeResult result) {
            if (marker != null) {
                session.offer(marker);
            }
            results.computeIfAbsent(session.id(), k -> new CopyOnWriteArrayList<>()).add(result);
        }

        int calls(Session s) {
            List<SubscribeResult> r = results.get(s.id());
            return r == null ? 0 : r.size();
        }

        SubscribeResult await(VerificationEnvironment env, Session s, Duration timeout) throws InterruptedException {
            env.awaitCondition(() -> calls(s) > 0, timeout,
                    () -> "the SubscriptionListener to be told the outcome for session " + s.id());
            return results.get(s.id()).get(0);
        }
    }

    /** Records listener reports by session id. */
    private static final class RecordingListener implements HubListener {
        final Map<Long, AtomicLong> lagged = new ConcurrentHashMap<>();
        final Map<Long, AtomicLong> disconnected = new ConcurrentHashMap<>();

        @Override
        public void onLagged(Session session, long lost) {
            lagged.computeIfAbsent(session.id(), k -> new AtomicLong()).addAndGet(lost);
        }

        @Override
        public void onSlowConsumerDisconnected(Session session, long lost) {
            disconnected.computeIfAbsent(session.id(), k -> new AtomicLong()).addAndGet(lost);
        }

        long lagged(long id) {
            AtomicLong v = lagged.get(id);
            return v == null ? 0 : v.get();
        }
    }

    /** A session whose offer throws: an application bug the hub must contain. */
    private static final class ThrowingSession extends AbstractTestSession {
        @Override
        public OfferResult offer(Message message) {
            throw new IllegalStateException("offer failure injected by the testkit");
        }
    }

    /**
     * A session whose first offer parks the calling fan-out thread until opened (bounded), to stall the hub. It never
     * parks the publishing test thread: that would mean the hub fans out synchronously, which it reports instead.
     */
    private static final class GateSession extends AbstractTestSession {
        private final Thread publisher;
        private final Duration maxPark;
        private final CountDownLatch opened = new CountDownLatch(1);
        private final AtomicBoolean entered = new AtomicBoolean();
        private volatile boolean enteredByPublisher;

        GateSession(Thread publisher, Duration maxPark) {
            this.publisher = publisher;
            this.maxPark = maxPark;
        }

        @Override
        public OfferResult offer(Message message) {
            if (entered.compareAndSet(false, true)) {
                if (Thread.currentThread() == publisher) {
                    enteredByPublisher = true;
                    return OfferResult.ENQUEUED;
                }
                try {
                    opened.await(maxPark.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return OfferResult.ENQUEUED;
        }

        boolean entered() {
            return entered.get();
        }

        boolean enteredByPublisher() {
            return enteredByPublisher;
        }

        void open() {
            opened.countDown();
        }
    }

    /** Common plumbing of the private test sessions. */
    private abstract static class AbstractTestSession extends AbstractSession {
        private volatile boolean open = true;

        AbstractTestSession() {
            super(SessionIds.next(), new HandshakeRequest("/ws", "", Map.of(),
                    new InetSocketAddress("127.0.0.1", Sessions.FAKE_REMOTE_PORT)), null, Map.of());
        }

        @Override
        public boolean isOpen() {
            return open;
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
            Sessions.checkClose(code, reason);
            open = false;
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
}
