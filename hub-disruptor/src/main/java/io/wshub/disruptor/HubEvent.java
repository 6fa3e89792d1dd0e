package io.wshub.disruptor;

import io.wshub.api.Message;
import io.wshub.api.Session;
import io.wshub.api.SubscribeOptions;
import io.wshub.api.spi.Backfill;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One pre-allocated slot of the ring: a hub operation. Written by one publisher between claiming and publishing its
 * sequence, read by every fan-out thread, and cleared by the last of them so the ring does not pin old payloads.
 *
 * <p>Thread-safety: published and read through the ring's sequences only.
 */
final class HubEvent {

    static final int NOOP = 0;
    static final int JOIN = 1;
    static final int LEAVE = 2;
    static final int SUBSCRIBE = 3;
    static final int UNSUBSCRIBE = 4;
    static final int BROADCAST = 5;
    static final int PUBLISH = 6;
    static final int SEND = 7;
    static final int SHUTDOWN = 8;

    private static final VarHandle REMAINING;

    static {
        try {
            REMAINING = MethodHandles.lookup().findVarHandle(HubEvent.class, "remaining", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    int type;
    /** The session joining, leaving, subscribing or unsubscribing; null otherwise. */
    Session session;
    /** The session concerned: the member of a membership operation, a send's target or a broadcast's exclusion. */
    long sessionId;
    /** The topic of a subscription or topic publish; null otherwise. */
    String topic;
    /** The message of a broadcast, publish or send; null otherwise. */
    Message message;
    /**
     * A topic publication's offset, written by the history stage; 0 if the topic keeps no history. Written by the
     * publisher instead when a backplane assigned the position ({@link #epoch} is then set).
     */
    long offset;
    /** The epoch of a position a backplane assigned to a topic publication; null for one the hub positions itself. */
    String epoch;
    /** What a backplane read from its store for a subscription; null otherwise. */
    Backfill backfill;
    /** A topic publication's envelope, built once by the history stage; null if none. */
    Message envelope;
    /** A subscription's options; null for a plain subscription. */
    SubscribeOptions options;
    /** A subscription's outcome, worked out by the history stage when {@link #options} is set; null otherwise. */
    Recovery recovery;
    /** How many fan-out threads have still to process this event (accessed through {@link #REMAINING}). */
    private int remaining;

    /**
     * Prepares a freshly claimed slot: called by the publisher before it publishes the sequence.
     *
     * @param shards how many fan-out threads will process the event
     * @param eventType the operation
     */
    void claim(int shards, int eventType) {
        remaining = shards;
        type = eventType;
    }

    /**
     * Marks this event processed by one fan-out thread; the last one clears the references.
     *
     * @param shards the number of fan-out threads
     */
    void release(int shards) {
        if (shards == 1 || (int) REMAINING.getAndAdd(this, -1) == 1) {
            type = NOOP;
            session = null;
            sessionId = 0L;
            topic = null;
            message = null;
            offset = 0L;
            epoch = null;
            backfill = null;
            envelope = null;
            options = null;
            recovery = null;
        }
    }
}
