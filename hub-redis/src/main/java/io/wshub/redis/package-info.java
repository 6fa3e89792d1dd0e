/**
 * Several nodes acting as one hub through Redis: {@link io.wshub.redis.RedisHub} wraps a local
 * {@link io.wshub.api.spi.BackplaneHub} (hub-disruptor) on each node, and every node pointing at the same Redis with
 * the same prefix sees the same publications in the same order, with the same positions, recoverable on any node.
 * {@link io.wshub.redis.RedisHubConfig} configures a node; {@link io.wshub.redis.BackplaneStats} counts what it
 * exchanged with Redis. Depends on hub-api, Lettuce and the SLF4J API only.
 */
package io.wshub.redis;
