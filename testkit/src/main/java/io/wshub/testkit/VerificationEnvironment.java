package io.wshub.testkit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.opentest4j.AssertionFailedError;

/**
 * The environment one rule runs in, modelled on the reactive-streams TCK's {@code TestEnvironment}: it collects
 * failures raised on other threads (client readers, endpoint callbacks, hub fan-out threads) and re-raises them on the
 * test thread, runs helper threads, waits for conditions with a deadline instead of fixed sleeps, and closes every
 * resource the rule opened, in reverse order, even when the rule fails.
 *
 * <p>Use it with try-with-resources; {@link #close()} closes the resources, joins the helper threads and then
 * re-raises the first asynchronous failure.
 *
 * <p>Thread-safety: {@link #recordFailure}, {@link #isFailed()} and the callbacks given to {@link #spawn} may be used
 * from any thread; everything else belongs to the test thread. No method accepts null.
 */
public final class VerificationEnvironment implements AutoCloseable {

    /** A task that may throw, run on a helper thread by {@link #spawn}. */
    @FunctionalInterface
    public interface Task {
        /**
         * Runs the task.
         *
         * @throws Exception any failure; it is recorded and re-raised on the test thread
         */
        void run() throws Exception;
    }

    private static final long POLL_NANOS = Duration.ofMillis(1).toNanos();

    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Duration joinTimeout;

    /** Creates an environment that waits up to 30 seconds for its helper threads when it closes. */
    public VerificationEnvironment() {
        this(Duration.ofSeconds(30));
    }

    /**
     * Creates an environment.
     *
     * @param joinTimeout how long {@link #close()} waits for each helper thread; not null
     */
    public VerificationEnvironment(Duration joinTimeout) {
        this.joinTimeout = Objects.requireNonNull(joinTimeout, "joinTimeout");
    }

    /**
     * Records a failure seen on any thread; it is re-raised by {@link #verifyNoAsyncErrors()} and {@link #close()}.
     *
     * @param failure the failure; not null
     */
    public void recordFailure(Throwable failure) {
        failures.add(Objects.requireNonNull(failure, "failure"));
    }

    /**
     * Records a failure with a message, from any thread.
     *
     * @param message what went wrong; not null
     */
    public void recordFailure(String message) {
        recordFailure(new AssertionFailedError(message));
    }

    /**
     * Returns whether a failure has been recorded.
     *
     * @return {@code true} once any thread recorded a failure
     */
    public boolean isFailed() {
        return !failures.isEmpty();
    }

    /**
     * Throws the first recorded failure on the calling (test) thread, with the others attached as suppressed.
     *
     * @throws AssertionFailedError if any failure was recorded
     */
    public void verifyNoAsyncErrors() {
        Throwable first = failures.peek();
        if (first == null) {
            return;
        }
        AssertionFailedError error = new AssertionFailedError("failure on another thread: " + first, first);
        boolean skip = true;
        for (Throwable t : failures) {
            if (skip) {
                skip = false;
                continue;
            }
            error.addSuppressed(t);
        }
        throw error;
    }

    /**
     * Registers a resource to close when the environment closes; resources close in reverse order of registration.
     *
     * @param resource the resource; not null
     * @param <T> the resource's type
     * @return the resource, for chaining
     */
    public <T extends AutoCloseable> T closeLater(T resource) {
        synchronized (resources) {
            resources.push(Objects.requireNonNull(resource, "resource"));
        }
        return resource;
    }

    /**
     * Runs a task on a new daemon thread; a failure it throws is recorded. {@link #close()} joins the thread.
     *
     * @param name the thread's name; not null
     * @param task the task; not null
     * @return the started thread
     */
    public Thread spawn(String name, Task task) {
        Objects.requireNonNull(task, "task");
        Thread t = new Thread(() -> {
            try {
                task.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                recordFailure(e);
            }
        }, "wshub-testkit-" + name);
        t.setDaemon(true);
        synchronized (threads) {
            threads.add(t);
        }
        t.start();
        return t;
    }

    /**
     * Waits until a condition holds, polling every few milliseconds, and fails if it does not hold within the timeout.
     * Also fails early if another thread recorded a failure.
     *
     * @param condition the condition; not null
     * @param timeout the most to wait; not null
     * @param description what was expected, for the failure message; not null
     * @throws InterruptedException if the test thread is interrupted
     * @throws AssertionFailedError if the condition does not hold in time
     */
    public void awaitCondition(BooleanSupplier condition, Duration timeout, Supplier<String> description)
            throws InterruptedException {
        if (!waitFor(condition, timeout)) {
            verifyNoAsyncErrors();
            throw new AssertionFailedError("timed out after " + timeout.toMillis() + " ms waiting for: "
                    + description.get());
        }
    }

    /**
     * Waits until a condition holds or the timeout passes, without failing.
     *
     * @param condition the condition; not null
     * @param timeout the most to wait; not null
     * @return whether the condition held in time
     * @throws InterruptedException if the test thread is interrupted
     */
    public boolean waitFor(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return condition.getAsBoolean();
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            Thread.sleep(POLL_NANOS / 1_000_000L);
        }
        return true;
    }

    /**
     * Closes every registered resource in reverse order, joins the helper threads (interrupting those that outlive the
     * join timeout), then re-raises the first failure recorded on any thread. A failure while closing is recorded too.
     *
     * @throws AssertionFailedError if any failure was recorded
     */
    @Override
    public void close() {
        while (true) {
            AutoCloseable r;
            synchronized (resources) {
                r = resources.poll();
            }
            if (r == null) {
                break;
            }
            try {
                r.close();
            } catch (Exception e) {
                recordFailure(new AssertionFailedError("closing " + r + " failed: " + e, e));
            }
        }
        List<Thread> toJoin;
        synchronized (threads) {
            toJoin = new ArrayList<>(threads);
            threads.clear();
        }
        for (Thread t : toJoin) {
            try {
                t.join(joinTimeout.toMillis());
                if (t.isAlive()) {
                    t.interrupt();
                    t.join(1000);
                    recordFailure("helper thread " + t.getName() + " did not finish within " + joinTimeout);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        verifyNoAsyncErrors();
    }
}
