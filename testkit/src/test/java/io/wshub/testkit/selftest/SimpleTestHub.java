package io.wshub.testkit.selftest;

import io.wshub.api.CloseCode;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A simple, correct {@link Hub} for the testkit's own tests: one fan-out thread fed by a queue of operations whose
 * publishing side is bounded (so it can answer {@link PublishResult#BACKPRESSURED}). Each {@link Breakage} breaks one
 * rule on purpose.
 *
 * <p>Thread-safety: every method may be called from any thread.
 */
public final class SimpleTestHub implements Hub {

    /** A deliberate defect. */
    public enum Breakage {
        /** Delivers each pair of consecutive broadcasts in a different order to every second member. */
        REORDER,
        /** Ignores leave. */
        IGNORE_LEAVE,
        /** Replays the last broadcast to a session that joins. */
        REPLAY_ON_JOIN,
        /** Sends topic messages to every member. */
        TOPIC_AS_BROADCAST,
        /** Sends direct messages to every member. */
        SEND_AS_BROADCAST,
        /** Ignores the excluded session of a broadcast. */
        IGNORE_EXCLUDE,
        /** Offers a copy of the message to each member. */
        COPY_PER_MEMBER,
        /** Applies DROP_NEWEST whatever the configured policy. */
        ALWAYS_DROP_NEWEST,
        /** Never calls onLagged. */
        NO_LAG_REPORT,
        /** An exception from a session or listener kills the fan-out thread. */
        UNCAUGHT_EXCEPTIONS,
        /** Shutdown does not close members. */
        NO_CLOSE_ON_SHUTDOWN,
        /** Keeps answering ACCEPTED after shutdown (and drops). */
        ACCEPT_AFTER_SHUTDOWN,
        /** Never answers BACKPRESSURED: silently drops what does not fit. */
        SILENT_DROP_WHEN_FULL
    }

    private enum Kind { JOIN, LEAVE, SUBSCRIBE, UNSUBSCRIBE, BROADCAST, PUBLISH, SEND, SHUTDOWN }

    private record Op(Kind kind, Session session, String topic, Message message, long id) {
    }

    private final SlowConsumerPolicy policy;
    private final HubListener listener;
    private final Set<Breakage> breakages;
    private final int capacity;
    private final LinkedBlockingQueue<Op> ops = new LinkedBlockingQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final Object publishLock = new Object();
    private final Thread thread;
    private volatile boolean shutdown;

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong backpressured = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong droppedNewest = new AtomicLong();
    private final AtomicLong droppedOldest = new AtomicLong();
    private final AtomicLong droppedDisconnect = new AtomicLong();
    private final AtomicLong droppedClosed = new AtomicLong();
    private final AtomicLong slowDisconnects = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile int sessionCount;

    // fan-out thread only
    private final Map<Long, Session> members = new LinkedHashMap<>();
    private final Map<String, Set<Long>> topics = new HashMap<>();
    private final Set<Long> disconnected = new HashSet<>();
    private final Map<Session, long[]> lostInBatch = new LinkedHashMap<>();
    private final Set<Session> touched = new HashSet<>();
    private Op heldBack;
    private Message lastBroadcast;

    private SimpleTestHub(SlowConsumerPolicy policy, HubListener listener, int capacity, Set<Breakage> breakages) {
        this.policy = policy;
        this.listener = listener;
        this.capacity = capacity;
        this.breakages = breakages.isEmpty() ? EnumSet.noneOf(Breakage.class) : EnumSet.copyOf(breakages);
        this.thread = new Thread(this::run, "simple-test-hub");
        this.thread.setDaemon(true);
        // UNCAUGHT_EXCEPTIONS lets the fan-out thread die on purpose; keep the build log quiet about it
        this.thread.setUncaughtExceptionHandler((t, e) -> { });
        this.thread.start();
    }

    /**
     * Starts a hub.
     *
     * @param policy the slow-consumer policy; not null
     * @param listener the listener; not null
     * @param capacity how many operations may wait for fan-out before publishers get BACKPRESSURED
     * @param breakages the defects to build in; empty for a correct hub
     * @return the started hub
     */
    public static SimpleTestHub start(SlowConsumerPolicy policy, HubListener listener, int capacity,
                                      Set<Breakage> breakages) {
        return new SimpleTestHub(policy, listener, capacity, breakages);
    }

    private boolean has(Breakage b) {
        return breakages.contains(b);
    }

    private PublishResult submit(Op op) {
        synchronized (publishLock) {
            if (shutdown) {
                if (has(Breakage.ACCEPT_AFTER_SHUTDOWN)) {
                    return PublishResult.ACCEPTED;
                }
                return PublishResult.CLOSED;
            }
            if (op.kind != Kind.LEAVE && op.kind != Kind.SHUTDOWN && pending.get() >= capacity) {
                if (has(Breakage.SILENT_DROP_WHEN_FULL)) {
                    return PublishResult.ACCEPTED;
                }
                backpressured.incrementAndGet();
                return PublishResult.BACKPRESSURED;
            }
            if (op.message != null) {
                accepted.incrementAndGet();
            }
            pending.incrementAndGet();
            ops.add(op);
            return PublishResult.ACCEPTED;
        }
    }

    @Override
    public PublishResult join(Session session) {
        return submit(new Op(Kind.JOIN, session, null, null, 0));
    }

    @Override
    public PublishResult leave(Session session) {
        return submit(new Op(Kind.LEAVE, session, null, null, 0));
    }

    @Override
    public PublishResult subscribe(Session session, String topic) {
        return submit(new Op(Kind.SUBSCRIBE, session, topic, null, 0));
    }

    @Override
    public PublishResult unsubscribe(Session session, String topic) {
        return submit(new Op(Kind.UNSUBSCRIBE, session, topic, null, 0));
    }

    @Override
    public PublishResult broadcast(Message message) {
        return broadcast(message, NO_SESSION);
    }

    @Override
    public PublishResult broadcast(Message message, long excludedSessionId) {
        return submit(new Op(Kind.BROADCAST, null, null, message, excludedSessionId));
    }

    @Override
    public PublishResult publish(String topic, Message message) {
        return submit(new Op(Kind.PUBLISH, null, topic, message, 0));
    }

    @Override
    public PublishResult send(long sessionId, Message message) {
        return submit(new Op(Kind.SEND, null, null, message, sessionId));
    }

    @Override
    public HubStats stats() {
        return new HubStats(accepted.get(), backpressured.get(), delivered.get(), droppedNewest.get(),
                droppedOldest.get(), droppedDisconnect.get(), droppedClosed.get(), slowDisconnects.get(), errors.get(),
                pending.get(), sessionCount);
    }

    @Override
    public boolean shutdown(Duration timeout) {
        synchronized (publishLock) {
            if (!shutdown) {
                shutdown = true;
                pending.incrementAndGet();
                ops.add(new Op(Kind.SHUTDOWN, null, null, null, 0));
            }
        }
        try {
            thread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (thread.isAlive()) {
            thread.interrupt();
            return false;
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------ fan-out

    private void run() {
        List<Op> batch = new ArrayList<>();
        try {
            while (true) {
                Op first = heldBack != null ? ops.poll(20, TimeUnit.MILLISECONDS) : ops.take();
                if (first == null) {
                    Op h = heldBack;
                    heldBack = null;
                    process(h);
                    endBatch();
                    continue;
                }
                batch.add(first);
                ops.drainTo(batch, 255);
                for (Op op : batch) {
                    pending.decrementAndGet();
                    if (op.kind == Kind.SHUTDOWN) {
                        if (heldBack != null) {
                            process(heldBack);
                            heldBack = null;
                        }
                        endBatch();
                        closeAll();
                        return;
                    }
                    if (has(Breakage.REORDER) && op.kind == Kind.BROADCAST) {
                        if (heldBack == null) {
                            heldBack = op;
                            continue;
                        }
                        Op h = heldBack;
                        heldBack = null;
                        deliverPairDifferently(h, op);
                        continue;
                    }
                    process(op);
                }
                batch.clear();
                endBatch();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void process(Op op) {
        switch (op.kind) {
            case JOIN -> {
                members.put(op.session.id(), op.session);
                sessionCount = members.size();
                if (has(Breakage.REPLAY_ON_JOIN) && lastBroadcast != null) {
                    deliver(op.session, lastBroadcast);
                }
            }
            case LEAVE -> {
                if (!has(Breakage.IGNORE_LEAVE)) {
                    members.remove(op.session.id());
                    for (Set<Long> subs : topics.values()) {
                        subs.remove(op.session.id());
                    }
                    sessionCount = members.size();
                }
            }
            case SUBSCRIBE -> {
                if (members.containsKey(op.session.id())) {
                    topics.computeIfAbsent(op.topic, t -> new HashSet<>()).add(op.session.id());
                }
            }
            case UNSUBSCRIBE -> {
                Set<Long> subs = topics.get(op.topic);
                if (subs != null) {
                    subs.remove(op.session.id());
                }
            }
            case BROADCAST -> {
                lastBroadcast = op.message;
                for (Session s : members.values()) {
                    if (s.id() != op.id || op.id == NO_SESSION || has(Breakage.IGNORE_EXCLUDE)) {
                        deliver(s, op.message);
                    }
                }
            }
            case PUBLISH -> {
                Set<Long> subs = topics.getOrDefault(op.topic, Set.of());
                for (Session s : members.values()) {
                    if (subs.contains(s.id()) || has(Breakage.TOPIC_AS_BROADCAST)) {
                        deliver(s, op.message);
                    }
                }
            }
            case SEND -> {
                if (has(Breakage.SEND_AS_BROADCAST)) {
                    members.values().forEach(s -> deliver(s, op.message));
                } else {
                    Session s = members.get(op.id);
                    if (s == null) {
                        droppedClosed.incrementAndGet();
                    } else {
                        deliver(s, op.message);
                    }
                }
            }
            default -> throw new IllegalStateException("unexpected " + op.kind);
        }
    }

    /** REORDER: members at even positions get the pair in order, members at odd positions swapped. */
    private void deliverPairDifferently(Op first, Op second) {
        int index = 0;
        for (Session s : members.values()) {
            Op a = index % 2 == 0 ? first : second;
            Op b = index % 2 == 0 ? second : first;
            if (s.id() != a.id || a.id == NO_SESSION) {
                deliver(s, a.message);
            }
            if (s.id() != b.id || b.id == NO_SESSION) {
                deliver(s, b.message);
            }
            index++;
        }
        lastBroadcast = second.message;
    }

    private void deliver(Session s, Message original) {
        Message m = has(Breakage.COPY_PER_MEMBER) ? Message.binary(original.payload()) : original;
        if (disconnected.contains(s.id())) {
            droppedDisconnect.incrementAndGet();
            return;
        }
        OfferResult r;
        try {
            r = s.offer(m);
        } catch (RuntimeException e) {
            if (has(Breakage.UNCAUGHT_EXCEPTIONS)) {
                throw e;
            }
            errors.incrementAndGet();
            droppedClosed.incrementAndGet();
            return;
        }
        touched.add(s);
        switch (r) {
            case ENQUEUED -> delivered.incrementAndGet();
            case CLOSED -> droppedClosed.incrementAndGet();
            case FULL -> onFull(s, m);
            default -> throw new IllegalStateException();
        }
    }

    private void onFull(Session s, Message m) {
        SlowConsumerPolicy p = has(Breakage.ALWAYS_DROP_NEWEST) ? SlowConsumerPolicy.DROP_NEWEST : policy;
        switch (p) {
            case DISCONNECT -> {
                disconnected.add(s.id());
                droppedDisconnect.incrementAndGet();
                slowDisconnects.incrementAndGet();
                s.close(SlowConsumerPolicy.DISCONNECT_CODE, "slow consumer");
                try {
                    listener.onSlowConsumerDisconnected(s, 1);
                } catch (RuntimeException e) {
                    listenerError(e);
                }
            }
            case DROP_NEWEST -> {
                droppedNewest.incrementAndGet();
                lostInBatch.computeIfAbsent(s, k -> new long[1])[0]++;
            }
            case DROP_OLDEST -> {
                while (true) {
                    if (!s.evictOldest()) {
                        droppedNewest.incrementAndGet();
                        lostInBatch.computeIfAbsent(s, k -> new long[1])[0]++;
                        return;
                    }
                    droppedOldest.incrementAndGet();
                    lostInBatch.computeIfAbsent(s, k -> new long[1])[0]++;
                    OfferResult r = s.offer(m);
                    if (r == OfferResult.ENQUEUED) {
                        delivered.incrementAndGet();
                        return;
                    }
                    if (r == OfferResult.CLOSED) {
                        droppedClosed.incrementAndGet();
                        return;
                    }
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    private void listenerError(RuntimeException e) {
        if (has(Breakage.UNCAUGHT_EXCEPTIONS)) {
            throw e;
        }
        errors.incrementAndGet();
    }

    private void endBatch() {
        for (Session s : touched) {
            try {
                s.flush();
            } catch (RuntimeException e) {
                errors.incrementAndGet();
            }
        }
        touched.clear();
        if (!has(Breakage.NO_LAG_REPORT)) {
            for (Map.Entry<Session, long[]> e : lostInBatch.entrySet()) {
                try {
                    listener.onLagged(e.getKey(), e.getValue()[0]);
                } catch (RuntimeException ex) {
                    listenerError(ex);
                }
            }
        }
        lostInBatch.clear();
    }

    private void closeAll() {
        if (has(Breakage.NO_CLOSE_ON_SHUTDOWN)) {
            return;
        }
        for (Session s : members.values()) {
            try {
                s.close(CloseCode.GOING_AWAY, "hub shut down");
            } catch (RuntimeException e) {
                errors.incrementAndGet();
            }
        }
        members.clear();
        sessionCount = 0;
    }
}
