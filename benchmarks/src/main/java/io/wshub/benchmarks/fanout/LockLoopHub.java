package io.wshub.benchmarks.fanout;

import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.Session;
import java.util.Arrays;

/**
 * Baseline: the publishing thread walks the member array under one lock and offers the shared message to each
 * member, as the simplest chat servers do. Publishers are serialised by the lock; there is no queue and no other
 * thread.
 *
 * <p>Thread-safety: any thread may broadcast.
 */
final class LockLoopHub implements FanoutHub {

    private final Object lock = new Object();
    private Session[] members = new Session[0];
    private long refused;

    @Override
    public void joinAll(Session[] joining) {
        synchronized (lock) {
            Session[] next = Arrays.copyOf(members, members.length + joining.length);
            System.arraycopy(joining, 0, next, members.length, joining.length);
            members = next;
        }
    }

    @Override
    public boolean broadcast(Message message) {
        synchronized (lock) {
            Session[] m = members;
            for (Session s : m) {
                if (s.offer(message) != OfferResult.ENQUEUED) {
                    refused++;
                }
            }
            for (Session s : m) {
                s.flush();
            }
        }
        return true;
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (refused != 0) {
                throw new IllegalStateException("lock-loop: " + refused + " offers refused");
            }
            members = new Session[0];
        }
    }

    @Override
    public String toString() {
        return "lock-loop";
    }
}
