/**
 * The Undertow transport for wshub: {@link io.wshub.transport.undertow.UndertowTransportProvider} (named
 * {@code undertow}) starts a standalone server, and {@link io.wshub.transport.undertow.UndertowWebSockets#handler}
 * gives an {@link io.undertow.server.HttpHandler} to mount in an Undertow server of your own.
 */
package io.wshub.transport.undertow;
