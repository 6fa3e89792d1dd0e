package io.wshub.testkit;

import io.wshub.api.HistoryConfig;
import io.wshub.api.HubListener;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeResult;
import io.wshub.api.SubscriptionListener;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The deliberately broken hubs of the testkit's self-tests: the {@link ReferenceHub} itself, with each
 * {@link Breakage} built in by overriding one of its package-private fan-out steps (or by handing it a changed
 * policy, listener, history configuration or epoch), so each breaks one rule on purpose and everything else is the
 * reference hub's. Started with no breakage it is the reference hub. It lives in the testkit's package, in test
 * sources, because those steps are package-private.
 *
 * <p>Thread-safety: as {@link ReferenceHub}; the state the breakages keep is the fan-out thread's.
 */
public final class BrokenReferenceHub extends ReferenceHub {

    /** A deliberate defect. */
    public enum Breakage {
        /**
         * Delivers each pair of consecutive broadcasts in a different order to every second member (a broadcast waits
         * for the next one, or for shutdown).
         */
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
        /** History: the last replayed publication is offered twice, at the seam with the live ones. */
        DUPLICATE_SEAM,
        /** History: the last publication to replay is left out (and still counted). */
        DROP_SEAM,
        /** History: the envelope is built again for each opted-in recipient. */
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

    /** A session's subscription to one topic. */
    private record SubscriptionKey(long sessionId, String topic) {
    }

    private final Set<Breakage> breakages;

    // fan-out thread only
    private final Map<SubscriptionKey, long[]> perSubscriberOffsets = new HashMap<>();
    private Message heldBroadcast;
    private long heldExcluded;
    private Message lastBroadcast;

    private BrokenReferenceHub(SlowConsumerPolicy policy, HubListener listener, int capacity, HistoryConfig history,
                               Set<Breakage> breakages) {
        super(breakages.contains(Breakage.ALWAYS_DROP_NEWEST) ? SlowConsumerPolicy.DROP_NEWEST : policy,
                breakages.contains(Breakage.NO_LAG_REPORT) ? withoutLagReports(listener) : listener, capacity,
                history == null ? null : broken(history, breakages),
                breakages.contains(Breakage.CONSTANT_EPOCH) ? "1" : newEpoch());
        this.breakages = breakages.isEmpty() ? EnumSet.noneOf(Breakage.class) : EnumSet.copyOf(breakages);
    }

    /**
     * Starts a hub.
     *
     * @param policy the slow-consumer policy; not null
     * @param listener the listener; not null
     * @param capacity how many operations may wait for fan-out before publishers get BACKPRESSURED
     * @param breakages the defects to build in; empty for the reference hub
     * @return the started hub
     */
    public static BrokenReferenceHub start(SlowConsumerPolicy policy, HubListener listener, int capacity,
                                           Set<Breakage> breakages) {
        BrokenReferenceHub hub = new BrokenReferenceHub(policy, listener, capacity, null, breakages);
        hub.startFanOut();
        return hub;
    }

    /**
     * Starts a hub that keeps topic history.
     *
     * @param policy the slow-consumer policy; not null
     * @param listener the listener; not null
     * @param capacity how many operations may wait for fan-out before publishers get BACKPRESSURED
     * @param history the history configuration; not null
     * @param breakages the defects to build in; empty for the reference hub
     * @return the started hub
     */
    public static BrokenReferenceHub startWithHistory(SlowConsumerPolicy policy, HubListener listener, int capacity,
                                                      HistoryConfig history, Set<Breakage> breakages) {
        BrokenReferenceHub hub = new BrokenReferenceHub(policy, listener, capacity,
                Objects.requireNonNull(history, "history"), breakages);
        hub.startFanOut();
        return hub;
    }

    private boolean has(Breakage b) {
        return breakages.contains(b);
    }

    /** NO_LAG_REPORT: the listener as the hub sees it, without onLagged. */
    private static HubListener withoutLagReports(HubListener listener) {
        return new HubListener() {
            @Override
            public void onSlowConsumerDisconnected(Session session, long lost) {
                listener.onSlowConsumerDisconnected(session, lost);
            }
        };
    }

    /** IGNORE_TTL and HISTORY_FOR_EVERY_TOPIC: the configuration as the hub sees it. */
    private static HistoryConfig broken(HistoryConfig history, Set<Breakage> breakages) {
        boolean ignoreTtl = breakages.contains(Breakage.IGNORE_TTL);
        boolean everyTopic = breakages.contains(Breakage.HISTORY_FOR_EVERY_TOPIC);
        if (!ignoreTtl && !everyTopic) {
            return history;
        }
        return HistoryConfig.builder()
                .maxPublications(history.maxPublications())
                .ttl(ignoreTtl ? HistoryConfig.MAX_TTL : history.ttl())
                .topics(everyTopic ? topic -> true : history::hasHistory)
                .envelope(history.envelope())
                .build();
    }

    // ------------------------------------------------------------------------------------------------ publishing side

    @Override
    PublishResult submit(Op op) {
        PublishResult r = super.submit(op);
        if (r == PublishResult.CLOSED && has(Breakage.ACCEPT_AFTER_SHUTDOWN)) {
            return PublishResult.ACCEPTED;
        }
        if (r == PublishResult.BACKPRESSURED && has(Breakage.SILENT_DROP_WHEN_FULL)) {
            return PublishResult.ACCEPTED;
        }
        return r;
    }

    @Override
    public HubStats stats() {
        HubStats s = super.stats();
        if (!has(Breakage.NO_HISTORY_STATS)) {
            return s;
        }
        return new HubStats(s.accepted(), s.backpressured(), s.delivered(), s.droppedNewest(), s.droppedOldest(),
                s.droppedDisconnect(), s.droppedClosed(), s.slowDisconnects(), s.errors(), s.backlog(), s.sessions(),
                0, 0, 0);
    }

    // ------------------------------------------------------------------------------------------------ fan-out steps

    @Override
    void onJoin(Session session) {
        super.onJoin(session);
        if (has(Breakage.REPLAY_ON_JOIN) && lastBroadcast != null) {
            deliver(session, lastBroadcast);
        }
    }

    @Override
    void onLeave(Session session) {
        if (!has(Breakage.IGNORE_LEAVE)) {
            super.onLeave(session);
        }
    }

    @Override
    void onBroadcast(Message message, long excludedSessionId) {
        long excluded = has(Breakage.IGNORE_EXCLUDE) ? NO_SESSION : excludedSessionId;
        lastBroadcast = message;
        if (!has(Breakage.REORDER)) {
            super.onBroadcast(message, excluded);
            return;
        }
        if (heldBroadcast == null) {
            heldBroadcast = message;
            heldExcluded = excluded;
            return;
        }
        // members at even positions get the pair in order, members at odd positions swapped
        int index = 0;
        for (Session s : members()) {
            boolean swapped = index++ % 2 == 1;
            broadcastTo(s, swapped ? message : heldBroadcast, swapped ? excluded : heldExcluded);
            broadcastTo(s, swapped ? heldBroadcast : message, swapped ? heldExcluded : excluded);
        }
        heldBroadcast = null;
    }

    private void broadcastTo(Session s, Message message, long excluded) {
        if (excluded == NO_SESSION || s.id() != excluded) {
            deliver(s, message);
        }
    }

    @Override
    void onSend(long sessionId, Message message) {
        if (!has(Breakage.SEND_AS_BROADCAST)) {
            super.onSend(sessionId, message);
            return;
        }
        for (Session s : members()) {
            deliver(s, message);
        }
    }

    @Override
    void onPublish(String topic, Message raw) {
        super.onPublish(topic, raw);
        if (has(Breakage.TOPIC_AS_BROADCAST)) {
            for (Session s : members()) {
                if (!subscribes(s.id(), topic)) {
                    deliver(s, raw);
                }
            }
        }
    }

    @Override
    Message messageFor(Session s, String topic, Entry e, boolean wantsEnvelope) {
        if (!wantsEnvelope && !has(Breakage.ENVELOPE_TO_EVERYONE)) {
            return e.raw();
        }
        if (has(Breakage.PER_SUBSCRIBER_OFFSETS)) {
            long[] n = perSubscriberOffsets.computeIfAbsent(new SubscriptionKey(s.id(), topic), k -> new long[1]);
            return wrap(topic, ++n[0], e.raw());
        }
        if (has(Breakage.ENVELOPE_PER_RECIPIENT)) {
            return wrap(topic, e.offset(), e.raw());
        }
        return super.messageFor(s, topic, e, true);
    }

    @Override
    List<Entry> coverage(TopicHistory h, StreamPosition since) {
        StreamPosition position = has(Breakage.IGNORE_EPOCH) ? new StreamPosition(since.offset(), epoch()) : since;
        List<Entry> covered = super.coverage(h, position);
        if (covered != null || !position.epoch().equals(epoch())) {
            return covered;
        }
        if (position.offset() > h.last) {
            return has(Breakage.FUTURE_OFFSET_RECOVERED) ? List.of() : null;
        }
        return has(Breakage.PARTIAL_RECOVERY) ? h.after(position.offset()) : null;
    }

    @Override
    void announceAndReplay(Session s, SubscriptionListener l, SubscribeResult result, List<Entry> replay,
                           boolean wantsEnvelope) {
        SubscribeResult told = has(Breakage.RESULT_WITHOUT_REPLAY_COUNT)
                ? new SubscribeResult(result.topic(), result.recovering(), result.recovered(), 0, result.position())
                : result;
        List<Entry> offered = replay;
        if (replay != null && !replay.isEmpty() && has(Breakage.DROP_SEAM)) {
            offered = replay.subList(0, replay.size() - 1);
        }
        if (replay != null && !replay.isEmpty() && has(Breakage.DUPLICATE_SEAM)) {
            offered = new ArrayList<>(replay);
            offered.add(replay.get(replay.size() - 1));
        }
        if (!has(Breakage.LISTENER_AFTER_REPLAY)) {
            super.announceAndReplay(s, l, told, offered, wantsEnvelope);
            return;
        }
        if (offered != null) {
            replay(s, told.topic(), offered, wantsEnvelope);
        }
        tell(l, s, told);
    }

    @Override
    boolean deliver(Session s, Message m) {
        return super.deliver(s, has(Breakage.COPY_PER_MEMBER) ? Message.binary(m.payload()) : m);
    }

    @Override
    void contain(RuntimeException e) {
        if (!has(Breakage.UNCAUGHT_EXCEPTIONS)) {
            super.contain(e);
            return;
        }
        // the fan-out thread dies of it, on purpose; keep the build log quiet about that
        Thread.currentThread().setUncaughtExceptionHandler((t, x) -> { });
        throw e;
    }

    @Override
    void closeAll() {
        if (heldBroadcast != null) {
            for (Session s : members()) {
                broadcastTo(s, heldBroadcast, heldExcluded);
            }
            heldBroadcast = null;
        }
        if (!has(Breakage.NO_CLOSE_ON_SHUTDOWN)) {
            super.closeAll();
        }
    }
}
