package io.wshub.disruptor;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Hub;
import io.wshub.api.HubStats;
import io.wshub.api.PublishResult;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/** Helpers shared by the hub tests. */
final class HubFixture {

    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private HubFixture() {
    }

    /** A thread name prefix no other test uses. */
    static String uniquePrefix(String name) {
        return "t-" + name + "-" + PREFIXES.incrementAndGet();
    }

    /** Retries an operation while the hub answers BACKPRESSURED, for at most 20 s; fails on CLOSED or timeout. */
    static void retry(Supplier<PublishResult> op) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            PublishResult r = op.get();
            if (r == PublishResult.ACCEPTED) {
                return;
            }
            assertThat(r).isEqualTo(PublishResult.BACKPRESSURED);
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("still backpressured after 20 s");
            }
            LockSupport.parkNanos(50_000L);
        }
    }

    /** Waits until every sequenced operation has been processed. */
    static HubStats drained(Hub hub) {
        Waits.until(() -> hub.stats().backlog() == 0, () -> "backlog 0, stats " + hub.stats());
        return hub.stats();
    }
}
