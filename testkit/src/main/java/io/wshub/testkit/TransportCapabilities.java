package io.wshub.testkit;

/**
 * What a transport under test can do beyond the required rules. Each flag enables the {@code optional_...} rules that
 * need it; a flag that is off makes those rules skipped with a reason, never passed.
 *
 * <p>Thread-safety: immutable. Built with {@link #builder()}; {@link #full()} has every capability.
 */
public final class TransportCapabilities {

    private static final TransportCapabilities FULL = builder().build();

    private final boolean exactRejectStatus;
    private final boolean subprotocols;

    private TransportCapabilities(Builder b) {
        this.exactRejectStatus = b.exactRejectStatus;
        this.subprotocols = b.subprotocols;
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
     * Returns the capabilities of a transport that supports everything.
     *
     * @return every capability enabled
     */
    public static TransportCapabilities full() {
        return FULL;
    }

    /**
     * Returns whether the transport answers a {@link io.wshub.api.HandshakePolicy} rejection with the policy's exact
     * HTTP status (Java-WebSocket, for one, can only answer 404).
     *
     * @return whether the exact status is sent
     */
    public boolean exactRejectStatus() {
        return exactRejectStatus;
    }

    /**
     * Returns whether the transport negotiates subprotocols ({@code Sec-WebSocket-Protocol}).
     *
     * @return whether subprotocols are supported
     */
    public boolean subprotocols() {
        return subprotocols;
    }

    @Override
    public String toString() {
        return "TransportCapabilities[exactRejectStatus=" + exactRejectStatus + ", subprotocols=" + subprotocols + "]";
    }

    /**
     * A builder for {@link TransportCapabilities}; every capability starts enabled.
     *
     * <p>Thread-safety: not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private boolean exactRejectStatus = true;
        private boolean subprotocols = true;

        private Builder() {
        }

        /**
         * Sets whether a policy rejection is answered with the policy's exact status.
         *
         * @param supported whether it is
         * @return this builder
         */
        public Builder exactRejectStatus(boolean supported) {
            this.exactRejectStatus = supported;
            return this;
        }

        /**
         * Sets whether subprotocols are negotiated.
         *
         * @param supported whether they are
         * @return this builder
         */
        public Builder subprotocols(boolean supported) {
            this.subprotocols = supported;
            return this;
        }

        /**
         * Builds the capabilities.
         *
         * @return the capabilities
         */
        public TransportCapabilities build() {
            return new TransportCapabilities(this);
        }
    }
}
