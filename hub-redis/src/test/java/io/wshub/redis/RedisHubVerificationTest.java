package io.wshub.redis;

import io.wshub.api.HistoryConfig;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import io.wshub.testkit.HubCapabilities;
import io.wshub.testkit.HubVerification;
import io.wshub.testkit.RedisServer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Runs the testkit's hub conformance suite against one hub-redis node on a real {@code redis-server}, over a
 * {@link DisruptorHub}: every operation goes through Redis and back, so the rules check that the backplane keeps the
 * local contract. Each hub gets its own key prefix.
 */
class RedisHubVerificationTest extends HubVerification {

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    private static Hub node(DisruptorHubConfig.Builder local, HistoryConfig history) {
        int n = PREFIXES.incrementAndGet();
        RedisHubConfig.Builder b = RedisHubConfig.builder(redis.uri()).prefix("verify" + n);
        if (history != null) {
            // The rules' bounds hold for the Redis Stream as for the local history.
            b.streamSize(history.maxPublications()).streamTtl(history.ttl());
        }
        return RedisHub.start(b.build(),
                DisruptorHub.start(local.ringSize(1024).threadNamePrefix("redis-verify-" + n).build()));
    }

    /**
     * Without the backpressure rule: a stalled local fan-out cannot push back on publishers, which may be on any node;
     * Redis answers them. The node waits up to 2 s for its local hub, then drops and counts
     * ({@link BackplaneStats#inboundDropped()}); topics with history repair such a gap from the stream.
     */
    @Override
    protected HubCapabilities capabilities() {
        return HubCapabilities.builder().backpressure(false).build();
    }

    @Override
    protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
        return node(DisruptorHubConfig.builder().slowConsumerPolicy(policy).listener(listener), null);
    }

    @Override
    protected Hub newHistoryHub(SlowConsumerPolicy policy, HubListener listener, HistoryConfig history) {
        return node(DisruptorHubConfig.builder().slowConsumerPolicy(policy).listener(listener).history(history),
                history);
    }
}
