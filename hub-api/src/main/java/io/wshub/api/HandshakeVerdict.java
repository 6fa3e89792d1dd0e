package io.wshub.api;

import java.util.Map;
import java.util.Objects;

/**
 * A {@link HandshakePolicy}'s answer to an upgrade request: {@link Accept} or {@link Reject}.
 *
 * <p>Thread-safety: immutable.
 */
public sealed interface HandshakeVerdict permits HandshakeVerdict.Accept, HandshakeVerdict.Reject {

    /**
     * Accepts the upgrade, letting the transport choose the subprotocol from {@link ServerConfig#subprotocols()}.
     *
     * @return an acceptance with no attributes
     */
    static Accept accept() {
        return Accept.PLAIN;
    }

    /**
     * Accepts the upgrade with a subprotocol and session attributes.
     *
     * @param subprotocol the subprotocol to answer with, or null to let the transport choose; used only if the
     *                    client requested it
     * @param attributes initial session attributes; not null; no null keys or values
     * @return an acceptance
     */
    static Accept accept(String subprotocol, Map<String, Object> attributes) {
        return new Accept(subprotocol, attributes);
    }

    /**
     * Rejects the upgrade with an HTTP status; the transport answers it before any upgrade, and the endpoint never
     * sees a session.
     *
     * @param status an HTTP client-error status, 400 to 499 (403 for a foreign origin, 401 for a missing token)
     * @param reason a short reason for the response body and logs; not null
     * @return a rejection
     * @throws IllegalArgumentException if the status is not 400 to 499
     */
    static Reject reject(int status, String reason) {
        return new Reject(status, reason);
    }

    /**
     * Accepts the upgrade.
     *
     * @param subprotocol the subprotocol to answer with, or null to let the transport choose from
     *                    {@link ServerConfig#subprotocols()}; ignored unless the client requested it
     * @param attributes initial session attributes; unmodifiable; never null
     */
    record Accept(String subprotocol, Map<String, Object> attributes) implements HandshakeVerdict {
        private static final Accept PLAIN = new Accept(null, Map.of());

        /**
         * Validates and copies.
         *
         * @param subprotocol the subprotocol or null
         * @param attributes the attributes; not null
         */
        public Accept {
            attributes = Map.copyOf(attributes);
        }
    }

    /**
     * Rejects the upgrade.
     *
     * @param status the HTTP status, 400 to 499
     * @param reason the reason; never null
     */
    record Reject(int status, String reason) implements HandshakeVerdict {
        /**
         * Validates.
         *
         * @param status the HTTP status, 400 to 499
         * @param reason the reason; not null
         */
        public Reject {
            if (status < 400 || status > 499) {
                throw new IllegalArgumentException("status must be an HTTP client error between 400 and 499, was "
                        + status);
            }
            Objects.requireNonNull(reason, "reason");
        }
    }
}
