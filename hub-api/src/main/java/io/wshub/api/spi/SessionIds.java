package io.wshub.api.spi;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Allocates session ids, whichever transport creates the session, so one hub can serve sessions from several
 * transports, and so several processes behind one backplane (see {@code hub-redis}) never hand out the same id.
 *
 * <p>An id is {@code node << 40 | n}: the process's id node in the high bits and a per-process counter {@code n} in the
 * low 40 bits. The node is drawn at random (from 1 to 2<sup>22</sup> − 1) when the class loads, or read from the
 * system property {@value #NODE_PROPERTY}. So ids stay positive {@code long}s, increase within a process, and differ
 * between processes unless two drew the same node; a backplane claims its process's node when it starts and refuses to
 * start on a collision, so a collision is reported, never silent.
 *
 * <p>Thread-safety: any thread may call it.
 */
public final class SessionIds {

    /** The system property that fixes the process's id node, from 1 to {@value #MAX_NODE}. */
    public static final String NODE_PROPERTY = "wshub.sessionIdNode";

    /** The largest id node. */
    public static final int MAX_NODE = (1 << 22) - 1;

    private static final int COUNTER_BITS = 40;
    private static final long COUNTER_MASK = (1L << COUNTER_BITS) - 1;

    private static final int NODE = node(System.getProperty(NODE_PROPERTY));
    private static final AtomicLong NEXT = new AtomicLong((long) NODE << COUNTER_BITS);

    private SessionIds() {
    }

    /**
     * Returns a new id.
     *
     * @return a positive id never returned before in this process, carrying this process's {@link #node()}
     * @throws IllegalStateException if this process has used up its 2<sup>40</sup> ids
     */
    public static long next() {
        long id = NEXT.incrementAndGet();
        if ((id & COUNTER_MASK) == 0) {
            throw new IllegalStateException("session ids of node " + NODE + " are used up");
        }
        return id;
    }

    /**
     * Returns this process's id node, carried in the high bits of every id it allocates.
     *
     * @return the node, from 1 to {@link #MAX_NODE}
     */
    public static int node() {
        return NODE;
    }

    /**
     * Returns the id node of an id allocated by {@link #next()} in any process.
     *
     * @param sessionId the id
     * @return its node
     */
    public static int nodeOf(long sessionId) {
        return (int) (sessionId >>> COUNTER_BITS);
    }

    static int node(String property) {
        if (property == null || property.isBlank()) {
            return 1 + new SecureRandom().nextInt(MAX_NODE);
        }
        int n;
        try {
            n = Integer.parseInt(property.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(NODE_PROPERTY + " must be a number from 1 to " + MAX_NODE + ", was '"
                    + property + "'");
        }
        if (n < 1 || n > MAX_NODE) {
            throw new IllegalArgumentException(NODE_PROPERTY + " must be from 1 to " + MAX_NODE + ", was " + n);
        }
        return n;
    }
}
