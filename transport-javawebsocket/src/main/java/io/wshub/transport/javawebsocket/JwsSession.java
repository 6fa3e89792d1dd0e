package io.wshub.transport.javawebsocket;

import io.wshub.api.CloseCode;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.Session;
import io.wshub.api.spi.AbstractSession;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
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
 * <p>Thread-safety: every method may be called from any thread and none blocks.
 */
final class JwsSession extends AbstractSession {

    // Counters and flags are fields updated through VarHandles rather than Atomic* objects: memory per connection.
    private static final VarHandle QUEUED_MESSAGES;
    private static final VarHandle QUEUED_BYTES;
    private static final VarHandle AUTO_FLUSH_ARMED;
    private static final VarHandle IN_CALLBACK;
    private static final VarHandle CONTROL;
    private static final VarHandle PENDING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            QUEUED_MESSAGES = l.findVarHandle(JwsSession.class, "queuedMessages", int.class);
            QUEUED_BYTES = l.findVarHandle(JwsSession.class, "queuedBytes", long.class);
            AUTO_FLUSH_ARMED = l.findVarHandle(JwsSession.class, "autoFlushArmed", boolean.class);
            IN_CALLBACK = l.findVarHandle(JwsSession.class, "inCallback", boolean.class);
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

    private volatile boolean open;
    private volatile boolean gone;
    private volatile boolean closeRequested;
    private volatile int closeCode;
    private volatile String closeReason = "";
    private volatile long closeRequestedNanos;
    /** Keepalive timer thread only. */
    private long lastPingNanos = System.nanoTime();

    // Endpoint callbacks: serialized so onClose never overlaps onMessage (different library threads may close).
    private volatile boolean inCallback;
    private volatile boolean closeArrived;
    private volatile int closedCode;
    private volatile String closedReason = "";
    private volatile boolean closeDelivered;
    private volatile boolean openStarted;

    JwsSession(long id, JwsConnection conn, JwsServer server, HandshakeRequest handshake, String subprotocol,
               Map<String, Object> attributes, int maxMessages, long maxBytes) {
        super(id, handshake, subprotocol, attributes);
        this.conn = conn;
        this.server = server;
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    @Override
    public boolean isOpen() {
        return open && !closeRequested && !gone && conn.isOpen();
    }

    @Override
    public OfferResult offer(Message message) {
        Objects.requireNonNull(message, "message");
        if (!isOpen()) {
            return OfferResult.CLOSED;
        }
        if (message.kind() == Message.Kind.CLOSE) {
            throw new IllegalArgumentException("offer a text, binary, ping or pong message; use close() to close");
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

    @Override
    public void close(int code, String reason) {
        Objects.requireNonNull(reason, "reason");
        if (!CloseCode.isValidOnWire(code)) {
            throw new IllegalArgumentException("close code " + code + " may not appear on the wire; allowed: "
                    + "1000-1003, 1007-1014, 3000-4999 (RFC 6455 7.4)");
        }
        int n = reason.getBytes(StandardCharsets.UTF_8).length;
        if (n > Message.Close.MAX_REASON_BYTES) {
            throw new IllegalArgumentException("close reason is " + n + " bytes in UTF-8; at most "
                    + Message.Close.MAX_REASON_BYTES);
        }
        synchronized (this) {
            if (closeRequested) {
                return;
            }
            closeCode = code;
            closeReason = reason;
            closeRequested = true;
        }
        closeRequestedNanos = System.nanoTime();
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

    @Override
    public String toString() {
        return "JwsSession[" + id() + ", " + remoteAddress() + "]";
    }

    // ---------------------------------------------------------------------------------------- transport side

    JwsConnection connection() {
        return conn;
    }

    void opened() {
        open = true;
    }

    /** The library reported the connection closed. */
    void gone() {
        gone = true;
    }

    boolean isGone() {
        return gone;
    }

    void sendControl(Message m) {
        if (open && conn.isOpen()) {
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
        return closeRequested;
    }

    int closeCode() {
        return closeCode;
    }

    String closeReason() {
        return closeReason;
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

    /**
     * Enters the onOpen callback. The library may report the close (from its selector thread) before it gets to call
     * onOpen (on the decoder thread); the close is then held back until onOpen has returned.
     */
    boolean enterOpenCallback() {
        if (!IN_CALLBACK.compareAndSet(this, false, true)) {
            // Cannot happen: onClose is not delivered before openStarted is set.
            return false;
        }
        openStarted = true;
        return true;
    }

    /** Enters an endpoint callback; false if another is running or the session has been reported closed. */
    boolean enterCallback() {
        if (!IN_CALLBACK.compareAndSet(this, false, true)) {
            return false;
        }
        if (closeDelivered) {
            inCallback = false;
            return false;
        }
        return true;
    }

    void exitCallback() {
        inCallback = false;
        if (closeArrived) {
            deliverClose();
        }
    }

    void closed(int code, String reason) {
        if (closeArrived) {
            return;
        }
        closedCode = code;
        closedReason = reason == null ? "" : reason;
        closeArrived = true;
        deliverClose();
    }

    private void deliverClose() {
        while (closeArrived && !closeDelivered && openStarted && IN_CALLBACK.compareAndSet(this, false, true)) {
            try {
                if (!closeDelivered) {
                    closeDelivered = true;
                    server.notifyClosed(this, closedCode, closedReason);
                }
            } finally {
                inCallback = false;
            }
        }
    }
}
