package io.wshub.api.spi;

import io.wshub.api.CodeCounts;
import io.wshub.api.ServerStats;
import io.wshub.api.Session;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind a transport's {@link io.wshub.api.RunningServer#stats()}: the transport calls the counting
 * methods where things happen, and {@link #snapshot} when stats are asked for.
 *
 * <p>Counting takes no lock and allocates nothing in steady state: messages and bytes go to {@link LongAdder}s
 * (which allocate their cells once, the first time two threads contend, never per call), handshake statuses and close
 * codes to fixed {@link AtomicLongArray}s indexed by a binary search over the tracked codes
 * ({@link #HANDSHAKE_STATUSES}, {@link #CLOSE_CODES}); an untracked code goes to the {@code other} bucket. A
 * snapshot is not atomic across counters: each value is exact, but a message counted while it is taken may be in one
 * counter and not yet in the next.
 *
 * <p>Thread-safety: every method may be called from any thread, concurrently; none blocks. No method accepts null.
 */
public final class ServerCounters {

    /** The rejection statuses counted on their own; any other goes to {@code other}. */
    public static final List<Integer> HANDSHAKE_STATUSES =
            List.of(400, 401, 403, 404, 405, 408, 426, 429, 431, 500, 503);

    /**
     * The close codes counted on their own (RFC 6455 §7.4.1 and the IANA registry, with 1005 and 1006 as endpoints
     * see them); any other, application codes included, goes to {@code other}.
     */
    public static final List<Integer> CLOSE_CODES =
            List.of(1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014);

    private static final int[] STATUSES = toArray(HANDSHAKE_STATUSES);
    private static final int[] CODES = toArray(CLOSE_CODES);

    private final LongAdder handshakesAccepted = new LongAdder();
    private final AtomicLongArray handshakesRejected = new AtomicLongArray(STATUSES.length + 1);
    private final AtomicLongArray closes = new AtomicLongArray(CODES.length + 1);
    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder messagesOut = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();

    /** Creates counters at zero. */
    public ServerCounters() {
    }

    /** Counts an upgrade answered with 101. */
    public void handshakeAccepted() {
        handshakesAccepted.increment();
    }

    /**
     * Counts an upgrade request refused.
     *
     * @param status the HTTP status it was answered with
     */
    public void handshakeRejected(int status) {
        handshakesRejected.incrementAndGet(index(STATUSES, status));
    }

    /**
     * Counts a session closed; call it once per session, with the code its endpoint's {@code onClose} gets.
     *
     * @param code the close code
     */
    public void closed(int code) {
        closes.incrementAndGet(index(CODES, code));
    }

    /**
     * Counts a whole message received from a client.
     *
     * @param payloadBytes its payload length
     */
    public void messageIn(int payloadBytes) {
        messagesIn.increment();
        bytesIn.add(payloadBytes);
    }

    /**
     * Counts a message fully written to a client.
     *
     * @param payloadBytes its payload length
     */
    public void messageOut(int payloadBytes) {
        messagesOut.increment();
        bytesOut.add(payloadBytes);
    }

    /**
     * Returns a snapshot of the counters and of the given sessions' queues.
     *
     * @param connections the sessions open now
     * @param sessions the open sessions, whose {@link Session#queuedMessages()} and {@link Session#queuedBytes()}
     *                 are summed and their largest taken; not null. A concurrent collection may change meanwhile
     * @return the snapshot; never null
     */
    public ServerStats snapshot(int connections, Iterable<? extends Session> sessions) {
        long queuedMessages = 0;
        long queuedBytes = 0;
        int largestMessages = 0;
        long largestBytes = 0;
        for (Session s : sessions) {
            int m = s.queuedMessages();
            long b = s.queuedBytes();
            queuedMessages += m;
            queuedBytes += b;
            largestMessages = Math.max(largestMessages, m);
            largestBytes = Math.max(largestBytes, b);
        }
        return new ServerStats(connections, handshakesAccepted.sum(), counts(STATUSES, handshakesRejected),
                counts(CODES, closes), messagesIn.sum(), bytesIn.sum(), messagesOut.sum(), bytesOut.sum(),
                queuedMessages, queuedBytes, largestMessages, largestBytes);
    }

    private static int index(int[] tracked, int code) {
        int i = Arrays.binarySearch(tracked, code);
        return i >= 0 ? i : tracked.length;
    }

    private static CodeCounts counts(int[] tracked, AtomicLongArray values) {
        long[] c = new long[values.length()];
        for (int i = 0; i < c.length; i++) {
            c[i] = values.get(i);
        }
        return CodeCounts.of(tracked, c);
    }

    private static int[] toArray(List<Integer> codes) {
        int[] a = new int[codes.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = codes.get(i);
        }
        return a;
    }

    @Override
    public String toString() {
        return "ServerCounters[accepted=" + handshakesAccepted.sum() + ", messagesIn=" + messagesIn.sum()
                + ", messagesOut=" + messagesOut.sum() + "]";
    }
}
