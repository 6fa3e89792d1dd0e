package io.wshub.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointsTest {

    @Test
    void echoShouldSendTheSameMessageBackAndFlush() {
        TestSession s = new TestSession(1, 10);
        Message.Text m = Message.text("hi");
        Endpoints.echo().onMessage(s, m);
        assertThat(s.sent).containsExactly(m);
        assertThat(s.sent.get(0)).isSameAs(m);
        assertThat(s.flushes).isEqualTo(1);
    }

    @Test
    void echoShouldCloseAClientThatDoesNotReadWith1013() {
        TestSession s = new TestSession(1, 1);
        Endpoints.echo().onMessage(s, Message.text("a"));
        Endpoints.echo().onMessage(s, Message.text("b"));
        assertThat(s.closeCode).isEqualTo(1013);
        assertThat(s.isOpen()).isFalse();
    }

    @Test
    void broadcastEndpointShouldJoinRelayAndLeave() {
        RecordingHub hub = new RecordingHub(PublishResult.ACCEPTED);
        BroadcastEndpoint e = new BroadcastEndpoint(hub, true);
        TestSession s = new TestSession(7, 10);
        e.onOpen(s);
        e.onMessage(s, Message.text("x"));
        e.onClose(s, 1000, "");
        assertThat(hub.calls).containsExactly("join 7", "broadcast Text[x] except 7", "leave 7");
        assertThat(e.rejected()).isZero();
    }

    @Test
    void broadcastEndpointShouldCountRefusedMessagesAndCloseRefusedJoins() {
        BroadcastEndpoint busy = new BroadcastEndpoint(new RecordingHub(PublishResult.BACKPRESSURED), false);
        TestSession s = new TestSession(3, 10);
        busy.onMessage(s, Message.text("x"));
        assertThat(busy.rejected()).isEqualTo(1);
        busy.onOpen(s);
        assertThat(s.closeCode).isEqualTo(1013);

        TestSession t = new TestSession(4, 10);
        new BroadcastEndpoint(new RecordingHub(PublishResult.CLOSED), false).onOpen(t);
        assertThat(t.closeCode).isEqualTo(1001);
    }

    /** Records calls and answers every one with a fixed result. */
    private static final class RecordingHub implements Hub {
        final List<String> calls = new ArrayList<>();
        final PublishResult answer;

        RecordingHub(PublishResult answer) {
            this.answer = answer;
        }

        @Override
        public PublishResult join(Session session) {
            calls.add("join " + session.id());
            return answer;
        }

        @Override
        public PublishResult leave(Session session) {
            calls.add("leave " + session.id());
            return answer;
        }

        @Override
        public PublishResult subscribe(Session session, String topic) {
            return answer;
        }

        @Override
        public PublishResult unsubscribe(Session session, String topic) {
            return answer;
        }

        @Override
        public PublishResult broadcast(Message message) {
            return broadcast(message, NO_SESSION);
        }

        @Override
        public PublishResult broadcast(Message message, long excludedSessionId) {
            calls.add("broadcast " + message + (excludedSessionId == NO_SESSION ? "" : " except " + excludedSessionId));
            return answer;
        }

        @Override
        public PublishResult publish(String topic, Message message) {
            return answer;
        }

        @Override
        public PublishResult send(long sessionId, Message message) {
            return answer;
        }

        @Override
        public HubStats stats() {
            return new HubStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }

        @Override
        public boolean shutdown(Duration timeout) {
            return true;
        }
    }
}
