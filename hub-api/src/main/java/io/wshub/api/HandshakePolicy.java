package io.wshub.api;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides whether an upgrade request becomes a session. Every transport runs the policy before upgrading and answers a
 * {@link HandshakeVerdict.Reject} with its HTTP status, so a rejected client never reaches the {@link Endpoint}.
 * Origin allow-lists, token checks and path rules are policies.
 *
 * <p>Threading: called on transport I/O threads, possibly concurrently; implementations must be thread-safe, fast and
 * must never block. Must not return null. An exception thrown by a policy is answered with 400 and logged by the
 * transport.
 */
@FunctionalInterface
public interface HandshakePolicy {

    /**
     * Decides on one upgrade request.
     *
     * @param request the request; never null
     * @return the verdict; never null
     */
    HandshakeVerdict evaluate(HandshakeRequest request);

    /**
     * Returns a policy that accepts every well-formed upgrade.
     *
     * @return the accept-all policy
     */
    static HandshakePolicy acceptAll() {
        return request -> HandshakeVerdict.accept();
    }

    /**
     * Returns an origin allow-list: a request whose {@code Origin} is not in the list gets 403. Origins are compared
     * case-insensitively and exactly ({@code https://chat.example.com}, no trailing slash). A request without an
     * {@code Origin} header does not come from a browser and is accepted; use
     * {@link #allowOrigins(Collection, boolean)} to refuse those too.
     *
     * @param origins the allowed origins; not null
     * @return the policy
     */
    static HandshakePolicy allowOrigins(String... origins) {
        return allowOrigins(List.of(origins), true);
    }

    /**
     * Returns an origin allow-list.
     *
     * @param origins the allowed origins, compared case-insensitively; not null
     * @param allowMissingOrigin whether a request without an {@code Origin} header is accepted
     * @return the policy
     */
    static HandshakePolicy allowOrigins(Collection<String> origins, boolean allowMissingOrigin) {
        Set<String> allowed = origins.stream()
                .map(o -> Objects.requireNonNull(o, "origin").toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        return request -> {
            String origin = request.origin();
            if (origin == null) {
                return allowMissingOrigin ? HandshakeVerdict.accept()
                        : HandshakeVerdict.reject(403, "Origin header required");
            }
            return allowed.contains(origin.toLowerCase(Locale.ROOT)) ? HandshakeVerdict.accept()
                    : HandshakeVerdict.reject(403, "origin not allowed: " + origin);
        };
    }

    /**
     * Combines two policies: both must accept. The first rejection wins; on acceptance the attributes are merged
     * (the other policy's win on a clash) and the other policy's subprotocol is used if it names one.
     *
     * @param other the policy to run after this one; not null
     * @return the combined policy
     */
    default HandshakePolicy and(HandshakePolicy other) {
        Objects.requireNonNull(other, "other");
        return request -> {
            HandshakeVerdict first = evaluate(request);
            if (first instanceof HandshakeVerdict.Reject) {
                return first;
            }
            HandshakeVerdict second = other.evaluate(request);
            if (second instanceof HandshakeVerdict.Reject) {
                return second;
            }
            HandshakeVerdict.Accept a = (HandshakeVerdict.Accept) first;
            HandshakeVerdict.Accept b = (HandshakeVerdict.Accept) second;
            Map<String, Object> merged = new HashMap<>(a.attributes());
            merged.putAll(b.attributes());
            return HandshakeVerdict.accept(b.subprotocol() != null ? b.subprotocol() : a.subprotocol(), merged);
        };
    }
}
