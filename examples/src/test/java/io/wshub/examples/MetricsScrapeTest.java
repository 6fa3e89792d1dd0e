package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The chat's {@code GET /metrics} after real traffic: the scrape parses strictly as the Prometheus text format, and its
 * values are what the test did (handshakes accepted and one rejected with 404, messages and bytes each way, a close
 * with 1000, what the hub accepted and delivered); the JVM's meters are there too.
 */
@Timeout(120)
class MetricsScrapeTest {

    static final List<String> TRANSPORTS = Options.TRANSPORTS;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldServeTheHubsTheTransportsAndTheJvmsMetricsAfterRealTraffic(String transport) throws Exception {
        List<TestClient.Event> received = new ArrayList<>();
        List<String> texts = List.of("hello 0", "hello 1", "héllo 2"); // é: two bytes in UTF-8
        byte[] binary = {1, 2, 3, 4};
        try (ChatServer chat = ChatServer.start(transport, ServerConfig.builder().port(0).build(), 0);
             TestClient a = TestClient.connect(chat.webSocket().uri())) {
            URI metrics = chat.pageUri().resolve("/metrics");
            received.add(a.next()); // someone joined (1 online)
            awaitScrape(metrics, t -> t.value("wshub_transport_connections", "transport", transport) == 1);
            try (TestClient b = TestClient.connect(chat.webSocket().uri())) {
                received.add(a.next()); // someone joined (2 online)
                received.add(b.next());
                assertThat(rejectedStatus(URI.create("ws://127.0.0.1:" + chat.webSocket().port() + "/nope")))
                        .isEqualTo(404);
                for (String t : texts) {
                    a.sendText(t);
                }
                b.sendBinary(binary);
                for (int i = 0; i < texts.size() + 1; i++) {
                    received.add(a.next());
                    received.add(b.next());
                }
                b.sendClose();
                assertThat(b.awaitClose().code()).isEqualTo(1000);
            }
            received.add(a.next()); // someone left (1 online)
            assertThat(received).hasSize(12)
                    .allMatch(e -> e instanceof TestClient.Text || e instanceof TestClient.Binary);

            long bytesIn = texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum()
                    + binary.length;
            long bytesOut = received.stream().mapToLong(MetricsScrapeTest::payloadBytes).sum();
            String[] tr = {"transport", transport};
            // Counters move on the I/O and fan-out threads, and each binder (hub, transport) reuses its own snapshot
            // for 100 ms: poll until both show the end of the traffic.
            PrometheusText m = awaitScrape(metrics, t ->
                    t.value("wshub_transport_closes_total", "code", "1000", tr[0], tr[1]) == 1
                            && t.value("wshub_transport_messages_total", "direction", "out", tr[0], tr[1]) == 12
                            && t.value("wshub_hub_accepted_messages_total") == 7
                            && t.value("wshub_hub_sessions") == 1);

            assertThat(m.type("wshub_transport_handshakes_total")).isEqualTo("counter");
            assertThat(m.value("wshub_transport_handshakes_total", "result", "accepted", "status", "101", tr[0], tr[1]))
                    .isEqualTo(2);
            assertThat(m.value("wshub_transport_handshakes_total", "result", "rejected", "status", "404", tr[0], tr[1]))
                    .isEqualTo(1);
            assertThat(m.value("wshub_transport_handshakes_total", "result", "rejected", "status", "other", tr[0],
                    tr[1])).isZero();
            assertThat(m.value("wshub_transport_messages_total", "direction", "in", tr[0], tr[1]))
                    .isEqualTo(texts.size() + 1);
            assertThat(m.value("wshub_transport_bytes_total", "direction", "in", tr[0], tr[1])).isEqualTo(bytesIn);
            assertThat(m.value("wshub_transport_bytes_total", "direction", "out", tr[0], tr[1])).isEqualTo(bytesOut);
            assertThat(m.value("wshub_transport_closes_total", "code", "1001", tr[0], tr[1])).isZero();
            assertThat(m.type("wshub_transport_connections")).isEqualTo("gauge");
            assertThat(m.value("wshub_transport_connections", tr[0], tr[1])).isEqualTo(1);
            assertThat(m.value("wshub_transport_queued_messages", tr[0], tr[1])).isZero();
            assertThat(m.value("wshub_transport_queue_largest_bytes", tr[0], tr[1])).isZero();

            // 4 chat messages and 3 notices (two arrivals, one departure); 12 deliveries, as the clients counted.
            assertThat(m.value("wshub_hub_accepted_messages_total")).isEqualTo(7);
            assertThat(m.value("wshub_hub_delivered_messages_total")).isEqualTo(received.size());
            for (String reason : List.of("newest", "oldest", "disconnect", "closed")) {
                assertThat(m.value("wshub_hub_dropped_messages_total", "reason", reason)).as(reason).isZero();
            }
            assertThat(m.value("wshub_hub_sessions")).isEqualTo(1);
            assertThat(m.value("wshub_hub_backpressured_operations_total")).isZero();

            assertThat(m.has("jvm_memory_used_bytes")).isTrue();
            assertThat(m.has("jvm_threads_live_threads")).isTrue();
            assertThat(m.has("jvm_classes_loaded_classes")).isTrue();
            assertThat(m.has("process_uptime_seconds")).isTrue();
            assertThat(m.has("system_cpu_count")).isTrue();
        }
    }

    private static long payloadBytes(TestClient.Event e) {
        if (e instanceof TestClient.Text t) {
            return t.text().getBytes(StandardCharsets.UTF_8).length;
        }
        return ((TestClient.Binary) e).data().length;
    }

    /** Tries a WebSocket upgrade that the server must refuse, and returns the status it answered with. */
    private int rejectedStatus(URI uri) throws Exception {
        try {
            WebSocket ws = http.newWebSocketBuilder().connectTimeout(WAIT)
                    .buildAsync(uri, new WebSocket.Listener() { }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            ws.abort();
            throw new AssertionError("the upgrade to " + uri + " was accepted");
        } catch (ExecutionException | CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
            return ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
        }
    }

    private PrometheusText scrape(URI metrics) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(ChatMetrics.CONTENT_TYPE);
        return PrometheusText.parse(r.body());
    }

    private PrometheusText awaitScrape(URI metrics, Predicate<PrometheusText> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        PrometheusText t = scrape(metrics);
        while (!condition.test(t)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the scrape did not reach the expected values within " + WAIT);
            }
            Thread.sleep(50);
            t = scrape(metrics);
        }
        return t;
    }
}
