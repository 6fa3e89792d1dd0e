package io.wshub.testkit;

import io.wshub.api.CloseCode;
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
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A reference {@link Hub} for tests: simple, correct, and not fast. It is what {@link TransportVerification} uses for
 * its broadcast and slow-consumer rules unless a transport's test supplies another hub, so a third party can run the
 * transport suite without writing a hub; it passes {@link HubVerification}, history rules included. Do not serve
 * production traffic with it: use a real hub such as hub-disruptor's {@code DisruptorHub}.
 *
 * <p>How it works: every operation (join, leave, subscribe, unsubscribe, broadcast, publish, send, shutdown) is put on
 * one queue, under one lock that also counts what waits, and one fan-out thread takes them in order, so the queue's
 * order is the one total order every member sees. When {@code capacity} operations are waiting, publishers get
 * {@link PublishResult#BACKPRESSURED}; leave and shutdown are always accepted. The fan-out thread offers the shared
 * {@link Message} to each member, applies the {@link SlowConsumerPolicy} when a session answers
 * {@link OfferResult#FULL}, and calls {@link Session#flush()} on the sessions it touched after each batch. A session,
 * listener or envelope that throws is counted in {@link HubStats#errors()} and never stops fan-out.
 *
 * <p>Started with a {@link HistoryConfig} ({@link #startWithHistory}) it keeps topic history: each publication on a
 * topic with history gets the next offset, is wrapped once in the configured envelope, and is kept in a deque bounded
 * by size and TTL; a recovery is served from that deque in the same step that adds the subscription, so nothing falls
 * between the replay and the next live publication. The epoch is random per hub.
 *
 * <p>Thread-safety: every method may be called from any thread; {@link #broadcast}, {@link #publish} and {@link #send}
 * never block (they take the queue's lock only to append). No method accepts null.
 *
 * <p>Not extensible outside this package: its constructor is package-private. The testkit's self-tests subclass it
 * through package-private steps of the fan-out to build the deliberately broken hubs each hub rule must fail against;
 * those steps are no API.
 */
public class ReferenceHub implements Hub {

    /** How many operations may wait for fan-out by default before publishers get BACKPRESSURED. */
    public static final int DEFAULT_CAPACITY = 1024;

    /** What an operation does. */
    enum Kind { JOIN, LEAVE, SUBSCRIBE, UNSUBSCRIBE, BROADCAST, PUBLISH, SEND, SHUTDOWN }

    /** One operation on the queue. */
    record Op(Kind kind, Session session, String topic, Message message, long id, SubscribeOptions options) {
        Op(Kind kind, Session session, String topic, Message message, long id) {
            this(kind, session, topic, message, id, null);
        }
    }

    /** One publication kept in a topic's history: its offset, the raw message, its envelope, when it was kept. */
    record Entry(long offset, Message raw, Message wrapped, long nanos) {
    }

    /** A topic's history; fan-out thread only. */
    static final class TopicHistory {
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        /** The offset of the topic's last publication, 0 before the first. */
        long last;

        /** The publications still kept whose offset is above {@code offset}, in order. */
        List<Entry> after(long offset) {
            List<Entry> out = new ArrayList<>();
            for (Entry e : entries) {
                if (e.offset() > offset) {
                    out.add(e);
                }
            }
            return out;
        }
    }

    private static final AtomicLong EPOCHS = new AtomicLong();

    private final SlowConsumerPolicy policy;
    private final HubListener listener;
    private final HistoryConfig history;
    private final String epoch;
    private final int capacity;
    private final LinkedBlockingQueue<Op> ops = new LinkedBlockingQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final Object publishLock = new Object();
    private volatile Thread thread;
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
    private final AtomicLong replayed = new AtomicLong();
    private final AtomicLong recovered = new AtomicLong();
    private final AtomicLong notRecovered = new AtomicLong();
    private volatile int sessionCount;

    // fan-out thread only
    private final Map<Long, Session> members = new LinkedHashMap<>();
    /** Subscribers by topic, with whether each receives envelopes. */
    private final Map<String, Map<Long, Boolean>> topics = new HashMap<>();
    private final Map<String, TopicHistory> histories = new HashMap<>();
    private final Set<String> withoutHistory = new HashSet<>();
    private final Set<Long> disconnected = new HashSet<>();
    private final Map<Session, long[]> lostInBatch = new LinkedHashMap<>();
    private final Set<Session> touched = new HashSet<>();

    /**
     * Creates a hub whose fan-out thread is not started yet: the caller calls {@link #startFanOut()} once, after a
     * subclass's constructor has run.
     *
     * @param history the history configuration, or null for none
     * @param epoch the epoch of this hub's history, such as {@link #newEpoch()}
     */
    ReferenceHub(SlowConsumerPolicy policy, HubListener listener, int capacity, HistoryConfig history, String epoch) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.listener = Objects.requireNonNull(listener, "listener");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be 1 or more, was " + capacity);
        }
        this.capacity = capacity;
        this.history = history;
        this.epoch = Objects.requireNonNull(epoch, "epoch");
    }

    /** A new epoch, unique in this JVM and random across JVMs. */
    static String newEpoch() {
        return "reference-" + EPOCHS.incrementAndGet() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    /** Starts the fan-out thread; once, before the hub is handed out. */
    final void startFanOut() {
        Thread t = new Thread(this::run, "wshub-reference-hub");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private static ReferenceHub started(ReferenceHub hub) {
        hub.startFanOut();
        return hub;
    }

    /**
     * Starts a hub without history, with room for {@value #DEFAULT_CAPACITY} waiting operations.
     *
     * @param policy the slow-consumer policy; not null
     * @param listener the listener told of lagging and disconnected sessions; not null
     * @return the started hub; shut it down with {@link #shutdown}
     */
    public static ReferenceHub start(SlowConsumerPolicy policy, HubListener listener) {
        return started(new ReferenceHub(policy, listener, DEFAULT_CAPACITY, null, newEpoch()));
    }

    /**
     * Starts a hub without history.
     *
     * @param policy the slow-consumer policy; not null
     * @param listener the listener; not null
     * @param capacity how many operations may wait for fan-out before publishers get BACKPRESSURED; 1 or more
     * @return the started hub
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public static ReferenceHub start(SlowConsumerPolicy policy, HubListener listener, int capacity) {
        return started(new ReferenceHub(policy, listener, capacity, null, newEpoch()));
    }

    /**
     * Starts a hub that keeps topic history.
     *
     * @param policy the slow-consumer policy; not null
     * @param listener the listener; not null
     * @param capacity how many operations may wait for fan-out before publishers get BACKPRESSURED; 1 or more
     * @param history the history configuration; not null
     * @return the started hub
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public static ReferenceHub startWithHistory(SlowConsumerPolicy policy, HubListener listener, int capacity,
                                                HistoryConfig history) {
        return started(new ReferenceHub(policy, listener, capacity, Objects.requireNonNull(history, "history"),
                newEpoch()));
    }

    /** Queues one operation, or answers why not. */
    PublishResult submit(Op op) {
        synchronized (publishLock) {
            if (shutdown) {
                return PublishResult.CLOSED;
            }
            if (op.kind != Kind.LEAVE && op.kind != Kind.SHUTDOWN && pending.get() >= capacity) {
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
        return submit(new Op(Kind.JOIN, Objects.requireNonNull(session, "session"), null, null, 0));
    }

    @Override
    public PublishResult leave(Session session) {
        return submit(new Op(Kind.LEAVE, Objects.requireNonNull(session, "session"), null, null, 0));
    }

    @Override
    public PublishResult subscribe(Session session, String topic) {
        return submit(new Op(Kind.SUBSCRIBE, Objects.requireNonNull(session, "session"),
                Objects.requireNonNull(topic, "topic"), null, 0));
    }

    @Override
    public PublishResult subscribe(Session session, String topic, SubscribeOptions options) {
        if (history == null) {
            return Hub.super.subscribe(session, topic, options);
        }
        return submit(new Op(Kind.SUBSCRIBE, Objects.requireNonNull(session, "session"),
                Objects.requireNonNull(topic, "topic"), null, 0, Objects.requireNonNull(options, "options")));
    }

    @Override
    public boolean supportsHistory() {
        return history != null;
    }

    @Override
    public PublishResult unsubscribe(Session session, String topic) {
        return submit(new Op(Kind.UNSUBSCRIBE, Objects.requireNonNull(session, "session"),
                Objects.requireNonNull(topic, "topic"), null, 0));
    }

    @Override
    public PublishResult broadcast(Message message) {
        return broadcast(message, NO_SESSION);
    }

    @Override
    public PublishResult broadcast(Message message, long excludedSessionId) {
        return submit(new Op(Kind.BROADCAST, null, null, Objects.requireNonNull(message, "message"),
                excludedSessionId));
    }

    @Override
    public PublishResult publish(String topic, Message message) {
        return submit(new Op(Kind.PUBLISH, null, Objects.requireNonNull(topic, "topic"),
                Objects.requireNonNull(message, "message"), 0));
    }

    @Override
    public PublishResult send(long sessionId, Message message) {
        return submit(new Op(Kind.SEND, null, null, Objects.requireNonNull(message, "message"), sessionId));
    }

    @Override
    public HubStats stats() {
        return new HubStats(accepted.get(), backpressured.get(), delivered.get(), droppedNewest.get(),
                droppedOldest.get(), droppedDisconnect.get(), droppedClosed.get(), slowDisconnects.get(), errors.get(),
                pending.get(), sessionCount, replayed.get(), recovered.get(), notRecovered.get());
    }

    /**
     * Stops accepting operations, fans out what was accepted, closes every member with 1001 and ends the fan-out
     * thread. Idempotent.
     *
     * @param timeout how long to wait for the fan-out thread; not null
     * @return whether the fan-out thread ended in time
     */
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

    @Override
    public String toString() {
        return "ReferenceHub[" + policy + ", members=" + sessionCount + (history == null ? "" : ", history")
                + (shutdown ? ", shut down" : "") + "]";
    }

    // ------------------------------------------------------------------------------------------------ fan-out
    // Everything below runs on the fan-out thread. The package-private methods are the steps a self-test's broken
    // subclass may override or call; each does one thing of the contract, so a breakage replaces exactly one.

    private void run() {
        List<Op> batch = new ArrayList<>();
        try {
            while (true) {
                batch.add(ops.take());
                ops.drainTo(batch, 255);
                for (Op op : batch) {
                    pending.decrementAndGet();
                    if (op.kind == Kind.SHUTDOWN) {
                        endBatch();
                        closeAll();
                        return;
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
            case JOIN -> onJoin(op.session);
            case LEAVE -> onLeave(op.session);
            case SUBSCRIBE -> carryOutSubscribe(op);
            case UNSUBSCRIBE -> {
                Map<Long, Boolean> subs = topics.get(op.topic);
                if (subs != null) {
                    subs.remove(op.session.id());
                }
            }
            case BROADCAST -> onBroadcast(op.message, op.id);
            case PUBLISH -> onPublish(op.topic, op.message);
            case SEND -> onSend(op.id, op.message);
            default -> throw new IllegalStateException("unexpected " + op.kind);
        }
    }

    /** Adds a member. */
    void onJoin(Session session) {
        members.put(session.id(), session);
        sessionCount = members.size();
    }

    /** Removes a member and its subscriptions. */
    void onLeave(Session session) {
        members.remove(session.id());
        for (Map<Long, Boolean> subs : topics.values()) {
            subs.remove(session.id());
        }
        sessionCount = members.size();
    }

    /** Delivers a broadcast to every member but {@code excludedSessionId} ({@link #NO_SESSION}: none). */
    void onBroadcast(Message message, long excludedSessionId) {
        for (Session s : members.values()) {
            if (s.id() != excludedSessionId || excludedSessionId == NO_SESSION) {
                deliver(s, message);
            }
        }
    }

    /** Delivers a direct send to its target, or counts it as dropped if there is no such member. */
    void onSend(long sessionId, Message message) {
        Session s = members.get(sessionId);
        if (s == null) {
            droppedClosed.incrementAndGet();
        } else {
            deliver(s, message);
        }
    }

    /** The members, in join order; read-only. */
    final Collection<Session> members() {
        return Collections.unmodifiableCollection(members.values());
    }

    /** Whether the session subscribes to the topic. */
    final boolean subscribes(long sessionId, String topic) {
        return topics.getOrDefault(topic, Map.of()).containsKey(sessionId);
    }

    /** This hub's epoch. */
    final String epoch() {
        return epoch;
    }

    // ------------------------------------------------------------------------------------------------ history

    /** The topic's history, or null if it keeps none; decided once per topic. */
    private TopicHistory historyOf(String topic) {
        if (history == null) {
            return null;
        }
        TopicHistory h = histories.get(topic);
        if (h != null || withoutHistory.contains(topic)) {
            return h;
        }
        if (history.hasHistory(topic)) {
            h = new TopicHistory();
            histories.put(topic, h);
        } else {
            withoutHistory.add(topic);
        }
        return h;
    }

    private void expire(TopicHistory h, long now) {
        long ttl = history.ttl().toNanos();
        while (!h.entries.isEmpty() && now - h.entries.peekFirst().nanos() >= ttl) {
            h.entries.pollFirst();
        }
    }

    /**
     * Calls the envelope for one publication (once per publication, when it is kept); what it throws or a null it
     * returns is counted, and the raw message is used.
     */
    final Message wrap(String topic, long offset, Message raw) {
        if (history.envelope() == null) {
            return raw;
        }
        try {
            Message m = history.envelope().wrap(topic, offset, epoch, raw);
            if (m != null) {
                return m;
            }
            errors.incrementAndGet();
        } catch (RuntimeException e) {
            contain(e);
        }
        return raw;
    }

    /** Delivers a topic publication to the topic's subscribers, after keeping it if the topic has history. */
    void onPublish(String topic, Message raw) {
        TopicHistory h = historyOf(topic);
        Map<Long, Boolean> subs = topics.getOrDefault(topic, Map.of());
        if (h == null) {
            for (Session s : members.values()) {
                if (subs.containsKey(s.id())) {
                    deliver(s, raw);
                }
            }
            return;
        }
        long now = System.nanoTime();
        long offset = ++h.last;
        Entry e = new Entry(offset, raw, wrap(topic, offset, raw), now);
        h.entries.addLast(e);
        while (h.entries.size() > history.maxPublications()) {
            h.entries.pollFirst();
        }
        expire(h, now);
        for (Session s : members.values()) {
            Boolean wantsEnvelope = subs.get(s.id());
            if (wantsEnvelope != null) {
                deliver(s, messageFor(s, topic, e, wantsEnvelope));
            }
        }
    }

    /** What a subscriber receives for one kept publication, live or replayed: its envelope if it opted in. */
    Message messageFor(Session s, String topic, Entry e, boolean wantsEnvelope) {
        return wantsEnvelope ? e.wrapped() : e.raw();
    }

    /** The publications after {@code since} if the history still holds every one of them, else null. */
    List<Entry> coverage(TopicHistory h, StreamPosition since) {
        if (!since.epoch().equals(epoch) || since.offset() > h.last) {
            return null;
        }
        List<Entry> out = h.after(since.offset());
        return out.size() == h.last - since.offset() ? out : null;
    }

    private void carryOutSubscribe(Op op) {
        Session s = op.session;
        if (!members.containsKey(s.id())) {
            return;
        }
        SubscribeOptions o = op.options == null ? SubscribeOptions.plain() : op.options;
        TopicHistory h = historyOf(op.topic);
        boolean wantsEnvelope = h != null && o.envelope();
        topics.computeIfAbsent(op.topic, t -> new LinkedHashMap<>()).put(s.id(), wantsEnvelope);
        if (o.isPlain()) {
            return;
        }
        StreamPosition since = o.since();
        if (h == null) {
            announceAndReplay(s, o.listener(), new SubscribeResult(op.topic, since != null, false, 0, null), null,
                    false);
            return;
        }
        expire(h, System.nanoTime());
        List<Entry> replay = since == null ? null : coverage(h, since);
        boolean ok = replay != null;
        if (since != null) {
            (ok ? recovered : notRecovered).incrementAndGet();
        }
        announceAndReplay(s, o.listener(), new SubscribeResult(op.topic, since != null, ok, ok ? replay.size() : 0,
                new StreamPosition(h.last, epoch)), replay, wantsEnvelope);
    }

    /**
     * Tells the subscription listener the result, then replays what was recovered (null: nothing was), in the same
     * step that added the subscription.
     */
    void announceAndReplay(Session s, SubscriptionListener l, SubscribeResult result, List<Entry> replay,
                           boolean wantsEnvelope) {
        tell(l, s, result);
        if (replay != null) {
            replay(s, result.topic(), replay, wantsEnvelope);
        }
    }

    /** Offers each replayed publication to the session, counting those it enqueued. */
    final void replay(Session s, String topic, List<Entry> replay, boolean wantsEnvelope) {
        for (Entry e : replay) {
            if (deliver(s, messageFor(s, topic, e, wantsEnvelope))) {
                replayed.incrementAndGet();
            }
        }
    }

    /** Calls the subscription listener; what it throws is counted. */
    final void tell(SubscriptionListener l, Session s, SubscribeResult result) {
        try {
            l.onSubscribed(s, result);
        } catch (RuntimeException e) {
            contain(e);
        }
        touched.add(s); // what the listener offered is flushed with the batch (Session's flush contract)
    }

    // ------------------------------------------------------------------------------------------------ delivery

    /**
     * What a session, listener or envelope threw: counted in {@link HubStats#errors()}, and fan-out goes on.
     *
     * @param e the exception, for a subclass that does something else with it
     */
    void contain(RuntimeException e) {
        errors.incrementAndGet();
    }

    /** Offers one message and accounts for it; returns whether the session enqueued it. */
    boolean deliver(Session s, Message m) {
        if (disconnected.contains(s.id())) {
            droppedDisconnect.incrementAndGet();
            return false;
        }
        OfferResult r;
        try {
            r = s.offer(m);
        } catch (RuntimeException e) {
            contain(e);
            droppedClosed.incrementAndGet();
            return false;
        }
        touched.add(s);
        switch (r) {
            case ENQUEUED -> {
                delivered.incrementAndGet();
                return true;
            }
            case CLOSED -> {
                droppedClosed.incrementAndGet();
                return false;
            }
            case FULL -> {
                return onFull(s, m);
            }
            default -> throw new IllegalStateException("unexpected " + r);
        }
    }

    /** Applies the policy to a full queue; returns whether the message was enqueued after all (DROP_OLDEST). */
    private boolean onFull(Session s, Message m) {
        switch (policy) {
            case DISCONNECT -> {
                disconnected.add(s.id());
                droppedDisconnect.incrementAndGet();
                slowDisconnects.incrementAndGet();
                try {
                    s.close(SlowConsumerPolicy.DISCONNECT_CODE, "slow consumer");
                } catch (RuntimeException e) {
                    contain(e);
                }
                try {
                    listener.onSlowConsumerDisconnected(s, 1);
                } catch (RuntimeException e) {
                    contain(e);
                }
                return false;
            }
            case DROP_NEWEST -> {
                droppedNewest.incrementAndGet();
                lostInBatch.computeIfAbsent(s, k -> new long[1])[0]++;
                return false;
            }
            case DROP_OLDEST -> {
                while (true) {
                    if (!s.evictOldest()) {
                        droppedNewest.incrementAndGet();
                        lostInBatch.computeIfAbsent(s, k -> new long[1])[0]++;
                        return false;
                    }
                    droppedOldest.incrementAndGet();
                    lostInBatch.computeIfAbsent(s, k -> new long[1])[0]++;
                    OfferResult r = s.offer(m);
                    if (r == OfferResult.ENQUEUED) {
                        delivered.incrementAndGet();
                        return true;
                    }
                    if (r == OfferResult.CLOSED) {
                        droppedClosed.incrementAndGet();
                        return false;
                    }
                }
            }
            default -> throw new IllegalStateException("unexpected " + policy);
        }
    }

    private void endBatch() {
        for (Session s : touched) {
            try {
                s.flush();
            } catch (RuntimeException e) {
                contain(e);
            }
        }
        touched.clear();
        for (Map.Entry<Session, long[]> e : lostInBatch.entrySet()) {
            try {
                listener.onLagged(e.getKey(), e.getValue()[0]);
            } catch (RuntimeException ex) {
                contain(ex);
            }
        }
        lostInBatch.clear();
    }

    /** At shutdown, after the last batch: closes every member with 1001. */
    void closeAll() {
        for (Session s : members.values()) {
            try {
                s.close(CloseCode.GOING_AWAY, "hub shut down");
            } catch (RuntimeException e) {
                contain(e);
            }
        }
        members.clear();
        sessionCount = 0;
    }
}
