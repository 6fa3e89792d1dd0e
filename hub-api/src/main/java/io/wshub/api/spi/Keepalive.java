package io.wshub.api.spi;

import io.wshub.api.CloseCode;
import io.wshub.api.ServerConfig;

/**
 * The transport kernel's keepalive decisions, the same on every transport: when a session is due a ping
 * ({@link ServerConfig#pingInterval()}), when a session that sent nothing for {@link ServerConfig#idleTimeout()} is
 * closed (1001, {@link CloseCode#GOING_AWAY}), and when a close we started has waited long enough for the peer's answer
 * ({@link ServerConfig#closeTimeout()}) and the connection is dropped. The times it reads are kept by the session
 * ({@link LifecycleSession#activity()} for what arrives, the kernel for our close and the pings); a transport only
 * runs {@link #check} from a timer, per session ({@link #nanosUntilNextCheck}) or in a sweep over its sessions
 * ({@link #sweepNanos()}), and does what it answers.
 *
 * <p>Thread-safety: immutable; {@link #check} for one session must be called by one thread at a time (its timer).
 */
public final class Keepalive {

    /** What {@link #check} found due. */
    public enum Action {
        /** Nothing is due. */
        NONE,
        /** Send a ping now (an empty one will do); the kernel has recorded it as sent. */
        PING,
        /** The session was idle for the idle timeout; {@link #check} has closed it with 1001. */
        IDLE_CLOSED,
        /** Our close was not answered within the close timeout: drop the connection now, without waiting more. */
        CLOSE_TIMED_OUT
    }

    private final long pingNanos;
    private final long idleNanos;
    private final long closeTimeoutNanos;

    /**
     * Creates the decisions of a server's config.
     *
     * @param config the config; not null. A zero ping interval or idle timeout turns that part off
     */
    public Keepalive(ServerConfig config) {
        this.pingNanos = config.pingInterval().toNanos();
        this.idleNanos = config.idleTimeout().toNanos();
        this.closeTimeoutNanos = config.closeTimeout().toNanos();
    }

    /**
     * Decides what is due for a session now, and does the part that is the kernel's: closes an idle session (1001,
     * "idle timeout") and records a ping as sent.
     *
     * @param session the session; not null
     * @param now {@link System#nanoTime()}
     * @return what is due; {@link Action#NONE} for a session closing on its own (a close it did not start locally)
     */
    public Action check(LifecycleSession session, long now) {
        if (session.localCloseStarted()) {
            return now - session.localCloseNanos() >= closeTimeoutNanos ? Action.CLOSE_TIMED_OUT : Action.NONE;
        }
        if (!session.isOpen()) {
            return Action.NONE;
        }
        if (idleNanos > 0 && now - session.lastReceivedNanos() >= idleNanos) {
            session.close(CloseCode.GOING_AWAY, "idle timeout");
            return Action.IDLE_CLOSED;
        }
        if (pingNanos > 0 && now - session.lastPingNanos() >= pingNanos) {
            session.lastPingNanos(now);
            return Action.PING;
        }
        return Action.NONE;
    }

    /**
     * Returns how long until {@link #check} may next find something due for a session: for a transport with one timer
     * per session.
     *
     * @param session the session; not null
     * @param now {@link System#nanoTime()}
     * @return nanoseconds, 0 or more; {@link Long#MAX_VALUE} if nothing will ever be due (no ping, no idle timeout,
     *         no close of ours)
     */
    public long nanosUntilNextCheck(LifecycleSession session, long now) {
        if (session.localCloseStarted()) {
            return Math.max(0, session.localCloseNanos() + closeTimeoutNanos - now);
        }
        long delay = Long.MAX_VALUE;
        if (pingNanos > 0) {
            delay = session.lastPingNanos() + pingNanos - now;
        }
        if (idleNanos > 0) {
            delay = Math.min(delay, session.lastReceivedNanos() + idleNanos - now);
        }
        return Math.max(0, delay);
    }

    /**
     * Returns the period of a sweep that checks every session, for a transport with one timer for all: a quarter of
     * the shortest of the close timeout, the idle timeout and half the ping interval, between 10 ms and 1 s.
     *
     * @return nanoseconds, positive
     */
    public long sweepNanos() {
        long t = closeTimeoutNanos / 4;
        if (pingNanos > 0) {
            t = Math.min(t, pingNanos / 2);
        }
        if (idleNanos > 0) {
            t = Math.min(t, idleNanos / 4);
        }
        return Math.max(10_000_000L, Math.min(t, 1_000_000_000L));
    }
}
