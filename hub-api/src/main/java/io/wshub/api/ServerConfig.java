package io.wshub.api;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How a transport serves: where it listens, its limits, keepalive, outbound queue bounds, subprotocols and TLS.
 * Built with {@link #builder()}; a wrong value fails in {@link Builder#build()} with an
 * {@link IllegalArgumentException} that names the field and its allowed range.
 *
 * <p>Defaults: host {@code 127.0.0.1} (loopback: reachable from this machine only, until you choose otherwise), port
 * 8080, path {@code /ws}, max message size 1 MiB, idle timeout 60 s, ping interval 20 s, 10,000 connections, an
 * outbound queue of at most 1,024 messages and 4 MiB per session, close timeout 5 s, no subprotocols, no TLS; an upgrade
 * request head of at most 16 KiB and 100 header lines (431 above), sent within a handshake timeout of 10 s.
 *
 * <p>Thread-safety: immutable.
 */
public final class ServerConfig {

    /** The default maximum message size: 1 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 1 << 20;
    /** The largest allowed maximum message size, just under the largest Java array. */
    public static final int MAX_MESSAGE_SIZE_LIMIT = Integer.MAX_VALUE - 16;
    /**
     * The default limit on an upgrade request's head: 16 KiB. Browsers cannot set headers on a WebSocket upgrade, so
     * credentials travel in the query string, {@code Sec-WebSocket-Protocol} or cookies, and every cookie of the site
     * comes along: 8 KiB (Tomcat, Jetty, Netty) leaves little room for that; 16 KiB is Node.js's default and still
     * bounds what a connection holds before it is upgraded.
     */
    public static final int DEFAULT_MAX_REQUEST_HEADER_SIZE = 16 * 1024;
    /** The largest allowed limit on an upgrade request's head: 1 MiB, Undertow's own default. */
    public static final int MAX_REQUEST_HEADER_SIZE_LIMIT = 1 << 20;
    /**
     * The default limit on an upgrade request's header lines: 100, Tomcat's default. A browser's upgrade has about 15,
     * proxies add a few each.
     */
    public static final int DEFAULT_MAX_REQUEST_HEADERS = 100;
    /** The largest allowed limit on an upgrade request's header lines. */
    public static final int MAX_REQUEST_HEADERS_LIMIT = 10_000;

    private final String host;
    private final int port;
    private final String path;
    private final int maxMessageSize;
    private final Duration idleTimeout;
    private final Duration pingInterval;
    private final int maxConnections;
    private final int maxQueuedMessages;
    private final long maxQueuedBytes;
    private final Duration closeTimeout;
    private final List<String> subprotocols;
    private final SSLContext sslContext;
    private final int maxRequestHeaderSize;
    private final int maxRequestHeaders;
    private final Duration handshakeTimeout;

    private ServerConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.path = b.path;
        this.maxMessageSize = b.maxMessageSize;
        this.idleTimeout = b.idleTimeout;
        this.pingInterval = b.pingInterval;
        this.maxConnections = b.maxConnections;
        this.maxQueuedMessages = b.maxQueuedMessages;
        this.maxQueuedBytes = b.maxQueuedBytes;
        this.closeTimeout = b.closeTimeout;
        this.subprotocols = b.subprotocols;
        this.sslContext = b.sslContext;
        this.maxRequestHeaderSize = b.maxRequestHeaderSize;
        this.maxRequestHeaders = b.maxRequestHeaders;
        this.handshakeTimeout = b.handshakeTimeout;
    }

    /**
     * Returns a builder with the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the defaults.
     *
     * @return a config with every default value
     */
    public static ServerConfig defaults() {
        return builder().build();
    }

    /**
     * Returns a builder that starts from this config's values.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Returns the host name or address to bind.
     *
     * @return the host; never null
     */
    public String host() {
        return host;
    }

    /**
     * Returns the port to bind; 0 asks for an ephemeral port, which the running server reports.
     *
     * @return the port, 0 to 65535
     */
    public int port() {
        return port;
    }

    /**
     * Returns the path the WebSocket endpoint is served on.
     *
     * @return the path, starting with {@code /}; never null
     */
    public String path() {
        return path;
    }

    /**
     * Returns the largest message, after reassembling fragments, that a client may send; larger ones close the
     * session with 1009.
     *
     * @return the limit in bytes
     */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * Returns how long a session may stay silent (no frame at all, pongs included) before it is closed with 1001
     * (going away).
     *
     * @return the idle timeout; {@link Duration#ZERO} disables it; never null
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * Returns how often the server pings each session.
     *
     * @return the ping interval; {@link Duration#ZERO} disables pings; never null
     */
    public Duration pingInterval() {
        return pingInterval;
    }

    /**
     * Returns the most sessions served at once; further upgrade requests are answered with 503 (not counted as a
     * handshake rule violation) or refused as the library allows.
     *
     * @return the connection limit, 1 or more
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * Returns the most messages a session may have queued for sending; beyond it {@link Session#offer} answers
     * {@link OfferResult#FULL}.
     *
     * @return the per-session message limit, 1 or more
     */
    public int maxQueuedMessages() {
        return maxQueuedMessages;
    }

    /**
     * Returns the most bytes a session may have queued for sending, in wire bytes (each message's encoded frame,
     * {@link Message#wireFrameLength()}); beyond it {@link Session#offer} answers {@link OfferResult#FULL}. A single
     * message larger than this limit is still accepted into an empty queue.
     *
     * @return the per-session byte limit, 1 or more
     */
    public long maxQueuedBytes() {
        return maxQueuedBytes;
    }

    /**
     * Returns how long a close waits for the peer's close frame before dropping the connection; also how long a
     * graceful stop waits for sessions to close.
     *
     * @return the close timeout; never null
     */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * Returns the subprotocols this server speaks, in order of preference.
     *
     * @return the subprotocols; unmodifiable; empty for none; never null
     */
    public List<String> subprotocols() {
        return subprotocols;
    }

    /**
     * Returns the TLS context for {@code wss://}.
     *
     * @return the SSL context, or {@code null} for plain {@code ws://}
     */
    public SSLContext sslContext() {
        return sslContext;
    }

    /**
     * Returns the most bytes an upgrade request's head may have: the request line, every header line and the blank
     * line that ends the head, each with its CRLF. A longer head is answered with 431 (Request Header Fields Too
     * Large, RFC 6585 §5) and the connection closed; the limit is enforced while the head is read, so a connection
     * never holds more than this before its upgrade.
     *
     * @return the limit in bytes, 512 to {@link #MAX_REQUEST_HEADER_SIZE_LIMIT}
     */
    public int maxRequestHeaderSize() {
        return maxRequestHeaderSize;
    }

    /**
     * Returns the most header lines an upgrade request may have (the request line and the blank line not counted);
     * more are answered with 431 and the connection closed, while the head is read.
     *
     * @return the limit, 5 (the headers of a minimal upgrade) to {@link #MAX_REQUEST_HEADERS_LIMIT}
     */
    public int maxRequestHeaders() {
        return maxRequestHeaders;
    }

    /**
     * Returns how long a connection may take, from when it is accepted, to send its whole upgrade request; a
     * connection that has not by then (one that sends nothing, or trickles its request) is closed. An upgraded
     * session is not subject to it ({@link #idleTimeout()} is).
     *
     * @return the handshake timeout, positive; never null
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * Returns the URI clients connect to once a server for this config is bound: {@code ws://host:port/path}, or
     * {@code wss://} when {@link #sslContext()} is set. The host is {@link #host()} as configured (not resolved); a
     * literal IPv6 address is put in brackets, as RFC 3986 §3.2.2 requires, unless it already is.
     *
     * @param boundPort the port the server actually listens on (not 0, even when {@link #port()} asked for an
     *                  ephemeral one), 1 to 65535
     * @return the endpoint URI; never null
     * @throws IllegalArgumentException if {@code boundPort} is out of range
     */
    public URI uri(int boundPort) {
        if (boundPort < 1 || boundPort > 65535) {
            throw new IllegalArgumentException("boundPort must be 1 to 65535, was " + boundPort);
        }
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return URI.create((sslContext != null ? "wss" : "ws") + "://" + h + ":" + boundPort + path);
    }

    @Override
    public String toString() {
        return "ServerConfig[host=" + host + ", port=" + port + ", path=" + path + ", maxMessageSize=" + maxMessageSize
                + ", idleTimeout=" + idleTimeout + ", pingInterval=" + pingInterval + ", maxConnections="
                + maxConnections + ", maxQueuedMessages=" + maxQueuedMessages + ", maxQueuedBytes=" + maxQueuedBytes
                + ", closeTimeout=" + closeTimeout + ", subprotocols=" + subprotocols + ", tls=" + (sslContext != null)
                + ", maxRequestHeaderSize=" + maxRequestHeaderSize + ", maxRequestHeaders=" + maxRequestHeaders
                + ", handshakeTimeout=" + handshakeTimeout + "]";
    }

    /**
     * A validating builder for {@link ServerConfig}. Setters accept any value; {@link #build()} validates them all.
     *
     * <p>Thread-safety: not thread-safe; confine a builder to one thread.
     */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private String path = "/ws";
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration pingInterval = Duration.ofSeconds(20);
        private int maxConnections = 10_000;
        private int maxQueuedMessages = 1024;
        private long maxQueuedBytes = 4L << 20;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private List<String> subprotocols = List.of();
        private SSLContext sslContext;
        private int maxRequestHeaderSize = DEFAULT_MAX_REQUEST_HEADER_SIZE;
        private int maxRequestHeaders = DEFAULT_MAX_REQUEST_HEADERS;
        private Duration handshakeTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        private Builder(ServerConfig c) {
            host = c.host;
            port = c.port;
            path = c.path;
            maxMessageSize = c.maxMessageSize;
            idleTimeout = c.idleTimeout;
            pingInterval = c.pingInterval;
            maxConnections = c.maxConnections;
            maxQueuedMessages = c.maxQueuedMessages;
            maxQueuedBytes = c.maxQueuedBytes;
            closeTimeout = c.closeTimeout;
            subprotocols = c.subprotocols;
            sslContext = c.sslContext;
            maxRequestHeaderSize = c.maxRequestHeaderSize;
            maxRequestHeaders = c.maxRequestHeaders;
            handshakeTimeout = c.handshakeTimeout;
        }

        /**
         * Sets the host to bind.
         *
         * @param host a host name or literal address, not blank
         * @return this builder
         */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /**
         * Sets the port; 0 for an ephemeral one.
         *
         * @param port 0 to 65535
         * @return this builder
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * Sets the endpoint path.
         *
         * @param path starts with {@code /}, no query, no whitespace
         * @return this builder
         */
        public Builder path(String path) {
            this.path = path;
            return this;
        }

        /**
         * Sets the largest message a client may send.
         *
         * @param bytes 1 to {@link #MAX_MESSAGE_SIZE_LIMIT}
         * @return this builder
         */
        public Builder maxMessageSize(int bytes) {
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * Sets the idle timeout.
         *
         * @param timeout zero to disable, or positive; not null
         * @return this builder
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * Sets the ping interval.
         *
         * @param interval zero to disable, or positive and shorter than a non-zero idle timeout; not null
         * @return this builder
         */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = interval;
            return this;
        }

        /**
         * Sets the connection limit.
         *
         * @param max 1 or more
         * @return this builder
         */
        public Builder maxConnections(int max) {
            this.maxConnections = max;
            return this;
        }

        /**
         * Sets the per-session outbound message limit.
         *
         * @param max 1 to 1,048,576
         * @return this builder
         */
        public Builder maxQueuedMessages(int max) {
            this.maxQueuedMessages = max;
            return this;
        }

        /**
         * Sets the per-session outbound byte limit.
         *
         * @param max 1 or more
         * @return this builder
         */
        public Builder maxQueuedBytes(long max) {
            this.maxQueuedBytes = max;
            return this;
        }

        /**
         * Sets the close timeout.
         *
         * @param timeout positive; not null
         * @return this builder
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Sets the subprotocols this server speaks, in order of preference.
         *
         * @param subprotocols HTTP tokens, no duplicates; not null
         * @return this builder
         */
        public Builder subprotocols(List<String> subprotocols) {
            this.subprotocols = subprotocols;
            return this;
        }

        /**
         * Enables TLS.
         *
         * @param sslContext the context, or null for plain {@code ws://}
         * @return this builder
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /**
         * Sets the most bytes an upgrade request's head may have (request line, header lines and blank line).
         *
         * @param bytes 512 to {@link #MAX_REQUEST_HEADER_SIZE_LIMIT}
         * @return this builder
         */
        public Builder maxRequestHeaderSize(int bytes) {
            this.maxRequestHeaderSize = bytes;
            return this;
        }

        /**
         * Sets the most header lines an upgrade request may have.
         *
         * @param max 5 to {@link #MAX_REQUEST_HEADERS_LIMIT}
         * @return this builder
         */
        public Builder maxRequestHeaders(int max) {
            this.maxRequestHeaders = max;
            return this;
        }

        /**
         * Sets how long a connection may take to send its whole upgrade request.
         *
         * @param timeout positive; not null
         * @return this builder
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * Validates every value and builds the config.
         *
         * @return the config
         * @throws IllegalArgumentException naming the first wrong field, its value and the allowed range
         */
        public ServerConfig build() {
            if (host == null || host.isBlank()) {
                throw invalid("host", host, "a host name or address, not blank");
            }
            if (port < 0 || port > 65535) {
                throw invalid("port", port, "0 to 65535 (0 = ephemeral)");
            }
            if (path == null || !path.startsWith("/") || path.contains("?") || path.contains("#")
                    || path.chars().anyMatch(Character::isWhitespace)) {
                throw invalid("path", path, "a path starting with '/', without query, fragment or whitespace");
            }
            if (maxMessageSize < 1 || maxMessageSize > MAX_MESSAGE_SIZE_LIMIT) {
                throw invalid("maxMessageSize", maxMessageSize, "1 to " + MAX_MESSAGE_SIZE_LIMIT + " bytes");
            }
            if (idleTimeout == null || idleTimeout.isNegative()) {
                throw invalid("idleTimeout", idleTimeout, "zero (disabled) or a positive duration");
            }
            if (pingInterval == null || pingInterval.isNegative()) {
                throw invalid("pingInterval", pingInterval, "zero (disabled) or a positive duration");
            }
            if (!pingInterval.isZero() && !idleTimeout.isZero() && pingInterval.compareTo(idleTimeout) >= 0) {
                throw invalid("pingInterval", pingInterval, "shorter than idleTimeout (" + idleTimeout
                        + "), so a live client's pong arrives before it is timed out");
            }
            if (maxConnections < 1) {
                throw invalid("maxConnections", maxConnections, "1 or more");
            }
            if (maxQueuedMessages < 1 || maxQueuedMessages > (1 << 20)) {
                throw invalid("maxQueuedMessages", maxQueuedMessages, "1 to 1048576");
            }
            if (maxQueuedBytes < 1) {
                throw invalid("maxQueuedBytes", maxQueuedBytes, "1 or more bytes");
            }
            if (closeTimeout == null || closeTimeout.isNegative() || closeTimeout.isZero()) {
                throw invalid("closeTimeout", closeTimeout, "a positive duration");
            }
            if (subprotocols == null) {
                throw invalid("subprotocols", null, "a list of tokens, possibly empty");
            }
            for (String p : subprotocols) {
                if (p == null || p.isEmpty() || !p.chars().allMatch(Builder::isTokenChar)) {
                    throw invalid("subprotocols", subprotocols, "HTTP tokens (RFC 7230 §3.2.6); bad entry: " + p);
                }
            }
            if (subprotocols.stream().distinct().count() != subprotocols.size()) {
                throw invalid("subprotocols", subprotocols, "no duplicates");
            }
            if (maxRequestHeaderSize < 512 || maxRequestHeaderSize > MAX_REQUEST_HEADER_SIZE_LIMIT) {
                throw invalid("maxRequestHeaderSize", maxRequestHeaderSize, "512 to " + MAX_REQUEST_HEADER_SIZE_LIMIT
                        + " bytes");
            }
            if (maxRequestHeaders < 5 || maxRequestHeaders > MAX_REQUEST_HEADERS_LIMIT) {
                throw invalid("maxRequestHeaders", maxRequestHeaders, "5 to " + MAX_REQUEST_HEADERS_LIMIT
                        + " (a minimal upgrade has 5 headers)");
            }
            if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
                throw invalid("handshakeTimeout", handshakeTimeout, "a positive duration");
            }
            subprotocols = List.copyOf(subprotocols);
            return new ServerConfig(this);
        }

        private static boolean isTokenChar(int c) {
            return c > 0x20 && c < 0x7F && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
        }

        private static IllegalArgumentException invalid(String field, Object value, String allowed) {
            return new IllegalArgumentException("ServerConfig." + field + " must be " + allowed + ", was " + value);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerConfig c && host.equals(c.host) && port == c.port && path.equals(c.path)
                && maxMessageSize == c.maxMessageSize && idleTimeout.equals(c.idleTimeout)
                && pingInterval.equals(c.pingInterval) && maxConnections == c.maxConnections
                && maxQueuedMessages == c.maxQueuedMessages && maxQueuedBytes == c.maxQueuedBytes
                && closeTimeout.equals(c.closeTimeout) && subprotocols.equals(c.subprotocols)
                && Objects.equals(sslContext, c.sslContext) && maxRequestHeaderSize == c.maxRequestHeaderSize
                && maxRequestHeaders == c.maxRequestHeaders && handshakeTimeout.equals(c.handshakeTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, path, maxMessageSize, idleTimeout, pingInterval, maxConnections,
                maxQueuedMessages, maxQueuedBytes, closeTimeout, subprotocols, sslContext, maxRequestHeaderSize,
                maxRequestHeaders, handshakeTimeout);
    }
}
