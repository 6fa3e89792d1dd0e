package io.wshub.testkit.example;

import io.wshub.api.HistoryConfig;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.HubVerification;
import io.wshub.testkit.ReferenceHub;

/**
 * The whole hub conformance suite, history rules included, against the testkit's reference hub started with topic
 * history. ({@code ReferenceHubVerificationTest} runs the same suite without {@code newHistoryHub}, so there the
 * {@code optional_history_...} rules are reported as skipped.)
 */
class ReferenceHistoryHubVerificationTest extends HubVerification {

    @Override
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        return ReferenceHub.start(policy, listener);
    }

    @Override
    protected Hub newHistoryHub(SlowConsumerPolicy policy, HubListener listener, HistoryConfig history) {
        return ReferenceHub.startWithHistory(policy, listener, ReferenceHub.DEFAULT_CAPACITY, history);
    }
}
