package io.wshub.disruptor;

import io.wshub.api.HistoryConfig;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.HubVerification;

/**
 * Runs the testkit's hub conformance suite against a {@link DisruptorHub} with three fan-out shards, so every rule
 * crosses shard boundaries.
 */
class ShardedDisruptorHubVerificationTest extends HubVerification {

    @Override
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        return DisruptorHub.start(DisruptorHubConfig.builder()
                .ringSize(1024)
                .shards(3)
                .slowConsumerPolicy(policy)
                .listener(listener)
                .threadNamePrefix(HubFixture.uniquePrefix("verify3"))
                .build());
    }

    /** With history and three shards, the history runs on its own thread ahead of the shards. */
    @Override
    protected Hub newHistoryHub(SlowConsumerPolicy policy, HubListener listener, HistoryConfig history) {
        return DisruptorHub.start(DisruptorHubConfig.builder()
                .ringSize(1024)
                .shards(3)
                .slowConsumerPolicy(policy)
                .listener(listener)
                .history(history)
                .threadNamePrefix(HubFixture.uniquePrefix("verify3-history"))
                .build());
    }
}
