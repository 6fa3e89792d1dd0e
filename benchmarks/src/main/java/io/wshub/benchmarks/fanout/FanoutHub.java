package io.wshub.benchmarks.fanout;

import io.wshub.api.Message;
import io.wshub.api.Session;

/**
 * What the fan-out benchmark needs from a hub under test: fixed membership, then broadcasts.
 *
 * <p>Thread-safety: {@link #broadcast} may be called by several publisher threads at once; {@link #joinAll} and
 * {@link #close} are called by the benchmark's setup and teardown only.
 */
interface FanoutHub extends AutoCloseable {

    /**
     * Adds the members and returns once every one of them receives broadcasts.
     *
     * @param members the sessions; not null
     */
    void joinAll(Session[] members);

    /**
     * Broadcasts a message to every member without blocking.
     *
     * @param message the shared message
     * @return {@code false} if the hub refused it for backpressure (the caller retries)
     */
    boolean broadcast(Message message);

    @Override
    void close();
}
