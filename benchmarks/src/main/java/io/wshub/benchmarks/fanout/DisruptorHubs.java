package io.wshub.benchmarks.fanout;

import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;

/** Starts hub-disruptor for the benchmarks. Thread-safety: stateless. */
final class DisruptorHubs {

    /** Ring size used by the fan-out benchmark and the bench server. */
    static final int RING_SIZE = 4096;

    private DisruptorHubs() {
    }

    static Hub start(int shards, SlowConsumerPolicy policy, DisruptorHubConfig.WaitStrategyKind wait) {
        return DisruptorHub.start(DisruptorHubConfig.builder()
                .shards(shards)
                .waitStrategy(wait)
                .ringSize(RING_SIZE)
                .slowConsumerPolicy(policy)
                .listener(HubListener.NONE)
                .build());
    }
}
