package io.wshub.testkit.example;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.testkit.TransportCapabilities;
import io.wshub.testkit.TransportVerification;
import io.wshub.testkit.selftest.BlockingTestServer;
import java.util.Set;

/**
 * The whole transport conformance suite against the testkit's own small blocking-socket server. This is the example
 * the README's conformance section shows: a transport's conformance test is one subclass with one factory method
 * (the broadcast and slow-consumer rules use the testkit's {@code ReferenceHub} unless {@code newHub} is overridden).
 */
class BlockingServerTransportVerificationTest extends TransportVerification {

    @Override
    protected RunningServer startServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
            throws Exception {
        // Your transport here, for example: return new UndertowTransportProvider().start(config, endpoint, policy);
        return BlockingTestServer.start(config, endpoint, policy, Set.of());
    }

    // No newHub: the broadcast and slow-consumer rules use the testkit's ReferenceHub. To pair your transport with
    // another hub, override newHub(SlowConsumerPolicy, HubListener) and return it, e.g. hub-disruptor's DisruptorHub.

    @Override
    protected TransportCapabilities capabilities() {
        // Everything is supported here; a transport that can only answer 404 to a rejected handshake would say
        // TransportCapabilities.builder().exactRejectStatus(false).build(), and that rule is reported as skipped.
        return TransportCapabilities.full();
    }
}
