package io.wshub.disruptor;

import io.wshub.api.HistoryConfig;
import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import java.util.Objects;

/**
 * How a {@link DisruptorHub} runs: ring size, fan-out shard count, wait strategy, thread naming, slow-consumer policy
 * and the listener that hears about lagging sessions. Built with {@link #builder()}; a wrong value fails in
 * {@link Builder#build()} with an {@link IllegalArgumentException} that names the field and its allowed range.
 *
 * <p>Defaults: a ring of {@value #DEFAULT_RING_SIZE} events, 1 shard, {@link WaitStrategyKind#BLOCKING}, threads
 * named {@code "wshub-hub-<n>-shard-<k>"} (prefix {@value #DEFAULT_THREAD_NAME_PREFIX}),
 * {@link SlowConsumerPolicy#DISCONNECT}, {@link HubListener#NONE}.
 *
 * <p>Thread-safety: immutable; any thread may use it. No method accepts or returns {@code null}.
 */
public final class DisruptorHubConfig {

    /** The default ring size: 16,384 events. */
    public static final int DEFAULT_RING_SIZE = 1 << 14;
    /** The smallest ring size. */
    public static final int MIN_RING_SIZE = 2;
    /** The largest ring size: 2^30 events. */
    public static final int MAX_RING_SIZE = 1 << 30;
    /** The largest shard count. */
    public static final int MAX_SHARDS = 256;
    /** The default thread name prefix. */
    public static final String DEFAULT_THREAD_NAME_PREFIX = "wshub-hub";
    /** The longest thread name prefix. */
    public static final int MAX_THREAD_NAME_PREFIX_LENGTH = 64;
    /** How long a {@link WaitStrategyKind#PHASED_BACKOFF} fan-out thread spins before it starts to yield. */
    public static final int PHASED_SPIN_MICROS = 10;
    /** How long a {@link WaitStrategyKind#PHASED_BACKOFF} fan-out thread yields, after spinning, before it parks. */
    public static final int PHASED_YIELD_MICROS = 100;

    /**
     * How an idle fan-out thread waits for the next event. The choice trades CPU for wake-up latency; every kind still
     * lets publishers go on without blocking.
     *
     * <p>Thread-safety: immutable.
     */
    public enum WaitStrategyKind {
        /**
         * Park on a lock and condition until a publisher signals (the default). Uses no CPU while idle; each publish
         * takes the lock to signal, and waking a parked thread costs microseconds. The right choice unless a core can
         * be dedicated to each shard.
         */
        BLOCKING,
        /**
         * Like {@link #BLOCKING}, but a publisher takes the lock and signals only when a fan-out thread is actually
         * parked; otherwise a publish costs one atomic swap. Uses no CPU while idle; waking a parked thread still costs
         * microseconds, so it helps little on its own (Disruptor's {@code LiteBlockingWaitStrategy}).
         */
        LITE_BLOCKING,
        /**
         * Spin briefly, then {@link Thread#yield()}, then park as {@link #LITE_BLOCKING} does (Disruptor's
         * {@code PhasedBackoffWaitStrategy.withLiteLock}): after its last event a fan-out thread spins for about
         * {@value DisruptorHubConfig#PHASED_SPIN_MICROS} µs (at least 20,000 polls of the ring's cursor), yields for
         * about {@value DisruptorHubConfig#PHASED_YIELD_MICROS} µs more, and then parks. An event that arrives within
         * that window is picked up without a wake-up, and a publish costs one atomic swap instead of a lock and a
         * signal.
         *
         * <p>CPU cost: up to about 0.15 ms of one core per shard each time the hub falls idle (spent yielding for the
         * most part, so runnable threads go first), and none once it has parked; a steady trickle of one event every
         * ~0.15 ms or faster keeps each fan-out thread busy-waiting. In the in-process fan-out benchmark
         * (BENCHMARKS.md) it delivered 1.2-2.5x what {@link #BLOCKING} does with one publisher, because a burst no
         * longer pays a wake-up; with two publishers on two cores it was no better, and slower at 10,000 sessions.
         * Not the default: Disruptor calls its lite-lock parking experimental, and the gain is not yet confirmed on a
         * quiet machine.
         */
        PHASED_BACKOFF,
        /**
         * Spin, then yield, then park for short intervals. Little CPU while idle (a periodic wake-up), lower
         * publisher cost than {@link #BLOCKING} (no signalling), but up to the park interval (about 100 µs) of extra
         * latency after a quiet period.
         */
        SLEEPING,
        /**
         * Spin, then {@link Thread#yield()}. Low latency, but each fan-out thread keeps a core busy while idle,
         * giving it up only to runnable threads. Use only with spare cores.
         */
        YIELDING,
        /**
         * Spin without pause. The lowest latency, and one full core burned per shard at all times, idle or not. Use
         * only with dedicated, isolated cores.
         */
        BUSY_SPIN
    }

    private final int ringSize;
    private final int shards;
    private final WaitStrategyKind waitStrategy;
    private final String threadNamePrefix;
    private final SlowConsumerPolicy slowConsumerPolicy;
    private final HubListener listener;
    private final HistoryConfig history;

    private DisruptorHubConfig(Builder b) {
        this.ringSize = b.ringSize;
        this.shards = b.shards;
        this.waitStrategy = b.waitStrategy;
        this.threadNamePrefix = b.threadNamePrefix;
        this.slowConsumerPolicy = b.slowConsumerPolicy;
        this.listener = b.listener;
        this.history = b.history;
    }

    /**
     * Returns a builder with the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the defaults.
     *
     * @return a config with every default value
     */
    public static DisruptorHubConfig defaults() {
        return builder().build();
    }

    /**
     * Returns a builder that starts from this config's values.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Returns the number of events in the ring: how many operations may be sequenced and not yet processed before
     * publishers are answered {@link io.wshub.api.PublishResult#BACKPRESSURED}.
     *
     * @return a power of two, {@value #MIN_RING_SIZE} to 2^30
     */
    public int ringSize() {
        return ringSize;
    }

    /**
     * Returns the number of fan-out threads, each owning the sessions whose id falls in its shard.
     *
     * @return 1 to {@value #MAX_SHARDS}
     */
    public int shards() {
        return shards;
    }

    /**
     * Returns how idle fan-out threads wait.
     *
     * @return the wait strategy; never null
     */
    public WaitStrategyKind waitStrategy() {
        return waitStrategy;
    }

    /**
     * Returns the prefix of every thread name the hub starts.
     *
     * @return the prefix; never null or blank
     */
    public String threadNamePrefix() {
        return threadNamePrefix;
    }

    /**
     * Returns what the hub does when a session's queue is full.
     *
     * @return the policy; never null
     */
    public SlowConsumerPolicy slowConsumerPolicy() {
        return slowConsumerPolicy;
    }

    /**
     * Returns the listener told about lagging and disconnected sessions.
     *
     * @return the listener; never null
     */
    public HubListener listener() {
        return listener;
    }

    /**
     * Returns the topic history configuration.
     *
     * @return the history bounds and envelope, or null if the hub keeps no history (the default)
     */
    public HistoryConfig history() {
        return history;
    }

    @Override
    public String toString() {
        return "DisruptorHubConfig[ringSize=" + ringSize + ", shards=" + shards + ", waitStrategy=" + waitStrategy
                + ", threadNamePrefix=" + threadNamePrefix + ", slowConsumerPolicy=" + slowConsumerPolicy + ", history=" + history + "]";
    }

    /**
     * Builds a {@link DisruptorHubConfig}. Setters check for null at once; ranges are checked in {@link #build()}.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private int ringSize = DEFAULT_RING_SIZE;
        private int shards = 1;
        private WaitStrategyKind waitStrategy = WaitStrategyKind.BLOCKING;
        private String threadNamePrefix = DEFAULT_THREAD_NAME_PREFIX;
        private SlowConsumerPolicy slowConsumerPolicy = SlowConsumerPolicy.DISCONNECT;
        private HubListener listener = HubListener.NONE;
        private HistoryConfig history;

        private Builder() {
        }

        private Builder(DisruptorHubConfig c) {
            this.ringSize = c.ringSize;
            this.shards = c.shards;
            this.waitStrategy = c.waitStrategy;
            this.threadNamePrefix = c.threadNamePrefix;
            this.slowConsumerPolicy = c.slowConsumerPolicy;
            this.listener = c.listener;
            this.history = c.history;
        }

        /**
         * Sets the ring size.
         *
         * @param ringSize a power of two, {@value DisruptorHubConfig#MIN_RING_SIZE} to 2^30
         * @return this builder
         */
        public Builder ringSize(int ringSize) {
            this.ringSize = ringSize;
            return this;
        }

        /**
         * Sets the number of fan-out threads.
         *
         * @param shards 1 to {@value DisruptorHubConfig#MAX_SHARDS}
         * @return this builder
         */
        public Builder shards(int shards) {
            this.shards = shards;
            return this;
        }

        /**
         * Sets how idle fan-out threads wait.
         *
         * @param waitStrategy the wait strategy; not null
         * @return this builder
         */
        public Builder waitStrategy(WaitStrategyKind waitStrategy) {
            this.waitStrategy = Objects.requireNonNull(waitStrategy, "waitStrategy");
            return this;
        }

        /**
         * Sets the prefix of every thread name the hub starts.
         *
         * @param threadNamePrefix the prefix; not null, not blank, at most
         *                         {@value DisruptorHubConfig#MAX_THREAD_NAME_PREFIX_LENGTH} characters
         * @return this builder
         */
        public Builder threadNamePrefix(String threadNamePrefix) {
            this.threadNamePrefix = Objects.requireNonNull(threadNamePrefix, "threadNamePrefix");
            return this;
        }

        /**
         * Sets what the hub does when a session's queue is full.
         *
         * @param slowConsumerPolicy the policy; not null
         * @return this builder
         */
        public Builder slowConsumerPolicy(SlowConsumerPolicy slowConsumerPolicy) {
            this.slowConsumerPolicy = Objects.requireNonNull(slowConsumerPolicy, "slowConsumerPolicy");
            return this;
        }

        /**
         * Sets the listener told about lagging and disconnected sessions. It is called on the fan-out threads and must
         * not block.
         *
         * @param listener the listener; not null ({@link HubListener#NONE} for none)
         * @return this builder
         */
        public Builder listener(HubListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Turns topic history on: publications on the topics it selects get offsets, are kept within its bounds, and
         * subscriptions may recover from a position ({@link io.wshub.api.SubscribeOptions}).
         *
         * @param history the history configuration, or null to keep no history (the default)
         * @return this builder
         */
        public Builder history(HistoryConfig history) {
            this.history = history;
            return this;
        }

        /**
         * Validates the values and builds the config.
         *
         * @return the config
         * @throws IllegalArgumentException naming the first field whose value is out of range
         */
        public DisruptorHubConfig build() {
            if (ringSize < MIN_RING_SIZE || ringSize > MAX_RING_SIZE || Integer.bitCount(ringSize) != 1) {
                throw invalid("ringSize", "a power of two from " + MIN_RING_SIZE + " to " + MAX_RING_SIZE, ringSize);
            }
            if (shards < 1 || shards > MAX_SHARDS) {
                throw invalid("shards", "1 to " + MAX_SHARDS, shards);
            }
            if (threadNamePrefix.isBlank() || threadNamePrefix.length() > MAX_THREAD_NAME_PREFIX_LENGTH) {
                throw invalid("threadNamePrefix", "non-blank and at most " + MAX_THREAD_NAME_PREFIX_LENGTH
                        + " characters", "\"" + threadNamePrefix + "\"");
            }
            return new DisruptorHubConfig(this);
        }

        private static IllegalArgumentException invalid(String field, String allowed, Object value) {
            return new IllegalArgumentException("DisruptorHubConfig." + field + " must be " + allowed + ", was "
                    + value);
        }
    }
}
