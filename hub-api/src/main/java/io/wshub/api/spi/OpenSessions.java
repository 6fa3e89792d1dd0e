package io.wshub.api.spi;

import io.wshub.api.CloseCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A transport's open sessions, and the kernel's part of a graceful stop, the same on every transport:
 * {@link #closeAll} sends close 1001 (going away) to every open session, after what is queued for it, waits until
 * they have all ended or the close timeout has passed, and hands back the ones left, which the transport drops.
 * (The transport's {@link UpgradeValidator#stop()} comes first, so no session opens meanwhile.)
 *
 * <p>Thread-safety: every method may be called from any thread; {@link #closeAll} blocks its caller (a stopping
 * thread, never an I/O thread) for at most the timeout. Sessions compare by identity, so no boxed id is kept per
 * session. Null is not accepted.
 *
 * @param <S> the transport's session type
 */
public final class OpenSessions<S extends LifecycleSession> implements Iterable<S> {

    private final Set<S> sessions = ConcurrentHashMap.newKeySet();
    private final Object ended = new Object();

    /** Creates an empty set. */
    public OpenSessions() {
    }

    /**
     * Adds a session that has opened.
     *
     * @param session the session; not null
     */
    public void add(S session) {
        sessions.add(session);
    }

    /**
     * Removes a session whose connection has ended, waking {@link #closeAll}.
     *
     * @param session the session; not null
     * @return {@code true} if it was open (the first removal)
     */
    public boolean remove(S session) {
        boolean removed = sessions.remove(session);
        if (removed) {
            synchronized (ended) {
                ended.notifyAll();
            }
        }
        return removed;
    }

    /**
     * Returns how many sessions are open.
     *
     * @return 0 or more
     */
    public int size() {
        return sessions.size();
    }

    /**
     * Returns whether no session is open.
     *
     * @return {@code true} if none is
     */
    public boolean isEmpty() {
        return sessions.isEmpty();
    }

    /**
     * Returns a weakly consistent iterator over the open sessions (it never throws for a concurrent change).
     *
     * @return the iterator; never null
     */
    @Override
    public Iterator<S> iterator() {
        return sessions.iterator();
    }

    /**
     * Closes every open session with 1001 ("server shutting down") and waits until they have all ended
     * ({@link #remove}) or the timeout has passed.
     *
     * @param timeout how long to wait, usually {@link io.wshub.api.ServerConfig#closeTimeout()}; not null
     * @return the sessions still open at the deadline, for the transport to drop; empty if all ended in time
     */
    public List<S> closeAll(Duration timeout) {
        for (S s : sessions) {
            s.close(CloseCode.GOING_AWAY, "server shutting down");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (ended) {
            while (!sessions.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(ended, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return new ArrayList<>(sessions);
    }
}
