package io.wshub.benchmarks.server;

import io.wshub.api.BroadcastEndpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.HubStats;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.api.Transports;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import io.wshub.redis.BackplaneStats;
import io.wshub.redis.RedisHub;
import io.wshub.redis.RedisHubConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * The server under test: wshub's chat server, a {@link BroadcastEndpoint} (every message to every client, the
 * sender included, like the peers) over hub-disruptor, served on a transport chosen by name. With {@code --redis URI}
 * the process is one node of a hub shared through Redis: the {@link DisruptorHub} is wrapped in a {@link RedisHub}
 * (hub-redis), so a message sent to any node reaches the clients of every node on the same Redis and prefix.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.wshub.benchmarks.server.BenchServer \
 *     --transport undertow|java-websocket --port 8080 [--shards 1] [--ring 65536] \
 *     [--policy DISCONNECT|DROP_NEWEST|DROP_OLDEST] [--max-queued-messages 1024] [--stats-file stats.json] \
 *     [--redis redis://127.0.0.1:6379 [--redis-prefix bench]]
 * </pre>
 *
 * <p>Prints {@code LISTENING <transport> <port>} once bound. With {@code --stats-file} it writes the hub's counters,
 * the endpoint's refused count and the heap in use as JSON every second and once more on shutdown (SIGTERM), so the
 * run script can report drop accounting and memory; a Redis node adds its {@link BackplaneStats} under {@code "redis"}.
 * A Redis that cannot be used at start is an error on stderr and exit status 1, with nothing listening.
 *
 * <p>Thread-safety: a main program.
 */
public final class BenchServer {

    private BenchServer() {
    }

    /**
     * Starts the server; stops it on SIGTERM.
     *
     * @param args the options above
     * @throws Exception if it cannot start
     */
    public static void main(String[] args) throws Exception {
        String transport = "undertow";
        int port = 8080;
        int shards = 1;
        int ring = 65536;
        int maxQueued = ServerConfig.defaults().maxQueuedMessages();
        SlowConsumerPolicy policy = SlowConsumerPolicy.DISCONNECT;
        String statsFile = null;
        String redis = null;
        String redisPrefix = "bench";
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--transport" -> transport = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--shards" -> shards = Integer.parseInt(v);
                case "--ring" -> ring = Integer.parseInt(v);
                case "--policy" -> policy = SlowConsumerPolicy.valueOf(v.toUpperCase(Locale.ROOT));
                case "--max-queued-messages" -> maxQueued = Integer.parseInt(v);
                case "--stats-file" -> statsFile = v;
                case "--redis" -> redis = v;
                case "--redis-prefix" -> redisPrefix = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        DisruptorHub local = DisruptorHub.start(DisruptorHubConfig.builder()
                .shards(shards)
                .ringSize(ring)
                .slowConsumerPolicy(policy)
                .listener(HubListener.NONE)
                .build());
        Hub hub;
        if (redis == null) {
            hub = local;
        } else {
            try {
                // The node owns the local hub from now on; its shutdown stops both.
                hub = RedisHub.start(RedisHubConfig.builder(redis).prefix(redisPrefix).build(), local);
            } catch (RuntimeException e) {
                local.shutdown(Duration.ofSeconds(1));
                System.err.println("error: --redis: " + e.getMessage());
                System.exit(1);
                return;
            }
        }
        BroadcastEndpoint endpoint = new BroadcastEndpoint(hub, false);
        ServerConfig config = ServerConfig.builder()
                .host("127.0.0.1")
                .port(port)
                .path("/ws")
                .maxConnections(20_000)
                .maxQueuedMessages(maxQueued)
                .build();
        RunningServer server = Transports.start(transport, config, endpoint, HandshakePolicy.acceptAll());
        String name = transport;
        Path stats = statsFile == null ? null : Path.of(statsFile);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            try {
                while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                    writeStats(stats, name, hub, endpoint, server.sessionCount());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-stats");
        writer.setDaemon(true);
        if (stats != null) {
            writer.start();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopped.countDown();
            server.stop();
            hub.shutdown(Duration.ofSeconds(5));
            writeStats(stats, name, hub, endpoint, 0);
            System.err.println("[bench-server] stopped: " + hub.stats() + ", rejected " + endpoint.rejected());
        }, "bench-stop"));
        System.out.println("LISTENING wshub-" + transport + " " + server.port()
                + (hub instanceof RedisHub node ? " redis-node " + node.node() : ""));
        System.out.flush();
        Thread.currentThread().join();
    }

    private static void writeStats(Path path, String transport, Hub hub, BroadcastEndpoint endpoint, int sessions) {
        if (path == null) {
            return;
        }
        HubStats s = hub.stats();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        String json = String.format(Locale.ROOT, "{\"transport\": \"%s\", \"sessions\": %d, \"hubSessions\": %d, "
                        + "\"accepted\": %d, \"backpressured\": %d, \"delivered\": %d, \"droppedNewest\": %d, "
                        + "\"droppedOldest\": %d, \"droppedDisconnect\": %d, \"droppedClosed\": %d, "
                        + "\"slowDisconnects\": %d, \"errors\": %d, \"backlog\": %d, \"endpointRejected\": %d, "
                        + "\"heapUsed\": %d, \"heapCommitted\": %d}%n",
                transport, sessions, s.sessions(), s.accepted(), s.backpressured(), s.delivered(), s.droppedNewest(),
                s.droppedOldest(), s.droppedDisconnect(), s.droppedClosed(), s.slowDisconnects(), s.errors(),
                s.backlog(), endpoint.rejected(), heap.getUsed(), heap.getCommitted());
        if (hub instanceof RedisHub node) {
            BackplaneStats b = node.backplaneStats();
            json = json.substring(0, json.lastIndexOf('}')) + String.format(Locale.ROOT, ", \"redis\": {\"node\": %d, "
                            + "\"published\": %d, \"publishFailed\": %d, \"unavailable\": %d, \"received\": %d, "
                            + "\"inboundDropped\": %d, \"undeliverableSends\": %d, \"gapsDetected\": %d, "
                            + "\"gapsRecovered\": %d, \"gapsLost\": %d, \"resubscribes\": %d, \"probeFailures\": %d, "
                            + "\"connected\": %s}}%n", node.node(), b.published(), b.publishFailed(), b.unavailable(),
                    b.received(), b.inboundDropped(), b.undeliverableSends(), b.gapsDetected(), b.gapsRecovered(),
                    b.gapsLost(), b.resubscribes(), b.probeFailures(), b.connected());
        }
        try {
            Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
            Files.writeString(tmp, json);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("[bench-server] cannot write stats: " + e);
        }
    }
}
