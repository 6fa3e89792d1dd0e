package io.wshub.examples;

import io.wshub.api.Endpoints;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Transports;
import java.io.IOException;

/**
 * The echo example: every text and binary message a client sends comes back to it unchanged.
 *
 * <p>Thread-safety: stateless.
 */
public final class EchoServer {

    private EchoServer() {
    }

    /**
     * Starts an echo server.
     *
     * @param transport the transport's name, {@code undertow} or {@code java-websocket}; not null
     * @param config where to listen; not null
     * @return the running server; stop it with {@link RunningServer#stop()}
     * @throws IOException if the port cannot be bound
     */
    public static RunningServer start(String transport, ServerConfig config) throws IOException {
        return Transports.start(transport, config, Endpoints.echo());
    }
}
