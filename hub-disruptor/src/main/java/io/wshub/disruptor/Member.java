package io.wshub.disruptor;

import io.wshub.api.Session;

/**
 * A joined session and its per-session fan-out state, owned by the shard's thread.
 *
 * <p>Thread-safety: touched only by the owning shard's fan-out thread (or the shutdown thread after it has ended).
 */
final class Member {

    private static final Topic[] NO_TOPICS = new Topic[0];
    private static final int[] NO_SLOTS = new int[0];

    final Session session;
    final long id;
    /** Index in the shard's member array. */
    int index;
    /** The batch epoch in which this member was last added to the touched list. */
    long touchedEpoch;
    /** Messages lost in the current batch, reported at its end. */
    long lost;
    /** Closed as a slow consumer; every later delivery is counted as dropped. */
    boolean slowDisconnected;
    /** The disconnect has been reported to the listener. */
    boolean disconnectReported;
    /**
     * The topics this member is subscribed to, and its index in each topic's member array. Empty shared arrays until
     * the first subscribe: a session that only receives broadcasts (most of them) keeps no topic arrays.
     */
    Topic[] topics = NO_TOPICS;
    int[] topicSlots = NO_SLOTS;
    int topicCount;

    Member(Session session, long id) {
        this.session = session;
        this.id = id;
    }

    int topicPosition(Topic topic) {
        for (int i = 0; i < topicCount; i++) {
            if (topics[i] == topic) {
                return i;
            }
        }
        return -1;
    }
}
