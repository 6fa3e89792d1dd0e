package io.wshub.api.spi;

import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * The transport kernel's bounded outbound queue of one session: admission, eviction, the flush contract of
 * {@link Session}, and hand-over to the transport's library in bounded batches. A transport's session keeps one and
 * answers {@link Session#offer}, {@link Session#evictOldest()}, {@link Session#flush()},
 * {@link Session#queuedMessages()} and {@link Session#queuedBytes()} with it; its I/O thread takes what is due with
 * {@link #poll()} and reports each message written (or failed) with {@link #released(int)}.
 *
 * <h2>One unit</h2>
 *
 * <p>Every count is in messages and in <em>wire bytes</em>: the length of the message's encoded server frame,
 * {@link Message#wireFrameLength()} (the payload plus a 2, 4 or 10 byte header), the bytes that really wait for the
 * socket. {@link #offer} answers {@link OfferResult#FULL} when the queue already holds {@code maxMessages} messages,
 * or when the message's wire bytes would take the queue beyond {@code maxBytes}; a message larger than
 * {@code maxBytes} is still accepted into an empty queue ({@link ServerConfig#maxQueuedBytes()}). A message counts from
 * its offer until it is evicted, {@linkplain #released(int) released} or {@linkplain #discard() discarded}.
 *
 * <h2>Three parts</h2>
 *
 * <p>A queued message is <em>pending</em> until it is handed over, then <em>in flight</em> until released. The pending
 * messages are, oldest first, the <em>flushed</em> ones (due to be handed over) and the ones offered since the last
 * {@link #flush()} (which wait for the next). Only pending messages can be evicted ({@link #evictOldest()}, oldest
 * first, whether flushed or not); what is in flight belongs to the library.
 *
 * <h2>The flush contract and bounded hand-over</h2>
 *
 * <p>{@link #offer} never makes anything due: only {@link #flush()} (every message pending at that moment becomes due)
 * and {@link #close()} (everything pending becomes due, and no more offers are taken) do. A hand-over starts only when
 * nothing is in flight and takes the oldest due messages until what is in flight reaches {@code batchMessages}
 * messages or about {@code batchBytes} wire bytes (at least one message); the rest stays pending, and evictable,
 * until everything in flight has been released, when the next hand-over becomes due by itself. So one flush sends
 * everything it made due, in batches, without another flush.
 *
 * <p>The transport learns when to run a hand-over from the answers: {@link #flush()}, {@link #close()} and
 * {@link #released(int)} return {@code true} when a hand-over is now due and none is already scheduled; the
 * transport then runs one on its I/O thread: it calls {@link #poll()} until it returns {@code null} and writes the
 * messages it returned, in order. Running one when none was asked for is harmless (the polls answer {@code null}).
 *
 * <p>Thread-safety: every method may be called from any thread and none blocks; the queue synchronizes on itself
 * (briefly; no method calls out while holding the lock). {@link #poll()} must be called by one thread at a time (the
 * connection's I/O thread). No method accepts or returns {@code null} except {@link #poll()}'s end of a hand-over.
 */
public final class OutboundQueue {

    /** The default most messages of one hand-over. */
    public static final int DEFAULT_BATCH_MESSAGES = 64;
    /** The default wire bytes of one hand-over, about: 64 KiB. */
    public static final int DEFAULT_BATCH_BYTES = 64 * 1024;

    private final int maxMessages;
    private final long maxBytes;
    private final int batchMessages;
    private final int batchBytes;

    // ---- guarded by this
    /** Pending messages, oldest first; created on the first offer (an idle session never has one). */
    private ArrayDeque<Message> pending;
    /** How many of the oldest pending messages are due. */
    private int due;
    private int queuedMessages;
    private long queuedBytes;
    private int inFlightMessages;
    private long inFlightBytes;
    /** A hand-over is being taken: {@link #poll()} may add to it. */
    private boolean batchOpen;
    /** A hand-over was asked for (a method answered true) and has not yet ended (a poll answered null). */
    private boolean scheduled;
    private boolean closed;
    private boolean discarded;

    /**
     * Creates a queue with the default batch bounds ({@link #DEFAULT_BATCH_MESSAGES}, {@link #DEFAULT_BATCH_BYTES}).
     *
     * @param maxMessages the most messages queued, 1 or more ({@link ServerConfig#maxQueuedMessages()})
     * @param maxBytes the most wire bytes queued, 1 or more ({@link ServerConfig#maxQueuedBytes()})
     * @throws IllegalArgumentException if a limit is not positive
     */
    public OutboundQueue(int maxMessages, long maxBytes) {
        this(maxMessages, maxBytes, DEFAULT_BATCH_MESSAGES, DEFAULT_BATCH_BYTES);
    }

    /**
     * Creates a queue.
     *
     * @param maxMessages the most messages queued, 1 or more ({@link ServerConfig#maxQueuedMessages()})
     * @param maxBytes the most wire bytes queued, 1 or more ({@link ServerConfig#maxQueuedBytes()})
     * @param batchMessages the most messages of one hand-over, 1 or more
     * @param batchBytes the wire bytes one hand-over stops at, about (it ends with the message that reaches it), 1 or
     *                   more
     * @throws IllegalArgumentException if a limit is not positive
     */
    public OutboundQueue(int maxMessages, long maxBytes, int batchMessages, int batchBytes) {
        if (maxMessages < 1 || maxBytes < 1 || batchMessages < 1 || batchBytes < 1) {
            throw new IllegalArgumentException("limits must be positive: maxMessages=" + maxMessages + ", maxBytes="
                    + maxBytes + ", batchMessages=" + batchMessages + ", batchBytes=" + batchBytes);
        }
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.batchMessages = batchMessages;
        this.batchBytes = batchBytes;
    }

    /**
     * Creates a queue with a config's limits and the default batch bounds.
     *
     * @param config the server's config; not null
     * @return a new, empty queue
     */
    public static OutboundQueue of(ServerConfig config) {
        return new OutboundQueue(config.maxQueuedMessages(), config.maxQueuedBytes());
    }

    /**
     * Queues a message, pending until the next {@link #flush()} or {@link #close()}.
     *
     * @param message a data message, a ping or a pong; not null, not a {@link Message.Close} (a close frame is the
     *                transport's to send, after what is queued)
     * @return {@link OfferResult#ENQUEUED}; {@link OfferResult#FULL} if the limits leave no room (see the class
     *         description); {@link OfferResult#CLOSED} after {@link #close()} or {@link #discard()}
     * @throws IllegalArgumentException if the message is a close
     */
    public OfferResult offer(Message message) {
        if (Objects.requireNonNull(message, "message") instanceof Message.Close) {
            throw new IllegalArgumentException("a close frame is not queued: " + message);
        }
        int length = message.wireFrameLength();
        synchronized (this) {
            if (closed) {
                return OfferResult.CLOSED;
            }
            if (queuedMessages >= maxMessages || (queuedMessages > 0 && queuedBytes + length > maxBytes)) {
                return OfferResult.FULL;
            }
            ArrayDeque<Message> p = pending;
            if (p == null) {
                p = new ArrayDeque<>(1);
                pending = p;
            }
            p.addLast(message);
            queuedMessages++;
            queuedBytes += length;
            return OfferResult.ENQUEUED;
        }
    }

    /**
     * Removes the oldest pending message (flushed or not); what is in flight cannot be evicted.
     *
     * @return {@code true} if a message was removed; {@code false} if nothing is pending
     */
    public synchronized boolean evictOldest() {
        ArrayDeque<Message> p = pending;
        Message m = p == null ? null : p.pollFirst();
        if (m == null) {
            return false;
        }
        if (due > 0) {
            due--;
        }
        queuedMessages--;
        queuedBytes -= m.wireFrameLength();
        return true;
    }

    /**
     * Makes every pending message due, to be handed over in bounded batches until all of them are written.
     *
     * @return {@code true} if the transport must now run a hand-over on its I/O thread (see the class description);
     *         {@code false} if there is nothing to hand over, or one is scheduled or in progress and the rest follows
     *         by itself
     */
    public synchronized boolean flush() {
        if (pending == null || discarded) {
            return false;
        }
        due = pending.size();
        return schedule();
    }

    /**
     * Takes no more offers and makes everything pending due: the transport writes its close frame once
     * {@link #pendingMessages()} is 0 (everything handed over), or once nothing is in flight either, as its library
     * needs. Idempotent.
     *
     * @return {@code true} if the transport must now run a hand-over on its I/O thread
     */
    public synchronized boolean close() {
        closed = true;
        if (pending == null || discarded) {
            return false;
        }
        due = pending.size();
        return schedule();
    }

    /**
     * The connection has ended: drops every message, pending and in flight, takes no more offers, and counts nothing
     * from now on ({@link #released(int)} is ignored). Idempotent.
     *
     * @return how many messages were dropped (pending and in flight)
     */
    public synchronized int discard() {
        int dropped = discarded ? 0 : queuedMessages;
        closed = true;
        discarded = true;
        if (pending != null) {
            pending.clear();
        }
        due = 0;
        queuedMessages = 0;
        queuedBytes = 0;
        inFlightMessages = 0;
        inFlightBytes = 0;
        batchOpen = false;
        scheduled = false;
        return dropped;
    }

    /**
     * Takes the next message of the current hand-over, on the I/O thread. A hand-over starts with the first call made
     * while nothing is in flight and a message is due, and ends with the call that returns {@code null}: what is in
     * flight has reached the batch bounds, or nothing more is due. The messages it returned are in flight until
     * {@link #released(int)}; so at most {@code batchMessages} messages and about {@code batchBytes} wire bytes are
     * ever in flight.
     *
     * @return the oldest due message, now in flight; or {@code null}: this hand-over is complete (call again only
     *         when a method answers {@code true})
     */
    public synchronized Message poll() {
        if (discarded) {
            scheduled = false;
            return null;
        }
        if (!batchOpen) {
            if (inFlightMessages > 0 || due == 0) {
                scheduled = false;
                return null;
            }
            batchOpen = true;
        } else if (due == 0 || inFlightMessages >= batchMessages || inFlightBytes >= batchBytes) {
            batchOpen = false;
            scheduled = false;
            return null;
        }
        Message m = pending.pollFirst();
        due--;
        int length = m.wireFrameLength();
        inFlightMessages++;
        inFlightBytes += length;
        return m;
    }

    /**
     * A message in flight has been written, or could not be (the library failed it): its room is free again. Call
     * it once for every message {@link #poll()} returned, in any order, from any thread.
     *
     * @param wireFrameLength the message's {@link Message#wireFrameLength()}
     * @return {@code true} if the transport must now run a hand-over on its I/O thread: the last message in flight was
     *         released and more are due
     */
    public synchronized boolean released(int wireFrameLength) {
        if (discarded || inFlightMessages == 0) {
            return false;
        }
        inFlightMessages--;
        inFlightBytes -= wireFrameLength;
        queuedMessages--;
        queuedBytes -= wireFrameLength;
        return inFlightMessages == 0 && !batchOpen && schedule();
    }

    /** Asks for a hand-over if one can start and none is asked for yet. */
    private boolean schedule() {
        if (due == 0 || scheduled || inFlightMessages > 0) {
            return false;
        }
        scheduled = true;
        return true;
    }

    /**
     * Returns how many messages are queued: pending and in flight.
     *
     * @return 0 or more; what {@link Session#queuedMessages()} reports
     */
    public synchronized int queuedMessages() {
        return queuedMessages;
    }

    /**
     * Returns the wire bytes queued: pending and in flight.
     *
     * @return 0 or more; what {@link Session#queuedBytes()} reports
     */
    public synchronized long queuedBytes() {
        return queuedBytes;
    }

    /**
     * Returns how many messages are pending: queued and not yet handed over (the evictable part).
     *
     * @return 0 or more
     */
    public synchronized int pendingMessages() {
        return pending == null ? 0 : pending.size();
    }

    /**
     * Returns how many pending messages are due (made due by a flush or a close and not yet handed over).
     *
     * @return 0 or more
     */
    public synchronized int dueMessages() {
        return due;
    }

    /**
     * Returns how many messages are in flight: handed over and not yet released.
     *
     * @return 0 or more
     */
    public synchronized int inFlightMessages() {
        return inFlightMessages;
    }

    /**
     * Returns the wire bytes in flight.
     *
     * @return 0 or more
     */
    public synchronized long inFlightBytes() {
        return inFlightBytes;
    }

    /**
     * Returns whether {@link #close()} or {@link #discard()} was called.
     *
     * @return {@code true} once no more offers are taken
     */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Returns a short description for logs.
     *
     * @return the counts; never null
     */
    @Override
    public synchronized String toString() {
        return "OutboundQueue[queued=" + queuedMessages + "/" + queuedBytes + "B, pending=" + pendingMessages()
                + ", due=" + due + ", inFlight=" + inFlightMessages + "/" + inFlightBytes + "B"
                + (closed ? ", closed" : "") + "]";
    }
}
