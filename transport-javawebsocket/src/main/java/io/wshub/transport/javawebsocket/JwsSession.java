package io.wshub.transport.javawebsocket;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.Session;
import io.wshub.api.spi.LifecycleSession;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A {@link Session} over one Java-WebSocket connection.
 *
 * <p>Outbound path: {@link #offer} reserves room against the config's message and byte limits and appends the shared
 * message to a lock-free pending queue; {@link #flush} (or the transport's own flush shortly after an offer) asks the
 * selector thread to hand the pending messages' {@link Message#wireFrame() wire frames} to the library as one batch
 * (one out-queue entry, written with gathering writes) and arm the connection once, so a batch costs one wake-up. The
 * bytes are never copied per session. Room is released when the selector has fully written a frame, or when a
 * pending message is evicted.
 *
 * <p>Lifecycle: the kernel's {@link LifecycleSession} keeps the session's state, decides the close code and calls the
 * {@link Endpoint}; the server and the connection report the library's events to it.
 *
 * <p>Thread-safety: every method may be called from any thread and none blocks.
 */
final class JwsSession extends LifecycleSession {

    // Counters and flags are fields updated through VarHandles rather than Atomic* objects: memory per connection.
    private static final VarHandle QUEUED_MESSAGES;
    private static final VarHandle QUEUED_BYTES;
    private static final VarHandle AUTO_FLUSH_ARMED;
    private static final VarHandle CONTROL;
    private static final VarHandle PENDING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            QUEUED_MESSAGES = l.findVarHandle(JwsSession.class, "queuedMessages", int.class);
            QUEUED_BYTES = l.findVarHandle(JwsSession.class, "queuedBytes", long.class);
            AUTO_FLUSH_ARMED = l.findVarHandle(JwsSession.class, "autoFlushArmed", boolean.class);
            CONTROL = l.findVarHandle(JwsSession.class, "control", ConcurrentLinkedQueue.class);
            PENDING = l.findVarHandle(JwsSession.class, "pending", ConcurrentLinkedQueue.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final JwsConnection conn;
    private final JwsServer server;
    private final int maxMessages;
    private final long maxBytes;

    /** Messages offered and not yet handed to the library; created on the first offer, an idle session has none. */
    private volatile ConcurrentLinkedQueue<Message> pending;
    /** Control frames (pings, pongs) to send; created on first use, most sessions never have one. */
    private volatile ConcurrentLinkedQueue<Message> control;
    private volatile int queuedMessages;
    private volatile long queuedBytes;
    private volatile boolean autoFlushArmed;

    private volatile boolean gone;
    /** Our close frame, once the kernel asked for it ({@link #sendClose}); sent when nothing is pending. */
    private volatile Message.Close closeFrame;
    private volatile long closeRequestedNanos;
    /** Keepalive timer thread only. */
    private long lastPingNanos = System.nanoTime();

    JwsSession(long id, JwsConnection conn, JwsServer server, HandshakeRequest handshake, String subprotocol,
               Map<String, Object> attributes, Endpoint endpoint, int maxMessages, long maxBytes) {
        super(id, handshake, subprotocol, attributes, endpoint);
        this.conn = conn;
        this.server = server;
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    @Override
    protected OfferResult enqueue(Message message) {
        if (gone || !conn.isOpen()) {
            return OfferResult.CLOSED;
        }
        int len = message.wireFrameLength();
        if (addMessages(1) > maxMessages) {
            addMessages(-1);
            return OfferResult.FULL;
        }
        long bytes = addBytes(len);
        if (bytes > maxBytes && bytes != len) {
            addBytes(-len);
            addMessages(-1);
            return OfferResult.FULL;
        }
        ConcurrentLinkedQueue<Message> q = pending;
        (q != null ? q : queue(PENDING)).add(message);
        // No auto-flush needed while a service request is outstanding: the selector clears the request before it
        // takes what is pending, so it will still see this message (added before the check).
        if (!conn.serviceRequested() && AUTO_FLUSH_ARMED.compareAndSet(this, false, true)) {
            server.scheduleAutoFlush(this);
        }
        return OfferResult.ENQUEUED;
    }

    @Override
    public boolean evictOldest() {
        Message m = pollPending();
        if (m == null) {
            return false;
        }
        release(m.wireFrameLength());
        return true;
    }

    @Override
    public void flush() {
        ConcurrentLinkedQueue<Message> c = control;
        if (hasPending() || (c != null && !c.isEmpty())) {
            server.tasks().request(conn);
        }
    }

    /** Called by the transport's auto-flush: clears the arm flag, then flushes whatever is pending. */
    void autoFlush() {
        autoFlushArmed = false;
        flush();
    }

    /** The kernel started our close: the selector sends the frame once what is pending has been handed over. */
    @Override
    protected void sendClose(Message.Close close) {
        closeRequestedNanos = System.nanoTime();
        closeFrame = close;
        server.tasks().request(conn);
    }

    @Override
    public int queuedMessages() {
        return Math.max(0, queuedMessages);
    }

    @Override
    public long queuedBytes() {
        return Math.max(0, queuedBytes);
    }

    // ---------------------------------------------------------------------------------------- transport side

    JwsConnection connection() {
        return conn;
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
            queue(CONTROL).add(m);
            server.tasks().request(conn);
        }
    }

    Message pollPending() {
        ConcurrentLinkedQueue<Message> q = pending;
        return q == null ? null : q.poll();
    }

    boolean hasPending() {
        ConcurrentLinkedQueue<Message> q = pending;
        return q != null && !q.isEmpty();
    }

    /** The queue behind {@code handle} ({@link #PENDING} or {@link #CONTROL}), created by the first caller. */
    @SuppressWarnings("unchecked")
    private ConcurrentLinkedQueue<Message> queue(VarHandle handle) {
        ConcurrentLinkedQueue<Message> q = (ConcurrentLinkedQueue<Message>) handle.getVolatile(this);
        if (q != null) {
            return q;
        }
        ConcurrentLinkedQueue<Message> created = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Message> witness =
                (ConcurrentLinkedQueue<Message>) handle.compareAndExchange(this, null, created);
        return witness == null ? created : witness;
    }

    Message pollControl() {
        ConcurrentLinkedQueue<Message> c = control;
        return c == null ? null : c.poll();
    }

    void release(int frameLength) {
        addBytes(-frameLength);
        addMessages(-1);
    }

    /** Atomically adds to the queued message count; returns the new count. */
    private int addMessages(int delta) {
        return (int) QUEUED_MESSAGES.getAndAdd(this, delta) + delta;
    }

    /** Atomically adds to the queued byte count; returns the new count. */
    private long addBytes(long delta) {
        return (long) QUEUED_BYTES.getAndAdd(this, delta) + delta;
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

    /** Drops what was never handed to the network once the connection is gone. */
    void discardPending() {
        Message m;
        while ((m = pollPending()) != null) {
            release(m.wireFrameLength());
        }
        ConcurrentLinkedQueue<Message> c = control;
        if (c != null) {
            c.clear();
        }
    }
}
