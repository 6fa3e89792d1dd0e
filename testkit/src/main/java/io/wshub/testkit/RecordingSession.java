package io.wshub.testkit;

import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.Session;
import io.wshub.api.spi.AbstractSession;
import io.wshub.api.spi.SessionIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An in-memory {@link Session} that accepts every message and records it, as if it were written to the client at once:
 * its queue is always empty, and {@link #offer} answers {@link OfferResult#ENQUEUED} until the session is closed and
 * {@link OfferResult#CLOSED} after. It also records every {@link #flush()} and the close code and reason.
 *
 * <p>Thread-safety: every method may be called from any thread; the recorded state is guarded by this object's monitor.
 * Arguments must not be null.
 */
public final class RecordingSession extends AbstractSession {

    /** The value {@link #closeCode()} returns while the session is open. */
    public static final int NOT_CLOSED = -1;

    private final List<Message> messages = new ArrayList<>();
    private int flushes;
    private int flushesAfterLastOffer;
    private int closeCode = NOT_CLOSED;
    private String closeReason;

    /** Creates an open session whose handshake was for path {@code /ws}. */
    public RecordingSession() {
        this(Sessions.defaultHandshake("/ws"));
    }

    /**
     * Creates an open session with a given handshake.
     *
     * @param handshake the upgrade request the session pretends to come from; not null
     */
    public RecordingSession(HandshakeRequest handshake) {
        super(SessionIds.next(), handshake, null, Map.of());
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
        messages.add(message);
        flushesAfterLastOffer = 0;
        notifyAll();
        return OfferResult.ENQUEUED;
    }

    /**
     * Returns {@code false}: recorded messages count as written, so nothing is ever left to evict.
     *
     * @return {@code false}
     */
    @Override
    public boolean evictOldest() {
        return false;
    }

    @Override
    public synchronized void flush() {
        flushes++;
        flushesAfterLastOffer++;
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
    public int queuedMessages() {
        return 0;
    }

    @Override
    public long queuedBytes() {
        return 0;
    }

    /**
     * Returns a snapshot of the messages offered while open, in order.
     *
     * @return an unmodifiable copy; never null
     */
    public synchronized List<Message> messages() {
        return List.copyOf(messages);
    }

    /**
     * Returns how many messages were offered while open.
     *
     * @return the count
     */
    public synchronized int messageCount() {
        return messages.size();
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
     * Returns whether {@link #flush()} was called after the last recorded message.
     *
     * @return {@code true} if a flush followed the last offer (or nothing was offered and a flush happened)
     */
    public synchronized boolean flushedAfterLastOffer() {
        return flushesAfterLastOffer > 0;
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
     * Waits until at least {@code count} messages are recorded.
     *
     * @param count the number to wait for
     * @param timeout the most to wait; not null
     * @return whether that many arrived in time
     * @throws InterruptedException if interrupted
     */
    public synchronized boolean awaitMessages(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (messages.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000L));
        }
        return true;
    }

    /**
     * Waits until the session is closed.
     *
     * @param timeout the most to wait; not null
     * @return whether it closed in time
     * @throws InterruptedException if interrupted
     */
    public synchronized boolean awaitClose(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (closeCode == NOT_CLOSED) {
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
        return "RecordingSession[id=" + id() + ", messages=" + messages.size() + ", flushes=" + flushes
                + (closeCode == NOT_CLOSED ? "" : ", closed=" + closeCode) + "]";
    }
}
