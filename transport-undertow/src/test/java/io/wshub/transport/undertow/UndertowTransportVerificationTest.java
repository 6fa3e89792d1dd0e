package io.wshub.transport.undertow;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import io.wshub.testkit.TransportVerification;

/** The testkit's transport conformance suite, in echo and broadcast modes, against the Undertow transport. */
class UndertowTransportVerificationTest extends TransportVerification {

    @Override
    protected RunningServer startServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
            throws Exception {
        return new UndertowTransportProvider().start(config, endpoint, policy);
    }

    @Override
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        return DisruptorHub.start(DisruptorHubConfig.builder().slowConsumerPolicy(policy).listener(listener).build());
    }
}
