package io.wshub.transport.undertow;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.spi.TransportProvider;
import java.io.IOException;

/**
 * The {@code undertow} transport, found by {@link java.util.ServiceLoader} through
 * {@code META-INF/services/io.wshub.api.spi.TransportProvider}: {@code Transports.start("undertow", config, endpoint)}.
 *
 * <p>Thread-safety: stateless; {@link #start} may be called concurrently. No method accepts null.
 */
public final class UndertowTransportProvider implements TransportProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public UndertowTransportProvider() {
    }

    @Override
    public String name() {
        return UndertowWebSockets.NAME;
    }

    @Override
    public RunningServer start(ServerConfig config, Endpoint endpoint, HandshakePolicy policy) throws IOException {
        return UndertowWebSockets.start(config, endpoint, policy);
    }

    @Override
    public String toString() {
        return "UndertowTransportProvider[" + name() + "]";
    }
}
