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
     * Returns whether this server counts what it does ({@link #stats()}). Both transports in this repository do.
     *
     * @return {@code true} if {@link #stats()} returns a snapshot; this default implementation returns {@code false}
     */
    default boolean supportsStats() {
        return false;
    }

    /**
     * Returns a snapshot of the server's counters: connections, handshakes, closes, messages and bytes in and out,
     * and what is queued. Taking it walks the open sessions, so call it when a monitoring system asks (once per
     * scrape), not per message. A transport counts without adding a lock or an allocation per message;
     * {@link io.wshub.api.spi.ServerCounters} does it for an implementor.
     *
     * @return the stats; never null
     * @throws UnsupportedOperationException if the server does not count ({@link #supportsStats()} is false); this
     *                                       default implementation always throws it
     */
    default ServerStats stats() {
        throw new UnsupportedOperationException(transportName() + " transport does not count its traffic");
    }

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
