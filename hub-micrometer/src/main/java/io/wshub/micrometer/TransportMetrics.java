package io.wshub.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.wshub.api.CodeCounts;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerStats;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Binds a running transport's {@link ServerStats} ({@link RunningServer#stats()}) to a {@link MeterRegistry}. Every
 * meter is tagged {@code transport} with the transport's name.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>{@code ServerStats}</th></tr>
 *   <tr><td>{@code wshub.transport.connections}</td><td>gauge (connections)</td><td></td><td>connections</td></tr>
 *   <tr><td>{@code wshub.transport.handshakes}</td><td>counter</td>
 *       <td>{@code result}: accepted ({@code status} 101), rejected ({@code status} 400, 401, 403, 404, 405, 408,
 *       426, 429, 500, 503 or other)</td><td>handshakesAccepted, handshakesRejected</td></tr>
 *   <tr><td>{@code wshub.transport.closes}</td><td>counter</td>
 *       <td>{@code code}: 1000 to 1014 (the registered codes) or other</td><td>closes</td></tr>
 *   <tr><td>{@code wshub.transport.messages}</td><td>counter (messages)</td><td>{@code direction}: in, out</td>
 *       <td>messagesIn, messagesOut</td></tr>
 *   <tr><td>{@code wshub.transport.bytes}</td><td>counter (bytes)</td><td>{@code direction}: in, out</td>
 *       <td>bytesIn, bytesOut</td></tr>
 *   <tr><td>{@code wshub.transport.queued.messages}</td><td>gauge (messages)</td><td></td>
 *       <td>queuedMessages</td></tr>
 *   <tr><td>{@code wshub.transport.queued.bytes}</td><td>gauge (bytes)</td><td></td><td>queuedBytes</td></tr>
 *   <tr><td>{@code wshub.transport.queue.largest.messages}</td><td>gauge (messages)</td><td></td>
 *       <td>largestQueueMessages</td></tr>
 *   <tr><td>{@code wshub.transport.queue.largest.bytes}</td><td>gauge (bytes)</td><td></td>
 *       <td>largestQueueBytes</td></tr>
 * </table>
 *
 * <p>A server that does not count ({@link RunningServer#supportsStats()} is false) gets the connections gauge only,
 * from {@link RunningServer#sessionCount()}. The meters read one snapshot, taken again at most every 100 ms, so a
 * scrape walks the open sessions once; nothing is counted here on the transport's path. The meters' functions
 * reference the server for as long as the registry holds them; remove the meters to let a stopped server go.
 *
 * <p>Thread-safety: immutable; {@link #bindTo} may be called from any thread, and the meters may be read from any
 * thread. No method accepts null.
 */
public final class TransportMetrics implements MeterBinder {

    private final Object owner;
    private final boolean counted;
    private final Supplier<ServerStats> source;
    private final ToDoubleFunction<Object> sessions;
    private final Tags tags;

    /**
     * Creates a binder for a running server, with no tags but {@code transport}.
     *
     * @param server the server; not null
     */
    public TransportMetrics(RunningServer server) {
        this(server, Tags.empty());
    }

    /**
     * Creates a binder for a running server whose meters carry extra tags.
     *
     * @param server the server; not null
     * @param tags tags added to every meter, besides {@code transport}; not null
     */
    public TransportMetrics(RunningServer server, Iterable<Tag> tags) {
        Objects.requireNonNull(server, "server");
        this.owner = server;
        this.counted = server.supportsStats();
        this.source = server::stats;
        this.sessions = s -> server.sessionCount();
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("transport", server.transportName());
    }

    /**
     * Creates a binder for stats that come from elsewhere than a {@link RunningServer}, such as a transport's handler
     * mounted in a server of your own (for example {@code UndertowWebSocketHandler::stats}).
     *
     * @param transport the transport's name, the {@code transport} tag; not null
     * @param owner the object the meters are registered for, usually the one {@code stats} reads; not null
     * @param stats the stats; not null, never returning null
     * @param tags tags added to every meter, besides {@code transport}; not null
     */
    public TransportMetrics(String transport, Object owner, Supplier<ServerStats> stats,
                            Iterable<Tag> tags) {
        this.owner = Objects.requireNonNull(owner, "owner");
        this.counted = true;
        this.source = Objects.requireNonNull(stats, "stats");
        this.sessions = null;
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"))
                .and("transport", Objects.requireNonNull(transport, "transport"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (!counted) {
            Gauge.builder("wshub.transport.connections", owner, sessions)
                    .description("open WebSocket sessions").baseUnit("connections").tags(tags).register(registry);
            return;
        }
        Snapshot<ServerStats> stats = new Snapshot<>(source);
        gauge(registry, stats, "wshub.transport.connections", "connections", "open WebSocket sessions",
                ServerStats::connections);
        String handshakes = "upgrade requests, by result and HTTP status";
        counter(registry, stats, "wshub.transport.handshakes", null, handshakes, ServerStats::handshakesAccepted,
                tags.and("result", "accepted", "status", "101"));
        codes(registry, stats, "wshub.transport.handshakes", handshakes, ServerStats::handshakesRejected, "status",
                tags.and("result", "rejected"));
        codes(registry, stats, "wshub.transport.closes", "sessions closed, by the close code their endpoint saw",
                ServerStats::closes, "code", tags);
        String messages = "whole messages received from or written to clients";
        counter(registry, stats, "wshub.transport.messages", "messages", messages, ServerStats::messagesIn,
                tags.and("direction", "in"));
        counter(registry, stats, "wshub.transport.messages", "messages", messages, ServerStats::messagesOut,
                tags.and("direction", "out"));
        String bytes = "payload bytes of the messages received or written";
        counter(registry, stats, "wshub.transport.bytes", "bytes", bytes, ServerStats::bytesIn,
                tags.and("direction", "in"));
        counter(registry, stats, "wshub.transport.bytes", "bytes", bytes, ServerStats::bytesOut,
                tags.and("direction", "out"));
        gauge(registry, stats, "wshub.transport.queued.messages", "messages",
                "messages queued for all sessions and not yet written", ServerStats::queuedMessages);
        gauge(registry, stats, "wshub.transport.queued.bytes", "bytes", "bytes queued for all sessions",
                ServerStats::queuedBytes);
        gauge(registry, stats, "wshub.transport.queue.largest.messages", "messages",
                "the most messages queued for one session", ServerStats::largestQueueMessages);
        gauge(registry, stats, "wshub.transport.queue.largest.bytes", "bytes",
                "the most bytes queued for one session", ServerStats::largestQueueBytes);
    }

    /** One counter per tracked code, and one tagged {@code other}. */
    private void codes(MeterRegistry registry, Snapshot<ServerStats> stats, String name, String description,
                       Function<ServerStats, CodeCounts> counts, String tagKey, Tags meterTags) {
        for (int code : counts.apply(stats.get()).codes()) {
            counter(registry, stats, name, null, description, s -> counts.apply(s).count(code),
                    meterTags.and(tagKey, Integer.toString(code)));
        }
        counter(registry, stats, name, null, description, s -> counts.apply(s).other(),
                meterTags.and(tagKey, "other"));
    }

    private void counter(MeterRegistry registry, Snapshot<ServerStats> stats, String name, String unit,
                         String description, ToLongFunction<ServerStats> value, Tags meterTags) {
        FunctionCounter.builder(name, owner, o -> value.applyAsLong(stats.get()))
                .description(description).baseUnit(unit).tags(meterTags).register(registry);
    }

    private void gauge(MeterRegistry registry, Snapshot<ServerStats> stats, String name, String unit,
                       String description, ToLongFunction<ServerStats> value) {
        Gauge.builder(name, owner, o -> value.applyAsLong(stats.get()))
                .description(description).baseUnit(unit).tags(tags).register(registry);
    }

    @Override
    public String toString() {
        return "TransportMetrics[" + owner + ", " + tags + "]";
    }
}
