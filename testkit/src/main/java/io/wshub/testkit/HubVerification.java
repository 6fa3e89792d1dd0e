package io.wshub.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wshub.api.CloseCode;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.api.spi.AbstractSession;
import io.wshub.api.spi.SessionIds;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Threading: JUnit calls the rules on its own threads; a rule calls {@link #newHub} on the test thread.
 */
public abstract class HubVerification {

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
