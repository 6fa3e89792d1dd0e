package io.wshub.transport.undertow;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import java.io.IOException;
import java.util.Objects;

/**
 * Entry points of the Undertow transport: a standalone server ({@link #start}) or a handler to mount in an Undertow
 * server of your own ({@link #handler}).
 *
 * <p>Thread-safety: stateless; any thread may call it. No method accepts null.
 */
public final class UndertowWebSockets {

    /** The transport's name, as {@link io.wshub.api.Transports} knows it. */
    public static final String NAME = "undertow";

    private UndertowWebSockets() {
    }

    /**
     * Creates a handler serving {@code endpoint} that you mount in your own Undertow server at
     * {@link ServerConfig#path()}; see {@link UndertowWebSocketHandler}. The config's host, port and TLS settings are
     * ignored: your server decides those.
     *
     * @param config the config; not null
     * @param endpoint the application's endpoint; not null
     * @param policy the handshake policy; not null
     * @return the handler, also the handle to count and stop its sessions
     */
    public static UndertowWebSocketHandler handler(ServerConfig config, Endpoint endpoint, HandshakePolicy policy) {
        return new UndertowWebSocketHandler(config, endpoint, policy);
    }

    /**
     * Starts a standalone Undertow server serving {@code endpoint} at {@link ServerConfig#path()}, over TLS when
     * {@link ServerConfig#sslContext()} is set. Returns once it accepts connections.
     *
     * @param config the config; not null
     * @param endpoint the application's endpoint; not null
     * @param policy the handshake policy; not null
     * @return the running server, with the real port when the config asked for port 0
     * @throws IOException if the server cannot bind
     */
    public static RunningServer start(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
            throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(policy, "policy");
        return UndertowRunningServer.start(config, endpoint, policy);
    }
}
