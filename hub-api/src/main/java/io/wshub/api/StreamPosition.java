package io.wshub.api;

import java.util.Objects;

/**
 * A position in a topic's history: the offset of the last publication a client has, and the epoch of the history
 * that offset belongs to. Offsets count a topic's publications 1, 2, 3, … in the hub's order; offset 0 means "before
 * the first publication". An epoch is an opaque string that changes whenever the history behind the offsets is lost
 * (a hub restart, a wiped store), so a position from an older epoch can never be mistaken for a current one.
 *
 * <p>Thread-safety: immutable.
 *
 * @param offset the offset of the last publication seen, 0 or more
 * @param epoch the history's epoch; not null, 1 to {@value #MAX_EPOCH_LENGTH} characters, printable ASCII
 *              ({@code 0x21} to {@code 0x7e}) so that it travels in a URL query or a JSON string unescaped
 */
public record StreamPosition(long offset, String epoch) {

    /** The longest epoch accepted. */
    public static final int MAX_EPOCH_LENGTH = 64;

    /**
     * Validates.
     *
     * @param offset the offset, 0 or more
     * @param epoch the epoch; not null
     * @throws IllegalArgumentException if the offset is negative or the epoch is empty, too long or not printable
     *                                  ASCII
     */
    public StreamPosition {
        if (offset < 0) {
            throw new IllegalArgumentException("StreamPosition.offset must be 0 or more, was " + offset);
        }
        Objects.requireNonNull(epoch, "epoch");
        String problem = epochProblem(epoch);
        if (problem != null) {
            throw new IllegalArgumentException("StreamPosition.epoch " + problem);
        }
    }

    /**
     * Returns what is wrong with an epoch, for callers that validate input (a query parameter, say) without catching.
     *
     * @param epoch the candidate; not null
     * @return a description of the problem, or {@code null} if the epoch is valid
     */
    public static String epochProblem(String epoch) {
        if (epoch.isEmpty() || epoch.length() > MAX_EPOCH_LENGTH) {
            return "must be 1 to " + MAX_EPOCH_LENGTH + " characters, was " + epoch.length();
        }
        for (int i = 0; i < epoch.length(); i++) {
            char c = epoch.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return "must be printable ASCII without spaces, has 0x" + Integer.toHexString(c) + " at index " + i;
            }
        }
        return null;
    }
}
