package io.wshub.testkit.selftest;

import io.wshub.api.HistoryConfig;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.BrokenReferenceHub;
import io.wshub.testkit.HubVerification;
import java.util.Set;

/**
 * The whole hub suite, history rules included, against {@link BrokenReferenceHub} with no breakage: its overrides of
 * the reference hub's steps change nothing unless a breakage asks, so a rule that fails in
 * {@link HubVerificationSelfTest} fails because of that breakage alone.
 */
class UnbrokenReferenceHubVerificationTest extends HubVerification {

    @Override
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        return BrokenReferenceHub.start(policy, listener, 1024, Set.of());
    }

    @Override
    protected Hub newHistoryHub(SlowConsumerPolicy policy, HubListener listener, HistoryConfig history) {
        return BrokenReferenceHub.startWithHistory(policy, listener, 1024, history, Set.of());
    }
}
