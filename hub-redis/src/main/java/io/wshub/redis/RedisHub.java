package io.wshub.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.wshub.api.Hub;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeOptions;
import io.wshub.api.spi.Backfill;
import io.wshub.api.spi.BackplaneHub;
import io.wshub.api.spi.SessionIds;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of a hub spread over several processes through one Redis. It wraps a local {@link BackplaneHub} (in
 * practice {@code DisruptorHub} built with history) that does the local fan-out: every broadcast, topic publication and
 * direct send goes to Redis first, and what arrives from Redis enters the local hub like a local publish, so every
 * local invariant (one order, no allocation per delivery, the slow-consumer policy, drop accounting) still holds.
 *
 * <p><b>Order and positions.</b> A publication on a topic with history runs one Lua script that increments the topic's
 * offset, appends to its bounded Redis Stream (size and TTL) and publishes, so every node sees a topic in the same
 * order, with the same positions, and history never disagrees with the live stream. Broadcasts and publications on
 * topics without history are a plain {@code PUBLISH}. A direct send is routed to the node holding the session through a
 * directory in Redis; session ids carry their process's id node ({@link SessionIds}), which this node claims in Redis
 * when it starts, so they are unique across nodes.
 *
 * <p><b>Recovery.</b> A subscription with a position reads the topic's stream and hands what it read to the local hub,
 * which merges it with its short local history at the subscription's place in its order: no gap, no duplicate, on
 * whichever node the client reconnects to. A gap in the offsets arriving from Redis (a lost message, a reconnect, a
 * node that fell behind) is filled from the stream before anything later is delivered; if the stream no longer covers
 * it, or Redis lost its data (a new epoch), it is counted and subscribers see the jump.
 *
 * <p><b>Redis trouble.</b> While Redis is unreachable every publishing method answers
 * {@link PublishResult#UNAVAILABLE} at once: a local-only delivery would pretend to be cluster-wide. Joining and
 * subscribing still work locally. When Redis returns, the node reloads its scripts, resubscribes and fills every
 * topic's gap. A probe published to the node's own channel every {@link RedisHubConfig#probeInterval()} notices a
 * subscription that died silently, and renews it.
 *
 * <p><b>Threads.</b> No caller ever waits for Redis: commands are sent asynchronously through Lettuce, whose event loop
 * threads this node owns. One backplane thread ({@code wshub-redis-<n>}) keeps each topic's state, feeds the local hub
 * and runs the probe; if the local hub is full it waits up to 2 s, then drops and counts ({@link BackplaneStats}).
 *
 * <p>Thread-safety: every method may be called from any thread, including transport I/O threads.
 */
public final class RedisHub implements Hub {

    private static final Logger LOG = LoggerFactory.getLogger(RedisHub.class);
    private static final String PROCESS_TOKEN = UUID.randomUUID().toString();
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final long LOCAL_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final RedisHubConfig config;
    /** Names this node in its markers and claims, unique among all nodes ever. */
    private final String instanceToken = UUID.randomUUID().toString();
    private final byte[] markerPrefix = Wire.ascii("c|" + instanceToken + "|");
    private final BackplaneHub local;
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> cmd;
    private final StatefulRedisPubSubConnection<byte[], byte[]> sub;
    private final Thread thread;

    private final String prefix;
    private final int node;
    private final byte[] topicChannelPrefix;
    private final byte[] topicPattern;
    private final byte[] broadcastChannel;
    private final byte[] nodeChannel;
    private final byte[] nodeChannelPrefix;
    private final byte[] probeChannel;
    private final byte[] directory;
    private final byte[] nodeBytes;
    private final byte[] tagPrefix;
    private final byte[] streamSizeArg;
    private final byte[] streamTtlArg;
    private final byte[] metaTtlArg;

    private volatile String publishSha;
    private volatile String readSha;
    private volatile String sendSha;
    private volatile String markSha;
    private volatile boolean commandsUp;
    private volatile boolean closed;

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    /**
     * Messages from Redis queued for the backplane thread or being handled there; a message may be handled on Lettuce's
     * thread only while this is 0, so nothing from Redis is handled out of its order.
     */
    private final AtomicInteger inboundSize = new AtomicInteger();
    /**
     * Held by whichever thread handles anything of the backplane's (its state is not shared otherwise): the backplane
     * thread for each item, and Lettuce's thread for a message it hands to the local hub itself ({@link #inbound}).
     */
    private final java.util.concurrent.locks.ReentrantLock handling = new java.util.concurrent.locks.ReentrantLock();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger loseInbound = new AtomicInteger();
    /** This node's publications awaiting their echo from Redis, so local members get the published instance. */
    private final ConcurrentHashMap<Long, Outgoing> outbox = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong outSeq = new java.util.concurrent.atomic.AtomicLong();
    /** Membership operations awaiting their marker from Redis, which sequences them after earlier publications. */
    private final ConcurrentHashMap<Long, Outgoing> pendingOps = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong opSeq = new java.util.concurrent.atomic.AtomicLong();
    private long nextSweep;
    private final ConcurrentHashMap<String, TopicState> topics = new ConcurrentHashMap<>();
    private final Set<Long> members = ConcurrentHashMap.newKeySet();
    private final BiConsumer<Object, Throwable> onPublished = this::published;

    private final LongAdder published = new LongAdder();
    private final LongAdder publishFailed = new LongAdder();
    private final LongAdder unavailable = new LongAdder();
    private final LongAdder backpressured = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder inboundDropped = new LongAdder();
    private final LongAdder undeliverable = new LongAdder();
    private final LongAdder gapsDetected = new LongAdder();
    private final LongAdder gapsRecovered = new LongAdder();
    private final LongAdder gapsLost = new LongAdder();
    private final LongAdder resubscribes = new LongAdder();
    private final LongAdder probeFailures = new LongAdder();

    // Backplane thread only.
    private final Map<Long, Set<String>> sessionTopics = new HashMap<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long probeSent;
    private long probeSentAt;
    private volatile long probeSeen;
    private long nextProbe;
    private volatile boolean overflowed;

    private RedisHub(RedisHubConfig config, BackplaneHub local) {
        this.config = config;
        this.local = local;
        this.prefix = config.prefix();
        this.topicChannelPrefix = Wire.ascii(prefix + ":t:");
        this.topicPattern = Wire.ascii(globEscaped(prefix) + ":t:*");
        this.broadcastChannel = Wire.ascii(prefix + ":b");
        this.nodeChannelPrefix = Wire.ascii(prefix + ":n:");
        this.directory = Wire.ascii(prefix + ":sessions");
        this.streamSizeArg = Wire.ascii(Integer.toString(config.streamSize()));
        this.streamTtlArg = Wire.ascii(Long.toString(config.streamTtl().toMillis()));
        this.metaTtlArg = Wire.ascii(Long.toString(config.metaTtl().toMillis()));
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        this.client = RedisClient.create(resources, io.lettuce.core.RedisURI.builder(config.redisUri())
                .withTimeout(config.commandTimeout()).build());
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(config.maxInFlight() + 1024)
                .socketOptions(SocketOptions.builder().connectTimeout(config.connectTimeout()).build())
                .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                .build());
        StatefulRedisConnection<byte[], byte[]> c = null;
        StatefulRedisPubSubConnection<byte[], byte[]> s = null;
        long startDeadline = System.nanoTime() + config.startTimeout().toNanos();
        int claimed;
        for (int attempt = 1; ; attempt++) {
            try {
                c = client.connect(ByteArrayCodec.INSTANCE);
                s = client.connectPubSub(ByteArrayCodec.INSTANCE);
                loadScripts(c);
                claimIdNode(c); // idempotent for this process, so a retry may repeat it
                claimed = claimNode(c); // a retry may leave a number unused until its claim expires
                break;
            } catch (RuntimeException e) {
                closeQuietly(s, c);
                c = null;
                s = null;
                if (!timedOut(e) || System.nanoTime() > startDeadline) {
                    stopClient();
                    throw new IllegalStateException("cannot use Redis at " + config.address() + ": " + rootCause(e)
                            + (attempt > 1 ? " (after " + attempt + " attempts)" : ""), e);
                }
                LOG.info("hub-redis: starting on {} timed out ({}); trying again", config.address(), rootCause(e));
                sleepMillis(100);
            }
        }
        this.node = claimed;
        this.cmd = c;
        this.sub = s;
        this.nodeBytes = Wire.ascii(Integer.toString(node));
        this.tagPrefix = Wire.ascii(node + ".");
        this.nodeChannel = Wire.ascii(prefix + ":n:" + node);
        this.probeChannel = Wire.ascii(prefix + ":p:" + node);
        this.commandsUp = true;
        sub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] channel, byte[] message) {
                inbound(channel, message);
            }

            @Override
            public void message(byte[] pattern, byte[] channel, byte[] message) {
                inbound(channel, message);
            }
        });
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                control(() -> reconnected(connection));
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (connection == cmd) {
                    commandsUp = false;
                }
                if (closed) {
                    return;
                }
                LOG.warn("hub-redis node {}: lost its {} connection to Redis", node,
                        connection == cmd ? "command" : "subscription");
            }
        });
        try {
            sub.sync().psubscribe(topicPattern);
            sub.sync().subscribe(broadcastChannel, nodeChannel, probeChannel);
        } catch (RuntimeException e) {
            closeQuietly(sub, cmd);
            stopClient();
            throw new IllegalStateException("cannot subscribe on Redis at " + config.address() + ": "
                    + rootCause(e), e);
        }
        this.thread = new Thread(this::run, "wshub-redis-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
    }

    /**
     * Starts a node over a local hub, connecting to Redis. Blocks while connecting, never afterwards: a refused
     * connection or a rejected command fails at once, timeouts are retried until {@link RedisHubConfig#startTimeout}
     * (a machine starting several processes at once can be slow to complete the first handshake). The node owns the local hub from now on: publish through the node only, and
     * {@link #shutdown} shuts the local hub down too.
     *
     * @param config the configuration; not null
     * @param localHub the local hub, a {@link BackplaneHub} such as a {@code DisruptorHub} built with history; not null
     * @return the running node
     * @throws IllegalArgumentException if the local hub is not a {@link BackplaneHub}
     * @throws IllegalStateException if Redis cannot be reached or used, or another live process claimed this
     *                               process's session id node
     */
    public static RedisHub start(RedisHubConfig config, Hub localHub) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(localHub, "localHub");
        if (!(localHub instanceof BackplaneHub b)) {
            throw new IllegalArgumentException("RedisHub needs a local hub that implements "
                    + BackplaneHub.class.getName() + " (such as DisruptorHub), got " + localHub.getClass().getName());
        }
        RedisHub hub = new RedisHub(config, b);
        hub.thread.start();
        LOG.info("hub-redis node {} started on {} (prefix {}, session id node {})", hub.node,
                config.address(), config.prefix(), SessionIds.node());
        return hub;
    }

    /**
     * Returns this node's number, unique among the nodes that used this Redis and prefix.
     *
     * @return the node number
     */
    public int node() {
        return node;
    }

    /**
     * Returns the local hub this node feeds.
     *
     * @return the local hub; never null
     */
    public Hub localHub() {
        return local;
    }

    /**
     * Returns whether the node can publish now: its command connection to Redis is up and its scripts are loaded.
     *
     * @return whether publishing would be sent to Redis
     */
    public boolean isConnected() {
        return commandsUp && cmd.isOpen();
    }

    // ---------------------------------------------------------------------------------------------------- Hub API

    /**
     * {@inheritDoc}
     *
     * <p>Here: the session is entered in the directory at once, so sends reach it; the join itself is sequenced
     * through Redis behind this node's earlier publications (while Redis is down, at once), and a local hub that stays
     * full for 2 s makes the node close the session with 1013.
     */
    @Override
    public PublishResult join(Session session) {
        long id = checkedId(session);
        if (closed) {
            return PublishResult.CLOSED;
        }
        members.add(id);
        if (isConnected()) {
            cmd.async().hset(directory, Wire.ascii(Long.toString(id)), nodeBytes);
        }
        sequenced(() -> {
            // No check of members here: a leave called meanwhile comes after this marker and undoes the join.
            PublishResult[] last = {null};
            if (!toLocal(() -> last[0] = local.join(session))) {
                members.remove(id);
                session.close(last[0] == PublishResult.CLOSED ? 1001 : 1013,
                        last[0] == PublishResult.CLOSED ? "hub shut down" : "hub busy");
            }
        });
        return PublishResult.ACCEPTED;
    }

    @Override
    public PublishResult leave(Session session) {
        long id = checkedId(session);
        if (closed) {
            return local.leave(session);
        }
        if (members.remove(id) && isConnected()) {
            cmd.async().hdel(directory, Wire.ascii(Long.toString(id)));
        }
        sequenced(() -> {
            local.leave(session);
            left(id);
        });
        return PublishResult.ACCEPTED;
    }

    @Override
    public PublishResult subscribe(Session session, String topic) {
        return subscribe(session, topic, SubscribeOptions.plain());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: a subscription with a position reads the topic's Redis Stream and recovers from it merged with the
     * local history; if Redis cannot be read, from the local history alone. The first subscription of a topic on this
     * node subscribes to the topic's channel first; publications made through this node meanwhile wait for it, so
     * they keep their order with the subscription.
     */
    @Override
    public PublishResult subscribe(Session session, String topic, SubscribeOptions options) {
        long id = checkedId(session);
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(options, "options");
        if (!options.isPlain() && !local.supportsHistory()) {
            throw new UnsupportedOperationException("the local hub keeps no history; build it with history to "
                    + "subscribe with options");
        }
        if (closed) {
            return PublishResult.CLOSED;
        }
        TopicState st = topics.compute(topic, (k, v) -> {
            TopicState s = v == null ? new TopicState(k, local.hasHistory(k)) : v;
            s.pending.incrementAndGet();
            return s;
        });
        sequenced(st.history ? st.topic : null, at -> subscribed(st, session, id, options, at));
        return PublishResult.ACCEPTED;
    }

    @Override
    public boolean supportsHistory() {
        return local.supportsHistory();
    }

    @Override
    public PublishResult unsubscribe(Session session, String topic) {
        long id = checkedId(session);
        Objects.requireNonNull(topic, "topic");
        if (closed) {
            return PublishResult.CLOSED;
        }
        sequenced(() -> unsubscribed(session, id, topic));
        return PublishResult.ACCEPTED;
    }

    @Override
    public PublishResult broadcast(Message message) {
        return broadcast(message, NO_SESSION);
    }

    @Override
    public PublishResult broadcast(Message message, long excludedSessionId) {
        Objects.requireNonNull(message, "message");
        PublishResult r = admit();
        if (r != PublishResult.ACCEPTED) {
            return r;
        }
        return sent(() -> cmd.async().publish(broadcastChannel,
                Wire.headed(Long.toString(excludedSessionId), tagged(message))));
    }

    @Override
    public PublishResult publish(String topic, Message message) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(message, "message");
        PublishResult r = admit();
        if (r != PublishResult.ACCEPTED) {
            return r;
        }
        return sent(() -> publishCommand(topic, message));
    }

    @Override
    public PublishResult send(long sessionId, Message message) {
        Objects.requireNonNull(message, "message");
        PublishResult r = admit();
        if (r != PublishResult.ACCEPTED) {
            return r;
        }
        byte[] id = Wire.ascii(Long.toString(sessionId));
        byte[][] keys = {directory};
        return sent(() -> {
            RedisFuture<Long> f = cmd.async().evalsha(sendSha, ScriptOutputType.INTEGER, keys, id,
                    tagged(message), nodeChannelPrefix);
            f.thenAccept(n -> {
                if (n != null && n <= 0) {
                    undeliverable.increment();
                }
            });
            return f;
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: the local hub's stats, with direct sends no node could deliver added to {@code droppedClosed} and
     * publications refused for Redis or in-flight limits added to {@code backpressured}.
     */
    @Override
    public HubStats stats() {
        HubStats s = local.stats();
        return new HubStats(s.accepted(), s.backpressured() + backpressured.sum(), s.delivered(), s.droppedNewest(),
                s.droppedOldest(), s.droppedDisconnect(), s.droppedClosed() + undeliverable.sum(),
                s.slowDisconnects(), s.errors(), s.backlog() + inboundSize.get(), s.sessions(), s.replayed(),
                s.recovered(), s.notRecovered());
    }

    /**
     * Returns what this node exchanged with Redis.
     *
     * @return the counters; never null
     */
    public BackplaneStats backplaneStats() {
        return new BackplaneStats(published.sum(), publishFailed.sum(), unavailable.sum(), received.sum(),
                inboundDropped.sum(), undeliverable.sum(), gapsDetected.sum(), gapsRecovered.sum(), gapsLost.sum(),
                resubscribes.sum(), probeFailures.sum(), isConnected());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: stops accepting, waits (within the timeout) for publications in flight to Redis and for what arrived
     * from Redis to reach the local hub, removes this node's sessions from the directory, closes the connections and
     * Lettuce's threads, then shuts the local hub down with what is left of the timeout.
     */
    @Override
    public boolean shutdown(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            if (closed) {
                return local.shutdown(Duration.ZERO);
            }
            closed = true;
        }
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            sleepMillis(5);
        }
        // A last marker through this node's channel: when it is back, every echo of what this node published is in.
        java.util.concurrent.CountDownLatch last = new java.util.concurrent.CountDownLatch(1);
        sequenced(last::countDown);
        try {
            last.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Nothing more comes in; what did is handed to the local hub before the thread ends.
        closeQuietly(sub);
        thread.interrupt();
        try {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (isConnected() && !members.isEmpty()) {
            try {
                byte[][] ids = members.stream().map(id -> Wire.ascii(Long.toString(id))).toArray(byte[][]::new);
                cmd.async().hdel(directory, ids).get(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.debug("hub-redis node {}: could not remove its sessions from the directory", node, e);
            }
        }
        closeQuietly(cmd);
        stopClient();
        long left = Math.max(0, deadline - System.nanoTime());
        return local.shutdown(Duration.ofNanos(left));
    }

    @Override
    public String toString() {
        return "RedisHub[node=" + node + ", " + config.address() + ", prefix=" + prefix + "]";
    }

    // ------------------------------------------------------------------------------------------ publishing side

    private PublishResult admit() {
        if (closed) {
            return PublishResult.CLOSED;
        }
        if (!isConnected()) {
            unavailable.increment();
            return PublishResult.UNAVAILABLE;
        }
        if (inFlight.incrementAndGet() > config.maxInFlight()) {
            inFlight.decrementAndGet();
            backpressured.increment();
            return PublishResult.BACKPRESSURED;
        }
        return PublishResult.ACCEPTED;
    }

    /** Sends an admitted command; its completion is counted. */
    private PublishResult sent(Supplier<RedisFuture<?>> command) {
        RedisFuture<?> f;
        try {
            f = command.get();
        } catch (RuntimeException e) {
            inFlight.decrementAndGet();
            unavailable.increment();
            LOG.debug("hub-redis node {}: command refused", node, e);
            return PublishResult.UNAVAILABLE;
        }
        f.whenComplete(onPublished);
        return PublishResult.ACCEPTED;
    }

    private void published(Object result, Throwable failure) {
        inFlight.decrementAndGet();
        if (failure == null) {
            published.increment();
        } else {
            publishFailed.increment();
            long n = publishFailed.sum();
            if (n <= 20 || n % 1000 == 0) {
                LOG.warn("hub-redis node {}: a publication accepted here failed in Redis (failure #{}): {}", node, n,
                        failure.toString());
            }
        }
    }

    private RedisFuture<?> publishCommand(String topic, Message message) {
        byte[] channel = topicChannel(topic);
        byte[] data = topics.containsKey(topic) ? tagged(message) : Wire.headed("-", Wire.encode(message));
        if (!local.hasHistory(topic)) {
            return cmd.async().publish(channel, Wire.headed("0|", data));
        }
        byte[][] keys = {metaKey(topic), streamKey(topic)};
        return cmd.async().evalsha(publishSha, ScriptOutputType.INTEGER, keys, Wire.ascii(newEpoch()), metaTtlArg,
                channel, data, streamSizeArg, streamTtlArg);
    }

    /**
     * Encodes a message with a tag naming this node and a sequence number, and keeps the message until its echo comes
     * back from Redis, so this node's members are offered the published instance, not a decoded copy.
     */
    private byte[] tagged(Message message) {
        long seq = outSeq.incrementAndGet();
        outbox.put(seq, new Outgoing(message, null, System.nanoTime()));
        return Wire.headed(node + "." + seq, Wire.encode(message));
    }

    /** Decodes "tag|kind payload" from {@code from}: this node's own publication if it is in the outbox. */
    private Message untagged(byte[] m, int from) {
        int s = Wire.sep(m, from);
        if (s < 0) {
            throw new IllegalArgumentException("no tag");
        }
        if (s - from > tagPrefix.length && java.util.Arrays.equals(m, from, from + tagPrefix.length, tagPrefix, 0,
                tagPrefix.length)) {
            Outgoing o = outbox.remove(Wire.number(m, from + tagPrefix.length, s));
            if (o != null) {
                return o.message;
            }
        }
        return Wire.decode(m, s + 1);
    }

    /**
     * Runs a membership operation on the backplane thread after everything this node published before it: a marker
     * goes through Redis to this node's own channel, and the operation runs when it comes back. While Redis is down,
     * or if the marker is lost, it runs anyway (then without that order, and with no position).
     */
    private void sequenced(Runnable op) {
        sequenced(null, at -> op.run());
    }

    /**
     * As {@link #sequenced(Runnable)}; with a topic that keeps history, the marker carries the topic's position at
     * the marker's place in Redis's order (one script reads it and publishes the marker atomically).
     */
    private void sequenced(String topic, java.util.function.Consumer<StreamPosition> op) {
        if (!isConnected()) {
            control(() -> op.accept(null));
            return;
        }
        long seq = opSeq.incrementAndGet();
        pendingOps.put(seq, new Outgoing(null, op, System.nanoTime()));
        try {
            RedisFuture<?> f = topic == null
                    ? cmd.async().publish(nodeChannel, Wire.ascii("c|" + instanceToken + "|" + seq))
                    : cmd.async().evalsha(markSha, ScriptOutputType.INTEGER,
                            new byte[][] {metaKey(topic), streamKey(topic)}, Wire.ascii(newEpoch()), metaTtlArg,
                            nodeChannel, Wire.ascii(instanceToken + "|" + seq));
            f.whenComplete((n, failure) -> {
                if (failure != null) {
                    Outgoing o = pendingOps.remove(seq);
                    if (o != null) {
                        control(() -> o.op.accept(null));
                    }
                }
            });
        } catch (RuntimeException e) {
            Outgoing o = pendingOps.remove(seq);
            if (o != null) {
                control(() -> o.op.accept(null));
            }
        }
    }

    /** Forgets outbox entries whose echo never came, and runs operations whose marker never came. */
    private void sweep(long now) {
        long stale = now - Math.max(TimeUnit.SECONDS.toNanos(2), 2 * config.probeTimeout().toNanos());
        outbox.values().removeIf(o -> o.at < stale);
        List<Long> late = new ArrayList<>();
        pendingOps.forEach((seq, o) -> {
            if (o.at < stale) {
                late.add(seq);
            }
        });
        java.util.Collections.sort(late);
        for (Long seq : late) {
            Outgoing o = pendingOps.remove(seq);
            if (o != null) {
                LOG.warn("hub-redis node {}: a membership marker did not come back; carrying it out now", node);
                o.op.accept(null);
            }
        }
    }

    private byte[] topicChannel(String topic) {
        byte[] t = Wire.utf8(topic);
        byte[] out = new byte[topicChannelPrefix.length + t.length];
        System.arraycopy(topicChannelPrefix, 0, out, 0, topicChannelPrefix.length);
        System.arraycopy(t, 0, out, topicChannelPrefix.length, t.length);
        return out;
    }

    private byte[] metaKey(String topic) {
        return Wire.utf8(prefix + ":{" + topic + "}:m");
    }

    private byte[] streamKey(String topic) {
        return Wire.utf8(prefix + ":{" + topic + "}:s");
    }

    /** Escapes the glob characters of a prefix for PSUBSCRIBE. */
    private static String globEscaped(String p) {
        StringBuilder b = new StringBuilder();
        for (char c : p.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    private static String newEpoch() {
        return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    // ------------------------------------------------------------------------------------------- receiving side

    /** On a Lettuce thread: queues a message from Redis for the backplane thread, or drops and counts it. */
    private void inbound(byte[] channel, byte[] message) {
        received.increment();
        if (Wire.startsWith(channel, topicChannelPrefix) && loseInbound.get() > 0 && loseInbound.getAndDecrement() > 0) {
            return;
        }
        if (inboundSize.get() == 0 && handling.tryLock()) {
            // Nothing from Redis is queued ahead of it and the backplane thread is not handling anything: hand it to
            // the local hub from here, saving the hand-off to the backplane thread, unless it needs a stream read, a
            // marker's operation or a wait for a full local ring (then it is queued, and handled there in order).
            try {
                if (inboundSize.get() == 0 && handle(channel, message, true)) {
                    return;
                }
            } finally {
                handling.unlock();
            }
        }
        enqueue(new Inbound(channel, message));
    }

    /** Queues an item from Redis (or the rest of one, see {@link Fed}) for the backplane thread, or drops it. */
    private void enqueue(Object item) {
        if (inboundSize.incrementAndGet() > config.inboundQueue()) {
            inboundSize.decrementAndGet();
            inboundDropped.increment();
            overflowed = true;
            return;
        }
        queue.add(item);
    }

    /** From any thread: runs a task on the backplane thread, in order with everything queued before it. */
    private void control(Runnable task) {
        queue.add(task);
    }

    private void run() {
        nextProbe = System.nanoTime() + config.probeInterval().toNanos();
        while (true) {
            Object item;
            try {
                long wait = Math.max(0, nextDue() - System.nanoTime());
                item = queue.poll(wait, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                if (closed) {
                    drainOnStop();
                    return;
                }
                continue;
            }
            handling.lock();
            try {
                runItem(item);
                tick();
            } catch (Throwable t) {
                LOG.error("hub-redis node {}: backplane task failed", node, t);
            } finally {
                handling.unlock();
            }
        }
    }

    private void drainOnStop() {
        Object item;
        while ((item = queue.poll()) != null) {
            handling.lock();
            try {
                runItem(item);
            } catch (Throwable t) {
                LOG.error("hub-redis node {}: backplane task failed at shutdown", node, t);
            } finally {
                handling.unlock();
            }
        }
    }

    /** Runs one queued item; an item from Redis stops counting in {@link #inboundSize} once handled. */
    private void runItem(Object item) {
        if (item instanceof Inbound in) {
            try {
                handle(in.channel, in.message, false);
            } finally {
                inboundSize.decrementAndGet();
            }
        } else if (item instanceof Fed f) {
            try {
                f.rest.run();
            } finally {
                inboundSize.decrementAndGet();
            }
        } else if (item instanceof Runnable r) {
            r.run();
        }
    }

    private long nextDue() {
        Timer t = timers.peek();
        long due = Math.min(nextProbe, nextSweep);
        return t == null ? due : Math.min(due, t.due);
    }

    private void tick() {
        long now = System.nanoTime();
        Timer t;
        while ((t = timers.peek()) != null && t.due <= now) {
            timers.poll().task.run();
        }
        if (overflowed) {
            overflowed = false;
            LOG.warn("hub-redis node {}: its inbound queue overflowed; filling every topic from Redis", node);
            resyncAll();
        }
        if (now >= nextSweep) {
            nextSweep = now + TimeUnit.SECONDS.toNanos(1);
            sweep(now);
            forgetIdle(now);
        }
        if (now >= nextProbe) {
            nextProbe = now + config.probeInterval().toNanos();
            probe(now);
        }
    }

    private void later(Runnable task) {
        timers.add(new Timer(System.nanoTime() + RETRY_NANOS, task));
    }

    /**
     * Handles a message from Redis. {@code inline} (on Lettuce's thread): nothing here may wait, so a message that needs
     * a stream read or a marker's operation is left alone (returns {@code false} before doing anything) and a local
     * hub that refuses for backpressure gets it again from the backplane thread, which waits.
     *
     * @return whether it was handled; always {@code true} unless {@code inline}
     */
    private boolean handle(byte[] ch, byte[] m, boolean inline) {
        try {
            if (java.util.Arrays.equals(ch, probeChannel)) {
                probeSeen = Math.max(probeSeen, Wire.number(m, 0, m.length));
            } else if (java.util.Arrays.equals(ch, broadcastChannel)) {
                int s = Wire.sep(m, 0);
                long excluded = Wire.number(m, 0, s);
                Message msg = untagged(m, s + 1);
                toLocal(inline, () -> local.broadcast(msg, excluded));
            } else if (java.util.Arrays.equals(ch, nodeChannel)) {
                int s = Wire.sep(m, 0);
                if (m[0] == 'c') {
                    if (inline) {
                        return false; // a marker runs a membership operation, which may read the stream
                    }
                    marker(m);
                    return true;
                }
                long id = Wire.number(m, 0, s);
                Message msg = untagged(m, s + 1);
                toLocal(inline, () -> local.send(id, msg));
            } else if (Wire.startsWith(ch, topicChannelPrefix)) {
                String topic = new String(ch, topicChannelPrefix.length, ch.length - topicChannelPrefix.length,
                        StandardCharsets.UTF_8);
                TopicState st = topics.get(topic);
                if (st == null) {
                    return true;
                }
                int s1 = Wire.sep(m, 0);
                int s2 = Wire.sep(m, s1 + 1);
                long offset = Wire.number(m, 0, s1);
                if (offset == 0) {
                    Message msg = untagged(m, s2 + 1);
                    toLocal(inline, () -> local.publish(topic, msg));
                    return true;
                }
                String epoch = new String(m, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII);
                if (!inline) {
                    live(st, offset, epoch, untagged(m, s2 + 1));
                } else if (!st.live || !epoch.equals(st.epoch) || offset > st.last + 1) {
                    return false; // a gap, a new epoch, or a topic not live yet: the stream is read first
                } else if (offset == st.last + 1) {
                    Message msg = untagged(m, s2 + 1);
                    PublishResult r = local.publishAt(topic, msg, new StreamPosition(offset, epoch));
                    if (r == PublishResult.ACCEPTED) {
                        st.last = offset;
                        st.epoch = epoch;
                    } else if (r == PublishResult.BACKPRESSURED) {
                        enqueue(new Fed(() -> live(st, offset, epoch, msg)));
                    }
                } // else a duplicate: ignored, as live() does
            }
        } catch (RuntimeException e) {
            inboundDropped.increment();
            LOG.warn("hub-redis node {}: dropped a malformed message on channel {}: {}", node,
                    new String(ch, StandardCharsets.UTF_8), e.toString());
        }
        return true;
    }

    /** A marker of this node's: runs the membership operation waiting for it, at its place in Redis's order. */
    private void marker(byte[] m) {
        if (!Wire.startsWith(m, markerPrefix)) {
            return; // another node's marker (two nodes got one number after Redis lost its data)
        }
        int from = markerPrefix.length;
        int s2 = Wire.sep(m, from);
        Outgoing o = pendingOps.remove(Wire.number(m, from, s2 < 0 ? m.length : s2));
        if (o != null) {
            StreamPosition at = null;
            if (s2 > 0) {
                int s3 = Wire.sep(m, s2 + 1);
                at = new StreamPosition(Wire.number(m, s2 + 1, s3),
                        new String(m, s3 + 1, m.length - s3 - 1, StandardCharsets.US_ASCII));
            }
            o.op.accept(at);
        }
    }

    /**
     * Hands an operation to the local hub. On the backplane thread it waits while the hub is full ({@link
     * #toLocal(Supplier)}); inline, on Lettuce's thread, it tries once and leaves a retry to the backplane thread.
     */
    private void toLocal(boolean inline, Supplier<PublishResult> op) {
        if (!inline) {
            toLocal(op);
        } else if (op.get() == PublishResult.BACKPRESSURED) {
            enqueue(new Fed(() -> toLocal(op)));
        }
    }

    /**
     * Hands an operation to the local hub, waiting while it is full, up to {@link #LOCAL_WAIT_NANOS}.
     *
     * @return whether the local hub accepted it
     */
    private boolean toLocal(Supplier<PublishResult> op) {
        long deadline = 0;
        while (true) {
            PublishResult r = op.get();
            if (r == PublishResult.ACCEPTED) {
                return true;
            }
            if (r != PublishResult.BACKPRESSURED) {
                return false;
            }
            long now = System.nanoTime();
            if (deadline == 0) {
                deadline = now + LOCAL_WAIT_NANOS;
            } else if (now > deadline || closed && Thread.currentThread().isInterrupted()) {
                inboundDropped.increment();
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
        }
    }

    // --------------------------------------------------------------------------------- topic state (backplane)
    //
    // The backplane thread handles one item at a time, in the order Redis delivered them. Where an item needs a
    // reply from Redis (a channel subscription, a stream read) the thread waits for it, at most twice the command
    // timeout: it is not an I/O thread, and waiting keeps one order for everything (what arrives meanwhile queues
    // behind). A read costs one round trip to Redis.

    /**
     * A live publication on a topic with history: fed if it is the next offset, ignored if a duplicate; after a gap
     * or with a new epoch, the stream is read first and what was missed is fed before it.
     */
    private void live(TopicState st, long offset, String epoch, Message message) {
        if (!st.live) {
            return;
        }
        if (epoch.equals(st.epoch)) {
            if (offset <= st.last) {
                return;
            }
            if (offset == st.last + 1) {
                feed(st, offset, epoch, message);
                return;
            }
        }
        fill(st);
        if (st.epoch.equals(epoch) && offset == st.last + 1) {
            feed(st, offset, epoch, message);
        } else if (!st.epoch.equals(epoch) || offset > st.last) {
            // The read failed, or saw another epoch than this publication: deliver it, the local history restarts.
            feed(st, offset, epoch, message);
        }
    }

    private void feed(TopicState st, long offset, String epoch, Message message) {
        StreamPosition position = new StreamPosition(offset, epoch);
        if (toLocal(() -> local.publishAt(st.topic, message, position))) {
            st.last = offset;
            st.epoch = epoch;
        }
        // Not accepted: st.last stays, so the next publication looks like a gap and is filled from the stream.
    }

    /** Reads the topic's stream after what was fed and feeds what was missed; counts the gap. */
    private void fill(TopicState st) {
        ReadResult r = readNow(st, st.last + 1, st.epoch);
        if (r == null) {
            gapsDetected.increment();
            gapsLost.increment();
            return;
        }
        boolean newEpoch = st.epoch != null && !r.epoch.equals(st.epoch);
        boolean missed = r.from > 0 && r.top >= r.from;
        if (!newEpoch && !missed) {
            return;
        }
        gapsDetected.increment();
        if (newEpoch) {
            gapsLost.increment();
            LOG.warn("hub-redis node {}: topic {} has a new epoch in Redis (its history was lost)", node, st.topic);
            st.epoch = r.epoch;
            st.last = r.from - 1;
        } else if (r.covered()) {
            gapsRecovered.increment();
        } else {
            gapsLost.increment();
            LOG.warn("hub-redis node {}: topic {} lost offsets {}..{} (trimmed from the stream)", node, st.topic,
                    r.from, r.firstRead() - 1);
        }
        long o = r.firstRead();
        for (Message m : r.messages) {
            if (o > st.last) {
                feed(st, o, r.epoch, m);
            }
            o++;
        }
    }

    /** Reads the stream now; null if Redis did not answer in time. */
    private ReadResult readNow(TopicState st, long from, String knownEpoch) {
        try {
            return ReadResult.parse(await(read(st.topic, from, knownEpoch)));
        } catch (Exception e) {
            LOG.warn("hub-redis node {}: reading topic {} from Redis failed: {}", node, st.topic, e.toString());
            return null;
        }
    }

    private RedisFuture<List<Object>> read(String topic, long from, String knownEpoch) {
        byte[][] keys = {metaKey(topic), streamKey(topic)};
        return cmd.async().evalsha(readSha, ScriptOutputType.MULTI, keys, Wire.ascii(newEpoch()), metaTtlArg,
                Wire.ascii(Long.toString(from)), Wire.ascii(knownEpoch == null ? "" : knownEpoch));
    }

    private <T> T await(RedisFuture<T> f) throws Exception {
        return f.get(config.commandTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
    }

    /**
     * Carries out a subscription at its marker's place in Redis's order. {@code at} is the topic's position there
     * (null without history, or when Redis could not be asked): this node has fed every publication up to it, since
     * they came before the marker on the same connection, unless some were lost, which a fill repairs first.
     */
    private void subscribed(TopicState st, Session session, long id, SubscribeOptions options, StreamPosition at) {
        st.pending.decrementAndGet();
        if (!members.contains(id)) {
            // Not joined here (or already left): the local hub would ignore it too.
            release(st);
            return;
        }
        if (sessionTopics.computeIfAbsent(id, k -> new HashSet<>()).add(st.topic)) {
            st.subscribers++;
            st.idleSince = 0;
        }
        if (st.history && at != null) {
            if (!st.live) {
                st.epoch = at.epoch();
                st.last = at.offset();
                st.live = true;
            } else if (!at.epoch().equals(st.epoch) || at.offset() > st.last) {
                fill(st);
            }
        } else if (!st.history) {
            st.live = true;
        }
        if (st.history && !st.live) {
            // Redis could not be asked for the position: recover from the local history alone, if it has the topic.
            local.subscribe(session, st.topic, options);
            return;
        }
        carryOut(st, session, options);
    }

    private void carryOut(TopicState st, Session session, SubscribeOptions options) {
        if (!st.history) {
            local.subscribe(session, st.topic, options);
            return;
        }
        StreamPosition since = options.since();
        Backfill aligned = new Backfill(true, new StreamPosition(st.last, st.epoch), List.of());
        if (since == null) {
            // Aligns the local history with the topic's position in Redis (what this node has fed).
            local.subscribe(session, st.topic, options, aligned);
            return;
        }
        ReadResult r = readNow(st, since.offset() + 1, since.epoch());
        if (r == null) {
            local.subscribe(session, st.topic, options, aligned);
            return;
        }
        // What the stream still holds after the position, up to what this node has fed the local hub (later ones
        // arrive on the live stream); the local hub takes what it holds itself from its own history (the read may be
        // later than the marker, and the stream trimmed meanwhile) and judges the whole.
        StreamPosition fed = new StreamPosition(st.last, st.epoch);
        if (!r.epoch.equals(since.epoch()) || !r.epoch.equals(st.epoch)) {
            local.subscribe(session, st.topic, options, new Backfill(false, fed, List.of()));
            return;
        }
        List<Message> upToFed = List.of();
        long first = r.firstRead();
        if (!r.messages.isEmpty() && r.top >= st.last && st.last >= first) {
            upToFed = r.messages.subList(0, (int) (st.last - first + 1));
        }
        local.subscribe(session, st.topic, options, new Backfill(true, fed, upToFed));
    }

    private void unsubscribed(Session session, long id, String topic) {
        local.unsubscribe(session, topic);
        Set<String> mine = sessionTopics.get(id);
        if (mine != null && mine.remove(topic)) {
            TopicState st = topics.get(topic);
            if (st != null) {
                st.subscribers--;
                release(st);
            }
        }
    }

    private void left(long id) {
        Set<String> mine = sessionTopics.remove(id);
        if (mine == null) {
            return;
        }
        for (String topic : mine) {
            TopicState st = topics.get(topic);
            if (st != null) {
                st.subscribers--;
                release(st);
            }
        }
    }

    /**
     * Forgets a topic no session here subscribes to any more (its publications are then ignored here). A topic with
     * history is kept, and fed, until it has had no subscriber here for the stream's TTL: a client that comes back
     * meanwhile recovers the published instances, not copies decoded from the stream; after that it recovers from the
     * stream, which is what the stream is for.
     */
    private void release(TopicState st) {
        if (st.subscribers > 0 || st.pending.get() > 0) {
            return;
        }
        if (st.history) {
            if (st.idleSince == 0) {
                st.idleSince = System.nanoTime();
            }
            return;
        }
        forget(st);
    }

    /** Forgets a topic unless a subscription to it is queued; {@link TopicState#pending} is raised inside compute. */
    private void forget(TopicState st) {
        boolean[] removed = {false};
        topics.compute(st.topic, (k, v) -> {
            if (v == st && st.pending.get() == 0) {
                removed[0] = true;
                return null;
            }
            return v;
        });
        if (removed[0]) {
            st.live = false;
        }
    }

    /** Forgets the topics with history that have had no subscriber here for the stream's TTL. */
    private void forgetIdle(long now) {
        long ttl = config.streamTtl().toNanos();
        for (TopicState st : topics.values()) {
            if (st.history && st.idleSince != 0 && st.subscribers == 0 && now - st.idleSince > ttl) {
                forget(st);
            }
        }
    }

    /** After a reconnect, an overflow or a failed probe: fills every topic with history from what it last fed. */
    private void resyncAll() {
        for (TopicState st : topics.values()) {
            if (st.history && st.live) {
                fill(st);
            } else if (st.history && st.subscribers > 0) {
                // Subscribed while Redis was down: learn the topic's position now; its subscribers get what follows.
                ReadResult r = readNow(st, 0, null);
                if (r != null) {
                    st.epoch = r.epoch;
                    st.last = r.top;
                    st.live = true;
                }
            }
        }
    }

    private void reconnected(RedisChannelHandler<?, ?> connection) {
        if (closed) {
            return;
        }
        if (connection == cmd) {
            LOG.info("hub-redis node {}: command connection back; reloading scripts", node);
            reloadScripts();
        } else if (connection == sub) {
            resubscribes.increment();
            LOG.info("hub-redis node {}: subscription connection back; filling every topic", node);
            resubscribeAll();
        }
    }

    private void reloadScripts() {
        try {
            RedisFuture<String> a = cmd.async().scriptLoad(Scripts.PUBLISH);
            RedisFuture<String> b = cmd.async().scriptLoad(Scripts.READ);
            cmd.async().scriptLoad(Scripts.MARK);
            RedisFuture<String> c = cmd.async().scriptLoad(Scripts.SEND);
            c.whenComplete((sha, failure) -> control(() -> {
                if (failure != null || !a.isDone() || !b.isDone()) {
                    later(this::reloadScripts);
                    return;
                }
                commandsUp = true;
                registerMembers();
                refreshClaims();
                resyncAll();
            }));
        } catch (RuntimeException e) {
            later(this::reloadScripts);
        }
    }

    private void resubscribeAll() {
        try {
            sub.async().psubscribe(topicPattern);
            sub.async().subscribe(broadcastChannel, nodeChannel, probeChannel).whenComplete((v, failure) ->
                    control(() -> {
                        if (failure != null) {
                            later(this::resubscribeAll);
                            return;
                        }
                        resyncAll();
                    }));
        } catch (RuntimeException e) {
            later(this::resubscribeAll);
        }
    }

    private void registerMembers() {
        if (members.isEmpty()) {
            return;
        }
        Map<byte[], byte[]> entries = new HashMap<>();
        for (long id : members) {
            entries.put(Wire.ascii(Long.toString(id)), nodeBytes);
        }
        cmd.async().hset(directory, entries);
    }

    /** Keeps one probe outstanding; one that has not come back within the probe timeout renews the subscription. */
    private void probe(long now) {
        if (!isConnected()) {
            probeSentAt = now;
            return;
        }
        if (probeSent > probeSeen) {
            if (now - probeSentAt <= config.probeTimeout().toNanos()) {
                return;
            }
            probeFailures.increment();
            resubscribes.increment();
            LOG.warn("hub-redis node {}: its probe did not come back through its subscription within {}; "
                    + "resubscribing", node, config.probeTimeout());
            probeSeen = probeSent;
            resubscribeAll();
        }
        probeSent++;
        probeSentAt = now;
        try {
            cmd.async().publish(probeChannel, Wire.ascii(Long.toString(probeSent)));
            if (probeSent % 16 == 0) {
                refreshClaims();
            }
        } catch (RuntimeException e) {
            LOG.debug("hub-redis node {}: probe not sent", node, e);
        }
    }

    /** For tests: drops every channel subscription behind the node's back, as a failover that loses them would. */
    void dropSubscriptionsForTest() {
        sub.sync().unsubscribe();
        sub.sync().punsubscribe();
    }

    /** For tests: whether this node still knows (and feeds) a topic. */
    boolean knowsTopicForTest(String topic) {
        return topics.containsKey(topic);
    }

    /** For tests: the next {@code n} messages from Redis are lost before they reach the backplane thread. */
    void loseInboundForTest(int n) {
        loseInbound.set(n);
    }

    // ------------------------------------------------------------------------------------------------ set-up

    private void loadScripts(StatefulRedisConnection<byte[], byte[]> c) {
        publishSha = c.sync().scriptLoad(Scripts.PUBLISH);
        readSha = c.sync().scriptLoad(Scripts.READ);
        sendSha = c.sync().scriptLoad(Scripts.SEND);
        markSha = c.sync().scriptLoad(Scripts.MARK);
    }

    private byte[] idNodeKey() {
        return Wire.ascii(prefix + ":id-node:" + SessionIds.node());
    }

    private long idNodeTtlMillis() {
        return Math.max(60_000, config.probeTimeout().toMillis() * 20);
    }

    /** Claims this process's session id node, or fails if another live process holds it. */
    private void claimIdNode(StatefulRedisConnection<byte[], byte[]> c) {
        byte[] key = idNodeKey();
        byte[] token = Wire.ascii(PROCESS_TOKEN);
        String ok = c.sync().set(key, token, SetArgs.Builder.nx().px(idNodeTtlMillis()));
        if (ok == null) {
            byte[] holder = c.sync().get(key);
            if (holder != null && !java.util.Arrays.equals(holder, token)) {
                throw new IllegalStateException("session id node " + SessionIds.node() + " is held by another live "
                        + "process; restart this one, or set -D" + SessionIds.NODE_PROPERTY + " to a free node");
            }
        }
        c.sync().pexpire(key, idNodeTtlMillis());
    }

    /**
     * Draws node numbers until one is free and claims it with this node's token (refreshed with the probe), so a
     * Redis that lost its data and restarted its counter does not hand a live node's number to a new one.
     */
    private int claimNode(StatefulRedisConnection<byte[], byte[]> c) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int n = c.sync().incr(Wire.ascii(prefix + ":nodes")).intValue() & Integer.MAX_VALUE;
            if ("OK".equals(c.sync().set(Wire.ascii(prefix + ":node:" + n), Wire.ascii(instanceToken),
                    SetArgs.Builder.nx().px(idNodeTtlMillis())))) {
                return n;
            }
        }
        throw new IllegalStateException("no free node number under prefix " + prefix + " after 1000 tries");
    }

    private void refreshClaims() {
        cmd.async().set(Wire.ascii(prefix + ":node:" + node), Wire.ascii(instanceToken),
                SetArgs.Builder.px(idNodeTtlMillis()));
        cmd.async().set(idNodeKey(), Wire.ascii(PROCESS_TOKEN), SetArgs.Builder.px(idNodeTtlMillis()));
    }

    private static long checkedId(Session session) {
        long id = Objects.requireNonNull(session, "session").id();
        if (id <= 0) {
            throw new IllegalArgumentException("session id must be positive, was " + id);
        }
        return id;
    }

    private static void closeQuietly(AutoCloseable... connections) {
        for (AutoCloseable c : connections) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.debug("closing a Redis connection failed", e);
                }
            }
        }
    }

    /** Stops the Lettuce client and its threads. */
    private void stopClient() {
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            LOG.debug("stopping the Redis client failed", e);
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /** Whether a failure is a timeout (worth another try while starting), not a refusal or a rejected command. */
    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.lettuce.core.RedisCommandTimeoutException
                    || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof java.net.SocketTimeoutException
                    || t.getClass().getName().endsWith("ConnectTimeoutException")) {
                return true;
            }
        }
        return false;
    }

    /** The innermost cause's message, which names what went wrong (connection refused, a timeout, NOAUTH...). */
    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --------------------------------------------------------------------------------------------- data types

    /**
     * The rest of a message from Redis that Lettuce's thread began and the backplane thread finishes (a hand-over the
     * local hub refused for backpressure); counted in {@link #inboundSize}, so what comes after it waits for it.
     */
    private record Fed(Runnable rest) {
    }

    private record Inbound(byte[] channel, byte[] message) {
    }

    /** An outbox entry (a message) or a pending membership operation, with when it was made. */
    private record Outgoing(Message message, java.util.function.Consumer<StreamPosition> op, long at) {
    }

    private record Timer(long due, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            return Long.compare(due, o.due);
        }
    }

    /** The reply of {@link Scripts#READ}. */
    record ReadResult(String epoch, long top, long from, List<Message> messages) {

        /** Whether the entries read are every offset from {@code from} to {@code top}. */
        boolean covered() {
            return from == 0 || from > top || messages.size() == top - from + 1;
        }

        /** The offset of the first message read. */
        long firstRead() {
            return top - messages.size() + 1;
        }

        static ReadResult parse(List<Object> reply) {
            String epoch = new String((byte[]) reply.get(0), StandardCharsets.US_ASCII);
            long top = (Long) reply.get(1);
            long from = (Long) reply.get(2);
            List<?> entries = (List<?>) reply.get(3);
            List<Message> messages = new ArrayList<>(entries.size());
            long expected = -1;
            for (Object o : entries) {
                List<?> entry = (List<?>) o;
                String id = new String((byte[]) entry.get(0), StandardCharsets.US_ASCII);
                long offset = Long.parseLong(id.substring(0, id.indexOf('-')));
                if (expected >= 0 && offset != expected) {
                    throw new IllegalStateException("stream entries are not contiguous at " + offset);
                }
                expected = offset + 1;
                List<?> fields = (List<?>) entry.get(1);
                byte[] data = (byte[]) fields.get(1);
                messages.add(Wire.decode(data, Wire.sep(data, 0) + 1));
            }
            if (!messages.isEmpty() && expected - 1 != top) {
                throw new IllegalStateException("stream ends at " + (expected - 1) + ", topic at " + top);
            }
            return new ReadResult(epoch, top, from, messages);
        }
    }

    /** A topic some session on this node subscribes to. */
    private static final class TopicState {
        final String topic;
        final boolean history;
        /** Subscriptions queued for the backplane thread. */
        final AtomicInteger pending = new AtomicInteger();
        /** Whether the topic's position is known here (its first subscription's marker came back). */
        volatile boolean live;
        // Backplane thread only.
        int subscribers;
        /** When a topic with history lost its last subscriber here; 0 while it has one. */
        long idleSince;
        String epoch;
        long last;

        TopicState(String topic, boolean history) {
            this.topic = topic;
            this.history = history;
        }
    }
}
