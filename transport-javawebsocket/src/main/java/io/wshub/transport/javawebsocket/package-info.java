/**
 * The Java-WebSocket transport: {@link io.wshub.transport.javawebsocket.JavaWebSocketTransportProvider}, named
 * {@code java-websocket}, adapts {@code org.java-websocket:Java-WebSocket} to wshub's transport SPI. Everything else in
 * this package is package-private.
 */
package io.wshub.transport.javawebsocket;
