package io.wshub.disruptor;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import io.wshub.api.Hub;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeOptions;
import io.wshub.api.spi.Backfill;
import io.wshub.api.spi.BackplaneHub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Hub} on an LMAX Disruptor ring buffer.
 *
 * <p><b>Ordering.</b> Every operation (join, leave, subscribe, unsubscribe, broadcast, topic publish, direct send) is
 * an event on one multi-producer ring of pre-allocated events, so the ring gives them one total order. A session
 * receives exactly the messages sequenced after its join and before its leave; all subscribers of a topic receive
 * its messages in the same order; one thread's operations keep their order. Joining a session that is already a
 * member, leaving or unsubscribing one that is not, and subscribing a session that has not joined are ignored.
 *
 * <p><b>Fan-out.</b> {@link DisruptorHubConfig#shards()} handler threads each own the sessions whose id falls in their
 * shard ({@code floorMod(id, shards)}) and are the only threads that touch those sessions' membership tables, so
 * delivery takes no lock. A message is offered as the same shared instance to every member; each session touched in a
 * batch of events gets one {@link Session#flush()} at the end of the batch. Per delivery nothing is allocated.
 *
 * <p><b>Never blocking.</b> A publisher claims a slot with {@code tryNext} and writes it in place (no translator
 * object or lambda per publish); a full ring answers {@link PublishResult#BACKPRESSURED}, a shut-down hub
 * {@link PublishResult#CLOSED}. {@link #leave} is never refused: when the ring is full it is queued on a concurrent
 * per-shard fallback queue, tagged with the ring's cursor at that moment, and the shard applies it right after it has
 * processed that sequence, so it keeps its place in the order ("after everything sequenced before the call"). The
 * caller never blocks or spins. If no event follows to carry the shard past that point, a no-op wake-up event is
 * published, retried by the fan-out threads at the end of each batch while the ring stays full.
 *
 * <p><b>Slow consumers.</b> When {@link Session#offer} answers {@link io.wshub.api.OfferResult#FULL} the configured
 * {@link io.wshub.api.SlowConsumerPolicy} applies: {@code DISCONNECT} closes the session with 1013
 * ({@link io.wshub.api.SlowConsumerPolicy#DISCONNECT_CODE}) and counts the refused message and every later one sent to
 * it as {@code droppedDisconnect}; {@code DROP_NEWEST} drops the new message; {@code DROP_OLDEST} evicts queued
 * messages ({@link Session#evictOldest()}, at most 64 per delivery) until the new
 * one fits, or drops the new one. What each session lost is reported once per batch to the
 * {@link io.wshub.api.HubListener}. A slow session never delays the others: nothing waits for it.
 *
 * <p><b>History.</b> With {@link DisruptorHubConfig.Builder#history} set, each publication on a topic the
 * {@link io.wshub.api.HistoryConfig} selects gets the next offset of that topic and is kept, as a reference to the
 * already encoded message (and its envelope, built once per publication), in a bounded ring per topic
 * ({@code HistoryStage}). The history is appended and read in the ring's order: with one shard by the shard itself
 * before it delivers the event; with several by a history thread ({@code <prefix>-<n>-history}) that every shard waits
 * for, so the history and the envelopes exist once. A subscription with {@link SubscribeOptions} is worked out at its
 * own place in the order: the publications it missed are copied then, and its shard replays them before any later
 * publication, which is what makes the seam exact. Without history none of this runs, and the fan-out path is the one
 * described above.
 *
 * <p><b>Accounting.</b> {@link #stats()} sums per-shard counters that each fan-out thread writes alone and publishes
 * after every event. {@code accepted} is counted when the message is sequenced; {@code delivered} is net of
 * evictions (an eviction under {@code DROP_OLDEST} moves one message from {@code delivered} to
 * {@code droppedOldest}), so once the ring is drained {@code delivered + dropped() == accepted x members} for a fixed
 * membership and broadcasts. A delivery whose {@code offer} throws (or returns null) is counted in {@code errors} and
 * as {@code droppedClosed}; a send to an unknown id as {@code droppedClosed}. {@code backlog} is the ring's backlog
 * (cursor minus the slowest shard's sequence) plus leaves still waiting on a fallback queue, so {@code backlog == 0}
 * means every accepted operation has been carried out.
 *
 * <p><b>Failures.</b> Whatever a session or listener throws is caught, logged through SLF4J and counted in
 * {@code errors}; the Disruptor's fatal exception handler is replaced by one that does the same, so no fan-out thread
 * dies of an exception.
 *
 * <p><b>Lifecycle.</b> {@link #start} starts the fan-out threads, named {@code <prefix>-<hub number>-shard-<k>}, as
 * daemon threads. {@link #shutdown(Duration)} stops accepting, sequences a final event, waits until every shard has
 * processed everything before it (flushing as it goes), then each shard closes its sessions with 1001; the threads are
 * halted and joined. If the timeout passes first, the threads are halted anyway and whatever they did not reach is
 * counted as dropped ({@code droppedClosed}, or {@code droppedDisconnect} for slow-disconnected sessions) while
 * membership changes still apply; then the remaining sessions are closed with 1001. After shutdown returns, no thread
 * the hub started is alive (unless a session or listener call never returns, which is logged).
 *
 * <p>Thread-safety: every method may be called from any thread, including transport I/O threads; only
 * {@link #shutdown} waits. Arguments must not be null; a session must have a positive id.
 */
public final class DisruptorHub implements BackplaneHub {

    private static final Logger LOG = LoggerFactory.getLogger(DisruptorHub.class);
    private static final AtomicInteger HUB_NUMBERS = new AtomicInteger();
    /** How long to wait for halted threads to end, and for a claimed event to be published, past the timeout. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final DisruptorHubConfig config;
    private final RingBuffer<HubEvent> ring;
    private final int shardCount;
    private final Shard[] shards;
    private final List<BatchEventProcessor<HubEvent>> processors;
    private final Thread[] threads;
    /** The topic history; null if the hub keeps none. */
    private final HistoryStage history;
    /** The history stage's own processor when there are several shards; null otherwise. */
    private final BatchEventProcessor<HubEvent> historyProcessor;

    private volatile boolean closed;
    private final LongAdder accepted = new LongAdder();
    private final LongAdder backpressured = new LongAdder();
    /** Leaves waiting on fallback queues, not yet applied. */
    final AtomicInteger pendingLeaves = new AtomicInteger();
    /** A wake-up event could not be published because the ring was full; a fan-out thread retries. */
    volatile boolean wakeNeeded;

    private final AtomicBoolean shutdownStarted = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean shutdownResult;
    /** Every fan-out thread has ended and every sequenced operation was carried out or counted as abandoned. */
    private volatile boolean finished;

    private DisruptorHub(DisruptorHubConfig config) {
        this.config = config;
        this.shardCount = config.shards();
        this.ring = RingBuffer.createMultiProducer(HubEvent::new, config.ringSize(), waitStrategy(config));
        this.shards = new Shard[shardCount];
        this.history = config.history() == null ? null : new HistoryStage(config.history());
        boolean ownStage = history != null && shardCount > 1;
        this.processors = new ArrayList<>(shardCount + 1);
        this.threads = new Thread[shardCount + (ownStage ? 1 : 0)];
        int hubNumber = HUB_NUMBERS.incrementAndGet();
        SequenceBarrier barrier;
        if (ownStage) {
            historyProcessor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), history);
            historyProcessor.setExceptionHandler(new ShardExceptionHandler(history));
            processors.add(historyProcessor);
            Thread t = new Thread(historyProcessor, config.threadNamePrefix() + "-" + hubNumber + "-history");
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> LOG.error("hub thread {} died", th.getName(), e));
            threads[shardCount] = t;
            barrier = ring.newBarrier(historyProcessor.getSequence());
        } else {
            historyProcessor = null;
            barrier = ring.newBarrier();
        }
        for (int k = 0; k < shardCount; k++) {
            Shard shard = new Shard(this, k, shardCount, config.slowConsumerPolicy(), config.listener(),
                    ownStage ? null : history);
            BatchEventProcessor<HubEvent> p = new BatchEventProcessorBuilder().build(ring, barrier, shard);
            p.setExceptionHandler(new ShardExceptionHandler(shard));
            ring.addGatingSequences(p.getSequence());
            shards[k] = shard;
            processors.add(p);
            Thread t = new Thread(p, config.threadNamePrefix() + "-" + hubNumber + "-shard-" + k);
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> LOG.error("hub thread {} died", th.getName(), e));
            threads[k] = t;
        }
    }

    private static WaitStrategy waitStrategy(DisruptorHubConfig config) {
        switch (config.waitStrategy()) {
            case SLEEPING:
                return new SleepingWaitStrategy();
            case YIELDING:
                return new YieldingWaitStrategy();
            case BUSY_SPIN:
                return new BusySpinWaitStrategy();
            case LITE_BLOCKING:
                return new LiteBlockingWaitStrategy();
            case PHASED_BACKOFF:
                return PhasedBackoffWaitStrategy.withLiteLock(DisruptorHubConfig.PHASED_SPIN_MICROS,
                        DisruptorHubConfig.PHASED_YIELD_MICROS, TimeUnit.MICROSECONDS);
            case BLOCKING:
            default:
                return new BlockingWaitStrategy();
        }
    }

    /**
     * Creates a hub and starts its fan-out threads.
     *
     * @param config the configuration; not null
     * @return the started hub
     */
    public static DisruptorHub start(DisruptorHubConfig config) {
        Objects.requireNonNull(config, "config");
        DisruptorHub hub = new DisruptorHub(config);
        for (Thread t : hub.threads) {
            t.start();
        }
        LOG.debug("hub started: {}", config);
        return hub;
    }

    /**
     * Returns the configuration this hub was started with.
     *
     * @return the config; never null
     */
    public DisruptorHubConfig config() {
        return config;
    }

    // ------------------------------------------------------------------------------------------------ operations

    @Override
    public PublishResult join(Session session) {
        return membership(HubEvent.JOIN, session, null);
    }

    @Override
    public PublishResult leave(Session session) {
        long id = checkedId(session);
        PublishResult r = sequence(HubEvent.LEAVE, session, id, null, null);
        if (r != PublishResult.BACKPRESSURED) {
            return r;
        }
        shards[Shard.shardOf(id, shardCount)].fallbackLeaves.add(new Shard.PendingLeave(id, ring.getCursor()));
        pendingLeaves.incrementAndGet();
        if (!publishWake()) {
            wakeNeeded = true;
        }
        return PublishResult.ACCEPTED;
    }

    @Override
    public PublishResult subscribe(Session session, String topic) {
        return membership(HubEvent.SUBSCRIBE, session, Objects.requireNonNull(topic, "topic"));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: the history stage works out the outcome at the subscription's place in the ring, the owning shard
     * tells {@link SubscribeOptions#listener()} and then offers the replay to the session through the usual
     * delivery path (so the slow-consumer policy applies to a replay larger than the session's queue, and every
     * replayed message that was dropped is counted). A session that is already subscribed stays subscribed; its
     * envelope choice is updated and the replay holds every publication after the position, so a client repairing a
     * live gap this way receives again the publications after the gap and applies only the offsets it lacks.
     *
     * @throws UnsupportedOperationException if the options are not plain and the hub was built without
     *                                       {@link DisruptorHubConfig.Builder#history}
     */
    @Override
    public PublishResult subscribe(Session session, String topic, SubscribeOptions options) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(options, "options");
        if (options.isPlain()) {
            return subscribe(session, topic);
        }
        if (history == null) {
            throw new UnsupportedOperationException("this DisruptorHub keeps no topic history; build it with "
                    + "DisruptorHubConfig.builder().history(...) or subscribe with SubscribeOptions.plain()");
        }
        long id = checkedId(session);
        return counted(sequence(HubEvent.SUBSCRIBE, session, id, topic, null, options));
    }

    @Override
    public boolean supportsHistory() {
        return history != null;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: the position goes into the ring with the publication, and the history stage appends it (or ignores a
     * duplicate, or restarts the topic's history) at its place in the order; a topic without history delivers it as
     * {@link #publish} would.
     *
     * @throws IllegalArgumentException if the offset is not positive
     */
    @Override
    public PublishResult publishAt(String topic, Message message, StreamPosition position) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(message, "message");
        if (Objects.requireNonNull(position, "position").offset() < 1) {
            throw new IllegalArgumentException("a fed position's offset must be positive, was " + position);
        }
        return counted(sequence(HubEvent.PUBLISH, null, NO_SESSION, topic, message, null, position, null));
    }

    /**
     * {@inheritDoc}
     *
     * @throws UnsupportedOperationException if the hub was built without {@link DisruptorHubConfig.Builder#history}
     */
    @Override
    public PublishResult subscribe(Session session, String topic, SubscribeOptions options, Backfill backfill) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(backfill, "backfill");
        if (history == null) {
            throw new UnsupportedOperationException("this DisruptorHub keeps no topic history; build it with "
                    + "DisruptorHubConfig.builder().history(...) to feed it from a backplane");
        }
        long id = checkedId(session);
        return counted(sequence(HubEvent.SUBSCRIBE, session, id, topic, null, options, null, backfill));
    }

    @Override
    public boolean hasHistory(String topic) {
        return history != null && history.hasHistory(Objects.requireNonNull(topic, "topic"));
    }

    /** For tests: how many fed publications were duplicates and were ignored. */
    long fedDuplicates() {
        return history == null ? 0 : history.duplicates();
    }

    @Override
    public PublishResult unsubscribe(Session session, String topic) {
        return membership(HubEvent.UNSUBSCRIBE, session, Objects.requireNonNull(topic, "topic"));
    }

    @Override
    public PublishResult broadcast(Message message) {
        return counted(sequence(HubEvent.BROADCAST, null, NO_SESSION, null, Objects.requireNonNull(message,
                "message")));
    }

    @Override
    public PublishResult broadcast(Message message, long excludedSessionId) {
        return counted(sequence(HubEvent.BROADCAST, null, excludedSessionId, null, Objects.requireNonNull(message,
                "message")));
    }

    @Override
    public PublishResult publish(String topic, Message message) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(message, "message");
        return counted(sequence(HubEvent.PUBLISH, null, NO_SESSION, topic, message));
    }

    @Override
    public PublishResult send(long sessionId, Message message) {
        return counted(sequence(HubEvent.SEND, null, sessionId, null, Objects.requireNonNull(message, "message")));
    }

    private PublishResult membership(int type, Session session, String topic) {
        return counted(sequence(type, session, checkedId(session), topic, null));
    }

    private static long checkedId(Session session) {
        long id = Objects.requireNonNull(session, "session").id();
        if (id <= 0) {
            throw new IllegalArgumentException("session id must be positive, was " + id);
        }
        return id;
    }

    private PublishResult counted(PublishResult r) {
        if (r == PublishResult.BACKPRESSURED) {
            backpressured.increment();
        }
        return r;
    }

    /**
     * Claims a slot, writes the operation into it and publishes it, without blocking. The closed flag is read again
     * after the claim: {@link #shutdown} sets it before claiming its final event, so an operation sequenced after that
     * event always sees it and is published as a no-op, and everything accepted lies before the final event.
     */
    private PublishResult sequence(int type, Session session, long sessionId, String topic, Message message) {
        return sequence(type, session, sessionId, topic, message, null);
    }

    private PublishResult sequence(int type, Session session, long sessionId, String topic, Message message,
                                   SubscribeOptions options) {
        return sequence(type, session, sessionId, topic, message, options, null, null);
    }

    private PublishResult sequence(int type, Session session, long sessionId, String topic, Message message,
                                   SubscribeOptions options, StreamPosition fed, Backfill backfill) {
        if (closed) {
            return PublishResult.CLOSED;
        }
        long seq;
        try {
            seq = ring.tryNext();
        } catch (InsufficientCapacityException e) {
            return PublishResult.BACKPRESSURED;
        }
        HubEvent e = ring.get(seq);
        if (closed) {
            e.claim(shardCount, HubEvent.NOOP);
            ring.publish(seq);
            return PublishResult.CLOSED;
        }
        e.claim(shardCount, type);
        e.session = session;
        e.sessionId = sessionId;
        e.topic = topic;
        e.message = message;
        e.options = options;
        if (fed != null) {
            e.offset = fed.offset();
            e.epoch = fed.epoch();
        }
        e.backfill = backfill;
        if (message != null) {
            accepted.increment();
        }
        ring.publish(seq);
        return PublishResult.ACCEPTED;
    }

    private boolean publishWake() {
        long seq;
        try {
            seq = ring.tryNext();
        } catch (InsufficientCapacityException e) {
            return false;
        }
        ring.get(seq).claim(shardCount, HubEvent.NOOP);
        ring.publish(seq);
        return true;
    }

    /** Called by a fan-out thread at the end of a batch while {@link #wakeNeeded}; never blocks. */
    void retryWake() {
        wakeNeeded = false;
        if (!publishWake()) {
            wakeNeeded = true;
        }
    }

    // ------------------------------------------------------------------------------------------------ stats

    @Override
    public HubStats stats() {
        long backlog = finished ? 0L
                : Math.max(0L, ring.getCursor() - ring.getMinimumGatingSequence()) + pendingLeaves.get();
        long[] c = new long[Shard.COUNTERS];
        for (Shard s : shards) {
            for (int i = 0; i < Shard.COUNTERS; i++) {
                c[i] += s.published.get(i);
            }
        }
        return new HubStats(accepted.sum(), backpressured.sum(), c[Shard.C_DELIVERED], c[Shard.C_DROPPED_NEWEST],
                c[Shard.C_DROPPED_OLDEST], c[Shard.C_DROPPED_DISCONNECT], c[Shard.C_DROPPED_CLOSED],
                c[Shard.C_SLOW_DISCONNECTS], c[Shard.C_ERRORS] + (history == null ? 0 : history.errors()), backlog,
                (int) c[Shard.C_SESSIONS], c[Shard.C_REPLAYED], c[Shard.C_RECOVERED], c[Shard.C_NOT_RECOVERED]);
    }

    /** Returns how many batches the fan-out threads have ended, summed over shards (for tests). */
    long batches() {
        long n = 0;
        for (Shard s : shards) {
            n += s.published.get(Shard.C_BATCHES);
        }
        return n;
    }

    /** Returns the fan-out threads (for tests). */
    List<Thread> threads() {
        return List.of(threads);
    }

    /** Returns the ring (for tests). */
    RingBuffer<HubEvent> ring() {
        return ring;
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /**
     * Returns whether {@link #shutdown} has been called.
     *
     * @return {@code true} once the hub refuses new operations
     */
    public boolean isShutdown() {
        return closed;
    }

    @Override
    public boolean shutdown(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (!shutdownStarted.compareAndSet(false, true)) {
            try {
                if (!terminated.await(saturatedNanos(timeout) + GRACE_NANOS, TimeUnit.NANOSECONDS)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            return shutdownResult;
        }
        boolean result = false;
        try {
            result = doShutdown(System.nanoTime() + saturatedNanos(timeout));
        } finally {
            shutdownResult = result;
            terminated.countDown();
        }
        return result;
    }

    private static long saturatedNanos(Duration d) {
        if (d.isNegative()) {
            return 0L;
        }
        try {
            return Math.min(d.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    private boolean doShutdown(long deadline) {
        closed = true;
        long marker = claimMarker(deadline);
        boolean drained = marker >= 0 && awaitProcessed(marker, deadline);
        for (BatchEventProcessor<HubEvent> p : processors) {
            p.halt();
        }
        boolean allEnded = joinThreads(Math.max(deadline, System.nanoTime()) + GRACE_NANOS);
        if (!allEnded) {
            LOG.error("hub shutdown: a fan-out thread did not end (a session or listener call never returned?)");
            return false;
        }
        long end = marker >= 0 ? marker : ring.getCursor();
        if (historyProcessor != null) {
            abandonHistory(end);
        }
        for (int k = 0; k < shardCount; k++) {
            abandonRemaining(k, end);
            shards[k].finish();
        }
        // Events claimed after this point are no-ops of publishers that found the hub closed.
        finished = true;
        if (!drained) {
            LOG.warn("hub shutdown: the backlog did not drain in time; what was left is counted as dropped");
        }
        return drained;
    }

    private long claimMarker(long deadline) {
        while (true) {
            try {
                long seq = ring.tryNext();
                ring.get(seq).claim(shardCount, HubEvent.SHUTDOWN);
                ring.publish(seq);
                return seq;
            } catch (InsufficientCapacityException e) {
                if (System.nanoTime() - deadline >= 0) {
                    return -1L;
                }
                LockSupport.parkNanos(100_000L);
            }
        }
    }

    private boolean awaitProcessed(long sequence, long deadline) {
        for (BatchEventProcessor<HubEvent> p : processors) {
            while (p.getSequence().get() < sequence) {
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
                LockSupport.parkNanos(200_000L);
            }
        }
        return true;
    }

    private boolean joinThreads(long deadline) {
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    t.join(Math.max(1L, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        for (Thread t : threads) {
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** Runs, on this (shutdown) thread, the history stage over the events it did not reach before it was halted. */
    private void abandonHistory(long end) {
        Sequence seq = historyProcessor.getSequence();
        for (long s = seq.get() + 1; s <= end; s++) {
            if (ring.isAvailable(s)) {
                history.process(ring.get(s));
            }
        }
        if (seq.get() < end) {
            seq.set(end);
        }
    }

    /** Returns the topic history (for tests); null if the hub keeps none. */
    HistoryStage history() {
        return history;
    }

    /** Runs, on this (shutdown) thread, the events a halted shard did not reach, counting deliveries as dropped. */
    private void abandonRemaining(int k, long end) {
        Shard shard = shards[k];
        Sequence seq = processors.get(k).getSequence();
        for (long s = seq.get() + 1; s <= end; s++) {
            long waitUntil = System.nanoTime() + GRACE_NANOS;
            while (!ring.isAvailable(s) && System.nanoTime() - waitUntil < 0) {
                LockSupport.parkNanos(100_000L);
            }
            if (!ring.isAvailable(s)) {
                LOG.error("hub shutdown: event {} was claimed but never published; skipping it", s);
                continue;
            }
            shard.abandon(ring.get(s), s);
        }
        if (seq.get() < end) {
            seq.set(end);
        }
    }

    @Override
    public String toString() {
        return "DisruptorHub[" + config + ", closed=" + closed + "]";
    }
}
