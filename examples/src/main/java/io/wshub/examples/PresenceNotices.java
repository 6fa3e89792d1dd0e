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
 * <p>On a chat shared by several nodes the notices reach every node, but each node counts only its own clients, so
 * its notices say which node they count: {@code someone joined (3 online on node 2)}. (Who is online across every
 * node is a later seam of the design.)
 *
 * <p>Thread-safety: may serve any number of sessions from any number of transport threads.
 */
public final class PresenceNotices implements Endpoint {

    private final Endpoint delegate;
    private final Hub hub;
    private final String topic;
    private final String where;
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
        this(delegate, hub, topic, null);
    }

    /**
     * Creates the wrapper for one node of a chat shared by several.
     *
     * @param delegate the endpoint that does the real work; not null
     * @param hub the hub that carries the notices; not null
     * @param topic the topic the notices are published on; not null
     * @param node the name of the node whose clients this wrapper counts, such as {@code node 2} (letters, digits
     *             and spaces), or null on a chat of one node
     * @throws IllegalArgumentException if the node's name holds anything else
     */
    public PresenceNotices(Endpoint delegate, Hub hub, String topic, String node) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.topic = Objects.requireNonNull(topic, "topic");
        if (node != null && !node.chars().allMatch(c -> c == ' ' || c < 0x7f && Character.isLetterOrDigit(c))) {
            throw new IllegalArgumentException("node must be ASCII letters, digits and spaces, was '" + node + "'");
        }
        this.where = node == null ? "" : " on " + node;
    }

    @Override
    public void onOpen(Session session) {
        delegate.onOpen(session); // subscribes first, so the newcomer sees its own notice
        announce("someone joined (" + online.incrementAndGet() + " online" + where + ")");
    }

    @Override
    public void onMessage(Session session, Message message) {
        delegate.onMessage(session, message);
    }

    @Override
    public void onClose(Session session, int code, String reason) {
        delegate.onClose(session, code, reason);
        announce("someone left (" + online.decrementAndGet() + " online" + where + ")");
    }

    @Override
    public void onError(Session session, Throwable error) {
        delegate.onError(session, error);
    }

    private void announce(String text) {
        // The text is ours (letters, digits, spaces, parentheses): nothing in it needs JSON escaping.
        // While the Redis of a shared chat is unreachable, the notice is not sent (UNAVAILABLE).
        hub.publish(topic, Message.text("{\"type\":\"system\",\"text\":\"" + text + "\"}"));
    }
}
