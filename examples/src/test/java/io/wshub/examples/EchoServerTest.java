package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

@Timeout(120)
class EchoServerTest {

    static final List<String> TRANSPORTS = Options.TRANSPORTS;

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldSendEveryMessageBackToItsSenderOnly(String transport) throws Exception {
        RunningServer server = EchoServer.start(transport, ServerConfig.builder().port(0).path("/echo").build());
        try (TestClient a = TestClient.connect(server.uri()); TestClient b = TestClient.connect(server.uri())) {
            assertThat(server.uri().toString()).isEqualTo("ws://127.0.0.1:" + server.port() + "/echo");
            a.sendText("héllo ✓ <script>");
            assertThat(a.next()).isEqualTo(new TestClient.Text("héllo ✓ <script>"));
            byte[] bytes = {0, 1, 2, (byte) 0xFF, (byte) 0x80};
            a.sendBinary(bytes);
            assertThat(a.next()).isEqualTo(new TestClient.Binary(bytes));
            String big = "x".repeat(70_000); // past the 16-bit frame length
            b.sendText(big);
            assertThat(b.next()).isEqualTo(new TestClient.Text(big));

            server.stop();
            // a's next event is the close: it got nothing of b's
            assertThat(a.next()).isInstanceOfSatisfying(TestClient.Closed.class,
                    c -> assertThat(c.code()).isEqualTo(1001));
            assertThat(b.next()).isInstanceOfSatisfying(TestClient.Closed.class,
                    c -> assertThat(c.code()).isEqualTo(1001));
        } finally {
            server.stop();
        }
    }
}
