package io.wshub.disruptor;

import com.lmax.disruptor.ExceptionHandler;

/**
 * Replaces the Disruptor's default {@code FatalExceptionHandler}, which would end the fan-out thread and so stall
 * every publisher once the ring fills: an exception that escapes the handler is logged and counted, and processing
 * goes on with the next event. The shard's handler already catches what sessions and listeners throw, so this is a
 * safety net.
 *
 * <p>Thread-safety: called on the owning hub thread only (a shard's, or the history stage's).
 */
final class ShardExceptionHandler implements ExceptionHandler<HubEvent> {

    private final ErrorSink shard;

    ShardExceptionHandler(ErrorSink shard) {
        this.shard = shard;
    }

    @Override
    public void handleEventException(Throwable ex, long sequence, HubEvent event) {
        shard.error("event " + sequence, ex);
    }

    @Override
    public void handleOnStartException(Throwable ex) {
        shard.error("start", ex);
    }

    @Override
    public void handleOnShutdownException(Throwable ex) {
        shard.error("shutdown", ex);
    }
}
