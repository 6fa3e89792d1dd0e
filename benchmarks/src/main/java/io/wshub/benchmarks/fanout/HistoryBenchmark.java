package io.wshub.benchmarks.fanout;

import io.wshub.api.HandshakeRequest;
import io.wshub.api.HistoryConfig;
import io.wshub.api.Hub;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.PublishResult;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeOptions;
import io.wshub.api.spi.AbstractSession;
import io.wshub.api.spi.SessionIds;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What topic history costs hub-disruptor: {@link #publish} sends a burst of {@link #BURST} topic publications to N
 * subscribers and waits until every subscriber has them, with history off, on, and on with every subscriber taking
 * envelopes; {@link Recovery#recover} joins a session, recovers R publications from the history and leaves.
 *
 * <p>Read {@code publish} as time per burst: divide by {@value #BURST} for the time per publication; the difference
 * between {@code history=off} and {@code history=on} at one subscriber is the cost of history per publication. With
 * {@code -prof gc}, {@code gc.alloc.rate.norm} divided by {@value #BURST} is what a publication allocates (the
 * envelope's own message with {@code on-envelope}); it must not grow with the number of subscribers.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar HistoryBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class HistoryBenchmark {

    /** Publications per {@link #publish} operation. */
    static final int BURST = 16;
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /**
     * {@code off}: no history; {@code on}: history without an envelope, raw subscribers; {@code on-envelope}: history
     * with an envelope, and every subscriber takes envelopes.
     */
    @Param({"off", "on", "on-envelope"})
    public String history;

    /** Subscribers of the topic. */
    @Param({"1", "1000"})
    public int sessions;

    private Hub hub;
    private TallySession[] members;
    private Message message;
    private long published;

    /** Starts the hub and subscribes the members. */
    @Setup(Level.Trial)
    public void setUp() {
        byte[] bytes = new byte[64];
        Arrays.fill(bytes, (byte) 'a');
        message = Message.textUtf8(bytes);
        boolean envelope = "on-envelope".equals(history);
        hub = start(!"off".equals(history), envelope);
        members = new TallySession[sessions];
        for (int i = 0; i < sessions; i++) {
            members[i] = new TallySession();
            retry(hub.join(members[i]));
            retry(envelope ? hub.subscribe(members[i], "t", SubscribeOptions.builder().envelope(true).build())
                    : hub.subscribe(members[i], "t"));
        }
        published = 0;
    }

    /** Stops the hub after checking every member got every publication. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            for (TallySession s : members) {
                if (s.count() != published) {
                    throw new IllegalStateException(s + " received " + s.count() + " of " + published);
                }
            }
        } finally {
            hub.close();
        }
    }

    static Hub start(boolean history, boolean envelope) {
        DisruptorHubConfig.Builder b = DisruptorHubConfig.builder()
                .ringSize(DisruptorHubs.RING_SIZE)
                .slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT);
        if (history) {
            b.history(HistoryConfig.builder().maxPublications(10_000)
                    .envelope(envelope ? HistoryBenchmark::envelope : null).build());
        }
        return DisruptorHub.start(b.build());
    }

    /** A small envelope: the offset and epoch as a header line, then the payload (what a client needs). */
    static Message envelope(String topic, long offset, String epoch, Message message) {
        byte[] header = (offset + " " + epoch + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.ByteBuffer payload = message.payload();
        byte[] out = new byte[header.length + payload.remaining()];
        System.arraycopy(header, 0, out, 0, header.length);
        payload.get(out, header.length, payload.remaining());
        return Message.textUtf8(out);
    }

    /**
     * Publishes a burst on the topic and waits until every subscriber has it.
     *
     * @return the publications so far (consumed by JMH)
     */
    @Benchmark
    public long publish() {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        for (int i = 0; i < BURST; i++) {
            while (hub.publish("t", message) != PublishResult.ACCEPTED) {
                idle(deadline);
            }
        }
        long target = published + BURST;
        published = target;
        for (TallySession s : members) {
            while (s.count() < target) {
                idle(deadline);
            }
        }
        return target;
    }

    private static void idle(long deadline) {
        Thread.onSpinWait();
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("a burst was not delivered within 30 s");
        }
    }

    private static void retry(PublishResult r) {
        if (r != PublishResult.ACCEPTED) {
            throw new IllegalStateException("setup operation refused: " + r);
        }
    }

    /** Recovery of R publications by a session that joins, recovers and leaves. */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public static class Recovery {

        /** Publications replayed per recovery. */
        @Param({"100", "10000"})
        public int replay;

        private Hub hub;
        private StreamPosition from;

        /** Fills a history of 10,000 publications. */
        @Setup(Level.Trial)
        public void setUp() {
            hub = start(true, true);
            TallySession probe = new TallySession();
            retry(hub.join(probe));
            AtomicReference<StreamPosition> position = new AtomicReference<>();
            retry(hub.subscribe(probe, "t", SubscribeOptions.builder()
                    .listener((s, r) -> position.set(r.position())).build()));
            Message m = Message.text("publication");
            for (int i = 0; i < 10_000; i++) {
                while (hub.publish("t", m) != PublishResult.ACCEPTED) {
                    Thread.onSpinWait();
                }
            }
            retry(hub.leave(probe));
            long deadline = System.nanoTime() + TIMEOUT_NANOS;
            while (position.get() == null || probe.count() < 10_000) {
                idle(deadline);
            }
            from = new StreamPosition(10_000 - replay, position.get().epoch());
        }

        /** Stops the hub. */
        @TearDown(Level.Trial)
        public void tearDown() {
            hub.close();
        }

        /**
         * Joins a session, recovers {@link #replay} publications into it, waits for all of them, and leaves.
         *
         * @return the replayed count (consumed by JMH)
         */
        @Benchmark
        public long recover() {
            TallySession s = new TallySession();
            retry(hub.join(s));
            retry(hub.subscribe(s, "t", SubscribeOptions.builder().since(from).envelope(true).build()));
            long deadline = System.nanoTime() + TIMEOUT_NANOS;
            while (s.count() < replay) {
                idle(deadline);
            }
            retry(hub.leave(s));
            return s.count();
        }
    }

    /** A session that counts every message offered, allocating nothing. Offered by one hub thread at a time. */
    static final class TallySession extends AbstractSession {
        private static final VarHandle COUNT;
        private static final HandshakeRequest HANDSHAKE = new HandshakeRequest("/ws", "", Map.of(),
                new InetSocketAddress("127.0.0.1", 1));

        static {
            try {
                COUNT = MethodHandles.lookup().findVarHandle(TallySession.class, "count", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        long p01, p02, p03, p04, p05, p06, p07;
        private long count;
        long p11, p12, p13, p14, p15, p16, p17;

        TallySession() {
            super(SessionIds.next(), HANDSHAKE, null, Map.of());
        }

        long count() {
            return (long) COUNT.getAcquire(this);
        }

        @Override
        public OfferResult offer(Message message) {
            COUNT.setRelease(this, count + 1);
            return OfferResult.ENQUEUED;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public boolean evictOldest() {
            return false;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close(int code, String reason) {
        }

        @Override
        public int queuedMessages() {
            return 0;
        }

        @Override
        public long queuedBytes() {
            return 0;
        }
    }
}
