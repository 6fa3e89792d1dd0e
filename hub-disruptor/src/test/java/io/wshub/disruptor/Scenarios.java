package io.wshub.disruptor;

import static io.wshub.disruptor.HubFixture.drained;
import static io.wshub.disruptor.HubFixture.retry;
import static io.wshub.disruptor.HubFixture.uniquePrefix;
import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Hub;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.SlowConsumerPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * Random interleavings of hub operations, run against a {@link DisruptorHub} and checked against a sequential model.
 * Used by {@link HubPropertiesTest}.
 */
final class Scenarios {

    static final int SESSIONS = 6;
    static final int TOPICS = 2;

    /** One hub operation on session / topic indices. */
    sealed interface Op permits Join, Leave, Sub, Unsub, Bcast, Pub, Send {
    }

    record Join(int s) implements Op {
    }

    record Leave(int s) implements Op {
    }

    record Sub(int s, int t) implements Op {
    }

    record Unsub(int s, int t) implements Op {
    }

    /** A broadcast excluding session {@code excluded}, or nobody when it is -1. */
    record Bcast(int excluded) implements Op {
    }

    record Pub(int t) implements Op {
    }

    record Send(int s) implements Op {
    }

    private Scenarios() {
    }

    /**
     * One operation, each of nine alternatives alike (as the former generator drew them): join twice over, leave,
     * subscribe, unsubscribe, broadcast twice over (excluding a session or, for -1, nobody), publish, send.
     */
    static Op randomOp(RandomGenerator r) {
        int s = r.nextInt(SESSIONS);
        int t = r.nextInt(TOPICS);
        switch (r.nextInt(9)) {
            case 0: case 1:
                return new Join(s);
            case 2:
                return new Leave(s);
            case 3:
                return new Sub(s, t);
            case 4:
                return new Unsub(s, t);
            case 5: case 6:
                return new Bcast(r.nextInt(-1, SESSIONS));
            case 7:
                return new Pub(t);
            default:
                return new Send(s);
        }
    }

    static List<Op> randomOps(RandomGenerator r, int length) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            ops.add(randomOp(r));
        }
        return ops;
    }

    // ------------------------------------------------------------------------------------------------ model

    /** What a sequentially consistent hub does with the operations, per session and in counters. */
    static final class Model {
        final SlowConsumerPolicy policy;
        final int capacity;
        final boolean[] member;
        final boolean[][] subscribed;
        final boolean[] closed;
        final boolean[] slow;
        final List<List<String>> queues = new ArrayList<>();
        long accepted;
        long targets;
        long delivered;
        long droppedNewest;
        long droppedOldest;
        long droppedDisconnect;
        long droppedClosed;
        long slowDisconnects;

        Model(int sessions, SlowConsumerPolicy policy, int capacity) {
            this.policy = policy;
            this.capacity = capacity;
            member = new boolean[sessions];
            subscribed = new boolean[sessions][TOPICS];
            closed = new boolean[sessions];
            slow = new boolean[sessions];
            for (int i = 0; i < sessions; i++) {
                queues.add(new ArrayList<>());
            }
        }

        boolean bounded(int i) {
            return capacity > 0 && i % 2 == 0;
        }

        void apply(Op op, String text) {
            if (op instanceof Join j) {
                if (!member[j.s()]) {
                    member[j.s()] = true;
                    slow[j.s()] = false;
                }
            } else if (op instanceof Leave l) {
                member[l.s()] = false;
                subscribed[l.s()] = new boolean[TOPICS];
            } else if (op instanceof Sub sub) {
                if (member[sub.s()]) {
                    subscribed[sub.s()][sub.t()] = true;
                }
            } else if (op instanceof Unsub u) {
                subscribed[u.s()][u.t()] = false;
            } else if (op instanceof Bcast b) {
                accepted++;
                for (int i = 0; i < member.length; i++) {
                    if (member[i] && i != b.excluded()) {
                        deliver(i, text);
                    }
                }
            } else if (op instanceof Pub p) {
                accepted++;
                for (int i = 0; i < member.length; i++) {
                    if (member[i] && subscribed[i][p.t()]) {
                        deliver(i, text);
                    }
                }
            } else if (op instanceof Send s) {
                accepted++;
                if (member[s.s()]) {
                    deliver(s.s(), text);
                } else {
                    targets++;
                    droppedClosed++;
                }
            }
        }

        private void deliver(int i, String text) {
            targets++;
            List<String> q = queues.get(i);
            if (slow[i]) {
                droppedDisconnect++;
            } else if (closed[i]) {
                droppedClosed++;
            } else if (!bounded(i) || q.size() < capacity) {
                q.add(text);
                delivered++;
            } else if (policy == SlowConsumerPolicy.DROP_NEWEST) {
                droppedNewest++;
            } else if (policy == SlowConsumerPolicy.DROP_OLDEST) {
                q.remove(0);
                q.add(text);
                droppedOldest++;
            } else {
                droppedDisconnect++;
                slowDisconnects++;
                slow[i] = true;
                closed[i] = true;
            }
        }
    }

    static PublishResult perform(Hub hub, Op op, MemorySession[] sessions, String text) {
        if (op instanceof Join j) {
            return hub.join(sessions[j.s()]);
        } else if (op instanceof Leave l) {
            return hub.leave(sessions[l.s()]);
        } else if (op instanceof Sub s) {
            return hub.subscribe(sessions[s.s()], "topic-" + s.t());
        } else if (op instanceof Unsub u) {
            return hub.unsubscribe(sessions[u.s()], "topic-" + u.t());
        } else if (op instanceof Bcast b) {
            return hub.broadcast(Message.text(text), b.excluded() < 0 ? Hub.NO_SESSION : sessions[b.excluded()].id());
        } else if (op instanceof Pub p) {
            return hub.publish("topic-" + p.t(), Message.text(text));
        } else {
            return hub.send(sessions[((Send) op).s()].id(), Message.text(text));
        }
    }

    // ------------------------------------------------------------------------------------------------ runs

    /**
     * Runs the operations from one thread and checks every session's messages and every counter against the model.
     *
     * @param capacity 0 for fast sessions only; otherwise even-numbered sessions hold at most this many messages and
     *                 are never drained (slow consumers under {@code policy})
     */
    static void runSequential(List<Op> ops, int shards, SlowConsumerPolicy policy, int capacity) {
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().shards(shards).ringSize(1024)
                .slowConsumerPolicy(policy).threadNamePrefix(uniquePrefix("seq")).build());
        try {
            Model model = new Model(SESSIONS, policy, capacity);
            MemorySession[] sessions = new MemorySession[SESSIONS];
            for (int i = 0; i < SESSIONS; i++) {
                sessions[i] = model.bounded(i) ? MemorySession.bounded(capacity) : MemorySession.recording();
            }
            for (int k = 0; k < ops.size(); k++) {
                Op op = ops.get(k);
                String text = "o" + k;
                retry(() -> perform(hub, op, sessions, text));
                model.apply(op, text);
            }
            HubStats stats = drained(hub);
            for (int i = 0; i < SESSIONS; i++) {
                assertThat(sessions[i].texts()).as("session %d after %s", i, ops).isEqualTo(model.queues.get(i));
            }
            assertThat(stats.accepted()).as("accepted").isEqualTo(model.accepted);
            assertThat(stats.delivered()).as("delivered").isEqualTo(model.delivered);
            assertThat(stats.droppedNewest()).as("droppedNewest").isEqualTo(model.droppedNewest);
            assertThat(stats.droppedOldest()).as("droppedOldest").isEqualTo(model.droppedOldest);
            assertThat(stats.droppedDisconnect()).as("droppedDisconnect").isEqualTo(model.droppedDisconnect);
            assertThat(stats.droppedClosed()).as("droppedClosed").isEqualTo(model.droppedClosed);
            assertThat(stats.slowDisconnects()).as("slowDisconnects").isEqualTo(model.slowDisconnects);
            assertThat(stats.delivered() + stats.dropped()).as("every delivery made or counted")
                    .isEqualTo(model.targets);
            int members = 0;
            for (boolean m : model.member) {
                members += m ? 1 : 0;
            }
            assertThat(stats.sessions()).as("sessions").isEqualTo(members);
            assertThat(stats.errors()).as("errors").isZero();
        } finally {
            assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
        }
    }

    /**
     * Runs one list of operations per thread, concurrently, on a small ring (so publishers meet backpressure and
     * retry). Each thread owns its own sessions: only it joins, leaves, subscribes or sends to them. Checks that
     * every pair of sessions agrees on the order of the messages both received, that each thread's messages arrive
     * in its order, that each session got exactly its owner's messages the model predicts, and the accounting.
     */
    static void runConcurrent(List<List<Op>> perThread, int shards) throws Exception {
        int threads = perThread.size();
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().shards(shards).ringSize(64)
                .threadNamePrefix(uniquePrefix("conc")).build());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            MemorySession[][] sessions = new MemorySession[threads][SESSIONS];
            Model[] models = new Model[threads];
            for (int p = 0; p < threads; p++) {
                models[p] = new Model(SESSIONS, SlowConsumerPolicy.DROP_NEWEST, 0);
                for (int i = 0; i < SESSIONS; i++) {
                    sessions[p][i] = MemorySession.recording();
                }
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < threads; p++) {
                int thread = p;
                done.add(pool.submit(() -> {
                    go.await();
                    List<Op> ops = perThread.get(thread);
                    for (int k = 0; k < ops.size(); k++) {
                        Op op = ops.get(k);
                        String text = "p" + thread + ":" + k;
                        retry(() -> perform(hub, op, sessions[thread], text));
                        models[thread].apply(op, text);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            HubStats stats = drained(hub);

            List<List<String>> all = new ArrayList<>();
            long received = 0;
            long sendsToNobody = 0;
            for (int p = 0; p < threads; p++) {
                sendsToNobody += models[p].droppedClosed;
                for (int i = 0; i < SESSIONS; i++) {
                    List<String> got = sessions[p][i].texts();
                    all.add(got);
                    received += got.size();
                    String own = "p" + p + ":";
                    List<String> fromOwner = new ArrayList<>();
                    for (String t : got) {
                        if (t.startsWith(own)) {
                            fromOwner.add(t);
                        }
                    }
                    assertThat(fromOwner).as("thread %d session %d: its owner's messages", p, i)
                            .isEqualTo(models[p].queues.get(i));
                    assertFifoPerPublisher(got, threads);
                }
            }
            for (int a = 0; a < all.size(); a++) {
                for (int b = a + 1; b < all.size(); b++) {
                    assertSameRelativeOrder(all.get(a), all.get(b));
                }
            }
            long accepted = 0;
            for (Model m : models) {
                accepted += m.accepted;
            }
            assertThat(stats.accepted()).as("accepted").isEqualTo(accepted);
            assertThat(stats.delivered()).as("delivered").isEqualTo(received);
            assertThat(stats.droppedClosed()).as("droppedClosed").isEqualTo(sendsToNobody);
            assertThat(stats.dropped()).as("dropped").isEqualTo(sendsToNobody);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
        }
    }

    private static void assertFifoPerPublisher(List<String> got, int threads) {
        int[] last = new int[threads];
        java.util.Arrays.fill(last, -1);
        for (String t : got) {
            int colon = t.indexOf(':');
            int p = Integer.parseInt(t.substring(1, colon));
            int k = Integer.parseInt(t.substring(colon + 1));
            assertThat(k).as("FIFO of publisher %d in %s", p, got).isGreaterThan(last[p]);
            last[p] = k;
        }
    }

    private static void assertSameRelativeOrder(List<String> a, List<String> b) {
        Set<String> inA = new HashSet<>(a);
        Set<String> inB = new HashSet<>(b);
        List<String> aCommon = new ArrayList<>();
        for (String t : a) {
            if (inB.contains(t)) {
                aCommon.add(t);
            }
        }
        List<String> bCommon = new ArrayList<>();
        for (String t : b) {
            if (inA.contains(t)) {
                bCommon.add(t);
            }
        }
        assertThat(bCommon).as("two sessions disagree on the order of the messages both got").isEqualTo(aCommon);
    }
}
