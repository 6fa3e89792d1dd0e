package io.wshub.transport.javawebsocket;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.Session;
import io.wshub.api.spi.LifecycleSession;
import io.wshub.api.spi.OutboundQueue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A {@link Session} over one Java-WebSocket connection.
 *
 * <p>Outbound path: the kernel's {@link OutboundQueue} (limits in wire bytes, the flush contract, eviction). When it
 * asks for a hand-over ({@link #flush}, a close, or the last message in flight written) the selector thread takes a
 * bounded batch of the messages' {@link Message#wireFrame() wire frames} and hands it to the library as one out-queue
 * entry, written with gathering writes, arming the connection once, so a batch costs one wake-up. The bytes are never
 * copied per session. Room is released when the selector has fully written a frame, or when a pending message is
 * evicted.
 *
 * <p>Lifecycle: the kernel's {@link LifecycleSession} keeps the session's state, decides the close code and calls the
 * {@link Endpoint}; the server and the connection report the library's events to it.
 *
 * <p>Thread-safety: every method may be called from any thread and none blocks.
 */
final class JwsSession extends LifecycleSession {

    private static final VarHandle CONTROL;

    static {
        try {
            CONTROL = MethodHandles.lookup().findVarHandle(JwsSession.class, "control", ConcurrentLinkedQueue.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final JwsConnection conn;
    private final JwsServer server;
    private final OutboundQueue queue;

    /** Control frames (pings, pongs) to send; created on first use, most sessions never have one. */
    private volatile ConcurrentLinkedQueue<Message> control;

    private volatile boolean gone;
    /** Our close frame, once the kernel asked for it ({@link #sendClose}); sent when nothing is pending. */
    private volatile Message.Close closeFrame;
    private volatile long closeRequestedNanos;
    /** Keepalive timer thread only. */
    private long lastPingNanos = System.nanoTime();

    JwsSession(long id, JwsConnection conn, JwsServer server, HandshakeRequest handshake, String subprotocol,
               Map<String, Object> attributes, Endpoint endpoint, OutboundQueue queue) {
        super(id, handshake, subprotocol, attributes, endpoint);
        this.conn = conn;
        this.server = server;
        this.queue = queue;
    }

    @Override
    protected OfferResult enqueue(Message message) {
        if (gone || !conn.isOpen()) {
            return OfferResult.CLOSED;
        }
        return queue.offer(message);
    }

    @Override
    public boolean evictOldest() {
        return queue.evictOldest();
    }

    @Override
    public void flush() {
        if (queue.flush()) {
            server.tasks().request(conn);
        }
    }

    /** The kernel started our close: the selector sends the frame once what is queued has been handed over. */
    @Override
    protected void sendClose(Message.Close close) {
        closeRequestedNanos = System.nanoTime();
        closeFrame = close;
        queue.close();
        server.tasks().request(conn);
    }

    @Override
    public int queuedMessages() {
        return queue.queuedMessages();
    }

    @Override
    public long queuedBytes() {
        return queue.queuedBytes();
    }

    // ---------------------------------------------------------------------------------------- transport side

    JwsConnection connection() {
        return conn;
    }

    OutboundQueue queue() {
        return queue;
    }

    /** The library reported the connection closed. */
    void gone() {
        gone = true;
    }

    boolean isGone() {
        return gone;
    }

    void sendControl(Message m) {
        if (!gone && conn.isOpen()) {
            control().add(m);
            server.tasks().request(conn);
        }
    }

    /** The control queue, created by the first caller. */
    @SuppressWarnings("unchecked")
    private ConcurrentLinkedQueue<Message> control() {
        ConcurrentLinkedQueue<Message> q = control;
        if (q != null) {
            return q;
        }
        ConcurrentLinkedQueue<Message> created = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Message> witness =
                (ConcurrentLinkedQueue<Message>) CONTROL.compareAndExchange(this, null, created);
        return witness == null ? created : witness;
    }

    Message pollControl() {
        ConcurrentLinkedQueue<Message> c = control;
        return c == null ? null : c.poll();
    }

    boolean closeRequested() {
        return closeFrame != null;
    }

    /** Our close frame, or null if we did not start the close. */
    Message.Close closeFrame() {
        return closeFrame;
    }

    long closeRequestedNanos() {
        return closeRequestedNanos;
    }

    long lastPingNanos() {
        return lastPingNanos;
    }

    void lastPingNanos(long nanos) {
        lastPingNanos = nanos;
    }

    /** Drops what was never written once the connection is gone. */
    void discardPending() {
        queue.discard();
        ConcurrentLinkedQueue<Message> c = control;
        if (c != null) {
            c.clear();
        }
    }
}
