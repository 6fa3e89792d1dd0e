package io.wshub.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wshub.api.spi.ServerCounters;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The counting calls a transport makes per message allocate nothing (hub-api's module cannot see the MXBean). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerCountersAllocationTest {

    @Test
    void shouldNotAllocateWhenCountingMessages() {
        java.lang.management.ThreadMXBean plain = ManagementFactory.getThreadMXBean();
        assumeTrue(plain instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) plain;
        assumeTrue(mx.isThreadAllocatedMemorySupported(), "thread allocation measurement unsupported");
        mx.setThreadAllocatedMemoryEnabled(true);
        ServerCounters c = new ServerCounters();
        long tid = Thread.currentThread().getId();
        int calls = 1_000_000;
        for (int round = 0; round < 3; round++) { // the first rounds warm up (class loading, compilation)
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < calls; i++) {
                c.messageOut(64);
                c.messageIn(64);
                c.closed(1000 + (i & 15));
            }
            long after = mx.getThreadAllocatedBytes(tid);
            if (round == 2) {
                // Measuring itself allocates a little; a byte per call would be 3,000,000.
                assertThat(after - before).as("bytes allocated by %d calls", 3 * calls).isLessThan(4096);
            }
        }
        assertThat(c.snapshot(0, List.of()).messagesOut()).isEqualTo(3L * calls);
    }
}
