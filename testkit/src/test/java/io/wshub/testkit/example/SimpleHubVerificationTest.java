package io.wshub.testkit.example;

import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.HubVerification;
import io.wshub.testkit.selftest.SimpleTestHub;
import java.util.Set;

/** The whole hub conformance suite against the testkit's own simple hub. */
class SimpleHubVerificationTest extends HubVerification {

    @Override
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        return SimpleTestHub.start(policy, listener, 1024, Set.of());
    }
}
