package io.wshub.transport.undertow;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.wshub.api.ServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;
import org.xnio.ssl.SslConnection;

/**
 * The standalone server's HTTP listener, set up as {@code Undertow.builder()} sets one up (an XNIO worker, a buffer
 * pool, Undertow's {@link HttpOpenListener} with the handler at the root, TLS through {@link UndertowXnioSsl}), with
 * one difference the builder cannot express: each accepted connection gets a {@link RequestHeadConduit} before
 * Undertow sees it, so the upgrade request's limits answer 431 (Undertow's own answer 400) and its handshake timeout
 * runs from the accept. Undertow's own limits are set to the same values, as a backstop.
 *
 * <p>Thread-safety: {@link #start} and {@link #stop()} from any thread but an XNIO I/O thread; not concurrently.
 */
final class UndertowListener {

    private final XnioWorker worker;
    private final ByteBufferPool buffers;
    private final AcceptingChannel<? extends StreamConnection> channel;
    private final InetSocketAddress address;
    private final long shutdownMillis;

    private UndertowListener(XnioWorker worker, ByteBufferPool buffers, AcceptingChannel<? extends StreamConnection>
            channel, long shutdownMillis) {
        this.worker = worker;
        this.buffers = buffers;
        this.channel = channel;
        this.address = channel.getLocalAddress(InetSocketAddress.class);
        this.shutdownMillis = shutdownMillis;
    }

    /**
     * Binds and starts accepting.
     *
     * @param config the config (host, port, TLS, limits, timeouts); not null
     * @param handler the root handler; not null
     * @return the listening server
     * @throws IOException if it cannot bind
     */
    static UndertowListener start(ServerConfig config, UndertowWebSocketHandler handler) throws IOException {
        Xnio xnio = Xnio.getInstance(Undertow.class.getClassLoader());
        int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        XnioWorker worker = xnio.createWorker(OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, ioThreads)
                .set(Options.CONNECTION_HIGH_WATER, 1_000_000)
                .set(Options.CONNECTION_LOW_WATER, 1_000_000)
                // Nothing is dispatched to worker threads: handshakes and frames are handled on the I/O threads.
                .set(Options.WORKER_TASK_CORE_THREADS, 1)
                .set(Options.WORKER_TASK_MAX_THREADS, 1)
                .set(Options.TCP_NODELAY, true)
                .set(Options.CORK, true)
                .getMap());
        try {
            OptionMap socketOptions = OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, ioThreads)
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.REUSE_ADDRESSES, true)
                    .set(Options.BALANCING_TOKENS, 1)
                    .set(Options.BALANCING_CONNECTIONS, 2)
                    .set(Options.BACKLOG, 1000)
                    .getMap();
            int handshakeMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.handshakeTimeout().toMillis()));
            OptionMap undertowOptions = OptionMap.builder()
                    .set(UndertowOptions.BUFFER_PIPELINED_DATA, true)
                    .set(UndertowOptions.MAX_HEADER_SIZE, config.maxRequestHeaderSize())
                    .set(UndertowOptions.MAX_HEADERS, config.maxRequestHeaders())
                    .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, handshakeMillis)
                    .set(UndertowOptions.NO_REQUEST_TIMEOUT, handshakeMillis)
                    .getMap();
            // As the builder chooses for a JVM with 128 MB or more: 16 KB direct buffers, less room for headers.
            ByteBufferPool buffers = new DefaultByteBufferPool(true, 16 * 1024 - 20, -1, 4);
            HttpOpenListener http = new HttpOpenListener(buffers, undertowOptions);
            http.setRootHandler(handler);
            ChannelListener<StreamConnection> limited = connection -> {
                RequestHeadConduit.install(connection, config, handler.counters);
                http.handleEvent(connection);
            };
            InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(config.host()), config.port());
            AcceptingChannel<? extends StreamConnection> channel;
            if (config.sslContext() != null) {
                UndertowXnioSsl ssl = new UndertowXnioSsl(xnio, OptionMap.create(Options.USE_DIRECT_BUFFERS, true),
                        config.sslContext());
                channel = ssl.createSslConnectionServer(worker, bind,
                        ChannelListeners.<SslConnection>openListenerAdapter(limited), socketOptions);
            } else {
                channel = worker.createStreamConnectionServer(bind,
                        ChannelListeners.<StreamConnection>openListenerAdapter(limited), socketOptions);
            }
            channel.resumeAccepts();
            return new UndertowListener(worker, buffers, channel, config.closeTimeout().toMillis());
        } catch (IOException | RuntimeException e) {
            worker.shutdownNow();
            throw e;
        }
    }

    /**
     * Returns the bound address.
     *
     * @return the address, with the real port
     */
    InetSocketAddress address() {
        return address;
    }

    /** Stops accepting and shuts the worker down, waiting up to the close timeout before forcing it. */
    void stop() {
        IoUtils.safeClose(channel);
        worker.shutdown();
        try {
            if (!worker.awaitTermination(Math.max(1, shutdownMillis), TimeUnit.MILLISECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
        buffers.close();
    }
}
