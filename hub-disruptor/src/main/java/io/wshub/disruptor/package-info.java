/**
 * The ring-buffer broadcast core: {@link io.wshub.disruptor.DisruptorHub}, configured by
 * {@link io.wshub.disruptor.DisruptorHubConfig}. Every hub operation is an event on one multi-producer LMAX Disruptor
 * ring, so the ring gives all of them one total order; fan-out runs on a configurable number of handler threads, each
 * owning a shard of the sessions.
 */
package io.wshub.disruptor;
