/**
 * wshub's transport-agnostic contracts: {@link io.wshub.api.Message}, {@link io.wshub.api.Session},
 * {@link io.wshub.api.Endpoint}, {@link io.wshub.api.Hub}, {@link io.wshub.api.HandshakePolicy},
 * {@link io.wshub.api.ServerConfig} and the {@link io.wshub.api.Transports} facade. This package depends on nothing but
 * the JDK.
 */
package io.wshub.api;
