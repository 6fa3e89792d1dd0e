package io.wshub.benchmarks.fanout;

import io.wshub.api.Hub;
import io.wshub.api.HubStats;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import java.time.Duration;

/**
 * Adapts any {@link Hub} (here hub-disruptor) to the benchmark: joins go through the hub's ring, and a broadcast
 * refused with {@link PublishResult#BACKPRESSURED} is reported so the publisher retries and counts it.
 *
 * <p>Thread-safety: as the wrapped hub.
 */
final class ApiHubFanout implements FanoutHub {

    private final Hub hub;
    private final String name;

    ApiHubFanout(Hub hub, String name) {
        this.hub = hub;
        this.name = name;
    }

    @Override
    public void joinAll(Session[] members) {
        for (Session s : members) {
            PublishResult r;
            while ((r = hub.join(s)) == PublishResult.BACKPRESSURED) {
                Thread.yield();
            }
            if (r != PublishResult.ACCEPTED) {
                throw new IllegalStateException(name + ": join refused: " + r);
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (hub.stats().sessions() < members.length) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + ": only " + hub.stats().sessions() + " of " + members.length
                        + " sessions joined within 30 s");
            }
            Thread.yield();
        }
    }

    @Override
    public boolean broadcast(Message message) {
        PublishResult r = hub.broadcast(message);
        if (r == PublishResult.ACCEPTED) {
            return true;
        }
        if (r == PublishResult.BACKPRESSURED) {
            return false;
        }
        throw new IllegalStateException(name + ": broadcast refused: " + r);
    }

    @Override
    public void close() {
        HubStats stats = hub.stats();
        boolean drained = hub.shutdown(Duration.ofSeconds(10));
        if (!drained || stats.dropped() != 0 || stats.errors() != 0) {
            throw new IllegalStateException(name + ": drained=" + drained + " stats=" + stats);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
