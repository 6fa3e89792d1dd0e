package io.wshub.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} for tests, such as those of a hub on hub-redis: started on a free port of 127.0.0.1, in
 * a temporary directory of its own, without persistence (no RDB snapshot, no append-only file), so a
 * {@linkplain #restart() restarted} server is empty. It looks for the binary on the {@code PATH} and in
 * {@code /usr/bin}, {@code /usr/sbin} and {@code /usr/local/bin}; when there is none, {@link #start()} skips the
 * calling test with the reason (a JUnit assumption), or fails it when the environment variable {@code CI} is
 * {@code true}, so a CI machine that should have Redis never passes by skipping.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start()) {
 *     RedisHub hub = RedisHub.start(RedisHubConfig.builder(redis.uri()).build(), local);
 *     // ...
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops the server and deletes its directory. Thread-safety: {@link #uri()}, {@link #port()} and
 * {@link #command} may be called from any thread; {@link #kill()}, {@link #restart()} and {@link #close()} from one
 * thread at a time.
 */
public final class RedisServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final int port;
    private Process process;

    private RedisServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts a server and waits until it answers {@code PING}, or skips the calling test (fails it under
     * {@code CI=true}) if there is no {@code redis-server}.
     *
     * @return the running server; close it when done
     * @throws IOException if the server cannot be started or does not answer within 10 seconds
     * @throws InterruptedException if interrupted while waiting for it
     */
    public static RedisServer start() throws IOException, InterruptedException {
        String binary = binary();
        if (binary == null) {
            String why = "redis-server is not installed (Debian: apt-get install redis-server); .ci/run installs it";
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail(why);
            }
            Assumptions.abort(why);
        }
        RedisServer s = new RedisServer(Files.createTempDirectory("wshub-redis"), freePort());
        s.launch(binary);
        return s;
    }

    private static String binary() {
        String path = System.getenv("PATH");
        List<String> dirs = new ArrayList<>(List.of(path == null ? new String[0] : path.split(":")));
        dirs.add("/usr/bin");
        dirs.add("/usr/sbin");
        dirs.add("/usr/local/bin");
        for (String d : dirs) {
            Path p = Path.of(d, "redis-server");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void launch(String binary) throws IOException, InterruptedException {
        process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no", "--protected-mode", "yes",
                "--daemonize", "no", "--loglevel", "warning")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("redis.log")));
            }
            if ("+PONG".equals(command("PING"))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IOException("redis-server did not answer PING within " + START_TIMEOUT);
    }

    /**
     * Returns the server's URI, for a Redis client.
     *
     * @return {@code redis://127.0.0.1:PORT}
     */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /**
     * Returns the server's port on 127.0.0.1, the same after a {@link #restart()}.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Kills the server (SIGKILL, as a crash) and waits up to 10 seconds for it to end.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /**
     * Starts the server again on the same port, empty (there is no persistence), after {@link #kill()}.
     *
     * @throws IOException if the server cannot be started or does not answer within 10 seconds
     * @throws InterruptedException if interrupted while waiting for it
     */
    public void restart() throws IOException, InterruptedException {
        String binary = binary();
        launch(binary);
    }

    /**
     * Sends one command in Redis's inline protocol on a new connection and returns the first line of the reply, such
     * as {@code +PONG} for {@code PING} or {@code :1} for an integer reply.
     *
     * @param line the command, such as {@code "CLIENT KILL TYPE pubsub"}; without the line end
     * @return the reply's first line without its line end, or null if the server cannot be reached
     */
    public String command(String line) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\r') {
                b.append((char) c);
            }
            return b.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Stops the server (SIGTERM, then SIGKILL after 5 seconds) and deletes its directory.
     *
     * @throws IOException if the directory cannot be walked
     */
    @Override
    public void close() throws IOException {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
    }
}
