/**
 * The conformance kit. Extend {@link io.wshub.testkit.TransportVerification} to check a transport over real sockets,
 * or {@link io.wshub.testkit.HubVerification} to check a {@link io.wshub.api.Hub} against in-memory sessions. Each test
 * method is one rule, named {@code required_...} or {@code optional_...}; an optional rule whose capability is missing
 * is skipped with its reason, never passed.
 *
 * <p>Test doubles: {@link io.wshub.testkit.RecordingSession}, {@link io.wshub.testkit.SlowSession} and
 * {@link io.wshub.testkit.InMemoryTransport}; a simple, correct hub for tests, {@link io.wshub.testkit.ReferenceHub},
 * which the transport suite uses unless told otherwise. Drivers: {@link io.wshub.testkit.RawWebSocketClient}. Fixtures:
 * {@link io.wshub.testkit.RedisServer}, a real {@code redis-server} for tests of a hub on Redis.
 */
package io.wshub.testkit;
