package io.wshub.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.wshub.api.Hub;
import io.wshub.api.HubStats;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * Binds a {@link Hub}'s {@link HubStats} to a {@link MeterRegistry}: every counter as a function counter (the drops
 * as one meter tagged by reason), the backlog and the joined sessions as gauges.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>{@code HubStats}</th></tr>
 *   <tr><td>{@code wshub.hub.accepted}</td><td>counter (messages)</td><td></td><td>accepted</td></tr>
 *   <tr><td>{@code wshub.hub.backpressured}</td><td>counter (operations)</td><td></td><td>backpressured</td></tr>
 *   <tr><td>{@code wshub.hub.delivered}</td><td>counter (messages)</td><td></td><td>delivered</td></tr>
 *   <tr><td>{@code wshub.hub.dropped}</td><td>counter (messages)</td>
 *       <td>{@code reason}: newest, oldest, disconnect, closed</td><td>dropped*</td></tr>
 *   <tr><td>{@code wshub.hub.slow.disconnects}</td><td>counter (sessions)</td><td></td><td>slowDisconnects</td></tr>
 *   <tr><td>{@code wshub.hub.errors}</td><td>counter</td><td></td><td>errors</td></tr>
 *   <tr><td>{@code wshub.hub.replayed}</td><td>counter (messages)</td><td></td><td>replayed</td></tr>
 *   <tr><td>{@code wshub.hub.recoveries}</td><td>counter (subscriptions)</td>
 *       <td>{@code result}: recovered, not_recovered</td><td>recovered, notRecovered</td></tr>
 *   <tr><td>{@code wshub.hub.backlog}</td><td>gauge (operations)</td><td></td><td>backlog</td></tr>
 *   <tr><td>{@code wshub.hub.sessions}</td><td>gauge (sessions)</td><td></td><td>sessions</td></tr>
 * </table>
 *
 * <p>Each meter also carries the tags given at construction (for example {@code hub=chat} when one registry sees
 * several hubs). The meters read one {@link Hub#stats()} snapshot, taken again at most every 100 ms, so a scrape
 * costs one snapshot; nothing is counted on the hub's own path. The meters' functions reference the hub for as long
 * as the registry holds them; remove the meters to let a shut-down hub go.
 *
 * <p>Thread-safety: immutable; {@link #bindTo} may be called from any thread, and the meters may be read from any
 * thread. No method accepts null.
 */
public final class HubMetrics implements MeterBinder {

    private final Hub hub;
    private final Tags tags;

    /**
     * Creates a binder for a hub, with no extra tags.
     *
     * @param hub the hub; not null
     */
    public HubMetrics(Hub hub) {
        this(hub, Tags.empty());
    }

    /**
     * Creates a binder for a hub whose meters carry extra tags.
     *
     * @param hub the hub; not null
     * @param tags tags added to every meter; not null
     */
    public HubMetrics(Hub hub, Iterable<Tag> tags) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        Snapshot<HubStats> stats = new Snapshot<>(hub::stats);
        counter(registry, stats, "wshub.hub.accepted", "messages", "messages accepted for fan-out",
                HubStats::accepted, tags);
        counter(registry, stats, "wshub.hub.backpressured", "operations",
                "operations refused because the hub was full", HubStats::backpressured, tags);
        counter(registry, stats, "wshub.hub.delivered", "messages",
                "messages enqueued to a session (net of drop-oldest evictions)", HubStats::delivered, tags);
        String dropped = "deliveries dropped, by reason";
        counter(registry, stats, "wshub.hub.dropped", "messages", dropped, HubStats::droppedNewest,
                tags.and("reason", "newest"));
        counter(registry, stats, "wshub.hub.dropped", "messages", dropped, HubStats::droppedOldest,
                tags.and("reason", "oldest"));
        counter(registry, stats, "wshub.hub.dropped", "messages", dropped, HubStats::droppedDisconnect,
                tags.and("reason", "disconnect"));
        counter(registry, stats, "wshub.hub.dropped", "messages", dropped, HubStats::droppedClosed,
                tags.and("reason", "closed"));
        counter(registry, stats, "wshub.hub.slow.disconnects", "sessions",
                "sessions closed as slow consumers", HubStats::slowDisconnects, tags);
        counter(registry, stats, "wshub.hub.errors", null, "exceptions from sessions or listeners caught by the hub",
                HubStats::errors, tags);
        counter(registry, stats, "wshub.hub.replayed", "messages",
                "publications replayed from history to recovering subscribers", HubStats::replayed, tags);
        String recoveries = "subscriptions that named a position, by outcome";
        counter(registry, stats, "wshub.hub.recoveries", "subscriptions", recoveries, HubStats::recovered,
                tags.and("result", "recovered"));
        counter(registry, stats, "wshub.hub.recoveries", "subscriptions", recoveries, HubStats::notRecovered,
                tags.and("result", "not_recovered"));
        Gauge.builder("wshub.hub.backlog", hub, h -> stats.get().backlog())
                .description("operations sequenced but not yet carried out by every fan-out thread")
                .baseUnit("operations").tags(tags).register(registry);
        Gauge.builder("wshub.hub.sessions", hub, h -> stats.get().sessions())
                .description("sessions joined to the hub").baseUnit("sessions").tags(tags).register(registry);
    }

    private void counter(MeterRegistry registry, Snapshot<HubStats> stats, String name, String unit,
                         String description, ToLongFunction<HubStats> value, Tags meterTags) {
        FunctionCounter.builder(name, hub, h -> value.applyAsLong(stats.get()))
                .description(description).baseUnit(unit).tags(meterTags).register(registry);
    }

    @Override
    public String toString() {
        return "HubMetrics[" + hub + ", " + tags + "]";
    }
}
