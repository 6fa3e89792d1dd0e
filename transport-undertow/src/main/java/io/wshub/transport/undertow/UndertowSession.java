package io.wshub.transport.undertow;

import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.wshub.api.CloseCode;
import io.wshub.api.Endpoint;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import io.wshub.api.spi.Keepalive;
import io.wshub.api.spi.LifecycleSession;
import io.wshub.api.spi.OutboundQueue;
import io.wshub.api.spi.SessionIds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.Pooled;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;

/**
 * One WebSocket connection served by Undertow, as a {@link Session}.
 *
 * <p>Outbound: the kernel's {@link OutboundQueue} (limits in wire bytes, the flush contract, eviction). When it asks
 * for a hand-over (after {@link #flush()}, a close, or the completion of the last message in flight), the channel's
 * I/O thread hands one bounded batch to Undertow; the rest stays in the queue, where {@link #evictOldest()} can still
 * remove it, until Undertow's completion or error callbacks have released the batch. A text or binary message goes out
 * as the kernel's shared, already encoded frame ({@link Message#wireFrame()}, a read-only view shared by every session)
 * through Undertow's frame queue with no header of Undertow's ({@link StrictHandshake.StrictChannel#sendEncoded}):
 * nothing is encoded or copied per session.
 *
 * <p>Inbound: whole messages (fragments reassembled, bounded by {@link ServerConfig#maxMessageSize()}) are handed to
 * the kernel's {@link LifecycleSession} on the channel's I/O thread, which calls the {@link Endpoint}, keeps the
 * session's state and decides the close code the endpoint is told; this class reports the peer's close frame,
 * Undertow's own protocol-error closes and the end of the channel to it.
 *
 * <p>Thread-safety: every {@link Session} method may be called from any thread and none blocks. Everything that
 * touches the Undertow channel runs on the channel's I/O thread.
 */
final class UndertowSession extends LifecycleSession {

    private static final Logger LOG = LoggerFactory.getLogger(UndertowSession.class);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();
    /** {@link WebSocketChannel#getCloseCode()} before any close frame was sent. */
    private static final int UNSET = -1;
    /**
     * At most this many messages, and about this many wire bytes, are in Undertow's hands at once (the queue's batch
     * bounds); the rest waits in the kernel's queue. Each message in Undertow's hands costs a frame channel and its
     * buffers, several times a small message's size, while one waiting there costs a reference, and can still be
     * evicted.
     */
    static final int HANDOVER_MESSAGES = OutboundQueue.DEFAULT_BATCH_MESSAGES;
    static final int HANDOVER_BYTES = OutboundQueue.DEFAULT_BATCH_BYTES;

    private final UndertowWebSocketHandler owner;
    private final StrictHandshake.StrictChannel channel;
    private final XnioIoThread ioThread;
    private final ServerConfig config;
    private final boolean coalesceWrites;
    private final Receiver receiver = new Receiver();
    private final SendCallback sendCallback = new SendCallback();
    private final Runnable drainTask = this::drain;

    /** Our close frame, once the kernel asked for it; sent after everything queued was handed over. */
    private volatile Message.Close closeFrame;

    /** Used only by {@link #drain()} on the I/O thread. */
    private final ArrayList<Message> batch = new ArrayList<>();
    private boolean closeWritten;

    /**
     * The session's one keepalive timer, for both the ping and the idle check: each pending XNIO timer costs a key
     * and a tree entry per connection, so there is never more than one. I/O thread only.
     */
    private volatile XnioExecutor.Key keepaliveKey;
    private volatile XnioExecutor.Key closeTimeoutKey;

    UndertowSession(UndertowWebSocketHandler owner, StrictHandshake.StrictChannel channel, HandshakeRequest handshake,
                    String subprotocol, Map<String, Object> attributes, Endpoint endpoint, ServerConfig config,
                    boolean coalesceWrites) {
        super(SessionIds.next(), handshake, subprotocol, attributes, endpoint, OutboundQueue.of(config));
        this.owner = owner;
        this.channel = channel;
        this.ioThread = channel.getIoThread();
        this.config = config;
        this.coalesceWrites = coalesceWrites;
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /** Wires the channel and has the kernel call {@link Endpoint#onOpen}; called once, on the channel's I/O thread. */
    void start() {
        channel.addCloseTask(ch -> onChannelClosed());
        if (!channel.isOpen()) {
            onChannelClosed();
            opened(); // onOpen, then onClose with 1006
            return;
        }
        channel.getReceiveSetter().set(receiver);
        scheduleKeepalive(System.nanoTime());
        opened();
        if (channel.isOpen()) {
            channel.resumeReceives();
        }
    }

    private void ping() {
        if (isOpen() && channel.isOpen() && !channel.isCloseFrameSent()) {
            WebSockets.sendPing(EMPTY.duplicate(), channel, IgnoreCallback.INSTANCE);
        }
    }

    /** Arms the keepalive timer for when the kernel's {@link Keepalive} may next find a ping or an idle close due. */
    private void scheduleKeepalive(long now) {
        long delay = owner.keepalive.nanosUntilNextCheck(this, now);
        if (delay != Long.MAX_VALUE) {
            long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delay));
            keepaliveKey = ioThread.executeAfter(this::keepalive, millis, TimeUnit.MILLISECONDS);
        }
    }

    /** The keepalive timer: the kernel decides (an idle session it closes), we ping, and re-arm. On the I/O thread. */
    private void keepalive() {
        if (!channel.isOpen() || !isOpen()) {
            return; // a close of ours has its own timeout (see drain)
        }
        long now = System.nanoTime();
        Keepalive.Action due = owner.keepalive.check(this, now);
        if (due == Keepalive.Action.PING) {
            ping();
        }
        if (due != Keepalive.Action.IDLE_CLOSED) {
            scheduleKeepalive(now);
        }
    }

    /**
     * Runs when the channel has closed, whoever closed it: a close frame Undertow sent on its own (a protocol error)
     * is its code, then the kernel decides the rest and calls {@link Endpoint#onClose}; the queue and timers go.
     */
    private void onChannelClosed() {
        if (channel.getCloseCode() != UNSET) {
            transportClosing(channel.getCloseCode(), channel.getCloseReason());
        }
        if (!connectionClosed()) {
            return;
        }
        cancel(keepaliveKey);
        cancel(closeTimeoutKey);
        owner.unregister(this);
        owner.counters.closed(closeCode());
    }

    private static void cancel(XnioExecutor.Key key) {
        if (key != null) {
            key.remove();
        }
    }

    /** Called by the owner when it stops: closes at once, without a close handshake. */
    void abort() {
        IoUtils.safeClose(channel);
    }

    WebSocketChannel channel() {
        return channel;
    }

    // ------------------------------------------------------------------------------------------------ Session

    @Override
    protected void handOverDue() {
        scheduleDrain();
    }

    @Override
    protected void sendClose(Message.Close close) {
        closeFrame = close;
        scheduleDrain(); // the close frame goes once everything queued is handed over, from the drain
    }

    /** Messages offered and not yet handed to Undertow (the evictable ones); for tests and diagnostics. */
    int pendingMessages() {
        return outbound().pendingMessages();
    }

    /** Messages handed to Undertow and not yet written or failed; for tests and diagnostics. */
    int inFlightMessages() {
        return outbound().inFlightMessages();
    }

    // ------------------------------------------------------------------------------------------------ outbound

    private void scheduleDrain() {
        runOnIoThread(drainTask);
    }

    private void runOnIoThread(Runnable task) {
        try {
            ioThread.execute(task);
        } catch (RejectedExecutionException e) {
            // The worker is shutting down; the channel is being closed with it, and onChannelClosed counts the rest.
            LOG.debug("session {}: I/O thread refused a task during shutdown", id());
        }
    }

    /**
     * Runs one hand-over of the kernel's queue (a bounded batch) to Undertow, then, once everything queued has been
     * handed over after a close, our close frame. On the I/O thread only.
     */
    private void drain() {
        Message m;
        while ((m = outbound().poll()) != null) {
            batch.add(m);
        }
        handOver();
        Message.Close close = closeFrame;
        if (close == null || !channel.isOpen()) {
            return;
        }
        if (closeTimeoutKey == null) {
            // From the close request, not from the frame: a stalled client may never take what is queued before it.
            closeTimeoutKey = ioThread.executeAfter(this::closeTimedOut, config.closeTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        if (!closeWritten && outbound().pendingMessages() == 0) {
            closeWritten = true;
            if (!channel.isCloseFrameSent()) {
                WebSockets.sendClose(close.code(), close.reason(), channel, IgnoreCallback.INSTANCE);
            }
        }
    }

    /** Writes {@link #batch}; on the I/O thread only. */
    private void handOver() {
        if (batch.isEmpty()) {
            return;
        }
        boolean explicit = coalesceWrites && batch.size() > 1;
        if (explicit) {
            channel.setRequireExplicitFlush(true);
        }
        try {
            for (int i = 0; i < batch.size(); i++) {
                Message m = batch.get(i);
                try {
                    send(m);
                } catch (RuntimeException e) {
                    // Undertow reports failures through the callback; count anything else as not written.
                    LOG.debug("session {}: sending {} failed: {}", id(), m, e.toString());
                    sendCallback.done(m);
                }
            }
        } finally {
            batch.clear();
            if (explicit) {
                channel.setRequireExplicitFlush(false);
                channel.flush();
            }
        }
    }

    private void send(Message m) {
        if (channel.isCloseFrameSent() || channel.isCloseFrameReceived() || !channel.isOpen()) {
            sendCallback.done(m);
            return;
        }
        switch (m.kind()) {
            case TEXT, BINARY -> channel.sendEncoded(m, sendCallback, m); // the shared frame, encoded once
            case PING -> WebSockets.sendPing(m.payload(), channel, sendCallback, m);
            case PONG -> WebSockets.sendPong(m.payload(), channel, sendCallback, m);
            default -> sendCallback.done(m);
        }
    }

    private void closeTimedOut() {
        if (channel.isOpen()) {
            LOG.debug("session {}: no close frame from the peer within {}, dropping the connection", id(),
                    config.closeTimeout());
            IoUtils.safeClose(channel);
        }
    }

    /** Counts a message out of the queue when Undertow has written it or failed to. */
    private final class SendCallback implements WebSocketCallback<Message> {
        @Override
        public void complete(WebSocketChannel ch, Message m) {
            owner.counters.messageOut(m.payloadLength());
            done(m);
        }

        @Override
        public void onError(WebSocketChannel ch, Message m, Throwable error) {
            // Expected when the peer goes away or the server stops with frames queued: counted, not logged loudly.
            LOG.debug("session {}: a queued {} was not written: {}", id(), m, error.toString());
            done(m);
        }

        void done(Message m) {
            if (outbound().released(m.wireFrameLength())) {
                scheduleDrain();
            }
        }
    }

    /** A callback for control frames whose outcome needs no bookkeeping. */
    private static final class IgnoreCallback implements WebSocketCallback<Void> {
        static final IgnoreCallback INSTANCE = new IgnoreCallback();

        @Override
        public void complete(WebSocketChannel ch, Void context) {
        }

        @Override
        public void onError(WebSocketChannel ch, Void context, Throwable error) {
            LOG.debug("control frame not written: {}", error.toString());
            IoUtils.safeClose(ch);
        }
    }

    /**
     * Closes the TCP connection once the close frame answering the peer's is written: both close frames have then been
     * exchanged, and the server closes first (RFC 6455 §7.1.1).
     */
    private static final class CloseAfterWrite implements WebSocketCallback<Void> {
        static final CloseAfterWrite INSTANCE = new CloseAfterWrite();

        @Override
        public void complete(WebSocketChannel ch, Void context) {
            IoUtils.safeClose(ch);
        }

        @Override
        public void onError(WebSocketChannel ch, Void context, Throwable error) {
            IoUtils.safeClose(ch);
        }
    }

    // ------------------------------------------------------------------------------------------------ inbound

    private void protocolError(CloseCode code, String reason, Throwable error) {
        error(error);
        close(code, reason);
    }

    /** Reads frames from the channel and turns them into {@link Message}s; on the channel's I/O thread. */
    private final class Receiver extends AbstractReceiveListener {

        @Override
        public void handleEvent(WebSocketChannel ch) {
            activity();
            super.handleEvent(ch);
        }

        @Override
        protected long getMaxTextBufferSize() {
            return config.maxMessageSize();
        }

        @Override
        protected long getMaxBinaryBufferSize() {
            return config.maxMessageSize();
        }

        @Override
        protected void onText(WebSocketChannel ch, StreamSourceFrameChannel frames) {
            // Read the UTF-8 bytes as they are (Undertow validates them while reading, closing with 1007), rather
            // than BufferedTextMessage's String, so the text is never decoded here.
            readWhole(frames, true);
        }

        @Override
        protected void onBinary(WebSocketChannel ch, StreamSourceFrameChannel frames) {
            readWhole(frames, false);
        }

        private void readWhole(StreamSourceFrameChannel frames, boolean text) {
            BufferedBinaryMessage buffered = new BufferedBinaryMessage(config.maxMessageSize(), true);
            buffered.read(frames, new WebSocketCallback<>() {
                @Override
                public void complete(WebSocketChannel ch, BufferedBinaryMessage message) {
                    onWholeMessage(message, text);
                }

                @Override
                @SuppressWarnings("deprecation")
                public void onError(WebSocketChannel ch, BufferedBinaryMessage message, Throwable error) {
                    message.getData().close();
                    Receiver.this.onError(ch, error);
                }
            });
        }

        @SuppressWarnings("deprecation")
        private void onWholeMessage(BufferedBinaryMessage buffered, boolean text) {
            byte[] bytes;
            try (Pooled<ByteBuffer[]> data = buffered.getData()) {
                ByteBuffer[] buffers = data.getResource();
                long total = 0;
                for (ByteBuffer b : buffers) {
                    total += b.remaining();
                }
                bytes = new byte[(int) total];
                int at = 0;
                for (ByteBuffer b : buffers) {
                    int n = b.remaining();
                    b.get(bytes, at, n);
                    at += n;
                }
            }
            Message m;
            if (text) {
                try {
                    m = Message.textUtf8(bytes);
                } catch (IllegalArgumentException e) {
                    protocolError(CloseCode.INVALID_PAYLOAD, "invalid UTF-8 in text message", e);
                    return;
                }
            } else {
                m = Message.binary(bytes);
            }
            owner.counters.messageIn(bytes.length);
            received(m);
        }

        @Override
        @SuppressWarnings("deprecation")
        protected void onFullCloseMessage(WebSocketChannel ch, BufferedBinaryMessage message) {
            Message.Close close;
            try (Pooled<ByteBuffer[]> data = message.getData()) {
                close = Message.Close.decode(WebSockets.mergeBuffers(data.getResource()));
            } catch (IllegalArgumentException e) {
                protocolError(CloseCode.PROTOCOL_ERROR, "invalid close frame", e);
                return;
            }
            peerClosed(close);
            if (!ch.isCloseFrameSent()) {
                // Answer with the peer's code (RFC 6455 §5.5.1), then close TCP once the answer is written.
                int code = close.code() == CloseCode.NO_STATUS_RECEIVED.code() ? CloseCode.NORMAL_CLOSURE.code()
                        : close.code();
                WebSockets.sendClose(code, "", ch, CloseAfterWrite.INSTANCE);
            } else {
                // Both close frames have been exchanged: the server closes the TCP connection first (RFC 6455 §7.1.1).
                IoUtils.safeClose(ch);
            }
        }

        @Override
        protected void onCloseMessage(io.undertow.websockets.core.CloseMessage cm, WebSocketChannel ch) {
            // Undertow calls this only when the peer's side of the TCP connection ended without a close frame: the
            // channel closes, and the kernel tells the endpoint 1006 if the session was still open.
        }

        @Override
        protected void onError(WebSocketChannel ch, Throwable error) {
            if (ch instanceof StrictHandshake.StrictChannel strict && strict.registeredCloseCode() > 0) {
                // Not an error: a close with a registered code Undertow refuses; the channel answered and closes.
                peerClosed(Message.close(strict.registeredCloseCode(), ""));
                return;
            }
            // Undertow has already sent the close frame a protocol error calls for (1002, 1007, 1009) where there was
            // one; other errors are I/O errors of a connection that is gone.
            if (!(error instanceof IOException) || ch.isCloseFrameSent()) {
                LOG.debug("session {}: {}", id(), error.toString());
            }
            if (ch.getCloseCode() != UNSET) {
                transportClosing(ch.getCloseCode(), ch.getCloseReason());
            }
            error(error);
            IoUtils.safeClose(ch);
        }
    }
}
