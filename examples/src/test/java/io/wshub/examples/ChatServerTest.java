package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

@Timeout(120)
class ChatServerTest {

    static final List<String> TRANSPORTS = Options.TRANSPORTS;

    private static TestClient.Text notice(String text) {
        return new TestClient.Text("{\"type\":\"system\",\"text\":\"" + text + "\"}");
    }

    private static TestClient.Text envelope(long offset, String epoch, String jsonData) {
        return new TestClient.Text("{\"type\":\"message\",\"offset\":" + offset + ",\"epoch\":\"" + epoch
                + "\",\"data\":" + jsonData + "}");
    }

    private static TestClient.Text envelope(long offset, String epoch, long n) {
        return envelope(offset, epoch, "\"m" + n + "\"");
    }

    private static TestClient connect(ChatServer chat, String query) throws Exception {
        return TestClient.connect(chat.webSocket().uri() + query);
    }

    private static String resume(long offset, String epoch) {
        return "?recover=1&offset=" + offset + "&epoch=" + URLEncoder.encode(epoch, StandardCharsets.UTF_8);
    }

    /** Sends m{from} to m{to} from a plain client and waits until it has them back, so the hub has sequenced them. */
    private static void say(TestClient plain, int from, int to) throws Exception {
        for (int n = from; n <= to; n++) {
            plain.sendText("m" + n);
        }
        for (int n = from; n <= to; n++) {
            assertThat(plain.next()).isEqualTo(new TestClient.Text("m" + n));
        }
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

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldSendARecoverClientTheRecoveryFrameFirstThenEveryMessageInAnEnvelope(String transport)
            throws Exception {
        try (ChatServer chat = ChatServer.start(transport, ServerConfig.builder().port(0).build(), 0);
             TestClient plain = connect(chat, "")) {
            assertThat(plain.next()).isEqualTo(notice("someone joined (1 online)"));
            say(plain, 1, 1);
            try (TestClient r = connect(chat, "?recover=1")) {
                Recovery first = Recovery.read(r);
                assertThat(first).isEqualTo(new Recovery(false, 0, first.epoch(), 1)); // offset 1: "m1"
                // Presence notices are not chat messages: no envelope, no offset, never replayed.
                assertThat(r.next()).isEqualTo(notice("someone joined (2 online)"));
                assertThat(plain.next()).isEqualTo(notice("someone joined (2 online)"));

                String tricky = "{\"type\":\"chat\",\"name\":\"a\\\"b\",\"text\":\"line\\nbreak \\\\ \uD83D\uDE00\"}";
                String control = "tab\tnul\u0000 quote\" backslash\\ \u2028 é";
                byte[] bytes = {1, 2, 3, (byte) 0xFF};
                plain.sendText(tricky);
                plain.sendBinary(bytes);
                plain.sendText(control);
                String epoch = first.epoch();
                assertThat(r.next()).isEqualTo(envelope(2, epoch, JsonStrings.quote(tricky)));
                assertThat(r.next()).isEqualTo(new TestClient.Text("{\"type\":\"message\",\"offset\":3,\"epoch\":\""
                        + epoch + "\",\"data\":\"AQID/w==\",\"encoding\":\"base64\"}"));
                assertThat(r.next()).isEqualTo(envelope(4, epoch,
                        "\"tab\\tnul\\u0000 quote\\\" backslash\\\\ \\u2028 é\""));
                // ... while the plain client gets the very bytes that were sent.
                assertThat(plain.next()).isEqualTo(new TestClient.Text(tricky));
                assertThat(plain.next()).isEqualTo(new TestClient.Binary(bytes));
                assertThat(plain.next()).isEqualTo(new TestClient.Text(control));

                r.sendText("from r");
                assertThat(r.next()).isEqualTo(envelope(5, epoch, "\"from r\""));
                assertThat(plain.next()).isEqualTo(new TestClient.Text("from r"));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldResumeAfterTheOffsetWithExactlyTheMissedMessagesThenLive(String transport) throws Exception {
        try (ChatServer chat = ChatServer.start(transport, ServerConfig.builder().port(0).build(), 0);
             TestClient plain = connect(chat, "")) {
            assertThat(plain.next()).isEqualTo(notice("someone joined (1 online)"));
            String epoch;
            try (TestClient r1 = connect(chat, "?recover=1")) {
                Recovery first = Recovery.read(r1);
                epoch = first.epoch();
                assertThat(first).isEqualTo(new Recovery(false, 0, epoch, 0)); // nothing said yet
                assertThat(r1.next()).isEqualTo(notice("someone joined (2 online)"));
                assertThat(plain.next()).isEqualTo(notice("someone joined (2 online)"));
                say(plain, 1, 3);
                for (int n = 1; n <= 3; n++) {
                    assertThat(r1.next()).isEqualTo(envelope(n, epoch, n));
                }
                r1.sendClose();
                assertThat(r1.awaitClose().code()).isEqualTo(1000);
            }
            assertThat(plain.next()).isEqualTo(notice("someone left (1 online)"));
            say(plain, 4, 6); // missed by r1

            try (TestClient r2 = connect(chat, resume(3, epoch))) {
                assertThat(Recovery.read(r2)).isEqualTo(new Recovery(true, 3, epoch, 6));
                for (int n = 4; n <= 6; n++) {
                    assertThat(r2.next()).isEqualTo(envelope(n, epoch, n));
                }
                // Nothing twice, nothing in between: the next frame is the live notice of its own arrival.
                assertThat(r2.next()).isEqualTo(notice("someone joined (2 online)"));
                assertThat(plain.next()).isEqualTo(notice("someone joined (2 online)"));
                say(plain, 7, 7);
                assertThat(r2.next()).isEqualTo(envelope(7, epoch, 7));

                try (TestClient upToDate = connect(chat, resume(7, epoch));
                     TestClient fromStart = connect(chat, resume(0, epoch))) {
                    assertThat(Recovery.read(upToDate)).isEqualTo(new Recovery(true, 0, epoch, 7));
                    assertThat(upToDate.next()).isEqualTo(notice("someone joined (3 online)"));
                    assertThat(Recovery.read(fromStart)).isEqualTo(new Recovery(true, 7, epoch, 7));
                    for (int n = 1; n <= 7; n++) {
                        assertThat(fromStart.next()).isEqualTo(envelope(n, epoch, n));
                    }
                    assertThat(fromStart.next()).isEqualTo(notice("someone joined (4 online)"));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldSayNotRecoveredForAnotherEpochOrAPositionTheHistoryNoLongerHolds(String transport) throws Exception {
        try (ChatServer chat = ChatServer.start(transport, ServerConfig.builder().port(0).build(), 0, 2,
                Duration.ofMinutes(5));
             TestClient plain = connect(chat, "")) {
            assertThat(plain.next()).isEqualTo(notice("someone joined (1 online)"));
            say(plain, 1, 4); // the history keeps 2: offsets 3 and 4
            String epoch;
            try (TestClient probe = connect(chat, "?recover=1")) {
                epoch = Recovery.read(probe).epoch();
            }
            try (TestClient kept = connect(chat, resume(2, epoch))) {
                assertThat(Recovery.read(kept)).isEqualTo(new Recovery(true, 2, epoch, 4));
                assertThat(kept.next()).isEqualTo(envelope(3, epoch, 3));
                assertThat(kept.next()).isEqualTo(envelope(4, epoch, 4));
            }
            long latest = 4;
            for (String query : List.of(resume(1, epoch), resume(4, "another-epoch"), resume(99, epoch))) {
                try (TestClient lost = connect(chat, query)) {
                    assertThat(Recovery.read(lost)).as(query).isEqualTo(new Recovery(false, 0, epoch, latest));
                    // Nothing old: the next frame is a live one.
                    TestClient.Event next = lost.next();
                    assertThat(next).as(query).isInstanceOfSatisfying(TestClient.Text.class,
                            t -> assertThat(t.text()).startsWith("{\"type\":\"system\""));
                    lost.sendText("live");
                    assertThat(lost.next()).isEqualTo(envelope(++latest, epoch, "\"live\""));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldAnswerAMalformedQueryWith400AtTheHandshake(String transport) throws Exception {
        try (ChatServer chat = ChatServer.start(transport, ServerConfig.builder().port(0).build(), 0)) {
            URI ws = chat.webSocket().uri();
            List<String[]> cases = List.of(
                    new String[] {"recover=1&offset=abc&epoch=e",
                        "offset must be a whole number from 0 to 9223372036854775807, was 'abc'"},
                    new String[] {"recover=1&offset=-1&epoch=e", "offset must be a whole number"},
                    new String[] {"recover=1&offset=99999999999999999999&epoch=e", "offset must be a whole number"},
                    new String[] {"recover=1&offset=1&epoch=a%20b", "epoch must be printable ASCII without spaces"},
                    new String[] {"recover=1&offset=1&epoch=" + "e".repeat(65), "epoch must be 1 to 64 characters"},
                    // Undertow refuses a malformed %-escape itself, with a 400 and no reason, before the policy.
                    new String[] {"recover=1&offset=1&epoch=%zz",
                        transport.equals("undertow") ? "" : "epoch is not well-formed URL encoding"},
                    new String[] {"recover=1&offset=1", "offset and epoch must be given together"},
                    new String[] {"offset=1&epoch=e", "offset and epoch need recover=1"},
                    new String[] {"recover=true", "recover must be 1"});
            for (String[] c : cases) {
                String response = rawUpgrade(ws, c[0]);
                assertThat(response).as(c[0]).startsWith("HTTP/1.1 400 ").contains(c[1]);
            }
            // No session was opened for any of them.
            try (TestClient plain = TestClient.connect(ws)) {
                assertThat(plain.next()).isEqualTo(notice("someone joined (1 online)"));
            }
        }
    }

    /** Sends a WebSocket upgrade request with a query and returns the whole response, status line to body. */
    private static String rawUpgrade(URI ws, String query) throws Exception {
        try (Socket socket = new Socket(ws.getHost(), ws.getPort())) {
            socket.setSoTimeout((int) TestClient.WAIT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + ws.getPath() + "?" + query + " HTTP/1.1\r\n"
                    + "Host: " + ws.getHost() + ":" + ws.getPort() + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            long deadline = System.nanoTime() + TestClient.WAIT.toNanos();
            // Read until the server closes the connection, or until the body of a Content-Length response is in.
            for (int n = in.read(buffer); n >= 0 && System.nanoTime() < deadline; n = in.read(buffer)) {
                response.write(buffer, 0, n);
                if (complete(response.toString(StandardCharsets.UTF_8))) {
                    break;
                }
            }
            return response.toString(StandardCharsets.UTF_8);
        }
    }

    private static boolean complete(String response) {
        int end = response.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$").matcher(response.substring(0, end));
        return length.find() && response.getBytes(StandardCharsets.UTF_8).length - end - 4
                >= Integer.parseInt(length.group(1));
    }
}
