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
}
