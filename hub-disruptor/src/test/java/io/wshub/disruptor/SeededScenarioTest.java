package io.wshub.disruptor;

import io.wshub.api.SlowConsumerPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The random-interleaving checks of {@link HubPropertiesTest}, driven by fixed seeds from plain JUnit (so they run
 * under a JUnit {@code @Timeout} and are reproducible from the seed in the failure message).
 */
class SeededScenarioTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldMatchTheSequentialModelForSeededInterleavings() {
        SlowConsumerPolicy[] policies = SlowConsumerPolicy.values();
        for (long seed = 1; seed <= 150; seed++) {
            Random r = new Random(seed);
            List<Scenarios.Op> ops = Scenarios.randomOps(r, Scenarios.SESSIONS, 1 + r.nextInt(80));
            int shards = 1 + r.nextInt(3);
            SlowConsumerPolicy policy = policies[r.nextInt(policies.length)];
            int capacity = r.nextInt(4);
            try {
                Scenarios.runSequential(ops, shards, policy, capacity);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldKeepOneOrderAndFifoForSeededConcurrentInterleavings() throws Exception {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            int threads = 2 + r.nextInt(2);
            List<List<Scenarios.Op>> perThread = new ArrayList<>();
            for (int p = 0; p < threads; p++) {
                perThread.add(Scenarios.randomOps(r, Scenarios.SESSIONS, 20 + r.nextInt(100)));
            }
            try {
                Scenarios.runConcurrent(perThread, 1 + r.nextInt(3));
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }
}
