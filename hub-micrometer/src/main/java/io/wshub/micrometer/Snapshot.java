package io.wshub.micrometer;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One stats snapshot shared by all of a binder's meters: a scrape reads a dozen meters or more, one after another,
 * and each would otherwise take a snapshot of its own (a transport's walks every open session). A snapshot is reused
 * for {@link #MAX_AGE_NANOS}; every value in it is exact, only up to that much old.
 *
 * <p>Thread-safety: {@link #get()} may be called from any thread; callers take turns on this object's monitor, never
 * on a hub's or transport's path.
 *
 * @param <T> the stats type
 */
final class Snapshot<T> {

    /** How long a snapshot is reused: longer than a scrape takes, shorter than any scrape interval. */
    static final long MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Supplier<T> source;
    private T last;
    private long takenNanos;

    Snapshot(Supplier<T> source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    synchronized T get() {
        long now = System.nanoTime();
        if (last == null || now - takenNanos >= MAX_AGE_NANOS) {
            last = Objects.requireNonNull(source.get(), "stats supplier returned null");
            takenNanos = now;
        }
        return last;
    }
}
