package io.wshub.benchmarks.fanout;

import io.wshub.api.Message;
import io.wshub.api.Session;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Baseline shaped like a tokio broadcast receiver or the gorilla chat hub: every member has its own bounded queue;
 * the publisher offers the shared message into each member's queue, and a consumer drains each queue and hands the
 * message to the session (in a real server, its writer).
 *
 * <p>Gorilla runs one goroutine per client; on a 2-core machine a thread per session (up to 10,000) would measure the
 * scheduler, not the hub, so a small fixed pool of {@value #CONSUMERS} consumer threads drains the queues, each
 * owning the members {@code i % CONSUMERS}. An idle consumer spins briefly, yields, then parks for at most 50 µs; a
 * publisher unparks parked consumers after each broadcast. When a member's queue is full the publisher waits for room
 * (nothing is dropped), and counts the wait in {@link #fullOffers()}.
 *
 * <p>Thread-safety: any number of threads may broadcast.
 */
final class QueuePerSessionHub implements FanoutHub {

    static final int CONSUMERS = 2;
    static final int QUEUE_CAPACITY = 1024;

    private Member[] members = new Member[0];
    private final Consumer[] consumers = new Consumer[CONSUMERS];
    private final AtomicLong fullOffers = new AtomicLong();

    QueuePerSessionHub() {
        for (int i = 0; i < CONSUMERS; i++) {
            consumers[i] = new Consumer(i);
        }
    }

    @Override
    public void joinAll(Session[] joining) {
        Member[] next = new Member[joining.length];
        for (int i = 0; i < joining.length; i++) {
            next[i] = new Member(joining[i]);
        }
        members = next;
        for (Consumer c : consumers) {
            int n = 0;
            for (int i = c.index; i < next.length; i += CONSUMERS) {
                n++;
            }
            Member[] mine = new Member[n];
            int j = 0;
            for (int i = c.index; i < next.length; i += CONSUMERS) {
                mine[j++] = next[i];
            }
            c.members = mine;
            if (!c.thread.isAlive()) {
                c.thread.start();
            }
        }
    }

    @Override
    public boolean broadcast(Message message) {
        for (Member m : members) {
            if (!m.queue.offer(message)) {
                fullOffers.incrementAndGet();
                wakeAll();
                int spins = 0;
                while (!m.queue.offer(message)) {
                    if (++spins > 64) {
                        Thread.yield();
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }
        }
        wakeAll();
        return true;
    }

    private void wakeAll() {
        for (Consumer c : consumers) {
            if (c.parked) {
                LockSupport.unpark(c.thread);
            }
        }
    }

    long fullOffers() {
        return fullOffers.get();
    }

    @Override
    public void close() {
        for (Consumer c : consumers) {
            c.running = false;
            LockSupport.unpark(c.thread);
        }
        for (Consumer c : consumers) {
            try {
                c.thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (c.thread.isAlive()) {
                throw new IllegalStateException("consumer did not stop: " + c.thread.getName());
            }
        }
    }

    @Override
    public String toString() {
        return "queue-per-session";
    }

    private static final class Member {
        final Session session;
        final MpscBoundedQueue queue = new MpscBoundedQueue(QUEUE_CAPACITY);

        Member(Session session) {
            this.session = session;
        }
    }

    private static final class Consumer implements Runnable {
        final int index;
        final Thread thread;
        volatile Member[] members = new Member[0];
        volatile boolean running = true;
        volatile boolean parked;

        Consumer(int index) {
            this.index = index;
            this.thread = new Thread(this, "queue-per-session-consumer-" + index);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            int idle = 0;
            while (running) {
                boolean found = false;
                for (Member m : members) {
                    Message msg = m.queue.poll();
                    if (msg == null) {
                        continue;
                    }
                    do {
                        m.session.offer(msg);
                    } while ((msg = m.queue.poll()) != null);
                    m.session.flush();
                    found = true;
                }
                if (found) {
                    idle = 0;
                } else if (++idle < 64) {
                    Thread.onSpinWait();
                } else if (idle < 128) {
                    Thread.yield();
                } else {
                    parked = true;
                    LockSupport.parkNanos(50_000);
                    parked = false;
                }
            }
        }
    }

    /** A bounded multi-producer, single-consumer array queue that allocates nothing per element. */
    static final class MpscBoundedQueue {
        private final AtomicReferenceArray<Message> slots;
        private final int mask;
        private final AtomicLong tail = new AtomicLong();
        private volatile long head;

        MpscBoundedQueue(int capacity) {
            if (Integer.bitCount(capacity) != 1) {
                throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
            }
            slots = new AtomicReferenceArray<>(capacity);
            mask = capacity - 1;
        }

        boolean offer(Message m) {
            long t;
            do {
                t = tail.get();
                if (t - head >= slots.length()) {
                    return false;
                }
            } while (!tail.compareAndSet(t, t + 1));
            slots.lazySet((int) t & mask, m);
            return true;
        }

        Message poll() {
            long h = head;
            int i = (int) h & mask;
            Message m = slots.get(i);
            if (m == null) {
                return null;
            }
            slots.lazySet(i, null);
            head = h + 1;
            return m;
        }
    }
}
