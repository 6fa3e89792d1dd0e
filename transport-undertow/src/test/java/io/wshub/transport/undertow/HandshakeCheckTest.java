package io.wshub.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The RFC 6455 §4.2.1 request checks, without sockets. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class HandshakeCheckTest {

    private static final List<String> HOST = List.of("127.0.0.1");
    private static final List<String> UPGRADE = List.of("websocket");
    private static final List<String> CONNECTION = List.of("Upgrade");
    private static final List<String> KEY = List.of(RawClient.KEY);
    private static final List<String> V13 = List.of("13");

    private static HandshakeCheck.Result check(String method, boolean http11, List<String> host, List<String> upgrade,
                                               List<String> connection, List<String> key, List<String> version) {
        return HandshakeCheck.check(method, http11, host, upgrade, connection, key, version);
    }

    @Test
    void shouldAcceptAWellFormedRequestWithTokensInAnyCase() {
        assertThat(check("GET", true, HOST, UPGRADE, CONNECTION, KEY, V13).ok()).isTrue();
        assertThat(check("GET", true, HOST, List.of("WebSocket"), List.of("keep-alive, UPGRADE"), KEY, V13).ok())
                .isTrue();
    }

    @Test
    void shouldRefuseEachMalformedPartWithItsStatus() {
        assertThat(check("POST", true, HOST, UPGRADE, CONNECTION, KEY, V13).status()).isEqualTo(405);
        assertThat(check("GET", false, HOST, UPGRADE, CONNECTION, KEY, V13).status()).isEqualTo(400);
        assertThat(check("GET", true, List.of(), UPGRADE, CONNECTION, KEY, V13).status()).isEqualTo(400);
        assertThat(check("GET", true, HOST, List.of(), CONNECTION, KEY, V13).status()).isEqualTo(400);
        assertThat(check("GET", true, HOST, List.of("h2c"), CONNECTION, KEY, V13).status()).isEqualTo(400);
        assertThat(check("GET", true, HOST, UPGRADE, List.of("keep-alive"), KEY, V13).status()).isEqualTo(400);
        assertThat(check("GET", true, HOST, UPGRADE, CONNECTION, List.of(), V13).status()).isEqualTo(400);
        assertThat(check("GET", true, HOST, UPGRADE, CONNECTION, List.of(RawClient.KEY, RawClient.KEY), V13)
                .status()).isEqualTo(400);
        assertThat(check("GET", true, HOST, UPGRADE, CONNECTION, KEY, List.of("8")).status()).isEqualTo(426);
        assertThat(check("GET", true, HOST, UPGRADE, CONNECTION, KEY, List.of()).status()).isEqualTo(426);
    }

    @Test
    void shouldAcceptOnlyKeysThatDecodeToSixteenBytes() {
        assertThat(HandshakeCheck.isValidKey(RawClient.KEY)).isTrue();
        assertThat(HandshakeCheck.isValidKey(" " + RawClient.randomKey() + " ")).isTrue();
        assertThat(HandshakeCheck.isValidKey(null)).isFalse();
        assertThat(HandshakeCheck.isValidKey("c2hvcnQ=")).isFalse(); // "short"
        assertThat(HandshakeCheck.isValidKey("AAAAAAAAAAAAAAAAAAAAAAAAAAAA")).isFalse(); // 21 bytes
        assertThat(HandshakeCheck.isValidKey("!!!!!!!!!!!!!!!!!!!!!!==")).isFalse(); // not base64
    }
}
