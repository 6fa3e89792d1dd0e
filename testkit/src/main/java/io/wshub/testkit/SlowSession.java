package io.wshub.testkit;

import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.Session;
import io.wshub.api.spi.AbstractSession;
import io.wshub.api.spi.SessionIds;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An in-memory {@link Session} with a bounded outbound queue that drains only when the test says so: a client that
 * has stopped reading. {@link #offer} answers {@link OfferResult#FULL} when the queue holds {@code maxQueuedMessages}
 * messages or the new message would take it over {@code maxQueuedBytes} (a message larger than the byte limit still
 * fits an empty queue, as {@link io.wshub.api.ServerConfig#maxQueuedBytes()} specifies). {@link #evictOldest()} removes
 * the oldest queued message, as a drop-oldest policy needs. Bytes are counted as payload bytes.
 *
 * <p>It records what it delivered (drained), evicted and refused, the close code, and the largest queue it ever held,
 * so a test can check that a hub never pushed it past its limits.
 *
 * <p>Thread-safety: every method may be called from any thread; state is guarded by this object's monitor. Arguments
 * must not be null.
 */
public final class SlowSession extends AbstractSession {

    /** The value {@link #closeCode()} returns while the session is open. */
    public static final int NOT_CLOSED = -1;

    private final int maxQueuedMessages;
    private final long maxQueuedBytes;
    private final ArrayDeque<Message> queue = new ArrayDeque<>();
    private final List<Message> delivered = new ArrayList<>();
    private final List<Message> evicted = new ArrayList<>();
    private long queuedBytes;
    private long refused;
    private int flushes;
    private int highWaterMessages;
    private long highWaterBytes;
    private int closeCode = NOT_CLOSED;
    private String closeReason;

    /**
     * Creates an open session with a bounded queue.
     *
     * @param maxQueuedMessages the most messages queued at once, 1 or more
     * @param maxQueuedBytes the most payload bytes queued at once, 1 or more
     * @throws IllegalArgumentException if a limit is below 1
     */
    public SlowSession(int maxQueuedMessages, long maxQueuedBytes) {
        super(SessionIds.next(), Sessions.defaultHandshake("/ws"), null, Map.of());
        if (maxQueuedMessages < 1) {
            throw new IllegalArgumentException("maxQueuedMessages must be 1 or more, was " + maxQueuedMessages);
        }
        if (maxQueuedBytes < 1) {
            throw new IllegalArgumentException("maxQueuedBytes must be 1 or more, was " + maxQueuedBytes);
        }
        this.maxQueuedMessages = maxQueuedMessages;
        this.maxQueuedBytes = maxQueuedBytes;
    }

    @Override
    public synchronized boolean isOpen() {
        return closeCode == NOT_CLOSED;
    }

    @Override
    public synchronized OfferResult offer(Message message) {
        Sessions.checkMessage(message);
        if (closeCode != NOT_CLOSED) {
            return OfferResult.CLOSED;
        }
        int len = message.payloadLength();
        if (queue.size() >= maxQueuedMessages || (!queue.isEmpty() && queuedBytes + len > maxQueuedBytes)) {
            refused++;
            return OfferResult.FULL;
        }
        queue.addLast(message);
        queuedBytes += len;
        highWaterMessages = Math.max(highWaterMessages, queue.size());
        highWaterBytes = Math.max(highWaterBytes, queuedBytes);
        notifyAll();
        return OfferResult.ENQUEUED;
    }

    @Override
    public synchronized boolean evictOldest() {
        Message m = queue.pollFirst();
        if (m == null) {
            return false;
        }
        queuedBytes -= m.payloadLength();
        evicted.add(m);
        return true;
    }

    @Override
    public synchronized void flush() {
        flushes++;
    }

    @Override
    public synchronized void close(int code, String reason) {
        Sessions.checkClose(code, reason);
        if (closeCode == NOT_CLOSED) {
            closeCode = code;
            closeReason = reason;
            notifyAll();
        }
    }

    @Override
    public synchronized int queuedMessages() {
        return queue.size();
    }

    @Override
    public synchronized long queuedBytes() {
        return queuedBytes;
    }

    /**
     * Lets the client read: moves up to {@code count} of the oldest queued messages to {@link #delivered()}.
     *
     * @param count the most messages to drain, 0 or more
     * @return how many were drained
     */
    public synchronized int drain(int count) {
        int n = 0;
        while (n < count && !queue.isEmpty()) {
            Message m = queue.pollFirst();
            queuedBytes -= m.payloadLength();
            delivered.add(m);
            n++;
        }
        return n;
    }

    /**
     * Drains everything queued.
     *
     * @return how many were drained
     */
    public synchronized int drainAll() {
        return drain(Integer.MAX_VALUE);
    }

    /**
     * Returns the messages currently queued, oldest first.
     *
     * @return an unmodifiable copy; never null
     */
    public synchronized List<Message> queued() {
        return List.copyOf(queue);
    }

    /**
     * Returns the messages drained so far, in order.
     *
     * @return an unmodifiable copy; never null
     */
    public synchronized List<Message> delivered() {
        return List.copyOf(delivered);
    }

    /**
     * Returns the messages removed by {@link #evictOldest()}, in order.
     *
     * @return an unmodifiable copy; never null
     */
    public synchronized List<Message> evicted() {
        return List.copyOf(evicted);
    }

    /**
     * Returns how many offers were refused with {@link OfferResult#FULL}.
     *
     * @return the count
     */
    public synchronized long refusedCount() {
        return refused;
    }

    /**
     * Returns how many times {@link #flush()} was called.
     *
     * @return the count
     */
    public synchronized int flushCount() {
        return flushes;
    }

    /**
     * Returns the most messages ever queued at once.
     *
     * @return the high-water mark
     */
    public synchronized int highWaterMessages() {
        return highWaterMessages;
    }

    /**
     * Returns the most payload bytes ever queued at once.
     *
     * @return the high-water mark
     */
    public synchronized long highWaterBytes() {
        return highWaterBytes;
    }

    /**
     * Returns the message limit.
     *
     * @return the most messages queued at once
     */
    public int maxQueuedMessages() {
        return maxQueuedMessages;
    }

    /**
     * Returns the byte limit.
     *
     * @return the most payload bytes queued at once
     */
    public long maxQueuedBytes() {
        return maxQueuedBytes;
    }

    /**
     * Returns the code of the first {@link #close} call.
     *
     * @return the close code, or {@link #NOT_CLOSED}
     */
    public synchronized int closeCode() {
        return closeCode;
    }

    /**
     * Returns the reason of the first {@link #close} call.
     *
     * @return the reason, or null while open
     */
    public synchronized String closeReason() {
        return closeReason;
    }

    /**
     * Waits until at least {@code count} messages have been offered and accepted in total (queued, drained or
     * evicted).
     *
     * @param count the number to wait for
     * @param timeout the most to wait; not null
     * @return whether that many were accepted in time
     * @throws InterruptedException if interrupted
     */
    public synchronized boolean awaitAccepted(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (queue.size() + delivered.size() + evicted.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000L));
        }
        return true;
    }

    @Override
    public synchronized String toString() {
        return "SlowSession[id=" + id() + ", queued=" + queue.size() + "/" + maxQueuedMessages + ", bytes="
                + queuedBytes + "/" + maxQueuedBytes + ", delivered=" + delivered.size() + ", evicted=" + evicted.size()
                + ", refused=" + refused + (closeCode == NOT_CLOSED ? "" : ", closed=" + closeCode) + "]";
    }
}
