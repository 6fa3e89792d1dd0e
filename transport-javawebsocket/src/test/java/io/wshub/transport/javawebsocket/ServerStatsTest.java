package io.wshub.transport.javawebsocket;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.testkit.ServerStatsVerification;

/** Runs the testkit's {@link RunningServer#stats()} rules against this transport. */
class ServerStatsTest extends ServerStatsVerification {

    @Override
    protected RunningServer startServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
            throws Exception {
        return new JavaWebSocketTransportProvider().start(config, endpoint, policy);
    }
}
