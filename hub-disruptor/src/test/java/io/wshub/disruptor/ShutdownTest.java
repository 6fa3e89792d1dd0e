package io.wshub.disruptor;

import static io.wshub.disruptor.HubFixture.uniquePrefix;
import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShutdownTest {

    @Test
    void shouldDeliverEverythingAcceptedBeforeShutdownAndCloseEverySessionWith1001() throws Exception {
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().ringSize(1024).shards(2)
                .threadNamePrefix(uniquePrefix("shut")).build());
        List<MemorySession> sessions = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            MemorySession s = MemorySession.recording();
            sessions.add(s);
            hub.join(s);
        }
        ExecutorService pool = Executors.newSingleThreadExecutor();
        AtomicBoolean sawClosed = new AtomicBoolean();
        try {
            Future<Integer> publisher = pool.submit(() -> {
                int accepted = 0;
                for (int i = 0; i < 1_000_000; i++) {
                    PublishResult r = hub.broadcast(Message.text("m" + i));
                    if (r == PublishResult.CLOSED) {
                        sawClosed.set(true);
                        return accepted;
                    }
                    if (r == PublishResult.ACCEPTED) {
                        accepted++;
                    }
                }
                return accepted;
            });
            Waits.until(() -> hub.stats().delivered() > 1000, () -> "some traffic");
            assertThat(hub.shutdown(Duration.ofSeconds(30))).isTrue();
            int accepted = publisher.get(30, TimeUnit.SECONDS);
            assertThat(sawClosed).isTrue();

            HubStats stats = hub.stats();
            assertThat(stats.accepted()).isEqualTo(accepted);
            assertThat(stats.delivered()).isEqualTo(accepted * 10L);
            assertThat(stats.dropped()).isZero();
            assertThat(stats.backlog()).isZero();
            assertThat(stats.sessions()).isZero();
            for (MemorySession s : sessions) {
                assertThat(s.messages()).hasSize(accepted);
                assertThat(s.closeCode()).isEqualTo(1001);
            }
            assertThat(hub.threads()).noneMatch(Thread::isAlive);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            hub.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void shouldCountWhatTheTimeoutAbandonsAndStillStopEveryThread() throws Exception {
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().ringSize(64)
                .threadNamePrefix(uniquePrefix("abandon")).build());
        GateSession gate = new GateSession();
        List<MemorySession> others = new ArrayList<>();
        hub.join(gate);
        for (int i = 0; i < 5; i++) {
            MemorySession s = MemorySession.recording();
            others.add(s);
            hub.join(s);
        }
        hub.broadcast(Message.text("m0"));
        gate.awaitBlocked();
        for (int i = 1; i <= 10; i++) {
            assertThat(hub.broadcast(Message.text("m" + i))).isEqualTo(PublishResult.ACCEPTED);
        }
        CompletableFuture<Boolean> result = CompletableFuture.supplyAsync(() -> hub.shutdown(Duration.ofMillis(100)));
        try {
            Waits.until(hub::isShutdown, () -> "shutdown started");
            long shutdownSeen = System.nanoTime();
            // The 100 ms drain deadline has certainly passed a second after shutdown began; then unblock the thread.
            Waits.until(() -> System.nanoTime() - shutdownSeen > TimeUnit.SECONDS.toNanos(1), () -> "1 s passed");
            assertThat(result).isNotDone();
        } finally {
            gate.open();
        }
        assertThat(result.get(30, TimeUnit.SECONDS)).as("drained in time").isFalse();

        HubStats stats = hub.stats();
        assertThat(stats.accepted()).isEqualTo(11);
        assertThat(stats.delivered() + stats.dropped()).isEqualTo(11L * 6);
        assertThat(stats.droppedClosed()).isPositive();
        assertThat(stats.backlog()).isZero();
        assertThat(gate.recorded().closeCode()).isEqualTo(1001);
        for (MemorySession s : others) {
            assertThat(s.closeCode()).isEqualTo(1001);
            List<String> got = s.texts();
            assertThat(got).isNotEmpty();
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i)).isEqualTo("m" + i);
            }
        }
        assertThat(hub.threads()).noneMatch(Thread::isAlive);
    }

    @Test
    void shouldLeaveNoThreadAfter200StartShutdownCycles() {
        String prefix = uniquePrefix("cycle");
        for (int i = 0; i < 200; i++) {
            DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().shards(1 + i % 3).ringSize(64)
                    .threadNamePrefix(prefix).build());
            MemorySession s = MemorySession.recording();
            hub.join(s);
            hub.broadcast(Message.text("c" + i));
            assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
            assertThat(s.texts()).containsExactly("c" + i);
            assertThat(hub.threads()).noneMatch(Thread::isAlive);
        }
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().startsWith(prefix) && t.isAlive());
    }

    @Test
    void shouldLetConcurrentShutdownCallsAgree() throws Exception {
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().threadNamePrefix(uniquePrefix("twice"))
                .build());
        hub.join(MemorySession.recording());
        CompletableFuture<Boolean> a = CompletableFuture.supplyAsync(() -> hub.shutdown(Duration.ofSeconds(10)));
        boolean b = hub.shutdown(Duration.ofSeconds(10));
        assertThat(a.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(b).isTrue();
        hub.close();
        assertThat(hub.threads()).noneMatch(Thread::isAlive);
    }
}
