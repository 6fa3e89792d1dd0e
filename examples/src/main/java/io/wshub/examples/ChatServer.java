package io.wshub.examples;

import io.wshub.api.BroadcastEndpoint;
import io.wshub.api.Endpoint;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.api.Transports;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The chat example: a plain broadcast hub. Every text and binary message a client sends goes, unchanged, to every
 * connected client (the sender too); arrivals and departures are announced as JSON text messages
 * ({@link PresenceNotices}). A browser page, {@code chat.html}, is served on a port of its own ({@link PageServer}).
 *
 * <p>Thread-safety: the accessors may be called from any thread; call {@link #close()} once, from one thread that is
 * not a transport thread.
 */
public final class ChatServer implements AutoCloseable {

    private final DisruptorHub hub;
    private final RunningServer webSocket;
    private final PageServer page;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ChatServer(DisruptorHub hub, RunningServer webSocket, PageServer page) {
        this.hub = hub;
        this.webSocket = webSocket;
        this.page = page;
    }

    /**
     * Starts the hub, the WebSocket server and the page server.
     *
     * @param transport the transport's name, {@code undertow} or {@code java-websocket}; not null
     * @param config where the WebSocket endpoint listens; not null
     * @param pagePort the page server's port, 0 for any free one
     * @return the running chat server
     * @throws IOException if a port cannot be bound
     */
    public static ChatServer start(String transport, ServerConfig config, int pagePort) throws IOException {
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder()
                .slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT) // a client that cannot keep up reconnects
                .build());
        RunningServer webSocket = null;
        try {
            Endpoint chat = new PresenceNotices(new BroadcastEndpoint(hub, false), hub);
            webSocket = Transports.start(transport, config, chat);
            PageServer page = PageServer.start(config.host(), pagePort, webSocket.port(), config.path());
            return new ChatServer(hub, webSocket, page);
        } catch (IOException | RuntimeException e) {
            if (webSocket != null) {
                webSocket.stop();
            }
            hub.shutdown(Duration.ofSeconds(1));
            throw e;
        }
    }

    /**
     * Returns the WebSocket server.
     *
     * @return the running WebSocket server; never null
     */
    public RunningServer webSocket() {
        return webSocket;
    }

    /**
     * Returns where the chat page is served, such as {@code http://127.0.0.1:8081/}.
     *
     * @return the page's URI; never null
     */
    public URI pageUri() {
        return page.uri();
    }

    /** Stops the WebSocket server (clients get close code 1001), then the hub, then the page server. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            webSocket.stop();
        } finally {
            try {
                hub.shutdown(Duration.ofSeconds(5));
            } finally {
                page.close();
            }
        }
    }
}
