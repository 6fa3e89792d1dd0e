package io.wshub.api;

/**
 * A snapshot of a hub's counters. Each counter only grows, except {@code backlog} and {@code sessions}, which are
 * current values, and {@code delivered}, which is net of evictions: under {@link SlowConsumerPolicy#DROP_OLDEST} an
 * evicted message moves from {@code delivered} to {@code droppedOldest}. For a fixed membership of {@code m} sessions
 * and broadcasts only, once the backlog is drained: {@code delivered + dropped() == accepted × m} (replays from
 * history add deliveries beyond that, counted in {@code replayed}).
 *
 * @param accepted messages accepted for fan-out (broadcasts, topic publishes and direct sends; not membership
 *                 operations)
 * @param backpressured operations refused with {@link PublishResult#BACKPRESSURED}
 * @param delivered messages a session accepted with {@link OfferResult#ENQUEUED}
 * @param droppedNewest deliveries dropped because a queue was full under {@link SlowConsumerPolicy#DROP_NEWEST} (or
 *                      under {@link SlowConsumerPolicy#DROP_OLDEST} when nothing could be evicted)
 * @param droppedOldest queued messages evicted under {@link SlowConsumerPolicy#DROP_OLDEST}
 * @param droppedDisconnect deliveries lost because the session was being disconnected as a slow consumer
 * @param droppedClosed deliveries to a session that had already closed ({@link OfferResult#CLOSED}), to an unknown
 *                      session id, whose {@code offer} threw, or that shutdown abandoned
 * @param slowDisconnects sessions closed under {@link SlowConsumerPolicy#DISCONNECT}
 * @param errors exceptions thrown by sessions or listeners and caught by the hub
 * @param backlog operations sequenced but not yet processed by every fan-out thread; 0 means everything accepted has
 *                been carried out
 * @param sessions sessions currently joined
 * @param replayed publications replayed from history to recovering subscribers and enqueued (also counted in
 *                 {@code delivered}; a replayed delivery that is dropped is counted with its drop reason)
 * @param recovered subscriptions that named a position and were recovered
 * @param notRecovered subscriptions that named a position the history no longer covered
 */
public record HubStats(long accepted, long backpressured, long delivered, long droppedNewest, long droppedOldest,
                       long droppedDisconnect, long droppedClosed, long slowDisconnects, long errors, long backlog,
                       int sessions, long replayed, long recovered, long notRecovered) {

    /**
     * Creates the stats of a hub that keeps no history ({@code replayed}, {@code recovered} and
     * {@code notRecovered} are 0).
     *
     * @param accepted see the record's description
     * @param backpressured see the record's description
     * @param delivered see the record's description
     * @param droppedNewest see the record's description
     * @param droppedOldest see the record's description
     * @param droppedDisconnect see the record's description
     * @param droppedClosed see the record's description
     * @param slowDisconnects see the record's description
     * @param errors see the record's description
     * @param backlog see the record's description
     * @param sessions see the record's description
     */
    public HubStats(long accepted, long backpressured, long delivered, long droppedNewest, long droppedOldest,
                    long droppedDisconnect, long droppedClosed, long slowDisconnects, long errors, long backlog,
                    int sessions) {
        this(accepted, backpressured, delivered, droppedNewest, droppedOldest, droppedDisconnect, droppedClosed,
                slowDisconnects, errors, backlog, sessions, 0L, 0L, 0L);
    }

    /**
     * Returns every dropped delivery, whatever the reason.
     *
     * @return the sum of the dropped counters
     */
    public long dropped() {
        return droppedNewest + droppedOldest + droppedDisconnect + droppedClosed;
    }
}
