package io.wshub.api;

/**
 * What a hub does when a session's bounded outbound queue refuses a message ({@link OfferResult#FULL}). Whatever the
 * policy, the hub counts every message it could not deliver ({@link HubStats}) and tells its {@link HubListener} how
 * many messages the client lost, and one slow session never delays the others.
 *
 * <p>Thread-safety: immutable.
 */
public enum SlowConsumerPolicy {
    /**
     * Close the session with {@link #DISCONNECT_CODE} (1013, try again later): the client reconnects and resyncs
     * rather than silently missing messages. The refused message and anything sent to the session afterwards are
     * counted as dropped.
     */
    DISCONNECT,
    /** Drop the message that did not fit; the client keeps what was already queued. */
    DROP_NEWEST,
    /**
     * Evict the oldest queued message ({@link Session#evictOldest()}) until the new one fits; if nothing can be
     * evicted, drop the new one. The client gets the most recent messages, as a live feed wants.
     */
    DROP_OLDEST;

    /**
     * The close code of {@link #DISCONNECT}: 1013 (try again later). It tells the client the server is not refusing
     * it for what it sent but because it could not keep up, and that reconnecting later is expected.
     */
    public static final CloseCode DISCONNECT_CODE = CloseCode.TRY_AGAIN_LATER;
}
