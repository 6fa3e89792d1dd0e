package io.wshub.api;

import java.time.Duration;

/**
 * A broadcast hub: sessions join it, optionally subscribe to topics, and every published message fans out to its
 * members. Implemented by {@code hub-disruptor}, or by anyone; the testkit's {@code HubVerification} checks an
 * implementation against this contract.
 *
 * <p>Contract:
 * <ul>
 *   <li>All operations are sequenced in one total order. A session receives exactly the messages sequenced after its
 *       join and before its leave; all subscribers of a topic receive that topic's messages in the same order; the
 *       messages of one publishing thread keep their order.</li>
 *   <li>No method blocks. A full hub returns {@link PublishResult#BACKPRESSURED}; a shut-down hub returns
 *       {@link PublishResult#CLOSED}. {@link #leave} is never refused for backpressure.</li>
 *   <li>Every accepted message is delivered to each member ({@link Session#offer} returned
 *       {@link OfferResult#ENQUEUED}) or counted as dropped with a reason in {@link #stats()}; when a queue is full
 *       the configured {@link SlowConsumerPolicy} applies.</li>
 *   <li>A message is offered as the same shared instance to every member; it is never copied per member.</li>
 *   <li>The hub follows {@link Session}'s flush contract: offers only queue, so after each batch of deliveries it
 *       calls {@link Session#flush()} once on every session it offered to (the sessions a
 *       {@link SubscriptionListener} offered to included), and nothing it delivered waits for another batch.</li>
 * </ul>
 *
 * <p>Thread-safety: every method may be called from any thread, including transport I/O threads. Arguments must not
 * be null.
 */
public interface Hub extends AutoCloseable {

    /** The session id that excludes no one from {@link #broadcast(Message, long)}. */
    long NO_SESSION = 0L;

    /**
     * Adds a session as a member of the hub (it receives broadcasts).
     *
     * @param session the session; not null
     * @return the result
     */
    PublishResult join(Session session);

    /**
     * Removes a session from the hub and from every topic. Never refused for backpressure: a hub that cannot
     * sequence it at once must still carry it out.
     *
     * @param session the session; not null
     * @return {@link PublishResult#ACCEPTED}, or {@link PublishResult#CLOSED} after shutdown
     */
    PublishResult leave(Session session);

    /**
     * Subscribes a joined session to a topic. A session that is not a member when the subscription is carried out is
     * ignored.
     *
     * @param session the session; not null
     * @param topic the topic name; not null
     * @return the result
     */
    PublishResult subscribe(Session session, String topic);

    /**
     * Subscribes a joined session to a topic with options: recovery from a position, envelopes, and a listener told
     * the outcome ({@link SubscribeOptions} describes the guarantees). With {@link SubscribeOptions#plain()} this is
     * {@link #subscribe(Session, String)}. A topic without history ignores the position and the envelope; its
     * result says not recovered, with no position.
     *
     * <p>A hub that keeps no history ({@link #supportsHistory()} is false) accepts only plain options; this default
     * implementation is such a hub's.
     *
     * @param session the session; not null
     * @param topic the topic name; not null
     * @param options the options; not null
     * @return the result; the outcome of a recovery reaches {@link SubscribeOptions#listener()} later
     * @throws UnsupportedOperationException if the options are not plain and the hub keeps no history
     */
    default PublishResult subscribe(Session session, String topic, SubscribeOptions options) {
        if (options.isPlain()) {
            return subscribe(session, topic);
        }
        throw new UnsupportedOperationException(getClass().getName()
                + " keeps no topic history; subscribe with SubscribeOptions.plain()");
    }

    /**
     * Returns whether this hub keeps topic history: gives publications positions, recovers subscriptions from them
     * and offers envelopes.
     *
     * @return {@code true} if {@link #subscribe(Session, String, SubscribeOptions)} accepts positions and envelopes
     */
    default boolean supportsHistory() {
        return false;
    }

    /**
     * Unsubscribes a session from a topic.
     *
     * @param session the session; not null
     * @param topic the topic name; not null
     * @return the result
     */
    PublishResult unsubscribe(Session session, String topic);

    /**
     * Sends a message to every member.
     *
     * @param message the message; not null
     * @return the result
     */
    PublishResult broadcast(Message message);

    /**
     * Sends a message to every member except one, typically the sender.
     *
     * @param message the message; not null
     * @param excludedSessionId the id of the session to skip, or {@link #NO_SESSION}
     * @return the result
     */
    PublishResult broadcast(Message message, long excludedSessionId);

    /**
     * Sends a message to every subscriber of a topic.
     *
     * @param topic the topic name; not null
     * @param message the message; not null
     * @return the result
     */
    PublishResult publish(String topic, Message message);

    /**
     * Sends a message to one member, in order with everything else the hub sequences.
     *
     * @param sessionId the member's id
     * @param message the message; not null
     * @return the result; an unknown id is accepted and counted as {@code droppedClosed}
     */
    PublishResult send(long sessionId, Message message);

    /**
     * Returns a snapshot of the counters.
     *
     * @return the stats; never null
     */
    HubStats stats();

    /**
     * Shuts down: stops accepting ({@link PublishResult#CLOSED}), carries out what was already sequenced, flushes,
     * closes every member with 1001 (going away), and stops every thread the hub started. Idempotent. Must not be
     * called from a {@link HubListener} or a session's {@code offer}, which run on the hub's own threads.
     *
     * @param timeout how long to wait for the backlog to drain before abandoning it (abandoned messages are counted as
     *                dropped); not null
     * @return {@code true} if everything sequenced was processed within the timeout
     */
    boolean shutdown(Duration timeout);

    /** Shuts down with a timeout of 5 seconds; see {@link #shutdown(Duration)}. */
    @Override
    default void close() {
        shutdown(Duration.ofSeconds(5));
    }
}
