package io.wshub.disruptor;

/**
 * Where a hub thread counts and logs an exception it caught.
 *
 * <p>Thread-safety: called only on the thread that owns the sink.
 */
interface ErrorSink {

    /**
     * Counts and logs a caught exception.
     *
     * @param what what failed
     * @param t the exception, or null
     */
    void error(String what, Throwable t);
}
