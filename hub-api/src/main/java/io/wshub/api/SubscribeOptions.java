package io.wshub.api;

import java.util.Objects;

/**
 * How a session subscribes to a topic with history ({@link Hub#subscribe(Session, String, SubscribeOptions)}): from
 * which position to recover, whether to receive each publication in the hub's {@link Envelope}, and who is told the
 * outcome.
 *
 * <p>Recovery ({@link #since()}): in the hub's total order, the session receives every publication after that position,
 * in order, exactly once, and then the live ones, with no gap and no duplicate at the seam; or, if the history no
 * longer covers the position (trimmed by size or age, or another epoch), nothing old and a result that says
 * <em>not recovered</em>. Never a partial recovery.
 *
 * <p>Live gaps: a slow-consumer policy may drop a publication for one session. A session that receives envelopes sees
 * the offset jump; the way to repair it is to subscribe again from the last position it has.
 *
 * <p>Thread-safety: immutable. Built with {@link #builder()}.
 */
public final class SubscribeOptions {

    private static final SubscribeOptions PLAIN = builder().build();

    private final StreamPosition since;
    private final boolean envelope;
    private final SubscriptionListener listener;

    private SubscribeOptions(Builder b) {
        this.since = b.since;
        this.envelope = b.envelope;
        this.listener = b.listener;
    }

    /**
     * Returns a builder: no position, no envelope, nobody told.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the options of a plain subscription, the same as {@link Hub#subscribe(Session, String)}.
     *
     * @return options with no position, no envelope and no listener
     */
    public static SubscribeOptions plain() {
        return PLAIN;
    }

    /**
     * Returns the position to recover from.
     *
     * @return the position, or null to start with the next live publication
     */
    public StreamPosition since() {
        return since;
    }

    /**
     * Returns whether the session receives each publication of a topic with history as the hub's {@link Envelope}
     * builds it, instead of the raw message.
     *
     * @return whether the session asked for envelopes
     */
    public boolean envelope() {
        return envelope;
    }

    /**
     * Returns who is told the outcome.
     *
     * @return the listener; {@link SubscriptionListener#NONE} by default, never null
     */
    public SubscriptionListener listener() {
        return listener;
    }

    /**
     * Returns whether these options ask for nothing beyond a plain subscription.
     *
     * @return {@code true} without a position, an envelope or a listener
     */
    public boolean isPlain() {
        return since == null && !envelope && listener == SubscriptionListener.NONE;
    }

    @Override
    public String toString() {
        return "SubscribeOptions[since=" + since + ", envelope=" + envelope + "]";
    }

    /**
     * A builder for {@link SubscribeOptions}.
     *
     * <p>Thread-safety: not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private StreamPosition since;
        private boolean envelope;
        private SubscriptionListener listener = SubscriptionListener.NONE;

        private Builder() {
        }

        /**
         * Sets the position to recover from.
         *
         * @param position the last position the client has, or null for none
         * @return this builder
         */
        public Builder since(StreamPosition position) {
            this.since = position;
            return this;
        }

        /**
         * Sets whether the session receives envelopes.
         *
         * @param wanted whether it does
         * @return this builder
         */
        public Builder envelope(boolean wanted) {
            this.envelope = wanted;
            return this;
        }

        /**
         * Sets who is told the outcome.
         *
         * @param listener the listener; not null
         * @return this builder
         */
        public Builder listener(SubscriptionListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         */
        public SubscribeOptions build() {
            return new SubscribeOptions(this);
        }
    }
}
