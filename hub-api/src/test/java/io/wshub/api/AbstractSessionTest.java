package io.wshub.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.spi.AbstractSession;
import io.wshub.api.spi.SessionIds;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class AbstractSessionTest {

    private static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 50412);
    private static final HandshakeRequest HANDSHAKE =
            new HandshakeRequest("/ws", "room=1", Map.of("Upgrade", List.of("websocket")), REMOTE);

    /** The least a subclass has to write: the queue and lifecycle methods. */
    private static final class MinimalSession extends AbstractSession {
        MinimalSession(long id, HandshakeRequest handshake, String subprotocol, Map<String, Object> attributes) {
            super(id, handshake, subprotocol, attributes);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public OfferResult offer(Message message) {
            return OfferResult.ENQUEUED;
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

    @Test
    void shouldExposeTheIdentityGivenAtConstruction() {
        long id = SessionIds.next();
        Session s = new MinimalSession(id, HANDSHAKE, "chat.v2", Map.of("user", "ada"));
        assertThat(s.id()).isEqualTo(id);
        assertThat(s.handshake()).isSameAs(HANDSHAKE);
        assertThat(s.subprotocol()).isEqualTo("chat.v2");
        assertThat(s.remoteAddress()).isSameAs(REMOTE);
        assertThat(s.attributes()).containsExactly(Map.entry("user", "ada"));
    }

    @Test
    void shouldAllowNoSubprotocol() {
        assertThat(new MinimalSession(1, HANDSHAKE, null, Map.of()).subprotocol()).isNull();
    }

    @Test
    void shouldCopyAttributesIntoAConcurrentMutableMap() {
        Map<String, Object> accepted = new HashMap<>(Map.of("user", "ada"));
        Session s = new MinimalSession(1, HANDSHAKE, null, accepted);
        accepted.put("late", "ignored");
        s.attributes().put("room", 7);

        assertThat(s.attributes()).isInstanceOf(ConcurrentHashMap.class)
                .containsOnly(Map.entry("user", "ada"), Map.entry("room", 7));
        assertThat(accepted).doesNotContainKey("room");
        assertThat(s.attributes()).isSameAs(s.attributes());
    }

    @Test
    void shouldRejectNonPositiveIdAndNullArguments() {
        assertThatThrownBy(() -> new MinimalSession(0, HANDSHAKE, null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("session id must be positive, was 0");
        assertThatThrownBy(() -> new MinimalSession(-5, HANDSHAKE, null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MinimalSession(1, null, null, Map.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("handshake");
        assertThatThrownBy(() -> new MinimalSession(1, HANDSHAKE, null, null))
                .isInstanceOf(NullPointerException.class).hasMessage("attributes");
    }

    @Test
    void shouldDescribeItselfByClassIdAndRemoteAddress() {
        Session s = new MinimalSession(42, HANDSHAKE, null, Map.of());
        assertThat(s).hasToString("MinimalSession[id=42, remote=" + REMOTE + "]");
    }
}
