package io.wshub.transport.javawebsocket;

import io.wshub.api.CloseCode;
import io.wshub.api.Message;
import io.wshub.api.spi.OutboundQueue;
import io.wshub.api.spi.RequestHeadReader;
import io.wshub.api.spi.UpgradeDecision;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.enums.ReadyState;
import org.java_websocket.framing.CloseFrame;

/**
 * One client connection: the library's {@link WebSocketImpl} plus the transport's per-connection state (its
 * {@link JwsSession} once the handshake is accepted, the rejection response if it is refused, write accounting).
 *
 * <p>Thread-safety: {@link #serviceOnSelector()}, {@link #writeBatch} and the batch state are confined to the
 * library's selector thread; {@link #onData}, {@link #onPing} and {@link #onPeerClose} run on the connection's decoder
 * thread; the rest may be called from any thread.
 */
final class JwsConnection extends WebSocketImpl implements SelectorTasks.Target {

    /** About how many wire bytes of a session's frames are handed to the library at once (the queue's batch bound). */
    static final int HANDOVER_BYTES = 64 * 1024;
    /**
     * At most this many of a session's frames are handed to the library at once: with small messages the byte bound
     * comes first (64 KiB are about a thousand 64-byte frames).
     */
    static final int HANDOVER_MESSAGES = 1024;
    /** At most this many frames go into one gathering write. */
    static final int GATHER_FRAMES = 64;
    /** The content of every batch marker; never read or written. */
    private static final byte[] MARKER_BYTE = new byte[1];
    /** A flag field rather than an AtomicBoolean: memory per connection. */
    private static final VarHandle SERVICE_REQUESTED;
    private static final VarHandle SLOT_HELD;

    static {
        try {
            SERVICE_REQUESTED = MethodHandles.lookup().findVarHandle(JwsConnection.class, "serviceRequested",
                    boolean.class);
            SLOT_HELD = MethodHandles.lookup().findVarHandle(JwsConnection.class, "slotHeld", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final JwsServer server;
    private volatile boolean serviceRequested;
    /** The kernel's validator gave this connection a slot, not yet given back (see {@link #closeConnection}). */
    private volatile boolean slotHeld;
    /**
     * The frames of the batch whose marker is in the library's out-queue, in order, not yet fully written. Selector
     * thread only. Created on the first hand-over (an idle connection never has one) and grows once to what a busy
     * connection needs.
     */
    private ArrayDeque<ByteBuffer> inflight;
    /**
     * The two batch markers, used in turn (created on the first hand-over); the one of the batch now in the library's
     * out-queue, or null; and the one used last. Selector thread only.
     */
    private ByteBuffer markerA;
    private ByteBuffer markerB;
    private ByteBuffer activeMarker;
    private ByteBuffer lastMarker;
    /** The queue asked for the next hand-over while frames were being written (selector thread only). */
    private boolean handOverAsked;
    private volatile JwsSession session;
    private volatile ByteBuffer rejection;
    private volatile boolean rejectionSent;
    private boolean closeIssued;
    /** When the connection was accepted: the handshake timeout runs from here ({@link JwsServer}'s sweep). */
    private final long acceptedNanos = System.nanoTime();
    /**
     * The upgrade request's head as it arrives, under the config's limits, before the library sees any of it;
     * created on the first bytes and dropped once handed over. Decoder thread only.
     */
    private RequestHeadReader head;
    /** The head went to the library, or was refused: from now on the library decodes, or nothing does. */
    private boolean headDone;

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

    /** Records that this connection holds one of the validator's connection slots; once, when its upgrade is
     * accepted. */
    void slotTaken() {
        slotHeld = true;
    }

    /**
     * Every way a connection ends comes through here (the library's terminal close, which runs once: it returns at
     * once when already closed), whether or not the library ever reported it open, so the connection slot is given
     * back exactly once.
     */
    @Override
    public synchronized void closeConnection(int code, String message, boolean remote) {
        try {
            super.closeConnection(code, message, remote);
        } finally {
            if (SLOT_HELD.compareAndSet(this, true, false)) {
                server.validator().release();
            }
        }
    }

    // ---------------------------------------------------------------------------------------- request head

    long acceptedNanos() {
        return acceptedNanos;
    }

    /**
     * On the decoder thread, for every read: until the upgrade request's head is complete, its bytes go to the kernel's
     * {@link RequestHeadReader} only, which enforces {@code maxRequestHeaderSize} and {@code maxRequestHeaders} as they
     * arrive; the library, which would buffer everything it was given and re-parse all of it on every read until the
     * head ends (10,000 header lines took it 2.5 s and 200 MB of RSS with {@code -Xmx256m}, 1.2 GB with the default
     * heap), then gets the complete head in one piece. A head beyond a limit is answered with 431 and never reaches
     * the library; after a refused head nothing more is parsed.
     */
    @Override
    public void decode(ByteBuffer socketBuffer) {
        if (headDone) {
            if (getReadyState() == ReadyState.NOT_YET_CONNECTED) {
                socketBuffer.position(socketBuffer.limit()); // refused, being closed: nothing more is parsed
            } else {
                super.decode(socketBuffer);
            }
            return;
        }
        if (head == null) {
            head = RequestHeadReader.buffering(server.config());
        }
        RequestHeadReader.Status status = head.feed(socketBuffer);
        if (status == RequestHeadReader.Status.NEED_MORE) {
            return;
        }
        RequestHeadReader reader = head;
        head = null;
        headDone = true;
        if (status.isRejected()) {
            socketBuffer.position(socketBuffer.limit());
            server.refuseHead(this, reader.rejection());
            return;
        }
        super.decode(reader.head());
        if (getReadyState() == ReadyState.NOT_YET_CONNECTED && !isFlushAndClose()) {
            // The library wants more than a whole head (one with bare LF line ends, say): it is not one it can parse.
            socketBuffer.position(socketBuffer.limit());
            server.refuseHead(this, new UpgradeDecision.Reject(400, "malformed request head", Map.of()));
            return;
        }
        if (socketBuffer.hasRemaining()) {
            decode(socketBuffer); // frames the client sent right after its request
        }
    }

    /**
     * On the decoder thread: answers an upgrade request with this response instead of the library's, then closes, as
     * the library does for a handshake refused by {@link JwsServer#onWebsocketHandshakeReceivedAsServer}.
     */
    void refuse(ByteBuffer response, String reason) {
        reject(response);
        outQueue.add(response); // stands for the response in the library's queue; JwsChannel writes ours in its place
        flushAndClose(CloseFrame.PROTOCOL_ERROR, reason, false);
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

    /** Something was read: the session, once there is one, is not idle. */
    void touch() {
        JwsSession s = session;
        if (s != null) {
            s.activity();
        }
    }

    void onData(Message message) {
        JwsSession s = session;
        if (s != null) {
            server.counters().messageIn(message.payloadLength());
            s.received(message);
        }
    }

    void onPing(Message ping) {
        JwsSession s = session;
        if (s != null) {
            s.sendControl(Message.pong(ping.copyPayload()));
        }
    }

    void onPeerClose(Message.Close close) {
        JwsSession s = session;
        if (s != null) {
            s.peerClosed(close);
        }
    }

    /** The decoder found a protocol error: the library sends the close frame with this code. */
    void onProtocolError(int code, String reason) {
        JwsSession s = session;
        if (s != null) {
            s.transportClosing(code, reason);
        }
    }

    // ---------------------------------------------------------------------------------------- outbound

    @Override
    public boolean markServiceRequested() {
        return SERVICE_REQUESTED.compareAndSet(this, false, true);
    }

    /** Whether a service request is queued and its service has not started yet. */
    boolean serviceRequested() {
        return serviceRequested;
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
     * On the selector thread: when no batch of this session's is in the library's out-queue, takes a hand-over from
     * the session's {@link io.wshub.api.spi.OutboundQueue} (what a flush made due, within the queue's batch bounds)
     * into a new batch, and writes it at once if it can ({@link #writeNow()}); what is not written at once goes behind
     * the batch's marker in the library's out-queue. Then, once nothing is pending, starts a requested close. The
     * library sees one out-queue entry per batch, not one per frame: its queue takes a lock per entry, and that was the
     * selector thread's largest cost at high fan-out. What stays pending can still be evicted
     * ({@link JwsSession#evictOldest()}); what is handed over cannot.
     */
    private void handOver(JwsSession s) {
        OutboundQueue q = s.queue();
        if (activeMarker == null) {
            Message m;
            while ((m = q.poll()) != null) {
                if (inflight == null) {
                    inflight = new ArrayDeque<>(4);
                    markerA = ByteBuffer.wrap(MARKER_BYTE);
                    markerB = ByteBuffer.wrap(MARKER_BYTE);
                }
                inflight.addLast(m.wireFrame());
            }
            if (inflight != null && !inflight.isEmpty()) {
                if (writeNow()) {
                    if (handOverAsked) {
                        server.tasks().request(this); // more became due while we wrote: the next round takes it
                    }
                } else {
                    // Alternate: the marker of the batch just completed may still be at the head of the library's
                    // queue.
                    activeMarker = lastMarker == markerA ? markerB : markerA;
                    lastMarker = activeMarker;
                    activeMarker.clear();
                    outQueue.add(activeMarker);
                }
            }
        }
        Message.Close ours = s.closeFrame();
        if (ours != null && !closeIssued && q.pendingMessages() == 0) {
            closeIssued = true;
            close(ours.code(), ours.reason());
        }
    }

    /**
     * On the selector thread: writes the batch just taken straight to the socket, when nothing of the library's
     * (a handshake response, a pong, a close frame, an earlier batch's marker) is queued ahead of it and the socket is
     * plain (under TLS the library's channel has its own write state). That is what the library would do on the next
     * round of its selector, minus arming the key for writing, the select that reports it writable, disarming it
     * again (two {@code epoll_ctl} calls) and its out-queue's locks: at a low rate every message is one such round per
     * subscriber. A write that fails leaves the batch to the library, whose own write meets the error and closes the
     * connection as it always does.
     *
     * @return whether the whole batch was written
     */
    private boolean writeNow() {
        SocketChannel socket = getChannel() instanceof JwsChannel c ? c.plainSocket() : null;
        if (socket == null || !outQueue.isEmpty()) {
            return false;
        }
        try {
            writeInflight(socket, socket);
        } catch (IOException e) {
            return false;
        }
        return inflight.isEmpty();
    }

    /**
     * Returns the payload length of a server frame (unmasked) from its header: the frame's length less 2, 4 or 10
     * header bytes. Reads the buffer at absolute positions, so it allocates nothing.
     *
     * @param frame a whole frame as {@link Message#wireFrame()} returns it
     * @return its payload length
     */
    static int payloadLength(ByteBuffer frame) {
        int len7 = frame.get(1) & 0x7F;
        int header = len7 == 127 ? 10 : len7 == 126 ? 4 : 2;
        return frame.limit() - header;
    }

    /**
     * Whether a buffer from the library's out-queue is one of this connection's batch markers.
     *
     * @param buffer the buffer the library asks to write
     * @return whether it stands for a batch of our frames
     */
    boolean isMarker(ByteBuffer buffer) {
        return buffer == markerA || buffer == markerB;
    }

    /**
     * On the selector thread, when the library asks to write a batch marker: writes the batch's frames, with
     * gathering writes where the channel allows, until they are all written or the socket takes no more. Each fully
     * written frame releases its room in the session's queue. When the batch is done the marker reads as written, and
     * the next batch, if anything is pending, is queued behind it.
     *
     * @param marker the marker the library is writing
     * @param channel the connection's channel
     * @param gathering the same channel for gathering writes, or null (TLS)
     * @return the bytes written
     * @throws IOException if writing fails
     */
    long writeBatch(ByteBuffer marker, ByteChannel channel, GatheringByteChannel gathering) throws IOException {
        if (marker != activeMarker) {
            // A marker whose batch is done (cannot be at the head of the queue again); let the library drop it.
            marker.position(marker.limit());
            return 0;
        }
        long total = writeInflight(channel, gathering);
        JwsSession s = session;
        if (inflight.isEmpty()) {
            // Also when released() asked for a hand-over: this is it, on the selector thread already.
            activeMarker = null;
            marker.position(marker.limit());
            if (s != null && isOpen()) {
                handOver(s);
            }
        }
        return total;
    }

    /**
     * On the selector thread: writes the in-flight batch's frames, with gathering writes where the channel allows,
     * until they are all written or the socket takes no more; each fully written frame releases its room in the
     * session's queue and is counted; {@link #handOverAsked} records whether the queue asked for the next hand-over.
     *
     * @param channel the connection's channel
     * @param gathering the same channel for gathering writes, or null (TLS)
     * @return the bytes written
     * @throws IOException if writing fails
     */
    private long writeInflight(ByteChannel channel, GatheringByteChannel gathering) throws IOException {
        handOverAsked = false;
        long total = 0;
        JwsSession s = session;
        while (!inflight.isEmpty()) {
            long n;
            if (gathering != null && inflight.size() > 1) {
                ByteBuffer[] batch = server.gatherBatch();
                int k = 0;
                for (ByteBuffer b : inflight) {
                    if (k == batch.length) {
                        break;
                    }
                    batch[k++] = b;
                }
                try {
                    n = gathering.write(batch, 0, k);
                } finally {
                    Arrays.fill(batch, 0, k, null);
                }
            } else {
                n = channel.write(inflight.peekFirst());
            }
            total += n;
            ByteBuffer f;
            while ((f = inflight.peekFirst()) != null && !f.hasRemaining()) {
                inflight.pollFirst();
                if (s != null && s.queue().released(f.limit())) {
                    handOverAsked = true; // the caller takes the next hand-over, or asks for one
                }
                server.counters().messageOut(payloadLength(f));
            }
            if (n <= 0) {
                break;
            }
        }
        return total;
    }
}
