package io.wshub.micrometer;

import static io.wshub.micrometer.HubMetricsTest.awaitValue;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wshub.api.Message;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerStats;
import io.wshub.api.spi.ServerCounters;
import io.wshub.testkit.SlowSession;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TransportMetrics} against a {@link SimpleMeterRegistry}, over a server that counts with hub-api's
 * {@link ServerCounters} as both transports do (this module may not see a transport; the transports' own
 * {@code ServerStatsTest}s and the examples' {@code MetricsScrapeTest} drive the same counters over real sockets).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportMetricsTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final CountingServer server = new CountingServer();

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    @Timeout(30)
    void shouldMoveTheRejectedCounterWithItsStatusTagWhenAHandshakeIsRejected() throws Exception {
        new TransportMetrics(server).bindTo(registry);
        assertThat(count("wshub.transport.handshakes", "result", "rejected", "status", "403")).isZero();
        server.counters.handshakeRejected(403);
        awaitValue(() -> count("wshub.transport.handshakes", "result", "rejected", "status", "403"), v -> v == 1);
        server.counters.handshakeRejected(418); // not tracked: "other"
        awaitValue(() -> count("wshub.transport.handshakes", "result", "rejected", "status", "other"), v -> v == 1);
        assertThat(count("wshub.transport.handshakes", "result", "rejected", "status", "400")).isZero();
        assertThat(count("wshub.transport.handshakes", "result", "accepted", "status", "101")).isZero();
        server.counters.handshakeAccepted();
        awaitValue(() -> count("wshub.transport.handshakes", "result", "accepted", "status", "101"), v -> v == 1);
    }

    @Test
    @Timeout(30)
    void shouldMoveClosesByCodeAndMessagesAndBytesByDirection() throws Exception {
        new TransportMetrics(server).bindTo(registry);
        server.counters.closed(1001);
        server.counters.closed(4000);
        server.counters.messageIn(10);
        server.counters.messageOut(3);
        server.counters.messageOut(4);
        awaitValue(() -> count("wshub.transport.bytes", "direction", "out"), v -> v == 7);
        assertThat(count("wshub.transport.closes", "code", "1001")).isEqualTo(1);
        assertThat(count("wshub.transport.closes", "code", "other")).isEqualTo(1);
        assertThat(count("wshub.transport.closes", "code", "1000")).isZero();
        assertThat(count("wshub.transport.messages", "direction", "in")).isEqualTo(1);
        assertThat(count("wshub.transport.messages", "direction", "out")).isEqualTo(2);
        assertThat(count("wshub.transport.bytes", "direction", "in")).isEqualTo(10);
    }

    @Test
    @Timeout(30)
    void shouldGaugeConnectionsTheQueuedTotalAndTheLargestQueue() throws Exception {
        new TransportMetrics(server, Tags.of("app", "chat")).bindTo(registry);
        SlowSession small = new SlowSession(100, 1 << 20);
        SlowSession large = new SlowSession(100, 1 << 20);
        small.offer(Message.binary(new byte[10]));
        for (int i = 0; i < 3; i++) {
            large.offer(Message.binary(new byte[100]));
        }
        server.sessions.addAll(List.of(small, large));
        awaitValue(() -> gauge("wshub.transport.connections"), v -> v == 2);
        assertThat(gauge("wshub.transport.queued.messages")).isEqualTo(4);
        assertThat(gauge("wshub.transport.queued.bytes")).isEqualTo(small.queuedBytes() + large.queuedBytes());
        assertThat(gauge("wshub.transport.queue.largest.messages")).isEqualTo(3);
        assertThat(gauge("wshub.transport.queue.largest.bytes")).isEqualTo(large.queuedBytes());
        large.drainAll();
        awaitValue(() -> gauge("wshub.transport.queue.largest.messages"), v -> v == 1);
        assertThat(registry.get("wshub.transport.connections").tags("app", "chat").gauge().value()).isEqualTo(2);
    }

    @Test
    @Timeout(30)
    void shouldNameEveryMeterUnderWshubTransportWithTheTransportTag() {
        new TransportMetrics(server).bindTo(registry);
        int codes = ServerCounters.HANDSHAKE_STATUSES.size() + 1 + ServerCounters.CLOSE_CODES.size() + 1;
        // connections, accepted handshakes, messages and bytes in and out, four queue gauges, and the code counters
        assertThat(registry.getMeters()).hasSize(1 + 1 + 4 + 4 + codes);
        for (Meter m : registry.getMeters()) {
            assertThat(m.getId().getName()).startsWith("wshub.transport.").isLowerCase();
            assertThat(m.getId().getTag("transport")).isEqualTo("counting");
            assertThat(m.getId().getDescription()).isNotBlank();
        }
    }

    @Test
    @Timeout(30)
    void shouldBindOnlyTheConnectionsGaugeForAServerThatDoesNotCount() {
        server.counting = false;
        server.sessions.add(new SlowSession(1, 1));
        new TransportMetrics(server).bindTo(registry);
        assertThat(registry.getMeters()).hasSize(1);
        assertThat(gauge("wshub.transport.connections")).isEqualTo(1);
    }

    private double count(String name, String... tags) {
        return registry.get(name).tags("transport", "counting").tags(tags).functionCounter().count();
    }

    private double gauge(String name) {
        return registry.get(name).tags("transport", "counting").gauge().value();
    }

    /** A server with no sockets whose stats come from real {@link ServerCounters}, as a transport's do. */
    private static final class CountingServer implements RunningServer {
        final ServerCounters counters = new ServerCounters();
        final List<SlowSession> sessions = new CopyOnWriteArrayList<>();
        volatile boolean counting = true;

        @Override
        public String transportName() {
            return "counting";
        }

        @Override
        public InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", 1);
        }

        @Override
        public URI uri() {
            return URI.create("ws://127.0.0.1:1/ws");
        }

        @Override
        public int sessionCount() {
            return sessions.size();
        }

        @Override
        public boolean supportsStats() {
            return counting;
        }

        @Override
        public ServerStats stats() {
            return counters.snapshot(sessions.size(), sessions);
        }

        @Override
        public void stop() {
        }
    }
}
