package io.wshub.transport.undertow;

import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The RFC 6455 §4.2.1 checks on an opening handshake that stock Undertow leaves out or answers wrongly (a GET without
 * {@code Upgrade} gets a 500, a key that is not 16 bytes gets a 101, HTTP/1.0 gets {@code HTTP/1.0 101}). Runs before
 * the {@link io.wshub.api.HandshakePolicy} and before Undertow's own handshake.
 *
 * <p>Thread-safety: stateless; any thread may call it. Arguments may be null where documented.
 */
final class HandshakeCheck {

    /** The only protocol version served (RFC 6455 §4.1). */
    static final String VERSION = "13";

    /** The verdict of {@link #check}: {@link #OK}, or an HTTP status with a reason. */
    record Result(int status, String reason) {
        boolean ok() {
            return status == 0;
        }
    }

    static final Result OK = new Result(0, "");

    private HandshakeCheck() {
    }

    /**
     * Checks an upgrade request.
     *
     * @param method the request method; not null
     * @param http11OrLater whether the request line says HTTP/1.1 or later
     * @param host the {@code Host} values; not null, possibly empty
     * @param upgrade the {@code Upgrade} header values; not null, possibly empty
     * @param connection the {@code Connection} header values; not null, possibly empty
     * @param keys the {@code Sec-WebSocket-Key} values; not null, possibly empty
     * @param versions the {@code Sec-WebSocket-Version} values; not null, possibly empty
     * @return {@link #OK}, 405 for another method, 400 for a malformed request, or 426 for another version (the caller
     *         adds {@code Sec-WebSocket-Version: 13})
     */
    static Result check(String method, boolean http11OrLater, List<String> host, List<String> upgrade,
                        List<String> connection, List<String> keys, List<String> versions) {
        if (!"GET".equals(method)) {
            return new Result(405, "a WebSocket handshake must be a GET request (RFC 6455 §4.2.1), was " + method);
        }
        if (!http11OrLater) {
            return new Result(400, "a WebSocket handshake needs HTTP/1.1 or later (RFC 6455 §4.2.1)");
        }
        if (host.isEmpty()) {
            return new Result(400, "missing Host header (RFC 6455 §4.2.1)");
        }
        if (!containsToken(upgrade, "websocket")) {
            return new Result(400, "not a WebSocket upgrade: the Upgrade header must contain 'websocket'"
                    + " (RFC 6455 §4.2.1)");
        }
        if (!containsToken(connection, "upgrade")) {
            return new Result(400, "the Connection header must contain 'Upgrade' (RFC 6455 §4.2.1)");
        }
        if (keys.size() != 1 || !isValidKey(keys.get(0))) {
            return new Result(400, "Sec-WebSocket-Key must be one base64-encoded 16-byte value (RFC 6455 §4.2.1)");
        }
        if (versions.size() != 1 || !VERSION.equals(versions.get(0).trim())) {
            return new Result(426, "unsupported Sec-WebSocket-Version " + versions + "; this server speaks "
                    + VERSION + " (RFC 6455 §4.4)");
        }
        return OK;
    }

    /**
     * Returns whether a comma-separated header contains a token, case-insensitively.
     *
     * @param values the header's values; not null
     * @param token the lower-case token; not null
     * @return whether any value lists the token
     */
    static boolean containsToken(List<String> values, String token) {
        for (String value : values) {
            for (String part : value.split(",")) {
                if (part.trim().toLowerCase(Locale.ROOT).equals(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Returns whether a {@code Sec-WebSocket-Key} is the base64 encoding of exactly 16 bytes.
     *
     * @param key the header value; may be null
     * @return whether it is valid
     */
    static boolean isValidKey(String key) {
        if (key == null) {
            return false;
        }
        String k = key.trim();
        if (k.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(k).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
