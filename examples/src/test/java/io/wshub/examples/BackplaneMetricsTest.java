package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wshub.redis.BackplaneStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Redis node's meters: each reads its field, Prometheus names them wshub_redis_*, and the README lists them. */
@Timeout(30)
class BackplaneMetricsTest {

    private static final BackplaneStats STATS = new BackplaneStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, true);

    @Test
    void shouldExposeEveryFieldUnderItsPrometheusName() {
        AtomicReference<BackplaneStats> stats = new AtomicReference<>(STATS);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new BackplaneMetrics(stats::get).bindTo(registry);
        PrometheusText t = PrometheusText.parse(registry.scrape());
        assertThat(t.value("wshub_redis_published_operations_total")).isEqualTo(1);
        assertThat(t.value("wshub_redis_publish_failed_operations_total")).isEqualTo(2);
        assertThat(t.value("wshub_redis_unavailable_operations_total")).isEqualTo(3);
        assertThat(t.value("wshub_redis_received_messages_total")).isEqualTo(4);
        assertThat(t.value("wshub_redis_inbound_dropped_messages_total")).isEqualTo(5);
        assertThat(t.value("wshub_redis_sends_undeliverable_messages_total")).isEqualTo(6);
        assertThat(t.value("wshub_redis_gaps_detected_total")).isEqualTo(7);
        assertThat(t.value("wshub_redis_gaps_total", "result", "recovered")).isEqualTo(8);
        assertThat(t.value("wshub_redis_gaps_total", "result", "lost")).isEqualTo(9);
        assertThat(t.value("wshub_redis_resubscribes_total")).isEqualTo(10);
        assertThat(t.value("wshub_redis_probe_failures_total")).isEqualTo(11);
        assertThat(t.type("wshub_redis_connected")).isEqualTo("gauge");
        assertThat(t.value("wshub_redis_connected")).isEqualTo(1);
        assertThat(t.type("wshub_redis_published_operations_total")).isEqualTo("counter");
        registry.close();
    }

    @Test
    void shouldShowTheNodeDisconnectedAsZeroWithinASnapshotsAge() throws Exception {
        AtomicReference<BackplaneStats> stats = new AtomicReference<>(STATS);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new BackplaneMetrics(stats::get).bindTo(registry);
        assertThat(PrometheusText.parse(registry.scrape()).value("wshub_redis_connected")).isEqualTo(1);
        stats.set(new BackplaneStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, false));
        Thread.sleep(150); // one snapshot serves a scrape for up to 100 ms
        assertThat(PrometheusText.parse(registry.scrape()).value("wshub_redis_connected")).isZero();
        registry.close();
    }

    @Test
    void shouldKeepReadingTheStatsWhenNothingElseHoldsTheBinder() throws Exception {
        AtomicReference<BackplaneStats> stats = new AtomicReference<>(STATS);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new BackplaneMetrics(stats::get).bindTo(registry); // as ChatMetrics does: no reference kept
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
        }
        stats.set(new BackplaneStats(100, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, false));
        Thread.sleep(150);
        PrometheusText t = PrometheusText.parse(registry.scrape());
        assertThat(t.value("wshub_redis_published_operations_total")).isEqualTo(100);
        assertThat(t.value("wshub_redis_connected")).isZero();
        registry.close();
    }

    @Test
    void shouldBeListedInTheReadmesRunningSeveralNodesSection() throws Exception {
        String section = ExamplesDocTest.section(Files.readString(Path.of("../README.md")), "## Examples\n");
        int start = section.indexOf("### Running several nodes\n");
        assertThat(start).as("README has Running several nodes in Examples").isNotNegative();
        int end = section.indexOf("\n### ", start + 1);
        Matcher row = Pattern.compile("^\\| `(wshub\\.redis\\.[a-z.]+)` \\|", Pattern.MULTILINE)
                .matcher(section.substring(start, end < 0 ? section.length() : end));
        Set<String> documented = new TreeSet<>();
        while (row.find()) {
            documented.add(row.group(1));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new BackplaneMetrics(() -> STATS).bindTo(registry);
        Set<String> registered = registry.getMeters().stream().map(Meter::getId).map(Meter.Id::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(documented).isEqualTo(registered);
        registry.close();
    }
}
