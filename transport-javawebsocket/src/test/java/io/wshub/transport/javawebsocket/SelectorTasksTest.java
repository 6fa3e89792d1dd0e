package io.wshub.transport.javawebsocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The selector wake-up of {@link SelectorTasks}: every request is serviced, with nothing but the request itself to
 * wake the selector. A lost wake-up (the pipe drained while the "already signalled" flag stays set) once stranded a
 * client's frames until something else happened on the selector.
 */
class SelectorTasksTest {

    private static final int REQUESTERS = 3;
    private static final int ROUNDS = 20_000;
    private static final long RUN_NANOS = 4_000_000_000L;
    private static final long SERVICE_WAIT_NANOS = 2_000_000_000L;

    /** A target that counts how often the selector thread serviced it. */
    private static final class CountingTarget implements SelectorTasks.Target {
        private final AtomicBoolean requested = new AtomicBoolean();
        private volatile long serviced;

        @Override
        public boolean markServiceRequested() {
            return requested.compareAndSet(false, true);
        }

        @Override
        public void clearServiceRequested() {
            requested.set(false);
        }

        @Override
        public void serviceOnSelector() {
            serviced++;
        }
    }

    @Test
    @Timeout(60)
    void everyRequestWakesTheSelector() throws Exception {
        SelectorTasks tasks = new SelectorTasks();
        Selector selector = Selector.open();
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        tasks.registerPipe(selector, null);
        // The library's selector loop, reduced to what matters: block in select() with no timeout, run the tasks when
        // the pipe is readable.
        Thread selectorThread = new Thread(() -> {
            try {
                while (!stop.get()) {
                    selector.select();
                    if (!selector.selectedKeys().isEmpty()) {
                        selector.selectedKeys().clear();
                        tasks.read(null);
                    }
                }
            } catch (IOException | ClosedSelectorException e) {
                if (!stop.get()) {
                    failures.add("selector loop failed: " + e);
                }
            }
        }, "test-selector");
        selectorThread.start();
        List<Thread> requesters = new ArrayList<>();
        long[] requests = new long[REQUESTERS];
        long deadline = System.nanoTime() + RUN_NANOS;
        try {
            for (int t = 0; t < REQUESTERS; t++) {
                int index = t;
                Thread r = new Thread(() -> {
                    CountingTarget target = new CountingTarget();
                    for (int i = 0; i < ROUNDS && System.nanoTime() - deadline < 0 && failures.isEmpty(); i++) {
                        long before = target.serviced;
                        tasks.request(target);
                        requests[index]++;
                        long waitUntil = System.nanoTime() + SERVICE_WAIT_NANOS;
                        while (target.serviced == before) {
                            if (System.nanoTime() - waitUntil > 0) {
                                failures.add("request " + i + " of requester " + index + " was not serviced within "
                                        + SERVICE_WAIT_NANOS / 1_000_000 + " ms: the selector was never woken");
                                return;
                            }
                            Thread.onSpinWait();
                        }
                    }
                }, "test-requester-" + t);
                requesters.add(r);
                r.start();
            }
            for (Thread r : requesters) {
                r.join();
            }
        } finally {
            stop.set(true);
            selector.wakeup();
            selectorThread.join(5_000);
            selector.close();
            tasks.close();
        }
        assertEquals(List.of(), List.copyOf(failures));
        for (long n : requests) {
            assertTrue(n > 1_000, "each requester should have made many requests; made " + n);
        }
    }
}
