package io.wshub.transport.javawebsocket;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.ServerStats;
import io.wshub.api.spi.TransportProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * The {@code java-websocket} transport: serves wshub endpoints on {@code org.java-websocket:Java-WebSocket}.
 * Found by {@link java.util.ServiceLoader}; users normally go through {@link io.wshub.api.Transports}.
 *
 * <p>What it adds to the library: the transport kernel's upgrade validator ({@link io.wshub.api.spi.UpgradeValidator}:
 * 404 for another path, 405 for another method, 400 for malformed or non-upgrade requests, 426 with
 * {@code Sec-WebSocket-Version: 13} for another version, 503 while stopping or at the connection limit, then the
 * {@link HandshakePolicy}'s own status for its rejections, in that order) and frame decoder
 * ({@link io.wshub.api.spi.FrameDecoder}: 1002, 1007, 1009 as the RFC and {@link ServerConfig#maxMessageSize()}
 * require), bounded non-blocking session queues that share each
 * message's encoded bytes, keepalive pings and idle timeout on one timer thread per server, and a graceful stop.
 *
 * <p>TLS: when {@link ServerConfig#sslContext()} is set the server speaks {@code wss://} through the library's
 * {@code DefaultSSLWebSocketServerFactory} (which adds one thread per server for TLS handshake tasks).
 *
 * <p>Limitations: the library closes the TCP connection as soon as its own close frame is written rather than waiting
 * for the client's close frame; it does not time out connections that never complete the upgrade handshake, nor
 * bound the size of the handshake request.
 *
 * <p>Thread-safety: stateless; {@link #start} may be called from any thread, concurrently. Arguments must not be
 * null.
 */
public final class JavaWebSocketTransportProvider implements TransportProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public JavaWebSocketTransportProvider() {
    }

    @Override
    public String name() {
        return JwsServer.NAME;
    }

    @Override
    public RunningServer start(ServerConfig config, Endpoint endpoint, HandshakePolicy policy) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(policy, "policy");
        if (new InetSocketAddress(config.host(), config.port()).isUnresolved()) {
            throw new UnknownHostException("cannot resolve ServerConfig.host " + config.host());
        }
        JwsServer server = new JwsServer(config, endpoint, policy);
        server.startServer();
        return new Running(server, config);
    }

    @Override
    public String toString() {
        return "JavaWebSocketTransportProvider[" + name() + "]";
    }

    /** The running server handed back to users. Thread-safety: any thread may call it. */
    private static final class Running implements RunningServer {
        private final JwsServer server;
        private final InetSocketAddress address;
        private final URI uri;

        Running(JwsServer server, ServerConfig config) {
            this.server = server;
            this.address = new InetSocketAddress(config.host(), server.getPort());
            this.uri = config.uri(server.getPort());
        }

        @Override
        public String transportName() {
            return JwsServer.NAME;
        }

        @Override
        public InetSocketAddress address() {
            return address;
        }

        @Override
        public URI uri() {
            return uri;
        }

        @Override
        public int sessionCount() {
            return server.sessionCount();
        }

        @Override
        public boolean supportsStats() {
            return true;
        }

        @Override
        public ServerStats stats() {
            return server.stats();
        }

        @Override
        public void stop() {
            server.stopGracefully();
        }

        @Override
        public String toString() {
            return "RunningServer[" + JwsServer.NAME + ", " + uri + "]";
        }
    }
}
