package io.wshub.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The compact header map behaves like the unmodifiable case-insensitive TreeMap it replaces. */
class HeaderMapTest {

    private static final List<String> NAMES = List.of("Host", "host", "Upgrade", "Connection", "Origin", "X-Custom",
            "x-custom", "Sec-WebSocket-Key", "Sec-WebSocket-Protocol", "Cookie", "A", "b", "Z-Last");

    @Test
    void shouldMatchACaseInsensitiveTreeMapOnRandomHeaders() {
        Random random = new Random(42);
        for (int round = 0; round < 500; round++) {
            Map<String, List<String>> raw = new LinkedHashMap<>();
            int n = random.nextInt(8);
            for (int i = 0; i < n; i++) {
                List<String> values = new ArrayList<>();
                for (int v = 0, count = 1 + random.nextInt(3); v < count; v++) {
                    values.add(random.nextBoolean() ? "websocket" : "value-" + random.nextInt(5));
                }
                raw.put(NAMES.get(random.nextInt(NAMES.size())), values);
            }
            TreeMap<String, List<String>> expected = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            raw.forEach((k, v) -> expected.merge(k, List.copyOf(v), (a, b) -> {
                List<String> both = new ArrayList<>(a);
                both.addAll(b);
                return List.copyOf(both);
            }));
            Map<String, List<String>> actual = new HandshakeRequest("/", "", raw,
                    new InetSocketAddress("127.0.0.1", 1)).headers();

            assertThat(actual).isEqualTo(expected);
            assertThat(actual.hashCode()).isEqualTo(expected.hashCode());
            assertThat(new ArrayList<>(actual.keySet())).isEqualTo(new ArrayList<>(expected.keySet()));
            assertThat(actual.size()).isEqualTo(expected.size());
            for (String name : NAMES) {
                assertThat(actual.get(name)).isEqualTo(expected.get(name));
                assertThat(actual.get(name.toUpperCase())).isEqualTo(expected.get(name.toUpperCase()));
                assertThat(actual.containsKey(name.toLowerCase())).isEqualTo(expected.containsKey(name));
            }
            assertThat(actual.toString()).isEqualTo(Collections.unmodifiableMap(expected).toString());
        }
    }

    @Test
    void shouldBeUnmodifiableAndCaseInsensitive() {
        Map<String, List<String>> h = new HandshakeRequest("/", "", Map.of("Host", List.of("a")),
                new InetSocketAddress("127.0.0.1", 1)).headers();
        assertThatThrownBy(() -> h.put("x", List.of())).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> h.remove("Host")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(h::clear).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> h.get("Host").add("b")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(h.get("HOST")).containsExactly("a");
        assertThat(h.isEmpty()).isFalse();
    }

    @Test
    void shouldKeepOneInstanceOfValuesThatRecurAcrossClientsButNotOfSecrets() {
        HandshakeRequest a = request(Map.of("Host", List.of(new String("example.test:8443")),
                "User-Agent", List.of(new String("agent/1.0 (shared)")), "Cookie", List.of(new String("id=1")),
                "Sec-WebSocket-Key", List.of(new String("dGhlIHNhbXBsZSBub25jZQ==")),
                "X-Custom", List.of(new String("custom"))));
        HandshakeRequest b = request(Map.of("host", List.of(new String("example.test:8443")),
                "user-agent", List.of(new String("agent/1.0 (shared)")), "Cookie", List.of(new String("id=1")),
                "Sec-WebSocket-Key", List.of(new String("dGhlIHNhbXBsZSBub25jZQ==")),
                "X-Custom", List.of(new String("custom"))));

        assertThat(b.header("Host")).isSameAs(a.header("Host"));
        assertThat(b.header("User-Agent")).isSameAs(a.header("User-Agent"));
        assertThat(b.header("Cookie")).isEqualTo(a.header("Cookie")).isNotSameAs(a.header("Cookie"));
        assertThat(b.header("Sec-WebSocket-Key")).isEqualTo(a.header("Sec-WebSocket-Key"))
                .isNotSameAs(a.header("Sec-WebSocket-Key"));
        assertThat(b.header("X-Custom")).isEqualTo(a.header("X-Custom")).isNotSameAs(a.header("X-Custom"));
    }

    @Test
    void shouldNotShareLongValues() {
        String agent = "a".repeat(HeaderMap.MAX_RECURRING_LENGTH + 1);
        HandshakeRequest a = request(Map.of("User-Agent", List.of(new String(agent))));
        HandshakeRequest b = request(Map.of("User-Agent", List.of(new String(agent))));

        assertThat(b.header("User-Agent")).isEqualTo(agent).isNotSameAs(a.header("User-Agent"));
    }

    private static HandshakeRequest request(Map<String, List<String>> headers) {
        return new HandshakeRequest("/", "", headers, new InetSocketAddress("127.0.0.1", 1));
    }
}
