package io.wshub.api;

/**
 * Ready-made endpoints.
 *
 * <p>Thread-safety: the returned endpoints are stateless and may serve any number of sessions concurrently.
 */
public final class Endpoints {

    private static final Endpoint ECHO = new Endpoint() {
        @Override
        public void onMessage(Session session, Message message) {
            if (session.offer(message) == OfferResult.FULL) {
                session.close(SlowConsumerPolicy.DISCONNECT_CODE, "echo queue full: client is not reading");
                return;
            }
            session.flush();
        }

        @Override
        public String toString() {
            return "Endpoints.echo()";
        }
    };

    private Endpoints() {
    }

    /**
     * Returns the echo endpoint: every text and binary message goes back to its sender unchanged, sharing the received
     * message's bytes. A sender whose outbound queue is full (it sends but does not read) is closed with
     * {@link SlowConsumerPolicy#DISCONNECT_CODE}.
     *
     * @return the echo endpoint; never null
     */
    public static Endpoint echo() {
        return ECHO;
    }
}
