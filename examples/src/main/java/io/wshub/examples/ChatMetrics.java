package io.wshub.examples;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wshub.api.Hub;
import io.wshub.api.RunningServer;
import io.wshub.micrometer.HubMetrics;
import io.wshub.micrometer.TransportMetrics;
import io.wshub.redis.BackplaneStats;
import java.util.function.Supplier;

/**
 * The chat's meters in a Prometheus registry: the hub's ({@link HubMetrics}), the transport's
 * ({@link TransportMetrics}), on a chat shared through Redis the node's ({@link BackplaneMetrics}), and the JVM's
 * (memory, GC, threads, class loading, CPU, uptime). {@link PageServer} serves {@link #scrape()} at
 * {@code GET /metrics}.
 *
 * <p>Thread-safety: {@link #scrape()} may be called from any thread, concurrently; call {@link #close()} once.
 */
public final class ChatMetrics implements AutoCloseable {

    /** The content type of {@link #scrape()}: the Prometheus text format, version 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;

    private ChatMetrics(PrometheusMeterRegistry registry, JvmGcMetrics gc) {
        this.registry = registry;
        this.gc = gc;
    }

    /**
     * Creates a registry and binds the hub's, the server's and the JVM's meters to it.
     *
     * @param hub the chat's hub; not null
     * @param server the chat's WebSocket server; not null
     * @return the metrics, to close when the chat stops
     */
    public static ChatMetrics bind(Hub hub, RunningServer server) {
        return bind(hub, server, null);
    }

    /**
     * Creates a registry and binds the hub's, the server's, the Redis node's and the JVM's meters to it.
     *
     * @param hub the chat's hub; not null
     * @param server the chat's WebSocket server; not null
     * @param backplane the Redis node's counters, such as {@code redisHub::backplaneStats}; null on a chat of one
     *                  node, which then has no {@code wshub.redis.*} meters
     * @return the metrics, to close when the chat stops
     */
    public static ChatMetrics bind(Hub hub, RunningServer server, Supplier<BackplaneStats> backplane) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new HubMetrics(hub).bindTo(registry);
        new TransportMetrics(server).bindTo(registry);
        if (backplane != null) {
            new BackplaneMetrics(backplane).bindTo(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return new ChatMetrics(registry, gc);
    }

    /**
     * Returns every meter in the Prometheus text format ({@link #CONTENT_TYPE}).
     *
     * @return the scrape; never null
     */
    public String scrape() {
        return registry.scrape();
    }

    /** Stops the GC listener and closes the registry. Idempotent. */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
