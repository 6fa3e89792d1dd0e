package io.wshub.disruptor;

import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.spi.AbstractSession;
import io.wshub.api.spi.SessionIds;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory session for hub tests. Three modes:
 * <ul>
 *   <li>{@link #recording()}: every offer is accepted and recorded at once (an always-fast client);</li>
 *   <li>{@link #bounded(int)}: offers queue up to a capacity and stay queued until {@link #drain()} (a client that
 *       reads only when the test says so; never drained, it is the slow consumer);</li>
 *   <li>{@link #counting()}: every offer is accepted and only counted, allocating nothing (for allocation tests).</li>
 * </ul>
 * Thread-safety: any thread; state is guarded by {@code this}, counters are atomic.
 */
final class MemorySession extends AbstractSession {

    private static final InetSocketAddress ADDRESS = new InetSocketAddress("127.0.0.1", 40000);
    private static final HandshakeRequest HANDSHAKE = new HandshakeRequest("/ws", "", Map.of(), ADDRESS);

    private final int capacity;
    private final boolean record;
    private final ArrayDeque<Message> queue;
    private final List<Message> received = new ArrayList<>();
    private final AtomicLong offers = new AtomicLong();
    private final AtomicLong flushes = new AtomicLong();
    private volatile boolean evictable = true;
    private volatile boolean open = true;
    private volatile int closeCode;
    private volatile Message last;

    private MemorySession(int capacity, boolean record) {
        super(SessionIds.next(), HANDSHAKE, null, Map.of());
        this.capacity = capacity;
        this.record = record;
        this.queue = capacity == Integer.MAX_VALUE ? null : new ArrayDeque<>(capacity);
    }

    static MemorySession recording() {
        return new MemorySession(Integer.MAX_VALUE, true);
    }

    static MemorySession bounded(int capacity) {
        return new MemorySession(capacity, true);
    }

    static MemorySession counting() {
        return new MemorySession(Integer.MAX_VALUE, false);
    }

    /** Makes {@link #evictOldest()} refuse, as if everything queued were already being written. */
    MemorySession notEvictable() {
        evictable = false;
        return this;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public OfferResult offer(Message message) {
        if (!open) {
            return OfferResult.CLOSED;
        }
        if (!record) {
            last = message;
            offers.incrementAndGet();
            return OfferResult.ENQUEUED;
        }
        synchronized (this) {
            if (queue == null) {
                received.add(message);
            } else if (queue.size() >= capacity) {
                return OfferResult.FULL;
            } else {
                queue.add(message);
            }
        }
        offers.incrementAndGet();
        return OfferResult.ENQUEUED;
    }

    @Override
    public synchronized boolean evictOldest() {
        if (!evictable || queue == null || queue.isEmpty()) {
            return false;
        }
        queue.poll();
        return true;
    }

    @Override
    public void flush() {
        flushes.incrementAndGet();
    }

    @Override
    public void close(int code, String reason) {
        if (open) {
            open = false;
            closeCode = code;
        }
    }

    @Override
    public synchronized int queuedMessages() {
        return queue == null ? 0 : queue.size();
    }

    @Override
    public synchronized long queuedBytes() {
        long n = 0;
        if (queue != null) {
            for (Message m : queue) {
                n += m.wireFrameLength();
            }
        }
        return n;
    }

    /** Moves everything queued to the received list, as a client reading its socket. */
    synchronized void drain() {
        if (queue != null) {
            received.addAll(queue);
            queue.clear();
        }
    }

    /** Returns what was received (and, for a bounded session, what is still queued), in order. */
    synchronized List<Message> messages() {
        List<Message> all = new ArrayList<>(received);
        if (queue != null) {
            all.addAll(queue);
        }
        return all;
    }

    /** Returns the received texts (and queued ones), in order. */
    List<String> texts() {
        List<String> out = new ArrayList<>();
        for (Message m : messages()) {
            out.add(((Message.Text) m).asString());
        }
        return out;
    }

    long offers() {
        return offers.get();
    }

    long flushes() {
        return flushes.get();
    }

    int closeCode() {
        return closeCode;
    }

    Message last() {
        return last;
    }

    @Override
    public String toString() {
        return "MemorySession[" + id() + "]";
    }
}
