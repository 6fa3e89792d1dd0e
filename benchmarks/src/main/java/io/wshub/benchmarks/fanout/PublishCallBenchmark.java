package io.wshub.benchmarks.fanout;

import io.wshub.api.Message;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
 * The publisher-side time of one broadcast: how long the calling thread (in a server, a transport's I/O thread)
 * spends inside {@code broadcast(message)}, for each hub of {@link FanoutBenchmark} at N in-memory
 * {@link CountingSession}s. Where the hub fans out on its own threads (hub-disruptor, and the consumers of
 * {@link QueuePerSessionHub}) the fan-out is not in the figure; {@link LockLoopHub} does the whole fan-out inside the
 * call, so there the figure is the fan-out.
 *
 * <p><b>Every measured call finds an idle hub.</b> Before each call an unmeasured {@code @Setup(Level.Invocation)}
 * ({@link IdleHub#awaitIdle}) waits until every session has received every message accepted so far. So the ring (or
 * each session's queue) holds nothing when the call starts and can never be full: no measured call is refused for
 * backpressure, and none pays for an earlier call's fan-out competing with it. This is the low-rate case, in which a
 * hub's fan-out threads have gone idle (hub-disruptor's default BLOCKING wait strategy parks its handler as soon as the
 * ring is empty), so the call includes waking them where the hub needs to. Each call's result is checked: an accepted
 * call is counted, and any call that was not accepted is counted as refused and fails the trial at its end (a refused
 * call measures nothing); a hub that answers closed fails it at once. At the end of the trial every session's count
 * must equal the number of accepted calls.
 *
 * <p><b>Why {@code Level.Invocation} is acceptable here.</b> The mode is {@link Mode#SampleTime}: JMH times a sampled
 * invocation with one {@link System#nanoTime()} pair around the benchmark method only, and runs the invocation-level
 * setup outside that pair, so the setup adds no timestamp to the sample (in {@code AverageTime} or {@code Throughput}
 * JMH would have to timestamp around every call to leave the setup out, which is the overhead JMH's documentation
 * warns about). What remains in every sample is the cost of that pair itself, a few tens of nanoseconds on a TSC
 * clock. {@link #clockFloor} measures it with the same harness around a method that does nothing: read every figure
 * with it in mind. It is small against lock-and-loop's call (tens of microseconds at N = 10,000) but not against the
 * 1% budget (a few hundred nanoseconds), and since it inflates the small figure more than the large one, it can only
 * make the ratio hub-disruptor ÷ lock-and-loop larger, never smaller. The wait itself walks N sessions before each
 * call, so the measured call starts with the publisher's caches holding the sessions rather than the hub: that is the
 * state of an I/O thread that has been doing other work.
 *
 * <p><b>Reading.</b> The figure is wall-clock time on the publisher's thread, so it includes any time that thread
 * loses its core while inside the call, for instance to a fan-out thread the call has just woken: on a machine with
 * fewer idle cores than the hub's threads plus the publisher, part of the fan-out can land in the figure. Compare the
 * mean and p99 with p50, and record the load average. {@link IdleHub#gapMicros} adds an unmeasured pause before each
 * call so that wait strategies that spin before they park have parked.
 *
 * <p>Allocation: with {@code -prof gc}, {@code gc.alloc.rate.norm} is bytes per call (per operation), the wait
 * included; a call that allocated per delivery would show N times some bytes.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar PublishCallBenchmark -rf json -rff publish-call.json}; the
 * ratio to read is {@code broadcast} p50, mean and p99 of a hub-disruptor {@code impl} over {@code lock-loop}'s at
 * {@code sessions=10000}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class PublishCallBenchmark {

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /**
     * One broadcast call on an idle hub, timed alone.
     *
     * @param h the hub, idle when the call starts
     * @return whether the hub accepted the message
     */
    @Benchmark
    public boolean broadcast(IdleHub h) {
        return h.call();
    }

    /**
     * The harness alone: a sampled call of a method that only reads a field, so the figure is the cost of JMH's
     * {@link System#nanoTime()} pair around a sample (plus a call), the floor under every {@link #broadcast} figure.
     *
     * @param f a state with an invocation-level setup, as {@link IdleHub} has
     * @return the field read
     */
    @Benchmark
    public boolean clockFloor(Floor f) {
        return f.flag;
    }

    /** A state for {@link #clockFloor} with an (empty) invocation-level setup, so its harness matches. */
    @State(Scope.Thread)
    public static class Floor {
        /** Read by {@link #clockFloor}. */
        public boolean flag = true;

        /** Does nothing, like {@link IdleHub#awaitIdle} on an idle hub but without walking the sessions. */
        @Setup(Level.Invocation)
        public void between() {
            // Present only so the generated harness is the same shape as broadcast's.
        }
    }

    /** The hub under test, its members, and the count of accepted and refused calls. */
    @State(Scope.Thread)
    public static class IdleHub {

        /**
         * The hub under test, as in {@link FanoutBenchmark#impl}: hub-disruptor with one or two shards (default
         * BLOCKING wait strategy, ring {@value DisruptorHubs#RING_SIZE}) and the two baselines; the other variants
         * {@link FanoutBenchmark} knows ({@code disruptor-1shard-phased}, {@code -busyspin}, ...) can be chosen with
         * {@code -p impl=...}.
         */
        @Param({"disruptor-1shard", "disruptor-2shards", "lock-loop", "queue-per-session"})
        public String impl;

        /** Members. */
        @Param({"100", "1000", "10000"})
        public int sessions;

        /** Payload bytes. */
        @Param({"64"})
        public int payload;

        /**
         * An unmeasured pause, in microseconds, between the hub going idle and the next call (the publisher parks for
         * it). 0, the default, calls as soon as the previous message is delivered; a pause longer than a wait
         * strategy's spin-then-yield phase (about 110 µs for {@code PHASED_BACKOFF}) lets its fan-out thread park
         * first, which is what a low publish rate does.
         */
        @Param({"0"})
        public int gapMicros;

        private FanoutHub hub;
        private CountingSession[] members;
        private Message message;
        private long accepted;
        private long refused;

        /** Builds the hub and its members, as {@link FanoutBenchmark} does. */
        @Setup(Level.Trial)
        public void start() {
            byte[] bytes = new byte[payload];
            Arrays.fill(bytes, (byte) 'a');
            message = Message.textUtf8(bytes);
            byte[] other = new byte[payload];
            Arrays.fill(other, (byte) 'b');
            Message never = Message.textUtf8(other); // CountingSession's second slot; nothing sends it
            members = new CountingSession[sessions];
            for (int i = 0; i < sessions; i++) {
                members[i] = new CountingSession(message, never);
            }
            accepted = 0;
            refused = 0;
            hub = FanoutBenchmark.create(impl);
            hub.joinAll(members);
        }

        /**
         * Waits, unmeasured, until every member has received every accepted message, so the next call finds an idle
         * hub, then pauses for {@link #gapMicros}; fails the trial if delivery takes longer than 30 s.
         */
        @Setup(Level.Invocation)
        public void awaitIdle() {
            awaitDelivered();
            if (gapMicros > 0) {
                long until = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(gapMicros);
                long left;
                while ((left = until - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(left);
                }
            }
        }

        private void awaitDelivered() {
            long target = accepted;
            long deadline = 0;
            for (CountingSession s : members) {
                int spins = 0;
                while (s.received(0) < target) {
                    if (++spins < 256) {
                        Thread.onSpinWait();
                        continue;
                    }
                    Thread.yield();
                    long now = System.nanoTime();
                    if (deadline == 0) {
                        deadline = now + TIMEOUT_NANOS;
                    } else if (now > deadline) {
                        throw new IllegalStateException(impl + ": " + s + " did not receive message " + target
                                + " within 30 s");
                    }
                }
            }
        }

        boolean call() {
            if (hub.broadcast(message)) {
                accepted++;
                return true;
            }
            refused++;
            return false;
        }

        /** Stops the hub; fails the trial if any call was refused or any session's count is not the accepted one. */
        @TearDown(Level.Trial)
        public void stop() {
            try {
                awaitDelivered();
                if (refused != 0) {
                    throw new IllegalStateException(impl + ": " + refused + " of " + (accepted + refused)
                            + " broadcast calls were not accepted");
                }
                for (CountingSession s : members) {
                    if (s.received(0) != accepted || s.received(1) != 0 || s.otherMessages() != 0) {
                        throw new IllegalStateException(impl + ": " + s + " expected " + accepted);
                    }
                }
                System.out.println(impl + " sessions=" + sessions + ": " + accepted
                        + " broadcast calls (warm-up and measurement), every one accepted and delivered to every"
                        + " session");
            } finally {
                hub.close();
            }
        }
    }
}
