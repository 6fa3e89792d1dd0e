package io.wshub.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.Session;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The kernel's session lifecycle and endpoint invoker, in memory: one state, one close-code algorithm, no socket. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LifecycleSessionTest {

    private static final HandshakeRequest HANDSHAKE =
            new HandshakeRequest("/ws", "", Map.of(), new InetSocketAddress("127.0.0.1", 50000));

    /** A transport's session with an in-memory queue: records the hand-overs it was asked for and what it sent. */
    static final class MemorySession extends LifecycleSession {
        final AtomicInteger handOvers = new AtomicInteger();
        final List<Message.Close> closesSent = new CopyOnWriteArrayList<>();

        MemorySession(Endpoint endpoint) {
            super(SessionIds.next(), HANDSHAKE, null, Map.of(), endpoint, new OutboundQueue(1024, 1 << 20));
        }

        @Override
        protected void handOverDue() {
            handOvers.incrementAndGet();
        }

        @Override
        protected void sendClose(Message.Close close) {
            closesSent.add(close);
        }
    }

    /** Records every callback, in order, as text; a callback can be told to run something. */
    static final class Recorder implements Endpoint {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final AtomicInteger closes = new AtomicInteger();
        volatile Consumer<Session> onOpen = s -> { };
        volatile Consumer<Session> onMessage = s -> { };
        volatile Consumer<Session> onErrorAction = s -> { };
        volatile Runnable onCloseAction = () -> { };

        @Override
        public void onOpen(Session session) {
            calls.add("open");
            onOpen.accept(session);
        }

        @Override
        public void onMessage(Session session, Message message) {
            calls.add("message " + ((Message.Text) message).asString());
            onMessage.accept(session);
        }

        @Override
        public void onError(Session session, Throwable error) {
            calls.add("error " + error.getClass().getSimpleName());
            onErrorAction.accept(session);
        }

        @Override
        public void onClose(Session session, int code, String reason) {
            closes.incrementAndGet();
            calls.add("close " + code + (reason.isEmpty() ? "" : " " + reason));
            onCloseAction.run();
        }
    }

    private final Recorder endpoint = new Recorder();
    private final MemorySession session = new MemorySession(endpoint);

    private static Message text(String s) {
        return Message.text(s);
    }

    // ------------------------------------------------------------------------------------------------ close codes

    @Test
    void shouldTellThePeersCodeWhenThePeerClosesFirst() {
        session.opened();
        assertThat(session.peerClosed(Message.close(4001, "peer says bye"))).isTrue();
        assertThat(session.isOpen()).isFalse();
        session.close(1001, "late local close");
        assertThat(session.closesSent).as("the peer's close is answered by the transport, not by sendClose").isEmpty();
        assertThat(session.connectionClosed()).isTrue();
        assertThat(endpoint.calls).containsExactly("open", "close 4001 peer says bye");
        assertThat(session.closeCode()).isEqualTo(4001);
    }

    @Test
    void shouldTell1005WhenThePeersCloseFrameHadNoCode() {
        session.opened();
        session.peerClosed(Message.Close.empty());
        session.connectionClosed();
        assertThat(endpoint.calls).containsExactly("open", "close 1005");
    }

    @Test
    void shouldTellOurCodeWhenWeCloseFirstWhetherOrNotThePeerAnswers() {
        session.opened();
        session.close(1008, "policy");
        assertThat(session.peerClosed(Message.close(1000, ""))).as("the peer's answer").isFalse();
        session.connectionClosed();
        assertThat(endpoint.calls).containsExactly("open", "close 1008 policy");

        Recorder other = new Recorder();
        MemorySession unanswered = new MemorySession(other);
        unanswered.opened();
        unanswered.close(1001, "idle timeout");
        unanswered.connectionClosed(); // the close timeout dropped the connection
        assertThat(other.calls).containsExactly("open", "close 1001 idle timeout");
    }

    @Test
    void shouldTell1006WhenTheConnectionDropsWithoutACloseFrame() {
        session.opened();
        assertThat(session.connectionClosed()).isTrue();
        assertThat(session.connectionClosed()).as("idempotent").isFalse();
        assertThat(endpoint.calls).containsExactly("open", "close 1006");
        assertThat(session.closesSent).isEmpty();
    }

    @Test
    void shouldTellTheTransportsProtocolErrorCode() {
        session.opened();
        assertThat(session.transportClosing(1009, "message too big")).isTrue();
        assertThat(session.closesSent).as("the transport sends that frame itself").isEmpty();
        session.connectionClosed();
        assertThat(endpoint.calls).containsExactly("open", "close 1009 message too big");
    }

    @Test
    void shouldCallSendCloseOnceForTheFirstLocalClose() {
        session.opened();
        session.close(1000, "one");
        session.close(1001, "two");
        assertThat(session.closesSent).extracting(Message.Close::code).containsExactly(1000);
        assertThatThrownBy(() -> session.close(1005, "")).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------------------------------------ offer

    @Test
    void shouldCloseOnOfferOfACloseAndAnswerClosedAfterwards() {
        session.opened();
        assertThat(session.offer(text("before"))).isEqualTo(OfferResult.ENQUEUED);
        assertThat(session.offer(Message.close(4000, "offered"))).isEqualTo(OfferResult.ENQUEUED);
        assertThat(session.closesSent).extracting(Message.Close::code).containsExactly(4000);
        assertThat(session.offer(Message.close(1000, ""))).isEqualTo(OfferResult.CLOSED);
        assertThat(session.offer(text("after"))).isEqualTo(OfferResult.CLOSED);
        assertThat(session.queuedMessages()).isEqualTo(1);
        assertThat(session.outbound().dueMessages()).as("a close makes what is queued due").isEqualTo(1);
        session.connectionClosed();
        assertThat(endpoint.calls).containsExactly("open", "close 4000 offered");
    }

    @Test
    void shouldCloseWith1000OnOfferOfAnEmptyClose() {
        session.opened();
        assertThat(session.offer(Message.Close.empty())).isEqualTo(OfferResult.ENQUEUED);
        assertThat(session.closesSent).extracting(Message.Close::code).containsExactly(1000);
    }

    // ------------------------------------------------------------------------------------------------ invoker

    @Test
    void shouldCloseWith1011WhenOnMessageThrowsAnError() {
        endpoint.onMessage = s -> {
            throw new AssertionError("endpoint bug");
        };
        session.opened();
        session.received(text("boom"));
        assertThat(session.closesSent).extracting(Message.Close::code).containsExactly(1011);
        session.received(text("dropped after the close started"));
        session.connectionClosed();
        assertThat(endpoint.calls).containsExactly("open", "message boom", "error AssertionError", "close 1011 internal error");
    }

    @Test
    void shouldCloseWith1011WhenOnMessageOverflowsTheStack() {
        endpoint.onMessage = s -> recurse(0);
        session.opened();
        session.received(text("deep"));
        session.connectionClosed();
        assertThat(endpoint.calls).containsExactly("open", "message deep", "error StackOverflowError", "close 1011 internal error");
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    @Test
    void shouldCloseWith1011WhenOnOpenThrows() {
        endpoint.onOpen = s -> {
            throw new IllegalStateException("cannot open");
        };
        session.opened();
        assertThat(session.isOpen()).isFalse();
        session.connectionClosed();
        assertThat(endpoint.calls).containsExactly("open", "error IllegalStateException", "close 1011 internal error");
    }

    @Test
    void shouldCloseWith1011WhenOnErrorThrowsAndNotCallItAgain() {
        endpoint.onErrorAction = s -> {
            throw new IllegalStateException("onError bug");
        };
        session.opened();
        session.error(new java.io.IOException("reset"));
        assertThat(session.closesSent).extracting(Message.Close::code).containsExactly(1011);
        session.connectionClosed();
        assertThat(endpoint.calls).containsExactly("open", "error IOException", "close 1011 internal error");
    }

    @Test
    void shouldSwallowWhatOnCloseThrows() {
        endpoint.onCloseAction = () -> {
            throw new AssertionError("onClose bug");
        };
        session.opened();
        session.connectionClosed();
        session.error(new java.io.IOException("after the close"));
        session.received(text("after the close"));
        assertThat(endpoint.calls).containsExactly("open", "close 1006");
    }

    @Test
    void shouldRethrowOutOfMemoryErrorAfterClosingWith1011() {
        endpoint.onMessage = s -> {
            throw new OutOfMemoryError("simulated");
        };
        session.opened();
        assertThatThrownBy(() -> session.received(text("big"))).isInstanceOf(OutOfMemoryError.class);
        assertThat(session.closesSent).extracting(Message.Close::code).containsExactly(1011);
        session.connectionClosed();
        assertThat(endpoint.calls).as("no onError in a failing JVM, but still one onClose")
                .containsExactly("open", "message big", "close 1011 internal error");
    }

    @Test
    void shouldDeliverOnCloseAfterOnOpenReturnsWhenTheEndpointClosesInsideOnOpen() {
        endpoint.onOpen = s -> {
            s.close(1000, "no thanks");
            session.connectionClosed(); // a transport that closes at once, on this thread
            endpoint.calls.add("open returns");
        };
        session.opened();
        assertThat(endpoint.calls).containsExactly("open", "open returns", "close 1000 no thanks");
    }

    @Test
    void shouldStillCallOnOpenThenOnCloseWhenTheConnectionEndedFirst() {
        session.connectionClosed();
        assertThat(endpoint.calls).isEmpty();
        session.opened();
        session.opened();
        assertThat(endpoint.calls).containsExactly("open", "close 1006");
    }

    @Test
    void shouldHoldOnCloseUntilTheRunningCallbackReturns() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        endpoint.onMessage = s -> {
            inside.countDown();
            await(release);
            endpoint.calls.add("message returns");
        };
        session.opened();
        Thread reader = new Thread(() -> session.received(text("slow")));
        reader.start();
        inside.await();
        session.connectionClosed(); // another thread: the library saw the TCP close
        assertThat(endpoint.calls).containsExactly("open", "message slow");
        release.countDown();
        reader.join();
        assertThat(endpoint.calls).containsExactly("open", "message slow", "message returns", "close 1006");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shouldDeliverExactlyOneOnCloseWhenPeerAndLocalClosesRace() throws Exception {
        for (int i = 0; i < 1000; i++) {
            Recorder ep = new Recorder();
            MemorySession s = new MemorySession(ep);
            s.opened();
            CyclicBarrier start = new CyclicBarrier(3);
            Thread local = new Thread(() -> {
                awaitBarrier(start);
                s.close(1001, "local");
                s.connectionClosed();
            });
            Thread peer = new Thread(() -> {
                awaitBarrier(start);
                s.peerClosed(Message.close(1000, "peer"));
                s.connectionClosed();
            });
            local.start();
            peer.start();
            awaitBarrier(start);
            s.received(text("racing"));
            local.join();
            peer.join();
            assertThat(ep.closes.get()).as("iteration " + i).isEqualTo(1);
            String close = ep.calls.get(ep.calls.size() - 1);
            if (s.closesSent.isEmpty()) {
                assertThat(close).as("the peer started it").isEqualTo("close 1000 peer");
            } else {
                assertThat(close).as("we started it").isEqualTo("close 1001 local");
            }
        }
    }

    private static void awaitBarrier(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldQueueOffersAndAskForAHandOverOnlyWhenFlushed() {
        MemorySession session = new MemorySession(new Recorder());
        session.opened();
        assertThat(session.offer(text("a"))).isEqualTo(OfferResult.ENQUEUED);
        assertThat(session.offer(text("b"))).isEqualTo(OfferResult.ENQUEUED);
        assertThat(session.handOvers).as("offer only queues").hasValue(0);
        assertThat(session.queuedMessages()).isEqualTo(2);
        assertThat(session.queuedBytes()).isEqualTo(2L * text("a").wireFrameLength());
        session.flush();
        session.flush();
        assertThat(session.handOvers).as("one hand-over asked for, until it runs").hasValue(1);
        assertThat(session.outbound().poll()).isNotNull();
        assertThat(session.evictOldest()).as("b is still pending").isTrue();
        assertThat(session.outbound().poll()).isNull();
        assertThat(session.connectionClosed()).isTrue();
        assertThat(session.queuedMessages()).as("the end of the connection discards the queue").isZero();
        assertThat(session.offer(text("c"))).isEqualTo(OfferResult.CLOSED);
    }
}
