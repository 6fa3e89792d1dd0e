package io.wshub.disruptor;

import static io.wshub.disruptor.HubFixture.drained;
import static io.wshub.disruptor.HubFixture.retry;
import static io.wshub.disruptor.HubFixture.uniquePrefix;
import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackpressureTest {

    private static final int RING = 8;

    @Test
    void shouldAnswerBackpressuredWhenTheRingIsFullAndNeverHalfPublish() throws Exception {
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().ringSize(RING)
                .threadNamePrefix(uniquePrefix("bp")).build());
        GateSession gate = new GateSession();
        try {
            MemorySession rec = MemorySession.recording();
            hub.join(gate);
            hub.join(rec);
            hub.broadcast(Message.text("m0"));
            gate.awaitBlocked();

            List<String> accepted = new ArrayList<>(List.of("m0"));
            int refused = 0;
            for (int i = 1; i <= 4 * RING && refused < 5; i++) {
                String text = "m" + i;
                PublishResult r = hub.broadcast(Message.text(text));
                if (r == PublishResult.ACCEPTED) {
                    assertThat(refused).as("accepted after a refusal while the ring stays full").isZero();
                    accepted.add(text);
                } else {
                    assertThat(r).isEqualTo(PublishResult.BACKPRESSURED);
                    refused++;
                }
            }
            assertThat(refused).isEqualTo(5);
            assertThat(accepted.size()).isBetween(2, RING + 1);
            assertThat(hub.join(MemorySession.recording())).isEqualTo(PublishResult.BACKPRESSURED);
            assertThat(hub.publish("t", Message.text("no"))).isEqualTo(PublishResult.BACKPRESSURED);
            assertThat(hub.send(rec.id(), Message.text("no"))).isEqualTo(PublishResult.BACKPRESSURED);
            HubStats full = hub.stats();
            assertThat(full.backpressured()).isEqualTo(5 + 3);
            assertThat(full.backlog()).isGreaterThanOrEqualTo(accepted.size() - 1);
            assertThat(full.accepted()).isEqualTo(accepted.size());

            // A leave is never refused: it is queued and applied right after what was sequenced before it.
            assertThat(hub.leave(rec)).isEqualTo(PublishResult.ACCEPTED);

            gate.open();
            retry(() -> hub.broadcast(Message.text("after-leave")));
            HubStats stats = drained(hub);

            List<String> gateExpected = new ArrayList<>(accepted);
            gateExpected.add("after-leave");
            assertThat(gate.recorded().texts()).containsExactlyElementsOf(gateExpected);
            assertThat(rec.texts()).containsExactlyElementsOf(accepted);
            assertThat(stats.sessions()).isEqualTo(1);
            assertThat(stats.accepted()).isEqualTo(accepted.size() + 1);
            assertThat(stats.delivered()).isEqualTo(2L * accepted.size() + 1);
            assertThat(stats.dropped()).isZero();
            assertThat(hub.pendingLeaves.get()).isZero();
        } finally {
            gate.open();
            assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void shouldApplyAQueuedLeaveOnAShardThatIsIdleWhileAnotherHoldsTheRingFull() throws Exception {
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().ringSize(RING).shards(2)
                .threadNamePrefix(uniquePrefix("bp2")).build());
        GateSession gate = new GateSession();
        try {
            MemorySession rec = joinBesideStalledGate(hub, gate);
            int accepted = (int) fillUntilTheGateHoldsTheRing(hub, rec);
            // rec's shard has processed everything and sleeps; the leave cannot be sequenced.
            assertThat(hub.leave(rec)).isEqualTo(PublishResult.ACCEPTED);
            assertThat(hub.pendingLeaves.get()).isEqualTo(1);
            int expected = accepted;

            gate.open();
            // Nothing else is published: the wake-up retried by the fan-out threads must carry the leave through.
            Waits.until(() -> hub.pendingLeaves.get() == 0 && hub.stats().sessions() == 1,
                    () -> "queued leave applied, stats " + hub.stats());
            retry(() -> hub.broadcast(Message.text("after")));
            drained(hub);
            assertThat(rec.messages()).hasSize(expected);
            assertThat(rec.texts()).doesNotContain("after");
            assertThat(gate.recorded().texts()).hasSize(expected + 1).endsWith("after");
        } finally {
            gate.open();
            assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void shouldNotDeliverToAQueuedLeaverWhatItsCallerPublishesNext() throws Exception {
        for (int round = 0; round < 10; round++) {
            DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().ringSize(RING).shards(2)
                    .threadNamePrefix(uniquePrefix("bp3")).build());
            GateSession gate = new GateSession();
            try {
                MemorySession rec = joinBesideStalledGate(hub, gate);
                long accepted = fillUntilTheGateHoldsTheRing(hub, rec);
                assertThat(hub.leave(rec)).isEqualTo(PublishResult.ACCEPTED);
                gate.open();
                // Sequenced after the leave returned, so the leaver must not get it, whichever event its shard sees
                // next (this broadcast or the wake-up).
                retry(() -> hub.broadcast(Message.text("next")));
                drained(hub);
                assertThat(rec.texts()).hasSize((int) accepted).doesNotContain("next");
                assertThat(hub.stats().sessions()).isEqualTo(1);
            } finally {
                gate.open();
                assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
            }
        }
    }

    /**
     * Joins the gate and a recording session on the other of two shards, then stalls the gate's shard on its first
     * message, so the ring fills while the recorder's shard stays idle. Returns the recorder.
     */
    /**
     * Broadcasts until the ring is full and {@code rec}'s shard has caught up, and returns how many broadcasts the hub
     * has accepted. A refusal can also come from {@code rec}'s shard lagging for a moment while the gate's shard has
     * already passed the joins; once it has caught up, only the stalled gate holds the ring.
     */
    private static long fillUntilTheGateHoldsTheRing(DisruptorHub hub, MemorySession rec) throws Exception {
        while (true) {
            while (hub.broadcast(Message.text("fill")) == PublishResult.ACCEPTED) {
                assertThat(hub.stats().accepted()).isLessThanOrEqualTo(RING + 1);
            }
            long accepted = hub.stats().accepted();
            Waits.until(() -> rec.messages().size() == accepted, () -> "idle shard caught up");
            if (hub.broadcast(Message.text("fill")) != PublishResult.ACCEPTED) {
                return accepted;
            }
        }
    }

    private static MemorySession joinBesideStalledGate(DisruptorHub hub, GateSession gate) throws Exception {
        MemorySession rec = MemorySession.recording();
        while (Shard.shardOf(rec.id(), 2) == Shard.shardOf(gate.id(), 2)) {
            rec = MemorySession.recording();
        }
        hub.join(gate);
        hub.join(rec);
        hub.broadcast(Message.text("m0"));
        gate.awaitBlocked();
        return rec;
    }
}
