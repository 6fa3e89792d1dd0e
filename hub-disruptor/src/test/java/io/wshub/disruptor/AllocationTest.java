package io.wshub.disruptor;

import static io.wshub.disruptor.HubFixture.retry;
import static io.wshub.disruptor.HubFixture.uniquePrefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wshub.api.Message;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves the fan-out path allocates nothing per delivery: the handler thread's allocated bytes across 100,000
 * deliveries stay under a small constant per batch (what the wait strategy's lock/condition costs when the thread
 * parks between batches), far below one byte per delivery.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AllocationTest {

    private static final int SESSIONS = 100;
    private static final int MESSAGES = 1_000;
    private static final int CHUNK = 10;
    /** Bytes one batch may allocate: a parked wait on a lock condition allocates a node or two. */
    private static final long PER_BATCH = 256;
    /** Slack for one-off costs (a TLAB retire, a lazily built structure). */
    private static final long FIXED = 16 * 1024;

    @Test
    void shouldAllocateNothingPerDelivery() {
        measure(DisruptorHubConfig.builder(), false);
    }

    /**
     * With history on and half the sessions taking envelopes: appending to the history allocates nothing (the ring
     * of references is sized up front here), and the only allocation is the envelope, once per publication.
     */
    @Test
    void shouldAllocateNothingPerDeliveryWithHistoryAndEnvelopes() {
        Message envelope = Message.text("the envelope");
        measure(DisruptorHubConfig.builder().history(io.wshub.api.HistoryConfig.builder().maxPublications(16)
                .envelope((topic, offset, epoch, message) -> envelope).build()), true);
    }

    private void measure(DisruptorHubConfig.Builder config, boolean history) {
        java.lang.management.ThreadMXBean plain = ManagementFactory.getThreadMXBean();
        assumeTrue(plain instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) plain;
        assumeTrue(mx.isThreadAllocatedMemorySupported(), "thread allocation measurement unsupported");
        mx.setThreadAllocatedMemoryEnabled(true);

        DisruptorHub hub = DisruptorHub.start(config.ringSize(1024).threadNamePrefix(uniquePrefix("alloc")).build());
        try {
            MemorySession[] sessions = new MemorySession[SESSIONS];
            for (int i = 0; i < SESSIONS; i++) {
                sessions[i] = MemorySession.counting();
                hub.join(sessions[i]);
                if (history && i % 2 == 0) {
                    hub.subscribe(sessions[i], "feed", io.wshub.api.SubscribeOptions.builder().envelope(true).build());
                } else {
                    hub.subscribe(sessions[i], "feed");
                }
            }
            Message[] messages = new Message[MESSAGES];
            for (int i = 0; i < MESSAGES; i++) {
                messages[i] = Message.text("payload-" + i);
            }
            // Warm up: let the JIT compile the fan-out loop.
            for (int round = 0; round < 5; round++) {
                publishAll(hub, messages);
            }
            waitDelivered(hub, 5L * MESSAGES * SESSIONS);

            long tid = hub.threads().get(0).getId();
            long batchesBefore = hub.batches();
            long before = mx.getThreadAllocatedBytes(tid);
            publishAll(hub, messages);
            waitDelivered(hub, 6L * MESSAGES * SESSIONS);
            long after = mx.getThreadAllocatedBytes(tid);
            long batches = hub.batches() - batchesBefore;
            long allocated = after - before;
            long deliveries = (long) MESSAGES * SESSIONS;
            System.out.printf("AllocationTest: fan-out thread allocated %d bytes for %d deliveries in %d batches%n",
                    allocated, deliveries, batches);

            assertThat(before).isPositive();
            assertThat(batches).isGreaterThanOrEqualTo(MESSAGES / CHUNK);
            assertThat(allocated)
                    .as("bytes allocated by the fan-out thread for %d deliveries in %d batches", deliveries, batches)
                    .isLessThanOrEqualTo(FIXED + PER_BATCH * batches)
                    .isLessThan(deliveries);
            for (MemorySession s : sessions) {
                assertThat(s.offers()).isEqualTo(6L * MESSAGES);
            }
            assertThat(sessions[1].last()).isSameAs(messages[MESSAGES - 1]);
        } finally {
            assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
        }
    }

    /**
     * Publishes every message, alternating broadcast and topic publish, in chunks of {@value #CHUNK} with a wait for
     * the ring to drain after each chunk, so the fan-out thread runs many batches and parks between them.
     */
    private static void publishAll(DisruptorHub hub, Message[] messages) {
        for (int i = 0; i < messages.length; i++) {
            Message m = messages[i];
            if (i % 2 == 0) {
                retry(() -> hub.broadcast(m));
            } else {
                retry(() -> hub.publish("feed", m));
            }
            if (i % CHUNK == CHUNK - 1) {
                Waits.until(() -> hub.stats().backlog() == 0, () -> "chunk drained");
            }
        }
    }

    private static void waitDelivered(DisruptorHub hub, long n) {
        Waits.until(() -> hub.stats().delivered() == n && hub.stats().backlog() == 0,
                () -> "delivered " + n + ", stats " + hub.stats());
    }
}
