package io.wshub.testkit.selftest;

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
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The deliberately broken hubs of the testkit's self-tests: the algorithm of the testkit's correct
 * {@link io.wshub.testkit.ReferenceHub} (one fan-out thread fed by a queue of operations whose publishing side is
 * bounded, so it can answer {@link PublishResult#BACKPRESSURED}) with each {@link Breakage} woven into it, breaking one
 * rule on purpose. Started with no breakage it behaves as the reference hub; correct uses take the reference hub
 * itself. (Most breakages live inside the fan-out step, history ones among them, where a wrapper around the reference
 * hub cannot reach.)
 *
 * <p>Started with a {@link HistoryConfig} ({@link #startWithHistory}) it keeps topic history: the fan-out thread gives
 * each publication on a topic with history the next offset, wraps it once in the configured envelope, keeps both in a
 * deque bounded by size and TTL, and serves a recovery from that deque in the same step that adds the subscription,
 * so nothing can fall between the replay and the next live publication. The epoch is random per hub.
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
        /** An exception from a session, a listener, the envelope or a subscription listener kills fan-out. */
        UNCAUGHT_EXCEPTIONS,
        /** Shutdown does not close members. */
        NO_CLOSE_ON_SHUTDOWN,
        /** Keeps answering ACCEPTED after shutdown (and drops). */
        ACCEPT_AFTER_SHUTDOWN,
        /** Never answers BACKPRESSURED: silently drops what does not fit. */
        SILENT_DROP_WHEN_FULL,
        /** History: a trimmed position replays what is left and says recovered. */
        PARTIAL_RECOVERY,
        /** History: a position's epoch is not compared. */
        IGNORE_EPOCH,
        /** History: every hub's epoch is "1", so a restarted hub's positions look like the old one's. */
        CONSTANT_EPOCH,
        /** History: an offset beyond the last is recovered with nothing to replay. */
        FUTURE_OFFSET_RECOVERED,
        /** History: the TTL is never applied. */
        IGNORE_TTL,
        /** History: the last replayed publication is offered again before the next live one. */
        DUPLICATE_SEAM,
        /** History: the last publication to replay is left out (and still counted). */
        DROP_SEAM,
        /** History: the envelope is built for each opted-in recipient. */
        ENVELOPE_PER_RECIPIENT,
        /** History: each opted-in subscriber's envelopes count its own deliveries as offsets. */
        PER_SUBSCRIBER_OFFSETS,
        /** History: sessions that did not opt in receive envelopes too. */
        ENVELOPE_TO_EVERYONE,
        /** History: every topic keeps history, whatever the configuration selects. */
        HISTORY_FOR_EVERY_TOPIC,
        /** History: the subscription listener is called after the replay. */
        LISTENER_AFTER_REPLAY,
        /** History: the result of a recovery reports 0 replayed. */
        RESULT_WITHOUT_REPLAY_COUNT,
        /** History: replayed, recovered and notRecovered stay 0. */
        NO_HISTORY_STATS
    }

    private enum Kind { JOIN, LEAVE, SUBSCRIBE, UNSUBSCRIBE, BROADCAST, PUBLISH, SEND, SHUTDOWN }

    private record Op(Kind kind, Session session, String topic, Message message, long id, SubscribeOptions options) {
        Op(Kind kind, Session session, String topic, Message message, long id) {
            this(kind, session, topic, message, id, null);
        }
    }

    /** One publication kept in a topic's history: the raw message, its envelope (null if built per recipient). */
    private record Entry(long offset, Message raw, Message wrapped, long nanos) {
    }

    /** A session's subscription to one topic, for the seam duplicates of {@link Breakage#DUPLICATE_SEAM}. */
    private record SubscriptionKey(long sessionId, String topic) {
    }

    /** A topic's history; fan-out thread only. */
    private static final class TopicHistory {
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        long last;
    }

    private static final AtomicLong EPOCHS = new AtomicLong();

    private final SlowConsumerPolicy policy;
    private final HubListener listener;
    private final HistoryConfig history;
    private final String epoch;
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
    private final Map<SubscriptionKey, Message> seamDuplicates = new HashMap<>();
    private final Map<SubscriptionKey, long[]> perSubscriberOffsets = new HashMap<>();
    private final Set<Long> disconnected = new HashSet<>();
    private final Map<Session, long[]> lostInBatch = new LinkedHashMap<>();
    private final Set<Session> touched = new HashSet<>();
    private Op heldBack;
    private Message lastBroadcast;

    private SimpleTestHub(SlowConsumerPolicy policy, HubListener listener, int capacity, HistoryConfig history,
                          Set<Breakage> breakages) {
        this.policy = policy;
        this.listener = listener;
        this.history = history;
        this.capacity = capacity;
        this.breakages = breakages.isEmpty() ? EnumSet.noneOf(Breakage.class) : EnumSet.copyOf(breakages);
        this.epoch = has(Breakage.CONSTANT_EPOCH) ? "1"
                : "simple-" + EPOCHS.incrementAndGet() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
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
        return new SimpleTestHub(policy, listener, capacity, null, breakages);
    }

    /**
     * Starts a hub that keeps topic history.
     *
     * @param policy the slow-consumer policy; not null
     * @param listener the listener; not null
     * @param capacity how many operations may wait for fan-out before publishers get BACKPRESSURED
     * @param history the history configuration; not null
     * @param breakages the defects to build in; empty for a correct hub
     * @return the started hub
     */
    public static SimpleTestHub startWithHistory(SlowConsumerPolicy policy, HubListener listener, int capacity,
                                                 HistoryConfig history, Set<Breakage> breakages) {
        return new SimpleTestHub(policy, listener, capacity, Objects.requireNonNull(history, "history"), breakages);
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
    public PublishResult subscribe(Session session, String topic, SubscribeOptions options) {
        if (history == null) {
            return Hub.super.subscribe(session, topic, options);
        }
        return submit(new Op(Kind.SUBSCRIBE, session, topic, null, 0, Objects.requireNonNull(options, "options")));
    }

    @Override
    public boolean supportsHistory() {
        return history != null;
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
                pending.get(), sessionCount, replayed.get(), recovered.get(), notRecovered.get());
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
                    for (Map<Long, Boolean> subs : topics.values()) {
                        subs.remove(op.session.id());
                    }
                    sessionCount = members.size();
                }
            }
            case SUBSCRIBE -> carryOutSubscribe(op);
            case UNSUBSCRIBE -> {
                Map<Long, Boolean> subs = topics.get(op.topic);
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
            case PUBLISH -> fanOutPublication(op.topic, op.message);
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
        if (has(Breakage.HISTORY_FOR_EVERY_TOPIC) || history.hasHistory(topic)) {
            h = new TopicHistory();
            histories.put(topic, h);
        } else {
            withoutHistory.add(topic);
        }
        return h;
    }

    private void expire(TopicHistory h, long now) {
        if (has(Breakage.IGNORE_TTL)) {
            return;
        }
        long ttl = history.ttl().toNanos();
        while (!h.entries.isEmpty() && now - h.entries.peekFirst().nanos() >= ttl) {
            h.entries.pollFirst();
        }
    }

    private boolean builtPerRecipient() {
        return has(Breakage.ENVELOPE_PER_RECIPIENT) || has(Breakage.PER_SUBSCRIBER_OFFSETS);
    }

    /** Calls the envelope; what it throws or a null it returns is counted, and the raw message is used. */
    private Message wrap(String topic, long offset, Message raw) {
        if (history.envelope() == null) {
            return raw;
        }
        try {
            Message m = history.envelope().wrap(topic, offset, epoch, raw);
            if (m != null) {
                return m;
            }
        } catch (RuntimeException e) {
            if (has(Breakage.UNCAUGHT_EXCEPTIONS)) {
                throw e;
            }
        }
        errors.incrementAndGet();
        return raw;
    }

    /** The message an opted-in subscriber receives for one publication. */
    private Message envelopeFor(String topic, Entry e, Session s) {
        if (has(Breakage.PER_SUBSCRIBER_OFFSETS)) {
            long[] n = perSubscriberOffsets.computeIfAbsent(new SubscriptionKey(s.id(), topic), k -> new long[1]);
            return wrap(topic, ++n[0], e.raw());
        }
        if (has(Breakage.ENVELOPE_PER_RECIPIENT)) {
            return wrap(topic, e.offset(), e.raw());
        }
        return e.wrapped();
    }

    private void fanOutPublication(String topic, Message raw) {
        TopicHistory h = historyOf(topic);
        Map<Long, Boolean> subs = topics.getOrDefault(topic, Map.of());
        if (h == null) {
            for (Session s : members.values()) {
                if (subs.containsKey(s.id()) || has(Breakage.TOPIC_AS_BROADCAST)) {
                    deliver(s, raw);
                }
            }
            return;
        }
        long now = System.nanoTime();
        long offset = ++h.last;
        Entry e = new Entry(offset, raw, builtPerRecipient() ? null : wrap(topic, offset, raw), now);
        h.entries.addLast(e);
        while (h.entries.size() > history.maxPublications()) {
            h.entries.pollFirst();
        }
        expire(h, now);
        for (Session s : members.values()) {
            Boolean wantsEnvelope = subs.get(s.id());
            if (wantsEnvelope == null) {
                if (has(Breakage.TOPIC_AS_BROADCAST)) {
                    deliver(s, raw);
                }
                continue;
            }
            Message duplicate = seamDuplicates.remove(new SubscriptionKey(s.id(), topic));
            if (duplicate != null) {
                deliver(s, duplicate);
            }
            deliver(s, wantsEnvelope || has(Breakage.ENVELOPE_TO_EVERYONE) ? envelopeFor(topic, e, s) : raw);
        }
    }

    /** The publications after {@code since} if the history covers it, else null. */
    private List<Entry> coverage(TopicHistory h, StreamPosition since) {
        if (!has(Breakage.IGNORE_EPOCH) && !since.epoch().equals(epoch)) {
            return null;
        }
        if (since.offset() > h.last) {
            return has(Breakage.FUTURE_OFFSET_RECOVERED) ? List.of() : null;
        }
        List<Entry> out = new ArrayList<>();
        for (Entry e : h.entries) {
            if (e.offset() > since.offset()) {
                out.add(e);
            }
        }
        boolean complete = out.size() == h.last - since.offset();
        return complete || has(Breakage.PARTIAL_RECOVERY) ? out : null;
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
            tell(o.listener(), s, new SubscribeResult(op.topic, since != null, false, 0, null));
            return;
        }
        expire(h, System.nanoTime());
        List<Entry> replay = since == null ? null : coverage(h, since);
        boolean ok = replay != null;
        long count = ok ? replay.size() : 0;
        if (since != null && !has(Breakage.NO_HISTORY_STATS)) {
            (ok ? recovered : notRecovered).incrementAndGet();
        }
        SubscribeResult result = new SubscribeResult(op.topic, since != null, ok,
                has(Breakage.RESULT_WITHOUT_REPLAY_COUNT) ? 0 : count, new StreamPosition(h.last, epoch));
        if (!has(Breakage.LISTENER_AFTER_REPLAY)) {
            tell(o.listener(), s, result);
        }
        if (ok) {
            if (has(Breakage.DROP_SEAM) && !replay.isEmpty()) {
                replay = replay.subList(0, replay.size() - 1);
            }
            Message lastOffered = null;
            for (Entry e : replay) {
                lastOffered = wantsEnvelope || has(Breakage.ENVELOPE_TO_EVERYONE) ? envelopeFor(op.topic, e, s)
                        : e.raw();
                if (deliver(s, lastOffered) && !has(Breakage.NO_HISTORY_STATS)) {
                    replayed.incrementAndGet();
                }
            }
            if (has(Breakage.DUPLICATE_SEAM) && lastOffered != null) {
                seamDuplicates.put(new SubscriptionKey(s.id(), op.topic), lastOffered);
            }
        }
        if (has(Breakage.LISTENER_AFTER_REPLAY)) {
            tell(o.listener(), s, result);
        }
    }

    private void tell(SubscriptionListener l, Session s, SubscribeResult result) {
        try {
            l.onSubscribed(s, result);
        } catch (RuntimeException e) {
            listenerError(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ delivery

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

    /** Offers one message and accounts for it; returns whether the session enqueued it. */
    private boolean deliver(Session s, Message original) {
        Message m = has(Breakage.COPY_PER_MEMBER) ? Message.binary(original.payload()) : original;
        if (disconnected.contains(s.id())) {
            droppedDisconnect.incrementAndGet();
            return false;
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
            default -> throw new IllegalStateException();
        }
    }

    /** Applies the policy to a full queue; returns whether the message was enqueued after all (DROP_OLDEST). */
    private boolean onFull(Session s, Message m) {
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
