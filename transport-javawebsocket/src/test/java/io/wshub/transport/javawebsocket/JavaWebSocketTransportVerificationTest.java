package io.wshub.transport.javawebsocket;

import io.wshub.api.HandshakePolicy;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.api.Endpoint;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import io.wshub.testkit.TransportVerification;

/** Runs the testkit's transport conformance suite against the java-websocket transport, with hub-disruptor. */
class JavaWebSocketTransportVerificationTest extends TransportVerification {

    @Override
    protected RunningServer startServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
            throws Exception {
        return new JavaWebSocketTransportProvider().start(config, endpoint, policy);
    }

    @Override
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        return DisruptorHub.start(DisruptorHubConfig.builder().slowConsumerPolicy(policy).listener(listener).build());
    }
}
