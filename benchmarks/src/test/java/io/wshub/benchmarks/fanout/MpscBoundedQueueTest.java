package io.wshub.benchmarks.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MpscBoundedQueueTest {

    @Test
    void shouldRefuseWhenFullAndKeepFifoOrder() {
        QueuePerSessionHub.MpscBoundedQueue q = new QueuePerSessionHub.MpscBoundedQueue(4);
        Message[] m = new Message[5];
        for (int i = 0; i < m.length; i++) {
            m[i] = Message.text("m" + i);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(q.offer(m[i])).isTrue();
        }
        assertThat(q.offer(m[4])).isFalse();
        assertThat(q.poll()).isSameAs(m[0]);
        assertThat(q.offer(m[4])).isTrue();
        assertThat(q.poll()).isSameAs(m[1]);
        assertThat(q.poll()).isSameAs(m[2]);
        assertThat(q.poll()).isSameAs(m[3]);
        assertThat(q.poll()).isSameAs(m[4]);
        assertThat(q.poll()).isNull();
    }

    @Test
    void shouldDeliverEveryMessageOfTwoPublishersThroughEachBaseline() throws Exception {
        Message a = Message.text("a");
        Message b = Message.text("b");
        for (String impl : new String[] {"lock-loop", "queue-per-session"}) {
            CountingSession[] members = new CountingSession[50];
            for (int i = 0; i < members.length; i++) {
                members[i] = new CountingSession(a, b);
            }
            try (FanoutHub hub = FanoutBenchmark.create(impl)) {
                hub.joinAll(members);
                Thread t1 = new Thread(() -> publish(hub, a, 20_000));
                Thread t2 = new Thread(() -> publish(hub, b, 20_000));
                t1.start();
                t2.start();
                t1.join();
                t2.join();
                for (CountingSession s : members) {
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while ((s.received(0) < 20_000 || s.received(1) < 20_000) && System.nanoTime() < deadline) {
                        Thread.yield();
                    }
                    assertThat(s.received(0)).as(impl).isEqualTo(20_000);
                    assertThat(s.received(1)).as(impl).isEqualTo(20_000);
                }
            }
        }
    }

    private static void publish(FanoutHub hub, Message m, int n) {
        for (int i = 0; i < n; i++) {
            while (!hub.broadcast(m)) {
                Thread.yield();
            }
        }
    }
}
