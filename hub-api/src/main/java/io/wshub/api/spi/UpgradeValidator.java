package io.wshub.api.spi;

import io.wshub.api.HandshakePolicy;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.HandshakeVerdict;
import io.wshub.api.ServerConfig;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The transport kernel's upgrade validator: one decision per opening handshake, made in one fixed order so that every
 * transport answers the same request with the same status, and a {@link HandshakePolicy} with side effects (spending
 * a one-time token, rate limiting) sees exactly the requests that passed everything before it:
 * <ol>
 *   <li>path: 404 unless it is {@link ServerConfig#path()};</li>
 *   <li>RFC 6455 §4.2.1: 405 (with {@code Allow: GET}) for another method; 400 for HTTP/1.0, a missing {@code Host},
 *       an {@code Upgrade} without the {@code websocket} token, a {@code Connection} without {@code Upgrade}, or a
 *       {@code Sec-WebSocket-Key} that is not one base64 value of 16 bytes; 426 (with
 *       {@code Sec-WebSocket-Version: 13} and {@code Upgrade: websocket}) for another version;</li>
 *   <li>stopping: 503 once {@link #stop()} was called;</li>
 *   <li>an atomic connection-slot reservation: 503 when {@link ServerConfig#maxConnections()} slots are taken, so
 *       concurrent upgrades can never exceed the limit;</li>
 *   <li>the policy, called once: its rejection, or 500 if it throws or returns null (the slot is given back);</li>
 *   <li>subprotocol negotiation: the policy's choice if the client offered it, else the first of
 *       {@link ServerConfig#subprotocols()} the client offered, else none.</li>
 * </ol>
 * Header tokens are comma-separated and compared case-insensitively, over every value of a repeated header.
 *
 * <p>An accepted upgrade holds a connection slot; the transport calls {@link #release()} exactly once for it, when the
 * connection is gone (or the upgrade fails before a session exists). The slot is a count, not an object, so an open
 * connection costs no memory here.
 *
 * <p>Thread-safety: every method may be called from any thread, concurrently.
 */
public final class UpgradeValidator {

    /** hub-api depends on the JDK only, so it logs through {@link System.Logger}. */
    private static final System.Logger LOG = System.getLogger(UpgradeValidator.class.getName());

    /** The only protocol version served (RFC 6455 §4.1). */
    public static final String VERSION = "13";

    private final ServerConfig config;
    private final HandshakePolicy policy;
    private final AtomicInteger taken = new AtomicInteger();
    private volatile boolean stopping;

    /**
     * Creates a validator.
     *
     * @param config the server's configuration; not null
     * @param policy the application's policy; not null
     */
    public UpgradeValidator(ServerConfig config, HandshakePolicy policy) {
        this.config = Objects.requireNonNull(config, "config");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /**
     * Decides an upgrade request.
     *
     * @param method the request method; not null
     * @param http11OrLater whether the request line says HTTP/1.1 or later
     * @param request the path, query, headers and remote address; not null
     * @return the decision; never null
     */
    public UpgradeDecision validate(String method, boolean http11OrLater, HandshakeRequest request) {
        if (!config.path().equals(request.path())) {
            return reject(404, "no WebSocket endpoint at " + request.path());
        }
        Map<String, List<String>> h = request.headers();
        if (!"GET".equals(method)) {
            return new UpgradeDecision.Reject(405, "a WebSocket handshake must be a GET request (RFC 6455 §4.2.1), was "
                    + method, Map.of("Allow", "GET"));
        }
        if (!http11OrLater) {
            return reject(400, "a WebSocket handshake needs HTTP/1.1 or later (RFC 6455 §4.2.1)");
        }
        if (values(h, "Host").isEmpty()) {
            return reject(400, "missing Host header (RFC 6455 §4.2.1)");
        }
        if (!containsToken(values(h, "Upgrade"), "websocket")) {
            return reject(400, "not a WebSocket upgrade: the Upgrade header must contain 'websocket' (RFC 6455 §4.2.1)");
        }
        if (!containsToken(values(h, "Connection"), "upgrade")) {
            return reject(400, "the Connection header must contain 'Upgrade' (RFC 6455 §4.2.1)");
        }
        List<String> keys = values(h, "Sec-WebSocket-Key");
        if (keys.size() != 1 || !isValidKey(keys.get(0))) {
            return reject(400, "Sec-WebSocket-Key must be one base64-encoded 16-byte value (RFC 6455 §4.2.1)");
        }
        List<String> versions = values(h, "Sec-WebSocket-Version");
        if (versions.size() != 1 || !VERSION.equals(versions.get(0).trim())) {
            return new UpgradeDecision.Reject(426, "unsupported Sec-WebSocket-Version " + versions
                    + "; this server speaks " + VERSION + " (RFC 6455 §4.4)",
                    Map.of("Sec-WebSocket-Version", VERSION, "Upgrade", "websocket")); // RFC 7231 §6.5.15
        }
        if (stopping) {
            return reject(503, "server is stopping");
        }
        if (!reserve()) {
            return reject(503, "too many connections (limit " + config.maxConnections() + ")");
        }
        HandshakeVerdict verdict;
        try {
            verdict = Objects.requireNonNull(policy.evaluate(request), "the handshake policy returned null");
        } catch (RuntimeException e) {
            release();
            LOG.log(System.Logger.Level.WARNING, "handshake policy failed for " + request.remoteAddress()
                    + "; answering 500", e);
            return reject(500, "the handshake policy failed");
        }
        if (verdict instanceof HandshakeVerdict.Reject r) {
            release();
            return reject(r.status(), r.reason());
        }
        HandshakeVerdict.Accept accept = (HandshakeVerdict.Accept) verdict;
        String subprotocol = accept.subprotocol() != null
                && request.requestedSubprotocols().contains(accept.subprotocol())
                ? accept.subprotocol() : request.selectSubprotocol(config.subprotocols());
        return new UpgradeDecision.Accept(request, subprotocol, accept.attributes());
    }

    /** Makes every later upgrade answer 503; connections already accepted keep their slots. Idempotent. */
    public void stop() {
        stopping = true;
    }

    /**
     * Returns whether {@link #stop()} was called.
     *
     * @return {@code true} once stopping
     */
    public boolean stopping() {
        return stopping;
    }

    /**
     * Returns how many connection slots are taken: accepted upgrades whose connection has not yet ended.
     *
     * @return 0 to {@link ServerConfig#maxConnections()}
     */
    public int connections() {
        return taken.get();
    }

    /**
     * Gives back the connection slot of an accepted upgrade: call it once per {@link UpgradeDecision.Accept}, when its
     * connection has ended or its upgrade failed.
     *
     * @throws IllegalStateException if no slot is taken (a release without an accepted upgrade: a transport bug)
     */
    public void release() {
        while (true) {
            int n = taken.get();
            if (n == 0) {
                throw new IllegalStateException("release() without an accepted upgrade holding a slot");
            }
            if (taken.compareAndSet(n, n - 1)) {
                return;
            }
        }
    }

    private boolean reserve() {
        int max = config.maxConnections();
        while (true) {
            int n = taken.get();
            if (n >= max) {
                return false;
            }
            if (taken.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private static UpgradeDecision.Reject reject(int status, String reason) {
        return new UpgradeDecision.Reject(status, reason, Map.of());
    }

    private static List<String> values(Map<String, List<String>> headers, String name) {
        List<String> v = headers.get(name);
        return v == null ? List.of() : v;
    }

    /**
     * Returns whether a comma-separated header contains a token, case-insensitively, in any of its values.
     *
     * @param values the header's values; not null
     * @param token the lower-case token; not null
     * @return whether any value lists the token
     */
    public static boolean containsToken(List<String> values, String token) {
        for (String value : values) {
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                if (value.substring(start, end).trim().toLowerCase(Locale.ROOT).equals(token)) {
                    return true;
                }
                if (comma < 0) {
                    break;
                }
                start = comma + 1;
            }
        }
        return false;
    }

    /**
     * Returns whether a {@code Sec-WebSocket-Key} is the base64 encoding of exactly 16 bytes (24 characters).
     *
     * @param key the header value; may be null
     * @return whether it is valid
     */
    public static boolean isValidKey(String key) {
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
