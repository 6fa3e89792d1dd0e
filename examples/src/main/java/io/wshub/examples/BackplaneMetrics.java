package io.wshub.examples;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.wshub.redis.BackplaneStats;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Binds a Redis node's {@link BackplaneStats} ({@code RedisHub.backplaneStats()}) to a {@link MeterRegistry}, named
 * like hub-micrometer's meters: {@code wshub.redis.*}, which Prometheus shows as {@code wshub_redis_*}.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>{@code BackplaneStats}</th></tr>
 *   <tr><td>{@code wshub.redis.published}</td><td>counter (operations)</td><td></td><td>published</td></tr>
 *   <tr><td>{@code wshub.redis.publish.failed}</td><td>counter (operations)</td><td></td><td>publishFailed</td></tr>
 *   <tr><td>{@code wshub.redis.unavailable}</td><td>counter (operations)</td><td></td><td>unavailable</td></tr>
 *   <tr><td>{@code wshub.redis.received}</td><td>counter (messages)</td><td></td><td>received</td></tr>
 *   <tr><td>{@code wshub.redis.inbound.dropped}</td><td>counter (messages)</td><td></td><td>inboundDropped</td></tr>
 *   <tr><td>{@code wshub.redis.sends.undeliverable}</td><td>counter (messages)</td><td></td>
 *       <td>undeliverableSends</td></tr>
 *   <tr><td>{@code wshub.redis.gaps.detected}</td><td>counter</td><td></td><td>gapsDetected</td></tr>
 *   <tr><td>{@code wshub.redis.gaps}</td><td>counter (gaps)</td><td>{@code result}: recovered, lost</td>
 *       <td>gapsRecovered, gapsLost</td></tr>
 *   <tr><td>{@code wshub.redis.resubscribes}</td><td>counter</td><td></td><td>resubscribes</td></tr>
 *   <tr><td>{@code wshub.redis.probe.failures}</td><td>counter</td><td></td><td>probeFailures</td></tr>
 *   <tr><td>{@code wshub.redis.connected}</td><td>gauge</td><td></td><td>connected: 1 or 0</td></tr>
 * </table>
 *
 * <p>The meters share one snapshot, taken again at most every 100 ms, so that one scrape shows one moment. The
 * {@code wshub.redis.connected} gauge holds this binder, and through it the supplier, strongly, so nothing else needs
 * to keep them (Micrometer's meters hold their object weakly: once it is collected they show NaN or a stale count).
 *
 * <p>Thread-safety: {@link #bindTo} may be called from any thread, and the meters may be read from any thread. No
 * method accepts null.
 */
public final class BackplaneMetrics implements MeterBinder {

    private static final long MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Supplier<BackplaneStats> source;
    private BackplaneStats last;
    private long takenNanos;

    /**
     * Creates a binder.
     *
     * @param stats the node's counters, such as {@code redisHub::backplaneStats}; not null, never returning null
     */
    public BackplaneMetrics(Supplier<BackplaneStats> stats) {
        this.source = Objects.requireNonNull(stats, "stats");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        counter(registry, "wshub.redis.published", "operations",
                "broadcasts, publications and sends Redis confirmed", BackplaneStats::published, Tags.empty());
        counter(registry, "wshub.redis.publish.failed", "operations",
                "operations accepted, then failed in Redis (timeout, lost connection)", BackplaneStats::publishFailed,
                Tags.empty());
        counter(registry, "wshub.redis.unavailable", "operations",
                "operations refused at once because Redis was unreachable", BackplaneStats::unavailable, Tags.empty());
        counter(registry, "wshub.redis.received", "messages", "messages received from Redis",
                BackplaneStats::received, Tags.empty());
        counter(registry, "wshub.redis.inbound.dropped", "messages",
                "messages from Redis the node could not hand to its local hub", BackplaneStats::inboundDropped,
                Tags.empty());
        counter(registry, "wshub.redis.sends.undeliverable", "messages",
                "direct sends whose session is on no node", BackplaneStats::undeliverableSends, Tags.empty());
        counter(registry, "wshub.redis.gaps.detected", null,
                "gaps in a topic's offsets the node noticed (each then recovered or lost)",
                BackplaneStats::gapsDetected, Tags.empty());
        String gaps = "gaps in a topic's offsets, by whether the topic's stream filled them";
        counter(registry, "wshub.redis.gaps", "gaps", gaps, BackplaneStats::gapsRecovered,
                Tags.of("result", "recovered"));
        counter(registry, "wshub.redis.gaps", "gaps", gaps, BackplaneStats::gapsLost, Tags.of("result", "lost"));
        counter(registry, "wshub.redis.resubscribes", null,
                "subscriptions renewed after a reconnect or a failed probe", BackplaneStats::resubscribes,
                Tags.empty());
        counter(registry, "wshub.redis.probe.failures", null,
                "probes that did not come back through the node's subscription in time",
                BackplaneStats::probeFailures, Tags.empty());
        gauge(registry, "wshub.redis.connected", "whether the node can publish to Redis now: 1 or 0",
                s -> s.connected() ? 1 : 0);
    }

    private void counter(MeterRegistry registry, String name, String unit, String description,
                         ToLongFunction<BackplaneStats> value, Tags tags) {
        FunctionCounter.builder(name, this, b -> value.applyAsLong(b.snapshot()))
                .description(description).baseUnit(unit).tags(tags).register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description,
                       ToDoubleFunction<BackplaneStats> value) {
        // Held strongly, so that the registry keeps this binder: the counters hold it weakly.
        Gauge.builder(name, this, b -> value.applyAsDouble(b.snapshot())).strongReference(true)
                .description(description).register(registry);
    }

    private synchronized BackplaneStats snapshot() {
        long now = System.nanoTime();
        if (last == null || now - takenNanos >= MAX_AGE_NANOS) {
            last = Objects.requireNonNull(source.get(), "stats supplier returned null");
            takenNanos = now;
        }
        return last;
    }

    @Override
    public String toString() {
        return "BackplaneMetrics[" + source + "]";
    }
}
