package io.wshub.redis;

/**
 * The Lua scripts a {@link RedisHub} runs. Each runs atomically in Redis, which is what keeps positions, history and
 * the live stream in agreement: a topic's offset is incremented, the publication appended to the topic's bounded
 * stream (entry id {@code <offset>-1}) and published in one step, so every node sees the same order and a read of the
 * stream never disagrees with what was published.
 *
 * <p>Keys per topic (hash-tagged by topic, so a cluster keeps them on one slot): {@code <prefix>:{<topic>}:m}, a hash
 * with the epoch {@code e} and the last offset {@code o}; and {@code <prefix>:{<topic>}:s}, the stream.
 */
final class Scripts {

    /**
     * The opening every per-topic script shares. KEYS: meta, stream. ARGV[1]: a fresh epoch, ARGV[2]: meta TTL ms. Sets
     * {@code epoch} to the topic's epoch; a topic without metadata gets the fresh epoch and offset 0, and any stream
     * left without metadata is dropped, since its offsets belong to a lost epoch.
     */
    private static final String EPOCH = """
            local epoch = redis.call('HGET', KEYS[1], 'e')
            if not epoch then
              epoch = ARGV[1]
              redis.call('DEL', KEYS[2])
              redis.call('HSET', KEYS[1], 'e', epoch, 'o', 0)
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            """;

    /**
     * KEYS: meta, stream. ARGV: a fresh epoch, meta TTL ms, channel, data, stream size, stream TTL ms. Returns the
     * offset.
     */
    static final String PUBLISH = EPOCH + """
            local offset = redis.call('HINCRBY', KEYS[1], 'o', 1)
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[5], offset .. '-1', 'd', ARGV[4])
            redis.call('PEXPIRE', KEYS[2], ARGV[6])
            redis.call('PUBLISH', ARGV[3], offset .. '|' .. epoch .. '|' .. ARGV[4])
            return offset
            """;

    /**
     * KEYS: meta, stream. ARGV: a fresh epoch, meta TTL ms, the first offset wanted (0 for none), the epoch the caller
     * knows ("" for none). Returns {epoch, last offset, first offset read, entries}; when the topic's epoch is not the
     * caller's the read starts at offset 1. Creates the topic's metadata if it has none, so a subscriber learns the
     * epoch before the first publication.
     */
    static final String READ = EPOCH + """
            local top = tonumber(redis.call('HGET', KEYS[1], 'o'))
            local from = tonumber(ARGV[3])
            if ARGV[4] ~= '' and ARGV[4] ~= epoch then
              from = 1
            end
            if from == 0 or from > top then
              return {epoch, top, from, {}}
            end
            return {epoch, top, from, redis.call('XRANGE', KEYS[2], from .. '-1', '+')}
            """;

    /**
     * KEYS: the session directory. ARGV: session id, data, node channel prefix. Publishes "id|data" to the channel of
     * the node holding the session; returns the number of receivers, or -1 if no node holds it.
     */
    static final String SEND = """
            local node = redis.call('HGET', KEYS[1], ARGV[1])
            if not node then
              return -1
            end
            return redis.call('PUBLISH', ARGV[3] .. node, ARGV[1] .. '|' .. ARGV[2])
            """;

    /**
     * KEYS: meta, stream. ARGV: a fresh epoch, meta TTL ms, the node's channel, the marker's sequence number. Publishes
     * "c|seq|offset|epoch" to the node's channel: the topic's position at the marker's place in Redis's order.
     */
    static final String MARK = EPOCH + """
            local offset = redis.call('HGET', KEYS[1], 'o')
            return redis.call('PUBLISH', ARGV[3], 'c|' .. ARGV[4] .. '|' .. offset .. '|' .. epoch)
            """;

    private Scripts() {
    }
}
