package io.wshub.api;

/**
 * The outcome of a {@link Hub} operation. A hub never blocks its caller, so a full hub answers instead of waiting.
 *
 * <p>Thread-safety: immutable.
 */
public enum PublishResult {
    /** The operation was sequenced; the hub will carry it out, and count every delivery it cannot make. */
    ACCEPTED,
    /** The hub's queue is full; nothing was sequenced. The caller decides: retry later, drop, or close the sender. */
    BACKPRESSURED,
    /** The hub is shut down or shutting down; nothing was sequenced. */
    CLOSED,
    /**
     * A backplane the hub needs to reach every node (Redis, for {@code hub-redis}) is unreachable; nothing was
     * sequenced, not even locally, since a local-only delivery would pretend to be cluster-wide. The hub counts it and
     * answers at once; it reconnects by itself.
     */
    UNAVAILABLE
}
