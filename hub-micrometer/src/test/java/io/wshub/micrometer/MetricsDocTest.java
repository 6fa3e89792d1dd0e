package io.wshub.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerStats;
import io.wshub.api.Session;
import io.wshub.api.spi.ServerCounters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's Metrics section names exactly the meters the binders register, and shows code the sources have. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MetricsDocTest {

    private static final Path README = Path.of("../README.md");

    private static String section() throws IOException {
        String doc = Files.readString(README);
        int start = doc.indexOf("## Metrics\n");
        assertThat(start).as("README has a Metrics section").isNotNegative();
        int end = doc.indexOf("\n## ", start + 1);
        return doc.substring(start, end < 0 ? doc.length() : end);
    }

    @Test
    void shouldListEveryMeterTheBindersRegisterInTheTable() throws IOException {
        Set<String> documented = new TreeSet<>();
        Matcher row = Pattern.compile("^\\| `(wshub\\.[a-z.]+)` \\|", Pattern.MULTILINE).matcher(section());
        while (row.find()) {
            documented.add(row.group(1));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new HubMetrics(new StatsOnlyHub()).bindTo(registry);
        new TransportMetrics(new StatsOnlyServer()).bindTo(registry);
        Set<String> registered = registry.getMeters().stream().map(Meter::getId).map(Meter.Id::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(documented).isEqualTo(registered);
        registry.close();
    }

    @Test
    void shouldShowOnlyBindingCodeThatTheChatExampleHas() throws IOException {
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(section());
        assertThat(block.find()).isTrue();
        Set<String> source = Files.readAllLines(Path.of("../examples/src/main/java/io/wshub/examples/ChatMetrics.java"))
                .stream().map(String::strip).collect(Collectors.toSet());
        for (String line : block.group(1).split("\n")) {
            assertThat(source).contains(line.strip());
        }
    }

    /** A hub that is only asked for stats. */
    private static final class StatsOnlyHub implements io.wshub.api.Hub {
        @Override
        public HubStats stats() {
            return new HubStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }

        @Override
        public PublishResult join(Session session) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult leave(Session session) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult subscribe(Session session, String topic) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult unsubscribe(Session session, String topic) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult broadcast(Message message) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult broadcast(Message message, long excludedSessionId) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult publish(String topic, Message message) {
            return PublishResult.CLOSED;
        }

        @Override
        public PublishResult send(long sessionId, Message message) {
            return PublishResult.CLOSED;
        }

        @Override
        public boolean shutdown(Duration timeout) {
            return true;
        }
    }

    /** A server that is only asked for stats, from real counters. */
    private static final class StatsOnlyServer implements RunningServer {
        private final ServerCounters counters = new ServerCounters();

        @Override
        public String transportName() {
            return "doc";
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
            return 0;
        }

        @Override
        public boolean supportsStats() {
            return true;
        }

        @Override
        public ServerStats stats() {
            return counters.snapshot(0, List.of());
        }

        @Override
        public void stop() {
        }
    }
}
