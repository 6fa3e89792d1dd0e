package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.testkit.RedisServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three chat processes, {@code chat --redis URI --port 0}, two on Undertow and one on Java-WebSocket, on one real
 * {@code redis-server} of their own: one room. A message sent to any node reaches the clients of every node once, in
 * one order with one set of offsets, for concurrent senders on different nodes; presence notices cross nodes; a
 * {@code ?recover=1} client that leaves one node resumes on another with exactly what it missed, then the live
 * messages; every node's {@code /metrics} shows its Redis meters; SIGTERM stops each node gracefully.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ChatNodesTest {

    private static final Pattern LISTENING = Pattern.compile("listening (ws://127\\.0\\.0\\.1:\\d+/ws)");
    private static final Pattern PAGE = Pattern.compile("page (http://127\\.0\\.0\\.1:\\d+/)");
    private static final Pattern REDIS = Pattern.compile("redis redis://127\\.0\\.0\\.1:\\d+ node (\\d+)");
    private static final Pattern MESSAGE = Pattern.compile(
            "\\{\"type\":\"message\",\"offset\":(\\d+),\"epoch\":\"([^\"\\\\]+)\",\"data\":\"([^\"\\\\]*)\"\\}");
    private static final Pattern NOTICE = Pattern.compile(
            "\\{\"type\":\"system\",\"text\":\"someone (joined|left) \\((\\d+) online on node (\\d+)\\)\"\\}");
    private static final int PER_SENDER = 40;

    /** One chat process. */
    private record Node(MainProcess process, String transport, String ws, URI page, int number) {
    }

    /** A chat message as a {@code ?recover=1} client receives it. */
    private record Envelope(long offset, String epoch, String data) {
    }

    private static Path temp;
    private static RedisServer redis;
    private static final List<Node> NODES = new ArrayList<>();

    @BeforeAll
    static void startRedisAndThreeNodes() throws Exception {
        redis = RedisServer.start();
        temp = Files.createTempDirectory("wshub-chat-nodes");
        List<String> transports = List.of("undertow", "undertow", "java-websocket");
        for (String transport : transports) {
            // One after another: three cold JVMs at once on two cores can take longer than hub-redis's 2 s to set up
            // their first connection to Redis.
            MainProcess p = MainProcess.start(temp, "chat", "--redis", redis.uri(), "--port", "0", "--transport",
                    transport);
            NODES.add(new Node(p, transport, null, null, 0)); // stopped in stopNodesAndRedis even if it fails here
            String ws = p.awaitMatch(LISTENING).group(1);
            URI page = URI.create(p.awaitMatch(PAGE).group(1));
            int number = Integer.parseInt(p.awaitMatch(REDIS).group(1));
            NODES.set(NODES.size() - 1, new Node(p, transport, ws, page, number));
        }
        assertThat(NODES.stream().map(Node::number).distinct()).as("node numbers").hasSize(3);
    }

    @AfterAll
    static void stopNodesAndRedis() throws Exception {
        List<String> wrong = new ArrayList<>();
        try {
            for (Node n : NODES) {
                n.process().process.destroy(); // SIGTERM, like Ctrl-C
            }
            for (Node n : NODES) {
                int status = n.process().awaitExit();
                if (status != 143) { // 128 + SIGTERM, after the shutdown hook ran
                    wrong.add(n.transport() + " node " + n.number() + " exited with " + status + ": "
                            + n.process().stderr());
                }
            }
        } finally {
            for (Node n : NODES) {
                n.process().kill();
            }
            if (redis != null) {
                redis.close();
            }
            if (temp != null) {
                try (var files = Files.walk(temp)) {
                    files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
                }
            }
        }
        assertThat(wrong).as("every node stops gracefully on SIGTERM").isEmpty();
    }

    @Test
    void shouldDeliverEveryMessageOnceInOneOrderOnEveryNodeForConcurrentSendersOnDifferentNodes() throws Exception {
        List<TestClient> clients = new ArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(NODES.size());
        try {
            List<Recovery> starts = new ArrayList<>();
            for (Node n : NODES) {
                TestClient c = TestClient.connect(n.ws() + "?recover=1");
                clients.add(c);
                starts.add(Recovery.read(c));
            }
            TestClient plain = TestClient.connect(NODES.get(2).ws());
            clients.add(plain);
            awaitNoticeFrom(plain, "joined", NODES.get(2)); // its own: it is subscribed to everything now

            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> sent = new ArrayList<>();
            List<String> all = new ArrayList<>();
            for (int i = 0; i < NODES.size(); i++) {
                TestClient sender = clients.get(i);
                String name = "n" + NODES.get(i).number() + "-";
                for (int k = 0; k < PER_SENDER; k++) {
                    all.add(name + k);
                }
                sent.add(senders.submit(() -> {
                    go.await();
                    for (int k = 0; k < PER_SENDER; k++) {
                        sender.sendText(name + k);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }

            int total = NODES.size() * PER_SENDER;
            List<List<String>> orders = new ArrayList<>();
            String epoch = starts.get(0).epoch();
            long first = starts.get(0).offset() + 1;
            for (int i = 0; i < NODES.size(); i++) {
                assertThat(starts.get(i).epoch()).as("one epoch on every node").isEqualTo(epoch);
                assertThat(starts.get(i).offset()).as("one position on every node").isEqualTo(first - 1);
                List<String> order = new ArrayList<>();
                for (int k = 0; k < total; k++) {
                    Envelope e = nextMessage(clients.get(i));
                    assertThat(e.epoch()).isEqualTo(epoch);
                    assertThat(e.offset()).as("the same offsets on every node, without a gap or a duplicate")
                            .isEqualTo(first + k);
                    order.add(e.data());
                }
                orders.add(order);
            }
            List<String> plainOrder = new ArrayList<>();
            for (int k = 0; k < total; k++) {
                plainOrder.add(nextPlain(plain));
            }
            for (List<String> order : orders) {
                assertThat(order).as("the same order on every node").isEqualTo(orders.get(0));
            }
            assertThat(plainOrder).as("a plain client sees that order too, unwrapped").isEqualTo(orders.get(0));
            assertThat(orders.get(0)).as("every message once").containsExactlyInAnyOrderElementsOf(all);
            for (int i = 0; i < NODES.size(); i++) {
                String name = "n" + NODES.get(i).number() + "-";
                assertThat(orders.get(0).stream().filter(d -> d.startsWith(name)).toList())
                        .as("each sender's messages in the order sent").isEqualTo(all.subList(i * PER_SENDER,
                                (i + 1) * PER_SENDER));
            }

            // Each node published its own clients' messages and received everyone's from Redis.
            for (Node n : NODES) {
                PrometheusText m = PrometheusText.await(n.page().resolve("/metrics"),
                        t -> t.value("wshub_redis_published_operations_total") >= PER_SENDER
                                && t.value("wshub_redis_received_messages_total") >= total);
                assertThat(m.type("wshub_redis_connected")).isEqualTo("gauge");
                assertThat(m.value("wshub_redis_connected")).isEqualTo(1);
                assertThat(m.type("wshub_redis_published_operations_total")).isEqualTo("counter");
                assertThat(m.value("wshub_redis_unavailable_operations_total")).isZero();
                assertThat(m.value("wshub_redis_publish_failed_operations_total")).isZero();
                assertThat(m.value("wshub_redis_inbound_dropped_messages_total")).isZero();
                assertThat(m.value("wshub_redis_gaps_total", "result", "lost")).isZero();
                assertThat(m.value("wshub_hub_accepted_messages_total")).isPositive();
            }
        } finally {
            senders.shutdownNow();
            clients.forEach(TestClient::close);
        }
    }

    @Test
    void shouldAnnounceArrivalsAndDeparturesOnEveryNode() throws Exception {
        try (TestClient a = TestClient.connect(NODES.get(0).ws())) {
            awaitNoticeFrom(a, "joined", NODES.get(0));
            try (TestClient b = TestClient.connect(NODES.get(1).ws())) {
                awaitNoticeFrom(b, "joined", NODES.get(1));
                awaitNoticeFrom(a, "joined", NODES.get(1));
                try (TestClient c = TestClient.connect(NODES.get(2).ws())) {
                    awaitNoticeFrom(c, "joined", NODES.get(2));
                    awaitNoticeFrom(a, "joined", NODES.get(2));
                    awaitNoticeFrom(b, "joined", NODES.get(2));
                    c.sendClose();
                    assertThat(c.awaitClose().code()).isEqualTo(1000);
                    awaitNoticeFrom(a, "left", NODES.get(2));
                    awaitNoticeFrom(b, "left", NODES.get(2));
                }
            }
        }
    }

    @Test
    void shouldResumeOnAnotherNodeOnAnotherTransportWithExactlyTheMissedMessagesThenLiveOnes() throws Exception {
        Node a = NODES.get(0);
        Node b = NODES.get(1);
        Node c = NODES.get(2);
        assertThat(a.transport()).isNotEqualTo(c.transport());
        TestClient away = TestClient.connect(a.ws() + "?recover=1");
        List<String> before = List.of("before 1", "before 2", "before 3");
        Envelope last = null;
        try {
            Recovery.read(away);
            for (String text : before) {
                away.sendText(text);
            }
            for (String text : before) {
                last = nextMessage(away);
                assertThat(last.data()).isEqualTo(text);
            }
        } finally {
            away.close(); // gone without a close handshake, as a dropped connection
        }
        List<String> missed = List.of("missed 1", "missed 2", "missed 3", "missed 4", "missed 5");
        try (TestClient watcher = TestClient.connect(c.ws() + "?recover=1");
             TestClient sender = TestClient.connect(b.ws())) {
            assertThat(Recovery.read(watcher).offset()).as("node C's position").isEqualTo(last.offset());
            for (String text : missed) {
                sender.sendText(text);
            }
            for (String text : missed) { // in Redis, and on node C
                assertThat(nextMessage(watcher).data()).isEqualTo(text);
            }

            try (TestClient back = TestClient.connect(c.ws() + "?recover=1&offset=" + last.offset() + "&epoch="
                    + last.epoch())) {
                TestClient.Event firstFrame = back.next();
                assertThat(firstFrame).as("the recovery frame first").isEqualTo(new TestClient.Text(
                        "{\"type\":\"recovery\",\"recovered\":true,\"missed\":5,\"epoch\":\"" + last.epoch()
                                + "\",\"offset\":" + (last.offset() + 5) + "}"));
                for (int i = 0; i < missed.size(); i++) {
                    assertThat(nextMessage(back)).isEqualTo(new Envelope(last.offset() + 1 + i, last.epoch(),
                            missed.get(i)));
                }
                sender.sendText("live 1");
                assertThat(nextMessage(back)).as("then the live ones, with no duplicate")
                        .isEqualTo(new Envelope(last.offset() + 6, last.epoch(), "live 1"));
            }
            try (TestClient fromB = TestClient.connect(b.ws() + "?recover=1&offset=" + (last.offset() - 2)
                    + "&epoch=" + last.epoch())) {
                assertThat(Recovery.read(fromB)).as("the same history on every node")
                        .isEqualTo(new Recovery(true, 8, last.epoch(), last.offset() + 6));
                List<String> replayed = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    replayed.add(nextMessage(fromB).data());
                }
                assertThat(replayed).containsExactly("before 2", "before 3", "missed 1", "missed 2", "missed 3",
                        "missed 4", "missed 5", "live 1");
            }
        }
    }

    /**
     * A node that followed the chat, then had no client while others published, and clients that arrive there: its
     * local history still holds the chat as it was when its last client left (same epoch, an older offset), which must
     * not stand for the chat's position. A client resuming from where the node's last client was gets the three
     * messages it missed, a new client gets the chat's head, and a client resuming from the head is recovered.
     */
    @Test
    void shouldRecoverOnANodeThatHadNoClientForAWhile() throws Exception {
        Node a = NODES.get(0);
        Node c = NODES.get(2);
        Recovery left;
        try (TestClient once = TestClient.connect(c.ws() + "?recover=1")) {
            left = Recovery.read(once);
        }
        PrometheusText.await(c.page().resolve("/metrics"), t -> t.value("wshub_hub_sessions") == 0);
        Thread.sleep(500); // the node releases the topic just after its last session leaves the local hub
        List<String> sent = List.of("while node C had nobody 1", "while node C had nobody 2",
                "while node C had nobody 3");
        Envelope last = null;
        try (TestClient sender = TestClient.connect(a.ws() + "?recover=1")) {
            Recovery.read(sender);
            for (String text : sent) {
                sender.sendText(text);
            }
            for (int i = 0; i < sent.size(); i++) {
                last = nextMessage(sender);
            }
        }
        try (TestClient behind = TestClient.connect(c.ws() + "?recover=1&offset=" + left.offset() + "&epoch="
                + left.epoch())) {
            assertThat(Recovery.read(behind)).as("a client resuming on node C from where its last client was")
                    .isEqualTo(new Recovery(true, 3, last.epoch(), last.offset()));
            for (String text : sent) {
                assertThat(nextMessage(behind).data()).isEqualTo(text);
            }
        }
        try (TestClient fresh = TestClient.connect(c.ws() + "?recover=1")) {
            assertThat(Recovery.read(fresh)).as("a new client's position on node C")
                    .isEqualTo(new Recovery(false, 0, last.epoch(), last.offset()));
        }
        try (TestClient resumed = TestClient.connect(c.ws() + "?recover=1&offset=" + last.offset() + "&epoch="
                + last.epoch())) {
            assertThat(Recovery.read(resumed)).as("a client from node A at the head, resuming on node C")
                    .isEqualTo(new Recovery(true, 0, last.epoch(), last.offset()));
        }
    }

    // ------------------------------------------------------------------------------------------------- helpers

    /** The next frame that is not a presence notice, which must be a chat message in an envelope. */
    private static Envelope nextMessage(TestClient client) throws InterruptedException {
        String text = nextNotNotice(client);
        Matcher m = MESSAGE.matcher(text);
        assertThat(m.matches()).as("a chat message in an envelope: %s", text).isTrue();
        return new Envelope(Long.parseLong(m.group(1)), m.group(2), m.group(3));
    }

    /** The next frame that is not a presence notice, as a plain client receives it. */
    private static String nextPlain(TestClient client) throws InterruptedException {
        return nextNotNotice(client);
    }

    private static String nextNotNotice(TestClient client) throws InterruptedException {
        for (int skipped = 0; skipped < 1_000; skipped++) {
            TestClient.Event e = client.next();
            assertThat(e).as("a text frame").isInstanceOf(TestClient.Text.class);
            String text = ((TestClient.Text) e).text();
            if (!text.startsWith("{\"type\":\"system\",")) {
                return text;
            }
        }
        throw new AssertionError("nothing but presence notices");
    }

    /** Skips frames until a presence notice of an arrival or departure on the node; fails on a chat message. */
    private static void awaitNoticeFrom(TestClient client, String what, Node node) throws InterruptedException {
        Set<String> seen = new HashSet<>();
        for (int skipped = 0; skipped < 1_000; skipped++) {
            TestClient.Event e = client.next();
            assertThat(e).as("a text frame").isInstanceOf(TestClient.Text.class);
            String text = ((TestClient.Text) e).text();
            Matcher m = NOTICE.matcher(text);
            assertThat(m.matches()).as("a presence notice naming its node: %s (after %s)", text, seen).isTrue();
            if (m.group(1).equals(what) && Integer.parseInt(m.group(3)) == node.number()) {
                assertThat(Integer.parseInt(m.group(2))).as("the node's count").isNotNegative();
                return;
            }
            seen.add(text);
        }
        throw new AssertionError("no notice that someone " + what + " on node " + node.number());
    }
}
