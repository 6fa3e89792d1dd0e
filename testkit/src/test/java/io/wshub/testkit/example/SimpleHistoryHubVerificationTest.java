package io.wshub.testkit.example;

import io.wshub.api.HistoryConfig;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.HubVerification;
import io.wshub.testkit.selftest.SimpleTestHub;
import java.util.Set;

/**
 * The whole hub conformance suite, history rules included, against the testkit's own simple hub started with topic
 * history. ({@code SimpleHubVerificationTest} runs the same suite without {@code newHistoryHub}, so there the
 * {@code optional_history_...} rules are reported as skipped.)
 */
class SimpleHistoryHubVerificationTest extends HubVerification {

    @Override
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        return SimpleTestHub.start(policy, listener, 1024, Set.of());
    }

    @Override
    protected Hub newHistoryHub(SlowConsumerPolicy policy, HubListener listener, HistoryConfig history) {
        return SimpleTestHub.startWithHistory(policy, listener, 1024, history, Set.of());
    }
}
