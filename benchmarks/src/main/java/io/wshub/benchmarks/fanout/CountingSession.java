package io.wshub.benchmarks.fanout;

import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.spi.AbstractSession;
import io.wshub.api.spi.SessionIds;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * An in-memory session that counts deliveries without allocating: one counter per publisher slot, told apart by the
 * identity of the message each publisher thread sends. It models the cheapest possible transport so a benchmark
 * measures the hub alone.
 *
 * <p>Thread-safety: {@link #offer} must be called by one thread at a time (each hub under test guarantees that: a
 * lock, a shard's handler thread, or a session queue's single consumer); {@link #received(int)} may be read from any
 * thread.
 */
final class CountingSession extends AbstractSession {

    private static final VarHandle C0;
    private static final VarHandle C1;
    private static final InetSocketAddress ADDRESS = new InetSocketAddress("127.0.0.1", 1);
    private static final HandshakeRequest HANDSHAKE = new HandshakeRequest("/ws", "", Map.of(), ADDRESS);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            C0 = l.findVarHandle(CountingSession.class, "count0", long.class);
            C1 = l.findVarHandle(CountingSession.class, "count1", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Message slot0;
    private final Message slot1;

    // Padding keeps the counters of neighbouring sessions (served by different threads) off one cache line.
    long p01, p02, p03, p04, p05, p06, p07;
    private long count0;
    private long count1;
    private long other;
    long p11, p12, p13, p14, p15, p16, p17;
    private volatile boolean open = true;

    CountingSession(Message slot0, Message slot1) {
        super(SessionIds.next(), HANDSHAKE, null, Map.of());
        this.slot0 = slot0;
        this.slot1 = slot1;
    }

    /**
     * Returns how many messages of one publisher slot this session received.
     *
     * @param slot 0 or 1
     * @return the count, read with acquire semantics
     */
    long received(int slot) {
        return slot == 0 ? (long) C0.getAcquire(this) : (long) C1.getAcquire(this);
    }

    long otherMessages() {
        return other;
    }

    @Override
    public OfferResult offer(Message message) {
        if (!open) {
            return OfferResult.CLOSED;
        }
        if (message == slot0) {
            C0.setRelease(this, count0 + 1);
        } else if (message == slot1) {
            C1.setRelease(this, count1 + 1);
        } else {
            other++;
        }
        return OfferResult.ENQUEUED;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean evictOldest() {
        return false;
    }

    @Override
    public void flush() {
        // Nothing is queued: delivery is the count.
    }

    @Override
    public void close(int code, String reason) {
        open = false;
    }

    @Override
    public int queuedMessages() {
        return 0;
    }

    @Override
    public long queuedBytes() {
        return 0;
    }

    @Override
    public String toString() {
        return "CountingSession[" + id() + ", " + count0 + "/" + count1 + "]";
    }

}
