/**
 * Micrometer binders for wshub: {@link io.wshub.micrometer.HubMetrics} exports any {@link io.wshub.api.Hub}'s
 * {@link io.wshub.api.HubStats}, and {@link io.wshub.micrometer.TransportMetrics} any running transport's
 * {@link io.wshub.api.ServerStats}, as meters named {@code wshub.*}. Depends on hub-api and micrometer-core only.
 */
package io.wshub.micrometer;
