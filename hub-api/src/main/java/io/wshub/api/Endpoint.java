package io.wshub.api;

/**
 * The application's side of a connection: a transport calls these methods as sessions open, receive messages and
 * close. Implemented by applications; {@link Endpoints#echo()} and {@link BroadcastEndpoint} are ready-made.
 *
 * <p>Threading: a transport calls an endpoint on its I/O or decoder threads, which serve many connections, so an
 * endpoint must never block. For one session the calls are sequential and in order: {@code onOpen}, then
 * {@code onMessage} zero or more times, then exactly one {@code onClose}. Calls for different sessions may be
 * concurrent. Anything an endpoint throws from {@code onOpen}, {@code onMessage} or {@code onError}, an {@link Error}
 * such as {@link AssertionError} or {@link StackOverflowError} included, is reported to {@link #onError} and the session
 * is closed with 1011; the transport keeps serving everyone else. Only a {@link VirtualMachineError} other than
 * {@link StackOverflowError} (the JVM itself failing) is rethrown, after that close. Transports make these calls
 * through the kernel's {@link io.wshub.api.spi.LifecycleSession}, so every transport makes them the same way.
 */
public interface Endpoint {

    /**
     * Called once when the handshake has completed and the session is open. The client may already have received the
     * 101 response and sent its first messages; they are delivered to {@link #onMessage} only after this returns.
     *
     * @param session the new session; never null
     */
    default void onOpen(Session session) {
    }

    /**
     * Called for each complete data message, after fragments are reassembled. Ping and pong frames are answered by
     * the transport and not passed here.
     *
     * @param session the session that received the message; never null
     * @param message a {@link Message.Text} or {@link Message.Binary}; never null
     */
    void onMessage(Session session, Message message);

    /**
     * Called once when the session has closed, whoever closed it.
     *
     * @param session the closed session; never null
     * @param code the close code: the peer's if the peer's close frame came first (1005,
     *             {@link CloseCode#NO_STATUS_RECEIVED}, if it had no code), ours if we started the close, or 1006
     *             ({@link CloseCode#ABNORMAL_CLOSURE}) if the connection dropped without a close frame
     * @param reason the reason; never null, possibly empty
     */
    default void onClose(Session session, int code, String reason) {
    }

    /**
     * Called when the transport meets an error on this session (a protocol error it closed for, an I/O error, or an
     * exception from this endpoint). {@link #onClose} follows when the session closes.
     *
     * @param session the session; never null
     * @param error the error; never null
     */
    default void onError(Session session, Throwable error) {
    }
}
