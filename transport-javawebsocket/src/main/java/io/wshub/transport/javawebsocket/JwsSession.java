package io.wshub.transport.javawebsocket;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
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

    /** Control frames (pings, pongs) to send; created on first use, most sessions never have one. */
    private volatile ConcurrentLinkedQueue<Message> control;

    private volatile boolean gone;
    /** Our close frame, once the kernel asked for it ({@link #sendClose}); sent when nothing is pending. */
    private volatile Message.Close closeFrame;

    JwsSession(long id, JwsConnection conn, JwsServer server, HandshakeRequest handshake, String subprotocol,
               Map<String, Object> attributes, Endpoint endpoint, OutboundQueue queue) {
        super(id, handshake, subprotocol, attributes, endpoint, queue);
        this.conn = conn;
        this.server = server;
    }

    @Override
    protected void handOverDue() {
        server.tasks().request(conn);
    }

    /** The kernel started our close: the selector sends the frame once what is queued has been handed over. */
    @Override
    protected void sendClose(Message.Close close) {
        closeFrame = close;
        server.tasks().request(conn);
    }

    // ---------------------------------------------------------------------------------------- transport side

    JwsConnection connection() {
        return conn;
    }

    /** The kernel's queue of this session, for the selector thread's hand-overs. */
    OutboundQueue queue() {
        return outbound();
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

    /** Our close frame, or null if we did not start the close. */
    Message.Close closeFrame() {
        return closeFrame;
    }

    /** Drops the control frames never written once the connection is gone (the kernel discards the queue). */
    void discardControl() {
        ConcurrentLinkedQueue<Message> c = control;
        if (c != null) {
            c.clear();
        }
    }
}
