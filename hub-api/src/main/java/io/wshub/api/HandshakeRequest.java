package io.wshub.api;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A view of a WebSocket upgrade request, as a transport hands it to a {@link HandshakePolicy} and keeps it on the
 * {@link Session}. Header names are case-insensitive.
 *
 * <p>Thread-safety: immutable.
 *
 * @param path the request path without the query, for example {@code /ws}; never null
 * @param query the raw query string without {@code ?}, or empty; never null
 * @param headers the request headers, by case-insensitive name; unmodifiable; never null
 * @param remoteAddress the client's address; never null
 */
public record HandshakeRequest(String path, String query, Map<String, List<String>> headers,
                               InetSocketAddress remoteAddress) {

    /**
     * Creates a request view, copying the headers into an unmodifiable, case-insensitive map.
     *
     * @param path the request path; not null
     * @param query the raw query string, or null for none
     * @param headers the headers; not null
     * @param remoteAddress the client's address; not null
     */
    public HandshakeRequest {
        Objects.requireNonNull(path, "path");
        query = query == null ? "" : query;
        Objects.requireNonNull(remoteAddress, "remoteAddress");
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.merge(name, List.copyOf(values), (a, b) -> {
            List<String> both = new ArrayList<>(a);
            both.addAll(b);
            return List.copyOf(both);
        }));
        headers = HeaderMap.of(copy);
    }

    /**
     * Returns the first value of a header.
     *
     * @param name the header name, any case; not null
     * @return the first value, or {@code null} if the header is absent
     */
    public String header(String name) {
        if (headers instanceof HeaderMap compact) {
            return compact.first(name);
        }
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /**
     * Returns the {@code Origin} header, which browsers always send and other clients usually do not.
     *
     * @return the origin, or {@code null} if absent
     */
    public String origin() {
        return header("Origin");
    }

    /**
     * Returns the subprotocols the client asked for in {@code Sec-WebSocket-Protocol}, in the client's order.
     *
     * @return the requested subprotocols; empty if none; never null
     */
    public List<String> requestedSubprotocols() {
        List<String> values = headers.get("Sec-WebSocket-Protocol");
        if (values == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String token : v.split(",")) {
                String t = token.trim();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * Chooses a subprotocol: the first of the server's {@code supported} list, in the server's order of preference,
     * that the client requested.
     *
     * @param supported the server's subprotocols in order of preference; not null
     * @return the chosen subprotocol, or {@code null} if none matches
     */
    public String selectSubprotocol(List<String> supported) {
        List<String> requested = requestedSubprotocols();
        for (String s : supported) {
            if (requested.contains(s)) {
                return s;
            }
        }
        return null;
    }
}
