package io.wshub.disruptor;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.wshub.api.SlowConsumerPolicy;
import io.wshub.disruptor.Scenarios.Bcast;
import io.wshub.disruptor.Scenarios.Join;
import io.wshub.disruptor.Scenarios.Leave;
import io.wshub.disruptor.Scenarios.Op;
import io.wshub.disruptor.Scenarios.Pub;
import io.wshub.disruptor.Scenarios.Send;
import io.wshub.disruptor.Scenarios.Sub;
import io.wshub.disruptor.Scenarios.Unsub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * Ordering and accounting of a {@link DisruptorHub} under random interleavings of joins, leaves, subscriptions and
 * publishes, checked against the sequential model of {@link Scenarios}: explicit edge cases first, then seeded random
 * cases. Each case runs under its own timeout, so a hang fails with its seed too.
 *
 * <p>Seeds: each property has a fixed default seed, so every run tries the same cases. Set
 * {@code -Dwshub.test.seed=0x1234abcd} (hex with {@code 0x}, or decimal) to run every property from that seed instead,
 * or {@code -Dwshub.test.seed=random} for a fresh one. Every failure message starts with {@code seed=0x..., case=...}
 * and the case's configuration; running again with that seed replays the same cases. Case {@code i} draws from its own
 * generator split off the seed's. The concurrent property replays the same operations, not the same thread timing.
 */
class HubPropertiesTest {

    /** The system property that overrides every property's default seed. */
    static final String SEED_PROPERTY = "wshub.test.seed";

    /** Random cases per property; the former property-based tests ran 100 and 20, SeededScenarioTest 150 and 20. */
    static final int SEQUENTIAL_CASES = 200;
    static final int CONCURRENT_CASES = 40;

    /** The generator's bounds, as the former property-based generators had them. */
    static final int MAX_SHARDS = 3;
    static final int MAX_CAPACITY = 3;
    static final int MAX_SEQUENTIAL_OPS = 80;
    static final int MAX_THREAD_OPS = 120;
    static final int MAX_THREADS = 3;

    private static final Duration PER_CASE = Duration.ofSeconds(30);
    private static final SlowConsumerPolicy[] POLICIES = SlowConsumerPolicy.values();
    private static final int LAST = Scenarios.SESSIONS - 1;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void sequentialInterleavingsMatchTheModel() {
        long seed = seed(0x0A11_B17E_5EED_0011L);
        // Every kind of operation alone, on the first and last session and topic, at the bounds of shards and capacity.
        List<Op> singles = List.of(new Join(0), new Join(LAST), new Leave(0), new Sub(0, 0),
                new Sub(LAST, Scenarios.TOPICS - 1), new Unsub(0, 0), new Bcast(-1), new Bcast(0), new Bcast(LAST),
                new Pub(0), new Pub(Scenarios.TOPICS - 1), new Send(0), new Send(LAST));
        int k = 0;
        for (int shards : new int[] {1, MAX_SHARDS}) {
            for (int capacity : new int[] {0, MAX_CAPACITY}) {
                for (Op op : singles) {
                    sequential(seed, "edge:single-op", List.of(op), shards, POLICIES[k++ % POLICIES.length], capacity);
                }
            }
        }
        // Queues filled past capacity, then leaves, rejoins and sends to absent sessions, under every policy.
        for (int shards = 1; shards <= MAX_SHARDS; shards++) {
            for (SlowConsumerPolicy policy : POLICIES) {
                for (int capacity = 1; capacity <= MAX_CAPACITY; capacity++) {
                    sequential(seed, "edge:slow-consumers", slowConsumerScript(capacity), shards, policy, capacity);
                }
            }
        }
        SplittableRandom cases = new SplittableRandom(seed);
        // The longest lists over the whole configuration grid.
        for (int shards = 1; shards <= MAX_SHARDS; shards++) {
            for (SlowConsumerPolicy policy : POLICIES) {
                for (int capacity = 0; capacity <= MAX_CAPACITY; capacity++) {
                    sequential(seed, "edge:longest-" + shards + "-" + policy + "-" + capacity,
                            Scenarios.randomOps(cases.split(), MAX_SEQUENTIAL_OPS), shards, policy, capacity);
                }
            }
        }
        for (int i = 0; i < SEQUENTIAL_CASES; i++) {
            SplittableRandom r = cases.split();
            List<Op> ops = Scenarios.randomOps(r, r.nextInt(1, MAX_SEQUENTIAL_OPS + 1));
            int shards = r.nextInt(1, MAX_SHARDS + 1);
            SlowConsumerPolicy policy = POLICIES[r.nextInt(POLICIES.length)];
            int capacity = r.nextInt(0, MAX_CAPACITY + 1);
            sequential(seed, Integer.toString(i), ops, shards, policy, capacity);
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void concurrentInterleavingsKeepOneOrderAndEachPublishersFifo() {
        long seed = seed(0x0A11_B17E_5EED_0012L);
        SplittableRandom cases = new SplittableRandom(seed);
        // The shortest and longest lists, and one of each, for two and three threads on every shard count.
        for (int threads = 2; threads <= MAX_THREADS; threads++) {
            for (int shards = 1; shards <= MAX_SHARDS; shards++) {
                for (String shape : List.of("shortest", "longest", "mixed")) {
                    SplittableRandom r = cases.split();
                    List<List<Op>> perThread = new ArrayList<>();
                    for (int p = 0; p < threads; p++) {
                        boolean longest = shape.equals("longest") || (shape.equals("mixed") && p > 0);
                        perThread.add(Scenarios.randomOps(r, longest ? MAX_THREAD_OPS : 1));
                    }
                    concurrent(seed, "edge:" + shape, perThread, shards);
                }
            }
        }
        for (int i = 0; i < CONCURRENT_CASES; i++) {
            SplittableRandom r = cases.split();
            int threads = r.nextInt(2, MAX_THREADS + 1);
            List<List<Op>> perThread = new ArrayList<>();
            for (int p = 0; p < threads; p++) {
                perThread.add(Scenarios.randomOps(r, r.nextInt(1, MAX_THREAD_OPS + 1)));
            }
            concurrent(seed, Integer.toString(i), perThread, r.nextInt(1, MAX_SHARDS + 1));
        }
    }

    /**
     * Every session joins and subscribes; more publications than the bounded sessions hold; then a broadcast with an
     * exclusion, sends, a leave, a send to the absent session, a rejoin, and publications after resubscribing.
     */
    private static List<Op> slowConsumerScript(int capacity) {
        List<Op> ops = new ArrayList<>();
        for (int s = 0; s < Scenarios.SESSIONS; s++) {
            ops.add(new Join(s));
            ops.add(new Sub(s, 0));
            if (s % 2 == 1) {
                ops.add(new Sub(s, 1));
            }
        }
        for (int n = 0; n < capacity + 2; n++) {
            ops.add(new Pub(0));
        }
        ops.add(new Bcast(1));
        ops.add(new Send(0));
        ops.add(new Send(1));
        ops.add(new Leave(0));
        ops.add(new Send(0));
        ops.add(new Pub(0));
        ops.add(new Join(0));
        ops.add(new Pub(0));
        ops.add(new Sub(0, 0));
        ops.add(new Pub(0));
        ops.add(new Unsub(2, 0));
        ops.add(new Pub(0));
        ops.add(new Pub(1));
        ops.add(new Leave(LAST));
        ops.add(new Bcast(LAST));
        ops.add(new Bcast(-1));
        return ops;
    }

    private static void sequential(long seed, String testCase, List<Op> ops, int shards, SlowConsumerPolicy policy,
                                   int capacity) {
        runCase(seed, testCase, "shards=" + shards + ", policy=" + policy + ", capacity=" + capacity + ", "
                + ops.size() + " ops", () -> Scenarios.runSequential(ops, shards, policy, capacity));
    }

    private static void concurrent(long seed, String testCase, List<List<Op>> perThread, int shards) {
        List<Integer> sizes = new ArrayList<>();
        for (List<Op> ops : perThread) {
            sizes.add(ops.size());
        }
        runCase(seed, testCase, "shards=" + shards + ", threads=" + perThread.size() + ", ops per thread " + sizes,
                () -> Scenarios.runConcurrent(perThread, shards));
    }

    /** Runs one case under {@link #PER_CASE}; any failure, a timeout included, is reported with seed and case. */
    private static void runCase(long seed, String testCase, String config, Executable body) {
        try {
            assertTimeoutPreemptively(PER_CASE, body);
        } catch (Throwable t) {
            String what = t instanceof AssertionError ? t.getMessage() : t.toString();
            throw new AssertionError(label(seed, testCase) + " (" + config + "): " + what, t);
        }
    }

    // ------------------------------------------------------------------------------------------------ seeds

    /** The seed to use: {@value #SEED_PROPERTY} if set, else the property's fixed default. */
    static long seed(long fixedDefault) {
        String value = System.getProperty(SEED_PROPERTY);
        if (value == null || value.isBlank()) {
            return fixedDefault;
        }
        value = value.strip();
        if (value.equalsIgnoreCase("random")) {
            return new SplittableRandom().nextLong();
        }
        if (value.startsWith("0x") || value.startsWith("0X")) {
            return Long.parseUnsignedLong(value.substring(2), 16);
        }
        return Long.parseLong(value);
    }

    static String label(long seed, String testCase) {
        return String.format("seed=0x%016x, case=%s", seed, testCase);
    }
}
