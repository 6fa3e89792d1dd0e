package io.wshub.api;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * A started WebSocket server, as a {@link io.wshub.api.spi.TransportProvider} returns it.
 *
 * <p>Thread-safety: every method may be called from any thread. {@link #stop()} must not be called from a transport
 * I/O thread or an endpoint callback.
 */
public interface RunningServer extends AutoCloseable {

    /**
     * Returns the name of the transport serving, for example {@code undertow}.
     *
     * @return the transport name; never null
     */
    String transportName();

    /**
     * Returns the bound address, with the real port when the config asked for port 0.
     *
     * @return the bound address; never null
     */
    InetSocketAddress address();

    /**
     * Returns the bound port.
     *
     * @return the port the server listens on
     */
    default int port() {
        return address().getPort();
    }

    /**
     * Returns the WebSocket URI clients connect to, such as {@code ws://127.0.0.1:8080/ws}.
     *
     * @return the URI; never null
     */
    URI uri();

    /**
     * Returns how many sessions are open now.
     *
     * @return the open session count
     */
    int sessionCount();

    /**
     * Stops gracefully: stops accepting connections, sends close 1001 (going away) to every session after what is
     * already queued for it, waits up to the config's close timeout for the sessions to close, then closes what is
     * left and releases every thread and socket. Idempotent; returns when the server has stopped.
     */
    void stop();

    /** Same as {@link #stop()}. */
    @Override
    default void close() {
        stop();
    }
}
