package io.wshub.testkit;

import io.wshub.api.Endpoint;
import io.wshub.api.Message;
import io.wshub.api.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps an endpoint and watches the transport's calls: opens and closes, close codes by session, the sessions
 * themselves (to observe their queues), and contract violations (a second {@code onClose}, a call after
 * {@code onClose}), which it records as failures in the environment. Package-private: the suites' instrument.
 *
 * <p>Thread-safety: called by transport threads concurrently.
 */
final class ObservedEndpoint implements Endpoint {

    private final Endpoint delegate;
    private final VerificationEnvironment env;
    private final AtomicInteger opens = new AtomicInteger();
    private final AtomicInteger closes = new AtomicInteger();
    private final Map<Long, Integer> closeCodes = new ConcurrentHashMap<>();
    private final Map<Long, Session> open = new ConcurrentHashMap<>();
    private final Map<Long, List<Throwable>> errors = new ConcurrentHashMap<>();
    private final List<Session> sessions = new ArrayList<>();

    ObservedEndpoint(Endpoint delegate, VerificationEnvironment env) {
        this.delegate = delegate;
        this.env = env;
    }

    @Override
    public void onOpen(Session session) {
        if (open.putIfAbsent(session.id(), session) != null || closeCodes.containsKey(session.id())) {
            env.recordFailure("onOpen called twice for session " + session.id());
        }
        synchronized (sessions) {
            sessions.add(session);
        }
        try {
            delegate.onOpen(session);
        } finally {
            opens.incrementAndGet();
        }
    }

    @Override
    public void onMessage(Session session, Message message) {
        if (!open.containsKey(session.id())) {
            env.recordFailure("onMessage for session " + session.id() + " outside onOpen..onClose");
        }
        if (message.kind() != Message.Kind.TEXT && message.kind() != Message.Kind.BINARY) {
            env.recordFailure("onMessage must only see text and binary messages, got " + message.kind());
        }
        delegate.onMessage(session, message);
    }

    @Override
    public void onClose(Session session, int code, String reason) {
        if (open.remove(session.id()) == null) {
            env.recordFailure("onClose for session " + session.id() + " that was not open (second onClose?)");
        }
        if (reason == null) {
            env.recordFailure("onClose reason must never be null");
        }
        closeCodes.put(session.id(), code);
        try {
            delegate.onClose(session, code, reason == null ? "" : reason);
        } finally {
            closes.incrementAndGet();
        }
    }

    @Override
    public void onError(Session session, Throwable error) {
        errors.computeIfAbsent(session.id(), k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(error);
        delegate.onError(session, error);
    }

    int opens() {
        return opens.get();
    }

    int closes() {
        return closes.get();
    }

    int openNow() {
        return open.size();
    }

    Integer closeCode(long sessionId) {
        return closeCodes.get(sessionId);
    }

    /** The errors {@code onError} was told for a session, in order; empty if none. */
    List<Throwable> errors(long sessionId) {
        return errors.getOrDefault(sessionId, List.of());
    }

    Session session(int index) {
        synchronized (sessions) {
            return index < sessions.size() ? sessions.get(index) : null;
        }
    }

    List<Session> sessions() {
        synchronized (sessions) {
            return List.copyOf(sessions);
        }
    }
}
