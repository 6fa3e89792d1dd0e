package io.wshub.api;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Bounds and shape of a hub's topic history: which topics keep one, how many publications and for how long each
 * keeps, and the {@link Envelope} that carries positions to sessions that ask for them. A hub without a history
 * configuration keeps none (that is the default of every hub in this repository).
 *
 * <p>Each topic with history keeps at most {@link #maxPublications()} publications, none older than {@link #ttl()};
 * whichever bound is reached first trims the oldest. A recovery needs every publication after the requested position,
 * so a client that was away longer than the TTL, or missed more than the size, is told "not recovered".
 *
 * <p>Thread-safety: immutable. Built with {@link #builder()}; {@link #builder()}{@code .build()} gives the defaults.
 */
public final class HistoryConfig {

    /** The default number of publications kept per topic. */
    public static final int DEFAULT_MAX_PUBLICATIONS = 1_000;
    /** The most publications a topic may keep. */
    public static final int MAX_MAX_PUBLICATIONS = 1 << 20;
    /** The default age after which a publication leaves the history. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    /** The shortest TTL accepted. */
    public static final Duration MIN_TTL = Duration.ofMillis(1);
    /** The longest TTL accepted. */
    public static final Duration MAX_TTL = Duration.ofDays(30);

    private final int maxPublications;
    private final Duration ttl;
    private final Predicate<String> topics;
    private final Envelope envelope;

    private HistoryConfig(Builder b) {
        this.maxPublications = b.maxPublications;
        this.ttl = b.ttl;
        this.topics = b.topics;
        this.envelope = b.envelope;
    }

    /**
     * Returns a builder with the defaults: every topic, {@value #DEFAULT_MAX_PUBLICATIONS} publications, 5 minutes,
     * no envelope.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns how many publications each topic keeps at most.
     *
     * @return 1 to {@value #MAX_MAX_PUBLICATIONS}
     */
    public int maxPublications() {
        return maxPublications;
    }

    /**
     * Returns how long a publication stays in its topic's history.
     *
     * @return the TTL, {@link #MIN_TTL} to {@link #MAX_TTL}
     */
    public Duration ttl() {
        return ttl;
    }

    /**
     * Returns whether a topic keeps a history. A hub may evaluate it for every publication and subscription, so the
     * predicate must be fast and give the same answer for a topic every time.
     *
     * @param topic the topic; not null
     * @return {@code true} if the topic has history
     */
    public boolean hasHistory(String topic) {
        return topics.test(topic);
    }

    /**
     * Returns the envelope opted-in sessions receive.
     *
     * @return the envelope, or null if there is none (opted-in sessions then receive the raw message)
     */
    public Envelope envelope() {
        return envelope;
    }

    @Override
    public String toString() {
        return "HistoryConfig[maxPublications=" + maxPublications + ", ttl=" + ttl + ", envelope="
                + (envelope != null) + "]";
    }

    /**
     * A builder for {@link HistoryConfig}; {@link #build()} validates.
     *
     * <p>Thread-safety: not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private int maxPublications = DEFAULT_MAX_PUBLICATIONS;
        private Duration ttl = DEFAULT_TTL;
        private Predicate<String> topics = t -> true;
        private Envelope envelope;

        private Builder() {
        }

        /**
         * Sets how many publications each topic keeps at most.
         *
         * @param maxPublications 1 to {@value #MAX_MAX_PUBLICATIONS}
         * @return this builder
         */
        public Builder maxPublications(int maxPublications) {
            this.maxPublications = maxPublications;
            return this;
        }

        /**
         * Sets how long a publication stays in its topic's history.
         *
         * @param ttl {@link #MIN_TTL} to {@link #MAX_TTL}; not null
         * @return this builder
         */
        public Builder ttl(Duration ttl) {
            this.ttl = Objects.requireNonNull(ttl, "ttl");
            return this;
        }

        /**
         * Sets which topics keep a history (default: every topic).
         *
         * @param topics a predicate over topic names; not null; must be fast and side-effect free
         * @return this builder
         */
        public Builder topics(Predicate<String> topics) {
            this.topics = Objects.requireNonNull(topics, "topics");
            return this;
        }

        /**
         * Sets the envelope opted-in sessions receive.
         *
         * @param envelope the envelope, or null for none
         * @return this builder
         */
        public Builder envelope(Envelope envelope) {
            this.envelope = envelope;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the field that is out of range
         */
        public HistoryConfig build() {
            if (maxPublications < 1 || maxPublications > MAX_MAX_PUBLICATIONS) {
                throw new IllegalArgumentException("HistoryConfig.maxPublications must be 1 to "
                        + MAX_MAX_PUBLICATIONS + ", was " + maxPublications);
            }
            if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
                throw new IllegalArgumentException("HistoryConfig.ttl must be " + MIN_TTL + " to " + MAX_TTL
                        + ", was " + ttl);
            }
            return new HistoryConfig(this);
        }
    }
}
