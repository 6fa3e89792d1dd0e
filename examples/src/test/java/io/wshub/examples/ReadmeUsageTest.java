package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.BroadcastEndpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Hub;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Transports;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's "Using it" snippet, run for real; its lines must be the lines of {@link #snippet()}. */
@Timeout(60)
class ReadmeUsageTest {

    private static final Path SOURCE = Path.of("src/test/java/io/wshub/examples/ReadmeUsageTest.java");

    /** The snippet as the README shows it; returns what the test needs to drive it. */
    private static Object[] snippet() throws Exception {
        Hub hub = DisruptorHub.start(DisruptorHubConfig.defaults());
        RunningServer server = Transports.start("undertow",
                ServerConfig.builder().port(0).path("/ws").build(), // port 0: any free port, reported by uri()
                new BroadcastEndpoint(hub, false),
                HandshakePolicy.allowOrigins("https://chat.example.com"));
        System.out.println("clients connect to " + server.uri());
        return new Object[] {hub, server};
    }

    @Test
    void shouldRunTheSnippetAsABroadcastServer() throws Exception {
        Object[] started = snippet();
        Hub hub = (Hub) started[0];
        RunningServer server = (RunningServer) started[1];
        try (TestClient a = TestClient.connect(server.uri()); TestClient b = TestClient.connect(server.uri())) {
            a.sendText("hello");
            assertThat(a.next()).isEqualTo(new TestClient.Text("hello"));
            assertThat(b.next()).isEqualTo(new TestClient.Text("hello"));
            // ...
            server.stop();                       // 1001 to every client
            hub.shutdown(Duration.ofSeconds(5)); // drain, flush, stop the fan-out threads
            assertThat(a.next()).isInstanceOfSatisfying(TestClient.Closed.class,
                    c -> assertThat(c.code()).isEqualTo(1001));
        } finally {
            server.stop();
            hub.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldShowOnlyLinesThatAreHere() throws Exception {
        String usingIt = ExamplesDocTest.section(Files.readString(Path.of("../README.md")), "## Using it\n");
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(usingIt);
        assertThat(m.find()).as("the Using it section has a java block").isTrue();
        String source = Files.readString(SOURCE);
        for (String line : m.group(1).split("\n")) {
            if (!line.isBlank()) {
                assertThat(source).as("README line missing from ReadmeUsageTest").contains(line.strip());
            }
        }
    }
}
