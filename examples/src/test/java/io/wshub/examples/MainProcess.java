package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The examples' main class in a JVM of its own, on the test class path, the way a user runs the jar: stdout read line
 * by line, stderr in a file. {@link #close()} kills it if it is still running.
 */
final class MainProcess implements AutoCloseable {

    /** How long a JVM may take to start and print, or to exit, on a busy machine. */
    private static final long WAIT_SECONDS = 90;

    final Process process;
    private final Path stderr;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final CountDownLatch endOfStdout = new CountDownLatch(1);

    private MainProcess(Process process, Path stderr) {
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
        }, "main-process-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code java -cp <the test class path> -Xmx256m io.wshub.examples.Main ARGS}.
     *
     * @param temp where to put the stderr file
     * @param args the command line
     */
    static MainProcess start(Path temp, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m", Main.class.getName()));
        command.addAll(List.of(args));
        Path err = Files.createTempFile(temp, "stderr", ".txt");
        Process p = new ProcessBuilder(command).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        return new MainProcess(p, err);
    }

    /** Returns the next line of stdout that matches, skipping others; fails if none comes or the process ends. */
    String awaitLine(Pattern pattern) throws InterruptedException {
        return awaitMatch(pattern).group();
    }

    /** As {@link #awaitLine}, returning the match, for its groups. */
    Matcher awaitMatch(Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            String line = stdout.poll(Math.min(TimeUnit.SECONDS.toNanos(1), deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS); // a second at a time, to notice a process that ended
            if (line != null) {
                Matcher m = pattern.matcher(line);
                if (m.matches()) {
                    return m;
                }
            }
            if (line == null && !process.isAlive() && stdout.isEmpty()) {
                break;
            }
        }
        throw new AssertionError("no line matching " + pattern + "; stderr: " + stderr());
    }

    /** Waits for the process to exit and returns its status; kills it and fails if it runs on. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
            kill();
            throw new AssertionError("did not exit within " + WAIT_SECONDS + " s; stderr: " + stderr());
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

    /** Returns what the process wrote to stderr so far. */
    String stderr() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Kills the process (SIGKILL) if it is still running, and waits for it. */
    void kill() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
