package io.wshub.testkit.example;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.TransportCapabilities;
import io.wshub.testkit.TransportVerification;
import io.wshub.testkit.selftest.BlockingTestServer;
import io.wshub.testkit.selftest.SimpleTestHub;
import java.util.Set;

/**
 * The whole transport conformance suite against the testkit's own small blocking-socket server. This is the example
 * The README's conformance section shows: a transport's conformance test is one subclass with two factory methods.
 */
class BlockingServerTransportVerificationTest extends TransportVerification {

    @Override
    protected RunningServer startServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
            throws Exception {
        // Your transport here, for example: return new UndertowTransportProvider().start(config, endpoint, policy);
        return BlockingTestServer.start(config, endpoint, policy, Set.of());
    }

    @Override
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        // Any Hub implementation; the suite needs one for the broadcast and slow-consumer rules.
        return SimpleTestHub.start(policy, listener, 1024, Set.of());
    }

    @Override
    protected TransportCapabilities capabilities() {
        // Everything is supported here; a transport that can only answer 404 to a rejected handshake would say
        // TransportCapabilities.builder().exactRejectStatus(false).build(), and that rule is reported as skipped.
        return TransportCapabilities.full();
    }
}
