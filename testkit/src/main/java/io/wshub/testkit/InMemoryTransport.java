package io.wshub.testkit;

import io.wshub.api.CloseCode;
import io.wshub.api.Endpoint;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import io.wshub.api.spi.AbstractSession;
import io.wshub.api.spi.SessionIds;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Unit-tests an {@link Endpoint} without sockets, in the spirit of Netty's {@code EmbeddedChannel}: open a connection
 * (the endpoint sees {@code onOpen}), deliver messages to it as a client would send them, take what it sent back, and
 * close from either side. It follows the transport contract the endpoint relies on: calls for one session are
 * sequential ({@code onOpen}, {@code onMessage}..., exactly one {@code onClose}); an exception from the endpoint is
 * reported to {@code onError} and closes the session with 1011; each session's outbound queue is bounded by the
 * config's {@link ServerConfig#maxQueuedMessages()} and {@link ServerConfig#maxQueuedBytes()} (payload bytes).
 *
 * <p>A close the endpoint starts completes at once, as if the client answered immediately: {@code onClose} follows
 * after the endpoint callback in progress returns.
 *
 * <p>Thread-safety: any thread may use it; calls for one connection are serialized by a per-connection lock, so an
 * endpoint never sees concurrent calls for one session. Arguments must not be null.
 */
public final class InMemoryTransport {

    private final Endpoint endpoint;
    private final ServerConfig config;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();

    private InMemoryTransport(Endpoint endpoint, ServerConfig config) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Creates a transport for an endpoint with the default config's limits.
     *
     * @param endpoint the endpoint under test; not null
     * @return the transport
     */
    public static InMemoryTransport of(Endpoint endpoint) {
        return new InMemoryTransport(endpoint, ServerConfig.defaults());
    }

    /**
     * Creates a transport for an endpoint with a config's limits (queue bounds, path, max message size).
     *
     * @param endpoint the endpoint under test; not null
     * @param config the config; not null
     * @return the transport
     */
    public static InMemoryTransport of(Endpoint endpoint, ServerConfig config) {
        return new InMemoryTransport(endpoint, config);
    }

    /**
     * Opens a connection on the config's path; the endpoint's {@code onOpen} runs before this returns.
     *
     * @return the connection
     */
    public Connection open() {
        return open(new HandshakeRequest(config.path(), "", Map.of("Upgrade", List.of("websocket")),
                new InetSocketAddress("127.0.0.1", Sessions.FAKE_REMOTE_PORT)));
    }

    /**
     * Opens a connection with a given upgrade request; the endpoint's {@code onOpen} runs before this returns.
     *
     * @param handshake the upgrade request; not null
     * @return the connection
     */
    public Connection open(HandshakeRequest handshake) {
        Connection c = new Connection(Objects.requireNonNull(handshake, "handshake"));
        open.add(c);
        c.lock.lock();
        try {
            c.invoke(() -> endpoint.onOpen(c.session));
        } finally {
            c.unlockAndDeliverClose();
        }
        return c;
    }

    /**
     * Returns how many connections are open.
     *
     * @return the open connection count
     */
    public int sessionCount() {
        return open.size();
    }

    /**
     * One client connection. Its {@link #session()} is what the endpoint sees.
     *
     * <p>Thread-safety: any thread may call it.
     */
    public final class Connection {
        private final ReentrantLock lock = new ReentrantLock();
        private final MemorySession session;
        private final Object state = new Object();
        private final ArrayDeque<Message> outbound = new ArrayDeque<>();
        private long outboundBytes;
        private int flushes;
        private int closeCode = RecordingSession.NOT_CLOSED;
        private String closeReason = "";
        private boolean closedByServer;
        private boolean onCloseDelivered;
        private final List<Throwable> errors = new ArrayList<>();

        private Connection(HandshakeRequest handshake) {
            this.session = new MemorySession(handshake);
        }

        /**
         * Returns the session the endpoint sees.
         *
         * @return the session; never null
         */
        public Session session() {
            return session;
        }

        /**
         * Delivers a data message from the client to the endpoint's {@code onMessage}. A text message that is not
         * valid UTF-8 cannot be built ({@link Message#textUtf8(byte[])} refuses it); a message over the config's
         * {@link ServerConfig#maxMessageSize()} closes the session with 1009 instead of reaching the endpoint.
         *
         * @param message a {@link Message.Text} or {@link Message.Binary}; not null
         * @throws IllegalArgumentException if the message is a control message
         * @throws IllegalStateException if the connection is closed
         */
        public void receive(Message message) {
            Objects.requireNonNull(message, "message");
            if (message.kind().isControl()) {
                throw new IllegalArgumentException("only text and binary messages reach an endpoint; the transport "
                        + "answers " + message.kind() + " itself");
            }
            lock.lock();
            try {
                if (!isOpen()) {
                    throw new IllegalStateException("connection is closed");
                }
                if (message.payloadLength() > config.maxMessageSize()) {
                    closeFromServer(CloseCode.MESSAGE_TOO_BIG.code(), "message too big");
                    return;
                }
                invoke(() -> endpoint.onMessage(session, message));
            } finally {
                unlockAndDeliverClose();
            }
        }

        /**
         * Delivers a text message from the client.
         *
         * @param text the text; not null
         */
        public void receiveText(String text) {
            receive(Message.text(text));
        }

        /**
         * Delivers a binary message from the client.
         *
         * @param data the payload; not null
         */
        public void receiveBinary(byte[] data) {
            receive(Message.binary(data));
        }

        /**
         * Takes everything the endpoint sent to this client so far, as the client reading it would; the queue empties.
         *
         * @return the messages in order; never null
         */
        public List<Message> takeSent() {
            synchronized (state) {
                List<Message> out = new ArrayList<>(outbound);
                outbound.clear();
                outboundBytes = 0;
                return out;
            }
        }

        /**
         * Returns how many times the endpoint called {@link Session#flush()}.
         *
         * @return the count
         */
        public int flushCount() {
            synchronized (state) {
                return flushes;
            }
        }

        /**
         * Closes from the client's side with a close frame; the endpoint sees {@code onClose} with this code.
         *
         * @param code the client's close code
         * @param reason the reason; not null
         */
        public void closeFromClient(int code, String reason) {
            Objects.requireNonNull(reason, "reason");
            lock.lock();
            try {
                synchronized (state) {
                    if (closeCode != RecordingSession.NOT_CLOSED) {
                        return;
                    }
                    closeCode = code;
                    closeReason = reason;
                }
            } finally {
                unlockAndDeliverClose();
            }
        }

        /** Drops the connection without a close frame; the endpoint sees {@code onClose} with 1006. */
        public void disconnect() {
            closeFromClient(CloseCode.ABNORMAL_CLOSURE.code(), "");
        }

        /**
         * Returns whether the connection is open.
         *
         * @return {@code true} until either side closes
         */
        public boolean isOpen() {
            synchronized (state) {
                return closeCode == RecordingSession.NOT_CLOSED;
            }
        }

        /**
         * Returns the close code, whoever closed.
         *
         * @return the code, or {@link RecordingSession#NOT_CLOSED} while open
         */
        public int closeCode() {
            synchronized (state) {
                return closeCode;
            }
        }

        /**
         * Returns the close reason.
         *
         * @return the reason; empty while open; never null
         */
        public String closeReason() {
            synchronized (state) {
                return closeReason;
            }
        }

        /**
         * Returns whether the endpoint (or this transport, for an error) started the close.
         *
         * @return {@code true} if the server side closed
         */
        public boolean closedByServer() {
            synchronized (state) {
                return closedByServer;
            }
        }

        /**
         * Returns the errors passed to the endpoint's {@code onError} for this session.
         *
         * @return a copy; never null
         */
        public List<Throwable> errors() {
            synchronized (state) {
                return List.copyOf(errors);
            }
        }

        private void invoke(Runnable call) {
            try {
                call.run();
            } catch (RuntimeException | Error e) {
                synchronized (state) {
                    errors.add(e);
                }
                try {
                    endpoint.onError(session, e);
                } catch (RuntimeException ignored) {
                    // an endpoint that throws from onError is closed all the same
                }
                closeFromServer(CloseCode.INTERNAL_ERROR.code(), "endpoint error");
            }
        }

        private void closeFromServer(int code, String reason) {
            synchronized (state) {
                if (closeCode != RecordingSession.NOT_CLOSED) {
                    return;
                }
                closeCode = code;
                closeReason = reason;
                closedByServer = true;
            }
            if (!lock.isHeldByCurrentThread()) {
                lock.lock();
                unlockAndDeliverClose();
            }
        }

        /** Unlocks; if the session closed and onClose is due, delivers it first (outside any other callback). */
        private void unlockAndDeliverClose() {
            try {
                if (lock.getHoldCount() == 1) {
                    boolean due;
                    int code;
                    String reason;
                    synchronized (state) {
                        due = closeCode != RecordingSession.NOT_CLOSED && !onCloseDelivered;
                        if (due) {
                            onCloseDelivered = true;
                        }
                        code = closeCode;
                        reason = closeReason;
                    }
                    if (due) {
                        open.remove(this);
                        try {
                            endpoint.onClose(session, code, reason);
                        } catch (RuntimeException e) {
                            synchronized (state) {
                                errors.add(e);
                            }
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public String toString() {
            return "InMemoryTransport.Connection[" + session.id() + (isOpen() ? "" : ", closed=" + closeCode()) + "]";
        }

        private final class MemorySession extends AbstractSession {

            MemorySession(HandshakeRequest handshake) {
                super(SessionIds.next(), handshake, null, Map.of());
            }

            @Override
            public boolean isOpen() {
                return Connection.this.isOpen();
            }

            @Override
            public OfferResult offer(Message message) {
                Sessions.checkMessage(message);
                synchronized (state) {
                    if (closeCode != RecordingSession.NOT_CLOSED) {
                        return OfferResult.CLOSED;
                    }
                    int len = message.payloadLength();
                    if (outbound.size() >= config.maxQueuedMessages()
                            || (!outbound.isEmpty() && outboundBytes + len > config.maxQueuedBytes())) {
                        return OfferResult.FULL;
                    }
                    outbound.addLast(message);
                    outboundBytes += len;
                    return OfferResult.ENQUEUED;
                }
            }

            @Override
            public boolean evictOldest() {
                synchronized (state) {
                    Message m = outbound.pollFirst();
                    if (m == null) {
                        return false;
                    }
                    outboundBytes -= m.payloadLength();
                    return true;
                }
            }

            @Override
            public void flush() {
                synchronized (state) {
                    flushes++;
                }
            }

            @Override
            public void close(int code, String reason) {
                Sessions.checkClose(code, reason);
                closeFromServer(code, reason);
            }

            @Override
            public int queuedMessages() {
                synchronized (state) {
                    return outbound.size();
                }
            }

            @Override
            public long queuedBytes() {
                synchronized (state) {
                    return outboundBytes;
                }
            }

            @Override
            public String toString() {
                return "InMemorySession[" + id() + "]";
            }
        }
    }
}
