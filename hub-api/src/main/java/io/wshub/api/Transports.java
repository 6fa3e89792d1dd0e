package io.wshub.api;

import io.wshub.api.spi.TransportProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * The one-line way to start a server: finds a {@link TransportProvider} by name with {@link ServiceLoader} and starts
 * it.
 *
 * <pre>{@code
 * RunningServer server = Transports.start("undertow", ServerConfig.defaults(), Endpoints.echo());
 * }</pre>
 *
 * <p>Thread-safety: stateless; any thread may call it.
 */
public final class Transports {

    private Transports() {
    }

    /**
     * Lists the transports on the class path (or module path).
     *
     * @return the provider names, sorted; never null
     */
    public static List<String> available() {
        List<String> names = new ArrayList<>();
        for (TransportProvider p : load()) {
            names.add(p.name());
        }
        names.sort(null);
        return List.copyOf(names);
    }

    /**
     * Finds a transport by name.
     *
     * @param name the transport's name, such as {@code undertow} or {@code java-websocket}; not null
     * @return the provider
     * @throws IllegalArgumentException if no transport of that name is on the class path; the message lists those that
     *                                  are
     */
    public static TransportProvider provider(String name) {
        Objects.requireNonNull(name, "name");
        for (TransportProvider p : load()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        List<String> names = available();
        throw new IllegalArgumentException("no WebSocket transport named '" + name + "' on the class path; available: "
                + (names.isEmpty() ? "none (add transport-undertow or transport-javawebsocket)" : names));
    }

    /**
     * Starts a server on a named transport, accepting every well-formed upgrade.
     *
     * @param transport the transport's name; not null
     * @param config the config; not null
     * @param endpoint the application's endpoint; not null
     * @return the running server
     * @throws IOException if the server cannot bind or start
     * @throws IllegalArgumentException if the transport is not on the class path
     */
    public static RunningServer start(String transport, ServerConfig config, Endpoint endpoint) throws IOException {
        return start(transport, config, endpoint, HandshakePolicy.acceptAll());
    }

    /**
     * Starts a server on a named transport.
     *
     * @param transport the transport's name; not null
     * @param config the config; not null
     * @param endpoint the application's endpoint; not null
     * @param policy the handshake policy; not null
     * @return the running server
     * @throws IOException if the server cannot bind or start
     * @throws IllegalArgumentException if the transport is not on the class path
     */
    public static RunningServer start(String transport, ServerConfig config, Endpoint endpoint,
                                      HandshakePolicy policy) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(policy, "policy");
        return provider(transport).start(config, endpoint, policy);
    }

    private static ServiceLoader<TransportProvider> load() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return ServiceLoader.load(TransportProvider.class, cl != null ? cl : Transports.class.getClassLoader());
    }
}
