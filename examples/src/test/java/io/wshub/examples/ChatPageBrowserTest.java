package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.wshub.api.ServerConfig;
import io.wshub.redis.RedisHubConfig;
import io.wshub.testkit.RedisServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The chat page in headless Chromium, two tabs, driven by {@code src/test/browser/chat-test.mjs} (playwright-core from
 * npm, Debian's {@code /usr/bin/chromium}): chatting, markup shown as text, other kinds of client, a tab that goes
 * offline and catches up on exactly what it missed, a position the server does not know ("history lost"), and, with
 * a server restart, reconnection; and {@code src/test/browser/nodes-test.mjs}: a tab on each of two chat nodes that
 * share one Redis. Skipped when node, the node modules, Chromium (or, for the nodes, redis-server) are missing, unless
 * the environment variable {@code CI} is {@code true}: then it fails.
 */
@Timeout(300)
class ChatPageBrowserTest {

    static final List<String> TRANSPORTS = Options.TRANSPORTS;
    private static final Path DIR = Path.of(System.getProperty("wshub.browserTestDir", "src/test/browser"));
    private static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium");
    private static final long SCRIPT_TIMEOUT_SECONDS = 240;

    private static String missing; // why the browser test cannot run, or "" when it can; found once

    @BeforeEach
    void requireNodeAndChromium() throws Exception {
        if (missing == null) {
            missing = findMissing();
        }
        if (!missing.isEmpty() && "true".equals(System.getenv("CI"))) {
            fail(missing + "; CI must install it");
        }
        Assumptions.assumeTrue(missing.isEmpty(), missing);
    }

    private static String findMissing() throws InterruptedException {
        if (!Files.isExecutable(Path.of(CHROMIUM))) {
            return "no Chromium at " + CHROMIUM + " (apt-get install chromium, or set CHROMIUM_PATH)";
        }
        if (!Files.isRegularFile(DIR.resolve("node_modules/playwright-core/package.json"))) {
            return "playwright-core is not installed: run 'npm ci' in " + DIR.toAbsolutePath();
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            boolean ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            p.destroyForcibly();
            return ok ? "" : "'node --version' failed (Node 20 or newer is needed)";
        } catch (IOException e) {
            return "node is not on the PATH (Node 20 or newer is needed)";
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldShowAMessageFromOneTabInTheOtherAsText(String transport) throws Exception {
        try (ChatServer chat = ChatServer.start(transport, ServerConfig.builder().port(0).build(), 0);
             Script script = Script.start(chat.pageUri().toString())) {
            script.awaitSuccess();
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TRANSPORTS")
    void shouldReconnectWhenTheServerComesBack(String transport) throws Exception {
        ChatServer chat = ChatServer.start(transport, ServerConfig.builder().port(0).build(), 0);
        int port = chat.webSocket().port();
        try (Script script = Script.start(chat.pageUri().toString(), "--reconnect")) {
            script.awaitLine("ready-for-restart");
            chat.close();
            chat = restart(transport, port);
            script.awaitSuccess("ok both tabs reconnected", "ok both tabs said the history was lost after the restart",
                    "ok chat works after reconnecting");
        } finally {
            chat.close();
        }
    }

    @Test
    void shouldChatBetweenPagesOnTwoNodesThatShareARedis() throws Exception {
        try (RedisServer redis = RedisServer.start();
             ChatServer a = node("undertow", redis);
             ChatServer b = node("java-websocket", redis);
             // Alice's tab is node A's only client: while it is away, A follows the chat no more.
             Script script = Script.run("nodes-test.mjs", a.pageUri().toString(), b.pageUri().toString(),
                     Integer.toString(b.backplane().node()))) {
            script.awaitExitZero("ok the tab on node A saw the arrival on node B",
                    "ok messages from each node appeared on both",
                    "ok the tab on node A caught up on exactly the two messages sent on node B", "passed");
        }
    }

    private static ChatServer node(String transport, RedisServer redis) throws IOException {
        return ChatServer.start(transport, ServerConfig.builder().port(0).build(), 0, ChatServer.DEFAULT_HISTORY,
                ChatServer.DEFAULT_HISTORY_TTL, RedisHubConfig.builder(redis.uri()).build());
    }

    /** Starts a chat server on the port the page knows, retrying for a bounded time while the port is still held. */
    private static ChatServer restart(String transport, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return ChatServer.start(transport, ServerConfig.builder().port(port).build(), 0);
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not listen on port " + port + " again within 30 s", e);
                }
                Thread.sleep(250);
            }
        }
    }

    /** {@code node chat-test.mjs PAGE_URL ...}, its output collected, killed with its browser if it overruns. */
    private static final class Script implements AutoCloseable {
        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final CountDownLatch endOfOutput = new CountDownLatch(1);
        private final List<String> log = new ArrayList<>();

        private Script(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("(reading output failed: " + e + ")");
                } finally {
                    endOfOutput.countDown();
                }
            }, "browser-test-output");
            reader.setDaemon(true);
            reader.start();
        }

        static Script start(String... args) throws IOException {
            return run("chat-test.mjs", args);
        }

        static Script run(String script, String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of("node", script));
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().put("CHROMIUM_PATH", CHROMIUM);
            return new Script(pb.start());
        }

        void awaitLine(String expected) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SCRIPT_TIMEOUT_SECONDS);
            while (System.nanoTime() < deadline) {
                String line = lines.poll(Math.min(1_000_000_000L, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line != null) {
                    log.add(line);
                    if (line.equals(expected)) {
                        return;
                    }
                } else if (!process.isAlive() && lines.isEmpty()) {
                    break;
                }
            }
            kill();
            throw new AssertionError("the browser script never printed '" + expected + "':\n" + output());
        }

        /** chat-test.mjs passed every step, and printed the lines given too. */
        void awaitSuccess(String... alsoExpected) throws Exception {
            String output = awaitExitZero();
            assertThat(output).contains("ok a message from one tab appeared in both",
                    "ok messages from other kinds of client were shown as they came",
                    "ok markup in a message was shown as text and not executed",
                    "ok a tab that was offline showed exactly the three messages it missed, once each, in order",
                    "ok a tab whose position the server no longer knows said the history was lost", "passed");
            for (String line : alsoExpected) {
                assertThat(output).contains(line);
            }
        }

        /** Waits for the script to exit with status 0 and returns what it printed, which must hold these lines. */
        String awaitExitZero(String... expected) throws Exception {
            boolean exited = process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!exited) {
                kill();
            }
            endOfOutput.await(30, TimeUnit.SECONDS); // the reader takes the last lines
            String output = output();
            assertThat(exited).as("the browser script finished within %d s:%n%s", SCRIPT_TIMEOUT_SECONDS, output)
                    .isTrue();
            assertThat(process.exitValue()).as(output).isZero();
            for (String line : expected) {
                assertThat(output.split("\n")).as(output).contains(line);
            }
            return output;
        }

        private String output() {
            lines.drainTo(log);
            return String.join("\n", log);
        }

        private void kill() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroyForcibly); // Chromium, if node left it behind
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                try {
                    kill();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
