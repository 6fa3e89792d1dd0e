package io.wshub.disruptor;

import io.wshub.api.HistoryConfig;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.HubVerification;

/**
 * Runs the testkit's hub conformance suite against {@link DisruptorHub}, with the default single fan-out shard. A ring
 * of 1,024 events keeps the backpressure rule quick.
 *
 * <p>Not with several shards: {@code required_membership_leaveStopsDelivery} waits until the member that stays has
 * received the last message and then asserts at once that the member that left holds exactly the first one. With
 * shards, the two members are served by different threads that progress independently, so the leaving member's
 * shard may not have reached the first message yet; the rule should wait for {@code stats().backlog() == 0} before
 * asserting. Multi-shard ordering, membership and accounting are covered by this module's own tests.
 */
class DisruptorHubVerificationTest extends HubVerification {

    @Override
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        return DisruptorHub.start(DisruptorHubConfig.builder()
                .ringSize(1024)
                .slowConsumerPolicy(policy)
                .listener(listener)
                .threadNamePrefix(HubFixture.uniquePrefix("verify"))
                .build());
    }

    @Override
    protected Hub newHistoryHub(SlowConsumerPolicy policy, HubListener listener, HistoryConfig history) {
        return DisruptorHub.start(DisruptorHubConfig.builder()
                .ringSize(1024)
                .slowConsumerPolicy(policy)
                .listener(listener)
                .history(history)
                .threadNamePrefix(HubFixture.uniquePrefix("verify-history"))
                .build());
    }
}
