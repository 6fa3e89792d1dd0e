package io.wshub.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.wshub.api.BroadcastEndpoint;
import io.wshub.api.Endpoint;
import io.wshub.api.Endpoints;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives echo and broadcast with the Python {@code websockets} library (Debian's python3-websockets, run by
 * {@code /usr/bin/python3}). Skipped with a reason when it is missing, except in CI ({@code CI=true}), which installs
 * it and fails instead.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PythonWebsocketsClientTest {

    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    static Path dir;
    private static Path script;

    @BeforeAll
    static void requirePythonWebsockets() throws Exception {
        String problem = null;
        if (!Files.isExecutable(Path.of(PYTHON))) {
            problem = PYTHON + " is not installed";
        } else {
            Process p = new ProcessBuilder(PYTHON, "-c", "import websockets").redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                problem = "importing websockets timed out";
            } else if (p.exitValue() != 0) {
                problem = "python3-websockets is not installed for " + PYTHON + ": "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            }
        }
        if (problem != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail(problem + " (CI must install the Debian package python3-websockets)");
            }
            Assumptions.abort(problem + "; install the Debian package python3-websockets to run this test");
        }
        script = dir.resolve("websockets_client.py");
        try (InputStream in = PythonWebsocketsClientTest.class.getResourceAsStream("websockets_client.py")) {
            Files.copy(in, script);
        }
    }

    private static String run(RunningServer server, String mode) throws Exception {
        Process p = new ProcessBuilder(PYTHON, script.toString(), server.uri().toString(), mode)
                .redirectErrorStream(true).start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                fail("the Python client did not finish within 90 s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("python output: %s", out).isZero();
            return out;
        } finally {
            p.destroyForcibly();
        }
    }

    private static RunningServer start(Endpoint endpoint) throws Exception {
        return new UndertowTransportProvider().start(ServerConfig.builder().host("127.0.0.1").port(0).build(),
                endpoint, HandshakePolicy.acceptAll());
    }

    @Test
    void shouldServeEchoToThePythonClient() throws Exception {
        RunningServer server = start(Endpoints.echo());
        try {
            assertThat(run(server, "echo")).contains("OK echo");
        } finally {
            server.stop();
        }
    }

    @Test
    void shouldServeBroadcastToThePythonClients() throws Exception {
        Hub hub = DisruptorHub.start(DisruptorHubConfig.builder().slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT)
                .listener(HubListener.NONE).build());
        RunningServer server = start(new BroadcastEndpoint(hub, false));
        try {
            assertThat(run(server, "broadcast")).contains("OK broadcast");
        } finally {
            server.stop();
            hub.shutdown(java.time.Duration.ofSeconds(5));
        }
    }
}
