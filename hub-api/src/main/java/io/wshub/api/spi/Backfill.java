package io.wshub.api.spi;

import io.wshub.api.Message;
import io.wshub.api.StreamPosition;
import java.util.List;
import java.util.Objects;

/**
 * What a backplane hands to
 * {@link BackplaneHub#subscribe(io.wshub.api.Session, String, io.wshub.api.SubscribeOptions, Backfill)} for one
 * subscription: the topic's position as far as the backplane has fed the local hub, and what its store still held
 * after the subscription's position up to that one.
 *
 * @param covered whether the store's epoch is the requested position's; when false the subscription is not recovered
 *                and {@code messages} is empty. When true, the local hub checks that its own history and the messages
 *                together cover every publication after the position
 * @param top the position the backplane has fed the local hub up to (the offset and epoch of that publication); not null
 * @param messages what the store still held after the requested position, in offset order, the last one at
 *                 {@code top} (the oldest may have been trimmed); empty if none or if not covered; not null
 */
public record Backfill(boolean covered, StreamPosition top, List<Message> messages) {

    /**
     * Checks and copies the arguments.
     *
     * @param covered whether the store's epoch is the requested one
     * @param top the position the backplane has fed the local hub up to; not null
     * @param messages the publications after the requested position up to {@code top}; not null
     * @throws IllegalArgumentException if a not covered backfill has messages, or there are more messages than offsets
     *                                  up to {@code top}
     */
    public Backfill {
        Objects.requireNonNull(top, "top");
        messages = List.copyOf(messages);
        if (!covered && !messages.isEmpty()) {
            throw new IllegalArgumentException("a backfill that is not covered carries no messages");
        }
        if (messages.size() > top.offset()) {
            throw new IllegalArgumentException(messages.size() + " messages cannot end at offset " + top.offset());
        }
    }

    /**
     * Returns the offset of the first message.
     *
     * @return {@code top.offset() - messages.size() + 1}
     */
    public long firstOffset() {
        return top.offset() - messages.size() + 1;
    }
}
