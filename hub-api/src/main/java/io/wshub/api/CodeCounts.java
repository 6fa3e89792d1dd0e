package io.wshub.api;

import java.util.Arrays;

/**
 * Counts per status or close code over a fixed set of tracked codes, with one {@code other} bucket for every code
 * outside the set: how {@link ServerStats} reports handshakes rejected by HTTP status and closes by close code. The
 * set is fixed so that the number of counters, and of the time series a monitoring system keeps, stays bounded.
 *
 * <p>Immutable; any thread may use it. No method accepts or returns {@code null}.
 */
public final class CodeCounts {

    private final int[] codes;
    /** {@code counts[i]} belongs to {@code codes[i]}; the last element is the {@code other} bucket. */
    private final long[] counts;

    private CodeCounts(int[] codes, long[] counts) {
        this.codes = codes;
        this.counts = counts;
    }

    /**
     * Creates counts from arrays, copying them.
     *
     * @param codes the tracked codes, in ascending order, each once; not null
     * @param counts one count per tracked code, in the same order, then the count of every other code; not null,
     *               {@code codes.length + 1} elements, none negative
     * @return the counts
     * @throws IllegalArgumentException if the codes are not ascending and distinct, the lengths do not match, or a
     *                                  count is negative
     */
    public static CodeCounts of(int[] codes, long[] counts) {
        if (counts.length != codes.length + 1) {
            throw new IllegalArgumentException("counts needs " + (codes.length + 1) + " elements (one per code, then"
                    + " other), had " + counts.length);
        }
        for (int i = 1; i < codes.length; i++) {
            if (codes[i] <= codes[i - 1]) {
                throw new IllegalArgumentException("codes must be ascending and distinct: " + Arrays.toString(codes));
            }
        }
        for (long c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("counts may not be negative: " + Arrays.toString(counts));
            }
        }
        return new CodeCounts(codes.clone(), counts.clone());
    }

    /**
     * Returns the tracked codes.
     *
     * @return a new array of the tracked codes, ascending
     */
    public int[] codes() {
        return codes.clone();
    }

    /**
     * Returns whether a code has a count of its own.
     *
     * @param code any code
     * @return {@code true} if {@link #count(int)} accepts it; an untracked code is counted in {@link #other()}
     */
    public boolean tracks(int code) {
        return Arrays.binarySearch(codes, code) >= 0;
    }

    /**
     * Returns the count of a tracked code.
     *
     * @param code a tracked code ({@link #tracks(int)})
     * @return its count, 0 or more
     * @throws IllegalArgumentException if the code is not tracked
     */
    public long count(int code) {
        int i = Arrays.binarySearch(codes, code);
        if (i < 0) {
            throw new IllegalArgumentException(code + " is not tracked (its count is in other()); tracked: "
                    + Arrays.toString(codes));
        }
        return counts[i];
    }

    /**
     * Returns the count of every code that is not tracked.
     *
     * @return the {@code other} bucket, 0 or more
     */
    public long other() {
        return counts[codes.length];
    }

    /**
     * Returns the sum over every code, tracked or not.
     *
     * @return the total, 0 or more
     */
    public long total() {
        long t = 0;
        for (long c : counts) {
            t += c;
        }
        return t;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodeCounts c && Arrays.equals(codes, c.codes) && Arrays.equals(counts, c.counts);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(codes) + Arrays.hashCode(counts);
    }

    /**
     * Returns the non-zero counts, for example {@code {403=2, other=1}}.
     *
     * @return a description; never null
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i <= codes.length; i++) {
            if (counts[i] != 0) {
                if (b.length() > 1) {
                    b.append(", ");
                }
                b.append(i < codes.length ? Integer.toString(codes[i]) : "other").append('=').append(counts[i]);
            }
        }
        return b.append('}').toString();
    }
}
