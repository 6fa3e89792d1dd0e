package io.wshub.transport.javawebsocket;

import io.wshub.api.CloseCode;
import io.wshub.api.Message;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;

/**
 * One client connection: the library's {@link WebSocketImpl} plus the transport's per-connection state (its
 * {@link JwsSession} once the handshake is accepted, the rejection response if it is refused, write accounting).
 *
 * <p>Thread-safety: {@link #serviceOnSelector()}, {@link #written} and the in-flight deque are confined to the
 * library's selector thread; {@link #onData}, {@link #onPing} and {@link #onPeerClose} run on the connection's decoder
 * thread; the rest may be called from any thread.
 */
final class JwsConnection extends WebSocketImpl implements SelectorTasks.Target {

    /** How many bytes of a session's frames may sit in the library's out-queue; the rest stays evictable. */
    static final int HANDOVER_BYTES = 64 * 1024;
    /** At most this many frames go into one gathering write. */
    static final int GATHER_FRAMES = 64;
    /** A flag field rather than an AtomicBoolean: memory per connection. */
    private static final VarHandle SERVICE_REQUESTED;

    static {
        try {
            SERVICE_REQUESTED = MethodHandles.lookup().findVarHandle(JwsConnection.class, "serviceRequested",
                    boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final JwsServer server;
    private volatile boolean serviceRequested;
    /**
     * Frames of ours handed to the library's out-queue, in order, not yet fully written. Selector thread only. Created
     * on the first hand-over (an idle connection never has one) and grows once to what a busy connection needs.
     */
    private ArrayDeque<ByteBuffer> inflight;
    private volatile JwsSession session;
    private volatile ByteBuffer rejection;
    private volatile boolean rejectionSent;
    private volatile long lastReadNanos = System.nanoTime();
    private volatile int peerCloseCode;
    private boolean closeIssued;
    private long inflightBytes;

    JwsConnection(JwsServer server, List<Draft> drafts) {
        super(server, drafts);
        this.server = server;
    }

    JwsSession session() {
        return session;
    }

    void session(JwsSession s) {
        this.session = s;
    }

    // ---------------------------------------------------------------------------------------- handshake rejection

    void reject(ByteBuffer response) {
        this.rejection = response;
    }

    ByteBuffer rejectionResponse() {
        return rejection;
    }

    /** On the selector thread: our rejection response is out; close the connection next. */
    void rejectionWritten() {
        if (!rejectionSent) {
            rejectionSent = true;
            server.tasks().request(this);
        }
    }

    // ---------------------------------------------------------------------------------------- inbound

    void touch() {
        lastReadNanos = System.nanoTime();
    }

    long lastReadNanos() {
        return lastReadNanos;
    }

    void onData(Message message) {
        JwsSession s = session;
        if (s != null) {
            server.deliver(s, message);
        }
    }

    void onPing(Message ping) {
        JwsSession s = session;
        if (s != null) {
            s.sendControl(Message.pong(ping.copyPayload()));
        }
    }

    void onPeerClose(Message.Close close) {
        peerCloseCode = close.code();
    }

    int peerCloseCode() {
        return peerCloseCode;
    }

    // ---------------------------------------------------------------------------------------- outbound

    @Override
    public boolean markServiceRequested() {
        return SERVICE_REQUESTED.compareAndSet(this, false, true);
    }

    @Override
    public void clearServiceRequested() {
        serviceRequested = false;
    }

    /**
     * On the selector thread: hands the session's queued frames to the library's out-queue (sharing each message's
     * encoded bytes), starts a requested close after them, and arms the key for writing if anything is queued.
     */
    @Override
    public void serviceOnSelector() {
        SelectionKey key = getSelectionKey();
        if (key == null || !key.isValid()) {
            return;
        }
        if (rejectionSent && !isOpen()) {
            closeConnection(CloseCode.PROTOCOL_ERROR.code(), "handshake rejected", false);
            return;
        }
        JwsSession s = session;
        if (s != null && isOpen()) {
            Message m;
            while ((m = s.pollControl()) != null) {
                outQueue.add(m.wireFrame());
            }
            handOver(s);
        }
        if (key.isValid() && (!outQueue.isEmpty() || isFlushAndClose())) {
            try {
                key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
            } catch (CancelledKeyException e) {
                // closed meanwhile
            }
        }
    }

    /**
     * On the selector thread: moves pending messages into the library's out-queue until about
     * {@link #HANDOVER_BYTES} are in flight, then, once nothing is pending, starts a requested close. What stays
     * pending can still be evicted ({@link JwsSession#evictOldest()}); what is handed over cannot.
     */
    private void handOver(JwsSession s) {
        Message m;
        while (inflightBytes < HANDOVER_BYTES && (m = s.pollPending()) != null) {
            if (inflight == null) {
                inflight = new ArrayDeque<>(4);
            }
            ByteBuffer frame = m.wireFrame();
            inflight.addLast(frame);
            inflightBytes += frame.limit();
            outQueue.add(frame);
        }
        if (s.closeRequested() && !closeIssued && !s.hasPending()) {
            closeIssued = true;
            close(s.closeCode(), s.closeReason());
        }
    }

    /**
     * On the selector thread: if {@code src} is the oldest of our in-flight frames and more of ours follow it, writes
     * them with one gathering write, in order. Frames after {@code src} that are written here stay in the library's
     * out-queue; its later write calls for them find nothing remaining and release them then.
     *
     * @return the bytes written, or -1 if {@code src} is not ours or has no followers (write it normally)
     */
    long gatherFrom(ByteBuffer src, GatheringByteChannel channel) throws IOException {
        if (inflight == null || inflight.size() < 2 || inflight.peekFirst() != src) {
            return -1;
        }
        ByteBuffer[] batch = server.gatherBatch();
        int n = 0;
        for (ByteBuffer b : inflight) {
            if (n == batch.length) {
                break;
            }
            if (b.hasRemaining()) {
                batch[n++] = b;
            }
        }
        if (n < 2) {
            Arrays.fill(batch, 0, n, null);
            return -1;
        }
        try {
            return channel.write(batch, 0, n);
        } finally {
            Arrays.fill(batch, 0, n, null);
        }
    }

    /** On the selector thread: a buffer from the out-queue has been fully written. */
    void written(ByteBuffer frame) {
        if (inflight != null && inflight.peekFirst() == frame) {
            inflight.pollFirst();
            inflightBytes -= frame.limit();
            JwsSession s = session;
            if (s != null) {
                s.release(frame.limit());
                if (isOpen() && inflightBytes < HANDOVER_BYTES / 2) {
                    handOver(s);
                }
            }
        }
    }
}
