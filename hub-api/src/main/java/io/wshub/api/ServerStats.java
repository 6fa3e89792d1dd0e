package io.wshub.api;

import java.util.Objects;

/**
 * A snapshot of a running server's counters, as {@link RunningServer#stats()} returns it. The counters only grow;
 * {@code connections} and the queue values are current values. Messages are data messages (text and binary, and
 * pings or pongs an application offered); their bytes are payload bytes, without frame headers. The queue values
 * are summed (or the largest taken) over the sessions open when the snapshot was taken.
 *
 * @param connections sessions open now
 * @param handshakesAccepted upgrades answered with 101
 * @param handshakesRejected upgrade requests refused, by HTTP status (the transport's own checks, the connection
 *                           limit and the {@link HandshakePolicy}'s rejections); not null
 * @param closes sessions closed, by the close code their endpoint's {@link Endpoint#onClose} was given (1006 when
 *               the connection ended without a close frame); not null
 * @param messagesIn whole messages received from clients and handed to the endpoint
 * @param bytesIn the payload bytes of {@code messagesIn}
 * @param messagesOut messages fully written to clients
 * @param bytesOut the payload bytes of {@code messagesOut}
 * @param queuedMessages messages queued for every open session and not yet written ({@link Session#queuedMessages()})
 * @param queuedBytes bytes queued for every open session ({@link Session#queuedBytes()})
 * @param largestQueueMessages the most messages queued for one session
 * @param largestQueueBytes the most bytes queued for one session
 */
public record ServerStats(int connections, long handshakesAccepted, CodeCounts handshakesRejected, CodeCounts closes,
                          long messagesIn, long bytesIn, long messagesOut, long bytesOut, long queuedMessages,
                          long queuedBytes, int largestQueueMessages, long largestQueueBytes) {

    /**
     * Checks the code counts.
     *
     * @param connections see the record's description
     * @param handshakesAccepted see the record's description
     * @param handshakesRejected see the record's description
     * @param closes see the record's description
     * @param messagesIn see the record's description
     * @param bytesIn see the record's description
     * @param messagesOut see the record's description
     * @param bytesOut see the record's description
     * @param queuedMessages see the record's description
     * @param queuedBytes see the record's description
     * @param largestQueueMessages see the record's description
     * @param largestQueueBytes see the record's description
     * @throws NullPointerException if {@code handshakesRejected} or {@code closes} is null
     */
    public ServerStats {
        Objects.requireNonNull(handshakesRejected, "handshakesRejected");
        Objects.requireNonNull(closes, "closes");
    }
}
