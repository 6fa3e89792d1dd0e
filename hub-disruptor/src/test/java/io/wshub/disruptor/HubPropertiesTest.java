package io.wshub.disruptor;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.wshub.api.SlowConsumerPolicy;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Property-based checks (jqwik) of ordering and accounting under random interleavings of joins, leaves,
 * subscriptions and publishes. jqwik ignores JUnit's {@code @Timeout}, so each try runs under
 * {@code assertTimeoutPreemptively}.
 */
class HubPropertiesTest {

    private static final Duration PER_TRY = Duration.ofSeconds(30);

    @Property(tries = 100)
    void sequentialInterleavingsMatchTheModel(@ForAll("ops") List<Scenarios.Op> ops,
                                              @ForAll @IntRange(min = 1, max = 3) int shards,
                                              @ForAll SlowConsumerPolicy policy,
                                              @ForAll @IntRange(min = 0, max = 3) int capacity) {
        assertTimeoutPreemptively(PER_TRY, () -> Scenarios.runSequential(ops, shards, policy, capacity));
    }

    @Property(tries = 20)
    void concurrentInterleavingsKeepOneOrderAndEachPublishersFifo(
            @ForAll("threadOps") List<List<Scenarios.Op>> threads,
            @ForAll @IntRange(min = 1, max = 3) int shards) {
        assertTimeoutPreemptively(PER_TRY, () -> Scenarios.runConcurrent(threads, shards));
    }

    @Provide
    Arbitrary<List<Scenarios.Op>> ops() {
        return op().list().ofMinSize(1).ofMaxSize(80);
    }

    @Provide
    Arbitrary<List<List<Scenarios.Op>>> threadOps() {
        return op().list().ofMinSize(1).ofMaxSize(120).list().ofMinSize(2).ofMaxSize(3);
    }

    @Provide
    Arbitrary<Scenarios.Op> op() {
        Arbitrary<Integer> s = Arbitraries.integers().between(0, Scenarios.SESSIONS - 1);
        Arbitrary<Integer> t = Arbitraries.integers().between(0, Scenarios.TOPICS - 1);
        return Arbitraries.oneOf(List.of(
                s.map(Scenarios.Join::new),
                s.map(Scenarios.Join::new),
                s.map(Scenarios.Leave::new),
                Combinators.combine(s, t).as(Scenarios.Sub::new),
                Combinators.combine(s, t).as(Scenarios.Unsub::new),
                Arbitraries.integers().between(-1, Scenarios.SESSIONS - 1).map(Scenarios.Bcast::new),
                Arbitraries.integers().between(-1, Scenarios.SESSIONS - 1).map(Scenarios.Bcast::new),
                t.map(Scenarios.Pub::new),
                s.map(Scenarios.Send::new)));
    }
}
