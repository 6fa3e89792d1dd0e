package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.ServerConfig;
import io.wshub.redis.RedisHubConfig;
import io.wshub.testkit.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * A chat node whose Redis goes away and comes back, on a real {@code redis-server} of its own: while Redis is down a
 * message is sent to nobody and its sender alone is told so (an error frame, not a silent drop); the node's
 * {@code /metrics} shows it disconnected and counts the refusals; when Redis is back the chat works again by itself.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChatRedisOutageTest {

    static final List<String> TRANSPORTS = Options.TRANSPORTS;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldTellTheSenderItsMessageWasNotSentWhileRedisIsDownAndWorkAgainWhenItIsBack(String transport)
            throws Exception {
        try (RedisServer redis = RedisServer.start();
             ChatServer chat = ChatServer.start(transport, ServerConfig.builder().port(0).build(), 0,
                     ChatServer.DEFAULT_HISTORY, ChatServer.DEFAULT_HISTORY_TTL,
                     RedisHubConfig.builder(redis.uri()).build());
             TestClient a = TestClient.connect(chat.webSocket().uri())) {
            URI metrics = chat.pageUri().resolve("/metrics");
            int node = chat.backplane().node();
            assertThat(a.next()).isEqualTo(new TestClient.Text(
                    "{\"type\":\"system\",\"text\":\"someone joined (1 online on node " + node + ")\"}"));
            a.sendText("before");
            assertThat(a.next()).isEqualTo(new TestClient.Text("before"));
            PrometheusText.await(metrics, t -> t.value("wshub_redis_connected") == 1
                    && t.value("wshub_redis_published_operations_total") == 2); // the notice and the message

            redis.kill();
            await(() -> !chat.backplane().isConnected(), "the node to notice that Redis is gone");
            a.sendText("during");
            assertThat(a.next()).as("the sender is told, and nothing is delivered")
                    .isEqualTo(new TestClient.Text(notSent("during")));
            a.sendBinary(new byte[] {1, 2, 3});
            assertThat(a.next()).as("a binary message's error frame has no data").isEqualTo(new TestClient.Text(
                    "{\"type\":\"error\",\"error\":\"unavailable\",\"text\":\"not sent: the chat cannot reach its "
                            + "Redis now; try again in a moment\"}"));
            PrometheusText down = PrometheusText.await(metrics, t -> t.value("wshub_redis_connected") == 0
                    && t.value("wshub_redis_unavailable_operations_total") >= 2);
            assertThat(down.value("wshub_redis_published_operations_total")).isEqualTo(2);

            redis.restart(); // empty: no persistence
            long deadline = System.nanoTime() + WAIT.toNanos();
            for (int i = 0; ; i++) {
                a.sendText("after " + i);
                TestClient.Event e = a.next();
                if (e.equals(new TestClient.Text("after " + i))) {
                    break;
                }
                assertThat(e).as("until the node is back, only error frames")
                        .isEqualTo(new TestClient.Text(notSent("after " + i)));
                assertThat(System.nanoTime()).as("the chat works again within %s", WAIT).isLessThan(deadline);
                Thread.sleep(100);
            }
            // The subscription's reconnect is counted on the node's own thread, maybe after the first message is back.
            PrometheusText back = PrometheusText.await(metrics, t -> t.value("wshub_redis_connected") == 1
                    && t.value("wshub_redis_resubscribes_total") > 0);
            assertThat(back.value("wshub_transport_connections", "transport", transport))
                    .as("the client stayed connected through the outage").isEqualTo(1);
        }
    }

    private static String notSent(String text) {
        return "{\"type\":\"error\",\"error\":\"unavailable\",\"text\":\"not sent: the chat cannot reach its Redis "
                + "now; try again in a moment\",\"data\":\"" + text + "\"}";
    }

    private static void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
