/**
 * The service provider interface for transports: implement {@link io.wshub.api.spi.TransportProvider} to adapt a
 * WebSocket server library, use {@link io.wshub.api.spi.SessionIds} for session ids, and extend
 * {@link io.wshub.api.spi.AbstractSession} for a session's identity (id, handshake, subprotocol, attributes).
 *
 * <p>The transport kernel, the protocol logic every transport shares and tests in memory: a transport that parses
 * client frames itself feeds the bytes it reads to a {@link io.wshub.api.spi.FrameDecoder} (RFC 6455 framing, limits,
 * UTF-8 and close-frame rules) and writes each {@link io.wshub.api.Message#wireFrame()} as it is, encoded once.
 */
package io.wshub.api.spi;
