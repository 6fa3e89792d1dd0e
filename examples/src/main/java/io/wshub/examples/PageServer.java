package io.wshub.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Serves the chat page ({@code chat.html}) with the JDK's built-in HTTP server, on its own port because not every
 * transport can serve HTTP. {@code GET /} is the page; {@code GET /config.js} tells the page which port and path the
 * WebSocket endpoint has (the page connects to the host it was loaded from); {@code GET /metrics}, when the server was
 * started with {@link ChatMetrics}, is every meter in the Prometheus text format.
 *
 * <p>Thread-safety: {@link #uri()} may be called from any thread; call {@link #close()} once, from one thread.
 */
public final class PageServer implements AutoCloseable {

    private static final String HTML = "text/html; charset=utf-8";
    private static final String JS = "text/javascript; charset=utf-8";

    private final HttpServer server;
    private final URI uri;
    private final ChatMetrics metrics;

    private PageServer(HttpServer server, URI uri, ChatMetrics metrics) {
        this.server = server;
        this.uri = uri;
        this.metrics = metrics;
    }

    /**
     * Starts serving the page.
     *
     * @param host the host to bind; not null
     * @param port the port, 0 for any free one
     * @param webSocketPort the port of the WebSocket endpoint the page connects to
     * @param webSocketPath the path of that endpoint, starting with {@code /}; not null
     * @return the running page server
     * @throws IOException if the port cannot be bound
     */
    public static PageServer start(String host, int port, int webSocketPort, String webSocketPath)
            throws IOException {
        return start(host, port, webSocketPort, webSocketPath, null);
    }

    /**
     * Starts serving the page, and the metrics at {@code GET /metrics}.
     *
     * @param host the host to bind; not null
     * @param port the port, 0 for any free one
     * @param webSocketPort the port of the WebSocket endpoint the page connects to
     * @param webSocketPath the path of that endpoint, starting with {@code /}; not null
     * @param metrics the meters to serve, closed with this server (or at once if it cannot start); null for none
     *                ({@code /metrics} is then 404)
     * @return the running page server
     * @throws IOException if the port cannot be bound
     */
    public static PageServer start(String host, int port, int webSocketPort, String webSocketPath,
                                   ChatMetrics metrics) throws IOException {
        try {
            return serve(host, port, webSocketPort, webSocketPath, metrics);
        } catch (IOException | RuntimeException e) {
            if (metrics != null) {
                metrics.close();
            }
            throw e;
        }
    }

    private static PageServer serve(String host, int port, int webSocketPort, String webSocketPath,
                                    ChatMetrics metrics) throws IOException {
        byte[] page = resource("chat.html");
        byte[] config = ("window.WSHUB_CHAT = {\"port\": " + webSocketPort + ", \"path\": " + jsString(webSocketPath)
                + "};\n").getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (path.equals("/") || path.equals("/index.html")) {
                    respond(exchange, HTML, page);
                } else if (path.equals("/config.js")) {
                    respond(exchange, JS, config);
                } else if (path.equals("/metrics") && metrics != null) {
                    respond(exchange, ChatMetrics.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8));
                } else {
                    respond(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
                }
            }
        });
        server.start();
        int bound = server.getAddress().getPort();
        return new PageServer(server, URI.create("http://" + Options.uriHost(host) + ":" + bound + "/"), metrics);
    }

    /**
     * Returns the page's address, such as {@code http://127.0.0.1:8081/}, with the real port.
     *
     * @return the URI; never null
     */
    public URI uri() {
        return uri;
    }

    /** Stops serving at once, and closes the metrics it served. */
    @Override
    public void close() {
        try {
            server.stop(0);
        } finally {
            if (metrics != null) {
                metrics.close();
            }
        }
    }

    private static void respond(HttpExchange exchange, String contentType, byte[] body) throws IOException {
        String method = exchange.getRequestMethod();
        if (method.equals("GET") || method.equals("HEAD")) {
            respond(exchange, 200, contentType, body);
        } else {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            respond(exchange, 405, "text/plain; charset=utf-8", "use GET\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static byte[] resource(String name) {
        try (InputStream in = PageServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Quotes a string as a JavaScript (and JSON) literal that is also safe inside an HTML page. */
    static String jsString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c < 0x20 || c > 0x7E) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
