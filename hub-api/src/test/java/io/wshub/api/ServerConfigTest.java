package io.wshub.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ServerConfigTest {

    @Test
    void shouldHaveDocumentedDefaults() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.path()).isEqualTo("/ws");
        assertThat(c.maxMessageSize()).isEqualTo(1 << 20);
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.pingInterval()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.maxConnections()).isEqualTo(10_000);
        assertThat(c.maxQueuedMessages()).isEqualTo(1024);
        assertThat(c.maxQueuedBytes()).isEqualTo(4L << 20);
        assertThat(c.closeTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.subprotocols()).isEmpty();
        assertThat(c.sslContext()).isNull();
        assertThat(c.maxRequestHeaderSize()).isEqualTo(16 * 1024);
        assertThat(c.maxRequestHeaders()).isEqualTo(100);
        assertThat(c.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void shouldCopyAndShowTheRequestHeadLimitsAndHandshakeTimeout() {
        ServerConfig c = ServerConfig.builder().maxRequestHeaderSize(4096).maxRequestHeaders(20)
                .handshakeTimeout(Duration.ofMillis(1500)).build();
        ServerConfig copy = c.toBuilder().build();
        assertThat(copy.maxRequestHeaderSize()).isEqualTo(4096);
        assertThat(copy.maxRequestHeaders()).isEqualTo(20);
        assertThat(copy.handshakeTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(copy).isEqualTo(c).hasSameHashCodeAs(c);
        assertThat(c).isNotEqualTo(ServerConfig.defaults());
        assertThat(c.toBuilder().handshakeTimeout(Duration.ofSeconds(10)).build()).isNotEqualTo(c);
        assertThat(c.toString()).contains("maxRequestHeaderSize=4096", "maxRequestHeaders=20",
                "handshakeTimeout=PT1.5S");
    }

    @Test
    void shouldAcceptTheBoundsOfTheRequestHeadLimits() {
        ServerConfig low = ServerConfig.builder().maxRequestHeaderSize(512).maxRequestHeaders(5).build();
        assertThat(low.maxRequestHeaderSize()).isEqualTo(512);
        assertThat(low.maxRequestHeaders()).isEqualTo(5);
        ServerConfig high = ServerConfig.builder().maxRequestHeaderSize(ServerConfig.MAX_REQUEST_HEADER_SIZE_LIMIT)
                .maxRequestHeaders(ServerConfig.MAX_REQUEST_HEADERS_LIMIT).build();
        assertThat(high.maxRequestHeaderSize()).isEqualTo(1 << 20);
        assertThat(high.maxRequestHeaders()).isEqualTo(10_000);
    }

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                bad(b -> b.host(" "), "ServerConfig.host must be a host name or address, not blank, was  "),
                bad(b -> b.host(null), "ServerConfig.host must be"),
                bad(b -> b.port(-1), "ServerConfig.port must be 0 to 65535 (0 = ephemeral), was -1"),
                bad(b -> b.port(65536), "ServerConfig.port must be 0 to 65535 (0 = ephemeral), was 65536"),
                bad(b -> b.path("ws"), "ServerConfig.path must be a path starting with '/'"),
                bad(b -> b.path("/ws?x=1"), "ServerConfig.path must be"),
                bad(b -> b.path("/w s"), "ServerConfig.path must be"),
                bad(b -> b.maxMessageSize(0), "ServerConfig.maxMessageSize must be 1 to 2147483631 bytes, was 0"),
                bad(b -> b.idleTimeout(Duration.ofSeconds(-1)), "ServerConfig.idleTimeout must be zero (disabled)"),
                bad(b -> b.pingInterval(null), "ServerConfig.pingInterval must be zero (disabled)"),
                bad(b -> b.idleTimeout(Duration.ofSeconds(10)).pingInterval(Duration.ofSeconds(10)),
                        "ServerConfig.pingInterval must be shorter than idleTimeout (PT10S)"),
                bad(b -> b.maxConnections(0), "ServerConfig.maxConnections must be 1 or more, was 0"),
                bad(b -> b.maxQueuedMessages(0), "ServerConfig.maxQueuedMessages must be 1 to 1048576, was 0"),
                bad(b -> b.maxQueuedMessages(2_000_000), "ServerConfig.maxQueuedMessages must be 1 to 1048576"),
                bad(b -> b.maxQueuedBytes(0), "ServerConfig.maxQueuedBytes must be 1 or more bytes, was 0"),
                bad(b -> b.closeTimeout(Duration.ZERO), "ServerConfig.closeTimeout must be a positive duration"),
                bad(b -> b.subprotocols(List.of("chat", "bad proto")),
                        "ServerConfig.subprotocols must be HTTP tokens (RFC 7230 §3.2.6); bad entry: bad proto"),
                bad(b -> b.subprotocols(List.of("chat", "chat")), "ServerConfig.subprotocols must be no duplicates"),
                bad(b -> b.subprotocols(null), "ServerConfig.subprotocols must be"),
                bad(b -> b.maxRequestHeaderSize(511),
                        "ServerConfig.maxRequestHeaderSize must be 512 to 1048576 bytes, was 511"),
                bad(b -> b.maxRequestHeaderSize((1 << 20) + 1),
                        "ServerConfig.maxRequestHeaderSize must be 512 to 1048576 bytes, was 1048577"),
                bad(b -> b.maxRequestHeaders(4),
                        "ServerConfig.maxRequestHeaders must be 5 to 10000 (a minimal upgrade has 5 headers), was 4"),
                bad(b -> b.maxRequestHeaders(10_001), "ServerConfig.maxRequestHeaders must be 5 to 10000"),
                bad(b -> b.handshakeTimeout(Duration.ZERO),
                        "ServerConfig.handshakeTimeout must be a positive duration, was PT0S"),
                bad(b -> b.handshakeTimeout(Duration.ofSeconds(-1)), "ServerConfig.handshakeTimeout must be"),
                bad(b -> b.handshakeTimeout(null), "ServerConfig.handshakeTimeout must be a positive duration, was "
                        + "null"));
    }

    private static Arguments bad(UnaryOperator<ServerConfig.Builder> change, String message) {
        return Arguments.of(change, message);
    }

    @ParameterizedTest
    @MethodSource("invalidValues")
    void shouldNameTheFieldAndRangeOfEveryInvalidValue(UnaryOperator<ServerConfig.Builder> change, String message) {
        assertThatThrownBy(() -> change.apply(ServerConfig.builder()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void shouldAllowDisabledKeepaliveAndEphemeralPort() {
        ServerConfig c = ServerConfig.builder().port(0).pingInterval(Duration.ZERO).idleTimeout(Duration.ZERO)
                .subprotocols(List.of("chat.v2", "chat")).build();
        assertThat(c.port()).isZero();
        assertThat(c.subprotocols()).containsExactly("chat.v2", "chat");
    }

    @Test
    void shouldBuildWsUriFromHostBoundPortAndPath() {
        ServerConfig c = ServerConfig.builder().host("localhost").port(0).path("/chat/v1").build();
        assertThat(c.uri(40123)).isEqualTo(URI.create("ws://localhost:40123/chat/v1"));
        assertThat(ServerConfig.defaults().uri(8080)).isEqualTo(URI.create("ws://127.0.0.1:8080/ws"));
    }

    @Test
    void shouldBuildWssUriWhenTlsIsSet() throws Exception {
        ServerConfig c = ServerConfig.builder().sslContext(SSLContext.getInstance("TLS")).build();
        assertThat(c.uri(8443)).isEqualTo(URI.create("wss://127.0.0.1:8443/ws"));
    }

    @Test
    void shouldBracketIpv6LiteralHostOnce() {
        assertThat(ServerConfig.builder().host("::1").build().uri(9000))
                .isEqualTo(URI.create("ws://[::1]:9000/ws"));
        assertThat(ServerConfig.builder().host("[::1]").build().uri(9000))
                .isEqualTo(URI.create("ws://[::1]:9000/ws"));
        assertThat(ServerConfig.builder().host("0:0:0:0:0:0:0:1").build().uri(9000).getHost())
                .isEqualTo("[0:0:0:0:0:0:0:1]");
    }

    @Test
    void shouldRejectUriForPortOutOfRange() {
        ServerConfig c = ServerConfig.defaults();
        assertThatThrownBy(() -> c.uri(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("boundPort must be 1 to 65535, was 0");
        assertThatThrownBy(() -> c.uri(65536)).isInstanceOf(IllegalArgumentException.class);
    }
}
