package io.wshub.benchmarks.fanout;

import io.wshub.api.Message;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.disruptor.DisruptorHubConfig.WaitStrategyKind;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * In-process fan-out: one or two publisher threads broadcast to N in-memory {@link CountingSession}s through each
 * hub under test, and an operation ends only when every session has received every message the operation published.
 * The figure to read is the {@code deliveries} secondary result (messages received by sessions per second), not the
 * primary ops/s (bursts per second).
 *
 * <p>Each operation publishes {@link #burst} messages (retrying any refused for backpressure, counted in
 * {@code backpressured}), then waits until every session's counter for this publisher reaches the number of
 * messages it has published. Each publisher thread sends its own pre-built message, so the sessions count per
 * publisher by identity and nothing is allocated per delivery. With two publishers each waits for its own messages.
 * At the end of a trial every session's counts are checked against what was published.
 *
 * <p>Run, e.g.: {@code java -jar benchmarks/target/benchmarks.jar FanoutBenchmark -prof gc -rf json}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class FanoutBenchmark {

    /**
     * The hub under test. hub-disruptor runs with its default BLOCKING wait strategy; two more variants can be chosen
     * with {@code -p impl=...}: {@code disruptor-1shard-sleeping} and {@code disruptor-1shard-yielding}.
     */
    @Param({"disruptor-1shard", "disruptor-2shards", "lock-loop", "queue-per-session"})
    public String impl;

    /** Members. */
    @Param({"1", "100", "1000", "10000"})
    public int sessions;

    /** Payload bytes. */
    @Param({"64", "1024"})
    public int payload;

    /** Messages published per operation before waiting for delivery. */
    @Param({"16"})
    public int burst;

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private FanoutHub hub;
    private CountingSession[] members;
    private final Message[] messages = new Message[2];
    private final AtomicInteger slots = new AtomicInteger();
    private final Publisher[] publishers = new Publisher[2];

    /** Builds the hub and its members. */
    @Setup(Level.Trial)
    public void setUp() {
        for (int slot = 0; slot < 2; slot++) {
            byte[] bytes = new byte[payload];
            Arrays.fill(bytes, (byte) ('a' + slot));
            messages[slot] = Message.textUtf8(bytes);
        }
        slots.set(0);
        Arrays.fill(publishers, null);
        members = new CountingSession[sessions];
        for (int i = 0; i < sessions; i++) {
            members[i] = new CountingSession(messages[0], messages[1]);
        }
        hub = create(impl);
        hub.joinAll(members);
        String check = new String(messages[0].copyPayload(), 0, 1, StandardCharsets.US_ASCII);
        if (!"a".equals(check)) {
            throw new IllegalStateException("payload not built");
        }
    }

    static FanoutHub create(String impl) {
        switch (impl) {
            case "disruptor-1shard":
                return disruptor(impl, 1, WaitStrategyKind.BLOCKING);
            case "disruptor-2shards":
                return disruptor(impl, 2, WaitStrategyKind.BLOCKING);
            case "disruptor-1shard-sleeping":
                return disruptor(impl, 1, WaitStrategyKind.SLEEPING);
            case "disruptor-1shard-yielding":
                return disruptor(impl, 1, WaitStrategyKind.YIELDING);
            case "disruptor-1shard-lite":
                return disruptor(impl, 1, WaitStrategyKind.LITE_BLOCKING);
            case "disruptor-1shard-phased":
                return disruptor(impl, 1, WaitStrategyKind.PHASED_BACKOFF);
            case "disruptor-2shards-phased":
                return disruptor(impl, 2, WaitStrategyKind.PHASED_BACKOFF);
            case "disruptor-1shard-busyspin":
                return disruptor(impl, 1, WaitStrategyKind.BUSY_SPIN);
            case "lock-loop":
                return new LockLoopHub();
            case "queue-per-session":
                return new QueuePerSessionHub();
            default:
                throw new IllegalArgumentException("unknown impl: " + impl);
        }
    }

    private static FanoutHub disruptor(String impl, int shards, WaitStrategyKind wait) {
        return new ApiHubFanout(DisruptorHubs.start(shards, SlowConsumerPolicy.DISCONNECT, wait), impl);
    }

    /** Stops the hub and checks that every session received exactly what was published. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            // Every publisher thread has finished its last operation when JMH tears the shared state down.
            for (CountingSession s : members) {
                for (int slot = 0; slot < 2; slot++) {
                    long published = publishers[slot] == null ? 0 : publishers[slot].published;
                    if (s.received(slot) != published) {
                        throw new IllegalStateException(impl + ": " + s + " expected " + published
                                + " from slot " + slot);
                    }
                }
                if (s.otherMessages() != 0) {
                    throw new IllegalStateException(impl + ": unexpected messages at " + s);
                }
            }
        } finally {
            hub.close();
        }
    }

    /** One publisher thread's state: its slot, its message and how many it has published. */
    @State(Scope.Thread)
    public static class Publisher {
        int slot;
        long published;
        Message message;

        /**
         * Claims a slot.
         *
         * @param b the benchmark state
         */
        @Setup(Level.Trial)
        public void setUp(FanoutBenchmark b) {
            slot = b.slots.getAndIncrement();
            if (slot > 1) {
                throw new IllegalStateException("at most two publisher threads are supported");
            }
            message = b.messages[slot];
            published = 0;
            b.publishers[slot] = this;
        }
    }

    /** Deliveries: messages received by sessions, reported per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Deliveries {
        /** Messages received by sessions. */
        public long deliveries;

        /** Resets the counter. */
        @Setup(Level.Iteration)
        public void reset() {
            deliveries = 0;
        }
    }

    /** Refusals: broadcasts refused for backpressure (and retried), reported as a count per iteration. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Refusals {
        /** Broadcasts refused for backpressure. */
        public long backpressured;

        /** Resets the counter. */
        @Setup(Level.Iteration)
        public void reset() {
            backpressured = 0;
        }
    }

    /**
     * One publisher thread.
     *
     * @param p the publisher
     * @param d the delivery counter
     * @param r the refusal counter
     */
    @Benchmark
    @Threads(1)
    public void publishers1(Publisher p, Deliveries d, Refusals r) {
        publishAndAwait(p, d, r);
    }

    /**
     * Two publisher threads on one hub.
     *
     * @param p the publisher
     * @param d the delivery counter
     * @param r the refusal counter
     */
    @Benchmark
    @Threads(2)
    public void publishers2(Publisher p, Deliveries d, Refusals r) {
        publishAndAwait(p, d, r);
    }

    private void publishAndAwait(Publisher p, Deliveries d, Refusals r) {
        Message m = p.message;
        FanoutHub h = hub;
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        for (int i = 0; i < burst; i++) {
            int spins = 0;
            while (!h.broadcast(m)) {
                r.backpressured++;
                spins = idle(spins, deadline);
            }
        }
        long target = p.published + burst;
        p.published = target;
        int slot = p.slot;
        for (CountingSession s : members) {
            int spins = 0;
            while (s.received(slot) < target) {
                spins = idle(spins, deadline);
            }
        }
        d.deliveries += (long) burst * members.length;
    }

    /** Waits a little; fails the trial if one operation takes longer than {@link #TIMEOUT_NANOS}. */
    private int idle(int spins, long deadline) {
        if (spins < 64) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(impl + ": a fan-out did not complete within 30 s");
            }
        }
        return spins + 1;
    }
}
