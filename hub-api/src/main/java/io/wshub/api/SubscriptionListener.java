package io.wshub.api;

/**
 * Told the outcome of a subscription made with {@link SubscribeOptions}.
 *
 * <p>Threading: called once per such subscription, on one of the hub's threads, in the hub's order: after the
 * subscription took effect and <em>before</em> any replayed or live publication is offered to the session. So a
 * message the listener offers to the session (a "recovered, N missed" notice, say) reaches the client ahead of the
 * replay. The listener need not flush: the hub flushes the session after it ({@link Session}'s flush contract).
 * It is not called for a subscription the hub ignored (the session had not joined, or had already left) nor
 * after shutdown. It must be fast and must never block; what it throws is logged and counted, never propagated.
 */
@FunctionalInterface
public interface SubscriptionListener {

    /** A listener that ignores the outcome. */
    SubscriptionListener NONE = (session, result) -> {
    };

    /**
     * Reports the outcome.
     *
     * @param session the subscribed session; never null
     * @param result the outcome; never null
     */
    void onSubscribed(Session session, SubscribeResult result);
}
