package io.wshub.api.spi;

import io.wshub.api.HandshakeRequest;
import io.wshub.api.Session;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The identity part of a {@link Session}, shared by every implementation: the id, the upgrade request, the negotiated
 * subprotocol, the remote address (the handshake's) and the concurrent attribute map. Transports and test doubles
 * extend it so they only implement the queue and lifecycle methods ({@link Session#isOpen()},
 * {@link Session#offer}, {@link Session#evictOldest()}, {@link Session#flush()}, {@link Session#close(int, String)},
 * {@link Session#queuedMessages()}, {@link Session#queuedBytes()}).
 *
 * <p>Thread-safety: the identity accessors are final, never block and may be called from any thread, concurrently;
 * the identity is fixed at construction and the attribute map is a {@link ConcurrentHashMap}. What the subclass adds
 * follows the {@link Session} contract. No method returns {@code null} except {@link #subprotocol()}.
 */
public abstract class AbstractSession implements Session {

    private static final VarHandle ATTRIBUTES;

    static {
        try {
            ATTRIBUTES = MethodHandles.lookup().findVarHandle(AbstractSession.class, "attributes", Map.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id;
    private final HandshakeRequest handshake;
    private final String subprotocol;
    /**
     * Created on first use (published with a CAS through {@code ATTRIBUTES}) when the session was accepted without
     * attributes: most sessions never use it, and an empty concurrent map costs memory per connection.
     */
    private volatile Map<String, Object> attributes;

    /**
     * Creates the identity of a session.
     *
     * @param id the session id, positive; usually from {@link SessionIds#next()}
     * @param handshake the upgrade request that opened the session; not null. Its
     *                  {@link HandshakeRequest#remoteAddress()} is the session's {@link #remoteAddress()}
     * @param subprotocol the negotiated subprotocol, or {@code null} if none was negotiated
     * @param attributes the attributes the handshake policy accepted the session with; not null, no null keys or
     *                   values. Copied: later changes to this map are not seen by the session
     * @throws IllegalArgumentException if {@code id} is not positive
     * @throws NullPointerException if {@code handshake}, {@code attributes} or one of their entries is null
     */
    protected AbstractSession(long id, HandshakeRequest handshake, String subprotocol,
                              Map<String, Object> attributes) {
        if (id <= 0) {
            throw new IllegalArgumentException("session id must be positive, was " + id);
        }
        this.id = id;
        this.handshake = Objects.requireNonNull(handshake, "handshake");
        this.subprotocol = subprotocol;
        if (!Objects.requireNonNull(attributes, "attributes").isEmpty()) {
            this.attributes = new ConcurrentHashMap<>(attributes);
        }
    }

    /**
     * {@inheritDoc}
     *
     * @return the id given at construction; positive
     */
    @Override
    public final long id() {
        return id;
    }

    /**
     * {@inheritDoc}
     *
     * @return the handshake given at construction; never null
     */
    @Override
    public final HandshakeRequest handshake() {
        return handshake;
    }

    /**
     * {@inheritDoc}
     *
     * @return the subprotocol given at construction, or {@code null} if none was negotiated
     */
    @Override
    public final String subprotocol() {
        return subprotocol;
    }

    /**
     * {@inheritDoc}
     *
     * @return the handshake's {@link HandshakeRequest#remoteAddress()}; never null
     */
    @Override
    public final InetSocketAddress remoteAddress() {
        return handshake.remoteAddress();
    }

    /**
     * {@inheritDoc}
     *
     * @return the session's own concurrent map, which started as a copy of the accepted attributes; never null
     */
    @Override
    @SuppressWarnings("unchecked")
    public final Map<String, Object> attributes() {
        Map<String, Object> map = (Map<String, Object>) ATTRIBUTES.getAcquire(this);
        if (map != null) {
            return map;
        }
        Map<String, Object> created = new ConcurrentHashMap<>();
        Map<String, Object> witness = (Map<String, Object>) ATTRIBUTES.compareAndExchange(this, null, created);
        return witness == null ? created : witness;
    }

    /**
     * Returns a short description for logs: the simple class name, the id and the remote address. Subclasses may
     * override it to add their state.
     *
     * @return for example {@code UndertowSession[id=7, remote=/127.0.0.1:50412]}; never null
     */
    @Override
    public String toString() {
        return getClass().getSimpleName() + "[id=" + id + ", remote=" + handshake.remoteAddress() + "]";
    }
}
