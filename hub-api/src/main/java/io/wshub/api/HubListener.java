package io.wshub.api;

/**
 * Receives a hub's reports about individual sessions: how far a slow client fell behind, in the way a lagging
 * broadcast receiver is told how many messages it missed.
 *
 * <p>Threading: called on the hub's fan-out threads, never concurrently for the same session. Implementations must
 * be fast and must never block; an exception thrown here is logged and counted, never propagated.
 */
public interface HubListener {

    /** A listener that ignores every report. */
    HubListener NONE = new HubListener() {
    };

    /**
     * Reports that messages meant for this session were dropped under {@link SlowConsumerPolicy#DROP_NEWEST} or
     * {@link SlowConsumerPolicy#DROP_OLDEST}. Called at most once per session per fan-out batch.
     *
     * @param session the lagging session; never null
     * @param lost how many messages it lost in this batch, 1 or more
     */
    default void onLagged(Session session, long lost) {
    }

    /**
     * Reports that a session was closed under {@link SlowConsumerPolicy#DISCONNECT}.
     *
     * @param session the session, already asked to close; never null
     * @param lost how many messages it lost, the refused one included, 1 or more
     */
    default void onSlowConsumerDisconnected(Session session, long lost) {
    }
}
