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
 * sender included, like the peers) over hub-disruptor, served on a transport chosen by name.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.wshub.benchmarks.server.BenchServer \
 *     --transport undertow|java-websocket --port 8080 [--shards 1] [--ring 65536] \
 *     [--policy DISCONNECT|DROP_NEWEST|DROP_OLDEST] [--max-queued-messages 1024] [--stats-file stats.json]
 * </pre>
 *
 * <p>Prints {@code LISTENING <transport> <port>} once bound. With {@code --stats-file} it writes the hub's counters,
 * the endpoint's refused count and the heap in use as JSON every second and once more on shutdown (SIGTERM), so the
 * run script can report drop accounting and memory.
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
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Hub hub = DisruptorHub.start(DisruptorHubConfig.builder()
                .shards(shards)
                .ringSize(ring)
                .slowConsumerPolicy(policy)
                .listener(HubListener.NONE)
                .build());
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
        System.out.println("LISTENING wshub-" + transport + " " + server.port());
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
        try {
            Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
            Files.writeString(tmp, json);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("[bench-server] cannot write stats: " + e);
        }
    }
}
