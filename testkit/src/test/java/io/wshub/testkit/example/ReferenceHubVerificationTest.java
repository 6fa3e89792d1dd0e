package io.wshub.testkit.example;

import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.HubVerification;
import io.wshub.testkit.ReferenceHub;

/** The whole hub conformance suite against the testkit's reference hub. */
class ReferenceHubVerificationTest extends HubVerification {

    @Override
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        // Your hub here; the testkit's ReferenceHub passes every rule.
        return ReferenceHub.start(policy, listener);
    }
}
