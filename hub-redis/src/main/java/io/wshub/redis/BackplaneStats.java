package io.wshub.redis;

/**
 * What one {@link RedisHub} node exchanged with Redis, counted since it started.
 *
 * @param published publications, broadcasts and sends Redis confirmed
 * @param publishFailed operations accepted and then failed by Redis (a timeout, a lost connection, a script error);
 *                      each is logged, and the caller was told {@code ACCEPTED} before it failed
 * @param unavailable operations answered {@link io.wshub.api.PublishResult#UNAVAILABLE} at once because Redis was
 *                    unreachable
 * @param received messages received from Redis
 * @param inboundDropped received messages the node could not hand to its local hub (its queue or the local hub was
 *                       full); a topic with history repairs the gap from the stream
 * @param undeliverableSends direct sends whose target session is on no node
 * @param gapsDetected gaps in a topic's offsets this node noticed (a lost message, a reconnect, a new epoch)
 * @param gapsRecovered gaps filled from the topic's Redis Stream
 * @param gapsLost gaps the stream no longer covered (trimmed, expired, or a Redis that lost its data); subscribers
 *                 see a jump in offsets or a new epoch
 * @param resubscribes times the node renewed its subscriptions after a reconnect or a failed probe
 * @param probeFailures probes that did not come back through the node's own subscription in time
 * @param connected whether the node is connected to Redis now
 */
public record BackplaneStats(long published, long publishFailed, long unavailable, long received,
                             long inboundDropped, long undeliverableSends, long gapsDetected, long gapsRecovered,
                             long gapsLost, long resubscribes, long probeFailures, boolean connected) {
}
