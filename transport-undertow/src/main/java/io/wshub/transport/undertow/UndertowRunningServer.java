package io.wshub.transport.undertow;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
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
 * A standalone Undertow server with its own XNIO worker, serving one {@link UndertowWebSocketHandler} at the root.
 *
 * <p>Thread-safety: any thread may call every method; {@link #stop()} not from an Undertow I/O thread.
 */
final class UndertowRunningServer implements RunningServer {

    private static final Logger LOG = LoggerFactory.getLogger(UndertowRunningServer.class);

    private final Undertow undertow;
    private final UndertowWebSocketHandler handler;
    private final InetSocketAddress address;
    private final URI uri;
    private boolean stopped;

    private UndertowRunningServer(Undertow undertow, UndertowWebSocketHandler handler, InetSocketAddress address,
                                  URI uri) {
        this.undertow = undertow;
        this.handler = handler;
        this.address = address;
        this.uri = uri;
    }

    static UndertowRunningServer start(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
            throws IOException {
        UndertowWebSocketHandler handler = new UndertowWebSocketHandler(config, endpoint, policy);
        int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        Undertow.Builder builder = Undertow.builder()
                .setIoThreads(ioThreads)
                // Nothing is dispatched to worker threads: handshakes and frames are handled on the I/O threads.
                .setWorkerThreads(1)
                .setServerOption(UndertowOptions.SHUTDOWN_TIMEOUT, (int) Math.min(Integer.MAX_VALUE,
                        config.closeTimeout().toMillis()))
                .setHandler(handler);
        if (config.sslContext() != null) {
            builder.addHttpsListener(config.port(), config.host(), config.sslContext());
        } else {
            builder.addHttpListener(config.port(), config.host());
        }
        Undertow undertow = builder.build();
        try {
            undertow.start();
        } catch (RuntimeException e) {
            try {
                undertow.stop();
            } catch (RuntimeException e2) {
                e.addSuppressed(e2);
            }
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new IOException("undertow transport cannot listen on " + config.host() + ":" + config.port()
                        + ": " + io.getMessage(), io);
            }
            throw e;
        }
        InetSocketAddress bound = (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
        URI uri = config.uri(bound.getPort());
        LOG.info("undertow transport listening on {}", uri);
        return new UndertowRunningServer(undertow, handler, bound, uri);
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
        undertow.stop();
        LOG.info("undertow transport on {} stopped", uri);
    }

    @Override
    public String toString() {
        return "UndertowRunningServer[" + uri + "]";
    }
}
