package io.wshub.disruptor;

import io.wshub.api.Message;

/**
 * One topic's history: its epoch, the offset of its last publication, and a bounded ring of references to the last
 * publications (the published message and, when the hub has an envelope, the envelope built for it), each with the
 * time it was appended. The ring grows on demand up to the configured size, so a quiet topic costs little.
 *
 * <p>Offsets are contiguous: the ring holds offsets {@link #first} to {@link #last}; when it is empty
 * {@code first == last + 1}.
 *
 * <p>Thread-safety: single writer and reader, the history stage's thread (a shard thread when the hub has one shard).
 */
final class TopicHistory {

    private static final int INITIAL_CAPACITY = 16;

    final String topic;
    final String epoch;
    /** The offset of the last publication, 0 before the first. */
    long last;
    /** The oldest offset still held. */
    long first = 1;

    private final int maxPublications;
    private final long ttlNanos;
    private Message[] messages;
    private Message[] envelopes;
    private long[] appendedAt;
    /** When the last publication was appended, or the history was created. */
    long touchedAt;

    TopicHistory(String topic, String epoch, int maxPublications, long ttlNanos, long now) {
        this.topic = topic;
        this.epoch = epoch;
        this.maxPublications = maxPublications;
        this.ttlNanos = ttlNanos;
        int capacity = Math.min(INITIAL_CAPACITY, maxPublications);
        this.messages = new Message[capacity];
        this.envelopes = new Message[capacity];
        this.appendedAt = new long[capacity];
        this.touchedAt = now;
    }

    /** Returns how many publications are held. */
    int size() {
        return (int) (last - first + 1);
    }

    /** Returns the offset the next publication will get. */
    long nextOffset() {
        return last + 1;
    }

    /**
     * Appends the publication with the next offset, trimming the oldest when the ring is full.
     *
     * @param message the published message
     * @param envelope its envelope, or null
     * @param now the current {@link System#nanoTime()}
     * @return the publication's offset
     */
    long append(Message message, Message envelope, long now) {
        trimExpired(now);
        if (size() == maxPublications) {
            drop();
        } else if (size() == messages.length) {
            grow();
        }
        long offset = ++last;
        int i = index(offset);
        messages[i] = message;
        envelopes[i] = envelope;
        appendedAt[i] = now;
        touchedAt = now;
        return offset;
    }

    /**
     * Returns one held publication.
     *
     * @param offset its offset, from {@link #first} to {@link #last}
     * @param envelope whether to return its envelope (where there is one) instead of the message
     * @return the publication
     */
    Message get(long offset, boolean envelope) {
        int i = index(offset);
        Message e = envelope ? envelopes[i] : null;
        return e != null ? e : messages[i];
    }

    /** Drops every publication older than the TTL. */
    void trimExpired(long now) {
        while (first <= last && now - appendedAt[index(first)] > ttlNanos) {
            drop();
        }
    }

    /** Returns whether the history holds nothing and has been idle for longer than the TTL. */
    boolean isIdle(long now) {
        trimExpired(now);
        return first > last && now - touchedAt > ttlNanos;
    }

    /**
     * Copies the publications with offsets {@code from} to {@link #last}, which must all be held.
     *
     * @param from the first offset to copy, at least {@link #first}
     * @param envelope whether to copy the envelopes (where there is one) instead of the messages
     * @return the publications in offset order
     */
    Message[] copy(long from, boolean envelope) {
        int n = (int) (last - from + 1);
        Message[] out = new Message[n];
        for (int k = 0; k < n; k++) {
            out[k] = get(from + k, envelope);
        }
        return out;
    }

    private void drop() {
        int i = index(first);
        messages[i] = null;
        envelopes[i] = null;
        first++;
    }

    private void grow() {
        int capacity = (int) Math.min(maxPublications, messages.length * 2L);
        Message[] m = new Message[capacity];
        Message[] e = new Message[capacity];
        long[] t = new long[capacity];
        for (long o = first; o <= last; o++) {
            int from = index(o);
            int to = (int) (o % capacity);
            m[to] = messages[from];
            e[to] = envelopes[from];
            t[to] = appendedAt[from];
        }
        messages = m;
        envelopes = e;
        appendedAt = t;
    }

    private int index(long offset) {
        return (int) (offset % messages.length);
    }

    @Override
    public String toString() {
        return "TopicHistory[" + topic + ", epoch=" + epoch + ", offsets " + first + ".." + last + ", capacity "
                + messages.length + "/" + maxPublications + "]";
    }

    /** For tests: the current ring capacity. */
    int capacity() {
        return messages.length;
    }

    /** For tests: whether every slot outside the held range is cleared. */
    boolean holdsNothingOutsideRange() {
        for (int i = 0; i < messages.length; i++) {
            boolean held = false;
            for (long o = first; o <= last; o++) {
                if (index(o) == i) {
                    held = true;
                    break;
                }
            }
            if (!held && (messages[i] != null || envelopes[i] != null)) {
                return false;
            }
        }
        return true;
    }
}
