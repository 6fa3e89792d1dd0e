package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The command line, in process ({@link Main#start}) and as a real process, the way a user runs it. */
@Timeout(180)
class MainTest {

    static final List<String> TRANSPORTS = Options.TRANSPORTS;
    private static final Pattern LISTENING = Pattern.compile("listening ws://127\\.0\\.0\\.1:(\\d+)/ws");
    private static final Pattern PAGE = Pattern.compile("page http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path temp;

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldPrintWhereTheChatListensWithTheRealPorts(String transport) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Runnable stop = Main.start(new Options(Options.Mode.CHAT, transport, "127.0.0.1", 0, "/ws"), out);
        try {
            String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
            assertThat(lines).hasSize(2);
            Matcher listening = LISTENING.matcher(lines[0]);
            Matcher page = PAGE.matcher(lines[1]);
            assertThat(listening.matches()).as(lines[0]).isTrue();
            assertThat(page.matches()).as(lines[1]).isTrue();
            assertThat(Integer.parseInt(listening.group(1))).isPositive();
            try (TestClient c = TestClient.connect(lines[0].substring("listening ".length()))) {
                assertThat(c.next()).isInstanceOf(TestClient.Text.class);
            }
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(lines[1].substring("page ".length()))).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        } finally {
            stop.run();
        }
    }

    @Test
    void shouldPrintOneLineForEcho() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Runnable stop = Main.start(new Options(Options.Mode.ECHO, "undertow", "127.0.0.1", 0, "/e"), out);
        try {
            String printed = bytes.toString(StandardCharsets.UTF_8);
            assertThat(printed).matches("listening ws://127\\.0\\.0\\.1:\\d+/e\\R");
            try (TestClient c = TestClient.connect(printed.substring("listening ".length()).strip())) {
                c.sendText("ping");
                assertThat(c.next()).isEqualTo(new TestClient.Text("ping"));
            }
        } finally {
            stop.run();
        }
    }

    @Test
    void shouldPrintUsageAndExitZeroForHelp() throws Exception {
        MainProcess run = MainProcess.start(temp, "--help");
        assertThat(run.awaitExit()).isZero();
        assertThat(String.join("\n", run.drainStdout()) + "\n").isEqualTo(Options.USAGE.replace(
                System.lineSeparator(), "\n"));
    }

    @Test
    void shouldSayWhatIsWrongAndExitTwo() throws Exception {
        MainProcess run = MainProcess.start(temp, "chat", "--port", "eighty");
        assertThat(run.awaitExit()).isEqualTo(2);
        assertThat(run.stderr()).contains("error: --port must be a number from 0 to 65535, was 'eighty'",
                "--help");
        assertThat(run.drainStdout()).isEmpty();
    }

    @Test
    void shouldExitTwoForAHistoryBoundOutOfRange() throws Exception {
        MainProcess run = MainProcess.start(temp, "chat", "--history-ttl", "31d");
        assertThat(run.awaitExit()).isEqualTo(2);
        assertThat(run.stderr()).contains("error: --history-ttl must be 1ms to 30d, was 31d");
        assertThat(run.drainStdout()).isEmpty();
    }

    @Test
    void shouldExitOneAtOnceWithOneLineWhenNothingListensAtTheRedisUri() throws Exception {
        long started = System.nanoTime();
        MainProcess run = MainProcess.start(temp, "chat", "--redis", "redis://127.0.0.1:1", "--port", "0");
        assertThat(run.awaitExit()).as(run.stderr()).isEqualTo(1);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertThat(seconds).as("seconds from the JVM's start to its exit").isLessThan(20);
        assertThat(run.stderr()).isEqualTo("error: --redis: cannot use Redis at redis://127.0.0.1:1: Connection "
                + "refused: /127.0.0.1:1\n");
        assertThat(run.drainStdout()).as("nothing listened").isEmpty();
    }

    @Test
    void shouldExitOneWithOneLineForARedisOptionThatIsNoRedisUri() throws Exception {
        MainProcess run = MainProcess.start(temp, "chat", "--redis", "not-a-uri", "--port", "0");
        assertThat(run.awaitExit()).as(run.stderr()).isEqualTo(1);
        assertThat(run.stderr()).isEqualTo("error: --redis must be a Redis URI such as redis://127.0.0.1:6379, was "
                + "'not-a-uri' (URI scheme must not be null)\n");
        assertThat(run.drainStdout()).isEmpty();
    }

    @Test
    void shouldNotPrintTheRedisPasswordInAnError() throws Exception {
        MainProcess run = MainProcess.start(temp, "chat", "--redis", "redis://:s3cret@127.0.0.1:1", "--port", "0");
        assertThat(run.awaitExit()).isEqualTo(1);
        assertThat(run.stderr()).startsWith("error: --redis: cannot use Redis at redis://127.0.0.1:1: ")
                .doesNotContain("s3cret").hasLineCount(1);
        MainProcess wrong = MainProcess.start(temp, "chat", "--redis", "redis://:s3cret@127.0.0.1:99999");
        assertThat(wrong.awaitExit()).isEqualTo(1);
        assertThat(wrong.stderr()).isEqualTo("error: --redis must be a Redis URI such as redis://127.0.0.1:6379, "
                + "was 'redis://***@127.0.0.1:99999' (Port out of range: 99999)\n");
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldCloseClientsWith1001OnSigterm(String transport) throws Exception {
        MainProcess run = MainProcess.start(temp, "chat", "--transport", transport, "--port", "0");
        try {
            String listening = run.awaitLine(LISTENING);
            String page = run.awaitLine(PAGE);
            assertThat(page).isNotNull();
            try (TestClient c = TestClient.connect(listening.substring("listening ".length()))) {
                assertThat(c.next()).isEqualTo(new TestClient.Text(
                        "{\"type\":\"system\",\"text\":\"someone joined (1 online)\"}"));
                run.process.destroy(); // SIGTERM, like Ctrl-C
                assertThat(c.awaitClose().code()).isEqualTo(1001);
            }
            assertThat(run.awaitExit()).as(run.stderr()).isEqualTo(143); // 128 + SIGTERM, after the hook ran
        } finally {
            run.kill();
        }
    }
}
