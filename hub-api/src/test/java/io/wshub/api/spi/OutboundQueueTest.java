package io.wshub.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The kernel's outbound queue, in memory: admission in wire bytes, the flush contract, bounded hand-over. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutboundQueueTest {

    private static Message msg(int payloadBytes) {
        return Message.binary(new byte[payloadBytes]);
    }

    /** Runs one hand-over the way a transport's I/O thread does: poll until null. */
    private static List<Message> handOver(OutboundQueue q) {
        List<Message> out = new ArrayList<>();
        Message m;
        while ((m = q.poll()) != null) {
            out.add(m);
        }
        return out;
    }

    @Test
    void shouldCountWireBytesNotPayloadBytes() {
        OutboundQueue q = new OutboundQueue(10, 1_000);
        Message small = msg(100); // 2-byte header
        Message medium = msg(200); // 4-byte header (126..65535)
        assertThat(q.offer(small)).isEqualTo(OfferResult.ENQUEUED);
        assertThat(q.offer(medium)).isEqualTo(OfferResult.ENQUEUED);
        assertThat(q.queuedMessages()).isEqualTo(2);
        assertThat(q.queuedBytes()).isEqualTo(102 + 204);
        assertThat(q.queuedBytes()).isEqualTo(small.wireFrameLength() + medium.wireFrameLength());
    }

    @Test
    void shouldRefuseBeyondTheByteLimitInWireBytes() {
        OutboundQueue q = new OutboundQueue(10, 204);
        assertThat(q.offer(msg(100))).isEqualTo(OfferResult.ENQUEUED); // 102
        assertThat(q.offer(msg(101))).isEqualTo(OfferResult.FULL); // 102 + 103 > 204
        assertThat(q.offer(msg(100))).isEqualTo(OfferResult.ENQUEUED); // 204: exactly the limit
        assertThat(q.offer(msg(0))).isEqualTo(OfferResult.FULL);
        assertThat(q.queuedBytes()).isEqualTo(204);
    }

    @Test
    void shouldRefuseBeyondTheMessageLimit() {
        OutboundQueue q = new OutboundQueue(2, 1 << 20);
        assertThat(q.offer(msg(1))).isEqualTo(OfferResult.ENQUEUED);
        assertThat(q.offer(msg(1))).isEqualTo(OfferResult.ENQUEUED);
        assertThat(q.offer(msg(1))).isEqualTo(OfferResult.FULL);
        assertThat(q.queuedMessages()).isEqualTo(2);
    }

    @Test
    void shouldAcceptAMessageLargerThanTheByteLimitIntoAnEmptyQueue() {
        OutboundQueue q = new OutboundQueue(10, 100);
        assertThat(q.offer(msg(1_000))).isEqualTo(OfferResult.ENQUEUED);
        assertThat(q.offer(msg(1))).isEqualTo(OfferResult.FULL);
    }

    @Test
    void shouldRefuseACloseFrame() {
        OutboundQueue q = new OutboundQueue(10, 100);
        assertThatThrownBy(() -> q.offer(Message.close(1000, ""))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldHandNothingOverBeforeAFlush() {
        OutboundQueue q = new OutboundQueue(10, 1 << 20);
        q.offer(msg(1));
        q.offer(msg(2));
        assertThat(q.poll()).isNull();
        assertThat(q.dueMessages()).isZero();
        assertThat(q.pendingMessages()).isEqualTo(2);
    }

    @Test
    void shouldAskForOneHandOverPerFlushUntilItRuns() {
        OutboundQueue q = new OutboundQueue(10, 1 << 20);
        assertThat(q.flush()).as("nothing queued").isFalse();
        Message a = msg(1);
        q.offer(a);
        assertThat(q.flush()).isTrue();
        assertThat(q.flush()).as("a hand-over is already asked for").isFalse();
        assertThat(handOver(q)).containsExactly(a);
        assertThat(q.inFlightMessages()).isEqualTo(1);
        assertThat(q.pendingMessages()).isZero();
    }

    @Test
    void shouldKeepOffersAfterAFlushForTheNextFlush() {
        OutboundQueue q = new OutboundQueue(10, 1 << 20);
        Message a = msg(1);
        Message b = msg(2);
        q.offer(a);
        assertThat(q.flush()).isTrue();
        q.offer(b);
        assertThat(handOver(q)).containsExactly(a);
        assertThat(q.released(a.wireFrameLength())).as("b was never flushed").isFalse();
        assertThat(q.poll()).isNull();
        assertThat(q.flush()).isTrue();
        assertThat(handOver(q)).containsExactly(b);
    }

    @Test
    void shouldHandOverInBoundedBatchesAndContinueWithoutAnotherFlush() {
        OutboundQueue q = new OutboundQueue(100, 1 << 20, 3, 1 << 20);
        List<Message> offered = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Message m = msg(i);
            offered.add(m);
            q.offer(m);
        }
        assertThat(q.flush()).isTrue();
        List<Message> written = new ArrayList<>();
        int handOvers = 0;
        boolean due = true;
        while (due) {
            assertThat(handOvers++).isLessThan(10);
            List<Message> batch = handOver(q);
            assertThat(batch).hasSizeBetween(1, 3);
            assertThat(q.inFlightMessages()).isEqualTo(batch.size());
            assertThat(q.poll()).as("no new hand-over while one is in flight").isNull();
            due = false;
            for (Message m : batch) {
                written.add(m);
                due |= q.released(m.wireFrameLength());
            }
        }
        assertThat(written).containsExactlyElementsOf(offered);
        assertThat(handOvers).isEqualTo(3);
        assertThat(q.queuedMessages()).isZero();
        assertThat(q.queuedBytes()).isZero();
    }

    @Test
    void shouldBoundAHandOverByWireBytes() {
        OutboundQueue q = new OutboundQueue(100, 1 << 20, 100, 250);
        for (int i = 0; i < 5; i++) {
            q.offer(msg(100)); // 102 wire bytes each
        }
        q.flush();
        assertThat(handOver(q)).hasSize(3); // 102, 204, 306: stops with the message that reaches 250
        assertThat(q.inFlightBytes()).isEqualTo(306);
        assertThat(q.pendingMessages()).isEqualTo(2);
    }

    @Test
    void shouldTakeMoreIntoAnOpenHandOverWhenInFlightMessagesAreReleasedMeanwhile() {
        OutboundQueue q = new OutboundQueue(100, 1 << 20, 2, 1 << 20);
        Message a = msg(1);
        for (int i = 0; i < 5; i++) {
            q.offer(i == 0 ? a : msg(1));
        }
        q.flush();
        assertThat(q.poll()).isSameAs(a);
        assertThat(q.released(a.wireFrameLength())).as("the open hand-over goes on by itself").isFalse();
        assertThat(q.poll()).isNotNull();
        assertThat(q.poll()).isNotNull();
        assertThat(q.poll()).as("two in flight: the bound").isNull();
        assertThat(q.inFlightMessages()).isEqualTo(2);
    }

    @Test
    void shouldEvictOnlyPendingMessagesOldestFirst() {
        OutboundQueue q = new OutboundQueue(10, 1 << 20, 1, 1 << 20);
        Message a = msg(1);
        Message b = msg(2);
        Message c = msg(3);
        q.offer(a);
        q.offer(b);
        q.offer(c);
        q.flush();
        assertThat(handOver(q)).containsExactly(a);
        assertThat(q.evictOldest()).isTrue(); // b: flushed, pending
        assertThat(q.queuedMessages()).isEqualTo(2);
        assertThat(q.queuedBytes()).isEqualTo(a.wireFrameLength() + c.wireFrameLength());
        assertThat(q.dueMessages()).isEqualTo(1);
        assertThat(q.evictOldest()).isTrue(); // c
        assertThat(q.evictOldest()).as("a is in flight").isFalse();
        assertThat(q.released(a.wireFrameLength())).as("nothing left due").isFalse();
        assertThat(q.queuedMessages()).isZero();
    }

    @Test
    void shouldMakeEverythingDueAndRefuseOffersOnClose() {
        OutboundQueue q = new OutboundQueue(10, 1 << 20);
        Message a = msg(1);
        q.offer(a);
        assertThat(q.close()).isTrue();
        assertThat(q.offer(msg(1))).isEqualTo(OfferResult.CLOSED);
        assertThat(q.isClosed()).isTrue();
        assertThat(handOver(q)).containsExactly(a);
        assertThat(q.pendingMessages()).isZero();
        assertThat(q.close()).isFalse();
    }

    @Test
    void shouldDropEverythingAndIgnoreLaterReleasesOnDiscard() {
        OutboundQueue q = new OutboundQueue(10, 1 << 20, 1, 1 << 20);
        Message a = msg(1);
        q.offer(a);
        q.offer(msg(1));
        q.flush();
        assertThat(handOver(q)).containsExactly(a);
        assertThat(q.discard()).isEqualTo(2);
        assertThat(q.queuedMessages()).isZero();
        assertThat(q.queuedBytes()).isZero();
        assertThat(q.released(a.wireFrameLength())).isFalse();
        assertThat(q.queuedMessages()).isZero();
        assertThat(q.offer(msg(1))).isEqualTo(OfferResult.CLOSED);
        assertThat(q.flush()).isFalse();
        assertThat(q.poll()).isNull();
        assertThat(q.discard()).isZero();
    }

    @Test
    void shouldDeliverEveryFlushedMessageOnceInOrderUnderConcurrency() throws Exception {
        OutboundQueue q = new OutboundQueue(64, 1 << 20, 8, 1 << 20);
        int producers = 3;
        int perProducer = 20_000;
        ConcurrentLinkedQueue<Boolean> wakeUps = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<List<Integer>> received = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            received.add(new ArrayList<>());
        }
        List<Message> inFlight = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(producers);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            Thread t = new Thread(() -> {
                for (int i = 0; i < perProducer; i++) {
                    Message m = Message.binary(new byte[] {(byte) id, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
                    long spins = 0;
                    while (q.offer(m) == OfferResult.FULL) {
                        if (q.flush()) {
                            wakeUps.add(Boolean.TRUE);
                        }
                        Thread.onSpinWait();
                        if (++spins > 100_000_000L) {
                            throw new AssertionError("queue never drained");
                        }
                    }
                    if (q.flush()) {
                        wakeUps.add(Boolean.TRUE);
                    }
                }
                done.countDown();
            });
            threads.add(t);
            t.start();
        }
        // The "I/O thread": runs a hand-over when asked, writes (releases) what it took, and asks itself again.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
        while (!stop.get()) {
            assertThat(System.nanoTime()).as("drain did not finish in time").isLessThan(deadline);
            if (wakeUps.poll() == null) {
                if (done.getCount() == 0 && q.queuedMessages() == 0) {
                    stop.set(true);
                }
                Thread.onSpinWait();
                continue;
            }
            inFlight.addAll(handOver(q));
            boolean again = false;
            for (Message m : inFlight) {
                byte[] b = new byte[4];
                m.payload().get(b);
                received.get(b[0]).add(((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF));
                again |= q.released(m.wireFrameLength());
            }
            inFlight.clear();
            if (again) {
                wakeUps.add(Boolean.TRUE);
            }
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        for (int p = 0; p < producers; p++) {
            List<Integer> got = received.get(p);
            assertThat(got).as("producer " + p).hasSize(perProducer);
            for (int i = 0; i < perProducer; i++) {
                if (got.get(i) != i) {
                    throw new AssertionError("producer " + p + ": message " + i + " arrived as " + got.get(i));
                }
            }
        }
        assertThat(q.queuedBytes()).isZero();
        assertThat(q.inFlightMessages()).isZero();
    }
}
