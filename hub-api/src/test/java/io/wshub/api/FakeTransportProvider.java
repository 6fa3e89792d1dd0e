package io.wshub.api;

import io.wshub.api.spi.TransportProvider;
import java.net.InetSocketAddress;
import java.net.URI;

/** A transport double registered in test resources, so the ServiceLoader path of {@link Transports} is exercised. */
public final class FakeTransportProvider implements TransportProvider {
    static final String NAME = "fake";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RunningServer start(ServerConfig config, Endpoint endpoint, HandshakePolicy policy) {
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        return new RunningServer() {
            @Override
            public String transportName() {
                return NAME;
            }

            @Override
            public InetSocketAddress address() {
                return address;
            }

            @Override
            public URI uri() {
                return URI.create("ws://" + config.host() + ":" + config.port() + config.path());
            }

            @Override
            public int sessionCount() {
                return 0;
            }

            @Override
            public void stop() {
            }
        };
    }
}
