package io.wshub.examples;

import io.lettuce.core.RedisConnectionException;
import io.wshub.api.Endpoint;
import io.wshub.api.HistoryConfig;
import io.wshub.api.Hub;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.api.Transports;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import io.wshub.redis.RedisHub;
import io.wshub.redis.RedisHubConfig;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The chat example: a plain broadcast hub. Every text and binary message a client sends goes, unchanged, to every
 * connected client (the sender too); arrivals and departures are announced as JSON text messages
 * ({@link PresenceNotices}). A browser page, {@code chat.html}, is served on a port of its own ({@link PageServer}).
 *
 * <p>The chat messages are publications on one topic, {@value #CHAT_TOPIC}, whose history the hub keeps within
 * bounds, so a client that connects with {@code ?recover=1} receives them in an envelope with their offsets and, after
 * a reconnect with {@code ?recover=1&offset=N&epoch=E}, exactly the ones it missed ({@link ChatRelay},
 * {@link ChatEnvelope}, {@link RecoveryQuery}). A plain client sees none of that.
 *
 * <p>Started with a {@link RedisHubConfig}, the chat is one node of a chat that several processes share through Redis
 * ({@link RedisHub} over the same local hub): a message sent to any node reaches the clients of every node, in one
 * order with one set of offsets, and a {@code ?recover=1} client resumes on any node. The presence notices cross
 * nodes too, and name the node whose count they give. While Redis is unreachable a message is not sent, and its
 * sender is told so ({@link ChatRelay}).
 *
 * <p>Thread-safety: the accessors may be called from any thread; call {@link #close()} once, from one thread that is
 * not a transport thread.
 */
public final class ChatServer implements AutoCloseable {

    /** The topic of the chat messages, which has history. */
    public static final String CHAT_TOPIC = "chat";
    /** The topic of the presence notices, which has none. */
    public static final String PRESENCE_TOPIC = "presence";
    /** How many chat messages the history keeps by default. */
    public static final int DEFAULT_HISTORY = 500;
    /** How long the history keeps a chat message by default. */
    public static final Duration DEFAULT_HISTORY_TTL = Duration.ofMinutes(5);

    private final Hub hub;
    private final RedisHub backplane;
    private final RunningServer webSocket;
    private final PageServer page;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ChatServer(Hub hub, RedisHub backplane, RunningServer webSocket, PageServer page) {
        this.hub = hub;
        this.backplane = backplane;
        this.webSocket = webSocket;
        this.page = page;
    }

    /**
     * Starts the hub, the WebSocket server and the page server, with the default history bounds
     * ({@value #DEFAULT_HISTORY} messages, 5 minutes).
     *
     * @param transport the transport's name, {@code undertow} or {@code java-websocket}; not null
     * @param config where the WebSocket endpoint listens; not null
     * @param pagePort the page server's port, 0 for any free one
     * @return the running chat server
     * @throws IOException if a port cannot be bound
     */
    public static ChatServer start(String transport, ServerConfig config, int pagePort) throws IOException {
        return start(transport, config, pagePort, DEFAULT_HISTORY, DEFAULT_HISTORY_TTL);
    }

    /**
     * Starts the hub, the WebSocket server and the page server.
     *
     * @param transport the transport's name, {@code undertow} or {@code java-websocket}; not null
     * @param config where the WebSocket endpoint listens; not null
     * @param pagePort the page server's port, 0 for any free one
     * @param history how many chat messages the history keeps, 1 to {@value HistoryConfig#MAX_MAX_PUBLICATIONS}
     * @param historyTtl how long the history keeps a chat message, 1 ms to 30 days; not null
     * @return the running chat server
     * @throws IOException if a port cannot be bound
     * @throws IllegalArgumentException if a history bound is out of range
     */
    public static ChatServer start(String transport, ServerConfig config, int pagePort, int history,
                                   Duration historyTtl) throws IOException {
        return start(transport, config, pagePort, history, historyTtl, null);
    }

    /**
     * Starts the hub, as one node of a chat shared through Redis when {@code redis} is given, then the WebSocket
     * server and the page server. Redis is reached first: if it cannot be used, nothing listens.
     *
     * @param transport the transport's name, {@code undertow} or {@code java-websocket}; not null
     * @param config where the WebSocket endpoint listens; not null
     * @param pagePort the page server's port, 0 for any free one
     * @param history how many chat messages the history keeps, 1 to {@value HistoryConfig#MAX_MAX_PUBLICATIONS}
     * @param historyTtl how long the history keeps a chat message, 1 ms to 30 days; not null
     * @param redis the Redis node's configuration (every node of one chat gives the same Redis, stream size and
     *              TTLs), or null for a chat on its own
     * @return the running chat server
     * @throws RedisException if Redis cannot be reached or used
     * @throws IOException if a port cannot be bound
     * @throws IllegalArgumentException if a history bound is out of range
     */
    public static ChatServer start(String transport, ServerConfig config, int pagePort, int history,
                                   Duration historyTtl, RedisHubConfig redis) throws IOException {
        HistoryConfig chatHistory = HistoryConfig.builder()
                .maxPublications(history)
                .ttl(historyTtl)
                .topics(CHAT_TOPIC::equals) // presence notices are not kept
                .envelope(new ChatEnvelope())
                .build();
        DisruptorHub local = DisruptorHub.start(DisruptorHubConfig.builder()
                .slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT) // a client that cannot keep up reconnects
                .history(chatHistory)
                .build());
        Hub hub = redis == null ? local : startNode(redis, local); // a RedisHub owns the local hub, shuts it down
        RedisHub backplane = hub instanceof RedisHub r ? r : null;
        String node = backplane == null ? null : "node " + backplane.node(); // whose clients the notices count
        RunningServer webSocket = null;
        try {
            Endpoint chat = new PresenceNotices(new ChatRelay(hub, CHAT_TOPIC, PRESENCE_TOPIC), hub, PRESENCE_TOPIC,
                    node);
            webSocket = Transports.start(transport, config, chat, RecoveryQuery.POLICY);
            PageServer page = PageServer.start(config.host(), pagePort, webSocket.port(), config.path(),
                    ChatMetrics.bind(hub, webSocket, backplane == null ? null : backplane::backplaneStats));
            return new ChatServer(hub, backplane, webSocket, page); // GET /metrics on the page port
        } catch (IOException | RuntimeException e) {
            if (webSocket != null) {
                webSocket.stop();
            }
            hub.shutdown(Duration.ofSeconds(1));
            throw e;
        }
    }

    /** Starts the Redis node over the local hub, or shuts the local hub down and says why it cannot. */
    private static RedisHub startNode(RedisHubConfig redis, DisruptorHub local) throws RedisException {
        try {
            return RedisHub.start(redis, local);
        } catch (RuntimeException e) {
            local.shutdown(Duration.ofSeconds(1));
            throw new RedisException(redis, e);
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
     * Returns this process's node of the chat shared through Redis.
     *
     * @return the Redis node, or null for a chat on its own
     */
    public RedisHub backplane() {
        return backplane;
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

    /**
     * The chat cannot start because its Redis cannot be reached or used (refused, timed out, unknown host, wrong
     * password, ...). The message says so in one line, with the Redis address but never its password.
     */
    public static final class RedisException extends IOException {

        private static final long serialVersionUID = 1L;

        RedisException(RedisHubConfig redis, RuntimeException failure) {
            super(message(redis, failure), failure);
        }

        /** What the connection met (such as "Connection refused"), or else what the node said. */
        private static String message(RedisHubConfig redis, RuntimeException failure) {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (t instanceof RedisConnectionException && t.getCause() != null
                        && t.getCause().getMessage() != null) {
                    String met = Options.oneLine(t.getCause().getMessage());
                    return "cannot use Redis at " + redis.address() + ": " + met;
                }
            }
            return Options.oneLine(failure.getMessage()); // the node's own: it names the address, not the password
        }
    }
}
