package io.wshub.disruptor;

import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A session whose first offer blocks the calling fan-out thread until the test opens the gate (at most 30 s): the
 * only way to hold a hub's ring full on purpose. Test-only; a real session must never block.
 */
final class GateSession extends ForwardingSession {

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch gate = new CountDownLatch(1);

    GateSession() {
        super(MemorySession.recording());
    }

    @Override
    public OfferResult offer(Message message) {
        entered.countDown();
        try {
            if (!gate.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return delegate.offer(message);
    }

    /** Waits until a fan-out thread is stuck in {@link #offer}. */
    void awaitBlocked() throws InterruptedException {
        if (!entered.await(20, TimeUnit.SECONDS)) {
            throw new AssertionError("no fan-out thread reached the gate");
        }
    }

    void open() {
        gate.countDown();
    }

    MemorySession recorded() {
        return (MemorySession) delegate;
    }
}
