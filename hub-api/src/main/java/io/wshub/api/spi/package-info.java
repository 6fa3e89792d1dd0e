/**
 * The service provider interface for transports: implement {@link io.wshub.api.spi.TransportProvider} to adapt a
 * WebSocket server library, use {@link io.wshub.api.spi.SessionIds} for session ids, and extend
 * {@link io.wshub.api.spi.AbstractSession} for a session's identity (id, handshake, subprotocol, attributes).
 *
 * <p>The transport kernel, the protocol logic every transport shares and tests in memory: a transport that parses
 * client frames itself feeds the bytes it reads to a {@link io.wshub.api.spi.FrameDecoder} (RFC 6455 framing, limits,
 * UTF-8 and close-frame rules) and writes each {@link io.wshub.api.Message#wireFrame()} as it is, encoded once. Before
 * the upgrade, a transport feeds what it reads to a {@link io.wshub.api.spi.RequestHeadReader}, which bounds the
 * request head's size and header lines while it arrives and answers 431 beyond them.
 * A transport's session extends {@link io.wshub.api.spi.LifecycleSession}, which holds the session's one state, the
 * close-code algorithm (what {@code onClose} is told), the endpoint invoker (every call into the endpoint, with
 * everything it throws caught, 1011 and exactly one {@code onClose}) and the session's
 * {@link io.wshub.api.spi.OutboundQueue} (limits in wire bytes, the flush contract of {@link io.wshub.api.Session},
 * eviction, hand-over in bounded batches); the transport reports what happens on the connection and implements only
 * the running of a hand-over on its I/O thread and the sending of a close frame.
 */
package io.wshub.api.spi;
