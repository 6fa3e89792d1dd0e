/**
 * wshub's benchmarks: JMH fan-out benchmarks ({@link io.wshub.benchmarks.fanout}), the end-to-end load tool
 * ({@link io.wshub.benchmarks.load}), and peer servers written with other libraries' own broadcast idioms
 * ({@link io.wshub.benchmarks.peers}). Nothing here is a library API.
 */
package io.wshub.benchmarks;
