package io.wshub.api;

/**
 * The outcome of {@link Session#offer(Message)}: the hot path reports status instead of throwing or blocking.
 *
 * <p>Thread-safety: immutable.
 */
public enum OfferResult {
    /** The message was queued for the client. */
    ENQUEUED,
    /** The session's bounded outbound queue is full; the message was not queued. The caller applies its policy. */
    FULL,
    /** The session is closed or closing; the message was not queued. */
    CLOSED
}
