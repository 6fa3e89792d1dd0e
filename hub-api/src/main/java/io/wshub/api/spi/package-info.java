/**
 * The service provider interface for transports: implement {@link io.wshub.api.spi.TransportProvider} to adapt a
 * WebSocket server library, and use {@link io.wshub.api.spi.SessionIds} for session ids.
 */
package io.wshub.api.spi;
