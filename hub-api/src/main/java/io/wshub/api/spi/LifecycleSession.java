package io.wshub.api.spi;

import io.wshub.api.CloseCode;
import io.wshub.api.Endpoint;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.Session;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.Objects;

/**
 * The transport kernel's session: lifecycle, endpoint invoker and outbound queue. A transport's session extends this
 * class, reports what happens on its connection ({@link #opened()}, {@link #received}, {@link #peerClosed},
 * {@link #transportClosing}, {@link #error}, {@link #connectionClosed()}), and implements only two things: running a
 * hand-over of its {@link #outbound()} queue on the connection's I/O thread when one is due ({@link #handOverDue()}),
 * and the sending of a close frame ({@link #sendClose}). Every call into the {@link Endpoint} is made here, so every
 * transport calls it the same way; every {@link Session} queue method ({@link #offer}, {@link #evictOldest()},
 * {@link #flush()}, {@link #queuedMessages()}, {@link #queuedBytes()}) is answered by the kernel's
 * {@link OutboundQueue}, so every transport follows {@link Session}'s flush contract and counts wire bytes.
 *
 * <h2>One state</h2>
 *
 * <p>A session is OPEN until a close starts, CLOSING until the connection has ended, then CLOSED. The close that
 * starts first decides everything the endpoint is told; it is set once, with a compare-and-set, by whichever comes
 * first of: a local {@link #close(int, String)} (or {@link #offer} of a {@link Message.Close}), the peer's close frame
 * ({@link #peerClosed}), a close the transport sends on its own for a protocol error ({@link #transportClosing}), or
 * the end of the connection ({@link #connectionClosed()}). Whether a callback is running, whether the connection has
 * ended and whether {@code onClose} was delivered are bits of one atomic word.
 *
 * <h2>One close-code algorithm</h2>
 *
 * <p>{@link Endpoint#onClose} is told, with the reason that came with it:
 * <ul>
 *   <li>the peer's code if the peer's close frame came first (1005, {@link CloseCode#NO_STATUS_RECEIVED}, if that frame
 *       had no code);</li>
 *   <li>our code if we started the close (the endpoint's, a hub's, the idle timeout's 1001, a stop's 1001, a protocol
 *       error's 1002, 1007 or 1009, the invoker's 1011), whether or not the peer answered before the connection
 *       ended;</li>
 *   <li>1006 ({@link CloseCode#ABNORMAL_CLOSURE}) if the connection ended while the session was still open, with no
 *       close frame either way.</li>
 * </ul>
 * {@link #closeCode()} returns the same code, for the transport's counters.
 *
 * <h2>The endpoint invoker</h2>
 *
 * <p>Calls for one session never overlap: {@code onOpen}, then {@code onMessage} (only while OPEN), then exactly one
 * {@code onClose}, which waits until {@code onOpen} has returned and until any running callback has returned (the
 * thread that finishes last delivers it; no thread ever waits for another). After {@code onClose} the endpoint hears
 * nothing more of the session. An exception or error thrown by {@code onOpen}, {@code onMessage} or {@code onError} is
 * caught ({@link Throwable}, {@link Error}s such as {@link AssertionError} and {@link StackOverflowError} included),
 * reported to {@code onError} (unless {@code onError} threw it), and the session is closed with 1011
 * ({@link CloseCode#INTERNAL_ERROR}); what {@code onClose} throws is caught and logged. The only errors rethrown, to
 * the transport's thread, are {@link VirtualMachineError}s other than {@link StackOverflowError}
 * ({@link OutOfMemoryError}, {@link InternalError}): the JVM itself is failing, and hiding that would be worse. Even
 * then the session is closed with 1011 first and its {@code onClose} still comes exactly once. Endpoint failures are
 * logged through {@link System.Logger} at {@code WARNING}.
 *
 * <h2>{@code offer} of a close</h2>
 *
 * <p>{@link #offer} of a {@link Message.Close} is {@link #close(int, String)} with its code and reason (1000 for an
 * empty close, whose 1005 may not be sent): it answers {@link OfferResult#ENQUEUED} if it started the close, and
 * {@link OfferResult#CLOSED} if a close had already started. It is never {@link OfferResult#FULL}: a close frame is not
 * held to the queue's limits. Any other message offered once a close has started answers {@link OfferResult#CLOSED}
 * without reaching the queue.
 *
 * <h2>The queue</h2>
 *
 * <p>Offers go to the session's {@link OutboundQueue}; {@link #flush()} and a local close make its pending messages due
 * (a close also takes no more offers), and when the queue asks for a hand-over the kernel calls
 * {@link #handOverDue()}; the end of the connection ({@link #connectionClosed()}) discards what is left.
 *
 * <p>Thread-safety: the {@link Session} methods may be called from any thread, concurrently, and none blocks.
 * {@link #opened()}, {@link #received} and {@link #error} are called by the transport on the connection's reading
 * thread, one at a time; {@link #peerClosed}, {@link #transportClosing} and {@link #connectionClosed()} from any
 * thread. These reporting methods are for the transport that created the session; applications never call them.
 * No method accepts null.
 */
public abstract class LifecycleSession extends AbstractSession {

    private static final System.Logger LOG = System.getLogger(LifecycleSession.class.getName());
    private static final VarHandle STATE;
    private static final VarHandle CLOSING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(LifecycleSession.class, "state", int.class);
            CLOSING = l.findVarHandle(LifecycleSession.class, "closing", Closing.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #opened()} was called. */
    private static final int OPENED = 1;
    /** An endpoint callback is running. */
    private static final int IN_CALLBACK = 1 << 1;
    /** The connection has ended: the session is CLOSED. */
    private static final int ENDED = 1 << 2;
    /** {@code onClose} was delivered (or is being delivered); nothing follows it. */
    private static final int CLOSE_DELIVERED = 1 << 3;

    private static final int ON_OPEN = 0;
    private static final int ON_MESSAGE = 1;
    private static final int ON_ERROR = 2;
    private static final int ON_CLOSE = 3;
    private static final String[] CALLBACKS = {"onOpen", "onMessage", "onError", "onClose"};

    /** What {@link #enter()} answers: the callback may not run, it runs owning the callback bit, or nested in one. */
    private static final int REFUSED = 0;
    private static final int OWNER = 1;
    private static final int NESTED = 2;

    /** The close that started first; null while OPEN. Set once. */
    private record Closing(int code, String reason, boolean local) {
    }

    private final Endpoint endpoint;
    private final OutboundQueue queue;
    /** Bits {@link #OPENED}, {@link #IN_CALLBACK}, {@link #ENDED}, {@link #CLOSE_DELIVERED}; changed by CAS only. */
    private volatile int state;
    private volatile Closing closing;
    /** When something last arrived from the peer ({@link #activity()}); for {@link Keepalive}. */
    private volatile long lastReceivedNanos = System.nanoTime();
    /** When the last ping was due; {@link Keepalive#check} only, on the session's timer. */
    private long lastPingNanos = lastReceivedNanos;
    /** When our close started ({@link #close}), valid once {@link #localCloseStarted} is set. */
    private volatile long localCloseNanos;
    private volatile boolean localCloseStarted;

    /**
     * Creates a session served to an endpoint.
     *
     * @param id the session id, positive; usually from {@link SessionIds#next()}
     * @param handshake the upgrade request that opened the session; not null
     * @param subprotocol the negotiated subprotocol, or {@code null} if none was negotiated
     * @param attributes the attributes the handshake policy accepted the session with; not null
     * @param endpoint the endpoint every callback goes to; not null
     * @param queue the session's outbound queue, new and empty (usually {@link OutboundQueue#of}); not null
     * @throws IllegalArgumentException if {@code id} is not positive
     * @throws NullPointerException if an argument other than {@code subprotocol} is null
     */
    protected LifecycleSession(long id, HandshakeRequest handshake, String subprotocol, Map<String, Object> attributes,
                               Endpoint endpoint, OutboundQueue queue) {
        super(id, handshake, subprotocol, attributes);
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.queue = Objects.requireNonNull(queue, "queue");
    }

    // ------------------------------------------------------------------------------------------------ Session

    /**
     * {@inheritDoc}
     *
     * @return {@code true} until a close has started, from either side, or the connection has ended
     */
    @Override
    public final boolean isOpen() {
        return closing == null;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A {@link Message.Close} closes the session (see the class description); anything else goes to the
     * {@link OutboundQueue} while the session is open.
     */
    @Override
    public final OfferResult offer(Message message) {
        Objects.requireNonNull(message, "message");
        if (message instanceof Message.Close c) {
            Message.Close frame = c.code() == CloseCode.NO_STATUS_RECEIVED.code()
                    ? Message.close(CloseCode.NORMAL_CLOSURE, c.reason()) : c;
            return startLocalClose(frame) ? OfferResult.ENQUEUED : OfferResult.CLOSED;
        }
        if (closing != null) {
            return OfferResult.CLOSED;
        }
        return queue.offer(message);
    }

    /**
     * {@inheritDoc}
     *
     * @return {@code true} if a pending message was removed ({@link OutboundQueue#evictOldest()})
     */
    @Override
    public final boolean evictOldest() {
        return queue.evictOldest();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Makes the queue's pending messages due and calls {@link #handOverDue()} if the queue asks for a hand-over.
     */
    @Override
    public final void flush() {
        if (queue.flush()) {
            handOverDue();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @return the queue's count, pending and in flight
     */
    @Override
    public final int queuedMessages() {
        return queue.queuedMessages();
    }

    /**
     * {@inheritDoc}
     *
     * @return the queue's wire bytes, pending and in flight
     */
    @Override
    public final long queuedBytes() {
        return queue.queuedBytes();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The first close decides the code the endpoint is told; {@link #sendClose} is called once, by the call that
     * started the close.
     */
    @Override
    public final void close(int code, String reason) {
        startLocalClose(Message.close(code, reason)); // validates the code and the reason
    }

    /**
     * Returns the close code the endpoint is told in {@code onClose} (see the class description), decided when the
     * close started.
     *
     * @return the code, or -1 while the session is open
     */
    public final int closeCode() {
        Closing c = closing;
        return c == null ? -1 : c.code();
    }

    /**
     * Returns the reason that goes with {@link #closeCode()}.
     *
     * @return the reason, possibly empty, or {@code null} while the session is open
     */
    public final String closeReason() {
        Closing c = closing;
        return c == null ? null : c.reason();
    }

    // ------------------------------------------------------------------------------------------------ transport side

    /**
     * Returns the session's outbound queue, for the transport's I/O thread: {@link OutboundQueue#poll()} during a
     * hand-over, {@link OutboundQueue#released(int)} for each message written or failed (when it answers {@code true}
     * the transport runs the next hand-over), {@link OutboundQueue#pendingMessages()} before its close frame.
     *
     * @return the queue given at construction; never null
     */
    protected final OutboundQueue outbound() {
        return queue;
    }

    /**
     * A hand-over of {@link #outbound()} is due: run one on the connection's I/O thread (call
     * {@link OutboundQueue#poll()} until it returns {@code null} and write those messages' frames, in order). Called
     * from any thread, by {@link #flush()} (and by the transport itself when {@link OutboundQueue#released(int)}
     * answers {@code true}); it must not block. The transport writes nothing of the queue but in such hand-overs.
     */
    protected abstract void handOverDue();

    /**
     * Sends our close frame after what is already queued, then closes the connection when the peer answers or the
     * config's close timeout passes. Called once per session, by the {@link #close} or {@link #offer} that started the
     * close, on that caller's thread, after the kernel has closed the {@link #outbound()} queue (everything in it is
     * now due, and no more offers are taken): the transport runs hand-overs until
     * {@link OutboundQueue#pendingMessages()} is 0, then writes the frame. It must not block (hand the work to the
     * connection's I/O thread).
     *
     * @param close the close frame to send; its code may appear on the wire
     */
    protected abstract void sendClose(Message.Close close);

    /**
     * Something arrived from the peer (any bytes, a frame, a pong): the session is not idle ({@link Keepalive}). Any
     * thread; cheap enough for every read.
     */
    public final void activity() {
        lastReceivedNanos = System.nanoTime();
    }

    final long lastReceivedNanos() {
        return lastReceivedNanos;
    }

    final long lastPingNanos() {
        return lastPingNanos;
    }

    final void lastPingNanos(long nanos) {
        lastPingNanos = nanos;
    }

    final boolean localCloseStarted() {
        return localCloseStarted;
    }

    final long localCloseNanos() {
        return localCloseNanos;
    }

    /**
     * The upgrade has completed: calls {@link Endpoint#onOpen}. Call it once per session, on the reading thread, before
     * any {@link #received}. If the connection has already ended, the endpoint still sees {@code onOpen} (with
     * {@link #isOpen()} false) and then {@code onClose} with 1006, so every session the transport opens gets exactly one
     * of each.
     */
    public final void opened() {
        for (;;) {
            int s = state;
            if ((s & OPENED) != 0) {
                return;
            }
            // One step: onClose, due once OPENED is set, must not slip in before onOpen runs.
            if (STATE.compareAndSet(this, s, s | OPENED | IN_CALLBACK)) {
                break;
            }
        }
        Error fatal;
        try {
            fatal = invoke(ON_OPEN, null, null);
        } finally {
            exit();
        }
        if (fatal != null) {
            throw fatal;
        }
    }

    /**
     * A complete data message arrived: calls {@link Endpoint#onMessage} if the session is still open. A message that
     * arrives after a close has started, or before {@link #opened()}, is dropped.
     *
     * @param message a {@link Message.Text} or {@link Message.Binary}; not null
     */
    public final void received(Message message) {
        Objects.requireNonNull(message, "message");
        if (closing == null) {
            call(ON_MESSAGE, message, null);
        }
    }

    /**
     * The transport met an error on this session (a protocol error, an I/O error): calls {@link Endpoint#onError}
     * between {@code onOpen} and {@code onClose}, unless another callback is running then. Does not close the
     * session.
     *
     * @param error the error; not null
     */
    public final void error(Throwable error) {
        call(ON_ERROR, null, Objects.requireNonNull(error, "error"));
    }

    /**
     * The peer's close frame arrived. If no close had started, the peer's code is the one the endpoint is told and the
     * transport answers the frame (RFC 6455 §5.5.1); if ours had, ours stays.
     *
     * @param close the peer's close frame (code 1005 if it had none); not null
     * @return {@code true} if the peer started the close
     */
    public final boolean peerClosed(Message.Close close) {
        return decide(close.code(), close.reason(), false);
    }

    /**
     * The transport, or its library, is sending a close frame of its own, for a protocol error it detected (1002,
     * 1007, 1009). If no close had started, this code is the one the endpoint is told. {@link #sendClose} is not
     * called: the transport sends this frame itself.
     *
     * @param code the code sent
     * @param reason the reason sent; null is taken as empty
     * @return {@code true} if this started the close
     */
    public final boolean transportClosing(int code, String reason) {
        return decide(code, reason == null ? "" : reason, true);
    }

    /**
     * The connection has ended (TCP closed, whoever closed it): the session is CLOSED and what is left in its queue is
     * discarded ({@link OutboundQueue#discard()}). If it was still open the endpoint is told 1006. Delivers {@link Endpoint#onClose} now, or when the running callback (or {@code onOpen})
     * returns. Idempotent.
     *
     * @return {@code true} the first time, when the transport should count {@link #closeCode()} and forget the session
     */
    public final boolean connectionClosed() {
        if (closing == null) {
            decide(CloseCode.ABNORMAL_CLOSURE.code(), "", false);
        }
        for (;;) {
            int s = state;
            if ((s & ENDED) != 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s | ENDED)) {
                break;
            }
        }
        queue.discard();
        deliverCloseIfDue();
        return true;
    }

    // ------------------------------------------------------------------------------------------------ internals

    private boolean startLocalClose(Message.Close frame) {
        if (!decide(frame.code(), frame.reason(), true)) {
            return false;
        }
        localCloseNanos = System.nanoTime();
        localCloseStarted = true;
        queue.close();
        sendClose(frame);
        return true;
    }

    /** Sets the close that starts first; false if one had already started. */
    private boolean decide(int code, String reason, boolean local) {
        return closing == null && CLOSING.compareAndSet(this, null, new Closing(code, reason, local));
    }

    /**
     * The endpoint invoker: every call into the endpoint is made here, serialized with the others, with everything
     * it throws caught (see the class description).
     */
    private void call(int callback, Message message, Throwable error) {
        int entered = enter();
        if (entered == REFUSED || (entered == NESTED && callback == ON_ERROR)) {
            // An error reported while a callback runs (perhaps on another of the library's threads) is not told:
            // calls never overlap, and onClose still follows.
            return;
        }
        Error fatal = null;
        try {
            fatal = invoke(callback, message, error);
        } finally {
            if (entered == OWNER) {
                exit();
            }
        }
        if (fatal != null) {
            throw fatal;
        }
    }

    /** Calls the endpoint once; returns the error to rethrow, if the JVM is failing. */
    private Error invoke(int callback, Message message, Throwable error) {
        try {
            switch (callback) {
                case ON_OPEN -> endpoint.onOpen(this);
                case ON_MESSAGE -> endpoint.onMessage(this, message);
                case ON_ERROR -> endpoint.onError(this, error);
                default -> {
                    Closing c = closing;
                    endpoint.onClose(this, c.code(), c.reason());
                }
            }
            return null;
        } catch (Throwable t) {
            return endpointFailed(callback, t);
        }
    }

    private Error endpointFailed(int callback, Throwable t) {
        boolean fatal = t instanceof VirtualMachineError && !(t instanceof StackOverflowError);
        if (callback == ON_CLOSE) {
            LOG.log(System.Logger.Level.WARNING, "endpoint's onClose threw for session " + id(), t);
            return fatal ? (Error) t : null;
        }
        LOG.log(System.Logger.Level.WARNING, "endpoint's " + CALLBACKS[callback] + " threw for session " + id()
                + "; closing it with 1011", t);
        Error rethrow = fatal ? (Error) t : null;
        if (!fatal && callback != ON_ERROR) {
            rethrow = invoke(ON_ERROR, null, t);
        }
        try {
            close(CloseCode.INTERNAL_ERROR, "internal error");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing session " + id() + " with 1011 failed", e);
        }
        return rethrow;
    }

    /**
     * Claims the right to call the endpoint: {@link #REFUSED} before {@code onOpen} or once {@code onClose} was
     * delivered; {@link #NESTED} when a callback is already running (a call the endpoint caused from inside one, on
     * the same thread); otherwise {@link #OWNER}.
     */
    private int enter() {
        for (;;) {
            int s = state;
            if ((s & OPENED) == 0 || (s & CLOSE_DELIVERED) != 0) {
                return REFUSED;
            }
            if ((s & IN_CALLBACK) != 0) {
                return NESTED;
            }
            if (STATE.compareAndSet(this, s, s | IN_CALLBACK)) {
                return OWNER;
            }
        }
    }

    private void exit() {
        STATE.getAndBitwiseAnd(this, ~IN_CALLBACK);
        deliverCloseIfDue();
    }

    /** Delivers {@code onClose} if the connection has ended, {@code onOpen} has returned and nothing is running. */
    private void deliverCloseIfDue() {
        for (;;) {
            int s = state;
            if ((s & (OPENED | ENDED)) != (OPENED | ENDED) || (s & (IN_CALLBACK | CLOSE_DELIVERED)) != 0) {
                return;
            }
            if (STATE.compareAndSet(this, s, s | IN_CALLBACK | CLOSE_DELIVERED)) {
                break;
            }
        }
        Error fatal;
        try {
            fatal = invoke(ON_CLOSE, null, null);
        } finally {
            STATE.getAndBitwiseAnd(this, ~IN_CALLBACK);
        }
        if (fatal != null) {
            throw fatal;
        }
    }

    /**
     * Returns a short description for logs: the simple class name, the id, the remote address and the state.
     *
     * @return for example {@code UndertowSession[id=7, remote=/127.0.0.1:50412, open]}; never null
     */
    @Override
    public String toString() {
        Closing c = closing;
        int s = state;
        String phase = c == null ? "open" : (s & ENDED) == 0 ? "closing " + c.code() : "closed " + c.code();
        return getClass().getSimpleName() + "[id=" + id() + ", remote=" + remoteAddress() + ", " + phase + "]";
    }
}
