package io.wshub.disruptor;

import static io.wshub.disruptor.HubFixture.drained;
import static io.wshub.disruptor.HubFixture.retry;
import static io.wshub.disruptor.HubFixture.uniquePrefix;
import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.HubStats;
import io.wshub.api.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrentPublishersTest {

    private static final int PUBLISHERS = 4;
    private static final int PER_PUBLISHER = 2_000;
    private static final int SESSIONS = 10;

    @Test
    void shouldGiveEverySessionTheSameOrderAndKeepEachPublishersFifo() throws Exception {
        DisruptorHub hub = DisruptorHub.start(DisruptorHubConfig.builder().ringSize(256).shards(2)
                .threadNamePrefix(uniquePrefix("conc")).build());
        ExecutorService pool = Executors.newFixedThreadPool(PUBLISHERS);
        try {
            List<MemorySession> sessions = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                MemorySession s = MemorySession.recording();
                sessions.add(s);
                hub.join(s);
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < PUBLISHERS; p++) {
                int publisher = p;
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < PER_PUBLISHER; i++) {
                        Message m = Message.text(publisher + ":" + i);
                        retry(() -> hub.broadcast(m));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            HubStats stats = drained(hub);

            List<String> reference = sessions.get(0).texts();
            assertThat(reference).hasSize(PUBLISHERS * PER_PUBLISHER);
            for (MemorySession s : sessions) {
                assertThat(s.texts()).as("every session sees the one total order").isEqualTo(reference);
            }
            int[] next = new int[PUBLISHERS];
            for (String text : reference) {
                int colon = text.indexOf(':');
                int publisher = Integer.parseInt(text.substring(0, colon));
                int index = Integer.parseInt(text.substring(colon + 1));
                assertThat(index).as("publisher %d FIFO", publisher).isEqualTo(next[publisher]);
                next[publisher]++;
            }
            assertThat(stats.accepted()).isEqualTo(PUBLISHERS * PER_PUBLISHER);
            assertThat(stats.delivered()).isEqualTo((long) PUBLISHERS * PER_PUBLISHER * SESSIONS);
            assertThat(stats.dropped()).isZero();
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(hub.shutdown(Duration.ofSeconds(10))).isTrue();
        }
    }
}
