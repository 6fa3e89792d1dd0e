package io.wshub.transport.undertow;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.ServerStats;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standalone Undertow server with its own XNIO worker, serving one {@link UndertowWebSocketHandler} at the root,
 * behind an {@link UndertowListener} that bounds each upgrade request's head and the time it may take.
 *
 * <p>Thread-safety: any thread may call every method; {@link #stop()} not from an Undertow I/O thread.
 */
final class UndertowRunningServer implements RunningServer {

    private static final Logger LOG = LoggerFactory.getLogger(UndertowRunningServer.class);

    private final UndertowListener listener;
    private final UndertowWebSocketHandler handler;
    private final InetSocketAddress address;
    private final URI uri;
    private boolean stopped;

    private UndertowRunningServer(UndertowListener listener, UndertowWebSocketHandler handler,
                                  InetSocketAddress address, URI uri) {
        this.listener = listener;
        this.handler = handler;
        this.address = address;
        this.uri = uri;
    }

    static UndertowRunningServer start(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
            throws IOException {
        UndertowWebSocketHandler handler = new UndertowWebSocketHandler(config, endpoint, policy);
        UndertowListener listener;
        try {
            listener = UndertowListener.start(config, handler);
        } catch (IOException io) {
            throw new IOException("undertow transport cannot listen on " + config.host() + ":" + config.port()
                    + ": " + io.getMessage(), io);
        }
        InetSocketAddress bound = listener.address();
        URI uri = config.uri(bound.getPort());
        LOG.info("undertow transport listening on {}", uri);
        return new UndertowRunningServer(listener, handler, bound, uri);
    }

    @Override
    public String transportName() {
        return UndertowWebSockets.NAME;
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
        return handler.sessionCount();
    }

    @Override
    public boolean supportsStats() {
        return true;
    }

    @Override
    public ServerStats stats() {
        return handler.stats();
    }

    @Override
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        // Not ListenerInfo.suspend(): it closes every connection at once, upgraded ones included, without a close
        // frame. The handler answers new upgrades with 503 while the sessions close gracefully.
        handler.stop();
        listener.stop();
        LOG.info("undertow transport on {} stopped", uri);
    }

    @Override
    public String toString() {
        return "UndertowRunningServer[" + uri + "]";
    }
}
