package io.wshub.api;

import java.util.Optional;

/**
 * The close status codes of RFC 6455 §7.4, by name, and the rule for which codes may appear in a close frame on the
 * wire.
 *
 * <p>Codes a peer may send (RFC 6455 §7.4.1 and §7.4.2, with the IANA registry's later additions 1012–1014):
 * 1000–1003, 1007–1014 and 3000–4999. Codes that may <em>never</em> appear on the wire: 0–999, 1004 (reserved),
 * 1005 and 1006 (reserved for reporting, never sent), 1015 (TLS failure, never sent), 1016–2999 (reserved for future
 * protocol use) and 5000 and above.
 *
 * <p>Thread-safety: immutable; any thread may use it.
 */
public enum CloseCode {
    /** 1000: the purpose for which the connection was established has been fulfilled. */
    NORMAL_CLOSURE(1000),
    /** 1001: an endpoint is going away, such as a server going down or a browser leaving the page. */
    GOING_AWAY(1001),
    /** 1002: an endpoint is terminating the connection due to a protocol error. */
    PROTOCOL_ERROR(1002),
    /** 1003: an endpoint received a type of data it cannot accept. */
    UNSUPPORTED_DATA(1003),
    /** 1005: no status code was present in the close frame. Reported locally, never sent. */
    NO_STATUS_RECEIVED(1005),
    /** 1006: the connection was closed without a close frame. Reported locally, never sent. */
    ABNORMAL_CLOSURE(1006),
    /** 1007: a message's data was inconsistent with its type, such as non-UTF-8 data in a text message. */
    INVALID_PAYLOAD(1007),
    /** 1008: a message violated the endpoint's policy. */
    POLICY_VIOLATION(1008),
    /** 1009: a message was too big to process. */
    MESSAGE_TOO_BIG(1009),
    /** 1010: the client expected the server to negotiate an extension that it did not. */
    MANDATORY_EXTENSION(1010),
    /** 1011: the server met an unexpected condition that prevented it from fulfilling the request. */
    INTERNAL_ERROR(1011),
    /** 1012: the service is restarting (IANA registry). */
    SERVICE_RESTART(1012),
    /** 1013: the service is overloaded; try again later (IANA registry). */
    TRY_AGAIN_LATER(1013),
    /** 1014: a gateway or proxy received an invalid response from upstream (IANA registry). */
    BAD_GATEWAY(1014),
    /** 1015: the TLS handshake failed. Reported locally, never sent. */
    TLS_HANDSHAKE(1015);

    private final int code;

    CloseCode(int code) {
        this.code = code;
    }

    /**
     * Returns the numeric status code.
     *
     * @return the code, for example {@code 1000}
     */
    public int code() {
        return code;
    }

    /**
     * Returns whether this code may be sent in a close frame.
     *
     * @return {@code false} for 1005, 1006 and 1015, {@code true} otherwise
     */
    public boolean mayAppearOnWire() {
        return isValidOnWire(code);
    }

    /**
     * Returns whether a close frame may carry {@code code} (RFC 6455 §7.4).
     *
     * @param code any integer
     * @return {@code true} for 1000–1003, 1007–1014 and 3000–4999; {@code false} for everything else
     */
    public static boolean isValidOnWire(int code) {
        return (code >= 1000 && code <= 1003)
                || (code >= 1007 && code <= 1014)
                || (code >= 3000 && code <= 4999);
    }

    /**
     * Finds the named code for a number.
     *
     * @param code any integer
     * @return the named code, or empty when the number has no name here (for example an application code 4000)
     */
    public static Optional<CloseCode> of(int code) {
        for (CloseCode c : values()) {
            if (c.code == code) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
