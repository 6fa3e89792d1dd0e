package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
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
        Run run = Run.start(temp, "--help");
        assertThat(run.awaitExit()).isZero();
        assertThat(String.join("\n", run.drainStdout()) + "\n").isEqualTo(Options.USAGE.replace(
                System.lineSeparator(), "\n"));
    }

    @Test
    void shouldSayWhatIsWrongAndExitTwo() throws Exception {
        Run run = Run.start(temp, "chat", "--port", "eighty");
        assertThat(run.awaitExit()).isEqualTo(2);
        assertThat(run.stderr()).contains("error: --port must be a number from 0 to 65535, was 'eighty'",
                "--help");
        assertThat(run.drainStdout()).isEmpty();
    }

    @Test
    void shouldExitTwoForAHistoryBoundOutOfRange() throws Exception {
        Run run = Run.start(temp, "chat", "--history-ttl", "31d");
        assertThat(run.awaitExit()).isEqualTo(2);
        assertThat(run.stderr()).contains("error: --history-ttl must be 1ms to 30d, was 31d");
        assertThat(run.drainStdout()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldCloseClientsWith1001OnSigterm(String transport) throws Exception {
        Run run = Run.start(temp, "chat", "--transport", transport, "--port", "0");
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

    /** The examples' main class in a JVM of its own. */
    private static final class Run {
        final Process process;
        final Path stderr;
        final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
        final CountDownLatch endOfStdout = new CountDownLatch(1);

        private Run(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        stdout.add(line);
                    }
                } catch (IOException e) {
                    stdout.add("(reading stdout failed: " + e + ")");
                } finally {
                    endOfStdout.countDown();
                }
            }, "main-test-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static Run start(Path temp, String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Xmx256m", Main.class.getName()));
            command.addAll(List.of(args));
            Path err = Files.createTempFile(temp, "stderr", ".txt");
            Process p = new ProcessBuilder(command).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            return new Run(p, err);
        }

        String awaitLine(Pattern pattern) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90); // a JVM start on a busy machine
            while (System.nanoTime() < deadline) {
                String line = stdout.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line != null && pattern.matcher(line).matches()) {
                    return line;
                }
                if (line == null && !process.isAlive() && stdout.isEmpty()) {
                    break;
                }
            }
            throw new AssertionError("no line matching " + pattern + "; stderr: " + stderr());
        }

        int awaitExit() throws Exception {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                kill();
                throw new AssertionError("did not exit within 90 s; stderr: " + stderr());
            }
            return process.exitValue();
        }

        /** Returns what is left of stdout once the process has closed it. */
        List<String> drainStdout() throws InterruptedException {
            assertThat(endOfStdout.await(30, TimeUnit.SECONDS)).as("stdout closed").isTrue();
            List<String> lines = new ArrayList<>();
            stdout.drainTo(lines);
            return lines;
        }

        String stderr() {
            try {
                return Files.readString(stderr);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        void kill() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
