package io.wshub.api;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One client connection, implemented by a transport and handed to the application's {@link Endpoint}.
 *
 * <p>The outbound side is a bounded queue: {@link #offer(Message)} adds to it without blocking and reports
 * {@link OfferResult#FULL} when the configured limits ({@link ServerConfig#maxQueuedMessages()},
 * {@link ServerConfig#maxQueuedBytes()}, counted in wire bytes: {@link #queuedBytes()}) would be exceeded. Bytes leave
 * on the transport's I/O thread. A message's encoded bytes ({@link Message#wireFrame()}) are shared, never copied per
 * session where the library allows.
 *
 * <h2>The flush contract: offer queues, flush sends</h2>
 *
 * <ul>
 *   <li>{@link #offer(Message)} only queues: it never starts a write. A message offered is sent after the next
 *       {@link #flush()} or {@link #close(int, String)} of this session, and not before; one that is followed by
 *       neither is never sent.</li>
 *   <li>{@link #flush()} sends everything queued before it, in order, in as few writes as the transport can (one
 *       write per client for a burst). The transport keeps writing, in bounded batches, until all of it is written or
 *       the connection ends; no second flush is needed. Messages offered after the flush wait for the next one.</li>
 *   <li>A close sends everything queued before it, then the close frame: closing implies a flush.</li>
 * </ul>
 *
 * <p>So a caller that offers must flush after its last offer of a batch: a hub calls {@code flush()} once per session
 * it offered to at the end of each batch ({@link Hub}); an endpoint that replies from {@link Endpoint#onMessage} calls
 * it after its reply ({@link Endpoints#echo()} does). A {@link SubscriptionListener}'s offers are flushed by the hub.
 * {@code flush()} is cheap when nothing is queued or a write is already under way. Every transport follows this
 * contract through the transport kernel's {@link io.wshub.api.spi.OutboundQueue}.
 *
 * <p>Thread-safety: every method may be called from any thread, concurrently, and none blocks. Messages offered
 * from one thread are sent in the order offered. No method accepts or returns {@code null} unless documented.
 */
public interface Session {

    /**
     * Returns this session's identifier: positive, unique within the process, and across the processes of one
     * backplane (see {@link io.wshub.api.spi.SessionIds}).
     *
     * @return a positive identifier
     */
    long id();

    /**
     * Returns the upgrade request that opened this session.
     *
     * @return the handshake request; never null
     */
    HandshakeRequest handshake();

    /**
     * Returns the negotiated subprotocol.
     *
     * @return the subprotocol, or {@code null} if none was negotiated
     */
    String subprotocol();

    /**
     * Returns the client's address.
     *
     * @return the remote address; never null
     */
    InetSocketAddress remoteAddress();

    /**
     * Returns this session's attributes: a concurrent, mutable map that starts with the attributes the
     * {@link HandshakePolicy} accepted the session with. Null keys and values are not allowed.
     *
     * @return the attribute map; never null
     */
    Map<String, Object> attributes();

    /**
     * Returns whether the session is open: the handshake completed and no close has started.
     *
     * @return {@code true} while messages may be offered
     */
    boolean isOpen();

    /**
     * Queues a message for this client without blocking.
     *
     * <p>A {@link Message.Close} is the same as {@link #close(int, String)} with its code and reason (1000 for an empty
     * close, {@link Message.Close#empty()}, whose 1005 may not be sent): its close frame is queued after what is already
     * queued, and the answer is {@link OfferResult#ENQUEUED} if this call started the close, {@link OfferResult#CLOSED}
     * if a close had already started. A close is never refused as {@link OfferResult#FULL}, and never throws. Every
     * transport behaves this way (the transport kernel's {@link io.wshub.api.spi.LifecycleSession} implements it).
     *
     * @param message the message; not null. Usually {@link Message.Text} or {@link Message.Binary}; a transport may
     *                also accept {@link Message.Ping} and {@link Message.Pong}; a {@link Message.Close} closes
     * @return {@link OfferResult#ENQUEUED}, {@link OfferResult#FULL} if the bounded queue has no room, or
     *         {@link OfferResult#CLOSED} once a close has started (from either side) or the session is closed
     */
    OfferResult offer(Message message);

    /**
     * Removes the oldest message that is still queued and not yet handed to the network, to make room under a
     * drop-oldest policy.
     *
     * <p>A transport may hand a bounded part of the queue to its library ahead of time (a few dozen KiB, say); that
     * part can no longer be evicted, but still counts in {@link #queuedMessages()} and {@link #queuedBytes()}.
     *
     * @return {@code true} if a message was removed; {@code false} if none could be (the queue is empty, or everything
     *         queued is already being written)
     */
    boolean evictOldest();

    /**
     * Sends everything queued so far: the transport writes it on its I/O thread, in order, coalesced into as few
     * writes as it can, and keeps writing in bounded batches until all of it is written, without another call. Without
     * a flush (or a close) nothing offered is sent; see the class description. Never blocks; does nothing once the
     * session is closed.
     */
    void flush();

    /**
     * Starts the close handshake: everything already queued is sent (a close implies a {@link #flush()}), then a close
     * frame, and the connection is closed when the client answers or a timeout passes. Idempotent; later calls are
     * ignored.
     *
     * @param code a code that may appear on the wire ({@link CloseCode#isValidOnWire(int)})
     * @param reason the reason; not null, at most 123 bytes in UTF-8
     * @throws IllegalArgumentException if the code may not be sent or the reason is too long
     */
    void close(int code, String reason);

    /**
     * Starts the close handshake with a named code.
     *
     * @param code a code that may appear on the wire; not null
     * @param reason the reason; not null, at most 123 bytes in UTF-8
     * @throws IllegalArgumentException if the code may not be sent or the reason is too long
     */
    default void close(CloseCode code, String reason) {
        close(code.code(), reason);
    }

    /**
     * Returns how many messages are queued for this client and not yet fully written.
     *
     * @return the queued message count, 0 or more
     */
    int queuedMessages();

    /**
     * Returns how many bytes are queued for this client and not yet fully written, in wire bytes: each message counts
     * its encoded frame, {@link Message#wireFrameLength()} (the payload plus a 2, 4 or 10 byte header), on every
     * transport. This is what {@link ServerConfig#maxQueuedBytes()} bounds.
     *
     * @return the queued byte count, 0 or more
     */
    long queuedBytes();
}
