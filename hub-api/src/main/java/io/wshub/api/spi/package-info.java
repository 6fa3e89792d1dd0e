/**
 * The service provider interface for transports: implement {@link io.wshub.api.spi.TransportProvider} to adapt a
 * WebSocket server library, use {@link io.wshub.api.spi.SessionIds} for session ids, and extend
 * {@link io.wshub.api.spi.AbstractSession} for a session's identity (id, handshake, subprotocol, attributes).
 */
package io.wshub.api.spi;
