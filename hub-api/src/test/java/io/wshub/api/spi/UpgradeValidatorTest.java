package io.wshub.api.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.HandshakePolicy;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.HandshakeVerdict;
import io.wshub.api.ServerConfig;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The kernel's upgrade validator, in memory: its fixed order, its statuses, and its atomic slot reservation. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UpgradeValidatorTest {

    private static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 50000);
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    private final AtomicInteger policyCalls = new AtomicInteger();

    private HandshakePolicy counting(HandshakePolicy inner) {
        return r -> {
            policyCalls.incrementAndGet();
            return inner.evaluate(r);
        };
    }

    private static Map<String, List<String>> goodHeaders() {
        Map<String, List<String>> h = new LinkedHashMap<>();
        h.put("Host", List.of("127.0.0.1"));
        h.put("Upgrade", List.of("websocket"));
        h.put("Connection", List.of("keep-alive, Upgrade"));
        h.put("Sec-WebSocket-Key", List.of(KEY));
        h.put("Sec-WebSocket-Version", List.of("13"));
        return h;
    }

    private static HandshakeRequest request(String path, Map<String, List<String>> headers) {
        return new HandshakeRequest(path, "", headers, REMOTE);
    }

    private UpgradeValidator validator(ServerConfig config, HandshakePolicy policy) {
        return new UpgradeValidator(config, counting(policy));
    }

    private static int status(UpgradeDecision d) {
        return d instanceof UpgradeDecision.Reject r ? r.status() : 101;
    }

    @Test
    void shouldAcceptAWellFormedUpgradeAndReserveASlot() {
        UpgradeValidator v = validator(ServerConfig.defaults(), HandshakePolicy.acceptAll());
        UpgradeDecision d = v.validate("GET", true, request("/ws", goodHeaders()));
        assertThat(d).isInstanceOf(UpgradeDecision.Accept.class);
        assertThat(v.connections()).isEqualTo(1);
        v.release();
        assertThat(v.connections()).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(v::release).isInstanceOf(IllegalStateException.class)
                .as("a release without a slot is a transport bug, said at once");
    }

    @Test
    void shouldAnswerEachRfcViolationWithItsStatusAndNeverCallThePolicy() {
        UpgradeValidator v = validator(ServerConfig.defaults(), HandshakePolicy.acceptAll());
        assertThat(status(v.validate("GET", true, request("/other", goodHeaders())))).isEqualTo(404);
        UpgradeDecision post = v.validate("POST", true, request("/ws", goodHeaders()));
        assertThat(status(post)).isEqualTo(405);
        assertThat(((UpgradeDecision.Reject) post).headers()).containsEntry("Allow", "GET");
        assertThat(status(v.validate("GET", false, request("/ws", goodHeaders())))).isEqualTo(400);
        for (String[] change : new String[][] {{"Host", null}, {"Upgrade", "h2c"}, {"Connection", "keep-alive"},
                {"Sec-WebSocket-Key", "c2hvcnQ="}, {"Sec-WebSocket-Key", "not base64 at all, 24 ch"},
                {"Sec-WebSocket-Key", null}}) {
            Map<String, List<String>> h = goodHeaders();
            if (change[1] == null) {
                h.remove(change[0]);
            } else {
                h.put(change[0], List.of(change[1]));
            }
            assertThat(status(v.validate("GET", true, request("/ws", h)))).as("%s=%s", change[0], change[1])
                    .isEqualTo(400);
        }
        Map<String, List<String>> h = goodHeaders();
        h.put("Sec-WebSocket-Version", List.of("8"));
        UpgradeDecision old = v.validate("GET", true, request("/ws", h));
        assertThat(status(old)).isEqualTo(426);
        assertThat(((UpgradeDecision.Reject) old).headers()).containsEntry("Sec-WebSocket-Version", "13");
        assertThat(policyCalls.get()).as("the policy never sees a request that failed an earlier step").isZero();
        assertThat(v.connections()).isZero();
    }

    @Test
    void shouldFindTokensInAnyValueAndAnyCase() {
        UpgradeValidator v = validator(ServerConfig.defaults(), HandshakePolicy.acceptAll());
        Map<String, List<String>> h = goodHeaders();
        h.put("Upgrade", List.of("h2c", " WebSocket "));
        h.put("Connection", List.of("keep-alive,UPGRADE"));
        assertThat(status(v.validate("GET", true, request("/ws", h)))).isEqualTo(101);
    }

    @Test
    void shouldAnswer503WhenStoppingBeforeThePolicyRuns() {
        UpgradeValidator v = validator(ServerConfig.defaults(), HandshakePolicy.acceptAll());
        v.stop();
        assertThat(status(v.validate("GET", true, request("/ws", goodHeaders())))).isEqualTo(503);
        assertThat(policyCalls.get()).isZero();
        assertThat(v.stopping()).isTrue();
    }

    @Test
    void shouldRunThePolicyOnceAndGiveTheSlotBackWhenItRejectsOrThrows() {
        UpgradeValidator rejecting = validator(ServerConfig.defaults(), r -> HandshakeVerdict.reject(403, "no"));
        assertThat(status(rejecting.validate("GET", true, request("/ws", goodHeaders())))).isEqualTo(403);
        assertThat(rejecting.connections()).isZero();
        UpgradeValidator throwing = validator(ServerConfig.defaults(), r -> {
            throw new IllegalStateException("policy bug");
        });
        assertThat(status(throwing.validate("GET", true, request("/ws", goodHeaders())))).isEqualTo(500);
        UpgradeValidator nulls = validator(ServerConfig.defaults(), r -> null);
        assertThat(status(nulls.validate("GET", true, request("/ws", goodHeaders())))).isEqualTo(500);
        assertThat(throwing.connections() + nulls.connections()).isZero();
        assertThat(policyCalls.get()).isEqualTo(3);
    }

    @Test
    void shouldNegotiateThePolicysChoiceOrTheServersFirstOfferedSubprotocol() {
        ServerConfig config = ServerConfig.builder().subprotocols(List.of("v2", "v1")).build();
        Map<String, List<String>> h = goodHeaders();
        h.put("Sec-WebSocket-Protocol", List.of("v1, v2"));
        UpgradeDecision.Accept a = (UpgradeDecision.Accept) validator(config, HandshakePolicy.acceptAll())
                .validate("GET", true, request("/ws", h));
        assertThat(a.subprotocol()).as("server preference").isEqualTo("v2");
        a = (UpgradeDecision.Accept) validator(config, r -> HandshakeVerdict.accept("v1", Map.of("user", "ann")))
                .validate("GET", true, request("/ws", h));
        assertThat(a.subprotocol()).isEqualTo("v1");
        assertThat(a.attributes()).containsEntry("user", "ann");
        a = (UpgradeDecision.Accept) validator(config, r -> HandshakeVerdict.accept("v9", Map.of()))
                .validate("GET", true, request("/ws", h));
        assertThat(a.subprotocol()).as("a choice the client did not offer is ignored").isEqualTo("v2");
        a = (UpgradeDecision.Accept) validator(config, HandshakePolicy.acceptAll())
                .validate("GET", true, request("/ws", goodHeaders()));
        assertThat(a.subprotocol()).isNull();
    }

    @Test
    void shouldNeverExceedMaxConnectionsUnderConcurrentUpgrades() throws Exception {
        UpgradeValidator v = validator(ServerConfig.builder().maxConnections(50).build(), HandshakePolicy.acceptAll());
        int threads = 8;
        int each = 25;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger unavailable = new AtomicInteger();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    UpgradeDecision d = v.validate("GET", true, request("/ws", goodHeaders()));
                    if (d instanceof UpgradeDecision.Accept) {
                        accepted.incrementAndGet();
                    } else if (status(d) == 503) {
                        unavailable.incrementAndGet();
                    }
                }
            });
            w.start();
            workers.add(w);
        }
        go.countDown();
        for (Thread w : workers) {
            w.join(10_000);
        }
        assertThat(accepted.get()).isEqualTo(50);
        assertThat(unavailable.get()).isEqualTo(threads * each - 50);
        assertThat(v.connections()).isEqualTo(50);
        assertThat(policyCalls.get()).as("the policy runs only for upgrades that got a slot").isEqualTo(50);
    }

    @Test
    void shouldRejectARejectionOutsideTheErrorRange() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new UpgradeDecision.Reject(200, "ok", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(UpgradeDecision.Reject.reasonPhrase(431)).isEqualTo("Request Header Fields Too Large");
    }
}
