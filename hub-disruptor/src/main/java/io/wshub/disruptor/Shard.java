package io.wshub.disruptor;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.Sequence;
import io.wshub.api.CloseCode;
import io.wshub.api.HubListener;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.api.SubscribeOptions;
import io.wshub.api.SubscribeResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fan-out thread's handler: it sees every event of the ring, in order, and acts on the sessions of its shard
 * ({@code floorMod(sessionId, shards) == index}). It is the only thread that touches the shard's membership tables,
 * so delivery takes no lock. Per delivery it allocates nothing: members and topic subscribers live in arrays, ids map
 * to members through a primitive open-addressing map, the touched sessions of a batch are tracked with a per-member
 * epoch and a reusable array.
 *
 * <p>Counters are plain fields written by this thread only and published with release semantics after every event;
 * {@link DisruptorHub#stats()} reads the published copies.
 *
 * <p>Thread-safety: {@link #onEvent} runs on the shard's thread; {@link #fallbackLeaves} is a concurrent queue any
 * thread may add to; {@link #published} may be read by any thread. After the thread has ended, the shutdown thread
 * may use {@link #abandon}.
 */
final class Shard implements EventHandler<HubEvent>, ErrorSink {

    private static final Logger LOG = LoggerFactory.getLogger(Shard.class);

    /** The most messages one delivery evicts under DROP_OLDEST before it drops the new one instead. */
    static final int MAX_EVICTIONS_PER_DELIVERY = 64;
    /** Errors beyond this many are logged at debug level only, with every 1,000th at warn. */
    private static final long LOUD_ERRORS = 20;

    static final int C_DELIVERED = 0;
    static final int C_DROPPED_NEWEST = 1;
    static final int C_DROPPED_OLDEST = 2;
    static final int C_DROPPED_DISCONNECT = 3;
    static final int C_DROPPED_CLOSED = 4;
    static final int C_SLOW_DISCONNECTS = 5;
    static final int C_ERRORS = 6;
    static final int C_SESSIONS = 7;
    static final int C_BATCHES = 8;
    static final int C_REPLAYED = 9;
    static final int C_RECOVERED = 10;
    static final int C_NOT_RECOVERED = 11;
    static final int COUNTERS = 12;

    /** A leave that could not be sequenced because the ring was full: applied after the event {@code after}. */
    record PendingLeave(long sessionId, long after) {
    }

    private final DisruptorHub hub;
    private final int index;
    private final int shardCount;
    private final SlowConsumerPolicy policy;
    private final HubListener listener;
    /** The history stage to run inline when this is the hub's only shard; null otherwise. */
    private final HistoryStage inlineHistory;

    /** Leaves for this shard that found the ring full. Any thread adds; this shard's thread drains. */
    final Queue<PendingLeave> fallbackLeaves = new ConcurrentLinkedQueue<>();
    private final ArrayList<PendingLeave> waitingLeaves = new ArrayList<>();

    private final LongObjectMap<Member> byId = new LongObjectMap<>();
    private Member[] members = new Member[16];
    private int memberCount;
    private final HashMap<String, Topic> topics = new HashMap<>();

    private Member[] touched = new Member[16];
    private int touchedCount;
    private long epoch = 1;

    private long delivered;
    private long droppedNewest;
    private long droppedOldest;
    private long droppedDisconnect;
    private long droppedClosed;
    private long slowDisconnects;
    private long errors;
    private long batches;
    private long replayed;
    private long recovered;
    private long notRecovered;
    /** The counters as last published by this shard's thread; readable by any thread. */
    final AtomicLongArray published = new AtomicLongArray(COUNTERS);

    /** This shard's processor sequence, to report progress early; set once before the thread starts. */
    private Sequence sequenceCallback;

    /** Set by the shutdown thread once this shard's thread has ended: count deliveries as dropped, offer nothing. */
    private boolean abandoning;

    Shard(DisruptorHub hub, int index, int shardCount, SlowConsumerPolicy policy, HubListener listener,
          HistoryStage inlineHistory) {
        this.hub = hub;
        this.inlineHistory = inlineHistory;
        this.index = index;
        this.shardCount = shardCount;
        this.policy = policy;
        this.listener = listener;
    }

    static int shardOf(long sessionId, int shards) {
        return (int) Math.floorMod(sessionId, (long) shards);
    }

    private boolean owns(long sessionId) {
        return shardCount == 1 || shardOf(sessionId, shardCount) == index;
    }

    // ------------------------------------------------------------------------------------------------ events

    @Override
    public void onEvent(HubEvent event, long sequence, boolean endOfBatch) {
        if (hub.pendingLeaves.get() != 0) {
            // A queued leave belongs right after the event its caller saw last; when this shard had already passed
            // that event, the leave goes before this one (anything its caller did next is sequenced here or later).
            applyPendingLeaves(sequence - 1);
        }
        try {
            if (inlineHistory != null) {
                inlineHistory.process(event);
            }
            dispatch(event);
        } catch (Throwable t) {
            error("processing event " + sequence, t);
        } finally {
            event.release(shardCount);
            if (hub.pendingLeaves.get() != 0) {
                applyPendingLeaves(sequence);
            }
            if (endOfBatch) {
                endBatch();
            }
            publishCounters();
            if (endOfBatch && hub.wakeNeeded && sequenceCallback != null) {
                // Report this batch done before retrying, so the slots it frees count: otherwise the ring would
                // still look full to the retry, and a queued leave could wait for the next publish.
                sequenceCallback.set(sequence);
                hub.retryWake();
            }
        }
    }

    @Override
    public void setSequenceCallback(Sequence sequenceCallback) {
        this.sequenceCallback = sequenceCallback;
    }

    private void dispatch(HubEvent e) {
        switch (e.type) {
            case HubEvent.BROADCAST:
                broadcast(e.message, e.sessionId);
                break;
            case HubEvent.PUBLISH:
                publish(e.topic, e.message, e.envelope);
                break;
            case HubEvent.SEND:
                if (owns(e.sessionId)) {
                    send(e.sessionId, e.message);
                }
                break;
            case HubEvent.JOIN:
                if (owns(e.sessionId)) {
                    join(e.session, e.sessionId);
                }
                break;
            case HubEvent.LEAVE:
                if (owns(e.sessionId)) {
                    leave(e.sessionId);
                }
                break;
            case HubEvent.SUBSCRIBE:
                if (owns(e.sessionId)) {
                    subscribe(e.sessionId, e.topic, e.options, e.recovery);
                }
                break;
            case HubEvent.UNSUBSCRIBE:
                if (owns(e.sessionId)) {
                    unsubscribe(e.sessionId, e.topic);
                }
                break;
            case HubEvent.SHUTDOWN:
                closeAll();
                break;
            default:
                break;
        }
    }

    /**
     * Carries out an event the shard's thread did not reach before shutdown abandoned it: membership changes apply,
     * every delivery is counted as dropped. Called by the shutdown thread after this shard's thread has ended.
     */
    void abandon(HubEvent event, long sequence) {
        abandoning = true;
        onEvent(event, sequence, false);
    }

    // ------------------------------------------------------------------------------------------------ membership

    private void join(Session session, long id) {
        if (byId.get(id) != null) {
            return;
        }
        Member m = new Member(session, id);
        if (memberCount == members.length) {
            members = Arrays.copyOf(members, memberCount * 2);
        }
        if (touched.length < members.length) {
            touched = Arrays.copyOf(touched, members.length);
        }
        m.index = memberCount;
        members[memberCount++] = m;
        byId.put(id, m);
    }

    private void leave(long id) {
        Member m = byId.remove(id);
        if (m == null) {
            return;
        }
        while (m.topicCount > 0) {
            Topic t = m.topics[m.topicCount - 1];
            t.remove(m, m.topicCount - 1);
            if (t.size == 0) {
                topics.remove(t.name);
            }
        }
        int last = memberCount - 1;
        Member moved = members[last];
        members[m.index] = moved;
        moved.index = m.index;
        members[last] = null;
        memberCount = last;
    }

    /**
     * Subscribes a member, or changes its envelope choice if it is subscribed already; then, for a subscription with
     * options, tells its listener the outcome and replays what the history stage copied, before any later event.
     */
    private void subscribe(long id, String topicName, SubscribeOptions options, Recovery recovery) {
        Member m = byId.get(id);
        if (m == null) {
            return;
        }
        boolean wantsEnvelope = options != null && options.envelope();
        Topic t = topics.get(topicName);
        if (t == null) {
            t = new Topic(topicName);
            topics.put(topicName, t);
            t.add(m, wantsEnvelope);
        } else {
            int position = m.topicPosition(t);
            if (position < 0) {
                t.add(m, wantsEnvelope);
            } else if (options != null) {
                t.setEnvelope(m, position, wantsEnvelope);
            }
        }
        if (options == null || abandoning) {
            return;
        }
        if (recovery == null) {
            // The history stage failed on this event (counted there): recover nothing, and still say so.
            recovery = new Recovery(new SubscribeResult(topicName, options.since() != null, false, 0, null), null);
        }
        SubscribeResult result = recovery.result;
        if (result.recovering()) {
            if (result.recovered()) {
                recovered++;
            } else {
                notRecovered++;
            }
        }
        try {
            options.listener().onSubscribed(m.session, result);
        } catch (Throwable e) {
            error("subscription listener of session " + id, e);
        }
        touch(m); // what the listener offered is flushed at the end of the batch (Session's flush contract)
        Message[] replay = recovery.replay;
        for (Message message : replay) {
            if (deliver(m, message)) {
                replayed++;
            }
        }
    }

    private void unsubscribe(long id, String topicName) {
        Member m = byId.get(id);
        Topic t = topics.get(topicName);
        if (m == null || t == null) {
            return;
        }
        int position = m.topicPosition(t);
        if (position < 0) {
            return;
        }
        t.remove(m, position);
        if (t.size == 0) {
            topics.remove(topicName);
        }
    }

    private void applyPendingLeaves(long sequence) {
        PendingLeave p;
        while ((p = fallbackLeaves.poll()) != null) {
            waitingLeaves.add(p);
        }
        for (int i = waitingLeaves.size() - 1; i >= 0; i--) {
            p = waitingLeaves.get(i);
            if (p.after() <= sequence) {
                leave(p.sessionId());
                waitingLeaves.remove(i);
                hub.pendingLeaves.decrementAndGet();
            }
        }
    }

    /** Applies every leave still waiting, whatever its position; used once processing has ended. */
    void applyAllPendingLeaves() {
        applyPendingLeaves(Long.MAX_VALUE);
    }

    private void closeAll() {
        for (int i = 0; i < memberCount; i++) {
            Member m = members[i];
            try {
                m.session.close(CloseCode.GOING_AWAY, "hub shutting down");
            } catch (Throwable t) {
                error("closing session " + m.id, t);
            }
            try {
                m.session.flush();
            } catch (Throwable t) {
                error("flushing session " + m.id, t);
            }
            members[i] = null;
        }
        memberCount = 0;
        byId.clear();
        topics.clear();
    }

    // ------------------------------------------------------------------------------------------------ delivery

    private void broadcast(Message message, long excludedId) {
        Member[] ms = members;
        int n = memberCount;
        for (int i = 0; i < n; i++) {
            Member m = ms[i];
            if (m.id != excludedId) {
                deliver(m, message);
            }
        }
    }

    private void publish(String topicName, Message message, Message envelope) {
        Topic t = topics.get(topicName);
        if (t == null) {
            return;
        }
        Member[] ms = t.members;
        int n = t.size;
        if (envelope == null) {
            for (int i = 0; i < n; i++) {
                deliver(ms[i], message);
            }
        } else {
            boolean[] wants = t.envelope;
            for (int i = 0; i < n; i++) {
                deliver(ms[i], wants[i] ? envelope : message);
            }
        }
    }

    private void send(long id, Message message) {
        Member m = byId.get(id);
        if (m == null) {
            droppedClosed++;
        } else {
            deliver(m, message);
        }
    }

    /** Offers a message to a member, applying the slow-consumer policy; returns whether it was enqueued. */
    private boolean deliver(Member m, Message message) {
        if (m.slowDisconnected) {
            droppedDisconnect++;
            if (!m.disconnectReported && !abandoning) {
                m.lost++;
                touch(m);
            }
            return false;
        }
        if (abandoning) {
            droppedClosed++;
            return false;
        }
        OfferResult r = offer(m, message);
        if (r == OfferResult.ENQUEUED) {
            delivered++;
            touch(m);
            return true;
        } else if (r == OfferResult.FULL) {
            return onFull(m, message);
        } else {
            droppedClosed++;
            return false;
        }
    }

    /** Offers, turning an exception or a null result into {@link OfferResult#CLOSED}, counted as an error. */
    private OfferResult offer(Member m, Message message) {
        OfferResult r;
        try {
            r = m.session.offer(message);
        } catch (Throwable t) {
            error("offer to session " + m.id, t);
            return OfferResult.CLOSED;
        }
        if (r == null) {
            error("offer to session " + m.id + " returned null", null);
            return OfferResult.CLOSED;
        }
        return r;
    }

    private boolean onFull(Member m, Message message) {
        if (policy == SlowConsumerPolicy.DROP_NEWEST) {
            droppedNewest++;
            m.lost++;
            touch(m);
        } else if (policy == SlowConsumerPolicy.DROP_OLDEST) {
            return dropOldest(m, message);
        } else {
            droppedDisconnect++;
            slowDisconnects++;
            m.slowDisconnected = true;
            m.lost++;
            touch(m);
            try {
                m.session.close(SlowConsumerPolicy.DISCONNECT_CODE, "slow consumer");
            } catch (Throwable t) {
                error("closing slow session " + m.id, t);
            }
        }
        return false;
    }

    /**
     * Evicts the oldest queued message until the new one fits. An eviction moves one message from {@code delivered}
     * to {@code droppedOldest}: the evicted message was counted as delivered when it was enqueued, and is now lost.
     * That keeps {@code delivered + dropped == accepted x members}.
     */
    private boolean dropOldest(Member m, Message message) {
        touch(m);
        for (int i = 0; i < MAX_EVICTIONS_PER_DELIVERY; i++) {
            boolean evicted;
            try {
                evicted = m.session.evictOldest();
            } catch (Throwable t) {
                error("evictOldest on session " + m.id, t);
                evicted = false;
            }
            if (!evicted) {
                break;
            }
            droppedOldest++;
            delivered--;
            m.lost++;
            OfferResult r = offer(m, message);
            if (r == OfferResult.ENQUEUED) {
                delivered++;
                return true;
            }
            if (r != OfferResult.FULL) {
                droppedClosed++;
                return false;
            }
        }
        droppedNewest++;
        m.lost++;
        return false;
    }

    private void touch(Member m) {
        if (m.touchedEpoch != epoch) {
            m.touchedEpoch = epoch;
            if (touchedCount == touched.length) {
                touched = Arrays.copyOf(touched, touchedCount * 2);
            }
            touched[touchedCount++] = m;
        }
    }

    /** Flushes every session touched in this batch once, and reports what each lost. */
    private void endBatch() {
        batches++;
        Member[] t = touched;
        int n = touchedCount;
        for (int i = 0; i < n; i++) {
            Member m = t[i];
            t[i] = null;
            try {
                m.session.flush();
            } catch (Throwable e) {
                error("flush of session " + m.id, e);
            }
            long lost = m.lost;
            if (lost > 0) {
                m.lost = 0;
                try {
                    if (!m.slowDisconnected) {
                        listener.onLagged(m.session, lost);
                    } else if (!m.disconnectReported) {
                        m.disconnectReported = true;
                        listener.onSlowConsumerDisconnected(m.session, lost);
                    }
                } catch (Throwable e) {
                    error("listener on session " + m.id, e);
                }
            }
        }
        touchedCount = 0;
        epoch++;
    }

    // ------------------------------------------------------------------------------------------------ counters

    /** Counts an exception caught on this shard's thread. */
    @Override
    public void error(String what, Throwable t) {
        errors++;
        if (errors <= LOUD_ERRORS || errors % 1000 == 0) {
            LOG.warn("hub shard {}: {} failed (error #{} on this shard)", index, what, errors, t);
        } else {
            LOG.debug("hub shard {}: {} failed", index, what, t);
        }
    }

    private void publishCounters() {
        AtomicLongArray p = published;
        p.lazySet(C_DELIVERED, delivered);
        p.lazySet(C_DROPPED_NEWEST, droppedNewest);
        p.lazySet(C_DROPPED_OLDEST, droppedOldest);
        p.lazySet(C_DROPPED_DISCONNECT, droppedDisconnect);
        p.lazySet(C_DROPPED_CLOSED, droppedClosed);
        p.lazySet(C_SLOW_DISCONNECTS, slowDisconnects);
        p.lazySet(C_ERRORS, errors);
        p.lazySet(C_SESSIONS, memberCount);
        p.lazySet(C_BATCHES, batches);
        p.lazySet(C_REPLAYED, replayed);
        p.lazySet(C_RECOVERED, recovered);
        p.lazySet(C_NOT_RECOVERED, notRecovered);
    }

    /** Publishes the counters after the shutdown thread changed them (called once this shard's thread has ended). */
    void finish() {
        applyAllPendingLeaves();
        if (memberCount > 0) {
            closeAll();
        }
        publishCounters();
    }

    @Override
    public void onStart() {
        LOG.debug("hub shard {} of {} started on {}", index, shardCount, Thread.currentThread().getName());
    }

    @Override
    public void onShutdown() {
        publishCounters();
    }
}
