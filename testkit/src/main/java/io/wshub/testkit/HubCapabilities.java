package io.wshub.testkit;

/**
 * What a hub under test can do beyond the required rules. A flag that is off makes the {@code optional_...} rules that
 * need it skipped with a reason, never passed.
 *
 * <p>Thread-safety: immutable. Built with {@link #builder()}; {@link #full()} has every capability.
 */
public final class HubCapabilities {

    private static final HubCapabilities FULL = builder().build();

    private final boolean backpressure;
    private final boolean history;

    private HubCapabilities(Builder b) {
        this.backpressure = b.backpressure;
        this.history = b.history;
    }

    /**
     * Returns a builder that starts with every capability enabled.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the capabilities of a hub that supports everything.
     *
     * @return every capability enabled
     */
    public static HubCapabilities full() {
        return FULL;
    }

    /**
     * Returns whether the hub has a bounded queue of its own between publishers and fan-out, so that publishing
     * faster than fan-out eventually answers {@link io.wshub.api.PublishResult#BACKPRESSURED}. A hub that fans out on
     * the publisher's thread has no such queue and cannot be forced into backpressure.
     *
     * @return whether backpressure can be forced by stalling fan-out
     */
    public boolean backpressure() {
        return backpressure;
    }

    /**
     * Returns whether the hub keeps topic history ({@link io.wshub.api.Hub#supportsHistory()}): positions, recovery
     * and envelopes. The {@code optional_history_...} rules also need {@code HubVerification.newHistoryHub} to return
     * such a hub; they are skipped with a reason when this flag is off, when that factory returns null (its default),
     * or when the hub it returns says {@code supportsHistory() == false}.
     *
     * @return whether the history rules should run
     */
    public boolean history() {
        return history;
    }

    @Override
    public String toString() {
        return "HubCapabilities[backpressure=" + backpressure + ", history=" + history + "]";
    }

    /**
     * A builder for {@link HubCapabilities}; every capability starts enabled.
     *
     * <p>Thread-safety: not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private boolean backpressure = true;
        private boolean history = true;

        private Builder() {
        }

        /**
         * Sets whether backpressure can be forced by stalling fan-out.
         *
         * @param supported whether it can
         * @return this builder
         */
        public Builder backpressure(boolean supported) {
            this.backpressure = supported;
            return this;
        }

        /**
         * Sets whether the hub keeps topic history, so that the {@code optional_history_...} rules run.
         *
         * @param supported whether it does
         * @return this builder
         */
        public Builder history(boolean supported) {
            this.history = supported;
            return this;
        }

        /**
         * Builds the capabilities.
         *
         * @return the capabilities
         */
        public HubCapabilities build() {
            return new HubCapabilities(this);
        }
    }
}
