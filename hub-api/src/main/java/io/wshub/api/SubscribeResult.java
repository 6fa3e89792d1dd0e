package io.wshub.api;

/**
 * The outcome of a subscription made with {@link SubscribeOptions}: whether the session was brought back to where it
 * was, how many publications were replayed to it, and where the topic stands now.
 *
 * <p>Recovery is all or nothing. When {@link #recovered()} is true, {@link #replayed()} publications (every one after
 * the requested position) were offered to the session right after this result was reported and before any live
 * publication. When it is false, nothing old was offered; the application should reload its state and continue from
 * {@link #position()}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param topic the topic; never null
 * @param recovering whether the subscription named a position to recover from
 * @param recovered whether every publication after that position was replayed; always false when not recovering
 * @param replayed how many publications were replayed, 0 unless recovered
 * @param position the topic's current position, the last publication sequenced before this subscription; null if
 *                 the topic has no history
 */
public record SubscribeResult(String topic, boolean recovering, boolean recovered, long replayed,
                              StreamPosition position) {

    /**
     * Validates.
     *
     * @param topic the topic; not null
     * @param recovering whether a position was named
     * @param recovered whether it was recovered
     * @param replayed how many publications were replayed
     * @param position the current position, or null
     * @throws IllegalArgumentException if the fields contradict each other
     */
    public SubscribeResult {
        java.util.Objects.requireNonNull(topic, "topic");
        if (recovered && !recovering) {
            throw new IllegalArgumentException("a subscription that named no position cannot be recovered");
        }
        if (replayed < 0 || (!recovered && replayed != 0)) {
            throw new IllegalArgumentException("replayed must be 0 unless recovered, was " + replayed);
        }
        if (recovered && position == null) {
            throw new IllegalArgumentException("a recovered subscription has a position");
        }
    }
}
