package io.wshub.examples;

import io.wshub.api.Endpoint;
import io.wshub.api.Hub;
import io.wshub.api.Message;
import io.wshub.api.Session;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps an endpoint and tells everyone on a hub when a client arrives or leaves, with a JSON text message such as
 * {@code {"type":"system","text":"someone joined (3 online)"}}. The server knows no names: a chat client puts its
 * user's name inside the messages it sends.
 *
 * <p>Thread-safety: may serve any number of sessions from any number of transport threads.
 */
public final class PresenceNotices implements Endpoint {

    private final Endpoint delegate;
    private final Hub hub;
    private final AtomicInteger online = new AtomicInteger();

    /**
     * Creates the wrapper.
     *
     * @param delegate the endpoint that does the real work, usually a {@link io.wshub.api.BroadcastEndpoint} on
     *                 {@code hub}; not null
     * @param hub the hub that carries the notices; not null
     */
    public PresenceNotices(Endpoint delegate, Hub hub) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.hub = Objects.requireNonNull(hub, "hub");
    }

    @Override
    public void onOpen(Session session) {
        delegate.onOpen(session); // joins the hub first, so the newcomer sees its own notice
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
        hub.broadcast(Message.text("{\"type\":\"system\",\"text\":\"" + text + "\"}"));
    }
}
