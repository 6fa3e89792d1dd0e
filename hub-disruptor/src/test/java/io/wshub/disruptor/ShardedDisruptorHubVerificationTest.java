package io.wshub.disruptor;

import static io.wshub.disruptor.HubFixture.drained;
import static io.wshub.disruptor.HubFixture.retry;
import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.HubVerification;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the testkit's hub conformance suite against a {@link DisruptorHub} with three fan-out shards, so every rule
 * crosses shard boundaries.
 *
 * <p>One rule is replaced: the testkit's {@code required_membership_leaveStopsDelivery} asserts what the leaving member
 * holds as soon as the staying member has the last message. Members on different shards are served by threads that
 * progress independently, so that moment says nothing about the leaving member's shard. The replacement checks the
 * same rule (the leaver gets exactly what was sequenced before its leave, the session count drops) once the hub has
 * carried out everything it accepted ({@code stats().backlog() == 0}).
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

    @Override
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    public void required_membership_leaveStopsDelivery() {
        Hub hub = newHub(SlowConsumerPolicy.DROP_NEWEST, HubListener.NONE);
        try {
            MemorySession stays = MemorySession.recording();
            MemorySession leaves = MemorySession.recording();
            while (Shard.shardOf(leaves.id(), 3) == Shard.shardOf(stays.id(), 3)) {
                leaves = MemorySession.recording();
            }
            MemorySession leaver = leaves;
            retry(() -> hub.join(stays));
            retry(() -> hub.join(leaver));
            retry(() -> hub.broadcast(Message.text("one")));
            assertThat(hub.leave(leaver)).as("leave is never refused").isEqualTo(PublishResult.ACCEPTED);
            retry(() -> hub.broadcast(Message.text("two")));
            retry(() -> hub.broadcast(Message.text("three")));
            drained(hub);
            assertThat(stays.texts()).containsExactly("one", "two", "three");
            assertThat(leaver.texts()).as("nothing sequenced after the leave").containsExactly("one");
            assertThat(hub.stats().sessions()).isEqualTo(1);
        } finally {
            assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
        }
    }
}
