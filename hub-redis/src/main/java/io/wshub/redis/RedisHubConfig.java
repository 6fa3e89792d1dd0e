package io.wshub.redis;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.Objects;

/**
 * The configuration of a {@link RedisHub} node. Every node of one hub points at the same Redis with the same
 * {@link Builder#prefix prefix}, stream size and TTLs.
 *
 * <p>Defaults: prefix {@code wshub}, a stream of at most 1,000 publications per topic kept 5 minutes, topic metadata
 * (offset and epoch) kept 1 day, command and connect timeouts of 2 s, a liveness probe every second that must come
 * back within 3 s, and an inbound queue of 65,536 messages.
 *
 * <p>Thread-safety: immutable.
 */
public final class RedisHubConfig {

    /** The largest stream size per topic. */
    public static final int MAX_STREAM_SIZE = 1 << 20;

    private final String uri;
    private final RedisURI redisUri;
    private final String prefix;
    private final int streamSize;
    private final Duration streamTtl;
    private final Duration metaTtl;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final Duration startTimeout;
    private final Duration probeInterval;
    private final Duration probeTimeout;
    private final int inboundQueue;
    private final int maxInFlight;

    private RedisHubConfig(Builder b) {
        this.uri = b.uri;
        this.redisUri = b.redisUri;
        this.prefix = b.prefix;
        this.streamSize = b.streamSize;
        this.streamTtl = b.streamTtl;
        this.metaTtl = b.metaTtl;
        this.commandTimeout = b.commandTimeout;
        this.connectTimeout = b.connectTimeout;
        this.startTimeout = b.startTimeout;
        this.probeInterval = b.probeInterval;
        this.probeTimeout = b.probeTimeout;
        this.inboundQueue = b.inboundQueue;
        this.maxInFlight = b.maxInFlight;
    }

    /**
     * Starts a builder.
     *
     * @param uri the Redis URI, such as {@code redis://127.0.0.1:6379}; not null
     * @return a builder with the defaults
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    /**
     * Returns the Redis URI as given.
     *
     * @return the Redis URI as given
     */
    public String uri() {
        return uri;
    }

    RedisURI redisUri() {
        return redisUri;
    }

    /**
     * Returns the Redis address for messages and logs, without any password.
     *
     * @return such as {@code redis://127.0.0.1:6379} or {@code rediss://host:6380/2}
     */
    public String address() {
        String scheme = redisUri.isSsl() ? "rediss://" : "redis://";
        String host = redisUri.getHost() == null ? redisUri.getSocket() : redisUri.getHost() + ":"
                + redisUri.getPort();
        return scheme + host + (redisUri.getDatabase() == 0 ? "" : "/" + redisUri.getDatabase());
    }

    /**
     * Returns the prefix of every key and channel this hub uses.
     *
     * @return the prefix of every key and channel this hub uses
     */
    public String prefix() {
        return prefix;
    }

    /**
     * Returns the most publications a topic's Redis Stream keeps.
     *
     * @return the most publications a topic's Redis Stream keeps
     */
    public int streamSize() {
        return streamSize;
    }

    /**
     * Returns how long a topic's stream is kept after its last publication.
     *
     * @return how long a topic's stream is kept after its last publication
     */
    public Duration streamTtl() {
        return streamTtl;
    }

    /**
     * Returns how long a topic's offset and epoch are kept after its last publication; at least the stream TTL.
     *
     * @return how long a topic's offset and epoch are kept after its last publication; at least the stream TTL
     */
    public Duration metaTtl() {
        return metaTtl;
    }

    /**
     * Returns how long a Redis command may take before it fails.
     *
     * @return how long a Redis command may take before it fails
     */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /**
     * Returns how long connecting to Redis may take.
     *
     * @return how long connecting to Redis may take
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * Returns how long {@link RedisHub#start} keeps trying while connecting or its first commands time out (a
     * refused connection or a rejected command fails at once).
     *
     * @return how long starting may keep retrying timeouts
     */
    public Duration startTimeout() {
        return startTimeout;
    }

    /**
     * Returns how often the node publishes a probe to itself through its own subscription.
     *
     * @return how often the node publishes a probe to itself through its own subscription
     */
    public Duration probeInterval() {
        return probeInterval;
    }

    /**
     * Returns how long a probe may take to come back before the subscription is repaired.
     *
     * @return how long a probe may take to come back before the subscription is repaired
     */
    public Duration probeTimeout() {
        return probeTimeout;
    }

    /**
     * Returns how many messages from Redis may wait for the local hub before the node drops and repairs.
     *
     * @return how many messages from Redis may wait for the local hub before the node drops and repairs
     */
    public int inboundQueue() {
        return inboundQueue;
    }

    /**
     * Returns how many publications may await Redis's answer before publishing answers backpressured.
     *
     * @return how many publications may await Redis's answer before publishing answers backpressured
     */
    public int maxInFlight() {
        return maxInFlight;
    }

    @Override
    public String toString() {
        return "RedisHubConfig[uri=" + address() + ", prefix=" + prefix + ", streamSize=" + streamSize
                + ", streamTtl=" + streamTtl + ", metaTtl=" + metaTtl + ", commandTimeout=" + commandTimeout
                + ", connectTimeout=" + connectTimeout + ", startTimeout=" + startTimeout + ", probeInterval="
                + probeInterval + ", probeTimeout=" + probeTimeout + ", inboundQueue=" + inboundQueue + ", maxInFlight=" + maxInFlight + "]";
    }

    /**
     * Builds a {@link RedisHubConfig}; {@link #build()} checks the values and names the wrong one.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {

        private final String uri;
        private RedisURI redisUri;
        private String prefix = "wshub";
        private int streamSize = 1000;
        private Duration streamTtl = Duration.ofMinutes(5);
        private Duration metaTtl = Duration.ofDays(1);
        private Duration commandTimeout = Duration.ofSeconds(2);
        private Duration connectTimeout = Duration.ofSeconds(2);
        /** Null until set: then 10 s, or the connect timeout if that is longer. */
        private Duration startTimeout;
        private Duration probeInterval = Duration.ofSeconds(1);
        private Duration probeTimeout = Duration.ofSeconds(3);
        private int inboundQueue = 65_536;
        private int maxInFlight = 100_000;

        private Builder(String uri) {
            this.uri = uri;
        }

        /**
         * Sets the prefix of keys and channels.
         *
         * @param prefix 1 to 64 printable ASCII characters without spaces or braces
         * @return this builder
         */
        public Builder prefix(String prefix) {
            this.prefix = prefix;
            return this;
        }

        /**
         * Sets how many publications each topic's stream keeps.
         *
         * @param size 1 to {@link #MAX_STREAM_SIZE}
         * @return this builder
         */
        public Builder streamSize(int size) {
            this.streamSize = size;
            return this;
        }

        /**
         * Sets how long a topic's stream is kept after its last publication. Unlike a local history's TTL, which drops
         * each publication as it ages, Redis expires the whole stream this long after the topic's last publication.
         *
         * @param ttl 1 ms to 30 days
         * @return this builder
         */
        public Builder streamTtl(Duration ttl) {
            this.streamTtl = ttl;
            return this;
        }

        /**
         * Sets how long a topic's offset and epoch are kept after its last publication.
         *
         * @param ttl at least the stream TTL, at most 365 days
         * @return this builder
         */
        public Builder metaTtl(Duration ttl) {
            this.metaTtl = ttl;
            return this;
        }

        /**
         * Sets how long a command may take.
         *
         * @param timeout 10 ms to 1 min
         * @return this builder
         */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = timeout;
            return this;
        }

        /**
         * Sets how long connecting may take.
         *
         * @param timeout 10 ms to 1 min
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * Sets how long starting keeps retrying when connecting or its first commands time out, as they can while a
         * machine starts several processes at once. A refused connection or a rejected command fails at once.
         *
         * @param timeout at least the connect timeout, at most 10 min; by default 10 s, or the connect timeout if
         *                that is longer
         * @return this builder
         */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Sets how often the node probes its own subscription.
         *
         * @param interval 10 ms to 1 min
         * @return this builder
         */
        public Builder probeInterval(Duration interval) {
            this.probeInterval = interval;
            return this;
        }

        /**
         * Sets how long a probe may take to come back.
         *
         * @param timeout longer than the probe interval, at most 5 min
         * @return this builder
         */
        public Builder probeTimeout(Duration timeout) {
            this.probeTimeout = timeout;
            return this;
        }

        /**
         * Sets how many received messages may wait for the local hub.
         *
         * @param messages 16 to 2<sup>24</sup>
         * @return this builder
         */
        public Builder inboundQueue(int messages) {
            this.inboundQueue = messages;
            return this;
        }

        /**
         * Sets how many publications may await Redis's answer.
         *
         * @param publications 1 to 2<sup>24</sup>
         * @return this builder
         */
        public Builder maxInFlight(int publications) {
            this.maxInFlight = publications;
            return this;
        }

        /**
         * Checks the values and builds the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the field whose value is wrong
         */
        public RedisHubConfig build() {
            if (uri == null || uri.isBlank()) {
                throw new IllegalArgumentException("RedisHubConfig.uri is required, e.g. redis://127.0.0.1:6379");
            }
            try {
                redisUri = RedisURI.create(uri.trim());
            } catch (RuntimeException e) {
                // Not the URI itself, nor the parser's message, which quotes it: it may hold a password.
                throw new IllegalArgumentException("RedisHubConfig.uri is not a Redis URI; expected e.g. "
                        + "redis://127.0.0.1:6379 or rediss://:password@host:6380/0", e);
            }
            if (prefix == null || prefix.isEmpty() || prefix.length() > 64 || !prefix.chars().allMatch(
                    c -> c > 0x20 && c < 0x7f && c != '{' && c != '}')) {
                throw new IllegalArgumentException("RedisHubConfig.prefix must be 1 to 64 printable ASCII characters "
                        + "without spaces or braces, was " + quoted(prefix));
            }
            if (streamSize < 1 || streamSize > MAX_STREAM_SIZE) {
                throw new IllegalArgumentException("RedisHubConfig.streamSize must be from 1 to " + MAX_STREAM_SIZE
                        + ", was " + streamSize);
            }
            check("streamTtl", streamTtl, Duration.ofMillis(1), Duration.ofDays(30));
            check("metaTtl", metaTtl, streamTtl, Duration.ofDays(365));
            check("commandTimeout", commandTimeout, Duration.ofMillis(10), Duration.ofMinutes(1));
            check("connectTimeout", connectTimeout, Duration.ofMillis(10), Duration.ofMinutes(1));
            if (startTimeout == null) {
                startTimeout = connectTimeout.compareTo(Duration.ofSeconds(10)) > 0 ? connectTimeout
                        : Duration.ofSeconds(10);
            }
            check("startTimeout", startTimeout, connectTimeout, Duration.ofMinutes(10));
            check("probeInterval", probeInterval, Duration.ofMillis(10), Duration.ofMinutes(1));
            check("probeTimeout", probeTimeout, probeInterval.plusMillis(1), Duration.ofMinutes(5));
            if (inboundQueue < 16 || inboundQueue > 1 << 24) {
                throw new IllegalArgumentException("RedisHubConfig.inboundQueue must be from 16 to " + (1 << 24)
                        + ", was " + inboundQueue);
            }
            if (maxInFlight < 1 || maxInFlight > 1 << 24) {
                throw new IllegalArgumentException("RedisHubConfig.maxInFlight must be from 1 to " + (1 << 24)
                        + ", was " + maxInFlight);
            }
            return new RedisHubConfig(this);
        }

        private static void check(String field, Duration d, Duration min, Duration max) {
            Objects.requireNonNull(min);
            if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException("RedisHubConfig." + field + " must be from " + min + " to " + max
                        + ", was " + d);
            }
        }

        private static String quoted(String s) {
            return s == null ? "null" : "'" + s + "'";
        }
    }
}
