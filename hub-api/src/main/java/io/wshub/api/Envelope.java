package io.wshub.api;

/**
 * Wraps a topic publication and its position into the message that sessions which asked for positions receive
 * ({@link SubscribeOptions#envelope()}), so that a client can learn each publication's offset and epoch.
 *
 * <p>A hub calls it <b>once per publication</b> on a topic with history, never per recipient, and offers the one
 * resulting message to every session that opted in; every other subscriber receives the original message byte for
 * byte. A hub with several nodes calls it once per publication on each node.
 *
 * <p>Threading: called on one of the hub's own threads; it must be fast, must not block and should not throw. A hub
 * catches what it throws, counts it as an error and offers the original message in its place.
 */
@FunctionalInterface
public interface Envelope {

    /**
     * Builds the message opted-in sessions receive for one publication.
     *
     * @param topic the topic; never null
     * @param offset the publication's offset, 1 or more
     * @param epoch the topic history's epoch; never null
     * @param message the published message; never null
     * @return the message to offer to opted-in sessions; not null
     */
    Message wrap(String topic, long offset, String epoch, Message message);
}
