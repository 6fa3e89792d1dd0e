package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.ServerConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

@Timeout(120)
class ChatServerTest {

    static final List<String> TRANSPORTS = Options.TRANSPORTS;

    private static TestClient.Text notice(String text) {
        return new TestClient.Text("{\"type\":\"system\",\"text\":\"" + text + "\"}");
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldRelayEveryMessageUnchangedToEveryClientAndAnnounceArrivals(String transport) throws Exception {
        try (ChatServer chat = ChatServer.start(transport, ServerConfig.builder().port(0).build(), 0);
             TestClient a = TestClient.connect(chat.webSocket().uri())) {
            assertThat(a.next()).isEqualTo(notice("someone joined (1 online)"));
            try (TestClient b = TestClient.connect(chat.webSocket().uri())) {
                assertThat(a.next()).isEqualTo(notice("someone joined (2 online)"));
                assertThat(b.next()).isEqualTo(notice("someone joined (2 online)"));

                String json = "{\"type\":\"chat\",\"name\":\"a\",\"text\":\"hi <b>there</b>\"}";
                a.sendText(json);
                String plain = "not JSON at all, from another kind of client";
                b.sendText(plain);
                byte[] bytes = {9, 8, 7, 0, (byte) 0xFE};
                b.sendBinary(bytes);
                // Everyone gets everything, the sender included, in one order; one sender's messages keep theirs.
                List<TestClient.Event> toA = List.of(a.next(), a.next(), a.next());
                List<TestClient.Event> toB = List.of(b.next(), b.next(), b.next());
                assertThat(toA).containsExactlyInAnyOrder(new TestClient.Text(json), new TestClient.Text(plain),
                        new TestClient.Binary(bytes));
                assertThat(toA.indexOf(new TestClient.Text(plain))).isLessThan(
                        toA.indexOf(new TestClient.Binary(bytes)));
                assertThat(toB).isEqualTo(toA);
                b.sendClose();
                assertThat(b.awaitClose().code()).isEqualTo(1000);
            }
            assertThat(a.next()).isEqualTo(notice("someone left (1 online)"));

            chat.close();
            assertThat(a.next()).isInstanceOfSatisfying(TestClient.Closed.class,
                    c -> assertThat(c.code()).isEqualTo(1001));
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldServeThePageThatPointsAtTheWebSocket(String transport) throws Exception {
        try (ChatServer chat = ChatServer.start(transport, ServerConfig.builder().port(0).path("/chat").build(), 0)) {
            assertThat(chat.pageUri().toString()).matches("http://127\\.0\\.0\\.1:\\d+/");
            assertThat(chat.pageUri().getPort()).isNotEqualTo(chat.webSocket().port());
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(chat.pageUri())
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            HttpResponse<String> config = http.send(HttpRequest.newBuilder(chat.pageUri().resolve("/config.js"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(config.body()).isEqualTo(
                    "window.WSHUB_CHAT = {\"port\": " + chat.webSocket().port() + ", \"path\": \"/chat\"};\n");
        }
    }
}
