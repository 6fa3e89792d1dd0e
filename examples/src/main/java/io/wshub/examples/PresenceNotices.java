package io.wshub.examples;

import io.wshub.api.Endpoint;
import io.wshub.api.Hub;
import io.wshub.api.Message;
import io.wshub.api.Session;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps an endpoint and tells everyone on a hub when a client arrives or leaves, with a JSON text message such as
 * {@code {"type":"system","text":"someone joined (3 online)"}}, published on a topic that every session subscribes to
 * (the delegate subscribes it; {@link ChatRelay} does). The server knows no names: a chat client puts its user's name
 * inside the messages it sends.
 *
 * <p>Thread-safety: may serve any number of sessions from any number of transport threads.
 */
public final class PresenceNotices implements Endpoint {

    private final Endpoint delegate;
    private final Hub hub;
    private final String topic;
    private final AtomicInteger online = new AtomicInteger();

    /**
     * Creates the wrapper.
     *
     * @param delegate the endpoint that does the real work, usually a {@link ChatRelay} on {@code hub} that
     *                 subscribes each session to {@code topic}; not null
     * @param hub the hub that carries the notices; not null
     * @param topic the topic the notices are published on; not null
     */
    public PresenceNotices(Endpoint delegate, Hub hub, String topic) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    @Override
    public void onOpen(Session session) {
        delegate.onOpen(session); // subscribes first, so the newcomer sees its own notice
        announce("someone joined (" + online.incrementAndGet() + " online)");
    }

    @Override
    public void onMessage(Session session, Message message) {
        delegate.onMessage(session, message);
    }

    @Override
    public void onClose(Session session, int code, String reason) {
        delegate.onClose(session, code, reason);
        announce("someone left (" + online.decrementAndGet() + " online)");
    }

    @Override
    public void onError(Session session, Throwable error) {
        delegate.onError(session, error);
    }

    private void announce(String text) {
        // The text is ours (letters, digits, spaces, parentheses): nothing in it needs JSON escaping.
        hub.publish(topic, Message.text("{\"type\":\"system\",\"text\":\"" + text + "\"}"));
    }
}
