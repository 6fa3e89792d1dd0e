package io.wshub.api.spi;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Allocates session ids that are unique within the JVM, whichever transport creates the session, so one hub can
 * serve sessions from several transports.
 *
 * <p>Thread-safety: any thread may call it.
 */
public final class SessionIds {

    private static final AtomicLong NEXT = new AtomicLong();

    private SessionIds() {
    }

    /**
     * Returns a new id.
     *
     * @return a positive id never returned before in this JVM
     */
    public static long next() {
        return NEXT.incrementAndGet();
    }
}
