package io.wshub.api;

import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The broadcast endpoint: every session that opens joins a {@link Hub}, every text and binary message it sends goes
 * to every connected session (optionally not back to the sender), and it leaves the hub when it closes.
 *
 * <p>If the hub refuses a message ({@link PublishResult#BACKPRESSURED}), the message is dropped and counted in
 * {@link #rejected()}; the sender stays connected. If the hub refuses a join, the session is closed with 1013 (try
 * again later), or 1001 (going away) when the hub is shut down.
 *
 * <p>Thread-safety: may serve any number of sessions from any number of transport threads.
 */
public final class BroadcastEndpoint implements Endpoint {

    private final Hub hub;
    private final boolean excludeSender;
    private final LongAdder rejected = new LongAdder();

    /**
     * Creates a broadcast endpoint over a hub.
     *
     * @param hub the hub that fans messages out; not null
     * @param excludeSender whether a message skips the session that sent it
     */
    public BroadcastEndpoint(Hub hub, boolean excludeSender) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.excludeSender = excludeSender;
    }

    /**
     * Returns the hub.
     *
     * @return the hub; never null
     */
    public Hub hub() {
        return hub;
    }

    /**
     * Returns how many received messages the hub refused with {@link PublishResult#BACKPRESSURED} or
     * {@link PublishResult#CLOSED}.
     *
     * @return the refused message count
     */
    public long rejected() {
        return rejected.sum();
    }

    @Override
    public void onOpen(Session session) {
        PublishResult r = hub.join(session);
        if (r == PublishResult.BACKPRESSURED) {
            session.close(CloseCode.TRY_AGAIN_LATER, "hub busy");
        } else if (r == PublishResult.CLOSED) {
            session.close(CloseCode.GOING_AWAY, "hub shut down");
        }
    }

    @Override
    public void onMessage(Session session, Message message) {
        PublishResult r = hub.broadcast(message, excludeSender ? session.id() : Hub.NO_SESSION);
        if (r != PublishResult.ACCEPTED) {
            rejected.increment();
        }
    }

    @Override
    public void onClose(Session session, int code, String reason) {
        hub.leave(session);
    }

    @Override
    public String toString() {
        return "BroadcastEndpoint[excludeSender=" + excludeSender + "]";
    }
}
