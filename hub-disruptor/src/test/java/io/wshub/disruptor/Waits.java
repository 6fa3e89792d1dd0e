package io.wshub.disruptor;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits for tests: poll a condition until it holds or a deadline passes, never a fixed sleep. */
final class Waits {

    static final Duration DEFAULT = Duration.ofSeconds(20);

    private Waits() {
    }

    static void until(BooleanSupplier condition, Supplier<String> what) {
        until(condition, DEFAULT, what);
    }

    static void until(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what.get());
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }
}
