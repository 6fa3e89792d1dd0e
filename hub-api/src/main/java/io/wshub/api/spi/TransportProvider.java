package io.wshub.api.spi;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import java.io.IOException;

/**
 * A WebSocket server library adapted to wshub, found with {@link java.util.ServiceLoader}: list the implementation in
 * {@code META-INF/services/io.wshub.api.spi.TransportProvider} and, on the module path, {@code provides} it.
 *
 * <p>An implementation must: answer the upgrade handshake per RFC 6455 §4.2 (4xx for malformed requests, 426 with
 * {@code Sec-WebSocket-Version: 13} for another version), run the {@link HandshakePolicy} before upgrading, enforce
 * the config's limits (1009 above {@link ServerConfig#maxMessageSize()}, 1007 for invalid UTF-8, 1002 for protocol
 * errors), give each session a bounded, non-blocking outbound queue, ping and time out idle clients, and stop
 * gracefully. The testkit's {@code TransportVerification} checks all of this.
 *
 * <p>Thread-safety: implementations must be stateless or thread-safe; {@link #start} may be called concurrently.
 */
public interface TransportProvider {

    /**
     * Returns the name users choose this transport by, such as {@code undertow}.
     *
     * @return a short lower-case name; never null
     */
    String name();

    /**
     * Binds and starts a server. Returns once the server accepts connections.
     *
     * @param config the config; not null
     * @param endpoint the application's endpoint; not null
     * @param policy the handshake policy; not null
     * @return the running server
     * @throws IOException if the server cannot bind or start
     * @throws UnsupportedOperationException if the config asks for something this transport cannot do; the message
     *                                       says what
     */
    RunningServer start(ServerConfig config, Endpoint endpoint, HandshakePolicy policy) throws IOException;
}
