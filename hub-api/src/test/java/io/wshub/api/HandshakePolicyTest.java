package io.wshub.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HandshakePolicyTest {

    private static HandshakeRequest request(Map<String, List<String>> headers) {
        return new HandshakeRequest("/ws", "room=1", headers, new InetSocketAddress("127.0.0.1", 50000));
    }

    @Test
    void shouldAcceptAllowedOriginsCaseInsensitively() {
        HandshakePolicy p = HandshakePolicy.allowOrigins("https://chat.example.com");
        assertThat(p.evaluate(request(Map.of("origin", List.of("HTTPS://Chat.Example.com")))))
                .isInstanceOf(HandshakeVerdict.Accept.class);
    }

    @Test
    void shouldRejectForeignOriginWith403() {
        HandshakePolicy p = HandshakePolicy.allowOrigins("https://chat.example.com");
        HandshakeVerdict v = p.evaluate(request(Map.of("Origin", List.of("https://evil.example"))));
        assertThat(v).isEqualTo(new HandshakeVerdict.Reject(403, "origin not allowed: https://evil.example"));
    }

    @Test
    void shouldTreatMissingOriginPerConfiguration() {
        assertThat(HandshakePolicy.allowOrigins("https://a").evaluate(request(Map.of())))
                .isInstanceOf(HandshakeVerdict.Accept.class);
        assertThat(HandshakePolicy.allowOrigins(List.of("https://a"), false).evaluate(request(Map.of())))
                .isEqualTo(HandshakeVerdict.reject(403, "Origin header required"));
    }

    @Test
    void shouldCombinePoliciesFirstRejectionWinsAndAttributesMerge() {
        HandshakePolicy token = r -> "t=1".equals(r.query())
                ? HandshakeVerdict.accept(null, Map.of("user", "ann"))
                : HandshakeVerdict.reject(401, "token required");
        HandshakePolicy sub = r -> HandshakeVerdict.accept("chat", Map.of("tier", 2));
        HandshakeRequest ok = new HandshakeRequest("/ws", "t=1", Map.of(), new InetSocketAddress(1));
        HandshakeVerdict v = token.and(sub).evaluate(ok);
        assertThat(v).isEqualTo(HandshakeVerdict.accept("chat", Map.of("user", "ann", "tier", 2)));
        assertThat(token.and(sub).evaluate(request(Map.of()))).isEqualTo(HandshakeVerdict.reject(401,
                "token required"));
    }

    @Test
    void shouldOnlyRejectWithClientErrorStatus() {
        assertThatThrownBy(() -> HandshakeVerdict.reject(500, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("status must be an HTTP client error between 400 and 499, was 500");
        assertThatThrownBy(() -> HandshakeVerdict.reject(302, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReadHeadersCaseInsensitivelyAndNegotiateSubprotocols() {
        HandshakeRequest r = request(Map.of("sec-websocket-protocol", List.of("v1, chat", "json")));
        assertThat(r.header("SEC-WEBSOCKET-PROTOCOL")).isEqualTo("v1, chat");
        assertThat(r.requestedSubprotocols()).containsExactly("v1", "chat", "json");
        assertThat(r.selectSubprotocol(List.of("json", "chat"))).isEqualTo("json");
        assertThat(r.selectSubprotocol(List.of("mqtt"))).isNull();
        assertThat(r.origin()).isNull();
        assertThatThrownBy(() -> r.headers().put("x", List.of())).isInstanceOf(UnsupportedOperationException.class);
    }
}
